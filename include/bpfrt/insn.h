/* SPDX-License-Identifier: MIT */
/*
 * bpfrt/insn.h - the eBPF instruction encoding (RFC 9669) and instruction
 * builder macros.
 *
 * The builders are compound literals, so they can be used in array
 * initialisers and as expressions alike:
 *
 *     struct bpfrt_insn prog[] = {
 *         BPFRT_MOV64_IMM(BPFRT_REG_0, 1),
 *         BPFRT_EXIT_INSN(),
 *     };
 *
 * Every name is prefixed BPFRT_ so this header can be included next to
 * <linux/bpf.h>, whose constants have the same values.
 */
#ifndef BPFRT_INSN_H
#define BPFRT_INSN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One 64-bit instruction slot, laid out as the kernel's struct bpf_insn
 * (little-endian host: dst_reg in the low nibble of byte 1). */
struct bpfrt_insn {
	uint8_t code;
	uint8_t dst_reg : 4;
	uint8_t src_reg : 4;
	int16_t off;
	int32_t imm;
};

/* Instruction classes (code & 0x07). */
#define BPFRT_LD	0x00
#define BPFRT_LDX	0x01
#define BPFRT_ST	0x02
#define BPFRT_STX	0x03
#define BPFRT_ALU	0x04
#define BPFRT_JMP	0x05
#define BPFRT_JMP32	0x06
#define BPFRT_ALU64	0x07
#define BPFRT_CLASS(code) ((code) & 0x07)

/* Source operand (code & 0x08) for ALU and JMP classes. */
#define BPFRT_K		0x00
#define BPFRT_X		0x08
#define BPFRT_SRC(code)	((code) & 0x08)

/* ALU operations (code & 0xf0). */
#define BPFRT_ADD	0x00
#define BPFRT_SUB	0x10
#define BPFRT_MUL	0x20
#define BPFRT_DIV	0x30
#define BPFRT_OR	0x40
#define BPFRT_AND	0x50
#define BPFRT_LSH	0x60
#define BPFRT_RSH	0x70
#define BPFRT_NEG	0x80
#define BPFRT_MOD	0x90
#define BPFRT_XOR	0xa0
#define BPFRT_MOV	0xb0
#define BPFRT_ARSH	0xc0
#define BPFRT_END	0xd0
#define BPFRT_OP(code)	((code) & 0xf0)

/* Byte-order conversion: the source bit of BPFRT_ALU | BPFRT_END. */
#define BPFRT_TO_LE	0x00
#define BPFRT_TO_BE	0x08

/* Jump operations (code & 0xf0). */
#define BPFRT_JA	0x00
#define BPFRT_JEQ	0x10
#define BPFRT_JGT	0x20
#define BPFRT_JGE	0x30
#define BPFRT_JSET	0x40
#define BPFRT_JNE	0x50
#define BPFRT_JSGT	0x60
#define BPFRT_JSGE	0x70
#define BPFRT_CALL	0x80
#define BPFRT_EXIT	0x90
#define BPFRT_JLT	0xa0
#define BPFRT_JLE	0xb0
#define BPFRT_JSLT	0xc0
#define BPFRT_JSLE	0xd0

/* Load/store sizes (code & 0x18) and modes (code & 0xe0). */
#define BPFRT_W		0x00
#define BPFRT_H		0x08
#define BPFRT_B		0x10
#define BPFRT_DW	0x18
#define BPFRT_SIZE(code) ((code) & 0x18)
#define BPFRT_IMM	0x00
#define BPFRT_ABS	0x20
#define BPFRT_IND	0x40
#define BPFRT_MEM	0x60
#define BPFRT_MEMSX	0x80
#define BPFRT_ATOMIC	0xc0
#define BPFRT_MODE(code) ((code) & 0xe0)

/* Atomic operations (imm of BPFRT_STX | BPFRT_ATOMIC). */
#define BPFRT_FETCH	0x01
#define BPFRT_XCHG	(0xe0 | BPFRT_FETCH)
#define BPFRT_CMPXCHG	(0xf0 | BPFRT_FETCH)

/* src_reg of lddw: what the 64-bit immediate means. */
#define BPFRT_PSEUDO_MAP_FD		1
#define BPFRT_PSEUDO_MAP_VALUE		2
#define BPFRT_PSEUDO_BTF_ID		3
#define BPFRT_PSEUDO_FUNC		4
#define BPFRT_PSEUDO_MAP_IDX		5
#define BPFRT_PSEUDO_MAP_IDX_VALUE	6

/* src_reg of call: helper (0), local function (1), kernel function (2). */
#define BPFRT_PSEUDO_CALL		1
#define BPFRT_PSEUDO_KFUNC_CALL		2

enum {
	BPFRT_REG_0 = 0, BPFRT_REG_1, BPFRT_REG_2, BPFRT_REG_3, BPFRT_REG_4,
	BPFRT_REG_5, BPFRT_REG_6, BPFRT_REG_7, BPFRT_REG_8, BPFRT_REG_9,
	BPFRT_REG_10, BPFRT_REG_FP = BPFRT_REG_10,
};

