/* SPDX-License-Identifier: MIT */
/*
 * gen-isa-doc: print docs/isa.md, the instruction set reference, to stdout.
 * Everything in the tables comes from bpfrt_isa_rows (src/isa/isa_table.h),
 * so the document cannot drift from what the decoder, the interpreter and
 * the assembler accept.  Run `make docs/isa.md` after changing the table.
 */
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"

static const char *const class_names[8] = {
	"LD", "LDX", "ST", "STX", "ALU (32-bit)", "JMP", "JMP32", "ALU64",
};

/* Order of the sections: by class, most used first. */
static const int class_order[8] = {
	BPFRT_ALU64, BPFRT_ALU, BPFRT_LD, BPFRT_LDX, BPFRT_ST, BPFRT_STX,
	BPFRT_JMP, BPFRT_JMP32,
};

static int size_bits(uint8_t code)
{
	static const int bits[4] = { 32, 16, 8, 64 };
	return bits[(code >> 3) & 3];
}

/* A note on the corner cases the ISA defines for some ALU ops. */
static const char *alu_note(const struct isa_row *r)
{
	switch (r->code & 0xf0) {
	case BPFRT_DIV: return "; x / 0 = 0";
	case BPFRT_MOD: return "; x % 0 = x";
	case BPFRT_LSH: case BPFRT_RSH: case BPFRT_ARSH: return "; shift masked to width";
	default: return "";
	}
}

static const char *atomic_op(int32_t aop)
{
	switch (aop & ~BPFRT_FETCH) {
	case BPFRT_ADD: return "+";
	case BPFRT_OR: return "|";
	case BPFRT_AND: return "&";
	case BPFRT_XOR: return "^";
	default: return "?";
	}
}

static void syntax(const struct isa_row *r, char *s, size_t n)
{
	const char *m = r->mnem;
	switch (r->fmt) {
	case ISA_F_ALU_K: snprintf(s, n, "%s %%dst, imm", m); break;
	case ISA_F_ALU_X: snprintf(s, n, "%s %%dst, %%src", m); break;
	case ISA_F_NEG: case ISA_F_END: snprintf(s, n, "%s %%dst", m); break;
	case ISA_F_LDDW: {
		const char *kind = bpfrt_isa_lddw_kind(r->mval);
		if (!kind)
			snprintf(s, n, "lddw %%dst, imm64");
		else if (r->mval == BPFRT_PSEUDO_FUNC)
			snprintf(s, n, "lddw %%dst, %s target", kind);
		else if (r->mval == BPFRT_PSEUDO_MAP_VALUE || r->mval == BPFRT_PSEUDO_MAP_IDX_VALUE)
			snprintf(s, n, "lddw %%dst, %s imm+imm2", kind);
		else
			snprintf(s, n, "lddw %%dst, %s imm", kind);
		break;
	}
	case ISA_F_LD_ABS: snprintf(s, n, "%s imm", m); break;
	case ISA_F_LD_IND: snprintf(s, n, "%s %%src, imm", m); break;
	case ISA_F_LDX: snprintf(s, n, "%s %%dst, [%%src+off]", m); break;
	case ISA_F_ST: snprintf(s, n, "%s [%%dst+off], imm", m); break;
	case ISA_F_STX: snprintf(s, n, "%s [%%dst+off], %%src", m); break;
	case ISA_F_ATOMIC: snprintf(s, n, "lock %s [%%dst+off], %%src", m); break;
	case ISA_F_JA: case ISA_F_JA32: snprintf(s, n, "%s target", m); break;
	case ISA_F_JMP_K: snprintf(s, n, "%s %%dst, imm, target", m); break;
	case ISA_F_JMP_X: snprintf(s, n, "%s %%dst, %%src, target", m); break;
	case ISA_F_CALL:
		snprintf(s, n, r->mval == BPFRT_PSEUDO_CALL ? "%s target" : "%s imm", m);
		break;
	case ISA_F_CALLX: snprintf(s, n, "%s %%dst", m); break;
	default: snprintf(s, n, "%s", m); break;
	}
}

