/* SPDX-License-Identifier: MIT */
/* Validity of single instruction slots, derived from the ISA table. */
#include <errno.h>
#include <pthread.h>

#include "isa.h"

const struct isa_row bpfrt_isa_rows[BPFRT_OP__COUNT] = {
#define ISA_ROW(ID, CODE, M, MV, MNEM, FMT, CPU) \
	[BPFRT_OP_##ID] = { #ID, MNEM, CODE, M, FMT, CPU, MV },
	BPFRT_ISA_TABLE(ISA_ROW)
#undef ISA_ROW
};

/* For each opcode byte: first row with that code, or -1.  Rows sharing a
 * code are adjacent in the table except for the discriminated families, so
 * we keep a chain instead of relying on adjacency. */
static int16_t first_row[256];
static int16_t next_row[BPFRT_OP__COUNT];
static pthread_once_t rows_once = PTHREAD_ONCE_INIT;

static void build_index(void)
{
	for (int c = 0; c < 256; c++)
		first_row[c] = -1;
	for (int op = BPFRT_OP__COUNT - 1; op >= 0; op--) {
		uint8_t c = bpfrt_isa_rows[op].code;
		next_row[op] = first_row[c];
		first_row[c] = (int16_t)op;
	}
}

static int match_field(const struct isa_row *r, const struct bpfrt_insn *in)
{
	switch (r->match) {
	case ISA_M_OFF: return in->off == r->mval;
	case ISA_M_IMM: return in->imm == r->mval;
	case ISA_M_SRC: return in->src_reg == r->mval;
	default: return 1;
	}
}

/* Reserved-field rules of one format; fields the row's match already pinned
 * are not checked again. */
static const char *check_fields(const struct isa_row *r, const struct bpfrt_insn *in)
{
	int off_free = r->match == ISA_M_OFF;	/* off already matched */
	switch (r->fmt) {
	case ISA_F_ALU_K:
		if (in->src_reg) return "reserved field src_reg is not zero";
		if (!off_free && in->off) return "reserved field off is not zero";
		break;
	case ISA_F_ALU_X:
		if (in->imm) return "reserved field imm is not zero";
		if (!off_free && in->off) return "reserved field off is not zero";
		break;
	case ISA_F_NEG:
		if (in->src_reg || in->off || in->imm) return "neg uses reserved fields";
		break;
	case ISA_F_END:
		if (in->src_reg || in->off) return "byte swap uses reserved fields";
		break;
	case ISA_F_LDDW:
		if (in->off) return "lddw uses reserved field off";
		break;
	case ISA_F_LD_ABS:
		if (in->dst_reg || in->src_reg || in->off) return "ld_abs uses reserved fields";
		break;
	case ISA_F_LD_IND:
		if (in->dst_reg || in->off) return "ld_ind uses reserved fields";
		break;
	case ISA_F_LDX:
		if (in->imm) return "reserved field imm is not zero";
		break;
	case ISA_F_ST:
		if (in->src_reg) return "reserved field src_reg is not zero";
		break;
	case ISA_F_STX:
	case ISA_F_ATOMIC:
		if (r->fmt == ISA_F_STX && in->imm) return "reserved field imm is not zero";
		break;
	case ISA_F_JA:
		if (in->dst_reg || in->src_reg || in->imm) return "ja uses reserved fields";
		break;
	case ISA_F_JA32:
		if (in->dst_reg || in->src_reg || in->off) return "ja32 uses reserved fields";
		break;
	case ISA_F_JMP_K:
		if (in->src_reg) return "reserved field src_reg is not zero";
		break;
	case ISA_F_JMP_X:
		if (in->imm) return "reserved field imm is not zero";
		break;
	case ISA_F_CALL:
		if (in->dst_reg || in->off) return "call uses reserved fields";
		break;
	case ISA_F_CALLX:
		if (in->src_reg || in->off || in->imm) return "callx uses reserved fields";
		break;
	case ISA_F_EXIT:
		if (in->dst_reg || in->src_reg || in->off || in->imm)
			return "exit uses reserved fields";
		break;
	}
	return NULL;
}

/* Formats whose dst_reg is written (so it may not be the frame pointer). */
static int writes_dst(int fmt)
{
	return fmt == ISA_F_ALU_K || fmt == ISA_F_ALU_X || fmt == ISA_F_NEG ||
	       fmt == ISA_F_END || fmt == ISA_F_LDDW || fmt == ISA_F_LDX;
}

int bpfrt_isa_decode(const struct bpfrt_insn *insns, size_t cnt, size_t idx,
		     const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	if (idx >= cnt) {
		*why = "instruction index out of range";
		return -EINVAL;
	}
	pthread_once(&rows_once, build_index);

	const struct bpfrt_insn *in = &insns[idx];
	int op = first_row[in->code];
	if (op < 0) {
		*why = "unknown opcode";
		return -EINVAL;
	}
	for (; op >= 0; op = next_row[op])
		if (match_field(&bpfrt_isa_rows[op], in))
			break;
	if (op < 0) {
		switch (bpfrt_isa_rows[first_row[in->code]].match) {
		case ISA_M_OFF: *why = "invalid off for this opcode"; break;
		case ISA_M_IMM: *why = "invalid imm for this opcode"; break;
		default: *why = "invalid src_reg for this opcode"; break;
		}
		return -EINVAL;
	}

	const struct isa_row *r = &bpfrt_isa_rows[op];
	if (in->dst_reg > 10 || in->src_reg > 10) {
		*why = "invalid register number";
		return -EINVAL;
	}
	if (in->dst_reg == BPFRT_REG_FP && writes_dst(r->fmt)) {
		*why = "frame pointer r10 is read only";
		return -EINVAL;
	}
	const char *bad = check_fields(r, in);
	if (bad) {
		*why = bad;
		return -EINVAL;
	}
	if (r->fmt == ISA_F_LDDW) {
		if (idx + 1 >= cnt) {
			*why = "lddw is missing its second slot";
			return -EINVAL;
		}
		const struct bpfrt_insn *hi = &insns[idx + 1];
		if (hi->code || hi->dst_reg || hi->src_reg || hi->off) {
			*why = "invalid second slot of lddw";
			return -EINVAL;
		}
	}
	return op;
}
