/* SPDX-License-Identifier: MIT */
/*
 * randprog - a deterministic generator of random eBPF programs for
 * differential testing (bpfrt against the Linux kernel, later the JIT
 * against the interpreter).
 *
 * Every generated program
 *  - terminates (jumps only go forward),
 *  - is accepted by the Linux verifier as a socket filter run by root:
 *    every register is initialised first, r10 is only ever a base address,
 *    the stack area [r10-64, r10) is initialised before it is read, memory
 *    accesses are aligned to their size, immediate shifts stay below the
 *    operand width, immediate divisors are never 0, and every instruction is
 *    reachable in the control-flow graph;
 *  - touches no memory but that stack area, so it runs without a context.
 *
 * The generator needs neither the kernel nor libbpfrt: only the encoding in
 * bpfrt/insn.h.
 */
#ifndef BPFRT_TEST_RANDPROG_H
#define BPFRT_TEST_RANDPROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/insn.h"

/* Bytes of stack the programs use, below r10. */
#define RANDPROG_STACK 64

struct randprog_cfg {
	/* Random instructions in the body (not counting the register and
	 * stack set-up or the epilogue).  0 means 64. */
	unsigned body_len;
	/* Percentage of body instructions that are forward jumps (conditional
	 * jumps of both widths, and if/else diamonds built from a conditional
	 * jump and ja/gotol).  0: straight-line code. */
	unsigned jump_pct;
	/* Percentage of body instructions that access the stack (loads,
	 * stores, atomics).  Negative values are not meaningful; 0 means no
	 * memory traffic in the body. */
	unsigned mem_pct;
	/* Leave out cpu v4 instructions (sdiv/smod, movsx, bswap, ldxs*,
	 * gotol) for engines or kernels that lack them. */
	bool no_v4;
	/* Follow every 32-bit cmpxchg with "w0 = w0".  Linux 6.18 on x86-64
	 * leaves the upper half of r0 stale after a successful 32-bit cmpxchg
	 * when the only 64-bit use of r0 lies on a path the verifier pruned
	 * (the zero-extension it inserts is then missing), while RFC 9669 and
	 * bpfrt zero-extend.  Set this when comparing branching programs
	 * with the kernel. */
	bool zext_cmpxchg32;
};

/* Epilogue flags: what r0 holds at exit. */
enum {
	/* r0 = a hash of r0..r9 and the 64 stack bytes, so that every
	 * register and store in the body influences the result. */
	RANDPROG_EPI_FOLD = 1u << 0,
	/* r0 >>= 32 just before exit: a caller whose runner only returns
	 * 32 bits (BPF_PROG_TEST_RUN) sees the high half this way. */
	RANDPROG_EPI_HI32 = 1u << 1,
};

/* Upper bound on the slots randprog_gen() writes for a body of n. */
#define RANDPROG_MAX_SLOTS(n) (2 * (size_t)(n) + 96)

/* xorshift64* step; *state must not be 0 (randprog_seed() makes sure). */
uint64_t randprog_next(uint64_t *state);
/* Turn any seed (including 0) into a valid PRNG state. */
uint64_t randprog_seed(uint64_t seed);

/*
 * Generate the program for seed into out (room for cap slots).  The same
 * seed and cfg give the same body whatever epi is, so variants that differ
 * only in the epilogue compute the same thing.  Returns the number of slots,
 * or 0 when cap is too small.
 */
size_t randprog_gen(uint64_t seed, const struct randprog_cfg *cfg, unsigned epi,
		    struct bpfrt_insn *out, size_t cap);

#endif
