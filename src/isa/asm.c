/* SPDX-License-Identifier: MIT */
/*
 * bpfrt_asm(): assembler for the bpf_conformance syntax, driven by the ISA
 * table (src/isa/isa_table.h) so that every mnemonic there is accepted and
 * nothing else is.
 *
 * One statement per line; '#' starts a comment anywhere; blank lines are
 * fine.  A line may start with one or more labels "name:" (identifiers:
 * [A-Za-z_.$][A-Za-z0-9_.$]*).
 *
 * Operands:
 *   %rN        register, N in 0..10
 *   [%rN+OFF]  memory operand; also [%rN-OFF] and [%rN]; OFF fits int16
 *   IMM        decimal or 0x hex, optionally signed.  32-bit fields take
 *              -2^31..2^32-1 (0xffffffff is -1); lddw takes -2^63..2^64-1
 *   TARGET     a label, or a displacement +N / -N / N in slots counted from
 *              the next instruction (lddw is two slots).  As in the
 *              conformance suite, the target "exit", when no such label is
 *              defined, is the first exit instruction of the program
 *
 * Statements (32-bit ALU and JMP variants append "32" to the mnemonic):
 *   add %rD, IMM          add %rD, %rS        (all binary ALU ops, movsxNNMM)
 *   neg %rD               be16 %rD  le32 %rD  bswap64 %rD  (swapNN = bswapNN)
 *   lddw %rD, IMM64
 *   lddw %rD, map_fd FD           src_reg 1
 *   lddw %rD, map_value FD+OFF    src_reg 2 (OFF: second slot's imm, FD-4 ok)
 *   lddw %rD, btf_id ID           src_reg 3
 *   lddw %rD, func TARGET         src_reg 4 (imm: displacement like a call)
 *   lddw %rD, map_idx IDX         src_reg 5
 *   lddw %rD, map_idx_value IDX+OFF  src_reg 6
 *   ldabsw IMM            ldindw %rS, IMM     (and h, b)
 *   ldxw %rD, [%rS+OFF]   ldxsw ...           stw [%rD+OFF], IMM
 *   stxw [%rD+OFF], %rS   lock add [%rD+OFF], %rS   lock fetch add32 ...
 *   lock xchg / lock cmpxchg [%rD+OFF], %rS
 *   ja TARGET             ja32 TARGET (displacement in imm)
 *   jeq %rD, IMM, TARGET  jeq %rD, %rS, TARGET
 *   call IMM (helper id)  call local TARGET   call kfunc IMM   call %rD (callx)
 *   exit
 *   .raw 0xHHHHHHHHHHHHHHHH   one slot given as its little-endian u64 value
 *                             (the conformance "-- raw" encoding), any bits
 *
 * Registers are range-checked (0..10) but not checked for use: "mov %r10, 1"
 * assembles, and the loader rejects it.  The assembler is a text tool; the
 * decoder owns validity.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "isa.h"

enum fix_kind { FIX_OFF, FIX_IMM };

struct label {
	const char *name;
	size_t len;
	size_t slot;
};

/* A jump/call whose target is a label, resolved once every label is known. */
struct fixup {
	const char *name;
	size_t len;
	size_t slot;
	int line;
	enum fix_kind kind;
};

struct asm_ctx {
	const char *p, *end;	/* cursor in the current line, comment cut off */
	const char *stmt;	/* start of the current statement (for messages) */
	int line;
	char *err;
	size_t err_size;
	struct bpfrt_insn *insns;
	size_t cnt, cap;
	struct label *labels;
	size_t nlabels, cap_labels;
	struct fixup *fixups;
	size_t nfixups, cap_fixups;
};

#define MAX_TOKEN 40	/* longest token quoted in a message */

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static int is_ident_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
	       ch == '.' || ch == '$';
}

static int is_ident(char ch)
{
	return is_ident_start(ch) || (ch >= '0' && ch <= '9');
}

