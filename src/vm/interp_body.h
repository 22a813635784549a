/* SPDX-License-Identifier: MIT */
/*
 * The interpreter loop, written once and instantiated by interp.c for each
 * combination of
 *   VM_GOTO     1: computed-goto dispatch (one indirect jump per handler,
 *                  which predicts better than a single shared switch jump);
 *               0: a plain switch (portable, and a second opinion in tests);
 *   VM_CHECKED  1: every memory access is bounds-checked, instructions are
 *                  counted against the limit; 0: neither.
 * and named VM_NAME.  No include guard on purpose.
 *
 * One handler is stamped out per ISA table row by VM_ROW below, from the
 * row's operand format (FMT) and its constant CODE/MVAL; the semantics live
 * in vm_ops.h.  A row without a handler fails to compile (missing label in
 * the goto table, -Wswitch in the switch build).
 */

int VM_NAME(struct bpfrt_run_ctx *rc)
{
	/* base and helpers change when a tail call replaces the program. */
	const struct vm_insn *base = bpfrt__vm_code(rc->prog, VM_CHECKED);
	const struct vm_insn *pc = rc->entry_pc ? rc->entry_pc : base;
	const struct bpfrt_helper_def *helpers = rc->prog->helpers;
	uint64_t r[11] = { 0 };
	struct vm_frame frames[BPFRT_MAX_CALL_FRAMES];
	/* Callbacks run as nested invocations starting deeper: their exit at
	 * depth0 returns to the helper that called them. */
	const unsigned depth0 = rc->entry_depth;
	unsigned depth = depth0;
	uint64_t cnt = rc->insn_cnt;
	int ret = 0;
#if VM_CHECKED
	const uint64_t limit = rc->insn_limit;
#endif

	memcpy(&r[1], rc->args, sizeof(rc->args));
	r[10] = rc->entry_r10;

#define DST	r[pc->dst]
#define SRC	r[pc->src]
#define IDX	((size_t)(pc - base))

#if VM_CHECKED
#define VM_COUNT()								\
	do {									\
		if (__builtin_expect(++cnt > limit, 0))				\
			goto vm_limit;						\
	} while (0)
#else
#define VM_COUNT() (void)++cnt
#endif

#if VM_GOTO
	static const void *const vm_labels[BPFRT_OP__COUNT + 1] = {
#define VM_LABEL(ID, CODE, M, MV, MNEM, FMT, CPU) [BPFRT_OP_##ID] = &&vm_op_##ID,
		BPFRT_ISA_TABLE(VM_LABEL)
#undef VM_LABEL
		[BPFRT_OP__COUNT] = &&vm_op__COUNT,
	};
#define VM_NEXT() do { VM_COUNT(); goto *vm_labels[pc->op]; } while (0)
#define VM_CASE(ID) vm_op_##ID:
	VM_NEXT();
#else
#define VM_NEXT() goto vm_dispatch
#define VM_CASE(ID) case BPFRT_OP_##ID:
vm_dispatch:
	VM_COUNT();
	switch ((enum bpfrt_op)pc->op) {
#endif

/* ---- handler families, by operand format ---------------------------- */
#define VM_H_ISA_F_ALU_K(CODE, MV)						\
	DST = vm_alu(CODE, MV, DST, pc->imm); pc++; VM_NEXT();
#define VM_H_ISA_F_ALU_X(CODE, MV)						\
	DST = vm_alu(CODE, MV, DST, SRC); pc++; VM_NEXT();
#define VM_H_ISA_F_NEG(CODE, MV)						\
	DST = vm_alu(CODE, 0, DST, 0); pc++; VM_NEXT();
#define VM_H_ISA_F_END(CODE, MV)						\
	DST = vm_end(CODE, MV, DST); pc++; VM_NEXT();
#define VM_H_ISA_F_LDDW(CODE, MV)						\
	DST = pc->imm; pc += 2; VM_NEXT();
	/* LD_ABS/LD_IND: big-endian packet loads; out of bounds ends the
	 * program with r0 = 0, as in the kernel. */
#define VM_H_PKT(CODE, OFF)							\
	{									\
		uint64_t vm_o = (OFF);						\
		unsigned vm_n = vm_size(CODE);					\
		if (vm_o > rc->pkt_size || vm_n > rc->pkt_size - vm_o) {	\
			r[0] = 0;						\
			goto vm_done;						\
		}								\
		const uint8_t *vm_p = rc->pkt + vm_o;				\
		uint64_t vm_v = 0;						\
		for (unsigned vm_i = 0; vm_i < vm_n; vm_i++)			\
			vm_v = vm_v << 8 | vm_p[vm_i];				\
		r[0] = vm_v;							\
		pc++;								\
		VM_NEXT();							\
	}
#define VM_H_ISA_F_LD_ABS(CODE, MV) VM_H_PKT(CODE, pc->imm)
#define VM_H_ISA_F_LD_IND(CODE, MV) VM_H_PKT(CODE, (uint32_t)(SRC + pc->imm))
	/* Checked: what the fast test refuses goes to the slow path, which
	 * converts typed context accesses (returns 1: done), lets accesses to
	 * held regions through (0) or faults (< 0). */
#if VM_CHECKED
#define VM_SLOW(addr, size, acc, valp)						\
	({									\
		int vm_k = 0;							\
		if (__builtin_expect(!bpfrt_vm_mem_ok(rc, addr, size,		\
				r[10] - BPFRT_STACK_SIZE), 0)) {		\
			vm_k = bpfrt__vm_slow_access(rc, IDX, pc->op, addr,	\
				size, acc, valp, r[10] - BPFRT_STACK_SIZE);	\
			if (vm_k < 0) {						\
				ret = vm_k;					\
				goto vm_out;					\
			}							\
		}								\
		vm_k;								\
	})
#else
#define VM_SLOW(addr, size, acc, valp) ((void)(valp), 0)
#endif
#define VM_H_ISA_F_LDX(CODE, MV)						\
	{									\
		uint64_t vm_a = SRC + (uint64_t)(int64_t)pc->off;		\
		uint64_t vm_v = 0;						\
		if (VM_SLOW(vm_a, vm_size(CODE), VM_ACC_READ, &vm_v))		\
			DST = vm_ext(CODE, vm_v);				\
		else								\
			DST = vm_load(CODE, vm_a);				\
		pc++;								\
		VM_NEXT();							\
	}
#define VM_H_STORE(CODE, VAL)							\
	{									\
		uint64_t vm_a = DST + (uint64_t)(int64_t)pc->off;		\
		uint64_t vm_v = (VAL);						\
		if (!VM_SLOW(vm_a, vm_size(CODE), VM_ACC_WRITE, &vm_v))	\
			vm_store(CODE, vm_a, vm_v);				\
		pc++;								\
		VM_NEXT();							\
	}
#define VM_H_ISA_F_ST(CODE, MV) VM_H_STORE(CODE, pc->imm)
#define VM_H_ISA_F_STX(CODE, MV) VM_H_STORE(CODE, SRC)
	/* Atomics are real atomics: several threads may run one program on
	 * shared memory.  Checked runs also refuse misaligned addresses, as the
	 * kernel verifier does (a split lock is slow, and not atomic on every
	 * architecture). */
#define VM_H_ISA_F_ATOMIC(CODE, MV)						\
	{									\
		uint64_t vm_a = DST + (uint64_t)(int64_t)pc->off;		\
		unsigned vm_n = vm_size(CODE);					\
		uint64_t vm_v = 0;						\
		(void)VM_SLOW(vm_a, vm_n, VM_ACC_ATOMIC, &vm_v);		\
		if (VM_CHECKED && (vm_a & (vm_n - 1))) {			\
			ret = vm_misaligned(rc, IDX, pc->op, vm_a, vm_n);	\
			goto vm_out;						\
		}								\
		uint64_t vm_old = vm_n == 8 ?					\
			vm_atomic64(MV, vm_a, SRC, &r[0]) :			\
			vm_atomic32(MV, vm_a, SRC, &r[0]);			\
		if ((MV) != BPFRT_CMPXCHG && ((MV) & BPFRT_FETCH))		\
			SRC = vm_old;						\
		pc++;								\
		VM_NEXT();							\
	}
#define VM_H_ISA_F_JA(CODE, MV) pc += pc->off; VM_NEXT();
#define VM_H_ISA_F_JA32(CODE, MV) pc += pc->off; VM_NEXT();
#define VM_H_ISA_F_JMP_K(CODE, MV)						\
	pc += vm_cond(CODE, DST, pc->imm) ? pc->off : 1; VM_NEXT();
#define VM_H_ISA_F_JMP_X(CODE, MV)						\
	pc += vm_cond(CODE, DST, SRC) ? pc->off : 1; VM_NEXT();
	/* MV is the call's src_reg: 0 helper (imm pre-decoded to an index into
	 * helpers), 1 local function, 2 kfunc (refused at load). */
#define VM_H_ISA_F_CALL(CODE, MV)						\
	if ((MV) == 0) {							\
		VM_HELPER(&helpers[pc->imm]);					\
	} else if ((MV) == 1) {							\
		if (depth + 1 >= BPFRT_MAX_CALL_FRAMES) {			\
			ret = vm_too_deep(rc, IDX);				\
			goto vm_out;						\
		}								\
		struct vm_frame *vm_f = &frames[depth++];			\
		vm_f->ret = pc + 1;						\
		memcpy(vm_f->saved, &r[6], sizeof(vm_f->saved));		\
		r[10] -= BPFRT_STACK_SIZE;					\
		pc += pc->off;							\
		VM_NEXT();							\
	} else {								\
		goto vm_bad_op;							\
	}
#define VM_H_ISA_F_CALLX(CODE, MV)						\
	{									\
		int32_t vm_h = bpfrt_vm_helper_index(rc->prog, DST);		\
		if (vm_h < 0) {							\
			ret = vm_bad_callx(rc, IDX, DST);			\
			goto vm_out;						\
		}								\
		VM_HELPER(&helpers[vm_h]);					\
	}
	/* r1-r5 are left as they were: the ABI says they are clobbered, so
	 * any value is correct and this one is the cheapest.  The helper sees
	 * where it was called from (frame, slot, instruction count) so that
	 * callbacks can nest below it and faults can name the slot. */
#define VM_HELPER(H)								\
	{									\
		const struct bpfrt_helper_def *vm_hd = (H);			\
		rc->stack_lo = r[10] - BPFRT_STACK_SIZE;			\
		rc->depth = depth;						\
		rc->call_idx = IDX;						\
		rc->insn_cnt = cnt;						\
		r[0] = vm_hd->fn(r[1], r[2], r[3], r[4], r[5], rc);		\
		cnt = rc->insn_cnt;						\
		if (__builtin_expect(rc->pending != 0, 0)) {			\
			if (rc->pending < 0) {					\
				ret = rc->pending;				\
				goto vm_out;					\
			}							\
			/* Tail call: same ctx, frames reset, new code. */	\
			rc->pending = 0;					\
			rc->prog = rc->tail_prog;				\
			base = bpfrt__vm_code(rc->prog, VM_CHECKED);		\
			helpers = rc->prog->helpers;				\
			pc = base;						\
			depth = depth0;						\
			r[1] = rc->tail_ctx;					\
			r[10] = rc->entry_r10;					\
			VM_NEXT();						\
		}								\
		if ((vm_hd->flags & BPFRT_HELPER_F_UNWIND) && r[0] == 0)	\
			goto vm_done;						\
		pc++;								\
		VM_NEXT();							\
	}
#define VM_H_ISA_F_EXIT(CODE, MV)						\
	if (depth == depth0)							\
		goto vm_done;							\
	{									\
		struct vm_frame *vm_f = &frames[--depth];			\
		memcpy(&r[6], vm_f->saved, sizeof(vm_f->saved));		\
		r[10] += BPFRT_STACK_SIZE;					\
		pc = vm_f->ret;							\
		VM_NEXT();							\
	}

#define VM_ROW(ID, CODE, M, MV, MNEM, FMT, CPU)				\
	VM_CASE(ID) { VM_H_##FMT(CODE, MV) }

	BPFRT_ISA_TABLE(VM_ROW)

	/* The second slot of lddw: unreachable after validation. */
	VM_CASE(_COUNT)
		goto vm_bad_op;
#if !VM_GOTO
	}
#endif

vm_bad_op:
	ret = vm_bad_op(rc, IDX, pc->op);
	goto vm_out;
#if VM_CHECKED
vm_limit:
	ret = vm_limit_hit(rc, IDX, limit);
	cnt--;
	goto vm_out;
#endif
vm_done:
	rc->retval = r[0];
vm_out:
	rc->insn_cnt = cnt;
	return ret;

#undef DST
#undef SRC
#undef IDX
#undef VM_SLOW
#undef VM_COUNT
#undef VM_NEXT
#undef VM_CASE
#undef VM_H_ISA_F_ALU_K
#undef VM_H_ISA_F_ALU_X
#undef VM_H_ISA_F_NEG
#undef VM_H_ISA_F_END
#undef VM_H_ISA_F_LDDW
#undef VM_H_PKT
#undef VM_H_ISA_F_LD_ABS
#undef VM_H_ISA_F_LD_IND
#undef VM_H_ISA_F_LDX
#undef VM_H_STORE
#undef VM_H_ISA_F_ST
#undef VM_H_ISA_F_STX
#undef VM_H_ISA_F_ATOMIC
#undef VM_H_ISA_F_JA
#undef VM_H_ISA_F_JA32
#undef VM_H_ISA_F_JMP_K
#undef VM_H_ISA_F_JMP_X
#undef VM_H_ISA_F_CALL
#undef VM_H_ISA_F_CALLX
#undef VM_HELPER
#undef VM_H_ISA_F_EXIT
#undef VM_ROW
}
