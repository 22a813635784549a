/* SPDX-License-Identifier: MIT */
/*
 * Per-operation translation of eBPF to x86-64.
 *
 * Register mapping (the kernel's, so helpers get r1..r5 in the C ABI's
 * argument registers without moves):
 *   r0 rax  r1 rdi  r2 rsi  r3 rdx  r4 rcx  r5 r8
 *   r6 rbx  r7 r13  r8 r14  r9 r15  r10 rbp
 * r12 holds the struct jit_state of the run; r9, r10, r11 are scratch
 * (r9 doubles as the helpers' sixth argument, the run ctx; r11 holds
 * materialised immediates when constants are blinded).
 *
 * Translation is driven by the ISA table: jit_insn() has one case per row,
 * stamped out from the row's operand format, so a row whose format has no
 * t_<FMT>() fails to compile; within a family a row whose opcode has no
 * translation reaches jit_missing_translation(), a compile-time error in
 * optimised builds (the call survives only if the constant switch does not
 * fold it away).
 *
 * Frames: the image is entered through a prologue at offset 0 that saves
 * the C callee-saved registers, loads the eBPF registers from the state and
 * `call`s the first slot; eBPF `exit` is `ret`.  A local call saves r6-r9
 * on the native stack and `call`s the callee with r10 512 bytes lower, so
 * nesting follows the native stack.  Early ends (errors, unwind, LD_ABS out
 * of bounds, tail calls) jump to stubs that reset rsp from the state.  The
 * native stack pointer is 8 mod 16 everywhere in translated code, as right
 * after a call; every call out realigns it.
 */
#include <stddef.h>
#include <string.h>

#include "helpers/hl.h"
#include "jit.h"
#include "verifier/verifier.h"
#include "vm/vm_ops.h"

/* Helpers the unchecked translation handles itself. */
HELPER(tail_call);
HELPER(map_lookup_elem);

/* Offsets into struct jit_state used by the generated code. */
enum {
	JS_RC = offsetof(struct jit_state, rc),
	JS_RSP = offsetof(struct jit_state, saved_rsp),
	JS_REM = offsetof(struct jit_state, rem),
	JS_LIMIT = offsetof(struct jit_state, limit),
	JS_ERR = offsetof(struct jit_state, err),
	JS_SCRATCH = offsetof(struct jit_state, scratch),
	JS_REGS = offsetof(struct jit_state, regs),
	JS_SINK = offsetof(struct jit_state, sink_p),
};
_Static_assert(offsetof(struct jit_state, regs) < 128, "state fields need disp8");

#define RC_OFF(f) ((int32_t)offsetof(struct bpfrt_run_ctx, f))

static const uint8_t R[11] = { RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP };

#if defined(__OPTIMIZE__)
extern void jit_missing_translation(void)
	__attribute__((error("ISA table row without a JIT translation")));
#else
static void jit_missing_translation(void)
{
	abort();
}
#endif

#define JIT_INLINE static inline __attribute__((always_inline))

/* A plan the emitter cannot follow (a bug): fail the compile. */
static void jit_missing_translation_rt(struct emit *e)
{
	e->err = -22;	/* EINVAL: "internal encoding error" */
}

/* ---- jumps ------------------------------------------------------------ */

/* Jump (cc < 0: jmp) to an absolute image offset known exactly in this
 * pass (the stubs at the start of the image). */
static void jmp_abs(struct jit *j, int cc, uint32_t target)
{
	struct emit *e = &j->e;
	int64_t rel = (int64_t)target - (int64_t)(e->len + 2);
	if (fits8(rel)) {
		e_byte(e, cc < 0 ? 0xeb : (uint8_t)(0x70 | cc));	/* jmp/jcc rel8 */
		e_byte(e, (uint8_t)rel);
		return;
	}
	if (cc < 0) {
		e_byte(e, 0xe9);					/* jmp rel32 */
		e_u32(e, (uint32_t)((int64_t)target - (int64_t)(e->len + 4)));
	} else {
		e_byte(e, 0x0f);					/* jcc rel32 */
		e_byte(e, (uint8_t)(0x80 | cc));
		e_u32(e, (uint32_t)((int64_t)target - (int64_t)(e->len + 4)));
	}
}

/* Jump to slot t from the end of slot idx (the jump is the slot's last
 * instruction).  The size is chosen from the previous pass's offsets, so
 * code only shrinks from pass to pass and the passes converge; in the
 * converged pass those offsets are this pass's, and displacements exact. */
static void jmp_slot(struct jit *j, int cc, size_t idx, size_t t)
{
	struct emit *e = &j->e;
	int64_t prev = (int64_t)j->off[t] - (int64_t)j->off[idx + 1];
	if (!j->first && !j->in_slow && fits8(prev)) {
		e_byte(e, cc < 0 ? 0xeb : (uint8_t)(0x70 | cc));	/* jmp/jcc rel8 */
		e_byte(e, (uint8_t)((int64_t)j->off[t] - (int64_t)(e->len + 1)));
		return;
	}
	if (cc < 0) {
		e_byte(e, 0xe9);					/* jmp rel32 */
	} else {
		e_byte(e, 0x0f);					/* jcc rel32 */
		e_byte(e, (uint8_t)(0x80 | cc));
	}
	e_u32(e, (uint32_t)((int64_t)j->off[t] - (int64_t)(e->len + 4)));
}

/* ---- calls out to C ----------------------------------------------------- */

/* Call fn(state, r11, r10, idx, r10-of-eBPF) preserving r0-r5; the result
 * lands in r11.  Used by checked accesses, LD_ABS/LD_IND and callx. */
static void callout(struct jit *j, const void *fn, size_t idx)
{
	struct emit *e = &j->e;
	static const uint8_t saved[] = { RAX, RDI, RSI, RDX, RCX, R8 };
	for (size_t i = 0; i < sizeof(saved); i++)
		e_push(e, saved[i]);				/* push r0..r5 */
	e_alu_imm(e, 1, 5, RSP, 8);				/* sub rsp, 8 (align) */
	e_mov_rr(e, 1, RDI, R12);				/* mov rdi, r12 */
	e_mov_rr(e, 1, RSI, R11);				/* mov rsi, r11 */
	e_mov_rr(e, 1, RDX, R10);				/* mov rdx, r10 */
	e_mov_imm(e, 0, RCX, (int64_t)idx);			/* mov ecx, idx */
	e_mov_rr(e, 1, R8, RBP);				/* mov r8, rbp */
	e_mov_imm(e, 1, R11, (int64_t)(uintptr_t)fn);		/* movabs r11, fn */
	e_call_reg(e, R11);					/* call r11 */
	e_mov_rr(e, 1, R11, RAX);				/* mov r11, rax */
	e_alu_imm(e, 1, 0, RSP, 8);				/* add rsp, 8 */
	for (size_t i = sizeof(saved); i-- > 0;)
		e_pop(e, saved[i]);				/* pop r5..r0 */
}

/* cmp qword [r12+err], 0; jne target */
static void check_err(struct jit *j, uint32_t target)
{
	e_alu_mem_imm(&j->e, 1, 7, R12, JS_ERR, 0);		/* cmp qword [r12+err], 0 */
	jmp_abs(j, CC_NE, target);
}

/* Leave through the failure stub with a message for slot idx. */
static void fail_if(struct jit *j, int cc_ok, int kind, size_t idx)
{
	struct emit *e = &j->e;
	size_t ok = e_jcc8_fwd(e, cc_ok);			/* j<ok> .ok */
	e_mov_imm(e, 0, RSI, kind);				/* mov esi, kind */
	e_mov_imm(e, 0, RDX, (int64_t)idx);			/* mov edx, idx */
	jmp_abs(j, -1, j->l_fail);				/* jmp fail */
	e_patch8(e, ok);
}

/* r11 = the sign-extended immediate, never written in the clear: the
 * image holds imm ^ key and key (constant blinding against JIT spraying). */
static void blind_imm(struct jit *j, int64_t imm)
{
	struct emit *e = &j->e;
	e_grp(e, 0xc7, 1, 0, R11);				/* mov r11, imm ^ key */
	e_u32(e, (uint32_t)imm ^ j->key);
	e_grp(e, 0x81, 1, 6, R11);				/* xor r11, key */
	e_u32(e, j->key);
}

/* ---- ALU ------------------------------------------------------------------ */

enum alu_kind { A_ADD, A_SUB, A_MUL, A_DIV, A_SDIV, A_MOD, A_SMOD, A_OR, A_AND, A_XOR,
		A_LSH, A_RSH, A_ARSH, A_MOV, A_MOVSX8, A_MOVSX16, A_MOVSX32 };

