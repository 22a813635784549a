/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz targets that execute programs (fuzz_vm, fuzz_jit): the
 * input format, and repair(), which turns arbitrary slots into valid
 * instructions so that mutations explore semantics rather than the
 * decoder's refusals.  Helpers 1, 2, 3 and 5 are the ids those targets
 * register.
 *
 * Input: a flags byte (F_REPAIR, F_EXIT), a u16 LE memory size (mod
 * MAX_MEM + 1, capped by what is left), the memory, then program slots.
 */
#ifndef BPFRT_FUZZ_REPAIR_H
#define BPFRT_FUZZ_REPAIR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bpfrt/insn.h"
#include "isa/isa.h"

#define MAX_MEM		512
#define MAX_SLOTS	4096

#define F_REPAIR	0x01	/* make every slot a valid instruction */
#define F_EXIT		0x02	/* append an exit */

/* Make slot i look like a row of the ISA table; the including target's header comment says when.
 * Returns the number of slots used (2 for lddw). */
static size_t repair(struct bpfrt_insn *insns, size_t cnt, size_t i)
{
	static const uint32_t helper_ids[] = { 1, 2, 3, 5 };
	struct bpfrt_insn *in = &insns[i];
	/* The opcode byte picks the row, so all rows stay reachable. */
	int op = in->code % BPFRT_OP__COUNT;
	const struct isa_row *r = &bpfrt_isa_rows[op];
	if (r->fmt == ISA_F_LDDW && (r->mval != 0 || i + 1 >= cnt)) {
		/* Map-relative lddw needs the ELF loader; no room for slot 2. */
		op = BPFRT_OP_MOV64_K;
		r = &bpfrt_isa_rows[op];
	}
	in->code = r->code;
	in->dst_reg %= 11;
	in->src_reg %= 11;
	switch (r->fmt) {
	case ISA_F_ALU_K: case ISA_F_ST: case ISA_F_JMP_K: in->src_reg = 0; break;
	case ISA_F_ALU_X: case ISA_F_LDX: case ISA_F_STX: case ISA_F_JMP_X: in->imm = 0; break;
	case ISA_F_NEG: in->src_reg = 0; in->off = 0; in->imm = 0; break;
	case ISA_F_END: in->src_reg = 0; in->off = 0; break;
	case ISA_F_LD_ABS: in->dst_reg = 0; in->src_reg = 0; in->off = 0; break;
	case ISA_F_LD_IND: in->dst_reg = 0; in->off = 0; break;
	case ISA_F_JA: in->dst_reg = 0; in->src_reg = 0; in->imm = 0; break;
	case ISA_F_JA32: in->dst_reg = 0; in->src_reg = 0; in->off = 0; break;
	case ISA_F_CALL:
		in->dst_reg = 0;
		in->off = 0;
		if (r->mval == 0)
			in->imm = (int32_t)helper_ids[(uint32_t)in->imm % 4];
		break;
	case ISA_F_CALLX: in->src_reg = 0; in->off = 0; in->imm = 0; break;
	case ISA_F_EXIT: in->dst_reg = 0; in->src_reg = 0; in->off = 0; in->imm = 0; break;
	case ISA_F_LDDW:
		in->off = 0;
		insns[i + 1].code = 0;
		insns[i + 1].dst_reg = 0;
		insns[i + 1].src_reg = 0;
		insns[i + 1].off = 0;
		break;
	default: break;
	}
	switch (r->match) {
	case ISA_M_OFF: in->off = (int16_t)r->mval; break;
	case ISA_M_IMM: in->imm = r->mval; break;
	case ISA_M_SRC: in->src_reg = (uint8_t)r->mval; break;
	default: break;
	}
	/* r10 may only be read; the base of stores is not written. */
	if (in->dst_reg == BPFRT_REG_10 && r->fmt != ISA_F_ST && r->fmt != ISA_F_STX &&
	    r->fmt != ISA_F_ATOMIC)
		in->dst_reg = BPFRT_REG_0;
	/* Any target in the program, backwards too: loops end at the budget. */
	if (bpfrt_isa_is_jump(op) || (r->fmt == ISA_F_CALL && r->mval == BPFRT_PSEUDO_CALL)) {
		int64_t raw = r->fmt == ISA_F_JA32 || r->fmt == ISA_F_CALL ? in->imm : in->off;
		int64_t target = (int64_t)((uint64_t)(raw < 0 ? -raw : raw) % cnt);
		int64_t disp = target - (int64_t)i - 1;
		if (r->fmt == ISA_F_JA32 || r->fmt == ISA_F_CALL)
			in->imm = (int32_t)disp;
		else if (disp >= INT16_MIN && disp <= INT16_MAX)
			in->off = (int16_t)disp;
	}
	return r->fmt == ISA_F_LDDW ? 2 : 1;
}

static int quiet(enum bpfrt_print_level level, const char *fmt, va_list args)
{
	return 0;
}

/* Split a fuzz input (size >= 3) into memory and up to MAX_SLOTS
 * instructions in insns, applying its flags.  Returns the slot count. */
static size_t fuzz_decode_input(const uint8_t *data, size_t size,
				struct bpfrt_insn insns[MAX_SLOTS],
				const uint8_t **mem_out, size_t *mem_len_out)
{
	uint8_t flags = data[0];
	size_t mem_len = (size_t)(data[1] | data[2] << 8) % (MAX_MEM + 1);
	data += 3;
	size -= 3;
	if (mem_len > size)
		mem_len = size;
	const uint8_t *mem = data;
	data += mem_len;
	size -= mem_len;

	size_t cnt = size / sizeof(struct bpfrt_insn);
	if (cnt > MAX_SLOTS)
		cnt = MAX_SLOTS;
	/* Copied: the input is not aligned for struct bpfrt_insn. */
	memcpy(insns, data, cnt * sizeof(struct bpfrt_insn));
	if ((flags & F_EXIT) && cnt < MAX_SLOTS)
		insns[cnt++] = BPFRT_EXIT_INSN();
	if (flags & F_REPAIR) {
		/* The appended exit stays an exit. */
		size_t end = (flags & F_EXIT) ? cnt - 1 : cnt;
		for (size_t i = 0; i < end;)
			i += repair(insns, end, i);
	}

	*mem_out = mem;
	*mem_len_out = mem_len;
	return cnt;
}

#endif
