/* SPDX-License-Identifier: MIT */
/*
 * Interpreter and loader tests.  Every program runs on all four interpreter
 * variants (goto/switch dispatch x checked/unchecked) and must give the same
 * result on each.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "lib/t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Short names for the builders keep the programs readable. */
#define R0 BPFRT_REG_0
#define R1 BPFRT_REG_1
#define R2 BPFRT_REG_2
#define R3 BPFRT_REG_3
#define R4 BPFRT_REG_4
#define R5 BPFRT_REG_5
#define R6 BPFRT_REG_6
#define R7 BPFRT_REG_7
#define R8 BPFRT_REG_8
#define R9 BPFRT_REG_9
#define R10 BPFRT_REG_10
#define EXIT BPFRT_EXIT_INSN()
#define MOV(d, i) BPFRT_MOV64_IMM(d, i)
#define MOVR(d, s) BPFRT_MOV64_REG(d, s)
#define LDDW(d, v) BPFRT_LD_IMM64(d, v)

struct variant {
	enum bpfrt_engine engine;
	enum bpfrt_check_mode check;
	const char *name;
};

static const struct variant variants[] = {
	{ BPFRT_ENGINE_INTERP, BPFRT_CHECK_ALWAYS, "goto/checked" },
	{ BPFRT_ENGINE_INTERP, BPFRT_CHECK_NEVER, "goto/unchecked" },
	{ BPFRT_ENGINE_INTERP_SWITCH, BPFRT_CHECK_ALWAYS, "switch/checked" },
	{ BPFRT_ENGINE_INTERP_SWITCH, BPFRT_CHECK_NEVER, "switch/unchecked" },
};

/* ---- helpers ----------------------------------------------------------- */

static uint64_t h_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		      struct bpfrt_run_ctx *ctx)
{
	return a + b + c + d + e;
}

static uint64_t h_unwind(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			 struct bpfrt_run_ctx *ctx)
{
	return a;
}

/* 0 when [r1, r1 + r2) is accessible, 1 otherwise. */
static uint64_t h_check(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			struct bpfrt_run_ctx *ctx)
{
	return bpfrt_run_ctx__check_mem(ctx, a, b, true) ? 1 : 0;
}

static uint64_t h_user(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct bpfrt_run_ctx *ctx)
{
	return *(uint64_t *)bpfrt_run_ctx__user(ctx);
}

static const struct bpfrt_helper_def helpers[] = {
	{ 1, "sum", h_sum, 0 },
	{ 2, "unwind", h_unwind, BPFRT_HELPER_F_UNWIND },
	{ 3, "check", h_check, 0 },
	{ 4, "user", h_user, 0 },
	{ 1000, "far", h_sum, 0 },
};

static struct bpfrt_prog *load(const struct bpfrt_insn *insns, size_t cnt, char *log,
			       size_t log_size)
{
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = "t", .helpers = helpers,
		   .helper_cnt = N(helpers), .log_buf = log, .log_size = log_size);
	return bpfrt_prog__load_insns(insns, cnt, &lo);
}

/* Run on every variant; mem (copied afresh for each) is the ctx. Checks
 * the return code and, when it is 0, r0 (and mem afterwards if want_mem). */
static void check_run(int line, const struct bpfrt_insn *insns, size_t cnt,
		      const void *mem, size_t mem_size, const void *pkt, size_t pkt_size,
		      int want_err, uint64_t want, const char *want_msg, bool checked_only)
{
	char log[256] = "";
	struct bpfrt_prog *p = load(insns, cnt, log, sizeof(log));
	T_CHECK(p, "line %d: load failed: %s", line, log);
	if (!p)
		return;
	for (size_t v = 0; v < N(variants); v++) {
		if (checked_only && variants[v].check == BPFRT_CHECK_NEVER)
			continue;
		uint64_t buf[64] = { 0 };
		uint64_t user = 0x5eed;
		char err[256] = "";
		if (mem)
			memcpy(buf, mem, mem_size);
		BPFRT_OPTS(bpfrt_run_opts, ro, .ctx = mem ? buf : NULL, .ctx_size = mem_size,
			   .pkt = pkt, .pkt_size = pkt_size, .engine = variants[v].engine,
			   .check = variants[v].check, .user = &user, .err_buf = err,
			   .err_size = sizeof(err), .insn_limit = 100000);
		int rc = bpfrt_prog__run(p, &ro);
		T_CHECK(rc == want_err, "line %d [%s]: run returned %d (%s), want %d", line,
			variants[v].name, rc, err, want_err);
		if (rc == 0 && want_err == 0)
			T_CHECK(ro.retval == want, "line %d [%s]: r0 = 0x%" PRIx64 ", want 0x%"
				PRIx64, line, variants[v].name, ro.retval, want);
		if (want_msg)
			T_CHECK(strstr(err, want_msg), "line %d [%s]: message '%s' lacks '%s'",
				line, variants[v].name, err, want_msg);
	}
	bpfrt_prog__free(p);
}

#define RUN(want, ...) do {							\
		const struct bpfrt_insn p__[] = { __VA_ARGS__ };		\
		check_run(__LINE__, p__, N(p__), NULL, 0, NULL, 0, 0, want, NULL, false); \
	} while (0)
#define RUN_MEM(mem, want, ...) do {						\
		const struct bpfrt_insn p__[] = { __VA_ARGS__ };		\
		check_run(__LINE__, p__, N(p__), mem, sizeof(mem), NULL, 0, 0, want, NULL, \
			  false);						\
	} while (0)
#define RUN_FAULT(mem, err, msg, ...) do {					\
		const struct bpfrt_insn p__[] = { __VA_ARGS__ };		\
		check_run(__LINE__, p__, N(p__), mem, sizeof(mem), NULL, 0, err, 0, msg, \
			  true);						\
	} while (0)

/* ---- ALU --------------------------------------------------------------- */

struct alu_case {
	uint8_t op;	/* BPFRT_ADD ... */
	bool is64;
	int16_t off;	/* 1: signed div/mod; 8/16/32: movsx */
	uint64_t dst, src, want;
};