static void skip_ws(struct asm_ctx *c)
{
	while (c->p < c->end && is_ws(*c->p))
		c->p++;
}

static int at_end(struct asm_ctx *c)
{
	skip_ws(c);
	return c->p >= c->end;
}

static int fail_tok(struct asm_ctx *c, int line, const char *why, const char *tok,
		    size_t len)
{
	if (len > MAX_TOKEN)
		len = MAX_TOKEN;
	bpfrt_errf(c->err, c->err_size, "line %d: %s '%.*s'", line, why, (int)len, tok);
	return -EINVAL;
}

/* Fail naming the token at the cursor, or the whole statement when the
 * cursor is at the end of the line (something is missing). */
static int fail_at(struct asm_ctx *c, const char *why)
{
	skip_ws(c);
	if (c->p >= c->end) {
		const char *e = c->end;
		char msg[64];
		while (e > c->stmt && is_ws(e[-1]))
			e--;
		if (strncmp(why, "expected", 8) == 0)
			snprintf(msg, sizeof(msg), "%s at end of line", why);
		else
			snprintf(msg, sizeof(msg), "missing operand");
		return fail_tok(c, c->line, msg, c->stmt, (size_t)(e - c->stmt));
	}
	const char *q = c->p;
	do
		q++;
	while (q < c->end && !is_ws(*q) && *q != ',' && *q != '[' && *q != ']');
	return fail_tok(c, c->line, why, c->p, (size_t)(q - c->p));
}

