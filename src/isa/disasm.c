/* SPDX-License-Identifier: MIT */
/*
 * Disassembler, in two styles:
 *  - ASM: the bpf_conformance syntax read by bpfrt_asm() (asm.c); every field
 *    an operation does not reserve is printed, so text -> bytes is exact.
 *    Slots the decoder rejects, and lddw pairs with bits the pseudo syntax
 *    cannot carry, print as ".raw 0x<u64>".
 *  - KERNEL: the C-like notation of the kernel verifier log and
 *    llvm-objdump ("(07) r1 += -8", "if w1 == 0x0 goto pc+3").
 * Both walk the ISA table through bpfrt_isa_decode(); no opcode list here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "isa.h"

static uint64_t slot_u64(const struct bpfrt_insn *in)
{
	return (uint64_t)in->code | (uint64_t)in->dst_reg << 8 |
	       (uint64_t)in->src_reg << 12 | (uint64_t)(uint16_t)in->off << 16 |
	       (uint64_t)(uint32_t)in->imm << 32;
}

static void out(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void out(char *buf, size_t size, const char *fmt, ...)
{
	if (!buf || !size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* Small immediates in decimal, large ones in hex (as the suite writes
 * them); both read back to the same 32 bits. */
static const char *imm_str(char *s, size_t n, int32_t v)
{
	if (v > -65536 && v < 65536)
		snprintf(s, n, "%" PRId32, v);
	else
		snprintf(s, n, "0x%" PRIx32, (uint32_t)v);
	return s;
}

static const char *imm64_str(char *s, size_t n, uint64_t v)
{
	if (v < 65536)
		snprintf(s, n, "%" PRIu64, v);
	else
		snprintf(s, n, "0x%" PRIx64, v);
	return s;
}

