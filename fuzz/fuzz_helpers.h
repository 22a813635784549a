/* SPDX-License-Identifier: MIT */
/*
 * The helpers the executing fuzz targets (fuzz_vm, fuzz_jit) register, ids
 * 1, 2, 3 and 5 as repair() in fuzz_repair.h emits them: arithmetic on all
 * five arguments, a memory read, a memory write and bpf_conformance's
 * unwind; and run(), one run of a program through the public API with
 * its outcome.  One copy, so both targets compare the same things.
 */
#ifndef BPFRT_FUZZ_HELPERS_H
#define BPFRT_FUZZ_HELPERS_H

#include <stdint.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "fuzz_repair.h"	/* MAX_MEM */

/* Plain arithmetic on all five arguments, so argument passing is compared. */
static uint64_t h_mix(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct bpfrt_run_ctx *ctx)
{
	return (r1 * 0x9e3779b97f4a7c15ull) ^ (r2 >> 3) ^ (r3 << 7) ^ (r4 + 1) ^ ~r5;
}

/* Reads memory the program points at: exercises bpfrt_run_ctx__check_mem
 * against the stack and the context. */
static uint64_t h_sum(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct bpfrt_run_ctx *ctx)
{
	uint64_t len = r2 & 0x3ff;
	if (bpfrt_run_ctx__check_mem(ctx, r1, len, false))
		return (uint64_t)-1;
	const uint8_t *p = (const uint8_t *)(uintptr_t)r1;
	uint64_t s = 0;
	for (uint64_t i = 0; i < len; i++)
		s = s * 31 + p[i];
	return s;
}

/* Writes memory: the program's view of it afterwards must match too. */
static uint64_t h_fill(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct bpfrt_run_ctx *ctx)
{
	uint64_t len = r2 & 0x3ff;
	if (bpfrt_run_ctx__check_mem(ctx, r1, len, true))
		return (uint64_t)-1;
	if (len)	/* an empty range may be at address 0: memset(NULL) is UB */
		memset((void *)(uintptr_t)r1, (int)(r3 & 0xff), len);
	return len;
}

/* bpf_conformance's unwind: ends the program when it returns 0. */
static uint64_t h_unwind(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct bpfrt_run_ctx *ctx)
{
	return r1;
}

static const struct bpfrt_helper_def helpers[] = {
	{ .id = 1, .name = "mix", .fn = h_mix },
	{ .id = 2, .name = "sum", .fn = h_sum },
	{ .id = 3, .name = "fill", .fn = h_fill },
	{ .id = 5, .name = "unwind", .fn = h_unwind, .flags = BPFRT_HELPER_F_UNWIND },
};

#define INSN_LIMIT	10000

struct outcome {
	int rc;
	uint64_t retval;
	uint64_t insn_cnt;
	uint8_t mem[MAX_MEM];
	char err[256];
};

/* Both engines run on the same buffer (refilled in between), so r0 can be
 * compared even when the program leaks the context address into it.  The
 * stack is bpfrt_prog__run()'s and the call path is the same, so r10 is
 * too. */
static void run(const struct bpfrt_prog *prog, enum bpfrt_engine engine,
		const uint8_t *mem, size_t mem_len, struct outcome *o)
{
	static uint8_t work[MAX_MEM];
	memcpy(work, mem, mem_len);
	o->err[0] = '\0';
	BPFRT_OPTS(bpfrt_run_opts, ro, .ctx = mem_len ? work : NULL, .ctx_size = mem_len,
		   .engine = engine, .check = BPFRT_CHECK_ALWAYS, .insn_limit = INSN_LIMIT,
		   .err_buf = o->err, .err_size = sizeof(o->err));
	o->rc = bpfrt_prog__run(prog, &ro);
	o->retval = ro.retval;
	o->insn_cnt = ro.insn_cnt;
	memcpy(o->mem, work, mem_len);
}

/* Decode an input and load it with the helpers above (unverified: the
 * executing targets run programs checked).  NULL when it is too short or
 * the loader refuses it. */
static struct bpfrt_prog *load_input(const uint8_t *data, size_t size,
				     struct bpfrt_insn insns[MAX_SLOTS], size_t *cnt,
				     const uint8_t **mem, size_t *mem_len)
{
	bpfrt_set_print(quiet);
	if (size < 3)
		return NULL;
	*cnt = fuzz_decode_input(data, size, insns, mem, mem_len);
	char log[256];
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = "fuzz", .helpers = helpers,
		   .helper_cnt = sizeof(helpers) / sizeof(helpers[0]), .log_buf = log,
		   .log_size = sizeof(log));
	return bpfrt_prog__load_insns(insns, *cnt, &lo);
}

#endif