JIT_INLINE enum alu_kind alu_kind(unsigned code, int mv)
{
	switch (BPFRT_OP(code)) {
	case BPFRT_ADD: return A_ADD;
	case BPFRT_SUB: return A_SUB;
	case BPFRT_MUL: return A_MUL;
	case BPFRT_DIV: return mv ? A_SDIV : A_DIV;
	case BPFRT_MOD: return mv ? A_SMOD : A_MOD;
	case BPFRT_OR: return A_OR;
	case BPFRT_AND: return A_AND;
	case BPFRT_XOR: return A_XOR;
	case BPFRT_LSH: return A_LSH;
	case BPFRT_RSH: return A_RSH;
	case BPFRT_ARSH: return A_ARSH;
	case BPFRT_MOV:
		return mv == 8 ? A_MOVSX8 : mv == 16 ? A_MOVSX16 : mv == 32 ? A_MOVSX32 : A_MOV;
	default:
		jit_missing_translation();
		return A_ADD;
	}
}

/* Shift d by the register s (x86 masks the count to 5/6 bits, as eBPF
 * does).  The count must be in cl, and rcx is r4. */
static void shift_x(struct emit *e, int w, int digit, int d, int s)
{
	if (s == RCX) {
		if (d != RCX) {
			e_grp(e, 0xd3, w, digit, d);		/* shl/shr/sar d, cl */
			return;
		}
		e_mov_rr(e, 1, R10, RCX);			/* mov r10, rcx */
		e_grp(e, 0xd3, w, digit, R10);			/* shift r10, cl */
		e_mov_rr(e, 1, RCX, R10);			/* mov rcx, r10 */
		return;
	}
	e_mov_rr(e, 1, R10, RCX);				/* mov r10, rcx (save r4) */
	e_mov_rr(e, 1, RCX, s);					/* mov rcx, s */
	if (d == RCX) {
		e_grp(e, 0xd3, w, digit, R10);			/* shift r10, cl */
		e_mov_rr(e, 1, RCX, R10);			/* mov rcx, r10 */
	} else {
		e_grp(e, 0xd3, w, digit, d);			/* shift d, cl */
		e_mov_rr(e, 1, RCX, R10);			/* mov rcx, r10 (restore) */
	}
}

/* Division and modulo with eBPF's results and no #DE: x/0 = 0, x%0 = x,
 * signed INT_MIN/-1 = INT_MIN (by negation), INT_MIN%-1 = 0. */
static void divmod(struct emit *e, int w, bool mod, bool sgn, int d, int s)
{
	if (s != R11)
		e_mov_rr(e, 1, R11, s);				/* mov r11, s */
	e_rr(e, 0x85, w, R11, R11);				/* test r11, r11 */
	size_t nz = e_jcc8_fwd(e, CC_NE);			/* jnz .nonzero */
	if (!mod)
		e_rr(e, 0x31, 0, d, d);				/* xor d32, d32 */
	else if (!w)
		e_mov_rr(e, 0, d, d);				/* mov d32, d32 */
	size_t end1 = e_jmp8_fwd(e);				/* jmp .end */
	e_patch8(e, nz);
	size_t end2 = 0;
	if (sgn) {
		e_alu_imm(e, w, 7, R11, -1);			/* cmp r11, -1 */
		size_t gen = e_jcc8_fwd(e, CC_NE);		/* jne .general */
		if (!mod)
			e_grp(e, 0xf7, w, 3, d);		/* neg d */
		else
			e_rr(e, 0x31, 0, d, d);			/* xor d32, d32 */
		end2 = e_jmp8_fwd(e);				/* jmp .end */
		e_patch8(e, gen);
	}
	e_mov_rr(e, 1, R10, RAX);				/* mov r10, rax (save r0) */
	e_mov_rr(e, 1, R9, RDX);				/* mov r9, rdx (save r3) */
	e_mov_rr(e, 1, RAX, d);					/* mov rax, d */
	if (sgn) {
		if (w)
			e_byte(e, 0x48);			/* cqo: */
		e_byte(e, 0x99);				/* cdq/cqo */
	} else {
		e_rr(e, 0x31, 0, RDX, RDX);			/* xor edx, edx */
	}
	e_grp(e, 0xf7, w, sgn ? 7 : 6, R11);			/* (i)div r11 */
	e_mov_rr(e, 1, R11, mod ? RDX : RAX);			/* mov r11, rdx/rax */
	e_mov_rr(e, 1, RAX, R10);				/* mov rax, r10 */
	e_mov_rr(e, 1, RDX, R9);				/* mov rdx, r9 */
	e_mov_rr(e, w, d, R11);					/* mov d, r11 */
	e_patch8(e, end1);
	if (sgn)
		e_patch8(e, end2);
}

static void alu_x(struct emit *e, int w, enum alu_kind k, int d, int s)
{
	switch (k) {
	case A_ADD: e_rr(e, 0x01, w, s, d); break;		/* add d, s */
	case A_SUB: e_rr(e, 0x29, w, s, d); break;		/* sub d, s */
	case A_OR: e_rr(e, 0x09, w, s, d); break;		/* or d, s */
	case A_AND: e_rr(e, 0x21, w, s, d); break;		/* and d, s */
	case A_XOR: e_rr(e, 0x31, w, s, d); break;		/* xor d, s */
	case A_MUL: e_rr(e, 0x0faf, w, d, s); break;		/* imul d, s */
	case A_MOV:
		if (!w || d != s)
			e_mov_rr(e, w, d, s);			/* mov d, s */
		break;
	case A_MOVSX8: e_rr8(e, 0x0fbe, w, d, s); break;	/* movsx d, s8 */
	case A_MOVSX16: e_rr(e, 0x0fbf, w, d, s); break;	/* movsx d, s16 */
	case A_MOVSX32: e_rr(e, 0x63, 1, d, s); break;		/* movsxd d, s32 */
	case A_LSH: shift_x(e, w, 4, d, s); break;
	case A_RSH: shift_x(e, w, 5, d, s); break;
	case A_ARSH: shift_x(e, w, 7, d, s); break;
	case A_DIV: divmod(e, w, false, false, d, s); break;
	case A_SDIV: divmod(e, w, false, true, d, s); break;
	case A_MOD: divmod(e, w, true, false, d, s); break;
	case A_SMOD: divmod(e, w, true, true, d, s); break;
	}
}

static void alu_k(struct jit *j, int w, enum alu_kind k, int d, int64_t imm)
{
	struct emit *e = &j->e;
	if (j->blind) {
		blind_imm(j, imm);
		alu_x(e, w, k, d, R11);
		return;
	}
	switch (k) {
	case A_ADD: e_alu_imm(e, w, 0, d, (int32_t)imm); break;	/* add d, imm */
	case A_SUB: e_alu_imm(e, w, 5, d, (int32_t)imm); break;	/* sub d, imm */
	case A_OR: e_alu_imm(e, w, 1, d, (int32_t)imm); break;	/* or d, imm */
	case A_AND: e_alu_imm(e, w, 4, d, (int32_t)imm); break;	/* and d, imm */
	case A_XOR: e_alu_imm(e, w, 6, d, (int32_t)imm); break;	/* xor d, imm */
	case A_MUL:
		/* Strength reduction: 3/5/9 by lea, powers of two by shl
		 * (1-cycle operations instead of a 3-cycle imul), the same low
		 * bits and the same zero-extension of 32-bit results. */
		if (imm == 3 || imm == 5 || imm == 9) {
			e_lea_sib(e, w, d, d, d, (int)imm - 1);	/* lea d, [d + d * (imm - 1)] */
		} else if (imm > 0 && imm <= (1 << 30) && !(imm & (imm - 1))) {
			int n = __builtin_ctzll((uint64_t)imm);
			if (n) {
				e_grp(e, 0xc1, w, 4, d);	/* shl d, n */
				e_byte(e, (uint8_t)n);
			} else if (!w) {
				e_mov_rr(e, 0, d, d);		/* mov d32, d32 */
			}
		} else if (fits8(imm)) {
			e_rr(e, 0x6b, w, d, d);			/* imul d, d, simm8 */
			e_byte(e, (uint8_t)imm);
		} else {
			e_rr(e, 0x69, w, d, d);			/* imul d, d, imm32 */
			e_u32(e, (uint32_t)imm);
		}
		break;
	case A_MOV: e_mov_imm(e, w, d, imm); break;		/* mov d, imm */
	case A_LSH: case A_RSH: case A_ARSH: {
		int n = (int)(imm & (w ? 63 : 31));
		int digit = k == A_LSH ? 4 : k == A_RSH ? 5 : 7;
		if (n == 0) {
			if (!w)
				e_mov_rr(e, 0, d, d);		/* mov d32, d32 */
		} else {
			e_grp(e, 0xc1, w, digit, d);		/* shl/shr/sar d, n */
			e_byte(e, (uint8_t)n);
		}
		break;
	}
	default:	/* division: through r11 */
		e_mov_imm(e, w ? 1 : 0, R11, w ? imm : (int64_t)(uint32_t)imm);
		alu_x(e, w, k, d, R11);
		break;
	}
}

/* The next slot, when a translation may take it together with slot idx:
 * it exists and nothing jumps to it (unchecked, unblinded images). */
static const struct vm_insn *fuse_next(const struct jit *j, size_t idx)
{
	if (!j->target || idx + 1 >= j->cnt || j->target[idx + 1] ||
	    j->code[idx + 1].op == BPFRT_OP__COUNT)
		return NULL;
	return &j->code[idx + 1];
}

