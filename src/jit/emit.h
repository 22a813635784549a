/* SPDX-License-Identifier: MIT */
/*
 * Tiny x86-64 encoder for the JIT.  Every function appends one machine
 * instruction to a growable buffer; the Intel mnemonic is in the comment
 * beside each.  Errors (out of memory) are sticky: emission continues as
 * no-ops and the caller checks e->err once at the end of a pass, which
 * keeps the translation code free of error plumbing.
 *
 * Registers are x86 numbers 0..15 (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi,
 * r8..r15).  `w` selects 64-bit operand size (REX.W); 0 means 32-bit, which
 * on x86-64 zero-extends the destination - exactly eBPF's ALU32 rule.
 */
#ifndef BPFRT_JIT_EMIT_H
#define BPFRT_JIT_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum x86_reg {
	RAX = 0, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

struct emit {
	uint8_t *buf;
	size_t len, cap;
	int err;		/* sticky: 0 or -ENOMEM */
};

static inline void e_byte(struct emit *e, uint8_t b)
{
	if (e->err)
		return;
	if (e->len == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 4096;
		uint8_t *n = realloc(e->buf, cap);
		if (!n) {
			e->err = -12;	/* ENOMEM */
			return;
		}
		e->buf = n;
		e->cap = cap;
	}
	e->buf[e->len++] = b;
}

static inline void e_u16(struct emit *e, uint16_t v) { e_byte(e, (uint8_t)v); e_byte(e, (uint8_t)(v >> 8)); }
static inline void e_u32(struct emit *e, uint32_t v) { e_u16(e, (uint16_t)v); e_u16(e, (uint16_t)(v >> 16)); }
static inline void e_u64(struct emit *e, uint64_t v) { e_u32(e, (uint32_t)v); e_u32(e, (uint32_t)(v >> 32)); }

static inline bool fits8(int64_t v) { return v >= -128 && v <= 127; }
static inline bool fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* REX prefix; `force` for byte operations on sil/dil/bpl/spl, which
 * without any REX would mean ah/ch/dh/bh. */
static inline void e_rex(struct emit *e, int w, int reg, int index, int rm, bool force)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) |
				((index & 8) ? 2 : 0) | ((rm & 8) ? 1 : 0));
	if (rex != 0x40 || force)
		e_byte(e, rex);
}

/* Opcodes are given as an int: 0x0fXX stands for the two-byte 0F XX. */
static inline void e_opc(struct emit *e, int op)
{
	if (op > 0xff)
		e_byte(e, (uint8_t)(op >> 8));
	e_byte(e, (uint8_t)op);
}