/* Limits of the execution model. */
#define BPFRT_STACK_SIZE	512	/* bytes per call frame */
#define BPFRT_MAX_CALL_FRAMES	8	/* main program + 7 nested local calls */

/* ---- instruction builders ------------------------------------------- */

#define BPFRT_RAW_INSN(CODE, DST, SRC, OFF, IMM)			\
	((struct bpfrt_insn){ .code = (CODE), .dst_reg = (DST),		\
			      .src_reg = (SRC), .off = (OFF), .imm = (IMM) })

/* dst = dst OP src, 64 and 32 bit. */
#define BPFRT_ALU64_REG(OP, DST, SRC) \
	BPFRT_RAW_INSN(BPFRT_ALU64 | BPFRT_OP(OP) | BPFRT_X, DST, SRC, 0, 0)
#define BPFRT_ALU32_REG(OP, DST, SRC) \
	BPFRT_RAW_INSN(BPFRT_ALU | BPFRT_OP(OP) | BPFRT_X, DST, SRC, 0, 0)
/* dst = dst OP imm, 64 and 32 bit. */
#define BPFRT_ALU64_IMM(OP, DST, IMM) \
	BPFRT_RAW_INSN(BPFRT_ALU64 | BPFRT_OP(OP) | BPFRT_K, DST, 0, 0, IMM)
#define BPFRT_ALU32_IMM(OP, DST, IMM) \
	BPFRT_RAW_INSN(BPFRT_ALU | BPFRT_OP(OP) | BPFRT_K, DST, 0, 0, IMM)
/* Signed division and modulo (cpu v4): off = 1. */
#define BPFRT_ALU64_SREG(OP, DST, SRC) \
	BPFRT_RAW_INSN(BPFRT_ALU64 | BPFRT_OP(OP) | BPFRT_X, DST, SRC, 1, 0)
#define BPFRT_ALU32_SREG(OP, DST, SRC) \
	BPFRT_RAW_INSN(BPFRT_ALU | BPFRT_OP(OP) | BPFRT_X, DST, SRC, 1, 0)
#define BPFRT_ALU64_SIMM(OP, DST, IMM) \
	BPFRT_RAW_INSN(BPFRT_ALU64 | BPFRT_OP(OP) | BPFRT_K, DST, 0, 1, IMM)
#define BPFRT_ALU32_SIMM(OP, DST, IMM) \
	BPFRT_RAW_INSN(BPFRT_ALU | BPFRT_OP(OP) | BPFRT_K, DST, 0, 1, IMM)

#define BPFRT_MOV64_REG(DST, SRC)	BPFRT_ALU64_REG(BPFRT_MOV, DST, SRC)
#define BPFRT_MOV32_REG(DST, SRC)	BPFRT_ALU32_REG(BPFRT_MOV, DST, SRC)
#define BPFRT_MOV64_IMM(DST, IMM)	BPFRT_ALU64_IMM(BPFRT_MOV, DST, IMM)
#define BPFRT_MOV32_IMM(DST, IMM)	BPFRT_ALU32_IMM(BPFRT_MOV, DST, IMM)
/* Sign-extending moves (cpu v4): BITS is 8, 16 or 32 (32 only for 64-bit). */
#define BPFRT_MOVSX64_REG(DST, SRC, BITS) \
	BPFRT_RAW_INSN(BPFRT_ALU64 | BPFRT_MOV | BPFRT_X, DST, SRC, BITS, 0)
#define BPFRT_MOVSX32_REG(DST, SRC, BITS) \
	BPFRT_RAW_INSN(BPFRT_ALU | BPFRT_MOV | BPFRT_X, DST, SRC, BITS, 0)
#define BPFRT_NEG64(DST)	BPFRT_RAW_INSN(BPFRT_ALU64 | BPFRT_NEG, DST, 0, 0, 0)
#define BPFRT_NEG32(DST)	BPFRT_RAW_INSN(BPFRT_ALU | BPFRT_NEG, DST, 0, 0, 0)

/* Byte swaps: TYPE is BPFRT_TO_LE or BPFRT_TO_BE; BITS 16, 32 or 64. */
#define BPFRT_ENDIAN(TYPE, DST, BITS) \
	BPFRT_RAW_INSN(BPFRT_ALU | BPFRT_END | (TYPE), DST, 0, 0, BITS)
/* Unconditional byte swap (cpu v4). */
#define BPFRT_BSWAP(DST, BITS) \
	BPFRT_RAW_INSN(BPFRT_ALU64 | BPFRT_END, DST, 0, 0, BITS)

/* dst = *(SIZE *)(src + off); the MEMSX form sign-extends (cpu v4). */
#define BPFRT_LDX_MEM(SIZE, DST, SRC, OFF) \
	BPFRT_RAW_INSN(BPFRT_LDX | BPFRT_SIZE(SIZE) | BPFRT_MEM, DST, SRC, OFF, 0)