/* and/or/xor leave the flags of `test d, d` on their result. */
static void note_flags(struct jit *j, size_t idx, enum alu_kind k)
{
	if (j->target && (k == A_AND || k == A_OR || k == A_XOR))
		j->flags_slot = idx;
}

JIT_INLINE void t_ISA_F_ALU_K(struct jit *j, const struct vm_insn *in, size_t idx,
			      unsigned code, int mv)
{
	enum alu_kind k = alu_kind(code, mv);
	int w = BPFRT_CLASS(code) == BPFRT_ALU64, d = R[in->dst];
	/* r <<= 32; r >>= 32 (clang's zero extension) is mov r32, r32, and
	 * r <<= 32; r s>>= 32 is movsxd r, r32. */
	const struct vm_insn *nx = k == A_LSH && w && (in->imm & 63) == 32 ? fuse_next(j, idx) : NULL;
	if (nx && nx->dst == in->dst && (nx->imm & 63) == 32 &&
	    (nx->op == BPFRT_OP_RSH64_K || nx->op == BPFRT_OP_ARSH64_K)) {
		if (nx->op == BPFRT_OP_RSH64_K)
			e_mov_rr(&j->e, 0, d, d);			/* mov d32, d32 */
		else
			e_rr(&j->e, 0x63, 1, d, d);			/* movsxd d, d32 */
		j->skip_to = idx + 2;
		return;
	}
	alu_k(j, w, k, d, (int64_t)in->imm);
	note_flags(j, idx, k);
}

JIT_INLINE void t_ISA_F_ALU_X(struct jit *j, const struct vm_insn *in, size_t idx,
			      unsigned code, int mv)
{
	enum alu_kind k = alu_kind(code, mv);
	alu_x(&j->e, BPFRT_CLASS(code) == BPFRT_ALU64, k, R[in->dst], R[in->src]);
	note_flags(j, idx, k);
}

JIT_INLINE void t_ISA_F_NEG(struct jit *j, const struct vm_insn *in, size_t idx,
			    unsigned code, int mv)
{
	e_grp(&j->e, 0xf7, BPFRT_CLASS(code) == BPFRT_ALU64, 3, R[in->dst]);	/* neg d */
}

static void bswap(struct emit *e, int w, int d)
{
	e_rex(e, w, 0, 0, d, false);
	e_byte(e, 0x0f);
	e_byte(e, (uint8_t)(0xc8 | (d & 7)));			/* bswap d */
}

JIT_INLINE void t_ISA_F_END(struct jit *j, const struct vm_insn *in, size_t idx,
			    unsigned code, int mv)
{
	struct emit *e = &j->e;
	int d = R[in->dst];
	bool swap = code != (BPFRT_ALU | BPFRT_END | BPFRT_TO_LE);
	if (code != (BPFRT_ALU | BPFRT_END | BPFRT_TO_LE) &&
	    code != (BPFRT_ALU | BPFRT_END | BPFRT_TO_BE) &&
	    code != (BPFRT_ALU64 | BPFRT_END))
		jit_missing_translation();
	switch (mv) {
	case 16:
		if (swap) {
			bswap(e, 0, d);
			e_grp(e, 0xc1, 0, 5, d);		/* shr d32, 16 */
			e_byte(e, 16);
		} else {
			e_rr(e, 0x0fb7, 0, d, d);		/* movzx d32, d16 */
		}
		break;
	case 32:
		if (swap)
			bswap(e, 0, d);
		else
			e_mov_rr(e, 0, d, d);			/* mov d32, d32 */
		break;
	case 64:
		if (swap)
			bswap(e, 1, d);
		break;
	default:
		jit_missing_translation();
	}
}

JIT_INLINE void t_ISA_F_LDDW(struct jit *j, const struct vm_insn *in, size_t idx,
			     unsigned code, int mv)
{
	struct emit *e = &j->e;
	int d = R[in->dst];
	if (!j->blind) {
		e_mov_imm(e, 1, d, (int64_t)in->imm);		/* mov d, imm64 */
		return;
	}
	uint64_t key = (uint64_t)j->key * 0x9e3779b97f4a7c15ull;
	e_mov_imm(e, 1, R11, (int64_t)key);			/* movabs r11, key */
	e_rex(e, 1, 0, 0, d, false);
	e_byte(e, (uint8_t)(0xb8 | (d & 7)));			/* movabs d, imm ^ key */
	e_u64(e, in->imm ^ key);
	e_rr(e, 0x31, 1, R11, d);				/* xor d, r11 */
}

/* ---- packet loads ------------------------------------------------------- */

static void ld_pkt(struct jit *j, size_t idx, unsigned code)
{
	struct emit *e = &j->e;
	e_mov_imm(e, 0, R10, vm_size(code));			/* mov r10d, size */
	callout(j, (const void *)bpfrt__jit_ld_pkt, idx);
	check_err(j, j->l_done0);
	e_mov_rr(e, 1, RAX, R11);				/* mov rax, r11 */
}

JIT_INLINE void t_ISA_F_LD_ABS(struct jit *j, const struct vm_insn *in, size_t idx,
			       unsigned code, int mv)
{
	if (j->blind)
		blind_imm(j, (int64_t)in->imm);
	else
		e_mov_imm(&j->e, 1, R11, (int64_t)in->imm);	/* mov r11, imm */
	ld_pkt(j, idx, code);
}

JIT_INLINE void t_ISA_F_LD_IND(struct jit *j, const struct vm_insn *in, size_t idx,
			       unsigned code, int mv)
{
	struct emit *e = &j->e;
	if (j->blind) {
		blind_imm(j, (int64_t)in->imm);
		e_rr(e, 0x01, 0, R[in->src], R11);		/* add r11d, src32 */
	} else {
		e_mov_rr(e, 0, R11, R[in->src]);		/* mov r11d, src32 */
		e_alu_imm(e, 0, 0, R11, (int32_t)in->imm);	/* add r11d, imm */
	}
	ld_pkt(j, idx, code);
}

/* ---- loads and stores ------------------------------------------------- */

/* Checked access: r11 = address, r10 = value to store; the VM's checker
 * (through bpfrt__jit_access) decides, converts typed context accesses and
 * performs loads and stores; r11 = the loaded value. */
static void checked_access(struct jit *j, size_t idx)
{
	callout(j, (const void *)bpfrt__jit_access, idx | (j->in_slow ? JIT_SLOW_IDX : 0));
	check_err(j, j->l_err);
}

/* Forward jumps to one label, patched together. */
struct fwd {
	size_t at[8];
	int n;
};

static void fwd_add(struct fwd *f, size_t at)
{
	f->at[f->n++] = at;
}

static void fwd_here(struct emit *e, struct fwd *f)
{
	for (int i = 0; i < f->n; i++)
		e_patch8(e, f->at[i]);
	f->n = 0;
}

/*
 * The checked fast path, inline: is [r11, r11 + n) inside the live stack
 * ([r10 - 512, stack_hi)) or the packet ([pkt_lo, pkt_hi))?  Exactly the
 * stack and packet tests of bpfrt_vm_mem_ok, without overflow (a carry out
 * of r11 + n goes to the slow path).  Everything else - raw or typed
 * context, map values, faults - takes the jumps added to *slow, where the
 * call to the VM's checker decides.  Atomics must also be aligned here.
 * Clobbers r9 and r10.
 */
static void fast_check(struct jit *j, unsigned n, bool atomic, struct fwd *slow)
{
	struct emit *e = &j->e;
	e_mov_rr(e, 1, R9, R11);				/* mov r9, r11 */
	e_alu_imm(e, 1, 0, R9, (int32_t)n);			/* add r9, n */
	fwd_add(slow, e_jcc8_fwd(e, CC_B));			/* jc .slow */
	e_mem(e, 0x8d, 1, R10, RBP, -BPFRT_STACK_SIZE, false, false, false); /* lea r10, [rbp-512] */
	e_rr(e, 0x39, 1, R10, R11);				/* cmp r11, r10 */
	size_t pkt1 = e_jcc8_fwd(e, CC_B);			/* jb .pkt */
	e_mem(e, 0x8b, 1, R10, R12, JS_RC, false, false, false);	/* mov r10, [r12+rc] */
	e_mem(e, 0x3b, 1, R9, R10, RC_OFF(stack_hi), false, false, false); /* cmp r9, [r10+stack_hi] */
	size_t ok = e_jcc8_fwd(e, CC_BE);			/* jbe .ok */
	e_patch8(e, pkt1);
	e_mem(e, 0x8b, 1, R10, R12, JS_RC, false, false, false);	/* .pkt: mov r10, [r12+rc] */
	e_mem(e, 0x3b, 1, R11, R10, RC_OFF(pkt_lo), false, false, false); /* cmp r11, [r10+pkt_lo] */
	fwd_add(slow, e_jcc8_fwd(e, CC_B));			/* jb .slow */
	e_mem(e, 0x3b, 1, R9, R10, RC_OFF(pkt_hi), false, false, false); /* cmp r9, [r10+pkt_hi] */
	fwd_add(slow, e_jcc8_fwd(e, CC_A));			/* ja .slow */
	e_patch8(e, ok);
	if (atomic) {
		e_grp(e, 0xf7, 0, 0, R11);			/* .ok: test r11d, n-1 */
		e_u32(e, n - 1);
		fwd_add(slow, e_jcc8_fwd(e, CC_NE));		/* jnz .slow */
	}
}

