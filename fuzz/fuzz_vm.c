/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the loader and the interpreter.
 *
 * Input: a flags byte, a little-endian u16 giving the memory size (taken
 * modulo MAX_MEM + 1), that many bytes of memory (fewer if the input ends),
 * then program slots, 8 bytes each (a trailing partial slot is ignored).
 *
 * Random bytes rarely make a program the loader accepts, so two flags bend
 * them towards valid ones and let the fuzzer reach the interpreter more
 * often: F_REPAIR maps every slot onto a row of the ISA table (its opcode,
 * discriminating field, zeroed reserved fields, an in-range jump target,
 * a known helper id) and F_EXIT appends an exit.  With flags 0 the bytes go
 * to the loader untouched, as in the conformance seeds.
 *
 * Whatever the bytes, bpfrt_prog__load_insns() must not crash, and a program
 * it accepts must run checked, under an instruction budget, to the same
 * result code, r0, instruction count and memory contents in both
 * interpreter engines.  The memory is the context (r1) and the packet of
 * LD_ABS/LD_IND.  Sanitizers catch the rest; a disagreement aborts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "isa/isa.h"
#include "fuzz_helpers.h"
#include "fuzz_repair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome a, b;
	static struct bpfrt_insn insns[MAX_SLOTS];

	const uint8_t *mem;
	size_t mem_len, cnt;
	struct bpfrt_prog *prog = load_input(data, size, insns, &cnt, &mem, &mem_len);
	if (!prog)
		return 0;

	/* A loaded program's view of its instructions is the input. */
	size_t got_cnt = 0;
	const struct bpfrt_insn *view = bpfrt_prog__insns(prog, &got_cnt);
	if (got_cnt != cnt || memcmp(view, insns, cnt * sizeof(*insns))) {
		fprintf(stderr, "bpfrt_prog__insns: %zu slots, loaded %zu\n", got_cnt, cnt);
		abort();
	}

	run(prog, BPFRT_ENGINE_INTERP, mem, mem_len, &a);
	run(prog, BPFRT_ENGINE_INTERP_SWITCH, mem, mem_len, &b);
	bool same = a.rc == b.rc && memcmp(a.mem, b.mem, mem_len) == 0 &&
		    (a.rc != 0 || (a.retval == b.retval && a.insn_cnt == b.insn_cnt));
	if (!same) {
		fprintf(stderr,
			"engines disagree:\n"
			"  interp:        rc %d retval 0x%" PRIx64 " insns %" PRIu64 " %s\n"
			"  interp-switch: rc %d retval 0x%" PRIx64 " insns %" PRIu64 " %s\n"
			"  memory %s\n",
			a.rc, a.retval, a.insn_cnt, a.err, b.rc, b.retval, b.insn_cnt, b.err,
			memcmp(a.mem, b.mem, mem_len) ? "differs" : "same");
		abort();
	}
	bpfrt_prog__free(prog);
	return 0;
}
