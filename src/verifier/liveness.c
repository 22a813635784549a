/* SPDX-License-Identifier: MIT */
/*
 * Static register liveness: for every instruction, which of r0-r9 some path
 * from it may read before writing (a backward data-flow fixpoint over the
 * control-flow graph, one function at a time: a local call reads r1-r5 and
 * leaves r6-r9 alone, exit reads r0).  Pruning compares only those
 * registers: a register every continuation overwrites first cannot change
 * whether the rest of the path is safe.  This is what lets two states that
 * differ only in a dead loop temporary meet, as the kernel's liveness does.
 */
#include <errno.h>
#include <stdlib.h>

#include "vinternal.h"

#define R(n) (1u << (n))
#define ARGS (R(1) | R(2) | R(3) | R(4) | R(5))
#define CALLER_SAVED (R(0) | ARGS)

/* Registers insn i reads (*use) and writes (*def). */
static void use_def(const struct venv *env, size_t i, uint16_t *use, uint16_t *def)
{
	const struct bpfrt_insn *in = &env->insns[i];
	int op = env->in[i].op;
	uint16_t u = 0, d = 0, dst = (uint16_t)R(in->dst_reg & 0xf), src = (uint16_t)R(in->src_reg & 0xf);
	switch (bpfrt_isa_rows[op].fmt) {
	case ISA_F_ALU_K:
		u = BPFRT_OP(in->code) == BPFRT_MOV ? 0 : dst;
		d = dst;
		break;
	case ISA_F_ALU_X:
		u = src | (BPFRT_OP(in->code) == BPFRT_MOV ? 0 : dst);
		d = dst;
		break;
	case ISA_F_NEG:
	case ISA_F_END:
		u = d = dst;
		break;
	case ISA_F_LDDW:
		d = dst;
		break;
	case ISA_F_LD_ABS:
	case ISA_F_LD_IND:
		/* reads the context in r6; a call in all but name */
		u = R(6) | (bpfrt_isa_rows[op].fmt == ISA_F_LD_IND ? src : 0);
		d = CALLER_SAVED;
		break;
	case ISA_F_LDX:
		u = src;
		d = dst;
		break;
	case ISA_F_ST:
		u = dst;
		break;
	case ISA_F_STX:
		u = dst | src;
		break;
	case ISA_F_ATOMIC:
		u = dst | src;
		if (in->imm == BPFRT_CMPXCHG) {
			u |= R(0);
			d = R(0);
		} else if (in->imm & BPFRT_FETCH) {
			d = src;
		}
		break;
	case ISA_F_JMP_K:
		u = dst;
		break;
	case ISA_F_JMP_X:
		u = dst | src;
		break;
	case ISA_F_CALL:
		u = ARGS;
		d = CALLER_SAVED;
		break;
	case ISA_F_CALLX:
		u = ARGS | dst;
		d = CALLER_SAVED;
		break;
	case ISA_F_EXIT:
		u = R(0);
		break;
	default:	/* JA, JA32 */
		break;
	}
	*use = u;
	*def = d;
}

/* Successors of insn i inside its function (a local call continues at the
 * next slot; the callee is another function). */
static int successors(const struct venv *env, size_t i, size_t out[2])
{
	const struct bpfrt_insn *in = &env->insns[i];
	int op = env->in[i].op, n = 0;
	int fmt = bpfrt_isa_rows[op].fmt;
	if (fmt == ISA_F_EXIT)
		return 0;
	if (bpfrt_isa_is_jump(op)) {
		int64_t t = (int64_t)i + 1 + bpfrt_isa_jump_disp(op, in);
		if (t >= 0 && (size_t)t < env->cnt)
			out[n++] = (size_t)t;
		if (fmt == ISA_F_JA || fmt == ISA_F_JA32)
			return n;
	}
	size_t next = i + (size_t)bpfrt_isa_slots(op);
	if (next < env->cnt)
		out[n++] = next;
	return n;
}

int compute_liveness(struct venv *env)
{
	/* Round-robin backward passes until nothing changes: programs are
	 * small and loops few, so a handful of passes settle it. */
	bool changed = true;
	for (unsigned pass = 0; changed; pass++) {
		if (pass > env->cnt + 2)
			return -EFAULT;	/* cannot happen: the lattice is finite */
		changed = false;
		for (size_t k = env->cnt; k-- > 0;) {
			if (env->in[k].op < 0)
				continue;
			uint16_t use, def, out = 0;
			size_t succ[2];
			int n = successors(env, k, succ);
			for (int s = 0; s < n; s++)
				out |= env->in[succ[s]].live_in;
			use_def(env, k, &use, &def);
			uint16_t live = (uint16_t)(use | (out & ~def) | R(10));
			if (live != env->in[k].live_in) {
				env->in[k].live_in = live;
				changed = true;
			}
		}
	}
	return 0;
}

/* Registers that matter for frame f of a state stopped at insn: the live
 * ones in the innermost frame; in a caller, those live where it resumes
 * after the call (r6-r9, r10: the call clobbers r0-r5). */
uint16_t live_regs(const struct venv *env, const struct vstate *st, int f, uint32_t insn)
{
	if (f == st->curframe)
		return env->in[insn].live_in;
	uint32_t resume = st->frame[f + 1]->callsite + 1;
	if (resume >= env->cnt)
		return 0xffff;
	return (uint16_t)(env->in[resume].live_in & ~CALLER_SAVED);
}