static void load_mem(struct emit *e, unsigned code, int d, int s, int32_t off)
{
	bool sx = BPFRT_MODE(code) == BPFRT_MEMSX;
	switch (BPFRT_SIZE(code)) {
	case BPFRT_B:						/* movzx/movsx d, byte [s+off] */
		e_mem(e, sx ? 0x0fbe : 0x0fb6, sx, d, s, off, false, false, false);
		break;
	case BPFRT_H:						/* movzx/movsx d, word [s+off] */
		e_mem(e, sx ? 0x0fbf : 0x0fb7, sx, d, s, off, false, false, false);
		break;
	case BPFRT_W:						/* mov d32 / movsxd d, [s+off] */
		e_mem(e, sx ? 0x63 : 0x8b, sx, d, s, off, false, false, false);
		break;
	default:						/* mov d, [s+off] */
		e_mem(e, 0x8b, 1, d, s, off, false, false, false);
		break;
	}
}

JIT_INLINE void t_ISA_F_LDX(struct jit *j, const struct vm_insn *in, size_t idx,
			    unsigned code, int mv)
{
	struct emit *e = &j->e;
	int d = R[in->dst], s = R[in->src];
	if (BPFRT_MODE(code) != BPFRT_MEM && BPFRT_MODE(code) != BPFRT_MEMSX)
		jit_missing_translation();
	if (j->checked) {
		struct fwd slow = { .n = 0 };
		e_mem(e, 0x8d, 1, R11, s, in->off, false, false, false);	/* lea r11, [s+off] */
		fast_check(j, vm_size(code), false, &slow);
		load_mem(e, code, d, R11, 0);			/* load d, [r11] */
		size_t done = e_jmp8_fwd(e);			/* jmp .done */
		fwd_here(e, &slow);
		checked_access(j, idx);				/* .slow: the VM's checker */
		e_mov_rr(e, 1, d, R11);				/* mov d, r11 */
		e_patch8(e, done);
		return;
	}
	load_mem(e, code, d, s, in->off);
}

static void store_reg(struct emit *e, unsigned code, int base, int32_t off, int v)
{
	switch (BPFRT_SIZE(code)) {
	case BPFRT_B: e_mem(e, 0x88, 0, v, base, off, false, false, true); break;	/* mov byte [base+off], v8 */
	case BPFRT_H: e_mem(e, 0x89, 0, v, base, off, true, false, false); break;	/* mov word [base+off], v16 */
	case BPFRT_W: e_mem(e, 0x89, 0, v, base, off, false, false, false); break;	/* mov dword [base+off], v32 */
	default: e_mem(e, 0x89, 1, v, base, off, false, false, false); break;		/* mov qword [base+off], v */
	}
}

static void store_imm(struct emit *e, unsigned code, int base, int32_t off, int32_t imm)
{
	switch (BPFRT_SIZE(code)) {
	case BPFRT_B:
		e_mem(e, 0xc6, 0, 0, base, off, false, false, false);	/* mov byte [base+off], imm8 */
		e_byte(e, (uint8_t)imm);
		break;
	case BPFRT_H:
		e_mem(e, 0xc7, 0, 0, base, off, true, false, false);	/* mov word [base+off], imm16 */
		e_u16(e, (uint16_t)imm);
		break;
	default:						/* mov (d/q)word [base+off], imm32 */
		e_mem(e, 0xc7, BPFRT_SIZE(code) == BPFRT_DW, 0, base, off, false, false, false);
		e_u32(e, (uint32_t)imm);
		break;
	}
}

JIT_INLINE void t_ISA_F_ST(struct jit *j, const struct vm_insn *in, size_t idx,
			   unsigned code, int mv)
{
	struct emit *e = &j->e;
	int d = R[in->dst];
	if (j->checked) {
		struct fwd slow = { .n = 0 };
		e_mem(e, 0x8d, 1, R11, d, in->off, false, false, false);	/* lea r11, [d+off] */
		fast_check(j, vm_size(code), false, &slow);
		e_mov_rr(e, 1, R10, R11);			/* mov r10, r11 (address) */
		if (j->blind)
			blind_imm(j, (int64_t)in->imm);
		else
			e_mov_imm(e, 1, R11, (int64_t)in->imm);	/* mov r11, imm */
		store_reg(e, code, R10, 0, R11);		/* store [r10], r11 */
		size_t done = e_jmp8_fwd(e);			/* jmp .done */
		fwd_here(e, &slow);
		e_mov_rr(e, 1, R9, R11);			/* .slow: mov r9, r11 */
		if (j->blind)
			blind_imm(j, (int64_t)in->imm);
		else
			e_mov_imm(e, 1, R11, (int64_t)in->imm);	/* mov r11, imm */
		e_mov_rr(e, 1, R10, R11);			/* mov r10, r11 (value) */
		e_mov_rr(e, 1, R11, R9);			/* mov r11, r9 (address) */
		checked_access(j, idx);
		e_patch8(e, done);
		return;
	}
	if (j->blind) {
		blind_imm(j, (int64_t)in->imm);
		store_reg(e, code, d, in->off, R11);
		return;
	}
	store_imm(e, code, d, in->off, (int32_t)in->imm);
}

JIT_INLINE void t_ISA_F_STX(struct jit *j, const struct vm_insn *in, size_t idx,
			    unsigned code, int mv)
{
	struct emit *e = &j->e;
	int d = R[in->dst], s = R[in->src];
	if (j->checked) {
		struct fwd slow = { .n = 0 };
		e_mem(e, 0x8d, 1, R11, d, in->off, false, false, false);	/* lea r11, [d+off] */
		fast_check(j, vm_size(code), false, &slow);
		store_reg(e, code, R11, 0, s);			/* store [r11], s */
		size_t done = e_jmp8_fwd(e);			/* jmp .done */
		fwd_here(e, &slow);
		e_mov_rr(e, 1, R10, s);				/* .slow: mov r10, s */
		checked_access(j, idx);
		e_patch8(e, done);
		return;
	}
	store_reg(e, code, d, in->off, s);
}

/* ---- atomics -------------------------------------------------------- */

/* fetch-or/and/xor have no x86 instruction: a lock cmpxchg loop. */
static void atomic_loop(struct emit *e, int w, int opc, int d, int32_t off, int s)
{
	e_mem(e, 0x8d, 1, R11, d, off, false, false, false);	/* lea r11, [d+off] */
	e_mov_rr(e, 1, R10, RAX);				/* mov r10, rax (save r0) */
	e_mem(e, 0x8b, w, RAX, R11, 0, false, false, false);	/* mov rax, [r11] */
	size_t loop = e->len;
	e_mov_rr(e, 1, R9, RAX);				/* .loop: mov r9, rax */
	e_rr(e, opc, w, s == RAX ? R10 : s, R9);		/* op r9, s */
	e_mem(e, 0x0fb1, w, R9, R11, 0, false, true, false);	/* lock cmpxchg [r11], r9 */
	e_byte(e, 0x70 | CC_NE);				/* jne .loop */
	e_byte(e, (uint8_t)((int64_t)loop - (int64_t)(e->len + 1)));
	e_mov_rr(e, 1, R9, RAX);				/* mov r9, rax (old) */
	e_mov_rr(e, 1, RAX, R10);				/* mov rax, r10 */
	e_mov_rr(e, w, s, R9);					/* mov s, r9 */
}