static void semantics(const struct isa_row *r, char *s, size_t n)
{
	int is32 = BPFRT_CLASS(r->code) == BPFRT_ALU || BPFRT_CLASS(r->code) == BPFRT_JMP32;
	const char *w = is32 ? "w" : "";	/* 32-bit operands: wN = low half of rN */
	int bits = size_bits(r->code);

	switch (r->fmt) {
	case ISA_F_ALU_K:
	case ISA_F_ALU_X: {
		const char *srcop = r->fmt == ISA_F_ALU_K ? "imm" : is32 ? "wsrc" : "src";
		if ((r->code & 0xf0) == BPFRT_MOV && r->mval)
			snprintf(s, n, "%sdst = (s%d)%ssrc (sign-extend)", w, (int)r->mval, w);
		else
			snprintf(s, n, "%sdst %s %s%s", w, bpfrt_isa_alu_sym(r->code, r->mval), srcop, alu_note(r));
		break;
	}
	case ISA_F_NEG: snprintf(s, n, "%sdst = -%sdst", w, w); break;
	case ISA_F_END:
		if (r->code == 0xd7)
			snprintf(s, n, "dst = bswap%d(dst) (unconditional)", (int)r->mval);
		else
			snprintf(s, n, "dst = hto%s%d(dst) (truncates to %d bits)",
				 r->code == 0xdc ? "be" : "le", (int)r->mval, (int)r->mval);
		break;
	case ISA_F_LDDW:
		switch (r->mval) {
		case 0: snprintf(s, n, "dst = imm64 (two slots: imm, next imm)"); break;
		case BPFRT_PSEUDO_MAP_FD: snprintf(s, n, "dst = map with fd imm"); break;
		case BPFRT_PSEUDO_MAP_VALUE: snprintf(s, n, "dst = &value of map fd imm + imm2"); break;
		case BPFRT_PSEUDO_BTF_ID: snprintf(s, n, "dst = &kernel variable with BTF id imm"); break;
		case BPFRT_PSEUDO_FUNC: snprintf(s, n, "dst = &function at pc + imm + 1"); break;
		case BPFRT_PSEUDO_MAP_IDX: snprintf(s, n, "dst = map at index imm of fd_array"); break;
		default: snprintf(s, n, "dst = &value of map at index imm + imm2"); break;
		}
		break;
	case ISA_F_LD_ABS:
		snprintf(s, n, "r0 = ntoh(*(u%d *)(pkt + imm)) (legacy)", bits);
		break;
	case ISA_F_LD_IND:
		snprintf(s, n, "r0 = ntoh(*(u%d *)(pkt + src + imm)) (legacy)", bits);
		break;
	case ISA_F_LDX:
		snprintf(s, n, "dst = *(%c%d *)(src + off)",
			 BPFRT_MODE(r->code) == BPFRT_MEMSX ? 's' : 'u', bits);
		break;
	case ISA_F_ST: snprintf(s, n, "*(u%d *)(dst + off) = imm", bits); break;
	case ISA_F_STX: snprintf(s, n, "*(u%d *)(dst + off) = src", bits); break;
	case ISA_F_ATOMIC:
		if (r->mval == BPFRT_CMPXCHG)
			snprintf(s, n, "r0 = cmpxchg((u%d *)(dst + off), r0, src)", bits);
		else if (r->mval == BPFRT_XCHG)
			snprintf(s, n, "src = xchg((u%d *)(dst + off), src)", bits);
		else if (r->mval & BPFRT_FETCH)
			snprintf(s, n, "*(u%d *)(dst + off) %s= src; src = old value",
				 bits, atomic_op(r->mval));
		else
			snprintf(s, n, "*(u%d *)(dst + off) %s= src", bits, atomic_op(r->mval));
		break;
	case ISA_F_JA: snprintf(s, n, "pc += off"); break;
	case ISA_F_JA32: snprintf(s, n, "pc += imm"); break;
	case ISA_F_JMP_K:
		snprintf(s, n, "if %sdst %s imm: pc += off", w, bpfrt_isa_jmp_sym(r->code));
		break;
	case ISA_F_JMP_X:
		snprintf(s, n, "if %sdst %s %ssrc: pc += off", w, bpfrt_isa_jmp_sym(r->code), w);
		break;
	case ISA_F_CALL:
		switch (r->mval) {
		case 0: snprintf(s, n, "r0 = helper imm(r1..r5)"); break;
		case BPFRT_PSEUDO_CALL: snprintf(s, n, "call the function at pc + imm + 1"); break;
		default: snprintf(s, n, "call the kernel function with BTF id imm"); break;
		}
		break;
	case ISA_F_CALLX: snprintf(s, n, "r0 = helper dst(r1..r5)"); break;
	default: snprintf(s, n, "return r0 to the caller"); break;
	}
}