#define S64(x) ((uint64_t)(int64_t)(x))
static const struct alu_case alu_cases[] = {
	{ BPFRT_ADD, 1, 0, 1, 2, 3 },
	{ BPFRT_ADD, 1, 0, 0, S64(-1), ~0ull },			/* imm sign-extends */
	{ BPFRT_ADD, 0, 0, 0x1ffffffffull, 1, 0 },		/* wraps, upper zeroed */
	{ BPFRT_ADD, 0, 0, 0xffffffff00000001ull, 1, 2 },
	{ BPFRT_SUB, 1, 0, 0, 1, ~0ull },
	{ BPFRT_SUB, 0, 0, 0xffffffff00000000ull, 1, 0xffffffff },
	{ BPFRT_MUL, 1, 0, 0x100000000ull, 0x100000000ull, 0 },
	{ BPFRT_MUL, 1, 0, 5, S64(-1), S64(-5) },
	{ BPFRT_MUL, 0, 0, 0x80000000, S64(-1), 0x80000000 },
	{ BPFRT_MUL, 0, 0, 0x123456789ull, 2, 0x468acf12 },
	{ BPFRT_DIV, 1, 0, 10, 3, 3 },
	{ BPFRT_DIV, 1, 0, 10, 0, 0 },
	{ BPFRT_DIV, 1, 0, 10, S64(-1), 0 },			/* unsigned divisor */
	{ BPFRT_DIV, 1, 0, S64(-1), 2, 0x7fffffffffffffffull },
	{ BPFRT_DIV, 0, 0, 0x100000010ull, 4, 4 },
	{ BPFRT_DIV, 0, 0, 10, 0, 0 },
	{ BPFRT_DIV, 0, 0, 10, 0x100000000ull, 0 },		/* low half is 0 */
	{ BPFRT_DIV, 0, 0, 0xfffffffe, S64(-1), 0 },
	{ BPFRT_DIV, 1, 1, S64(-10), 3, S64(-3) },
	{ BPFRT_DIV, 1, 1, S64(-10), S64(-3), 3 },
	{ BPFRT_DIV, 1, 1, 0x8000000000000000ull, S64(-1), 0x8000000000000000ull },
	{ BPFRT_DIV, 1, 1, S64(-10), 0, 0 },
	{ BPFRT_DIV, 0, 1, S64(-10), 3, 0xfffffffd },
	{ BPFRT_DIV, 0, 1, 0x80000000, S64(-1), 0x80000000 },
	{ BPFRT_DIV, 0, 1, 0xfffffff6, 0, 0 },
	{ BPFRT_MOD, 1, 0, 10, 3, 1 },
	{ BPFRT_MOD, 1, 0, 0x1234567890ull, 0, 0x1234567890ull },
	{ BPFRT_MOD, 0, 0, 0x100000005ull, 0, 5 },		/* truncated dst */
	{ BPFRT_MOD, 0, 0, 0x100000007ull, 4, 3 },
	{ BPFRT_MOD, 1, 0, 7, S64(-1), 7 },
	{ BPFRT_MOD, 1, 1, S64(-10), 3, S64(-1) },
	{ BPFRT_MOD, 1, 1, 10, S64(-3), 1 },
	{ BPFRT_MOD, 1, 1, 0x8000000000000000ull, S64(-1), 0 },
	{ BPFRT_MOD, 1, 1, S64(-7), 0, S64(-7) },
	{ BPFRT_MOD, 0, 1, S64(-10), 3, 0xffffffff },
	{ BPFRT_MOD, 0, 1, 0x80000000, S64(-1), 0 },
	{ BPFRT_MOD, 0, 1, S64(-7), 0, 0xfffffff9 },
	{ BPFRT_OR, 1, 0, 0xf0, 0x0f, 0xff },
	{ BPFRT_OR, 1, 0, 0, S64(-2), S64(-2) },
	{ BPFRT_OR, 0, 0, 0xffffffff00000000ull, 1, 1 },
	{ BPFRT_AND, 1, 0, 0x123456789ull, S64(-1), 0x123456789ull },
	{ BPFRT_AND, 1, 0, 0x123456789ull, 0xff, 0x89 },
	{ BPFRT_AND, 0, 0, 0x123456789ull, S64(-1), 0x23456789 },
	{ BPFRT_XOR, 1, 0, 0xff, 0x0f, 0xf0 },
	{ BPFRT_XOR, 0, 0, 0xffffffffffffffffull, 1, 0xfffffffe },
	{ BPFRT_LSH, 1, 0, 1, 63, 0x8000000000000000ull },
	{ BPFRT_LSH, 1, 0, 1, 65, 2 },				/* count masked to 63 */
	{ BPFRT_LSH, 0, 0, 1, 31, 0x80000000 },
	{ BPFRT_LSH, 0, 0, 1, 33, 2 },				/* count masked to 31 */
	{ BPFRT_LSH, 0, 0, 0xffffffff, 4, 0xfffffff0 },
	{ BPFRT_RSH, 1, 0, 0x8000000000000000ull, 63, 1 },
	{ BPFRT_RSH, 1, 0, 0x8000000000000000ull, 64, 0x8000000000000000ull },
	{ BPFRT_RSH, 0, 0, 0xffffffff80000000ull, 31, 1 },
	{ BPFRT_RSH, 0, 0, 0x80000000, 32, 0x80000000 },
	{ BPFRT_ARSH, 1, 0, S64(-16), 2, S64(-4) },
	{ BPFRT_ARSH, 1, 0, 0x8000000000000000ull, 65, 0xc000000000000000ull },
	{ BPFRT_ARSH, 0, 0, 0x80000000, 4, 0xf8000000 },
	{ BPFRT_ARSH, 0, 0, 0x7fffffff80000000ull, 31, 0xffffffff },
	{ BPFRT_ARSH, 0, 0, 0xf0, 36, 0xf },
	{ BPFRT_MOV, 1, 0, 7, S64(-1), ~0ull },
	{ BPFRT_MOV, 0, 0, 7, S64(-1), 0xffffffff },
	{ BPFRT_MOV, 0, 0, 7, 0xffffffff12345678ull, 0x12345678 },
	{ BPFRT_MOV, 1, 8, 0, 0x180, S64(-128) },		/* movsx */
	{ BPFRT_MOV, 1, 8, 0, 0x7f, 0x7f },
	{ BPFRT_MOV, 1, 16, 0, 0x18000, S64(-32768) },
	{ BPFRT_MOV, 1, 32, 0, 0x180000000ull, 0xffffffff80000000ull },
	{ BPFRT_MOV, 1, 32, 0, 0x7fffffff, 0x7fffffff },
	{ BPFRT_MOV, 0, 8, 0, 0x180, 0xffffff80 },
	{ BPFRT_MOV, 0, 16, 0, 0xffffffffffff8000ull, 0xffff8000 },
	{ BPFRT_MOV, 0, 16, 0, 0x7fff, 0x7fff },
};