JIT_INLINE void t_ISA_F_ATOMIC(struct jit *j, const struct vm_insn *in, size_t idx,
			       unsigned code, int mv)
{
	struct emit *e = &j->e;
	int d = R[in->dst], s = R[in->src];
	int w = BPFRT_SIZE(code) == BPFRT_DW;
	int32_t off = in->off;
	if (j->checked) {
		struct fwd slow = { .n = 0 };
		e_mem(e, 0x8d, 1, R11, d, off, false, false, false);	/* lea r11, [d+off] */
		fast_check(j, vm_size(code), true, &slow);
		size_t go = e_jmp8_fwd(e);			/* jmp .go */
		fwd_here(e, &slow);
		checked_access(j, idx);				/* .slow: check only */
		e_patch8(e, go);
	}
	switch (mv) {
	case BPFRT_ADD: e_mem(e, 0x01, w, s, d, off, false, true, false); break;	/* lock add [d+off], s */
	case BPFRT_OR: e_mem(e, 0x09, w, s, d, off, false, true, false); break;	/* lock or [d+off], s */
	case BPFRT_AND: e_mem(e, 0x21, w, s, d, off, false, true, false); break;	/* lock and [d+off], s */
	case BPFRT_XOR: e_mem(e, 0x31, w, s, d, off, false, true, false); break;	/* lock xor [d+off], s */
	case BPFRT_ADD | BPFRT_FETCH:
		e_mem(e, 0x0fc1, w, s, d, off, false, true, false);	/* lock xadd [d+off], s */
		break;
	case BPFRT_OR | BPFRT_FETCH: atomic_loop(e, w, 0x09, d, off, s); break;
	case BPFRT_AND | BPFRT_FETCH: atomic_loop(e, w, 0x21, d, off, s); break;
	case BPFRT_XOR | BPFRT_FETCH: atomic_loop(e, w, 0x31, d, off, s); break;
	case BPFRT_XCHG:
		e_mem(e, 0x87, w, s, d, off, false, false, false);	/* xchg [d+off], s */
		break;
	case BPFRT_CMPXCHG:
		e_mem(e, 0x0fb1, w, s, d, off, false, true, false);	/* lock cmpxchg [d+off], s */
		if (!w)		/* success leaves rax's high half alone */
			e_mov_rr(e, 0, RAX, RAX);		/* mov eax, eax */
		break;
	default:
		jit_missing_translation();
	}
}

/* ---- jumps ------------------------------------------------------------ */

/* The condition code a conditional jump tests; -1 for other operations. */
static int cc_of(unsigned code)
{
	switch (BPFRT_OP(code)) {
	case BPFRT_JEQ: return CC_E;
	case BPFRT_JNE: return CC_NE;
	case BPFRT_JSET: return CC_NE;
	case BPFRT_JGT: return CC_A;
	case BPFRT_JGE: return CC_AE;
	case BPFRT_JLT: return CC_B;
	case BPFRT_JLE: return CC_BE;
	case BPFRT_JSGT: return CC_G;
	case BPFRT_JSGE: return CC_GE;
	case BPFRT_JSLT: return CC_L;
	case BPFRT_JSLE: return CC_LE;
	default: return -1;
	}
}

JIT_INLINE int jmp_cc(unsigned code)
{
	int cc = cc_of(code);
	if (cc < 0) {
		jit_missing_translation();
		return 0;
	}
	return cc;
}

JIT_INLINE void t_ISA_F_JA(struct jit *j, const struct vm_insn *in, size_t idx,
			   unsigned code, int mv)
{
	if (in->off != 1)	/* ja +0 is a no-op */
		jmp_slot(j, -1, idx, (size_t)((int64_t)idx + in->off));
}

JIT_INLINE void t_ISA_F_JA32(struct jit *j, const struct vm_insn *in, size_t idx,
			     unsigned code, int mv)
{
	t_ISA_F_JA(j, in, idx, code, mv);
}

/* Flags for a conditional jump (K or X form): cmp, or test for jset and
 * for a compare with 0. */
static void jmp_flags(struct jit *j, const struct vm_insn *in, bool k, bool jset, int w)
{
	struct emit *e = &j->e;
	int d = R[in->dst];
	int32_t imm = (int32_t)in->imm;
	if (!k)
		e_rr(e, jset ? 0x85 : 0x39, w, R[in->src], d);	/* test/cmp d, s */
	else if (j->blind) {
		blind_imm(j, (int64_t)in->imm);
		e_rr(e, jset ? 0x85 : 0x39, w, R11, d);		/* test/cmp d, r11 */
	} else if (jset) {
		e_grp(e, 0xf7, w, 0, d);			/* test d, imm32 */
		e_u32(e, (uint32_t)imm);
	} else if (imm == 0) {
		e_rr(e, 0x85, w, d, d);				/* test d, d (= cmp d, 0) */
	} else {
		e_alu_imm(e, w, 7, d, imm);			/* cmp d, imm */
	}
}

/*
 * The jump itself, after the flags.  `if (c) goto +1; goto T` (a loop's
 * exit test followed by the jump back, or the reverse) becomes one
 * `j<!c> T` when nothing jumps to the goto.
 */
static void jmp_cond(struct jit *j, int cc, size_t idx, const struct vm_insn *in)
{
	const struct vm_insn *nx = in->off == 2 ? fuse_next(j, idx) : NULL;
	if (nx && (nx->op == BPFRT_OP_JA || nx->op == BPFRT_OP_JA32)) {
		jmp_slot(j, cc ^ 1, idx + 1, (size_t)((int64_t)idx + 1 + nx->off));
		j->skip_to = idx + 2;
		return;
	}
	jmp_slot(j, cc, idx, (size_t)((int64_t)idx + in->off));
}

JIT_INLINE void t_ISA_F_JMP_K(struct jit *j, const struct vm_insn *in, size_t idx,
			      unsigned code, int mv)
{
	int cc = jmp_cc(code), w = BPFRT_CLASS(code) == BPFRT_JMP;
	/* if (r == 0) right after r &= x (or |, ^) on the same register and
	 * width: the flags are already those of test r, r. */
	const struct vm_insn *pv = idx ? &j->code[idx - 1] : NULL;
	if (!(idx && in->imm == 0 && BPFRT_OP(code) != BPFRT_JSET && j->prev_flags == idx - 1 &&
	      pv->dst == in->dst && (BPFRT_CLASS(bpfrt_isa_rows[pv->op].code) == BPFRT_ALU64) == w))
		jmp_flags(j, in, true, BPFRT_OP(code) == BPFRT_JSET, w);
	jmp_cond(j, cc, idx, in);
}

JIT_INLINE void t_ISA_F_JMP_X(struct jit *j, const struct vm_insn *in, size_t idx,
			      unsigned code, int mv)
{
	int cc = jmp_cc(code);
	jmp_flags(j, in, false, BPFRT_OP(code) == BPFRT_JSET, BPFRT_CLASS(code) == BPFRT_JMP);
	jmp_cond(j, cc, idx, in);
}

/* ---- if-conversion ------------------------------------------------------ */

/*
 * A conditional jump over a short block B of register ALU operations and
 * stores that nothing else jumps into -
 *     if (cond) goto L; B; L:            or     if (cond) goto L; B; goto L;
 * - becomes straight-line code (unchecked images): B is evaluated on the
 * scratch registers r9-r11 (each eBPF register B writes gets one), the
 * condition is tested, and then, without touching the flags, B's stores
 * go to their address or, when B does not run, to a sink in the run's
 * state (lea, cmov, mov: memory is written exactly when B runs), and its
 * registers take the new values by cmov: no branch to mispredict, at the
 * price of doing B always and of a dependency on the condition.  Which
 * blocks are worth it is a policy (JIT_IFC_* in jit.h: by default only
 * register moves and stores).  Loads, division, shifts by a register and
 * calls are never in B.
 */
#define IFC_MAX 6	/* instructions in B */


/* The ALU operations B may hold (NEG aside), as alu_x/alu_k kinds. */
static bool ifc_alu(const struct isa_row *r, enum alu_kind *k)
{
	if (r->fmt != ISA_F_ALU_K && r->fmt != ISA_F_ALU_X)
		return false;
	bool x = r->fmt == ISA_F_ALU_X;
	switch (BPFRT_OP(r->code)) {
	case BPFRT_ADD: *k = A_ADD; return true;
	case BPFRT_SUB: *k = A_SUB; return true;
	case BPFRT_MUL: *k = A_MUL; return true;
	case BPFRT_OR: *k = A_OR; return true;
	case BPFRT_AND: *k = A_AND; return true;
	case BPFRT_XOR: *k = A_XOR; return true;
	case BPFRT_MOV:
		*k = r->mval == 8 ? A_MOVSX8 : r->mval == 16 ? A_MOVSX16 :
		     r->mval == 32 ? A_MOVSX32 : A_MOV;
		return true;
	case BPFRT_LSH: *k = A_LSH; return !x;
	case BPFRT_RSH: *k = A_RSH; return !x;
	case BPFRT_ARSH: *k = A_ARSH; return !x;
	default: return false;
	}
}

static bool ifc_is_ja(const struct vm_insn *in)
{
	int f = bpfrt_isa_rows[in->op].fmt;
	return f == ISA_F_JA || f == ISA_F_JA32;
}