static int accept(struct asm_ctx *c, char ch)
{
	skip_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

static int expect(struct asm_ctx *c, char ch)
{
	if (accept(c, ch))
		return 0;
	switch (ch) {
	case ',': return fail_at(c, "expected ','");
	case '[': return fail_at(c, "expected '['");
	default: return fail_at(c, "expected ']'");
	}
}

/* An identifier at the cursor: its length (0 if none); does not advance. */
static size_t ident_len(struct asm_ctx *c)
{
	skip_ws(c);
	const char *q = c->p;
	if (q >= c->end || !is_ident_start(*q))
		return 0;
	while (q < c->end && is_ident(*q))
		q++;
	return (size_t)(q - c->p);
}

static int word_is(const char *w, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(w, s, len) == 0;
}

static int parse_reg(struct asm_ctx *c, uint8_t *reg)
{
	skip_ws(c);
	const char *q = c->p;
	if (q + 2 > c->end || q[0] != '%' || q[1] != 'r' || q + 2 == c->end ||
	    q[2] < '0' || q[2] > '9')
		return fail_at(c, "bad register");
	unsigned v = 0;
	for (q += 2; q < c->end && *q >= '0' && *q <= '9'; q++)
		if (v < 1000)
			v = v * 10 + (unsigned)(*q - '0');
	if (q < c->end && is_ident(*q))
		return fail_at(c, "bad register");
	if (v > 10)
		return fail_at(c, "register out of range");
	*reg = (uint8_t)v;
	c->p = q;
	return 0;
}

/* An unsigned decimal or hex number at the cursor (no sign).  Sets *ovf when
 * it does not fit 64 bits.  Returns 0, or -EINVAL without a message when no
 * number is there (callers word the error). */
static int scan_uint(struct asm_ctx *c, uint64_t *out, int *ovf)
{
	const char *q = c->p;
	uint64_t v = 0;
	int base = 10, any = 0;
	*ovf = 0;
	if (q + 1 < c->end && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		base = 16;
		q += 2;
	}
	for (; q < c->end; q++) {
		unsigned d;
		if (*q >= '0' && *q <= '9') d = (unsigned)(*q - '0');
		else if (base == 16 && *q >= 'a' && *q <= 'f') d = (unsigned)(*q - 'a' + 10);
		else if (base == 16 && *q >= 'A' && *q <= 'F') d = (unsigned)(*q - 'A' + 10);
		else break;
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			*ovf = 1;
		v = v * (uint64_t)base + d;
		any = 1;
	}
	if (!any || (q < c->end && is_ident(*q)))
		return -EINVAL;
	*out = v;
	c->p = q;
	return 0;
}

/* A signed number whose value must lie in [-neg_max, pos_max]; returns it
 * as two's complement in 64 bits. */
static int parse_num(struct asm_ctx *c, uint64_t neg_max, uint64_t pos_max,
		     const char *range_msg, uint64_t *out)
{
	skip_ws(c);
	const char *start = c->p;
	int neg = 0, ovf;
	uint64_t mag;
	if (c->p < c->end && (*c->p == '-' || *c->p == '+')) {
		neg = *c->p == '-';
		c->p++;
	}
	if (scan_uint(c, &mag, &ovf) < 0) {
		c->p = start;
		return fail_at(c, "bad number");
	}
	if (ovf || (neg ? mag > neg_max : mag > pos_max)) {
		c->p = start;
		return fail_at(c, range_msg);
	}
	*out = neg ? (uint64_t)0 - mag : mag;
	return 0;
}

static int parse_imm32(struct asm_ctx *c, int32_t *imm)
{
	uint64_t v;
	int err = parse_num(c, 0x80000000u, 0xffffffffu, "immediate out of range", &v);
	if (!err)
		*imm = (int32_t)(uint32_t)v;
	return err;
}

static int parse_imm64(struct asm_ctx *c, uint64_t *imm)
{
	return parse_num(c, (uint64_t)1 << 63, UINT64_MAX, "immediate out of range", imm);
}

/* [%rN], [%rN+OFF], [%rN-OFF] */
static int parse_mem(struct asm_ctx *c, uint8_t *reg, int16_t *off)
{
	int err;
	uint64_t mag;
	int ovf;
	if ((err = expect(c, '[')) || (err = parse_reg(c, reg)))
		return err;
	*off = 0;
	skip_ws(c);
	if (c->p < c->end && (*c->p == '+' || *c->p == '-')) {
		int neg = *c->p == '-';
		const char *start = c->p;
		c->p++;
		skip_ws(c);
		if (scan_uint(c, &mag, &ovf) < 0)
			return fail_at(c, "bad offset");
		if (ovf || mag > (neg ? 32768u : 32767u)) {
			c->p = start;
			return fail_at(c, "offset out of range");
		}
		*off = (int16_t)(neg ? -(int32_t)mag : (int32_t)mag);
	}
	return expect(c, ']');
}

static int add_fixup(struct asm_ctx *c, const char *name, size_t len, enum fix_kind kind)
{
	if (c->nfixups == c->cap_fixups) {
		size_t ncap = c->cap_fixups ? 2 * c->cap_fixups : 16;
		struct fixup *nf = realloc(c->fixups, ncap * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		c->fixups = nf;
		c->cap_fixups = ncap;
	}
	c->fixups[c->nfixups++] = (struct fixup){ name, len, c->cnt, c->line, kind };
	return 0;
}

/* A jump or call target for the instruction about to take slot c->cnt:
 * a label (resolved later) or a numeric displacement. */
static int parse_target(struct asm_ctx *c, enum fix_kind kind, int64_t *disp)
{
	size_t len = ident_len(c);
	*disp = 0;
	if (len) {
		int err = add_fixup(c, c->p, len, kind);
		c->p += len;
		return err;
	}
	uint64_t v;
	int err = kind == FIX_OFF
		? parse_num(c, 32768, 32767, "jump displacement out of range", &v)
		: parse_num(c, 0x80000000u, 0x7fffffff, "jump displacement out of range", &v);
	if (!err)
		*disp = (int64_t)v;
	return err;
}

static int emit(struct asm_ctx *c, const struct bpfrt_insn *in, size_t n)
{
	if (c->cap - c->cnt < n) {
		size_t ncap = c->cap ? 2 * c->cap : 64;
		if (ncap > SIZE_MAX / sizeof(*in))
			return -ENOMEM;
		struct bpfrt_insn *ni = realloc(c->insns, ncap * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		c->insns = ni;
		c->cap = ncap;
	}
	memcpy(&c->insns[c->cnt], in, n * sizeof(*in));
	c->cnt += n;
	return 0;
}

static struct bpfrt_insn slot_from_u64(uint64_t v)
{
	struct bpfrt_insn in;
	in.code = (uint8_t)v;
	in.dst_reg = (uint8_t)(v >> 8) & 0xf;
	in.src_reg = (uint8_t)(v >> 12) & 0xf;
	in.off = (int16_t)(uint16_t)(v >> 16);
	in.imm = (int32_t)(uint32_t)(v >> 32);
	return in;
}

/* Row with this mnemonic and format, or -1. */
static int find_row(const char *mnem, size_t len, int fmt)
{
	for (int op = 0; op < BPFRT_OP__COUNT; op++) {
		const struct isa_row *r = &bpfrt_isa_rows[op];
		if ((fmt < 0 || r->fmt == fmt) && word_is(mnem, len, r->mnem))
			return op;
	}
	return -1;
}

static struct bpfrt_insn insn_of_row(int op)
{
	const struct isa_row *r = &bpfrt_isa_rows[op];
	struct bpfrt_insn in = { .code = r->code };
	switch (r->match) {
	case ISA_M_OFF: in.off = (int16_t)r->mval; break;
	case ISA_M_IMM: in.imm = r->mval; break;
	case ISA_M_SRC: in.src_reg = (uint8_t)r->mval; break;
	}
	return in;
}

/* "lock [fetch] OP[32] [%rD+OFF], %rS" */
static int parse_lock(struct asm_ctx *c)
{
	char key[64];
	size_t len = ident_len(c);
	if (!len)
		return fail_at(c, "expected atomic operation");
	if (len >= sizeof(key))
		return fail_at(c, "unknown atomic operation");
	memcpy(key, c->p, len);
	key[len] = '\0';
	const char *word = c->p;
	c->p += len;
	if (word_is(word, len, "fetch")) {
		size_t l2 = ident_len(c);
		if (!l2 || l2 >= sizeof(key) - len - 1)
			return fail_at(c, "unknown atomic operation");
		key[len] = ' ';
		memcpy(key + len + 1, c->p, l2);
		len += 1 + l2;
		key[len] = '\0';
		word = c->p;
		c->p += l2;
	}
	int op = find_row(key, len, ISA_F_ATOMIC);
	if (op < 0)
		return fail_tok(c, c->line, "unknown atomic operation", word,
				(size_t)(c->p - word));
	struct bpfrt_insn in = insn_of_row(op);
	uint8_t dst, src;
	int err;
	if ((err = parse_mem(c, &dst, &in.off)) || (err = expect(c, ',')) ||
	    (err = parse_reg(c, &src)))
		return err;
	in.dst_reg = dst;
	in.src_reg = src;
	return emit(c, &in, 1);
}

static int parse_call(struct asm_ctx *c)
{
	struct bpfrt_insn in;
	int err;
	skip_ws(c);
	if (c->p < c->end && *c->p == '%') {
		uint8_t dst;
		in = insn_of_row(BPFRT_OP_CALLX);
		if ((err = parse_reg(c, &dst)))
			return err;
		in.dst_reg = dst;
		return emit(c, &in, 1);
	}
	size_t len = ident_len(c);
	if (len && word_is(c->p, len, "local")) {
		int64_t disp;
		c->p += len;
		in = insn_of_row(BPFRT_OP_CALL_LOCAL);
		if ((err = parse_target(c, FIX_IMM, &disp)))
			return err;
		in.imm = (int32_t)disp;
		return emit(c, &in, 1);
	}
	if (len && word_is(c->p, len, "kfunc")) {
		c->p += len;
		in = insn_of_row(BPFRT_OP_CALL_KFUNC);
	} else if (len) {
		return fail_at(c, "bad call operand");
	} else {
		in = insn_of_row(BPFRT_OP_CALL);
	}
	if ((err = parse_imm32(c, &in.imm)))
		return err;
	return emit(c, &in, 1);
}

/* lddw %rD, IMM64 | KIND ... (see the header comment) */
static int parse_lddw(struct asm_ctx *c)
{
	struct bpfrt_insn in[2] = { insn_of_row(BPFRT_OP_LDDW), { 0 } };
	uint8_t dst;
	int err;
	if ((err = parse_reg(c, &dst)) || (err = expect(c, ',')))
		return err;
	in[0].dst_reg = dst;
	size_t len = ident_len(c);
	if (!len) {
		uint64_t v;
		if ((err = parse_imm64(c, &v)))
			return err;
		in[0].imm = (int32_t)(uint32_t)v;
		in[1].imm = (int32_t)(uint32_t)(v >> 32);
		return emit(c, in, 2);
	}
	int src = 1;
	while (bpfrt_isa_lddw_kind(src) && !word_is(c->p, len, bpfrt_isa_lddw_kind(src)))
		src++;
	if (!bpfrt_isa_lddw_kind(src))
		return fail_at(c, "unknown lddw operand kind");
	c->p += len;
	in[0].src_reg = (uint8_t)src;
	if (src == BPFRT_PSEUDO_FUNC) {
		int64_t disp;
		if ((err = parse_target(c, FIX_IMM, &disp)))
			return err;
		in[0].imm = (int32_t)disp;
		return emit(c, in, 2);
	}
	if ((err = parse_imm32(c, &in[0].imm)))
		return err;
	if (src == BPFRT_PSEUDO_MAP_VALUE || src == BPFRT_PSEUDO_MAP_IDX_VALUE) {
		/* FD+OFF: the sign is part of the offset */
		skip_ws(c);
		if (c->p >= c->end || (*c->p != '+' && *c->p != '-'))
			return fail_at(c, "expected +offset");
		if ((err = parse_imm32(c, &in[1].imm)))
			return err;
	}
	return emit(c, in, 2);
}

/* Swap mnemonics the conformance suite also spells without the 'b'. */
static const char *alias(const char *w, size_t len)
{
	if (word_is(w, len, "swap16")) return "bswap16";
	if (word_is(w, len, "swap32")) return "bswap32";
	if (word_is(w, len, "swap64")) return "bswap64";
	return NULL;
}

static int parse_insn(struct asm_ctx *c)
{
	size_t len = ident_len(c);
	const char *w = c->p;
	int err;
	if (!len)
		return fail_at(c, "unknown mnemonic");
	c->p += len;
	if (word_is(w, len, ".raw")) {
		uint64_t v;
		if ((err = parse_num(c, 0, UINT64_MAX, "value out of range", &v)))
			return err;
		struct bpfrt_insn in = slot_from_u64(v);
		return emit(c, &in, 1);
	}
	if (word_is(w, len, "lock"))
		return parse_lock(c);
	if (word_is(w, len, "call"))
		return parse_call(c);
	if (word_is(w, len, "lddw"))
		return parse_lddw(c);
	const char *a = alias(w, len);
	const char *mnem = a ? a : w;
	size_t mlen = a ? strlen(a) : len;
	int op = find_row(mnem, mlen, -1);
	if (op < 0 || bpfrt_isa_rows[op].fmt == ISA_F_ATOMIC)
		return fail_tok(c, c->line, "unknown mnemonic", w, len);

	int fmt = bpfrt_isa_rows[op].fmt;
	struct bpfrt_insn in;
	uint8_t r1 = 0, r2 = 0;
	int64_t disp;
	switch (fmt) {
	case ISA_F_ALU_K:
	case ISA_F_ALU_X:
	case ISA_F_JMP_K:
	case ISA_F_JMP_X: {
		int is_jmp = fmt == ISA_F_JMP_K || fmt == ISA_F_JMP_X;
		if ((err = parse_reg(c, &r1)) || (err = expect(c, ',')))
			return err;
		skip_ws(c);
		int reg = c->p < c->end && *c->p == '%';
		int want = is_jmp ? (reg ? ISA_F_JMP_X : ISA_F_JMP_K)
				  : (reg ? ISA_F_ALU_X : ISA_F_ALU_K);
		op = find_row(mnem, mlen, want);
		if (op < 0)
			return fail_at(c, reg ? "expected immediate" : "expected register");
		in = insn_of_row(op);
		in.dst_reg = r1;
		if (reg)
			err = parse_reg(c, &r2);
		else
			err = parse_imm32(c, &in.imm);
		if (err)
			return err;
		in.src_reg = r2;
		if (is_jmp) {
			if ((err = expect(c, ',')) || (err = parse_target(c, FIX_OFF, &disp)))
				return err;
			in.off = (int16_t)disp;
		}
		return emit(c, &in, 1);
	}
	case ISA_F_NEG:
	case ISA_F_END:
	case ISA_F_CALLX:
		in = insn_of_row(op);
		if ((err = parse_reg(c, &r1)))
			return err;
		in.dst_reg = r1;
		return emit(c, &in, 1);
	case ISA_F_LD_ABS:
		in = insn_of_row(op);
		if ((err = parse_imm32(c, &in.imm)))
			return err;
		return emit(c, &in, 1);
	case ISA_F_LD_IND:
		in = insn_of_row(op);
		if ((err = parse_reg(c, &r2)) || (err = expect(c, ',')) ||
		    (err = parse_imm32(c, &in.imm)))
			return err;
		in.src_reg = r2;
		return emit(c, &in, 1);
	case ISA_F_LDX:
		in = insn_of_row(op);
		if ((err = parse_reg(c, &r1)) || (err = expect(c, ',')) ||
		    (err = parse_mem(c, &r2, &in.off)))
			return err;
		in.dst_reg = r1;
		in.src_reg = r2;
		return emit(c, &in, 1);
	case ISA_F_ST:
		in = insn_of_row(op);
		if ((err = parse_mem(c, &r1, &in.off)) || (err = expect(c, ',')) ||
		    (err = parse_imm32(c, &in.imm)))
			return err;
		in.dst_reg = r1;
		return emit(c, &in, 1);
	case ISA_F_STX:
		in = insn_of_row(op);
		if ((err = parse_mem(c, &r1, &in.off)) || (err = expect(c, ',')) ||
		    (err = parse_reg(c, &r2)))
			return err;
		in.dst_reg = r1;
		in.src_reg = r2;
		return emit(c, &in, 1);
	case ISA_F_JA:
	case ISA_F_JA32:
		in = insn_of_row(op);
		if ((err = parse_target(c, fmt == ISA_F_JA ? FIX_OFF : FIX_IMM, &disp)))
			return err;
		if (fmt == ISA_F_JA)
			in.off = (int16_t)disp;
		else
			in.imm = (int32_t)disp;
		return emit(c, &in, 1);
	case ISA_F_EXIT:
		in = insn_of_row(op);
		return emit(c, &in, 1);
	default:	/* lddw, call and atomics are parsed above */
		return fail_tok(c, c->line, "unknown mnemonic", w, len);
	}
}

static int find_label(struct asm_ctx *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->nlabels; i++)
		if (c->labels[i].len == len && memcmp(c->labels[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static int add_label(struct asm_ctx *c, const char *name, size_t len)
{
	if (find_label(c, name, len) >= 0)
		return fail_tok(c, c->line, "duplicate label", name, len);
	if (c->nlabels == c->cap_labels) {
		size_t ncap = c->cap_labels ? 2 * c->cap_labels : 16;
		struct label *nl = realloc(c->labels, ncap * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		c->labels = nl;
		c->cap_labels = ncap;
	}
	c->labels[c->nlabels++] = (struct label){ name, len, c->cnt };
	return 0;
}

/* bpf_conformance programs jump to "exit" without defining such a label: it
 * names the program's first exit instruction (jeq-reg.data jumps back to
 * it).  A real label "exit:" takes precedence. */
static int first_exit(struct asm_ctx *c, const struct fixup *f, size_t *target)
{
	if (!word_is(f->name, f->len, "exit"))
		return 0;
	struct bpfrt_insn ex = insn_of_row(BPFRT_OP_EXIT);
	for (size_t i = 0; i < c->cnt; i++) {
		if (memcmp(&c->insns[i], &ex, sizeof(ex)) == 0) {
			*target = i;
			return 1;
		}
	}
	return 0;
}

static int resolve_fixups(struct asm_ctx *c)
{
	for (size_t i = 0; i < c->nfixups; i++) {
		const struct fixup *f = &c->fixups[i];
		int l = find_label(c, f->name, f->len);
		size_t target;
		if (l >= 0)
			target = c->labels[l].slot;
		else if (!first_exit(c, f, &target))
			return fail_tok(c, f->line, "undefined label", f->name, f->len);
		/* both are slot indexes bounded by the text length: no overflow */
		int64_t disp = (int64_t)target - (int64_t)f->slot - 1;
		struct bpfrt_insn *in = &c->insns[f->slot];
		if (f->kind == FIX_OFF) {
			if (disp < INT16_MIN || disp > INT16_MAX)
				return fail_tok(c, f->line, "jump displacement out of range",
						f->name, f->len);
			in->off = (int16_t)disp;
		} else {
			if (disp < INT32_MIN || disp > INT32_MAX)
				return fail_tok(c, f->line, "jump displacement out of range",
						f->name, f->len);
			in->imm = (int32_t)disp;
		}
	}
	return 0;
}

static int assemble(struct asm_ctx *c, const char *text)
{
	int err;
	for (const char *ln = text; *ln;) {
		const char *nl = strchr(ln, '\n');
		const char *le = nl ? nl : ln + strlen(ln);
		const char *hash = memchr(ln, '#', (size_t)(le - ln));
		c->line++;
		c->p = ln;
		c->end = hash ? hash : le;
		ln = nl ? nl + 1 : le;

		/* leading labels */
		for (;;) {
			size_t len = ident_len(c);
			const char *q = c->p + len;
			while (q < c->end && is_ws(*q))
				q++;
			if (!len || q >= c->end || *q != ':')
				break;
			if ((err = add_label(c, c->p, len)))
				return err;
			c->p = q + 1;
		}
		if (at_end(c))
			continue;
		c->stmt = c->p;
		if ((err = parse_insn(c)))
			return err;
		if (!at_end(c))
			return fail_at(c, "trailing junk");
	}
	return resolve_fixups(c);
}

BPFRT_API int bpfrt_asm(const char *text, struct bpfrt_insn **insns, size_t *cnt,
			char *err_buf, size_t err_size)
{
	struct asm_ctx c = { .err = err_buf, .err_size = err_size };
	if (err_buf && err_size)
		err_buf[0] = '\0';
	if (!text || !insns || !cnt) {
		bpfrt_errf(err_buf, err_size, "line 0: missing argument ''");
		return -EINVAL;
	}
	int err = assemble(&c, text);
	free(c.labels);
	free(c.fixups);
	if (err) {
		if (err == -ENOMEM)
			bpfrt_errf(err_buf, err_size, "line %d: out of memory", c.line);
		free(c.insns);
		return err;
	}
	/* an empty program is still a (one-slot) allocation, so that callers
	 * may treat NULL as failure */
	if (!c.insns && !(c.insns = malloc(sizeof(*c.insns))))
		return -ENOMEM;
	*insns = c.insns;
	*cnt = c.cnt;
	return 0;
}
