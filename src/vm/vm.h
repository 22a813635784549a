/* SPDX-License-Identifier: MIT */
/*
 * Internal shape of a loaded program and of one run: the pre-decoded
 * instruction form the interpreter executes, and the per-run state helpers
 * see through struct bpfrt_run_ctx.
 */
#ifndef BPFRT_VM_H
#define BPFRT_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"
#include "isa/isa.h"

/*
 * One pre-decoded slot, 16 bytes so that slot i of the original program is
 * code[i] and pc arithmetic stays trivial.  Everything the handlers would
 * otherwise recompute per execution is done once at load time:
 *  - op:  enum bpfrt_op (BPFRT_OP__COUNT marks the second slot of lddw,
 *         which is never a valid target);
 *  - off: memory offset for loads/stores/atomics; for jumps and local calls
 *         the displacement relative to this slot (target = this + off), so
 *         ja32's 32-bit displacement fits too;
 *  - imm: the immediate sign-extended to 64 bits; the full 64-bit value for
 *         lddw; for helper calls the index into prog->helpers.
 */
struct vm_insn {
	uint8_t op;
	uint8_t dst;
	uint8_t src;
	uint8_t pad;
	int32_t off;
	uint64_t imm;
};

struct bpfrt_prog {
	char *name;
	struct bpfrt_insn *insns;	/* copy of the original slots */
	size_t cnt;
	struct vm_insn *code;		/* cnt pre-decoded slots */
	struct bpfrt_helper_def *helpers;	/* copy, in the caller's order */
	size_t helper_cnt;
	/* id -> index into helpers (or -1) for callx, whose id is only known
	 * at run time.  Dense when the ids are small, else NULL and callx
	 * searches helpers linearly (rare: ids are small in practice). */
	int32_t *helper_by_id;
	uint32_t helper_by_id_len;
};

/* Per-run state; helpers get a pointer to it. */
struct bpfrt_run_ctx {
	const struct bpfrt_prog *prog;
	void *user;
	bool checked;
	uintptr_t ctx_lo, ctx_hi;	/* [ctx, ctx + ctx_size) */
	uintptr_t stack_lo;		/* live frames: [stack_lo, stack_hi) */
	uintptr_t stack_hi;		/* top of frame 0 (its r10) */
	const uint8_t *pkt;		/* LD_ABS/LD_IND packet */
	uint64_t pkt_size;
	uint64_t insn_limit;		/* UINT64_MAX when unlimited */
	uint64_t arg1, arg2;		/* r1, r2 at entry */
	/* out */
	uint64_t retval;
	uint64_t insn_cnt;
	char *err_buf;
	size_t err_size;
};

/* The four instantiations of interp_body.h.  Each returns 0 (retval and
 * insn_cnt set) or a negative errno with the message in rc->err_buf. */
int bpfrt_vm_exec_goto_checked(struct bpfrt_run_ctx *rc);
int bpfrt_vm_exec_goto_unchecked(struct bpfrt_run_ctx *rc);
int bpfrt_vm_exec_switch_checked(struct bpfrt_run_ctx *rc);
int bpfrt_vm_exec_switch_unchecked(struct bpfrt_run_ctx *rc);

/* Index into prog->helpers of helper id, or -1. */
int32_t bpfrt_vm_helper_index(const struct bpfrt_prog *prog, uint64_t id);

/* Is [addr, addr + size) inside ctx or the live stack? */
static inline bool bpfrt_vm_mem_ok(const struct bpfrt_run_ctx *rc, uint64_t addr,
				   uint64_t size, uint64_t stack_lo)
{
	if (addr >= rc->ctx_lo && addr <= rc->ctx_hi && size <= rc->ctx_hi - addr)
		return true;
	return addr >= stack_lo && addr <= rc->stack_hi && size <= rc->stack_hi - addr;
}

#endif /* BPFRT_VM_H */