size_t bpfrt__jit_ifc_plan(const struct jit *j, size_t i, const uint8_t *target)
{
	const struct vm_insn *c = &j->code[i];
	if (c->op == BPFRT_OP__COUNT)
		return 0;
	const struct isa_row *cr = &bpfrt_isa_rows[c->op];
	if ((cr->fmt != ISA_F_JMP_K && cr->fmt != ISA_F_JMP_X) || cc_of(cr->code) < 0)
		return 0;
	int64_t l = (int64_t)i + c->off;
	uint16_t wr = 0, stored = 0;	/* written; read by a store once written */
	unsigned nw = 0, ns = 0;
	for (size_t k = i + 1; k < j->cnt && k <= i + 1 + IFC_MAX; k++) {
		bool fits = k > i + 1 && ns <= 2 && nw <= (ns ? 2u : 3u);
		if ((int64_t)k == l)
			return fits ? k : 0;
		if (target[k])
			return 0;
		const struct vm_insn *b = &j->code[k];
		if (b->op == BPFRT_OP__COUNT)
			return 0;
		const struct isa_row *r = &bpfrt_isa_rows[b->op];
		enum alu_kind kind;
		if (ifc_is_ja(b))
			return fits && (int64_t)k + b->off == l ? k + 1 : 0;
		if (r->fmt == ISA_F_NEG || ifc_alu(r, &kind)) {
			/* Arithmetic in B only when asked: see JIT_IFC_ALL. */
			if (j->ifc_mode < JIT_IFC_ALL &&
			    (r->fmt == ISA_F_NEG || (kind != A_MOV && kind != A_MOVSX8 &&
						     kind != A_MOVSX16 && kind != A_MOVSX32)))
				return 0;
			uint16_t bit = (uint16_t)(1u << b->dst);
			if (stored & bit)
				return 0;
			nw += !(wr & bit);
			wr |= bit;
		} else if (r->fmt == ISA_F_ST || r->fmt == ISA_F_STX) {
			ns++;
			stored |= (uint16_t)((1u << b->dst | (r->fmt == ISA_F_STX ? 1u << b->src : 0)) &
					     wr);
		} else {
			return 0;
		}
	}
	return 0;
}

/* The region [i, end) planned by bpfrt__jit_ifc_plan, at slot i. */
static void ifc_emit(struct jit *j, size_t i, size_t end)
{
	struct emit *e = &j->e;
	const struct vm_insn *c = &j->code[i];
	const struct isa_row *cr = &bpfrt_isa_rows[c->op];
	bool jump = ifc_is_ja(&j->code[end - 1]);
	size_t bend = jump ? end - 1 : end;
	uint8_t loc[11];	/* where each eBPF register's value is now */
	struct { const struct vm_insn *in; unsigned code; uint8_t base, val; } st[2];
	size_t ns = 0, np = 0;
	memcpy(loc, R, sizeof(loc));
	for (size_t k = i + 1; k < bend; k++)
		ns += bpfrt_isa_rows[j->code[k].op].fmt == ISA_F_ST ||
		      bpfrt_isa_rows[j->code[k].op].fmt == ISA_F_STX;
	static const uint8_t pool[] = { R9, R10, R11 };	/* r11: store addresses */
	size_t pool_n = ns ? 2 : 3;
	ns = 0;
	for (size_t k = i + 1; k < bend; k++) {
		const struct vm_insn *b = &j->code[k];
		const struct isa_row *r = &bpfrt_isa_rows[b->op];
		if (r->fmt == ISA_F_ST || r->fmt == ISA_F_STX) {
			st[ns].in = b;
			st[ns].code = r->code;
			st[ns].base = loc[b->dst];
			st[ns].val = r->fmt == ISA_F_STX ? loc[b->src] : 0;
			ns++;
			continue;
		}
		enum alu_kind kind = A_ADD;
		bool neg = r->fmt == ISA_F_NEG;
		if (!neg && !ifc_alu(r, &kind))
			jit_missing_translation_rt(e);
		int w = BPFRT_CLASS(r->code) == BPFRT_ALU64;
		bool mov = !neg && (kind == A_MOV || kind == A_MOVSX8 || kind == A_MOVSX16 ||
				    kind == A_MOVSX32);
		int d = loc[b->dst], src = loc[b->src];	/* src before dst moves */
		if (d == R[b->dst]) {	/* first write: a scratch register takes over */
			if (np == pool_n) {
				jit_missing_translation_rt(e);
				return;
			}
			int sh = pool[np++];
			if (!mov)
				e_mov_rr(e, 1, sh, d);			/* mov scratch, d */
			loc[b->dst] = (uint8_t)(d = sh);
		}
		if (neg)
			e_grp(e, 0xf7, w, 3, d);			/* neg scratch */
		else if (r->fmt == ISA_F_ALU_X)
			alu_x(e, w, kind, d, src);			/* op scratch, s */
		else
			alu_k(j, w, kind, d, (int64_t)b->imm);		/* op scratch, imm */
	}
	int cc = cc_of(cr->code);	/* the jump is taken: B does not run */
	jmp_flags(j, c, cr->fmt == ISA_F_JMP_K, BPFRT_OP(cr->code) == BPFRT_JSET,
		  BPFRT_CLASS(cr->code) == BPFRT_JMP);
	for (size_t s = 0; s < ns; s++) {
		e_mem(e, 0x8d, 1, R11, st[s].base, st[s].in->off, false, false, false); /* lea r11, [base+off] */
		e_mem(e, 0x0f40 | cc, 1, R11, R12, JS_SINK, false, false, false);	/* cmov<taken> r11, [r12+sink] */
		if (bpfrt_isa_rows[st[s].in->op].fmt == ISA_F_ST)
			store_imm(e, st[s].code, R11, 0, (int32_t)st[s].in->imm);	/* mov [r11], imm */
		else
			store_reg(e, st[s].code, R11, 0, st[s].val);		/* mov [r11], val */
	}
	for (int r = 0; r <= 9; r++)
		if (loc[r] != R[r])
			e_rr(e, 0x0f40 | (cc ^ 1), 1, R[r], loc[r]);	/* cmov<runs> r, scratch */
	if (jump)
		jmp_slot(j, -1, end - 1, (size_t)((int64_t)i + c->off));
}

/* ---- calls -------------------------------------------------------------- */

/*
 * bpf_tail_call in an unchecked image.  The C stub makes the helper's
 * decisions (same order, same messages, the count in the run state) and
 * fetches the target's unchecked image; on success the code continues in
 * the target's first slot the way the entry code would enter it: native
 * stack back at the entry's return address (local call frames dropped),
 * r10 = the invocation's frame, r1 = ctx, r0 = 0 (the helper's result),
 * r2-r9 as they are - exactly what the interpreter's tail call leaves.
 * Otherwise it falls through with the helper's r0 and r1-r5 kept, or
 * stops when the helper raised an error.
 */
static void tail_call(struct jit *j, size_t idx)
{
	struct emit *e = &j->e;
	static const uint8_t args[] = { RDI, RSI, RDX, RCX, R8 };
	for (size_t i = 0; i < sizeof(args); i++)
		e_push(e, args[i]);					/* push r1..r5 (rsp 0 mod 16) */
	e_mov_rr(e, 1, RCX, RDX);					/* mov rcx, rdx (index) */
	e_mov_rr(e, 1, RDX, RSI);					/* mov rdx, rsi (map) */
	e_mov_rr(e, 1, RSI, RDI);					/* mov rsi, rdi (ctx) */
	e_mov_rr(e, 1, RDI, R12);					/* mov rdi, r12 */
	e_mov_imm(e, 0, R8, (int64_t)idx);				/* mov r8d, idx */
	e_mov_rr(e, 1, R9, RBP);					/* mov r9, rbp */
	e_mov_imm(e, 1, R11, (int64_t)(uintptr_t)bpfrt__jit_tail_call);	/* movabs r11, stub */
	e_call_reg(e, R11);						/* call r11 */
	for (size_t i = sizeof(args); i-- > 0;)
		e_pop(e, args[i]);					/* pop r5..r1 */
	e_rr(e, 0x85, 1, RAX, RAX);					/* test rax, rax */
	size_t fall = e_jcc8_fwd(e, CC_E);				/* jz .fall */
	e_mov_rr(e, 1, R11, RAX);					/* mov r11, rax (target) */
	e_rr(e, 0x31, 0, RAX, RAX);					/* xor eax, eax */
	e_mem(e, 0x8b, 1, RSP, R12, JS_RSP, false, false, false);	/* mov rsp, [r12+rsp] */
	e_mem(e, 0x8d, 1, RSP, RSP, -8, false, false, false);		/* lea rsp, [rsp-8] */
	e_mem(e, 0x8b, 1, R10, R12, JS_RC, false, false, false);	/* mov r10, [r12+rc] */
	e_mem(e, 0x8b, 1, RBP, R10, RC_OFF(entry_r10), false, false, false); /* mov rbp, [r10+entry_r10] */
	e_rr(e, 0xff, 0, 4, R11);					/* jmp r11 */
	e_patch8(e, fall);
	e_mem(e, 0x8b, 1, RAX, R12, JS_SCRATCH, false, false, false);	/* .fall: mov rax, [r12+scratch] */
	e_mem(e, 0x8b, 1, R11, R12, JS_RC, false, false, false);	/* mov r11, [r12+rc] */
	e_alu_mem_imm(e, 0, 7, R11, RC_OFF(pending), 0);		/* cmp dword [r11+pending], 0 */
	jmp_abs(j, CC_NE, j->l_pend);					/* jne pending */
}

/*
 * bpf_map_lookup_elem inline (unchecked images of verified programs): when
 * the verifier proved that one array or per-CPU array reaches this call,
 * the lookup is the helper's bounds check and address computation:
 *   r0 = key < max_entries [&& cpu < ncpus] ? values + slot * elem_size : 0
 * The helper's other effects only matter to checked runs (regions).
 * False when the call does not qualify (the helper is called).
 */