static void test_alu(void)
{
	for (size_t i = 0; i < N(alu_cases); i++) {
		const struct alu_case *c = &alu_cases[i];
		uint8_t cls = c->is64 ? BPFRT_ALU64 : BPFRT_ALU;
		int line = 10000 + (int)i;	/* case number in messages */
		struct bpfrt_insn x[] = {
			LDDW(R0, c->dst), LDDW(R1, c->src),
			BPFRT_RAW_INSN(cls | c->op | BPFRT_X, R0, R1, c->off, 0), EXIT,
		};
		check_run(line, x, N(x), NULL, 0, NULL, 0, 0, c->want, NULL, false);
		bool movsx = c->op == BPFRT_MOV && c->off;
		if (!movsx && c->src == S64((int32_t)c->src)) {
			struct bpfrt_insn k[] = {
				LDDW(R0, c->dst),
				BPFRT_RAW_INSN(cls | c->op | BPFRT_K, R0, 0, c->off,
					       (int32_t)c->src), EXIT,
			};
			check_run(line, k, N(k), NULL, 0, NULL, 0, 0, c->want, NULL, false);
		}
	}
	/* neg */
	RUN(S64(-5), MOV(R0, 5), BPFRT_NEG64(R0), EXIT);
	RUN(0x8000000000000000ull, LDDW(R0, 0x8000000000000000ull), BPFRT_NEG64(R0), EXIT);
	RUN(0xfffffffb, MOV(R0, 5), BPFRT_NEG32(R0), EXIT);
	RUN(0x80000000, LDDW(R0, 0x180000000ull), BPFRT_NEG32(R0), EXIT);
	/* byte swaps */
	const uint64_t v = 0x1122334455667788ull;
	RUN(0x7788, LDDW(R0, v), BPFRT_ENDIAN(BPFRT_TO_LE, R0, 16), EXIT);
	RUN(0x55667788, LDDW(R0, v), BPFRT_ENDIAN(BPFRT_TO_LE, R0, 32), EXIT);
	RUN(v, LDDW(R0, v), BPFRT_ENDIAN(BPFRT_TO_LE, R0, 64), EXIT);
	RUN(0x8877, LDDW(R0, v), BPFRT_ENDIAN(BPFRT_TO_BE, R0, 16), EXIT);
	RUN(0x88776655, LDDW(R0, v), BPFRT_ENDIAN(BPFRT_TO_BE, R0, 32), EXIT);
	RUN(0x8877665544332211ull, LDDW(R0, v), BPFRT_ENDIAN(BPFRT_TO_BE, R0, 64), EXIT);
	RUN(0x8877, LDDW(R0, v), BPFRT_BSWAP(R0, 16), EXIT);
	RUN(0x88776655, LDDW(R0, v), BPFRT_BSWAP(R0, 32), EXIT);
	RUN(0x8877665544332211ull, LDDW(R0, v), BPFRT_BSWAP(R0, 64), EXIT);
	/* lddw and mov32 zero-extension */
	RUN(0xfedcba9876543210ull, LDDW(R0, 0xfedcba9876543210ull), EXIT);
	RUN(0x80000000, LDDW(R0, ~0ull), BPFRT_MOV32_IMM(R0, (int32_t)0x80000000), EXIT);
}

/* ---- memory ------------------------------------------------------------ */