/* op reg, rm (register direct, ModRM mod=11). */
static inline void e_rr(struct emit *e, int op, int w, int reg, int rm)
{
	e_rex(e, w, reg, 0, rm, false);
	e_opc(e, op);
	e_byte(e, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* Same with a byte-sized register operand (REX forced for regs 4..7). */
static inline void e_rr8(struct emit *e, int op, int w, int reg, int rm)
{
	e_rex(e, w, reg, 0, rm, (reg >= 4 && reg <= 7) || (rm >= 4 && rm <= 7));
	e_opc(e, op);
	e_byte(e, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* ModRM + SIB + displacement for [base + disp]: rsp/r12 need a SIB byte,
 * rbp/r13 have no mod=00 form, so they get an explicit disp8 of 0. */
static inline void e_modrm_mem(struct emit *e, int reg, int base, int32_t disp)
{
	int mod = (disp == 0 && (base & 7) != RBP) ? 0 : fits8(disp) ? 1 : 2;
	e_byte(e, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == RSP)
		e_byte(e, 0x24);	/* SIB: no index, base */
	if (mod == 1)
		e_byte(e, (uint8_t)disp);
	else if (mod == 2)
		e_u32(e, (uint32_t)disp);
}

/* op reg, [base + disp]; prefix66 for 16-bit operand size, lock for the
 * F0 prefix, byte for byte registers. */
static inline void e_mem(struct emit *e, int op, int w, int reg, int base, int32_t disp,
			 bool p66, bool lock, bool byte)
{
	if (lock)
		e_byte(e, 0xf0);	/* lock */
	if (p66)
		e_byte(e, 0x66);	/* operand size 16 */
	e_rex(e, w, reg, 0, base, byte && reg >= 4 && reg <= 7);
	e_opc(e, op);
	e_modrm_mem(e, reg, base, disp);
}

/* Register-direct group opcodes (op /digit r): 81 /0 add, F7 /3 neg ... */
static inline void e_grp(struct emit *e, int op, int w, int digit, int rm)
{
	e_rr(e, op, w, digit, rm);
}

static inline void e_mov_rr(struct emit *e, int w, int dst, int src)
{
	e_rr(e, 0x89, w, src, dst);		/* mov dst, src */
}

/* dst = imm, the shortest exact form; 64-bit values as given. */
static inline void e_mov_imm(struct emit *e, int w, int dst, int64_t imm)
{
	if (!w)
		imm = (int64_t)(uint32_t)imm;
	if (imm == 0) {
		e_rr(e, 0x31, 0, dst, dst);	/* xor dst32, dst32 */
	} else if ((uint64_t)imm <= UINT32_MAX) {
		e_rex(e, 0, 0, 0, dst, false);
		e_byte(e, (uint8_t)(0xb8 | (dst & 7)));	/* mov dst32, imm32 */
		e_u32(e, (uint32_t)imm);
	} else if (fits32(imm)) {
		e_grp(e, 0xc7, 1, 0, dst);	/* mov dst, simm32 */
		e_u32(e, (uint32_t)imm);
	} else {
		e_rex(e, 1, 0, 0, dst, false);
		e_byte(e, (uint8_t)(0xb8 | (dst & 7)));	/* movabs dst, imm64 */
		e_u64(e, (uint64_t)imm);
	}
}

/* ALU group 1 with an immediate: digit 0 add, 1 or, 4 and, 5 sub, 6 xor,
 * 7 cmp.  imm8 form when it fits. */
static inline void e_alu_imm(struct emit *e, int w, int digit, int rm, int32_t imm)
{
	if (fits8(imm)) {
		e_grp(e, 0x83, w, digit, rm);	/* op rm, simm8 */
		e_byte(e, (uint8_t)imm);
	} else {
		e_grp(e, 0x81, w, digit, rm);	/* op rm, imm32 */
		e_u32(e, (uint32_t)imm);
	}
}

/* Same on memory [base + disp]. */
static inline void e_alu_mem_imm(struct emit *e, int w, int digit, int base, int32_t disp,
				 int32_t imm)
{
	if (fits8(imm)) {
		e_mem(e, 0x83, w, digit, base, disp, false, false, false);
		e_byte(e, (uint8_t)imm);
	} else {
		e_mem(e, 0x81, w, digit, base, disp, false, false, false);
		e_u32(e, (uint32_t)imm);
	}
}

/* lea dst, [base + index * scale] (scale 1, 2, 4, 8; index never rsp). */
static inline void e_lea_sib(struct emit *e, int w, int dst, int base, int index, int scale)
{
	static const uint8_t ss[9] = { 0, 0, 1, 0, 2, 0, 0, 0, 3 };
	bool disp = (base & 7) == RBP;	/* rbp/r13 base: no mod=00 form */
	e_rex(e, w, dst, index, base, false);
	e_byte(e, 0x8d);
	e_byte(e, (uint8_t)((disp ? 0x40 : 0x00) | (dst & 7) << 3 | 4));
	e_byte(e, (uint8_t)(ss[scale] << 6 | (index & 7) << 3 | (base & 7)));
	if (disp)
		e_byte(e, 0);
}

static inline void e_push(struct emit *e, int r)
{
	e_rex(e, 0, 0, 0, r, false);
	e_byte(e, (uint8_t)(0x50 | (r & 7)));	/* push r */
}

static inline void e_pop(struct emit *e, int r)
{
	e_rex(e, 0, 0, 0, r, false);
	e_byte(e, (uint8_t)(0x58 | (r & 7)));	/* pop r */
}

static inline void e_call_reg(struct emit *e, int r)
{
	e_rr(e, 0xff, 0, 2, r);			/* call r */
}

/* Condition codes (the low nibble of Jcc). */
enum x86_cc {
	CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_BE = 0x6, CC_A = 0x7,
	CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

/* A forward short jump inside one translated sequence: emit with a
 * placeholder, patch once the target is reached. */
static inline size_t e_jcc8_fwd(struct emit *e, int cc)
{
	e_byte(e, (uint8_t)(0x70 | cc));	/* jcc rel8 */
	e_byte(e, 0);
	return e->len;
}

static inline size_t e_jmp8_fwd(struct emit *e)
{
	e_byte(e, 0xeb);			/* jmp rel8 */
	e_byte(e, 0);
	return e->len;
}

/* Patch a forward short jump to land here. */
static inline void e_patch8(struct emit *e, size_t after)
{
	if (e->err)
		return;
	size_t d = e->len - after;
	if (d > 127)
		e->err = -22;	/* EINVAL: a sequence grew beyond rel8 */
	else
		e->buf[after - 1] = (uint8_t)d;
}

#endif /* BPFRT_JIT_EMIT_H */