static bool inline_lookup(struct jit *j, size_t idx)
{
	struct emit *e = &j->e;
	const struct bpfrt_prog *p = j->prog;
	if (j->blind || !p->verified || !p->vaux)
		return false;
	const struct bpfrt_vaux *a = &p->vaux[idx];
	if ((a->flags & (BPFRT_VAUX_MAP | BPFRT_VAUX_MAP_POISON)) != BPFRT_VAUX_MAP ||
	    a->map_idx >= p->map_cnt)
		return false;
	struct bpfrt_map *m = p->maps[a->map_idx];
	if (!m || (m->ops != &bpfrt__array_ops && m->ops != &bpfrt__percpu_array_ops))
		return false;
	size_t bytes = 0;
	uint8_t *values = bpfrt__array_values(m, &bytes);
	uint64_t per = (uint64_t)m->elem_size * (m->percpu ? m->ncpus : 1);
	if (!values || !m->max_entries || m->max_entries > INT32_MAX || !fits32((int64_t)per))
		return false;
	e_mem(e, 0x8b, 0, R11, RSI, 0, false, false, false);		/* mov r11d, [rsi] (key) */
	e_alu_imm(e, 0, 7, R11, (int32_t)m->max_entries);		/* cmp r11d, max_entries */
	size_t null1 = e_jcc8_fwd(e, CC_AE);				/* jae .null */
	size_t null2 = 0;
	e_rr(e, 0x69, 1, R11, R11);					/* imul r11, r11, per */
	e_u32(e, (uint32_t)per);
	if (m->percpu) {
		e_mem(e, 0x8b, 1, R10, R12, JS_RC, false, false, false);	/* mov r10, [r12+rc] */
		e_mem(e, 0x8b, 0, R10, R10, RC_OFF(cpu), false, false, false);	/* mov r10d, [r10+cpu] */
		e_alu_imm(e, 0, 7, R10, (int32_t)m->ncpus);		/* cmp r10d, ncpus */
		null2 = e_jcc8_fwd(e, CC_AE);				/* jae .null */
		e_rr(e, 0x69, 1, R10, R10);				/* imul r10, r10, elem_size */
		e_u32(e, m->elem_size);
		e_rr(e, 0x01, 1, R10, R11);				/* add r11, r10 */
	}
	e_mov_imm(e, 1, RAX, (int64_t)(uintptr_t)values);		/* movabs rax, values */
	e_rr(e, 0x01, 1, R11, RAX);					/* add rax, r11 */
	size_t done = e_jmp8_fwd(e);					/* jmp .done */
	e_patch8(e, null1);
	if (null2)
		e_patch8(e, null2);
	e_rr(e, 0x31, 0, RAX, RAX);					/* .null: xor eax, eax */
	e_patch8(e, done);
	return true;
}

/*
 * A helper call: publish where the program is (rc->stack_lo, depth,
 * call_idx, the instruction count) so callbacks nest below this frame and
 * faults name this slot; keep r1-r5 as they were (the interpreter does, and
 * results must be identical); then act on rc->pending (tail call or error)
 * and on the unwind flag.  fn NULL: callx, the helper in state->scratch.
 */
static void helper_call(struct jit *j, size_t idx, const struct bpfrt_helper_def *h)
{
	struct emit *e = &j->e;
	static const uint8_t args[] = { RDI, RSI, RDX, RCX, R8 };
	if (h && !j->checked) {
		if (h->fn == bpfrt__h_tail_call) {
			tail_call(j, idx);
			return;
		}
		if (h->fn == bpfrt__h_map_lookup_elem && inline_lookup(j, idx))
			return;
	}
	if (j->checked) {
		e_mem(e, 0x8b, 1, R11, R12, JS_LIMIT, false, false, false);	/* mov r11, [r12+limit] */
		e_mem(e, 0x2b, 1, R11, R12, JS_REM, false, false, false);	/* sub r11, [r12+rem] */
		e_mem(e, 0x8b, 1, R10, R12, JS_RC, false, false, false);	/* mov r10, [r12+rc] */
		e_mem(e, 0x89, 1, R11, R10, RC_OFF(insn_cnt), false, false, false); /* mov [r10+insn_cnt], r11 */
	}
	e_mem(e, 0x8b, 1, R9, R12, JS_RC, false, false, false);		/* mov r9, [r12+rc] */
	e_mem(e, 0x8d, 1, R11, RBP, -BPFRT_STACK_SIZE, false, false, false); /* lea r11, [rbp-512] */
	e_mem(e, 0x89, 1, R11, R9, RC_OFF(stack_lo), false, false, false);	/* mov [r9+stack_lo], r11 */
	e_mem(e, 0x8b, 1, R11, R9, RC_OFF(stack_hi), false, false, false);	/* mov r11, [r9+stack_hi] */
	e_rr(e, 0x29, 1, RBP, R11);						/* sub r11, rbp */
	e_grp(e, 0xc1, 1, 5, R11);						/* shr r11, 9 */
	e_byte(e, 9);
	e_mem(e, 0x89, 0, R11, R9, RC_OFF(depth), false, false, false);	/* mov [r9+depth], r11d */
	e_mem(e, 0xc7, 1, 0, R9, RC_OFF(call_idx), false, false, false);	/* mov qword [r9+call_idx], idx */
	e_u32(e, (uint32_t)idx);
	for (size_t i = 0; i < sizeof(args); i++)
		e_push(e, args[i]);					/* push r1..r5 */
	if (h) {
		e_mov_imm(e, 1, R11, (int64_t)(uintptr_t)h->fn);	/* movabs r11, fn */
		e_call_reg(e, R11);					/* call r11 */
	} else {
		e_mem(e, 0x8b, 1, R11, R12, JS_SCRATCH, false, false, false);	/* mov r11, [r12+scratch] */
		e_mem(e, 0xff, 0, 2, R11, (int32_t)offsetof(struct bpfrt_helper_def, fn),
		      false, false, false);				/* call [r11+fn] */
	}
	for (size_t i = sizeof(args); i-- > 0;)
		e_pop(e, args[i]);					/* pop r5..r1 */
	if (j->checked) {
		e_mem(e, 0x8b, 1, R10, R12, JS_RC, false, false, false);	/* mov r10, [r12+rc] */
		e_mem(e, 0x8b, 1, R11, R12, JS_LIMIT, false, false, false);	/* mov r11, [r12+limit] */
		e_mem(e, 0x2b, 1, R11, R10, RC_OFF(insn_cnt), false, false, false); /* sub r11, [r10+insn_cnt] */
		e_mem(e, 0x89, 1, R11, R12, JS_REM, false, false, false);	/* mov [r12+rem], r11 */
	}
	e_mem(e, 0x8b, 1, R11, R12, JS_RC, false, false, false);		/* mov r11, [r12+rc] */
	e_alu_mem_imm(e, 0, 7, R11, RC_OFF(pending), 0);			/* cmp dword [r11+pending], 0 */
	jmp_abs(j, CC_NE, j->l_pend);						/* jne pending */
	if (h && !(h->flags & BPFRT_HELPER_F_UNWIND))
		return;
	size_t skip = 0;
	if (!h) {
		e_mem(e, 0x8b, 1, R11, R12, JS_SCRATCH, false, false, false);	/* mov r11, [r12+scratch] */
		e_mem(e, 0xf7, 0, 0, R11, (int32_t)offsetof(struct bpfrt_helper_def, flags),
		      false, false, false);				/* test dword [r11+flags], UNWIND */
		e_u32(e, BPFRT_HELPER_F_UNWIND);
		skip = e_jcc8_fwd(e, CC_E);				/* jz .no_unwind */
	}
	e_rr(e, 0x85, 1, RAX, RAX);						/* test rax, rax */
	jmp_abs(j, CC_E, j->l_done);						/* jz done */
	if (skip)
		e_patch8(e, skip);
}

