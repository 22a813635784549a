/* SPDX-License-Identifier: MIT */
/*
 * Decoded view of the ISA table: operation ids, operand formats and the
 * decoder that tells whether one instruction slot is valid.
 */
#ifndef BPFRT_ISA_H
#define BPFRT_ISA_H

#include <stddef.h>
#include <stdint.h>

#include "bpfrt/insn.h"
#include "isa_table.h"

/* Which field tells apart rows sharing an opcode byte. */
enum isa_match { ISA_M_ANY, ISA_M_OFF, ISA_M_IMM, ISA_M_SRC };

/* Operand formats.  Each also fixes which fields are reserved (must be 0). */
enum isa_fmt {
	ISA_F_ALU_K,	/* op %dst, imm            src reserved           */
	ISA_F_ALU_X,	/* op %dst, %src           imm reserved           */
	ISA_F_NEG,	/* neg %dst                src, off, imm reserved */
	ISA_F_END,	/* be16 %dst               src, off reserved      */
	ISA_F_LDDW,	/* lddw %dst, imm64        off reserved; 2 slots  */
	ISA_F_LD_ABS,	/* ldabsw imm              dst, src, off reserved */
	ISA_F_LD_IND,	/* ldindw %src, imm        dst, off reserved      */
	ISA_F_LDX,	/* ldxw %dst, [%src+off]   imm reserved           */
	ISA_F_ST,	/* stw [%dst+off], imm     src reserved           */
	ISA_F_STX,	/* stxw [%dst+off], %src   imm reserved           */
	ISA_F_ATOMIC,	/* lock add [%dst+off], %src                      */
	ISA_F_JA,	/* ja +off                 dst, src, imm reserved */
	ISA_F_JA32,	/* ja32 +imm               dst, src, off reserved */
	ISA_F_JMP_K,	/* jeq %dst, imm, +off     src reserved           */
	ISA_F_JMP_X,	/* jeq %dst, %src, +off    imm reserved           */
	ISA_F_CALL,	/* call imm (helper id / relative target / btf id) */
	ISA_F_CALLX,	/* call %dst               src, off, imm reserved */
	ISA_F_EXIT,	/* exit                    everything reserved    */
	ISA_F__COUNT
};

enum bpfrt_op {
#define ISA_ENUM(ID, CODE, M, MV, MNEM, FMT, CPU) BPFRT_OP_##ID,
	BPFRT_ISA_TABLE(ISA_ENUM)
#undef ISA_ENUM
	BPFRT_OP__COUNT
};

struct isa_row {
	const char *id;		/* "ADD64_K" */
	const char *mnem;	/* "add" */
	uint8_t code;
	uint8_t match;		/* enum isa_match */
	uint8_t fmt;		/* enum isa_fmt */
	uint8_t cpu;
	int32_t mval;
};

/* The table itself, indexed by enum bpfrt_op. */
extern const struct isa_row bpfrt_isa_rows[BPFRT_OP__COUNT];

/*
 * Decode the slot insns[idx] of a program of cnt slots.  Returns the
 * operation (>= 0), or -EINVAL with a reason (a static string) in *why.
 * Checks the opcode, reserved fields, register numbers (r10 is only ever
 * a base or a source) and, for lddw, the presence and shape of the second
 * slot.  Jump targets are the caller's business: they need the whole
 * program.
 */
int bpfrt_isa_decode(const struct bpfrt_insn *insns, size_t cnt, size_t idx,
		     const char **why);

/* Number of slots the operation takes (2 for lddw, else 1). */
static inline int bpfrt_isa_slots(int op)
{
	return bpfrt_isa_rows[op].fmt == ISA_F_LDDW ? 2 : 1;
}

/* Does the operation transfer control to pc + 1 + off / imm? */
static inline int bpfrt_isa_is_jump(int op)
{
	int f = bpfrt_isa_rows[op].fmt;
	return f == ISA_F_JA || f == ISA_F_JA32 || f == ISA_F_JMP_K || f == ISA_F_JMP_X;
}

/* Jump displacement of a decoded jump (off, or imm for ja32). */
static inline int64_t bpfrt_isa_jump_disp(int op, const struct bpfrt_insn *in)
{
	return bpfrt_isa_rows[op].fmt == ISA_F_JA32 ? in->imm : in->off;
}

/* Assembler keyword for the meaning of lddw's src_reg 1..6 (asm.c, disasm.c
 * and docs/isa.md share it); NULL for other values. */
static inline const char *bpfrt_isa_lddw_kind(int src)
{
	static const char *const kinds[] = {
		NULL, "map_fd", "map_value", "btf_id", "func", "map_idx", "map_idx_value",
	};
	return src > 0 && src < (int)(sizeof(kinds) / sizeof(kinds[0])) ? kinds[src] : NULL;
}

/* C-like operator of an ALU operation (op bits of code; mval 1 selects the
 * signed div/mod), as the kernel's disassembly and docs/isa.md write it. */
static inline const char *bpfrt_isa_alu_sym(uint8_t code, int32_t mval)
{
	switch (code & 0xf0) {
	case BPFRT_ADD: return "+=";
	case BPFRT_SUB: return "-=";
	case BPFRT_MUL: return "*=";
	case BPFRT_DIV: return mval ? "s/=" : "/=";
	case BPFRT_OR: return "|=";
	case BPFRT_AND: return "&=";
	case BPFRT_LSH: return "<<=";
	case BPFRT_RSH: return ">>=";
	case BPFRT_MOD: return mval ? "s%=" : "%=";
	case BPFRT_XOR: return "^=";
	case BPFRT_MOV: return "=";
	case BPFRT_ARSH: return "s>>=";
	default: return "?=";
	}
}

/* Comparison operator of a conditional jump (op bits of code). */
static inline const char *bpfrt_isa_jmp_sym(uint8_t code)
{
	switch (code & 0xf0) {
	case BPFRT_JEQ: return "==";
	case BPFRT_JGT: return ">";
	case BPFRT_JGE: return ">=";
	case BPFRT_JSET: return "&";
	case BPFRT_JNE: return "!=";
	case BPFRT_JSGT: return "s>";
	case BPFRT_JSGE: return "s>=";
	case BPFRT_JLT: return "<";
	case BPFRT_JLE: return "<=";
	case BPFRT_JSLT: return "s<";
	case BPFRT_JSLE: return "s<=";
	default: return "?";
	}
}

#endif /* BPFRT_ISA_H */