static uint64_t lddw_value(const struct bpfrt_insn *in)
{
	return (uint64_t)(uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
}

/* Pseudo lddw kinds that carry a second-slot offset ("map_value 3+16"). */
static int kind_has_off(int src)
{
	return src == BPFRT_PSEUDO_MAP_VALUE || src == BPFRT_PSEUDO_MAP_IDX_VALUE;
}

static void print_asm(const struct bpfrt_insn *in, int op, char *buf, size_t size)
{
	const struct isa_row *r = &bpfrt_isa_rows[op];
	const char *m = r->mnem;
	char a[24];
	int d = in->dst_reg, s = in->src_reg;

	switch (r->fmt) {
	case ISA_F_ALU_K:
		out(buf, size, "%s %%r%d, %s", m, d, imm_str(a, sizeof(a), in->imm));
		break;
	case ISA_F_ALU_X:
		out(buf, size, "%s %%r%d, %%r%d", m, d, s);
		break;
	case ISA_F_NEG:
	case ISA_F_END:
		out(buf, size, "%s %%r%d", m, d);
		break;
	case ISA_F_LDDW:
		if (s == 0)
			out(buf, size, "lddw %%r%d, %s", d,
			    imm64_str(a, sizeof(a), lddw_value(in)));
		else if (s == BPFRT_PSEUDO_FUNC)
			out(buf, size, "lddw %%r%d, func %+" PRId32, d, in[0].imm);
		else if (kind_has_off(s))
			out(buf, size, "lddw %%r%d, %s %" PRId32 "%+" PRId32, d,
			    bpfrt_isa_lddw_kind(s), in[0].imm, in[1].imm);
		else
			out(buf, size, "lddw %%r%d, %s %" PRId32, d, bpfrt_isa_lddw_kind(s),
			    in[0].imm);
		break;
	case ISA_F_LD_ABS:
		out(buf, size, "%s %s", m, imm_str(a, sizeof(a), in->imm));
		break;
	case ISA_F_LD_IND:
		out(buf, size, "%s %%r%d, %s", m, s, imm_str(a, sizeof(a), in->imm));
		break;
	case ISA_F_LDX:
		out(buf, size, "%s %%r%d, [%%r%d%+d]", m, d, s, in->off);
		break;
	case ISA_F_ST:
		out(buf, size, "%s [%%r%d%+d], %s", m, d, in->off,
		    imm_str(a, sizeof(a), in->imm));
		break;
	case ISA_F_STX:
		out(buf, size, "%s [%%r%d%+d], %%r%d", m, d, in->off, s);
		break;
	case ISA_F_ATOMIC:
		out(buf, size, "lock %s [%%r%d%+d], %%r%d", m, d, in->off, s);
		break;
	case ISA_F_JA:
		out(buf, size, "%s %+d", m, in->off);
		break;
	case ISA_F_JA32:
		out(buf, size, "%s %+" PRId32, m, in->imm);
		break;
	case ISA_F_JMP_K:
		out(buf, size, "%s %%r%d, %s, %+d", m, d, imm_str(a, sizeof(a), in->imm),
		    in->off);
		break;
	case ISA_F_JMP_X:
		out(buf, size, "%s %%r%d, %%r%d, %+d", m, d, s, in->off);
		break;
	case ISA_F_CALL:
		if (s == BPFRT_PSEUDO_CALL)
			out(buf, size, "call local %+" PRId32, in->imm);
		else
			out(buf, size, "%s %s", m, imm_str(a, sizeof(a), in->imm));
		break;
	case ISA_F_CALLX:
		out(buf, size, "call %%r%d", d);
		break;
	default:
		out(buf, size, "%s", m);
		break;
	}
}


static const char *k_size(uint8_t code, int sign)
{
	static const char *const u[] = { "u32", "u16", "u8", "u64" };
	static const char *const sx[] = { "s32", "s16", "s8", "s64" };
	return (sign ? sx : u)[(code >> 3) & 3];
}

static const char *k_atomic_name(int32_t aop)
{
	switch (aop & ~BPFRT_FETCH) {
	case BPFRT_ADD: return "add";
	case BPFRT_OR: return "or";
	case BPFRT_AND: return "and";
	case BPFRT_XOR: return "xor";
	default: return "?";
	}
}

static void print_kernel(const struct bpfrt_insn *in, int op, char *buf, size_t size)
{
	const struct isa_row *r = &bpfrt_isa_rows[op];
	int d = in->dst_reg, s = in->src_reg;
	/* 32-bit ALU and JMP32 name their registers w<n> */
	char w = (BPFRT_CLASS(r->code) == BPFRT_ALU || BPFRT_CLASS(r->code) == BPFRT_JMP32)
		 ? 'w' : 'r';
	int dw = BPFRT_SIZE(r->code) == BPFRT_DW;

	switch (r->fmt) {
	case ISA_F_ALU_K:
		out(buf, size, "(%02x) %c%d %s %" PRId32, r->code, w, d, bpfrt_isa_alu_sym(r->code, r->mval), in->imm);
		break;
	case ISA_F_ALU_X:
		if ((r->code & 0xf0) == BPFRT_MOV && r->mval)	/* movsx */
			out(buf, size, "(%02x) %c%d = (s%d)%c%d", r->code, w, d, (int)r->mval, w, s);
		else
			out(buf, size, "(%02x) %c%d %s %c%d", r->code, w, d, bpfrt_isa_alu_sym(r->code, r->mval), w, s);
		break;
	case ISA_F_NEG:
		out(buf, size, "(%02x) %c%d = -%c%d", r->code, w, d, w, d);
		break;
	case ISA_F_END: {
		/* mnemonic minus the width, e.g. "be" / "bswap"; width from imm */
		const char *kind = r->code == 0xd7 ? "bswap" : r->code == 0xdc ? "be" : "le";
		out(buf, size, "(%02x) r%d = %s%" PRId32 " r%d", r->code, d, kind, in->imm, d);
		break;
	}
	case ISA_F_LDDW:
		switch (s) {
		case 0:
			out(buf, size, "(%02x) r%d = 0x%" PRIx64, r->code, d, lddw_value(in));
			break;
		case BPFRT_PSEUDO_MAP_FD:
		case BPFRT_PSEUDO_MAP_IDX:
			out(buf, size, "(%02x) r%d = map[%s:%" PRId32 "]", r->code, d,
			    s == BPFRT_PSEUDO_MAP_FD ? "fd" : "idx", in[0].imm);
			break;
		case BPFRT_PSEUDO_MAP_VALUE:
		case BPFRT_PSEUDO_MAP_IDX_VALUE:
			out(buf, size, "(%02x) r%d = map[%s:%" PRId32 "][0]%+" PRId32, r->code, d,
			    s == BPFRT_PSEUDO_MAP_VALUE ? "fd" : "idx", in[0].imm, in[1].imm);
			break;
		case BPFRT_PSEUDO_BTF_ID:
			out(buf, size, "(%02x) r%d = btf_id[%" PRId32 "]", r->code, d, in[0].imm);
			break;
		default:
			out(buf, size, "(%02x) r%d = func pc%+" PRId32, r->code, d, in[0].imm);
			break;
		}
		break;
	case ISA_F_LD_ABS:
		out(buf, size, "(%02x) r0 = *(%s *)skb[%" PRId32 "]", r->code,
		    k_size(r->code, 0), in->imm);
		break;
	case ISA_F_LD_IND:
		out(buf, size, "(%02x) r0 = *(%s *)skb[r%d + %" PRId32 "]", r->code,
		    k_size(r->code, 0), s, in->imm);
		break;
	case ISA_F_LDX:
		out(buf, size, "(%02x) r%d = *(%s *)(r%d %+d)", r->code, d,
		    k_size(r->code, BPFRT_MODE(r->code) == BPFRT_MEMSX), s, in->off);
		break;
	case ISA_F_ST:
		out(buf, size, "(%02x) *(%s *)(r%d %+d) = %" PRId32, r->code,
		    k_size(r->code, 0), d, in->off, in->imm);
		break;
	case ISA_F_STX:
		out(buf, size, "(%02x) *(%s *)(r%d %+d) = r%d", r->code, k_size(r->code, 0),
		    d, in->off, s);
		break;
	case ISA_F_ATOMIC: {
		const char *bits = dw ? "64" : "";
		const char *sz = k_size(r->code, 0);
		if (in->imm == BPFRT_CMPXCHG)
			out(buf, size, "(%02x) r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)",
			    r->code, bits, sz, d, in->off, s);
		else if (in->imm == BPFRT_XCHG)
			out(buf, size, "(%02x) r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)",
			    r->code, s, bits, sz, d, in->off, s);
		else if (in->imm & BPFRT_FETCH)
			out(buf, size, "(%02x) r%d = atomic%s_fetch_%s((%s *)(r%d %+d), r%d)",
			    r->code, s, bits, k_atomic_name(in->imm), sz, d, in->off, s);
		else
			out(buf, size, "(%02x) lock *(%s *)(r%d %+d) %s r%d", r->code, sz, d,
			    in->off, bpfrt_isa_alu_sym((uint8_t)in->imm, 0), s);
		break;
	}
	case ISA_F_JA:
		out(buf, size, "(%02x) goto pc%+d", r->code, in->off);
		break;
	case ISA_F_JA32:
		out(buf, size, "(%02x) gotol pc%+" PRId32, r->code, in->imm);
		break;
	case ISA_F_JMP_K:
		out(buf, size, "(%02x) if %c%d %s 0x%" PRIx32 " goto pc%+d", r->code, w, d,
		    bpfrt_isa_jmp_sym(r->code), (uint32_t)in->imm, in->off);
		break;
	case ISA_F_JMP_X:
		out(buf, size, "(%02x) if %c%d %s %c%d goto pc%+d", r->code, w, d,
		    bpfrt_isa_jmp_sym(r->code), w, s, in->off);
		break;
	case ISA_F_CALL:
		if (s == BPFRT_PSEUDO_CALL)
			out(buf, size, "(%02x) call pc%+" PRId32, r->code, in->imm);
		else if (s == BPFRT_PSEUDO_KFUNC_CALL)
			out(buf, size, "(%02x) call kernel-function#%" PRId32, r->code, in->imm);
		else
			out(buf, size, "(%02x) call #%" PRId32, r->code, in->imm);
		break;
	case ISA_F_CALLX:
		out(buf, size, "(%02x) callx r%d", r->code, d);
		break;
	default:
		out(buf, size, "(%02x) exit", r->code);
		break;
	}
}

BPFRT_API int bpfrt_disasm_insn(const struct bpfrt_insn *insns, size_t cnt,
				size_t idx, enum bpfrt_disasm_style style,
				char *buf, size_t size)
{
	if (buf && size)
		buf[0] = '\0';
	if (!insns || idx >= cnt)
		return -EINVAL;
	const struct bpfrt_insn *in = &insns[idx];
	int op = bpfrt_isa_decode(insns, cnt, idx, NULL);
	/* The pseudo lddw syntax has no room for a second-slot imm except in
	 * the map-value kinds; such pairs print slot by slot as .raw. */
	if (op >= 0 && bpfrt_isa_rows[op].fmt == ISA_F_LDDW && in->src_reg &&
	    !kind_has_off(in->src_reg) && in[1].imm)
		op = -EINVAL;
	if (op < 0) {
		out(buf, size, ".raw 0x%016" PRIx64, slot_u64(in));
		return 1;
	}
	if (style == BPFRT_DISASM_KERNEL)
		print_kernel(in, op, buf, size);
	else
		print_asm(in, op, buf, size);
	return bpfrt_isa_slots(op);
}

BPFRT_API char *bpfrt_disasm(const struct bpfrt_insn *insns, size_t cnt,
			     enum bpfrt_disasm_style style)
{
	size_t cap = 256, len = 0;
	char *s = malloc(cap);
	char line[192];
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s[0] = '\0';
	if (!insns && cnt) {
		free(s);
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < cnt;) {
		int n = bpfrt_disasm_insn(insns, cnt, i, style, line, sizeof(line));
		if (n < 0) {
			free(s);
			errno = -n;
			return NULL;
		}
		char num[32] = "";
		if (style == BPFRT_DISASM_KERNEL)
			snprintf(num, sizeof(num), "%zu: ", i);
		size_t need = strlen(num) + strlen(line) + 2;
		if (cap - len < need) {
			while (cap - len < need)
				cap *= 2;
			char *ns = realloc(s, cap);
			if (!ns) {
				free(s);
				errno = ENOMEM;
				return NULL;
			}
			s = ns;
		}
		len += (size_t)sprintf(s + len, "%s%s\n", num, line);
		i += (size_t)n;
	}
	return s;
}