JIT_INLINE void t_ISA_F_CALL(struct jit *j, const struct vm_insn *in, size_t idx,
			     unsigned code, int mv)
{
	struct emit *e = &j->e;
	if (mv == 0) {
		helper_call(j, idx, &j->prog->helpers[in->imm]);
	} else if (mv == BPFRT_PSEUDO_CALL) {
		/* Depth check as the interpreter's: frames are 512 bytes apart
		 * from the top of the stack, so depth = (stack_hi - r10) / 512. */
		e_mem(e, 0x8b, 1, R11, R12, JS_RC, false, false, false);	/* mov r11, [r12+rc] */
		e_mem(e, 0x8b, 1, R11, R11, RC_OFF(stack_hi), false, false, false); /* mov r11, [r11+stack_hi] */
		e_rr(e, 0x29, 1, RBP, R11);					/* sub r11, rbp */
		e_alu_imm(e, 1, 7, R11, (BPFRT_MAX_CALL_FRAMES - 1) * BPFRT_STACK_SIZE); /* cmp r11, 7*512 */
		fail_if(j, CC_B, JIT_FAIL_DEPTH, idx);
		e_push(e, RBX);						/* push r6..r9 */
		e_push(e, R13);
		e_push(e, R14);
		e_push(e, R15);
		e_alu_imm(e, 1, 5, RSP, 8);				/* sub rsp, 8 (keep 8 mod 16) */
		e_alu_imm(e, 1, 5, RBP, BPFRT_STACK_SIZE);		/* sub rbp, 512 */
		e_byte(e, 0xe8);					/* call rel32 */
		size_t t = (size_t)((int64_t)idx + in->off);
		e_u32(e, (uint32_t)((int64_t)j->off[t] - (int64_t)(e->len + 4)));
		e_alu_imm(e, 1, 0, RBP, BPFRT_STACK_SIZE);		/* add rbp, 512 */
		e_alu_imm(e, 1, 0, RSP, 8);				/* add rsp, 8 */
		e_pop(e, R15);						/* pop r9..r6 */
		e_pop(e, R14);
		e_pop(e, R13);
		e_pop(e, RBX);
	} else {
		/* kfuncs are refused at load; should one get here, fail. */
		e_rr(e, 0x85, 1, RSP, RSP);				/* test rsp, rsp (ZF=0) */
		fail_if(j, CC_E, JIT_FAIL_DEPTH + 1, idx);
	}
}

JIT_INLINE void t_ISA_F_CALLX(struct jit *j, const struct vm_insn *in, size_t idx,
			      unsigned code, int mv)
{
	struct emit *e = &j->e;
	e_mov_rr(e, 1, R11, R[in->dst]);				/* mov r11, id */
	callout(j, (const void *)bpfrt__jit_callx, idx);
	check_err(j, j->l_err);
	e_mem(e, 0x89, 1, R11, R12, JS_SCRATCH, false, false, false);	/* mov [r12+scratch], r11 */
	helper_call(j, idx, NULL);
}

JIT_INLINE void t_ISA_F_EXIT(struct jit *j, const struct vm_insn *in, size_t idx,
			     unsigned code, int mv)
{
	e_byte(&j->e, 0xc3);						/* ret */
}

/* ---- driver entry points ---------------------------------------------- */

void bpfrt__jit_emit_insn(struct jit *j, size_t idx)
{
	const struct vm_insn *in = &j->code[idx];
	struct emit *e = &j->e;

	if (in->op == BPFRT_OP__COUNT)	/* second slot of lddw: no code */
		return;
	if (idx < j->skip_to)		/* translated with an earlier slot */
		return;
	j->prev_flags = j->flags_slot;
	j->flags_slot = SIZE_MAX;
	if (j->ifc && j->ifc[idx]) {
		ifc_emit(j, idx, j->ifc[idx]);
		j->skip_to = j->ifc[idx];
		return;
	}
	if (j->checked && j->in_slow) {
		/* Exact instruction budget, as the interpreter counts it. */
		e_alu_mem_imm(e, 1, 5, R12, JS_REM, 1);		/* sub qword [r12+rem], 1 */
		fail_if(j, CC_AE, JIT_FAIL_LIMIT, idx);		/* borrow: limit hit */
	} else if (j->checked && j->leader[idx]) {
		/* Charge the whole block; if the budget cannot cover it, run
		 * its per-instruction copy, which stops at the exact slot. */
		e_alu_mem_imm(e, 1, 5, R12, JS_REM, (int32_t)j->blen[idx]); /* sub qword [r12+rem], len */
		e_byte(e, 0x0f);					/* jc slow copy (rel32) */
		e_byte(e, 0x80 | CC_B);
		e_u32(e, (uint32_t)((int64_t)j->slow[idx] - (int64_t)(e->len + 4)));
	}
	switch ((enum bpfrt_op)in->op) {
#define JIT_ROW(ID, CODE, M, MV, MNEM, FMT, CPU)				\
	case BPFRT_OP_##ID: t_##FMT(j, in, idx, CODE, MV); break;
	BPFRT_ISA_TABLE(JIT_ROW)
#undef JIT_ROW
	case BPFRT_OP__COUNT:
		break;
	}
}

/*
 * The fixed part at offset 0: the entry prologue and the exits.
 *   int entry(struct jit_state *st, const void *target)
 */
void bpfrt__jit_emit_stubs(struct jit *j)
{
	struct emit *e = &j->e;
	static const uint8_t saved[] = { RBP, RBX, R12, R13, R14, R15 };

	for (size_t i = 0; i < sizeof(saved); i++)
		e_push(e, saved[i]);				/* push callee-saved */
	e_alu_imm(e, 1, 5, RSP, 8);				/* sub rsp, 8 (align) */
	e_mov_rr(e, 1, R12, RDI);				/* mov r12, rdi */
	e_mem(e, 0x89, 1, RSP, R12, JS_RSP, false, false, false);	/* mov [r12+rsp], rsp */
	e_mov_rr(e, 1, R11, RSI);				/* mov r11, rsi */
	for (int r = 0; r <= 10; r++)				/* mov reg, [r12+regs+8r] */
		e_mem(e, 0x8b, 1, R[r], R12, JS_REGS + 8 * r, false, false, false);
	e_call_reg(e, R11);					/* call r11 */
	/* done: r0 in rax */
	j->l_done = (uint32_t)e->len;
	e_mem(e, 0x89, 1, RAX, R12, JS_REGS, false, false, false);	/* mov [r12+regs], rax */
	e_rr(e, 0x31, 0, RAX, RAX);				/* xor eax, eax */
	/* out: return eax */
	j->l_out = (uint32_t)e->len;
	e_mem(e, 0x8b, 1, RSP, R12, JS_RSP, false, false, false);	/* mov rsp, [r12+rsp] */
	e_alu_imm(e, 1, 0, RSP, 8);				/* add rsp, 8 */
	for (size_t i = sizeof(saved); i-- > 0;)
		e_pop(e, saved[i]);				/* pop callee-saved */
	e_byte(e, 0xc3);					/* ret */
	/* done0: the program ends with r0 = 0 */
	j->l_done0 = (uint32_t)e->len;
	e_rr(e, 0x31, 0, RAX, RAX);				/* xor eax, eax */
	jmp_abs(j, -1, j->l_done);
	/* err: a C stub stored -errno in state->err */
	j->l_err = (uint32_t)e->len;
	e_mem(e, 0x8b, 1, RAX, R12, JS_ERR, false, false, false);	/* mov rax, [r12+err] */
	jmp_abs(j, -1, j->l_out);
	/* pend: rc->pending set by a helper; hand the registers to C, which
	 * performs the tail call or reports the error. */
	j->l_pend = (uint32_t)e->len;
	for (int r = 0; r <= 10; r++)				/* mov [r12+regs+8r], reg */
		e_mem(e, 0x89, 1, R[r], R12, JS_REGS + 8 * r, false, false, false);
	e_mem(e, 0x8b, 1, R11, R12, JS_RC, false, false, false);	/* mov r11, [r12+rc] */
	e_mem(e, 0x8b, 0, RAX, R11, RC_OFF(pending), false, false, false); /* mov eax, [r11+pending] */
	jmp_abs(j, -1, j->l_out);
	/* fail: esi = kind, edx = slot; the C stub formats the message */
	j->l_fail = (uint32_t)e->len;
	e_mov_rr(e, 1, RDI, R12);				/* mov rdi, r12 */
	e_alu_imm(e, 1, 4, RSP, -16);				/* and rsp, -16 */
	e_mov_imm(e, 1, R11, (int64_t)(uintptr_t)bpfrt__jit_fail);	/* movabs r11, fail */
	e_call_reg(e, R11);					/* call r11 */
	jmp_abs(j, -1, j->l_out);
	/* Slot code starts 16-byte aligned. */
	while (e->len % 16)
		e_byte(e, 0xcc);				/* int3 */
}

void bpfrt__jit_emit_slow(struct jit *j, size_t b, size_t end)
{
	struct emit *e = &j->e;
	size_t last = b;
	j->slow_cur[b] = (uint32_t)e->len;
	e_alu_mem_imm(e, 1, 0, R12, JS_REM, (int32_t)j->blen[b]);	/* add qword [r12+rem], len (undo) */
	j->in_slow = true;
	for (size_t i = b; i < end; i++) {
		if (j->code[i].op != BPFRT_OP__COUNT)
			last = i;
		bpfrt__jit_emit_insn(j, i);
	}
	j->in_slow = false;
	/* Fall through into the next block's main code (which charges it). */
	const struct vm_insn *in = &j->code[last];
	int fmt = bpfrt_isa_rows[in->op].fmt;
	bool ends = fmt == ISA_F_EXIT || ((fmt == ISA_F_JA || fmt == ISA_F_JA32) && in->off != 1);
	if (!ends && end < j->cnt) {
		e_byte(e, 0xe9);					/* jmp rel32 next block */
		e_u32(e, (uint32_t)((int64_t)j->off[end] - (int64_t)(e->len + 4)));
	}
}