static void match(const struct isa_row *r, char *s, size_t n)
{
	switch (r->match) {
	case ISA_M_OFF: snprintf(s, n, "off = %d", (int)r->mval); break;
	case ISA_M_IMM: snprintf(s, n, "imm = 0x%02x", (unsigned)r->mval); break;
	case ISA_M_SRC: snprintf(s, n, "src = %d", (int)r->mval); break;
	default: snprintf(s, n, "-"); break;
	}
}

int main(void)
{
	printf("# eBPF instruction set\n\n"
	       "<!-- Generated by tools/gen_isa_doc.c from src/isa/isa_table.h; "
	       "do not edit. Regenerate with `make docs/isa.md`. -->\n\n"
	       "This table is generated from the one ISA table of bpfrt, "
	       "`src/isa/isa_table.h`, which also drives the decoder, the "
	       "interpreter and the assembler, so it lists exactly the %d operations "
	       "bpfrt accepts.\n\n", BPFRT_OP__COUNT);
	printf("A slot is valid when its opcode byte and, where several rows share "
	       "that byte, its discriminating field (*Match*) select a row, its "
	       "registers are r0..r10 (r10, the frame pointer, is never written), "
	       "and the fields its format does not use are zero. lddw takes two "
	       "slots; the second has only an imm.\n\n");
	printf("Syntax is that of `bpfrt_asm()` (the bpf_conformance assembler): "
	       "`%%dst`/`%%src` are registers `%%r0`..`%%r10`; `imm` is a 32-bit "
	       "immediate; `off` a signed 16-bit offset; `target` a label or a "
	       "displacement `+N`/`-N` in slots from the next instruction. In "
	       "*Semantics*, `wdst`/`wsrc` are the low 32 bits of a register; 32-bit "
	       "ALU results are zero-extended to 64 bits; `s` marks signed "
	       "operations. *CPU* is the `-mcpu` version that introduced the "
	       "operation.\n\n");
	printf("Also accepted by the assembler: `.raw 0x<16 hex digits>` (one slot, "
	       "as a little-endian u64) and the aliases `swap16`/`swap32`/`swap64` "
	       "for `bswapNN`.\n");

	for (size_t ci = 0; ci < 8; ci++) {
		int cls = class_order[ci];
		printf("\n## %s (class 0x%02x)\n\n", class_names[cls], cls);
		printf("| Opcode | Match | Syntax | Semantics | CPU | Id |\n");
		printf("|--------|-------|--------|-----------|-----|----|\n");
		for (int op = 0; op < BPFRT_OP__COUNT; op++) {
			const struct isa_row *r = &bpfrt_isa_rows[op];
			if (BPFRT_CLASS(r->code) != cls)
				continue;
			char syn[96], sem[128], m[32];
			syntax(r, syn, sizeof(syn));
			semantics(r, sem, sizeof(sem));
			match(r, m, sizeof(m));
			/* '|' inside a cell must be escaped in Markdown tables */
			char esc[160];
			size_t k = 0;
			for (const char *p = sem; *p && k + 2 < sizeof(esc); p++) {
				if (*p == '|')
					esc[k++] = '\\';
				esc[k++] = *p;
			}
			esc[k] = '\0';
			printf("| 0x%02x | %s | `%s` | `%s` | v%d | %s |\n", r->code, m, syn, esc,
			       r->cpu, r->id);
		}
	}
	return 0;
}