#define BPFRT_LDX_MEMSX(SIZE, DST, SRC, OFF) \
	BPFRT_RAW_INSN(BPFRT_LDX | BPFRT_SIZE(SIZE) | BPFRT_MEMSX, DST, SRC, OFF, 0)
/* *(SIZE *)(dst + off) = src */
#define BPFRT_STX_MEM(SIZE, DST, SRC, OFF) \
	BPFRT_RAW_INSN(BPFRT_STX | BPFRT_SIZE(SIZE) | BPFRT_MEM, DST, SRC, OFF, 0)
/* *(SIZE *)(dst + off) = imm */
#define BPFRT_ST_MEM(SIZE, DST, OFF, IMM) \
	BPFRT_RAW_INSN(BPFRT_ST | BPFRT_SIZE(SIZE) | BPFRT_MEM, DST, 0, OFF, IMM)
/* Atomic OP (BPFRT_ADD, ... | BPFRT_FETCH, BPFRT_XCHG, BPFRT_CMPXCHG) on
 * *(SIZE *)(dst + off) with src; SIZE is BPFRT_W or BPFRT_DW. */
#define BPFRT_ATOMIC_OP(SIZE, OP, DST, SRC, OFF) \
	BPFRT_RAW_INSN(BPFRT_STX | BPFRT_SIZE(SIZE) | BPFRT_ATOMIC, DST, SRC, OFF, OP)

/* Legacy packet loads: r0 = ntoh(*(SIZE *)(pkt + imm)) / (pkt + src + imm). */
#define BPFRT_LD_ABS(SIZE, IMM) \
	BPFRT_RAW_INSN(BPFRT_LD | BPFRT_SIZE(SIZE) | BPFRT_ABS, 0, 0, 0, IMM)
#define BPFRT_LD_IND(SIZE, SRC, IMM) \
	BPFRT_RAW_INSN(BPFRT_LD | BPFRT_SIZE(SIZE) | BPFRT_IND, 0, SRC, 0, IMM)

/* The two slots of lddw; SRC is 0 or a BPFRT_PSEUDO_* kind. */
#define BPFRT_LD_IMM64_RAW(DST, SRC, IMM)					\
	BPFRT_RAW_INSN(BPFRT_LD | BPFRT_DW | BPFRT_IMM, DST, SRC, 0,		\
		       (int32_t)(uint32_t)(uint64_t)(IMM)),			\
	BPFRT_RAW_INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(IMM) >> 32))
#define BPFRT_LD_IMM64(DST, IMM)	BPFRT_LD_IMM64_RAW(DST, 0, IMM)

/* Conditional jumps: if (dst OP src/imm) goto pc + off + 1. */
#define BPFRT_JMP_REG(OP, DST, SRC, OFF) \
	BPFRT_RAW_INSN(BPFRT_JMP | BPFRT_OP(OP) | BPFRT_X, DST, SRC, OFF, 0)
#define BPFRT_JMP_IMM(OP, DST, IMM, OFF) \
	BPFRT_RAW_INSN(BPFRT_JMP | BPFRT_OP(OP) | BPFRT_K, DST, 0, OFF, IMM)
#define BPFRT_JMP32_REG(OP, DST, SRC, OFF) \
	BPFRT_RAW_INSN(BPFRT_JMP32 | BPFRT_OP(OP) | BPFRT_X, DST, SRC, OFF, 0)
#define BPFRT_JMP32_IMM(OP, DST, IMM, OFF) \
	BPFRT_RAW_INSN(BPFRT_JMP32 | BPFRT_OP(OP) | BPFRT_K, DST, 0, OFF, IMM)
#define BPFRT_JMP_A(OFF)	BPFRT_RAW_INSN(BPFRT_JMP | BPFRT_JA, 0, 0, OFF, 0)
/* gotol: 32-bit jump offset in imm (cpu v4). */
#define BPFRT_JMP32_A(IMM)	BPFRT_RAW_INSN(BPFRT_JMP32 | BPFRT_JA, 0, 0, 0, IMM)

#define BPFRT_CALL_HELPER(ID)	BPFRT_RAW_INSN(BPFRT_JMP | BPFRT_CALL, 0, 0, 0, ID)
/* Local call: the callee starts at pc + IMM + 1. */
#define BPFRT_CALL_REL(IMM) \
	BPFRT_RAW_INSN(BPFRT_JMP | BPFRT_CALL, 0, BPFRT_PSEUDO_CALL, 0, IMM)
/* Call the helper whose id is in register DST (LLVM's callx encoding). */
#define BPFRT_CALLX(DST)	BPFRT_RAW_INSN(BPFRT_JMP | BPFRT_CALL | BPFRT_X, DST, 0, 0, 0)
#define BPFRT_EXIT_INSN()	BPFRT_RAW_INSN(BPFRT_JMP | BPFRT_EXIT, 0, 0, 0, 0)

#ifdef __cplusplus
}
#endif
#endif /* BPFRT_INSN_H */
