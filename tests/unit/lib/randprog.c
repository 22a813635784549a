/* SPDX-License-Identifier: MIT */
/*
 * Random eBPF program generator; see randprog.h for the guarantees.
 *
 * The body is built as a list of logical instructions first, with jump
 * targets recorded as logical indices, and only then laid out into slots:
 * lddw takes two slots, and a jump must never land on the second one, which
 * is easiest to guarantee when offsets are computed after the fact.
 */
#include <stdlib.h>
#include <string.h>

#include "randprog.h"

uint64_t randprog_next(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint64_t randprog_seed(uint64_t seed)
{
	/* splitmix64 finaliser: neighbouring seeds give unrelated streams, and
	 * the state is never 0 (xorshift would stay at 0 forever). */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 0x853c49e6748fea9bull;
}

struct gen {
	uint64_t rng;
	const struct randprog_cfg *cfg;
};

static uint32_t rnd(struct gen *g, uint32_t n)
{
	return n ? (uint32_t)(randprog_next(&g->rng) >> 32) % n : 0;
}

/* Values at the edges of signed/unsigned, 32/64-bit arithmetic, where
 * implementations of division, shifts and sign extension tend to differ. */
static const uint64_t edge64[] = {
	0, 1, 2, 3, 7, 0xffffffffffffffffull, 0xfffffffffffffffeull,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0xffffffff80000000ull,
	0x8000000000000000ull, 0x7fffffffffffffffull, 0x8000000000000001ull,
	0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 31, 32, 33, 63, 64, 65,
	0x00000000ffff8000ull, 0xffffffff00000000ull, 0x0123456789abcdefull,
};

static const int32_t edge32[] = {
	0, 1, 2, -1, -2, 0x7fffffff, (int32_t)0x80000000, (int32_t)0x80000001,
	0x7f, 0x80, 0xff, -128, 0x7fff, 0x8000, 0xffff, -32768, 0x10000,
	31, 32, 33, 63, 64, 65, 3, 7, 10, -10,
};

static uint64_t val64(struct gen *g)
{
	switch (rnd(g, 6)) {
	case 0:
	case 1:
		return edge64[rnd(g, sizeof(edge64) / sizeof(edge64[0]))];
	case 2:	/* small, either sign */
		return (uint64_t)(int64_t)((int32_t)rnd(g, 33) - 16);
	case 3:	/* an edge value nudged by a little */
		return edge64[rnd(g, sizeof(edge64) / sizeof(edge64[0]))] +
		       (uint64_t)(int64_t)((int32_t)rnd(g, 5) - 2);
	case 4:	/* random 32 bits, sign- or zero-extended */
		return rnd(g, 2) ? (uint64_t)(int64_t)(int32_t)randprog_next(&g->rng)
				 : (uint32_t)randprog_next(&g->rng);
	default:
		return randprog_next(&g->rng);
	}
}

static int32_t val32(struct gen *g)
{
	switch (rnd(g, 4)) {
	case 0:
	case 1:
		return edge32[rnd(g, sizeof(edge32) / sizeof(edge32[0]))];
	case 2:
		return (int32_t)rnd(g, 33) - 16;
	default:
		return (int32_t)(uint32_t)randprog_next(&g->rng);
	}
}

static uint8_t reg(struct gen *g)
{
	return (uint8_t)rnd(g, 10);	/* r0..r9: r10 is only a base */
}

/* One logical instruction: one slot, or two for lddw.  target >= 0 marks a
 * jump whose offset (off, or imm for gotol) is filled in at layout time. */
struct lins {
	struct bpfrt_insn in[2];
	uint8_t nslots;
	int target;
};

static struct lins one(struct bpfrt_insn in)
{
	struct lins l = { .in = { in }, .nslots = 1, .target = -1 };
	return l;
}

static struct lins lddw(uint8_t dst, uint64_t v)
{
	struct lins l = { .in = { BPFRT_LD_IMM64(dst, v) }, .nslots = 2, .target = -1 };
	return l;
}

static struct lins gen_alu(struct gen *g)
{
	static const uint8_t ops[] = {
		BPFRT_ADD, BPFRT_SUB, BPFRT_MUL, BPFRT_DIV, BPFRT_OR, BPFRT_AND,
		BPFRT_LSH, BPFRT_RSH, BPFRT_MOD, BPFRT_XOR, BPFRT_MOV, BPFRT_ARSH,
	};
	uint8_t op = ops[rnd(g, sizeof(ops))];
	bool is64 = rnd(g, 2);
	bool signed_div = (op == BPFRT_DIV || op == BPFRT_MOD) && !g->cfg->no_v4 && rnd(g, 2);
	int16_t off = signed_div ? 1 : 0;
	uint8_t cls = is64 ? BPFRT_ALU64 : BPFRT_ALU;
	uint8_t dst = reg(g);

	if (rnd(g, 2)) {	/* register source: any value, even 0 or huge shifts */
		return one(BPFRT_RAW_INSN(cls | op | BPFRT_X, dst, reg(g), off, 0));
	}
	int32_t imm;
	if (op == BPFRT_LSH || op == BPFRT_RSH || op == BPFRT_ARSH) {
		/* The kernel refuses immediate shifts >= the operand width. */
		imm = (int32_t)rnd(g, is64 ? 64 : 32);
	} else {
		imm = val32(g);
		/* ... and immediate divisors of 0. */
		if ((op == BPFRT_DIV || op == BPFRT_MOD) && imm == 0)
			imm = rnd(g, 2) ? -1 : 1;
	}
	return one(BPFRT_RAW_INSN(cls | op | BPFRT_K, dst, 0, off, imm));
}

static struct lins gen_unary(struct gen *g)
{
	uint8_t dst = reg(g);
	switch (rnd(g, g->cfg->no_v4 ? 2 : 4)) {
	case 0:
		return one(rnd(g, 2) ? BPFRT_NEG64(dst) : BPFRT_NEG32(dst));
	case 1:
		return one(BPFRT_ENDIAN(rnd(g, 2) ? BPFRT_TO_BE : BPFRT_TO_LE, dst,
					16 << rnd(g, 3)));
	case 2:
		return one(BPFRT_BSWAP(dst, 16 << rnd(g, 3)));
	default:
		/* movsx: 8/16/32 into 64 bits, 8/16 into 32 bits. */
		if (rnd(g, 2))
			return one(BPFRT_MOVSX64_REG(dst, reg(g), 8 << rnd(g, 3)));
		return one(BPFRT_MOVSX32_REG(dst, reg(g), 8 << rnd(g, 2)));
	}
}

/* A size and an offset in [-RANDPROG_STACK, 0) aligned to it: the kernel
 * requires aligned stack accesses. */
static int16_t stack_off(struct gen *g, unsigned bytes)
{
	return (int16_t)-(int)(bytes * (1 + rnd(g, RANDPROG_STACK / bytes)));
}

static const uint8_t sizes[4] = { BPFRT_B, BPFRT_H, BPFRT_W, BPFRT_DW };
static const unsigned size_bytes[4] = { 1, 2, 4, 8 };

static struct lins gen_mem(struct gen *g)
{
	unsigned s = rnd(g, 4);
	int16_t off = stack_off(g, size_bytes[s]);

	switch (rnd(g, 5)) {
	case 0:
		return one(BPFRT_STX_MEM(sizes[s], BPFRT_REG_10, reg(g), off));
	case 1:
		return one(BPFRT_ST_MEM(sizes[s], BPFRT_REG_10, off, val32(g)));
	case 2:
		if (s != 3 && !g->cfg->no_v4 && rnd(g, 2))
			return one(BPFRT_LDX_MEMSX(sizes[s], reg(g), BPFRT_REG_10, off));
		return one(BPFRT_LDX_MEM(sizes[s], reg(g), BPFRT_REG_10, off));
	default: {
		static const int32_t aops[] = {
			BPFRT_ADD, BPFRT_OR, BPFRT_AND, BPFRT_XOR,
			BPFRT_ADD | BPFRT_FETCH, BPFRT_OR | BPFRT_FETCH,
			BPFRT_AND | BPFRT_FETCH, BPFRT_XOR | BPFRT_FETCH,
			BPFRT_XCHG, BPFRT_CMPXCHG,
		};
		bool dw = rnd(g, 2);
		int32_t aop = aops[rnd(g, sizeof(aops) / sizeof(aops[0]))];
		off = stack_off(g, dw ? 8 : 4);
		struct lins l = one(BPFRT_ATOMIC_OP(dw ? BPFRT_DW : BPFRT_W, aop,
						    BPFRT_REG_10, reg(g), off));
		if (!dw && aop == BPFRT_CMPXCHG && g->cfg->zext_cmpxchg32) {
			/* Two slots like lddw, so no jump lands in between. */
			l.in[1] = BPFRT_MOV32_REG(BPFRT_REG_0, BPFRT_REG_0);
			l.nslots = 2;
		}
		return l;
	}
	}
}

static struct lins gen_cond_jump(struct gen *g, int target)
{
	static const uint8_t conds[] = {
		BPFRT_JEQ, BPFRT_JGT, BPFRT_JGE, BPFRT_JSET, BPFRT_JNE, BPFRT_JSGT,
		BPFRT_JSGE, BPFRT_JLT, BPFRT_JLE, BPFRT_JSLT, BPFRT_JSLE,
	};
	uint8_t cls = rnd(g, 2) ? BPFRT_JMP : BPFRT_JMP32;
	uint8_t op = conds[rnd(g, sizeof(conds))];
	struct lins l;
	if (rnd(g, 2))
		l = one(BPFRT_RAW_INSN(cls | op | BPFRT_X, reg(g), reg(g), 0, 0));
	else
		l = one(BPFRT_RAW_INSN(cls | op | BPFRT_K, reg(g), 0, 0, val32(g)));
	l.target = target;
	return l;
}

size_t randprog_gen(uint64_t seed, const struct randprog_cfg *cfg, unsigned epi,
		    struct bpfrt_insn *out, size_t cap)
{
	struct gen g = { .rng = randprog_seed(seed), .cfg = cfg };
	int n = cfg->body_len ? (int)cfg->body_len : 64;
	if (cap < RANDPROG_MAX_SLOTS(n))
		return 0;

	struct lins *body = calloc((size_t)n, sizeof(*body));
	/* sched[i] >= 0: position i must be the ja (or, when is_gotol[i], the
	 * gotol) of an if/else diamond, jumping to sched[i]. */
	int *sched = malloc((size_t)n * sizeof(*sched));
	bool *is_gotol = calloc((size_t)n, sizeof(*is_gotol));
	if (!body || !sched || !is_gotol) {
		free(body);
		free(sched);
		free(is_gotol);
		return 0;
	}
	for (int i = 0; i < n; i++)
		sched[i] = -1;

	size_t cnt = 0;
	/* Registers: the verifier refuses reads of uninitialised ones, and
	 * starting from edge values makes the body's arithmetic interesting. */
	for (uint8_t r = 0; r <= 9; r++) {
		switch (rnd(&g, 3)) {
		case 0: {
			struct bpfrt_insn ld[2] = { BPFRT_LD_IMM64(r, val64(&g)) };
			out[cnt++] = ld[0];
			out[cnt++] = ld[1];
			break;
		}
		case 1:
			out[cnt++] = BPFRT_MOV64_IMM(r, val32(&g));
			break;
		default:
			out[cnt++] = BPFRT_MOV32_IMM(r, val32(&g));
			break;
		}
	}
	/* The whole stack area, so that every later load reads initialised
	 * bytes; storing registers puts 64-bit values there. */
	for (int k = 1; k <= RANDPROG_STACK / 8; k++) {
		if (rnd(&g, 2))
			out[cnt++] = BPFRT_STX_MEM(BPFRT_DW, BPFRT_REG_10, reg(&g), (int16_t)(-8 * k));
		else
			out[cnt++] = BPFRT_ST_MEM(BPFRT_DW, BPFRT_REG_10, (int16_t)(-8 * k), val32(&g));
	}

	for (int i = 0; i < n; i++) {
		if (sched[i] >= 0) {
			/* The "skip the else block" jump of a diamond. */
			body[i] = one(is_gotol[i] ? BPFRT_JMP32_A(0) : BPFRT_JMP_A(0));
			body[i].target = sched[i];
			continue;
		}
		unsigned pick = rnd(&g, 100);
		if (pick < cfg->jump_pct && i + 1 < n) {
			/* Targets stay within the body or at the epilogue (index
			 * n), so the program ends through the epilogue. */
			int room = n - (i + 1);
			int a = 1 + (int)rnd(&g, (uint32_t)(room < 12 ? room : 12));
			int j = i + a;	/* the diamond's ja position */
			int room2 = n - (j + 1);
			if (j < n && room2 > 0 && sched[j] < 0 && rnd(&g, 3) == 0) {
				/* if (cond) goto else; then...; goto end; else: ...; end:
				 * every instruction after the ja is the conditional
				 * jump's target, so none is unreachable. */
				int b = 1 + (int)rnd(&g, (uint32_t)(room2 < 8 ? room2 : 8));
				sched[j] = j + 1 + b;
				is_gotol[j] = !cfg->no_v4 && rnd(&g, 2);
				body[i] = gen_cond_jump(&g, j + 1);
			} else {
				body[i] = gen_cond_jump(&g, i + 1 + (int)rnd(&g, (uint32_t)room + 1));
			}
			continue;
		}
		pick = rnd(&g, 100);
		if (pick < cfg->mem_pct)
			body[i] = gen_mem(&g);
		else if (pick < cfg->mem_pct + (100 - cfg->mem_pct) / 10)
			body[i] = lddw(reg(&g), val64(&g));	/* fresh edge values */
		else if (pick < cfg->mem_pct + (100 - cfg->mem_pct) / 4)
			body[i] = gen_unary(&g);
		else
			body[i] = gen_alu(&g);
	}

	/* Lay out: slot of logical instruction i is base + prefix sum. */
	size_t *slot = malloc(((size_t)n + 1) * sizeof(*slot));
	if (!slot) {
		free(body);
		free(sched);
		free(is_gotol);
		return 0;
	}
	size_t s = cnt;
	for (int i = 0; i < n; i++) {
		slot[i] = s;
		s += body[i].nslots;
	}
	slot[n] = s;
	for (int i = 0; i < n; i++) {
		struct lins *l = &body[i];
		if (l->target >= 0) {
			int64_t disp = (int64_t)slot[l->target] - (int64_t)(slot[i] + 1);
			if (l->in[0].code == (BPFRT_JMP32 | BPFRT_JA))
				l->in[0].imm = (int32_t)disp;
			else
				l->in[0].off = (int16_t)disp;
		}
		for (int k = 0; k < l->nslots; k++)
			out[cnt++] = l->in[k];
	}
	free(slot);
	free(body);
	free(sched);
	free(is_gotol);

	if (epi & RANDPROG_EPI_FOLD) {
		/* r0 = fold of r0..r9 and the stack, multiplying by an odd
		 * constant between steps so no input cancels another out. */
		const int32_t m = (int32_t)0x9e3779b1;
		for (uint8_t r = 1; r <= 9; r++) {
			out[cnt++] = BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, m);
			out[cnt++] = BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, r);
		}
		for (int k = 1; k <= RANDPROG_STACK / 8; k++) {
			out[cnt++] = BPFRT_LDX_MEM(BPFRT_DW, BPFRT_REG_1, BPFRT_REG_10, (int16_t)(-8 * k));
			out[cnt++] = BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, m);
			out[cnt++] = BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_1);
		}
	}
	if (epi & RANDPROG_EPI_HI32)
		out[cnt++] = BPFRT_ALU64_IMM(BPFRT_RSH, BPFRT_REG_0, 32);
	out[cnt++] = BPFRT_EXIT_INSN();
	return cnt;
}