static void test_mem(void)
{
	uint8_t m[16] = { 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
			  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	RUN_MEM(m, 0x81, BPFRT_LDX_MEM(BPFRT_B, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x8281, BPFRT_LDX_MEM(BPFRT_H, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x84838281, BPFRT_LDX_MEM(BPFRT_W, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x8887868584838281ull, BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x0807060504030201ull, BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 8), EXIT);
	RUN_MEM(m, 0x02018887, BPFRT_LDX_MEM(BPFRT_W, R0, R1, 6), EXIT);	/* unaligned */
	RUN_MEM(m, S64((int8_t)0x81), BPFRT_LDX_MEMSX(BPFRT_B, R0, R1, 0), EXIT);
	RUN_MEM(m, S64((int16_t)0x8281), BPFRT_LDX_MEMSX(BPFRT_H, R0, R1, 0), EXIT);
	RUN_MEM(m, S64((int32_t)0x84838281), BPFRT_LDX_MEMSX(BPFRT_W, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x01, BPFRT_LDX_MEMSX(BPFRT_B, R0, R1, 8), EXIT);
	RUN_MEM(m, 0x0201, BPFRT_LDX_MEMSX(BPFRT_H, R0, R1, 8), EXIT);
	RUN_MEM(m, 0x04030201, BPFRT_LDX_MEMSX(BPFRT_W, R0, R1, 8), EXIT);
	/* r2 = ctx_size at entry */
	RUN_MEM(m, 16, MOVR(R0, R2), EXIT);
	/* negative offsets from an advanced pointer */
	RUN_MEM(m, 0x88, BPFRT_ALU64_IMM(BPFRT_ADD, R1, 8), BPFRT_LDX_MEM(BPFRT_B, R0, R1, -1),
		EXIT);

	/* stores of every size, immediate and register, read back as dw */
	RUN_MEM(m, 0x88878685848382ffull, BPFRT_ST_MEM(BPFRT_B, R1, 0, -1),
		BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x888786858483ffffull, BPFRT_ST_MEM(BPFRT_H, R1, 0, -1),
		BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x88878685ffffffffull, BPFRT_ST_MEM(BPFRT_W, R1, 0, -1),
		BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT);
	RUN_MEM(m, ~0ull, BPFRT_ST_MEM(BPFRT_DW, R1, 0, -1),	/* imm sign-extends */
		BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x8887868584838211ull, LDDW(R2, 0xaabbccddeeff0011ull),
		BPFRT_STX_MEM(BPFRT_B, R1, R2, 0), BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x8887868584830011ull, LDDW(R2, 0xaabbccddeeff0011ull),
		BPFRT_STX_MEM(BPFRT_H, R1, R2, 0), BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x88878685eeff0011ull, LDDW(R2, 0xaabbccddeeff0011ull),
		BPFRT_STX_MEM(BPFRT_W, R1, R2, 0), BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT);
	RUN_MEM(m, 0xaabbccddeeff0011ull, LDDW(R2, 0xaabbccddeeff0011ull),
		BPFRT_STX_MEM(BPFRT_DW, R1, R2, 0), BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT);
	RUN_MEM(m, 0x0807ffff04030201ull, BPFRT_ST_MEM(BPFRT_H, R1, 12, -1),
		BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 8), EXIT);
	/* the stack */
	RUN(0x1234, BPFRT_ST_MEM(BPFRT_DW, R10, -8, 0x1234),
	    BPFRT_LDX_MEM(BPFRT_DW, R0, R10, -8), EXIT);
	RUN(0xab, MOV(R1, 0xab), BPFRT_STX_MEM(BPFRT_B, R10, R1, -512),
	    BPFRT_LDX_MEM(BPFRT_B, R0, R10, -512), EXIT);
	/* a helper sees the stack and ctx as accessible, other memory not */
	uint64_t c8[1] = { 0 };
	RUN_MEM(c8, 0, MOV(R2, 8), BPFRT_CALL_HELPER(3), EXIT);
	RUN(0, MOVR(R1, R10), BPFRT_ALU64_IMM(BPFRT_ADD, R1, -512), MOV(R2, 512),
	    BPFRT_CALL_HELPER(3), EXIT);
	const struct bpfrt_insn chk[] = { MOV(R1, 16), MOV(R2, 8), BPFRT_CALL_HELPER(3), EXIT };
	char log[128];
	struct bpfrt_prog *p = load(chk, N(chk), log, sizeof(log));
	for (size_t v = 0; p && v < N(variants); v++) {
		BPFRT_OPTS(bpfrt_run_opts, ro, .engine = variants[v].engine,
			   .check = variants[v].check);
		T_CHECK(bpfrt_prog__run(p, &ro) == 0, "check_mem run");
		T_EQ_U64(ro.retval, variants[v].check == BPFRT_CHECK_NEVER ? 0 : 1,
			 "check_mem of a wild pointer");
	}
	bpfrt_prog__free(p);
}

/* ---- atomics ----------------------------------------------------------- */

static void atomic_case(int line, uint8_t size, int32_t aop, uint64_t mem0, uint64_t operand,
			uint64_t r0, uint64_t want_mem, uint64_t want_reg)
{
	uint64_t m[2] = { mem0, 0x5555 };
	int reg = aop == BPFRT_CMPXCHG ? R0 : R2;
	const struct bpfrt_insn a[] = {
		LDDW(R2, operand), LDDW(R0, r0),
		BPFRT_ATOMIC_OP(size, aop, R1, R2, 0),
		BPFRT_LDX_MEM(BPFRT_DW, R0, R1, 0), EXIT,
	};
	check_run(line, a, N(a), m, sizeof(m), NULL, 0, 0, want_mem, NULL, false);
	const struct bpfrt_insn b[] = {
		LDDW(R2, operand), LDDW(R0, r0),
		BPFRT_ATOMIC_OP(size, aop, R1, R2, 0),
		MOVR(R0, reg), EXIT,
	};
	check_run(line, b, N(b), m, sizeof(m), NULL, 0, 0, want_reg, NULL, false);
}

static void test_atomic(void)
{
	const uint64_t M = 0x100000003ull, HI = 0xffffffff00000000ull;
	const uint8_t W = BPFRT_W, DW = BPFRT_DW;
	atomic_case(__LINE__, DW, BPFRT_ADD, M, 5, 0, M + 5, 5);
	atomic_case(__LINE__, DW, BPFRT_ADD | BPFRT_FETCH, M, 5, 0, M + 5, M);
	atomic_case(__LINE__, W, BPFRT_ADD, M, HI | 5, 0, 0x100000008ull, HI | 5);
	atomic_case(__LINE__, W, BPFRT_ADD, 0x1ffffffffull, 1, 0, 0x100000000ull, 1);
	atomic_case(__LINE__, W, BPFRT_ADD | BPFRT_FETCH, M, HI | 5, 0, 0x100000008ull, 3);
	atomic_case(__LINE__, DW, BPFRT_OR, M, 0x30, 0, M | 0x30, 0x30);
	atomic_case(__LINE__, DW, BPFRT_OR | BPFRT_FETCH, M, 0x30, 0, M | 0x30, M);
	atomic_case(__LINE__, W, BPFRT_OR, M, HI | 0x30, 0, M | 0x30, HI | 0x30);
	atomic_case(__LINE__, W, BPFRT_OR | BPFRT_FETCH, M, HI | 0x30, 0, M | 0x30, 3);
	atomic_case(__LINE__, DW, BPFRT_AND, M, 0x100000001ull, 0, 0x100000001ull,
		    0x100000001ull);
	atomic_case(__LINE__, DW, BPFRT_AND | BPFRT_FETCH, M, 1, 0, 1, M);
	atomic_case(__LINE__, W, BPFRT_AND, M, 1, 0, 0x100000001ull, 1);
	atomic_case(__LINE__, W, BPFRT_AND | BPFRT_FETCH, M, HI | 1, 0, 0x100000001ull, 3);
	atomic_case(__LINE__, DW, BPFRT_XOR, M, 0x100000001ull, 0, 2, 0x100000001ull);
	atomic_case(__LINE__, DW, BPFRT_XOR | BPFRT_FETCH, M, 0x100000001ull, 0, 2, M);
	atomic_case(__LINE__, W, BPFRT_XOR, M, 1, 0, 0x100000002ull, 1);
	atomic_case(__LINE__, W, BPFRT_XOR | BPFRT_FETCH, M, HI | 1, 0, 0x100000002ull, 3);
	atomic_case(__LINE__, DW, BPFRT_XCHG, M, 0x42, 0, 0x42, M);
	atomic_case(__LINE__, W, BPFRT_XCHG, M, HI | 0x42, 0, 0x100000042ull, 3);
	/* cmpxchg: r0 is the comparand and receives the old value */
	atomic_case(__LINE__, DW, BPFRT_CMPXCHG, M, 0x42, M, 0x42, M);		/* success */
	atomic_case(__LINE__, DW, BPFRT_CMPXCHG, M, 0x42, 3, M, M);		/* failure */
	atomic_case(__LINE__, W, BPFRT_CMPXCHG, M, 0x42, HI | 3, 0x100000042ull, 3);
	atomic_case(__LINE__, W, BPFRT_CMPXCHG, M, 0x42, 4, M, 3);
	atomic_case(__LINE__, W, BPFRT_CMPXCHG, 0xffffffff80000000ull, 0x42, HI,
		    0xffffffff80000000ull, 0x80000000);
	/* on the stack too */
	RUN(7, BPFRT_ST_MEM(BPFRT_DW, R10, -8, 3), MOV(R1, 4),
	    BPFRT_ATOMIC_OP(BPFRT_DW, BPFRT_ADD, R10, R1, -8),
	    BPFRT_LDX_MEM(BPFRT_DW, R0, R10, -8), EXIT);
}

/* ---- jumps ------------------------------------------------------------- */

struct jmp_case {
	uint8_t op;
	bool is32;
	uint64_t dst, src;
	bool taken;
};

static const struct jmp_case jmp_cases[] = {
	{ BPFRT_JEQ, 0, 5, 5, 1 }, { BPFRT_JEQ, 0, 5, 6, 0 },
	{ BPFRT_JEQ, 0, ~0ull, S64(-1), 1 },
	{ BPFRT_JEQ, 0, 0xffffffff, S64(-1), 0 },	/* imm sign-extends to 64 */
	{ BPFRT_JEQ, 1, 0x100000005ull, 5, 1 }, { BPFRT_JEQ, 0, 0x100000005ull, 5, 0 },
	{ BPFRT_JEQ, 1, 0xffffffff, S64(-1), 1 },
	{ BPFRT_JNE, 0, 5, 6, 1 }, { BPFRT_JNE, 0, 5, 5, 0 },
	{ BPFRT_JNE, 1, 0x100000005ull, 5, 0 },
	{ BPFRT_JGT, 0, S64(-1), 1, 1 }, { BPFRT_JGT, 0, 1, S64(-1), 0 },
	{ BPFRT_JGT, 0, 2, 2, 0 },
	{ BPFRT_JGT, 1, 0xffffffff00000001ull, 2, 0 }, { BPFRT_JGT, 0, 0xffffffff00000001ull, 2, 1 },
	{ BPFRT_JGT, 1, 0x80000000, 1, 1 },
	{ BPFRT_JGE, 0, 2, 2, 1 }, { BPFRT_JGE, 0, 1, 2, 0 }, { BPFRT_JGE, 0, S64(-1), 0, 1 },
	{ BPFRT_JGE, 1, 0x100000001ull, 2, 0 },
	{ BPFRT_JLT, 0, 1, S64(-1), 1 }, { BPFRT_JLT, 0, 2, 2, 0 },
	{ BPFRT_JLT, 1, 0x100000001ull, 2, 1 }, { BPFRT_JLT, 0, 0x100000001ull, 2, 0 },
	{ BPFRT_JLE, 0, 2, 2, 1 }, { BPFRT_JLE, 0, 3, 2, 0 },
	{ BPFRT_JLE, 1, 0x100000003ull, 0x100000002ull, 0 },
	{ BPFRT_JSET, 0, 6, 2, 1 }, { BPFRT_JSET, 0, 4, 2, 0 },
	{ BPFRT_JSET, 0, 0x100000000ull, 0x100000000ull, 1 },
	{ BPFRT_JSET, 1, 0x100000000ull, 0x100000000ull, 0 },
	{ BPFRT_JSGT, 0, S64(-1), 1, 0 }, { BPFRT_JSGT, 0, 1, S64(-1), 1 },
	{ BPFRT_JSGT, 0, 0x7fffffffffffffffull, 0x8000000000000000ull, 1 },
	{ BPFRT_JSGT, 1, 0x80000000, 0, 0 }, { BPFRT_JSGT, 0, 0x80000000, 0, 1 },
	{ BPFRT_JSGE, 0, S64(-1), S64(-1), 1 }, { BPFRT_JSGE, 0, S64(-2), S64(-1), 0 },
	{ BPFRT_JSGE, 1, 0x7fffffff, 0x80000000, 1 },
	{ BPFRT_JSLT, 0, 0x8000000000000000ull, 0x7fffffffffffffffull, 1 },
	{ BPFRT_JSLT, 0, 0, S64(-1), 0 },
	{ BPFRT_JSLT, 1, 0x80000000, 0, 1 }, { BPFRT_JSLT, 0, 0x80000000, 0, 0 },
	{ BPFRT_JSLT, 1, 0xffffffff00000001ull, 2, 1 },
	{ BPFRT_JSLE, 0, S64(-1), S64(-1), 1 }, { BPFRT_JSLE, 0, 0, S64(-1), 0 },
	{ BPFRT_JSLE, 1, 0xffffffff, 0, 1 }, { BPFRT_JSLE, 0, 0xffffffff, 0, 0 },
};

static void test_jmp(void)
{
	for (size_t i = 0; i < N(jmp_cases); i++) {
		const struct jmp_case *c = &jmp_cases[i];
		uint8_t cls = c->is32 ? BPFRT_JMP32 : BPFRT_JMP;
		int line = 20000 + (int)i;
		struct bpfrt_insn x[] = {
			LDDW(R1, c->dst), LDDW(R2, c->src), MOV(R0, 0),
			BPFRT_RAW_INSN(cls | c->op | BPFRT_X, R1, R2, 1, 0), EXIT,
			MOV(R0, 1), EXIT,
		};
		check_run(line, x, N(x), NULL, 0, NULL, 0, 0, c->taken, NULL, false);
		if (c->src == S64((int32_t)c->src)) {
			struct bpfrt_insn k[] = {
				LDDW(R1, c->dst), MOV(R0, 0),
				BPFRT_RAW_INSN(cls | c->op | BPFRT_K, R1, 0, 1, (int32_t)c->src),
				EXIT, MOV(R0, 1), EXIT,
			};
			check_run(line, k, N(k), NULL, 0, NULL, 0, 0, c->taken, NULL, false);
		}
	}
	/* ja forward and backward, ja32 */
	RUN(3, MOV(R0, 1), BPFRT_JMP_A(2), MOV(R0, 2), EXIT, BPFRT_ALU64_IMM(BPFRT_ADD, R0, 2),
	    BPFRT_JMP_A(-3), EXIT);
	RUN(3, MOV(R0, 1), BPFRT_JMP32_A(2), MOV(R0, 2), EXIT,
	    BPFRT_ALU64_IMM(BPFRT_ADD, R0, 2), BPFRT_JMP32_A(-3));
	/* a loop: sum 1..10 */
	RUN(55, MOV(R0, 0), MOV(R1, 10), BPFRT_ALU64_REG(BPFRT_ADD, R0, R1),
	    BPFRT_ALU64_IMM(BPFRT_SUB, R1, 1), BPFRT_JMP_IMM(BPFRT_JNE, R1, 0, -3), EXIT);
	/* jump over lddw */
	RUN(1, MOV(R0, 1), BPFRT_JMP_A(2), LDDW(R0, 7), EXIT);
}

/* ---- calls ------------------------------------------------------------- */

static void test_calls(void)
{
	/* Local call: r6-r9 preserved, separate stack (callee r10 = caller
	 * r10 - 512), the caller's stack reachable through a pointer. */
	RUN(1,
	    /* 0 */ MOV(R6, 6), MOV(R7, 7), MOV(R8, 8), MOV(R9, 9),
	    /* 4 */ BPFRT_ST_MEM(BPFRT_DW, R10, -8, 0x55),
	    /* 5 */ MOVR(R1, R10),
	    /* 6 */ BPFRT_CALL_REL(13),
	    /* 7 */ MOVR(R2, R10), BPFRT_ALU64_REG(BPFRT_SUB, R2, R0),
	    /* 9 */ BPFRT_JMP_IMM(BPFRT_JNE, R2, 512, 6),
	    /* 10 */ BPFRT_JMP_IMM(BPFRT_JNE, R6, 6, 5),
	    /* 11 */ BPFRT_JMP_IMM(BPFRT_JNE, R7, 7, 4),
	    /* 12 */ BPFRT_JMP_IMM(BPFRT_JNE, R9, 9, 3),
	    /* 13 */ BPFRT_LDX_MEM(BPFRT_DW, R3, R10, -8),
	    /* 14 */ BPFRT_JMP_IMM(BPFRT_JNE, R3, 0x55, 1),
	    /* 15 */ BPFRT_JMP_IMM(BPFRT_JEQ, R8, 8, 2),
	    /* 16 */ MOV(R0, 0), EXIT,
	    /* 18 */ MOV(R0, 1), EXIT,
	    /* 20: callee */ MOV(R6, 0), MOV(R7, 0), MOV(R8, 0), MOV(R9, 0),
	    /* 24 */ BPFRT_ST_MEM(BPFRT_DW, R10, -8, 0x77),
	    /* 25 */ BPFRT_LDX_MEM(BPFRT_DW, R3, R1, -8),
	    /* 26 */ BPFRT_JMP_IMM(BPFRT_JNE, R3, 0x55, 2),
	    /* 27 */ MOVR(R0, R10), EXIT,
	    /* 29 */ MOV(R0, 0), EXIT);
	/* seven nested calls: 8 frames, the maximum */
	RUN(7, MOV(R0, 0), BPFRT_CALL_REL(1), EXIT,
	    /* 3 */ BPFRT_ALU64_IMM(BPFRT_ADD, R0, 1), BPFRT_CALL_REL(1), EXIT,
	    /* 6 */ BPFRT_ALU64_IMM(BPFRT_ADD, R0, 1), BPFRT_CALL_REL(1), EXIT,
	    /* 9 */ BPFRT_ALU64_IMM(BPFRT_ADD, R0, 1), BPFRT_CALL_REL(1), EXIT,
	    /* 12 */ BPFRT_ALU64_IMM(BPFRT_ADD, R0, 1), BPFRT_CALL_REL(1), EXIT,
	    /* 15 */ BPFRT_ALU64_IMM(BPFRT_ADD, R0, 1), BPFRT_CALL_REL(1), EXIT,
	    /* 18 */ BPFRT_ALU64_IMM(BPFRT_ADD, R0, 1), BPFRT_CALL_REL(1), EXIT,
	    /* 21 */ BPFRT_ALU64_IMM(BPFRT_ADD, R0, 1), EXIT);
	/* helpers */
	RUN(15, MOV(R1, 1), MOV(R2, 2), MOV(R3, 3), MOV(R4, 4), MOV(R5, 5),
	    BPFRT_CALL_HELPER(1), EXIT);
	RUN(3, MOV(R1, 1), MOV(R2, 2), BPFRT_CALL_HELPER(1000), EXIT);
	RUN(0x5eed, BPFRT_CALL_HELPER(4), EXIT);
	/* r6 survives a helper call */
	RUN(9, MOV(R6, 9), BPFRT_CALL_HELPER(1), MOVR(R0, R6), EXIT);
	/* unwind: 0 ends the whole program with r0 = 0, even from a callee */
	RUN(0, MOV(R1, 0), BPFRT_CALL_HELPER(2), MOV(R0, 7), EXIT);
	RUN(7, MOV(R1, 1), BPFRT_CALL_HELPER(2), MOV(R0, 7), EXIT);
	RUN(0, BPFRT_CALL_REL(2), MOV(R0, 7), EXIT, MOV(R1, 0), BPFRT_CALL_HELPER(2),
	    MOV(R0, 9), EXIT);
	/* callx: the id is in the register */
	RUN(3, MOV(R1, 1), MOV(R2, 2), MOV(R7, 1), BPFRT_CALLX(R7), EXIT);
	RUN(3, MOV(R1, 1), MOV(R2, 2), MOV(R7, 1000), BPFRT_CALLX(R7), EXIT);
	RUN(0, MOV(R1, 0), MOV(R7, 2), BPFRT_CALLX(R7), MOV(R0, 7), EXIT);
	const struct bpfrt_insn bad[] = { MOV(R7, 77), BPFRT_CALLX(R7), EXIT };
	check_run(__LINE__, bad, N(bad), NULL, 0, NULL, 0, -EINVAL, 0,
		  "insn 1: callx to unknown helper id 77", false);
	const struct bpfrt_insn bad2[] = { LDDW(R7, 0x100000001ull), BPFRT_CALLX(R7), EXIT };
	check_run(__LINE__, bad2, N(bad2), NULL, 0, NULL, 0, -EINVAL, 0,
		  "unknown helper id 4294967297", false);
}

/* ---- LD_ABS / LD_IND --------------------------------------------------- */

static void test_ldabs(void)
{
	static const uint8_t pkt[] = { 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct { struct bpfrt_insn p[4]; uint64_t want; int line; size_t n; } c[] = {
		{ { BPFRT_LD_ABS(BPFRT_W, 0), EXIT }, 0x11223344, __LINE__, 0 },
		{ { BPFRT_LD_ABS(BPFRT_H, 3), EXIT }, 0x4455, __LINE__, 0 },
		{ { BPFRT_LD_ABS(BPFRT_B, 4), EXIT }, 0x55, __LINE__, 0 },
		{ { BPFRT_LD_ABS(BPFRT_W, 1), EXIT }, 0x22334455, __LINE__, 0 },
		/* out of bounds: the program ends with r0 = 0 */
		{ { BPFRT_LD_ABS(BPFRT_W, 2), MOV(R0, 9), EXIT }, 0, __LINE__, 0 },
		{ { BPFRT_LD_ABS(BPFRT_B, 5), MOV(R0, 9), EXIT }, 0, __LINE__, 0 },
		{ { BPFRT_LD_ABS(BPFRT_B, -1), MOV(R0, 9), EXIT }, 0, __LINE__, 0 },
		{ { MOV(R2, 1), BPFRT_LD_IND(BPFRT_H, R2, 1), EXIT }, 0x3344, __LINE__, 0 },
		{ { MOV(R2, 4), BPFRT_LD_IND(BPFRT_B, R2, 0), EXIT }, 0x55, __LINE__, 0 },
		{ { MOV(R2, 4), BPFRT_LD_IND(BPFRT_H, R2, 0), MOV(R0, 9), EXIT }, 0, __LINE__, 0 },
		/* the offset is the 32-bit sum of src and imm */
		{ { MOV(R2, -1), BPFRT_LD_IND(BPFRT_H, R2, 2), EXIT }, 0x2233, __LINE__, 0 },
		{ { LDDW(R2, 0x100000000ull), BPFRT_LD_IND(BPFRT_B, R2, 0), EXIT }, 0x11, __LINE__, 4 },
	};
	for (size_t i = 0; i < N(c); i++) {
		size_t n = c[i].n;	/* 0: up to and including the first exit */
		if (!n)
			while (c[i].p[n++].code != (BPFRT_JMP | BPFRT_EXIT))
				;
		check_run(c[i].line, c[i].p, n, NULL, 0, pkt, sizeof(pkt), 0, c[i].want,
			  NULL, false);
	}
	/* without a packet, the ctx memory is the packet */
	uint8_t m[4] = { 0xde, 0xad, 0xbe, 0xef };
	RUN_MEM(m, 0xdeadbeef, BPFRT_LD_ABS(BPFRT_W, 0), EXIT);
	RUN_MEM(m, 0, BPFRT_LD_ABS(BPFRT_W, 1), MOV(R0, 9), EXIT);
}

/* ---- checked mode ------------------------------------------------------ */

static void test_checked(void)
{
	uint8_t m[16] = { 0 };
	RUN_FAULT(m, -EFAULT, "insn 0 (ldxw): read of 4 bytes at 0x",
		  BPFRT_LDX_MEM(BPFRT_W, R0, R1, 16), EXIT);
	RUN_FAULT(m, -EFAULT, "outside ctx [0x", BPFRT_LDX_MEM(BPFRT_W, R0, R1, 13), EXIT);
	RUN_FAULT(m, -EFAULT, "insn 1 (stw): write of 4 bytes",
		  MOV(R0, 0), BPFRT_ST_MEM(BPFRT_W, R1, 14, 1), EXIT);
	RUN_FAULT(m, -EFAULT, "insn 1 (stxdw): write of 8 bytes",
		  MOV(R0, 0), BPFRT_STX_MEM(BPFRT_DW, R1, R0, -8), EXIT);
	RUN_FAULT(m, -EFAULT, "insn 0 (ldxdw): read of 8 bytes",
		  BPFRT_LDX_MEM(BPFRT_DW, R0, R10, -520), EXIT);
	RUN_FAULT(m, -EFAULT, "insn 0 (ldxb): read of 1 bytes",
		  BPFRT_LDX_MEM(BPFRT_B, R0, R10, 0), EXIT);
	RUN_FAULT(m, -EFAULT, "insn 1 (ldxb): read of 1 bytes at 0x0 outside",
		  MOV(R1, 0), BPFRT_LDX_MEM(BPFRT_B, R0, R1, 0), EXIT);
	RUN_FAULT(m, -EFAULT, "insn 1 (lock add): write of 8 bytes",
		  MOV(R2, 1), BPFRT_ATOMIC_OP(BPFRT_DW, BPFRT_ADD, R1, R2, 16), EXIT);
	RUN_FAULT(m, -EFAULT, "misaligned", MOV(R2, 1),
		  BPFRT_ATOMIC_OP(BPFRT_W, BPFRT_ADD, R1, R2, 2), EXIT);
	/* a callee cannot reach below its own frame */
	RUN_FAULT(m, -EFAULT, "insn 2 (ldxdw)", BPFRT_CALL_REL(1), EXIT,
		  BPFRT_LDX_MEM(BPFRT_DW, R0, R10, -1024), EXIT);
	/* instruction limit */
	const struct bpfrt_insn loop[] = { MOV(R0, 0), BPFRT_JMP_A(-1), EXIT };
	char log[128], err[128];
	struct bpfrt_prog *p = load(loop, N(loop), log, sizeof(log));
	T_CHECK(p, "load loop: %s", log);
	for (size_t v = 0; p && v < N(variants); v++) {
		if (variants[v].check == BPFRT_CHECK_NEVER)
			continue;
		BPFRT_OPTS(bpfrt_run_opts, ro, .engine = variants[v].engine,
			   .check = variants[v].check, .insn_limit = 1000, .err_buf = err,
			   .err_size = sizeof(err));
		T_EQ_U64(bpfrt_prog__run(p, &ro), -E2BIG, "insn_limit");
		T_CHECK(strstr(err, "instruction limit of 1000 reached at insn 1"), "%s", err);
		T_EQ_U64(ro.insn_cnt, 1000, "insn_cnt at the limit");
	}
	/* a program of exactly insn_limit instructions completes */
	const struct bpfrt_insn two[] = { MOV(R0, 2), EXIT };
	struct bpfrt_prog *p2 = load(two, N(two), log, sizeof(log));
	for (size_t v = 0; p2 && v < N(variants); v++) {
		BPFRT_OPTS(bpfrt_run_opts, ro, .engine = variants[v].engine,
			   .check = variants[v].check, .insn_limit = 2);
		T_CHECK(bpfrt_prog__run(p2, &ro) == 0 && ro.retval == 2 && ro.insn_cnt == 2,
			"limit equal to the instruction count");
	}
	bpfrt_prog__free(p2);
	bpfrt_prog__free(p);
}

/* ---- loader ------------------------------------------------------------ */

static void load_err(int line, const struct bpfrt_insn *insns, size_t cnt, const char *want)
{
	char log[256] = "";
	errno = 0;
	struct bpfrt_prog *p = load(insns, cnt, log, sizeof(log));
	T_CHECK(!p && errno == EINVAL, "line %d: load should fail with EINVAL (errno %d)",
		line, errno);
	T_CHECK(strstr(log, want), "line %d: log '%s' lacks '%s'", line, log, want);
	bpfrt_prog__free(p);
}

#define LOAD_ERR(want, ...) do {						\
		const struct bpfrt_insn p__[] = { __VA_ARGS__ };		\
		load_err(__LINE__, p__, N(p__), want);				\
	} while (0)

static void test_load(void)
{
	char log[128] = "";
	errno = 0;
	T_CHECK(!load(NULL, 0, log, sizeof(log)) && errno == EINVAL, "empty program");
	T_CHECK(strstr(log, "empty program"), "%s", log);

	LOAD_ERR("insn 1: unknown opcode (code 0xff)", MOV(R0, 0),
		 BPFRT_RAW_INSN(0xff, 0, 0, 0, 0), EXIT);
	LOAD_ERR("insn 1: reserved field", MOV(R0, 0),
		 BPFRT_RAW_INSN(BPFRT_ALU64 | BPFRT_ADD | BPFRT_K, R0, 1, 0, 0), EXIT);
	LOAD_ERR("insn 1: invalid off", BPFRT_ALU64_IMM(BPFRT_MOV, R0, 0), 
		 BPFRT_RAW_INSN(BPFRT_ALU64 | BPFRT_DIV | BPFRT_K, R0, 0, 2, 1), EXIT);
	LOAD_ERR("insn 1: jump out of range", MOV(R0, 0), BPFRT_JMP_A(5), EXIT);
	LOAD_ERR("insn 1: jump out of range", MOV(R0, 0), BPFRT_JMP_IMM(BPFRT_JEQ, R0, 0, -3),
		 EXIT);
	LOAD_ERR("insn 0: jump into the second slot of lddw at insn 1", BPFRT_JMP_A(1),
		 LDDW(R0, 1), EXIT);
	LOAD_ERR("insn 1: lddw is missing its second slot", MOV(R0, 0),
		 BPFRT_RAW_INSN(BPFRT_LD | BPFRT_DW | BPFRT_IMM, R0, 0, 0, 1));
	LOAD_ERR("insn 1: program falls off its end", MOV(R0, 0), MOV(R0, 1));
	LOAD_ERR("insn 0: program falls off its end", BPFRT_JMP_IMM(BPFRT_JEQ, R0, 0, -1));
	LOAD_ERR("insn 1: unknown helper id 7", MOV(R0, 0), BPFRT_CALL_HELPER(7), EXIT);
	LOAD_ERR("insn 0: call out of range", BPFRT_CALL_REL(5), EXIT);
	LOAD_ERR("insn 0: call into the second slot of lddw", BPFRT_CALL_REL(2), EXIT,
		 LDDW(R0, 1), EXIT);
	LOAD_ERR("insn 2: lddw src_reg=1 (map fd) must be resolved by the ELF loader",
		 MOV(R0, 0), MOV(R1, 0), BPFRT_LD_IMM64_RAW(R1, BPFRT_PSEUDO_MAP_FD, 3), EXIT);
	LOAD_ERR("insn 0: lddw src_reg=4 (func)",
		 BPFRT_LD_IMM64_RAW(R1, BPFRT_PSEUDO_FUNC, 3), EXIT);
	LOAD_ERR("insn 0: kfunc calls are not supported",
		 BPFRT_RAW_INSN(BPFRT_JMP | BPFRT_CALL, 0, BPFRT_PSEUDO_KFUNC_CALL, 0, 1), EXIT);
	/* mutual: 3 -> 5 -> 3 */
	LOAD_ERR("insn 5: recursive call", MOV(R0, 0), BPFRT_CALL_REL(1), EXIT,
		 BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(-3), EXIT);
	LOAD_ERR("insn 0: recursive call", BPFRT_CALL_REL(-1), EXIT);
	LOAD_ERR("insn 0: falls through into function at insn 1", BPFRT_CALL_REL(0),
		 MOV(R0, 0), EXIT);
	LOAD_ERR("insn 3: jump out of its function", BPFRT_CALL_REL(1), EXIT,
		 MOV(R0, 0), BPFRT_JMP_A(-3));
	LOAD_ERR("frame pointer r10 is read only", MOV(R10, 0), EXIT);
	/* The ninth frame is refused at the call that would make it.  F is
	 * first walked from depth 2 (fine), then reached from depth 7. */
	LOAD_ERR("insn 15: call depth exceeds 8 frames",
		 BPFRT_CALL_REL(14), BPFRT_CALL_REL(1), EXIT,
		 /* 3 */ BPFRT_CALL_REL(1), EXIT,
		 /* 5 */ BPFRT_CALL_REL(1), EXIT,
		 /* 7 */ BPFRT_CALL_REL(1), EXIT,
		 /* 9 */ BPFRT_CALL_REL(1), EXIT,
		 /* 11 */ BPFRT_CALL_REL(1), EXIT,
		 /* 13 */ BPFRT_CALL_REL(1), EXIT,
		 /* 15: F */ BPFRT_CALL_REL(1), EXIT,
		 /* 17: G */ MOV(R0, 0), EXIT);
	LOAD_ERR("insn 14: call depth exceeds 8 frames",
		 BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(1), EXIT,
		 BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(1), EXIT,
		 BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(1), EXIT, MOV(R0, 9), EXIT);
	/* the same shape one frame shallower loads */
	const struct bpfrt_insn ok8[] = {
		BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(1), EXIT,
		BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(1), EXIT, BPFRT_CALL_REL(1), EXIT,
		BPFRT_CALL_REL(1), EXIT, MOV(R0, 8), EXIT,
	};
	check_run(__LINE__, ok8, N(ok8), NULL, 0, NULL, 0, 0, 8, NULL, false);

	/* options: NULL opts, old opts size, accessor */
	const struct bpfrt_insn ret1[] = { MOV(R0, 1), EXIT };
	struct bpfrt_prog *p = bpfrt_prog__load_insns(ret1, N(ret1), NULL);
	T_CHECK(p, "load with NULL opts");
	size_t cnt = 0;
	const struct bpfrt_insn *ins = bpfrt_prog__insns(p, &cnt);
	T_CHECK(cnt == 2 && ins && ins[0].imm == 1, "bpfrt_prog__insns");
	struct bpfrt_run_opts old;
	memset(&old, 0, sizeof(old));
	old.sz = offsetof(struct bpfrt_run_opts, err_buf);	/* predates err_buf */
	old.err_buf = (char *)1;	/* must not be touched */
	T_CHECK(p && bpfrt_prog__run(p, &old) == 0 && old.retval == 1, "old-size run opts");
	BPFRT_OPTS(bpfrt_run_opts, jit, .engine = BPFRT_ENGINE_JIT, .err_buf = log,
		   .err_size = sizeof(log));
	T_CHECK(bpfrt_prog__run(p, &jit) == 0 && jit.retval == 1, "jit engine: %s", log);
	BPFRT_OPTS(bpfrt_run_opts, rep, .repeat = 100);
	T_CHECK(bpfrt_prog__run(p, &rep) == 0 && rep.retval == 1 && rep.insn_cnt == 2,
		"repeat");
	bpfrt_prog__free(p);
	bpfrt_prog__free(NULL);

	enum bpfrt_engine e;
	T_CHECK(bpfrt_engine_from_str("interp-switch", &e) == 0 &&
		e == BPFRT_ENGINE_INTERP_SWITCH, "engine from str");
	T_CHECK(bpfrt_engine_from_str("jit", &e) == 0 && e == BPFRT_ENGINE_JIT, "jit str");
	T_CHECK(bpfrt_engine_from_str("fast", &e) == -EINVAL, "bad engine str");
	T_CHECK(!strcmp(bpfrt_engine_str(BPFRT_ENGINE_INTERP), "interp"), "engine str");
	T_CHECK(!strcmp(bpfrt_engine_str(BPFRT_ENGINE_DEFAULT), "default"), "engine str");
}

/* ---- threads ----------------------------------------------------------- */

#define THREAD_ITERS 20000
struct thread_arg {
	struct bpfrt_prog *prog;
	uint64_t *shared;
	enum bpfrt_check_mode check;
	int rc;
};

static void *thread_fn(void *a)
{
	struct thread_arg *t = a;
	BPFRT_OPTS(bpfrt_run_opts, ro, .ctx = t->shared, .ctx_size = 16, .check = t->check);
	t->rc = bpfrt_prog__run(t->prog, &ro);
	return NULL;
}

static void test_threads(void)
{
	const struct bpfrt_insn add[] = {
		MOV(R2, 1), MOV(R3, 0),
		/* 2 */ BPFRT_ATOMIC_OP(BPFRT_DW, BPFRT_ADD, R1, R2, 0),
		MOV(R4, 1), BPFRT_ATOMIC_OP(BPFRT_W, BPFRT_ADD | BPFRT_FETCH, R1, R4, 8),
		BPFRT_ALU64_IMM(BPFRT_ADD, R3, 1),
		BPFRT_JMP_IMM(BPFRT_JLT, R3, THREAD_ITERS, -5),
		MOV(R0, 0), EXIT,
	};
	char log[128];
	struct bpfrt_prog *p = load(add, N(add), log, sizeof(log));
	T_CHECK(p, "load: %s", log);
	for (int mode = 0; p && mode < 2; mode++) {
		_Alignas(8) uint64_t shared[2] = { 0, 0 };
		pthread_t th[4];
		struct thread_arg args[4];
		for (int i = 0; i < 4; i++) {
			args[i] = (struct thread_arg){ p, shared,
				mode ? BPFRT_CHECK_NEVER : BPFRT_CHECK_ALWAYS, -1 };
			pthread_create(&th[i], NULL, thread_fn, &args[i]);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			T_CHECK(args[i].rc == 0, "thread run %d", args[i].rc);
		}
		T_EQ_U64(shared[0], 4 * THREAD_ITERS, "atomic add total");
		T_EQ_U64(shared[1], 4 * THREAD_ITERS, "atomic fetch add32 total");
	}
	bpfrt_prog__free(p);
}

/* ---- speed (informational) --------------------------------------------- */

static void bench(void)
{
	/* 1M iterations of a two-instruction loop. */
	const struct bpfrt_insn loop[] = {
		MOV(R0, 0), BPFRT_ALU64_IMM(BPFRT_ADD, R0, 1),
		BPFRT_JMP_IMM(BPFRT_JLT, R0, 1000000, -2), EXIT,
	};
	struct bpfrt_prog *p = load(loop, N(loop), NULL, 0);
	for (size_t v = 0; p && v < N(variants); v++) {
		BPFRT_OPTS(bpfrt_run_opts, ro, .engine = variants[v].engine,
			   .check = variants[v].check, .repeat = 3);
		int rc = bpfrt_prog__run(p, &ro);
		T_CHECK(rc == 0 && ro.retval == 1000000 && ro.insn_cnt == 2000002, "bench run");
		printf("bench %-17s %.2f ns/insn\n", variants[v].name,
		       (double)ro.duration_ns / (double)ro.insn_cnt);
	}
	bpfrt_prog__free(p);
}

int main(void)
{
	bpfrt_set_print(NULL);
	test_alu();
	test_mem();
	test_atomic();
	test_jmp();
	test_calls();
	test_ldabs();
	test_checked();
	test_load();
	test_threads();
	bench();
	return t_done("vm");
}
