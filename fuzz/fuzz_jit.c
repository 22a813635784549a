/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer differential target: the JIT against the interpreter.
 *
 * Input as for fuzz_vm.c: a flags byte, a little-endian u16 memory size
 * (modulo MAX_MEM + 1), the memory, then program slots.  F_REPAIR maps
 * every slot onto a row of the ISA table (valid opcodes, in-range jumps,
 * local calls, known helper ids) and F_EXIT appends an exit, so most inputs
 * become programs the loader accepts - including helper calls, callx and
 * local calls, which is where the JIT's calling convention can go wrong.
 *
 * A loaded program runs checked, under an instruction budget, on the
 * interpreter, on the JIT through the public API (the cached image) and on
 * a freshly compiled constant-blinded JIT image; result code, r0, the exact
 * instruction count, the error message and the memory must all agree.  A
 * disagreement aborts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "isa/isa.h"
#include "fuzz_helpers.h"
#include "fuzz_repair.h"
#include "jit/jit.h"

static const struct bpfrt_jit_image *blind_img;

static int exec_blind(struct bpfrt_run_ctx *rc)
{
	return bpfrt__jit_exec_image(rc, blind_img);
}

/* The VM's own run path (prepare + run_once, the way bpfrt_prog__run
 * drives an engine) on a static stack, so that addresses - in messages and
 * in r0 - are the same for both engines: the interpreter (img NULL) or the
 * given JIT image. */
static void run_internal(const struct bpfrt_prog *prog, const struct bpfrt_jit_image *img,
			 const uint8_t *mem, size_t mem_len, struct outcome *o)
{
	static uint8_t work[MAX_MEM];
	static _Alignas(16) uint8_t stack[VM_STACK_BYTES];
	memcpy(work, mem, mem_len);
	o->err[0] = '\0';
	struct bpfrt_run_ctx rc = {
		.ctx_lo = (uintptr_t)(mem_len ? work : NULL),
		.ctx_hi = (uintptr_t)(mem_len ? work : NULL) + mem_len,
		.pkt = mem_len ? work : NULL,
		.pkt_size = mem_len,
		.insn_limit = INSN_LIMIT,
		.args = { (uintptr_t)(mem_len ? work : NULL), mem_len },
		.err_buf = o->err,
		.err_size = sizeof(o->err),
	};
	o->rc = bpfrt__vm_prepare(prog, &rc, BPFRT_ENGINE_INTERP, BPFRT_CHECK_ALWAYS, stack,
				  sizeof(stack));
	if (!o->rc) {
		if (img) {
			blind_img = img;
			rc.exec = exec_blind;
		}
		o->rc = bpfrt__vm_run_once(prog, &rc, stack, sizeof(stack));
	}
	o->retval = o->rc ? 0 : rc.retval;
	o->insn_cnt = rc.insn_cnt;
	memcpy(o->mem, work, mem_len);
	bpfrt__vm_regions_free(&rc);
}


static void compare(const char *what, const struct outcome *a, const struct outcome *b,
		    size_t mem_len)
{
	bool same = a->rc == b->rc && !memcmp(a->mem, b->mem, mem_len) &&
		    a->insn_cnt == b->insn_cnt &&
		    (a->rc ? !strcmp(a->err, b->err) : a->retval == b->retval);
	if (same)
		return;
	fprintf(stderr,
		"interpreter and %s disagree:\n"
		"  interp: rc %d retval 0x%" PRIx64 " insns %" PRIu64 " %s\n"
		"  jit:    rc %d retval 0x%" PRIx64 " insns %" PRIu64 " %s\n"
		"  memory %s\n",
		what, a->rc, a->retval, a->insn_cnt, a->err, b->rc, b->retval, b->insn_cnt,
		b->err, memcmp(a->mem, b->mem, mem_len) ? "differs" : "same");
	abort();
}

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

	run(prog, BPFRT_ENGINE_INTERP, mem, mem_len, &a);
	run(prog, BPFRT_ENGINE_JIT, mem, mem_len, &b);
	compare("jit", &a, &b, mem_len);

	struct bpfrt_jit_image *img = NULL;
	char log[256];
	if (bpfrt__jit_compile(prog, true, true, &img, log, sizeof(log))) {
		fprintf(stderr, "blinded compile failed: %s\n", log);
		abort();
	}
	run_internal(prog, NULL, mem, mem_len, &a);
	run_internal(prog, img, mem, mem_len, &b);
	bpfrt__jit_free(img);
	compare("blinded jit", &a, &b, mem_len);
	bpfrt_prog__free(prog);
	return 0;
}
