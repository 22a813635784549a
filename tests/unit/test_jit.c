/* SPDX-License-Identifier: MIT */
/*
 * The JIT against the interpreter, which is the reference:
 *  1. every .data file in tests/isa and the upstream conformance vectors,
 *     checked and unchecked, blinded and not: the expected result or error,
 *     and the same rc / r0 / instruction count / memory as the interpreter;
 *  2. per-family edge cases generated over every register pair (the x86
 *     register roles - rax/rdx in division, rcx in shifts, rax in cmpxchg -
 *     are where a translation goes wrong) and interesting values;
 *  3. thousands of randprog programs with random initial registers and
 *     memory.
 * Programs fold every register into r0 at the end, so r0 compares them all.
 */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "bpfrt/map.h"
#include "helpers/helpers.h"
#include "jit/jit.h"
#include "lib/randprog.h"
#include "lib/isadata.h"
#include "lib/t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LIMIT 1000000

static uint64_t h_unwind(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			 struct bpfrt_run_ctx *ctx)
{
	return a;
}

static uint64_t h_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		      struct bpfrt_run_ctx *ctx)
{
	return a + b + c + d + e;
}

static uint64_t h_mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		      struct bpfrt_run_ctx *ctx)
{
	return (a * 0x9e3779b97f4a7c15ull) ^ (b >> 3) ^ (c << 7) ^ (d + 1) ^ ~e;
}

static const struct bpfrt_helper_def helpers[] = {
	{ 1, "mix", h_mix, 0 },
	{ 5, "unwind", h_unwind, BPFRT_HELPER_F_UNWIND },
	{ 6, "sum", h_sum, 0 },
};

/* ---- running one program on one engine ------------------------------------ */

struct outcome {
	int rc;
	uint64_t r0, cnt;
	uint8_t mem[4096];
	char err[256];
};

static _Thread_local const struct bpfrt_jit_image *cur_img;

static int exec_cur(struct bpfrt_run_ctx *rc)
{
	return bpfrt__jit_exec_image(rc, cur_img);
}

/* img NULL: the interpreter.  The stack is static so r10 is the same in
 * both runs (programs may leak it into r0). */
static void run(const struct bpfrt_prog *prog, const struct bpfrt_jit_image *img, bool checked,
		const uint8_t *mem, size_t len, const uint64_t *args, struct outcome *o)
{
	static _Alignas(16) uint8_t stack[VM_STACK_BYTES];
	static _Alignas(16) uint8_t work[4096];
	memset(stack, 0, sizeof(stack));
	if (len)
		memcpy(work, mem, len);
	o->err[0] = '\0';
	struct bpfrt_run_ctx rc = {
		.ctx_lo = (uintptr_t)(len ? work : NULL),
		.ctx_hi = (uintptr_t)(len ? work : NULL) + len,
		.pkt = len ? work : NULL,
		.pkt_size = len,
		.insn_limit = LIMIT,
		.args = { (uintptr_t)(len ? work : NULL), len },
		.err_buf = o->err,
		.err_size = sizeof(o->err),
	};
	o->rc = bpfrt__vm_prepare(prog, &rc, BPFRT_ENGINE_INTERP,
				  checked ? BPFRT_CHECK_ALWAYS : BPFRT_CHECK_NEVER, stack,
				  sizeof(stack));
	if (o->rc)
		return;
	if (args)
		memcpy(rc.args, args, sizeof(rc.args));
	if (img) {
		cur_img = img;
		rc.exec = exec_cur;
	}
	o->rc = bpfrt__vm_run_once(prog, &rc, stack, sizeof(stack));
	o->r0 = o->rc ? 0 : rc.retval;
	o->cnt = rc.insn_cnt;
	memcpy(o->mem, work, len);
	bpfrt__vm_regions_free(&rc);
}

static struct bpfrt_prog *load(const struct bpfrt_insn *insns, size_t cnt, char *err,
			       size_t err_size)
{
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = "t", .helpers = helpers,
		   .helper_cnt = N(helpers), .log_buf = err, .log_size = err_size);
	return bpfrt_prog__load_insns(insns, cnt, &lo);
}

static unsigned mismatches;

/*
 * Run prog on the interpreter and on the JIT (checked and unchecked, plain
 * and blinded) and compare.  Unchecked runs are only compared when the
 * checked interpreter run succeeded (a faulting program is undefined
 * unchecked).  Returns the interpreter's checked outcome in *ref.
 */
static bool compare(const char *what, const struct bpfrt_prog *prog, const uint8_t *mem,
		    size_t len, const uint64_t *args, struct outcome *ref)
{
	static struct outcome a, b;
	bool ok = true;
	int ref_rc = 0;
	for (int v = 0; v < 4; v++) {
		bool checked = v < 2, blind = v & 1;
		if (!checked && ref_rc)
			break;
		run(prog, NULL, checked, mem, len, args, &a);
		if (v == 0) {
			ref_rc = a.rc;
			if (ref)
				*ref = a;
		}
		struct bpfrt_jit_image *img = NULL;
		char err[256];
		int rc = bpfrt__jit_compile(prog, checked, blind, &img, err, sizeof(err));
		if (rc) {
			t_fail(__FILE__, __LINE__, "%s: compile: %s", what, err);
			return false;
		}
		run(prog, img, checked, mem, len, args, &b);
		bpfrt__jit_free(img);
		bool same = a.rc == b.rc && !memcmp(a.mem, b.mem, len) &&
			    (a.rc ? !strcmp(a.err, b.err) : a.r0 == b.r0) &&
			    (!checked || a.cnt == b.cnt);
		if (!same) {
			mismatches++;
			t_fail(__FILE__, __LINE__,
			       "%s [%s%s]: interp rc %d r0 0x%" PRIx64 " cnt %" PRIu64 " '%s' / jit "
			       "rc %d r0 0x%" PRIx64 " cnt %" PRIu64 " '%s' mem %s",
			       what, checked ? "checked" : "unchecked", blind ? ",blind" : "",
			       a.rc, a.r0, a.cnt, a.err, b.rc, b.r0, b.cnt, b.err,
			       memcmp(a.mem, b.mem, len) ? "differs" : "same");
			ok = false;
		} else {
			t_passed++;
		}
	}
	return ok;
}

/* ---- 1. data files --------------------------------------------------------- */

static bool run_file(const char *path)
{
	size_t flen;
	char *buf = t_read_file(path, &flen);
	if (!buf)
		return false;
	struct t_isadata c;
	t_isadata_parse(buf, &c);
	char *as = c.asm_text, *mem_t = c.mem_text, *res = c.result, *error = c.error;
	bool ok = true;
	struct bpfrt_insn *insns = NULL;
	size_t cnt = 0;
	char err[256];
	static uint8_t mem[4096];
	size_t len = t_isadata_mem(mem_t, mem, sizeof(mem));
	struct bpfrt_prog *prog = NULL;
	if (as && !bpfrt_asm(as, &insns, &cnt, err, sizeof(err)))
		prog = load(insns, cnt, err, sizeof(err));
	if (prog) {
		struct outcome ref;
		ok = compare(path, prog, mem, len, NULL, &ref);
		if (ok && res && (ref.rc || ref.r0 != strtoull(res, NULL, 0))) {
			t_fail(__FILE__, __LINE__, "%s: r0 0x%" PRIx64 ", want %s", path, ref.r0, res);
			ok = false;
		}
		if (ok && error && (!ref.rc || !strstr(ref.err, error))) {
			t_fail(__FILE__, __LINE__, "%s: error '%s', want '%s'", path, ref.err, error);
			ok = false;
		}
	}
	bpfrt_prog__free(prog);
	free(insns);
	free(buf);
	return ok;
}

static unsigned run_dir(const char *dir, unsigned *failed)
{
	DIR *d = opendir(dir);
	unsigned n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".data"))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n++;
		if (!run_file(path))
			(*failed)++;
	}
	closedir(d);
	return n;
}

/* ---- 2. per-family edge cases over register pairs ------------------------ */

static const uint64_t vals[] = {
	0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 0xff, 0x8000, 0xffff, 0x7fffffff,
	0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
	0x8000000000000000ull, 0xffffffffffffffffull, 0xfffffffffffffffeull,
	0xffffffff80000000ull, 0x123456789abcdef0ull, 0xfedcba9876543210ull,
};

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	return randprog_next(&rng);
}

static uint64_t pick(void)
{
	return (rnd() & 3) ? vals[rnd() % N(vals)] : rnd();
}

/* r0..r9 = v[0..9] (lddw), the test instruction(s), then fold r0..r9 into r0
 * with a multiply-xor chain. */
static size_t wrap(struct bpfrt_insn *p, const uint64_t v[10], const struct bpfrt_insn *body,
		   size_t n)
{
	size_t k = 0;
	for (int r = 0; r <= 9; r++) {
		struct bpfrt_insn ld[2] = { BPFRT_LD_IMM64(r, v[r]) };
		p[k++] = ld[0];
		p[k++] = ld[1];
	}
	memcpy(&p[k], body, n * sizeof(*body));
	k += n;
	for (int r = 1; r <= 9; r++) {
		p[k++] = BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07);
		p[k++] = BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, r);
	}
	p[k++] = BPFRT_EXIT_INSN();
	return k;
}

static void edge_prog(const char *what, const struct bpfrt_insn *body, size_t n,
		      const uint64_t v[10], const uint8_t *mem, size_t len)
{
	struct bpfrt_insn p[128];
	size_t k = wrap(p, v, body, n);
	char err[256];
	struct bpfrt_prog *prog = load(p, k, err, sizeof(err));
	if (!prog) {
		t_fail(__FILE__, __LINE__, "%s: load: %s", what, err);
		return;
	}
	compare(what, prog, mem, len, NULL, NULL);
	bpfrt_prog__free(prog);
}

static void edge_alu(void)
{
	static const uint8_t ops[] = { BPFRT_ADD, BPFRT_SUB, BPFRT_MUL, BPFRT_DIV, BPFRT_OR,
				       BPFRT_AND, BPFRT_LSH, BPFRT_RSH, BPFRT_MOD, BPFRT_XOR,
				       BPFRT_MOV, BPFRT_ARSH };
	char what[96];
	for (size_t o = 0; o < N(ops); o++)
		for (int cls = 0; cls < 2; cls++)
			for (int sgn = 0; sgn < 2; sgn++) {
				int op = ops[o];
				if (sgn && op != BPFRT_DIV && op != BPFRT_MOD && op != BPFRT_MOV)
					continue;
				for (int d = 0; d <= 9; d++)
					for (int s = 0; s <= 9; s++) {
						uint64_t v[10];
						for (int r = 0; r < 10; r++)
							v[r] = pick();
						int16_t off = (int16_t)(sgn ? 1 : 0);
						if (op == BPFRT_MOV && sgn)
							off = (int16_t)(8 << (rnd() % (cls ? 3 : 2)));
						struct bpfrt_insn in = BPFRT_RAW_INSN(
							(cls ? BPFRT_ALU64 : BPFRT_ALU) | op | BPFRT_X,
							d, s, off, 0);
						snprintf(what, sizeof(what), "alu%d op 0x%x off %d r%d,r%d",
							 cls ? 64 : 32, op, off, d, s);
						edge_prog(what, &in, 1, v, NULL, 0);
						/* K form with an interesting immediate */
						if (s == 0 && !(op == BPFRT_MOV && sgn)) {
							int32_t imm = (int32_t)pick();
							in = BPFRT_RAW_INSN((cls ? BPFRT_ALU64 : BPFRT_ALU) |
									    op | BPFRT_K, d, 0, off, imm);
							snprintf(what, sizeof(what),
								 "alu%d op 0x%x off %d r%d, %d",
								 cls ? 64 : 32, op, off, d, imm);
							edge_prog(what, &in, 1, v, NULL, 0);
						}
					}
			}
	/* multiplications the JIT strength-reduces (lea, shl) and around */
	static const int32_t muls[] = { 0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 16, 1 << 30, INT32_MIN,
					-1, -2, -3, -5, -9 };
	for (size_t m = 0; m < N(muls); m++)
		for (int cls = 0; cls < 2; cls++)
			for (int d = 0; d <= 9; d++) {
				uint64_t v[10];
				for (int r = 0; r < 10; r++)
					v[r] = pick();
				struct bpfrt_insn in = BPFRT_RAW_INSN(
					(cls ? BPFRT_ALU64 : BPFRT_ALU) | BPFRT_MUL | BPFRT_K, d, 0, 0,
					muls[m]);
				snprintf(what, sizeof(what), "mul%d r%d, %d", cls ? 64 : 32, d, muls[m]);
				edge_prog(what, &in, 1, v, NULL, 0);
			}
	/* neg and byte swaps */
	for (int d = 0; d <= 9; d++) {
		uint64_t v[10];
		for (int r = 0; r < 10; r++)
			v[r] = rnd();
		struct bpfrt_insn ins[] = {
			BPFRT_NEG64(d), BPFRT_NEG32(d),
			BPFRT_ENDIAN(BPFRT_TO_LE, d, 16), BPFRT_ENDIAN(BPFRT_TO_LE, d, 32),
			BPFRT_ENDIAN(BPFRT_TO_LE, d, 64), BPFRT_ENDIAN(BPFRT_TO_BE, d, 16),
			BPFRT_ENDIAN(BPFRT_TO_BE, d, 32), BPFRT_ENDIAN(BPFRT_TO_BE, d, 64),
			BPFRT_BSWAP(d, 16), BPFRT_BSWAP(d, 32), BPFRT_BSWAP(d, 64),
		};
		for (size_t i = 0; i < N(ins); i++) {
			snprintf(what, sizeof(what), "neg/end #%zu r%d", i, d);
			edge_prog(what, &ins[i], 1, v, NULL, 0);
		}
	}
}

/* Exact division edge values on both widths, K and X. */
static void edge_div(void)
{
	static const int64_t dv[] = { INT64_MIN, INT32_MIN, -1, 0, 1, 7, -7, INT32_MAX,
				      (int64_t)0x80000000, (int64_t)0xffffffff };
	char what[96];
	for (size_t a = 0; a < N(dv); a++)
		for (size_t b = 0; b < N(dv); b++)
			for (int op = 0; op < 2; op++)
				for (int cls = 0; cls < 2; cls++)
					for (int sgn = 0; sgn < 2; sgn++) {
						uint64_t v[10] = { 0 };
						v[3] = (uint64_t)dv[a];
						v[4] = (uint64_t)dv[b];
						unsigned c = (cls ? BPFRT_ALU64 : BPFRT_ALU) |
							     (op ? BPFRT_MOD : BPFRT_DIV);
						struct bpfrt_insn in[2] = {
							BPFRT_RAW_INSN(c | BPFRT_X, 3, 4, sgn, 0),
							BPFRT_RAW_INSN(c | BPFRT_K, 4, 0, sgn,
								       (int32_t)dv[a]),
						};
						snprintf(what, sizeof(what), "div %zu %zu %d%d%d", a, b,
							 op, cls, sgn);
						edge_prog(what, in, 2, v, NULL, 0);
					}
}

static void edge_jmp(void)
{
	static const uint8_t ops[] = { BPFRT_JEQ, BPFRT_JGT, BPFRT_JGE, BPFRT_JSET, BPFRT_JNE,
				       BPFRT_JSGT, BPFRT_JSGE, BPFRT_JLT, BPFRT_JLE, BPFRT_JSLT,
				       BPFRT_JSLE };
	char what[96];
	for (size_t o = 0; o < N(ops); o++)
		for (int cls = 0; cls < 2; cls++)
			for (int i = 0; i < 40; i++) {
				uint64_t v[10];
				for (int r = 0; r < 10; r++)
					v[r] = pick();
				int d = (int)(rnd() % 10), s = (int)(rnd() % 10);
				if (rnd() & 1)
					v[s] = v[d] ^ (rnd() & 1 ? 0 : 0xffffffff00000000ull);
				unsigned c = (cls ? BPFRT_JMP32 : BPFRT_JMP) | ops[o];
				struct bpfrt_insn in[3] = {
					(rnd() & 1) ? BPFRT_RAW_INSN(c | BPFRT_X, d, s, 1, 0)
						    : BPFRT_RAW_INSN(c | BPFRT_K, d, 0, 1, (int32_t)v[s]),
					BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_9, 1000),
					BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_9, 1),
				};
				snprintf(what, sizeof(what), "jmp 0x%x r%d r%d", c, d, s);
				edge_prog(what, in, 3, v, NULL, 0);
			}
}

/* Loads, stores and atomics: base r10 (stack) or a register set to the
 * context; every value register. */
static void edge_mem(void)
{
	static const int atomics[] = { BPFRT_ADD, BPFRT_OR, BPFRT_AND, BPFRT_XOR,
				       BPFRT_ADD | BPFRT_FETCH, BPFRT_OR | BPFRT_FETCH,
				       BPFRT_AND | BPFRT_FETCH, BPFRT_XOR | BPFRT_FETCH,
				       BPFRT_XCHG, BPFRT_CMPXCHG };
	static const uint8_t sizes[] = { BPFRT_B, BPFRT_H, BPFRT_W, BPFRT_DW };
	uint8_t mem[64];
	char what[96];
	for (int iter = 0; iter < 3; iter++)
		for (int b = 0; b <= 9; b++)
			for (int s = 0; s <= 9; s++) {
				if (s == b)
					continue;
				for (size_t i = 0; i < sizeof(mem); i++)
					mem[i] = (uint8_t)rnd();
				uint64_t v[10];
				for (int r = 0; r < 10; r++)
					v[r] = pick();
				if (iter == 2)
					v[0] = 0;	/* cmpxchg success on zeroed memory */
				for (size_t z = 0; z < N(sizes); z++) {
					int sz = sizes[z];
					struct bpfrt_insn in[] = {
						BPFRT_MOV64_REG(b, BPFRT_REG_1),
						BPFRT_LDX_MEM(sz, s, b, 8),
						BPFRT_STX_MEM(sz, b, s, 16),
						BPFRT_ST_MEM(sz, b, 24, (int32_t)v[s]),
						BPFRT_LDX_MEMSX(sz == BPFRT_DW ? BPFRT_W : sz, s, b, 17),
						BPFRT_STX_MEM(sz, BPFRT_REG_10, s, -8),
						BPFRT_LDX_MEM(sz, s, BPFRT_REG_10, -8),
					};
					/* r1 is the ctx pointer: keep it unless it is b */
					uint64_t vv[10];
					memcpy(vv, v, sizeof(vv));
					snprintf(what, sizeof(what), "mem size %d base r%d val r%d", sz, b, s);
					struct bpfrt_insn p[128];
					size_t k = 0;
					for (int r = 0; r <= 9; r++) {
						if (r == 1)
							continue;
						struct bpfrt_insn ld[2] = { BPFRT_LD_IMM64(r, vv[r]) };
						p[k++] = ld[0];
						p[k++] = ld[1];
					}
					memcpy(&p[k], in, sizeof(in));
					k += N(in);
					for (size_t a = 0; a < N(atomics); a++) {
						int w = a & 1 ? BPFRT_W : BPFRT_DW;
						if (iter == 2)
							p[k++] = BPFRT_ST_MEM(BPFRT_DW, b, 32, 0);
						p[k++] = BPFRT_ATOMIC_OP(w, atomics[a], b, s, 32);
						p[k++] = BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_9, s);
						p[k++] = BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_9, BPFRT_REG_0);
					}
					for (int r = 1; r <= 9; r++) {
						if (r == b || r == 1)
							continue;
						p[k++] = BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07);
						p[k++] = BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, r);
					}
					p[k++] = BPFRT_EXIT_INSN();
					char err[256];
					struct bpfrt_prog *prog = load(p, k, err, sizeof(err));
					if (!prog) {
						t_fail(__FILE__, __LINE__, "%s: load: %s", what, err);
						continue;
					}
					compare(what, prog, mem, sizeof(mem), NULL, NULL);
					bpfrt_prog__free(prog);
				}
			}
}

/* Helpers, local calls, callx, unwind: main part, fold, exit, then the
 * subprogram f (which clobbers r6-r9 and uses its own stack). */
static void edge_calls(void)
{
	char what[64], err[256];
	for (int i = 0; i < 60; i++) {
		uint64_t v[10];
		for (int r = 0; r < 10; r++)
			v[r] = pick();
		struct bpfrt_insn body[] = {
			BPFRT_CALL_HELPER(1),			/* r0 = mix(r1..r5) */
			BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_6, BPFRT_REG_0),
			BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_7, BPFRT_REG_1),
			BPFRT_MOV64_IMM(BPFRT_REG_8, 6),
			BPFRT_CALLX(BPFRT_REG_8),		/* r0 = sum(r1..r5) */
			BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_6, BPFRT_REG_0),
			BPFRT_CALL_REL(0),			/* f, patched below */
			BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_6, BPFRT_REG_0),
			BPFRT_MOV64_IMM(BPFRT_REG_1, (int32_t)(v[1] & 1)),
			BPFRT_CALL_HELPER(5),			/* unwind when r1 is 0 */
			BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_6, 1),
		};
		struct bpfrt_insn f[] = {
			BPFRT_MOV64_IMM(BPFRT_REG_6, 11),
			BPFRT_MOV64_IMM(BPFRT_REG_9, 12),
			BPFRT_STX_MEM(BPFRT_DW, BPFRT_REG_10, BPFRT_REG_1, -8),
			BPFRT_LDX_MEM(BPFRT_DW, BPFRT_REG_0, BPFRT_REG_10, -8),
			BPFRT_ALU64_REG(BPFRT_SUB, BPFRT_REG_0, BPFRT_REG_10),
			BPFRT_CALL_HELPER(1),
			BPFRT_EXIT_INSN(),
		};
		struct bpfrt_insn p[96];
		size_t k = wrap(p, v, body, N(body));
		size_t call = 20 + 6;
		p[call].imm = (int32_t)(k - call - 1);
		memcpy(&p[k], f, sizeof(f));
		k += N(f);
		snprintf(what, sizeof(what), "calls #%d", i);
		struct bpfrt_prog *prog = load(p, k, err, sizeof(err));
		if (!prog) {
			t_fail(__FILE__, __LINE__, "%s: load: %s", what, err);
			continue;
		}
		compare(what, prog, NULL, 0, NULL, NULL);
		bpfrt_prog__free(prog);
	}
	/* callx to an unknown id: an error with the interpreter's message */
	uint64_t v[10] = { 0 };
	struct bpfrt_insn bad[] = { BPFRT_MOV64_IMM(BPFRT_REG_2, 99), BPFRT_CALLX(BPFRT_REG_2) };
	edge_prog("callx unknown", bad, N(bad), v, NULL, 0);
}

/*
 * If-conversion (unchecked images): a random conditional jump over a
 * random block of ALU operations and stack stores - landing right after
 * it, or the block ending with a jump to where the skipping jump lands,
 * forwards or back to a loop head whose condition changes per iteration.
 * Registers and the stack are folded into r0.
 */
static void edge_ifc(void)
{
	static const uint8_t alu[] = { BPFRT_ADD, BPFRT_SUB, BPFRT_MUL, BPFRT_OR, BPFRT_AND,
				       BPFRT_XOR, BPFRT_MOV, BPFRT_LSH, BPFRT_RSH, BPFRT_ARSH };
	static const uint8_t jops[] = { BPFRT_JEQ, BPFRT_JGT, BPFRT_JGE, BPFRT_JSET, BPFRT_JNE,
					BPFRT_JSGT, BPFRT_JSGE, BPFRT_JLT, BPFRT_JLE, BPFRT_JSLT,
					BPFRT_JSLE };
	static const uint8_t sizes[] = { BPFRT_B, BPFRT_H, BPFRT_W, BPFRT_DW };
	char what[64], err[256];
	for (int iter = 0; iter < 2000; iter++) {
		int shape = iter % 3;	/* triangle, jump forward, loop */
		struct bpfrt_insn p[128], b[8];
		size_t k = 0, nb = 1 + rnd() % 6;
		for (size_t i = 0; i < nb; i++) {
			/* few registers: blocks that write, store and rewrite one */
			int dst = (int)(rnd() % (iter & 4 ? 10 : 3));
			int src = (int)(rnd() % (iter & 4 ? 11 : 3));
			if (shape == 2 && dst == 8)
				dst = 7;	/* r8 counts the loop */
			unsigned r = (unsigned)(rnd() % 10);
			int cls = rnd() & 1 ? BPFRT_ALU64 : BPFRT_ALU;
			if (r < 3) {
				int sz = sizes[rnd() % 4];
				int16_t off = (int16_t)(-8 * (int)(1 + rnd() % 8) + (int)(rnd() % 2) * 2);
				b[i] = rnd() & 1 ? BPFRT_STX_MEM(sz, BPFRT_REG_10, src, off)
						 : BPFRT_ST_MEM(sz, BPFRT_REG_10, off, (int32_t)pick());
			} else if (r == 3) {
				b[i] = BPFRT_RAW_INSN(cls | BPFRT_NEG, dst, 0, 0, 0);
			} else if (r == 4) {
				int bits = 8 << (rnd() % (cls == BPFRT_ALU64 ? 3 : 2));
				b[i] = BPFRT_RAW_INSN(cls | BPFRT_MOV | BPFRT_X, dst, src % 10, bits, 0);
			} else {
				int op = alu[rnd() % N(alu)];
				bool shift = op == BPFRT_LSH || op == BPFRT_RSH || op == BPFRT_ARSH;
				if (shift || rnd() & 1)
					b[i] = BPFRT_RAW_INSN(cls | op | BPFRT_K, dst, 0, 0,
							      shift ? (int32_t)(rnd() % (cls == BPFRT_ALU64 ? 64 : 32))
								    : (int32_t)pick());
				else
					b[i] = BPFRT_RAW_INSN(cls | op | BPFRT_X, dst, src, 0, 0);
			}
		}
		int jc = (rnd() & 1 ? BPFRT_JMP : BPFRT_JMP32) | jops[rnd() % N(jops)];
		int cd = (int)(rnd() % 10), cs = (int)(rnd() % 10);
		uint64_t v[10];
		for (int r = 0; r < 10; r++)
			v[r] = pick();
		if (rnd() & 1)
			v[cs] = v[cd] ^ (rnd() & 1 ? 0 : 1);
		int32_t cimm = (rnd() & 3) ? (int32_t)v[cs] : 0;
		bool kform = rnd() & 1;
		for (int r = 0; r <= 9; r++) {
			struct bpfrt_insn ld[2] = { BPFRT_LD_IMM64(r, v[r]) };
			p[k++] = ld[0];
			p[k++] = ld[1];
		}
		for (int s = 1; s <= 8; s++)
			p[k++] = BPFRT_ST_MEM(BPFRT_DW, BPFRT_REG_10, (int16_t)(-8 * s), s * 0x1010101);
		size_t head = 0, out_jump = 0;
		if (shape == 2) {
			p[k++] = BPFRT_MOV64_IMM(BPFRT_REG_8, (int32_t)(2 + rnd() % 12));
			head = k;
			p[k++] = BPFRT_ALU64_IMM(BPFRT_SUB, BPFRT_REG_8, 1);
			out_jump = k;
			p[k++] = BPFRT_JMP_IMM(BPFRT_JEQ, BPFRT_REG_8, 0, 0);	/* patched */
			if (cd != 8) {	/* the condition changes per iteration */
				p[k++] = BPFRT_ALU64_IMM(BPFRT_MUL, cd, 0x5851f42d);
				p[k++] = BPFRT_ALU64_REG(BPFRT_ADD, cd, BPFRT_REG_8);
			}
		}
		size_t cj = k;
		p[k++] = kform ? BPFRT_RAW_INSN(jc | BPFRT_K, cd, 0, 0, cimm)
			       : BPFRT_RAW_INSN(jc | BPFRT_X, cd, cs, 0, 0);
		memcpy(&p[k], b, nb * sizeof(*b));
		k += nb;
		if (shape == 0) {
			p[cj].off = (int16_t)nb;
		} else if (shape == 1) {
			p[k++] = BPFRT_JMP_A(1);
			p[k++] = BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_9, 1000);	/* never runs */
			p[cj].off = (int16_t)(nb + 2);
		} else {
			p[k] = BPFRT_JMP_A((int16_t)((int64_t)head - (int64_t)k - 1));
			k++;
			p[cj].off = (int16_t)((int64_t)head - (int64_t)cj - 1);
			p[out_jump].off = (int16_t)(k - out_jump - 1);
		}
		for (int r = 1; r <= 9; r++) {
			p[k++] = BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07);
			p[k++] = BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, r);
		}
		for (int s = 1; s <= 8; s++) {
			p[k++] = BPFRT_LDX_MEM(BPFRT_DW, BPFRT_REG_1, BPFRT_REG_10, (int16_t)(-8 * s));
			p[k++] = BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07);
			p[k++] = BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_1);
		}
		p[k++] = BPFRT_EXIT_INSN();
		snprintf(what, sizeof(what), "ifc #%d shape %d", iter, shape);
		struct bpfrt_prog *prog = load(p, k, err, sizeof(err));
		if (!prog) {
			t_fail(__FILE__, __LINE__, "%s: load: %s", what, err);
			continue;
		}
		compare(what, prog, NULL, 0, NULL, NULL);
		bpfrt_prog__free(prog);
	}
}

/* ---- 3. random programs ---------------------------------------------------- */

static void random_progs(unsigned n)
{
	static struct bpfrt_insn p[RANDPROG_MAX_SLOTS(200)];
	char what[64], err[256];
	uint8_t mem[256];
	for (unsigned i = 0; i < n; i++) {
		struct randprog_cfg cfg = {
			.body_len = 20 + (unsigned)(rnd() % 180),
			.jump_pct = (unsigned)(rnd() % 40),
			.mem_pct = (unsigned)(rnd() % 40),
		};
		size_t cnt = randprog_gen(i * 7919u + 1, &cfg, RANDPROG_EPI_FOLD, p, N(p));
		struct bpfrt_prog *prog = load(p, cnt, err, sizeof(err));
		if (!prog) {
			t_fail(__FILE__, __LINE__, "randprog %u: load: %s", i, err);
			continue;
		}
		uint64_t args[5];
		for (int a = 0; a < 5; a++)
			args[a] = pick();
		for (size_t b = 0; b < sizeof(mem); b++)
			mem[b] = (uint8_t)rnd();
		snprintf(what, sizeof(what), "randprog seed %u", i * 7919u + 1);
		compare(what, prog, mem, sizeof(mem), args, NULL);
		bpfrt_prog__free(prog);
	}
}

/* ---- 4. tail calls and inline map lookups (unchecked images) ------------ */

/*
 * Unchecked images jump to a tail call's target directly and look elements
 * of a constant array / per-CPU array map up inline.  These run through
 * bpfrt__vm_prepare with the engines and check modes the runtime uses
 * (the default images from the program's cache, so tail calls reach the
 * targets' images) and compare every run with the interpreter: rc, r0,
 * error text and the maps' contents.
 */
static const struct bpfrt_helper_def *kh_tail, *kh_lookup;

static struct bpfrt_helper_def map_helpers[2];

static void find_map_helpers(void)
{
	size_t n = 0;
	const struct bpfrt_helper_def *h = bpfrt__helpers_for_type(BPFRT_PROG_TYPE_XDP, &n);
	for (size_t i = 0; i < n; i++) {
		if (h[i].id == 12)
			kh_tail = &h[i];
		if (h[i].id == 1)
			kh_lookup = &h[i];
	}
	map_helpers[0] = *kh_tail;
	map_helpers[1] = *kh_lookup;
}

static struct bpfrt_prog *load_maps(const char *name, const struct bpfrt_insn *insns, size_t cnt,
				    struct bpfrt_map *const *maps, size_t map_cnt, bool verify)
{
	char err[4096];
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = name, .helpers = map_helpers,
		   .helper_cnt = N(map_helpers), .log_buf = err, .log_size = sizeof(err),
		   .maps = maps, .map_cnt = map_cnt,
		   .verify = verify ? BPFRT_VERIFY_STRICT : BPFRT_VERIFY_OFF);
	struct bpfrt_prog *p = bpfrt_prog__load_insns(insns, cnt, &lo);
	T_CHECK(p, "%s: load: %s", name, err);
	return p;
}

/* One run from prog's entry on engine/check with r1 = mem; cpu as given. */
static void run_eng(const struct bpfrt_prog *prog, enum bpfrt_engine eng,
		    enum bpfrt_check_mode check, unsigned cpu, uint8_t *mem, size_t len,
		    struct outcome *o)
{
	static _Alignas(16) uint8_t stack[VM_STACK_BYTES];
	o->err[0] = '\0';
	struct bpfrt_run_ctx rc = {
		.ctx_lo = (uintptr_t)mem, .ctx_hi = (uintptr_t)mem + len,
		.insn_limit = LIMIT, .cpu = cpu,
		.args = { (uintptr_t)mem, len },
		.err_buf = o->err, .err_size = sizeof(o->err),
	};
	o->rc = bpfrt__vm_prepare(prog, &rc, eng, check, stack, sizeof(stack));
	if (!o->rc)
		o->rc = bpfrt__vm_run_once(prog, &rc, stack, sizeof(stack));
	o->r0 = o->rc ? 0 : rc.retval;
	o->cnt = rc.insn_cnt;
	bpfrt__vm_regions_free(&rc);
}

/* Map contents as user space sees them (values of keys 0..n-1). */
static size_t map_dump(struct bpfrt_map *m, uint8_t *out, size_t cap)
{
	size_t vs = bpfrt_map__user_value_size(m), n = 0;
	for (uint32_t k = 0; k < bpfrt_map__max_entries(m) && n + vs <= cap; k++, n += vs)
		if (bpfrt_map__lookup_elem(m, &k, out + n))
			memset(out + n, 0xee, vs);
	return n;
}

static void map_zero(struct bpfrt_map *m)
{
	static uint8_t zero[1 << 16];
	for (uint32_t k = 0; k < bpfrt_map__max_entries(m); k++)
		bpfrt_map__update_elem(m, &k, zero, 0);
}

/*
 * Run prog (r1 = mem) on the interpreter and the JIT in the check modes
 * given (bit 0 CHECK_ALWAYS, bit 1 NEVER, bit 2 AUTO), the array maps in
 * zero[] zeroed before each run, and compare outcomes and map contents.
 * Returns the JIT's outcome of the last mode in *last.
 */
static void tc_compare(const char *what, const struct bpfrt_prog *prog, unsigned modes,
		       unsigned cpu, const uint8_t *mem, size_t len, struct bpfrt_map *const *zero,
		       size_t nzero, struct outcome *last)
{
	static const enum bpfrt_check_mode cm[] = { BPFRT_CHECK_ALWAYS, BPFRT_CHECK_NEVER,
						    BPFRT_CHECK_AUTO };
	static struct outcome o[2];
	static uint8_t dump[2][8192], buf[2][256], work[256];
	for (int m = 0; m < 3; m++) {
		if (!(modes & (1u << m)))
			continue;
		size_t dl[2] = { 0, 0 };
		for (int e = 0; e < 2; e++) {
			for (size_t z = 0; z < nzero; z++)
				map_zero(zero[z]);
			/* one buffer: programs may fold the ctx pointer into r0 */
			memcpy(work, mem, len);
			run_eng(prog, e ? BPFRT_ENGINE_JIT : BPFRT_ENGINE_INTERP, cm[m], cpu, work,
				len, &o[e]);
			memcpy(buf[e], work, len);
			for (size_t z = 0; z < nzero; z++)
				dl[e] += map_dump(zero[z], dump[e] + dl[e], sizeof(dump[e]) - dl[e]);
		}
		bool same = o[0].rc == o[1].rc && !strcmp(o[0].err, o[1].err) &&
			    o[0].r0 == o[1].r0 && (m != 0 || o[0].cnt == o[1].cnt) &&
			    dl[0] == dl[1] && !memcmp(dump[0], dump[1], dl[0]) &&
			    !memcmp(buf[0], buf[1], len);
		if (!same) {
			mismatches++;
			t_fail(__FILE__, __LINE__,
			       "%s [check mode %d]: interp rc %d r0 0x%" PRIx64 " '%s' / jit rc %d "
			       "r0 0x%" PRIx64 " '%s', maps %s", what, m, o[0].rc, o[0].r0,
			       o[0].err, o[1].rc, o[1].r0, o[1].err,
			       dl[0] == dl[1] && !memcmp(dump[0], dump[1], dl[0]) ? "same" : "differ");
		} else {
			t_passed++;
		}
		if (last)
			*last = o[1];
	}
}

/* Does prog's unchecked image call fn (movabs r11, fn)? */
static bool image_calls(const struct bpfrt_prog *prog, const void *fn)
{
	BPFRT_OPTS(bpfrt_jit_info, ji);
	if (bpfrt_prog__jit_info(prog, false, &ji))
		return false;
	uint64_t a = (uint64_t)(uintptr_t)fn;
	for (size_t i = 0; i + 8 <= ji.image_len; i++)
		if (!memcmp(ji.image + i, &a, 8))
			return true;
	return false;
}

#define LD_MAP(R, I) BPFRT_LD_IMM64_RAW(R, BPFRT_PSEUDO_MAP_IDX, I)

static void tail_calls(void)
{
	struct bpfrt_map *pa = bpfrt_map__create(BPFRT_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 4, NULL);
	struct bpfrt_map *cnt = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "cnt", 4, 8, 2, NULL);
	struct bpfrt_map *in = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "in", 4, 8, 1, NULL);
	T_CHECK(pa && cnt && in, "maps");
	if (!pa || !cnt || !in)
		return;
	struct bpfrt_map *maps[] = { pa, cnt, in };
	char what[96];
	/*
	 * chain: count[0]++ each run; while count[0] < limit (r6, from the
	 * memory at r1) tail-call slot 0 (itself), then slot 1 (empty) and
	 * slot 7 (out of range) which fall through; r0 folds the results.
	 * The context pointer must be the same in every link.
	 */
	struct bpfrt_insn chain[] = {
		BPFRT_MOV64_REG(BPFRT_REG_9, BPFRT_REG_1),
		BPFRT_ST_MEM(BPFRT_W, BPFRT_REG_10, -4, 0),
		BPFRT_MOV64_REG(BPFRT_REG_2, BPFRT_REG_10),
		BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_2, -4),
		LD_MAP(BPFRT_REG_1, 2),
		BPFRT_CALL_HELPER(1),					/* in[0] */
		BPFRT_JMP_IMM(BPFRT_JEQ, BPFRT_REG_0, 0, 34),
		BPFRT_LDX_MEM(BPFRT_DW, BPFRT_REG_6, BPFRT_REG_0, 0),	/* limit */
		LD_MAP(BPFRT_REG_1, 1),
		BPFRT_MOV64_REG(BPFRT_REG_2, BPFRT_REG_10),
		BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_2, -4),
		BPFRT_CALL_HELPER(1),					/* cnt[0] */
		BPFRT_JMP_IMM(BPFRT_JEQ, BPFRT_REG_0, 0, 27),
		BPFRT_MOV64_IMM(BPFRT_REG_1, 1),
		BPFRT_ATOMIC_OP(BPFRT_DW, BPFRT_ADD | BPFRT_FETCH, BPFRT_REG_0, BPFRT_REG_1, 0),
		BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_1, 1),		/* runs so far */
		BPFRT_MOV64_REG(BPFRT_REG_7, BPFRT_REG_1),
		BPFRT_JMP_REG(BPFRT_JGE, BPFRT_REG_1, BPFRT_REG_6, 6),
		BPFRT_MOV64_REG(BPFRT_REG_1, BPFRT_REG_9),
		LD_MAP(BPFRT_REG_2, 0),
		BPFRT_MOV64_IMM(BPFRT_REG_3, 0),
		BPFRT_CALL_HELPER(12),					/* tail call slot 0 */
		BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_7, 1000),		/* it failed */
		BPFRT_MOV64_REG(BPFRT_REG_1, BPFRT_REG_9),
		LD_MAP(BPFRT_REG_2, 0),
		BPFRT_MOV64_IMM(BPFRT_REG_3, 1),
		BPFRT_CALL_HELPER(12),					/* empty slot */
		BPFRT_MOV64_REG(BPFRT_REG_8, BPFRT_REG_0),
		BPFRT_MOV64_REG(BPFRT_REG_1, BPFRT_REG_9),
		LD_MAP(BPFRT_REG_2, 0),
		BPFRT_MOV64_IMM(BPFRT_REG_3, 7),
		BPFRT_CALL_HELPER(12),					/* out of range */
		BPFRT_ALU64_IMM(BPFRT_LSH, BPFRT_REG_0, 16),
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_8),
		BPFRT_ALU64_IMM(BPFRT_LSH, BPFRT_REG_0, 16),
		BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_0, BPFRT_REG_7),
		BPFRT_EXIT_INSN(),
		BPFRT_MOV64_IMM(BPFRT_REG_0, -1),
		BPFRT_EXIT_INSN(),
	};

	for (int verify = 1; verify >= 0; verify--) {
		/* r0 is not readable after a tail call for the verifier: the
		 * verified variant uses the known result instead */
		struct bpfrt_insn v31 = chain[31], v37 = chain[37];
		if (verify) {
			chain[31] = BPFRT_MOV64_IMM(BPFRT_REG_8, -ENOENT);
			chain[37] = BPFRT_MOV64_IMM(BPFRT_REG_0, -ENOENT * 65536);
		}
		struct bpfrt_prog *p = load_maps("chain", chain, N(chain), maps, 3, verify);
		chain[31] = v31;
		chain[37] = v37;
		if (!p)
			continue;
		uint32_t k = 0, id = bpfrt__prog_id(p);
		T_EQ_U64(bpfrt_map__update_elem(pa, &k, &id, 0), 0, "store chain");
		T_CHECK(!verify || bpfrt_prog__runs_unchecked(p), "chain runs unchecked");
		/* 33 tail calls succeed, the 34th falls through */
		static const uint64_t limits[] = { 1, 2, 33, 34, 35, 100 };
		for (size_t l = 0; l < N(limits); l++) {
			uint64_t mem[2] = { 0, 0 };
			uint32_t k0 = 0;
			bpfrt_map__update_elem(in, &k0, &limits[l], 0);
			struct outcome o;
			snprintf(what, sizeof(what), "tail chain limit %" PRIu64 "%s", limits[l],
				 verify ? "" : " (unverified)");
			tc_compare(what, p, verify ? 7 : 3, 0, (uint8_t *)mem, sizeof(mem), &cnt, 1,
				   &o);
			uint64_t runs = limits[l] > 34 ? 34 : limits[l];
			uint64_t want = (((uint64_t)-ENOENT << 16 ^ (uint64_t)-ENOENT) << 16) + runs +
					(limits[l] > 34 ? 1000 : 0);
			T_CHECK(o.rc == 0 && o.r0 == want, "%s: rc %d r0 0x%" PRIx64 " want 0x%" PRIx64,
				what, o.rc, o.r0, want);
		}
		bpfrt_map__delete_elem(pa, &k);
		bpfrt_prog__free(p);
	}
	bpfrt_map__put(in);
	bpfrt_map__put(cnt);
	bpfrt_map__put(pa);
}

/* Tail calls from a subprogram, with local-call frames on the native stack,
 * and what registers the target sees (unverified programs, unchecked runs:
 * the target reads r0-r9 as the tail call left them). */
static void tail_frames(void)
{
	struct bpfrt_map *pa = bpfrt_map__create(BPFRT_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 2, NULL);
	if (!pa)
		return;
	struct bpfrt_map *maps[] = { pa };
	/* target: fold r0..r9 and the frame pointer's offset in the stack,
	 * then a local call of its own. */
	struct bpfrt_insn target[] = {
		BPFRT_MOV64_REG(BPFRT_REG_0, BPFRT_REG_0),
		BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07),
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_2),
		BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07),
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_3),
		BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07),
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_4),
		BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07),
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_5),
		BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07),
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_6),
		BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07),
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_7),
		BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07),
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_8),
		BPFRT_ALU64_IMM(BPFRT_MUL, BPFRT_REG_0, 0x3b9aca07),
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_9),
		BPFRT_MOV64_REG(BPFRT_REG_2, BPFRT_REG_10),
		BPFRT_ALU64_REG(BPFRT_SUB, BPFRT_REG_2, BPFRT_REG_1),	/* r10 - ctx */
		BPFRT_ALU64_REG(BPFRT_XOR, BPFRT_REG_0, BPFRT_REG_2),
		BPFRT_LDX_MEM(BPFRT_DW, BPFRT_REG_2, BPFRT_REG_1, 8),
		BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_0, BPFRT_REG_2),
		BPFRT_MOV64_REG(BPFRT_REG_6, BPFRT_REG_0),
		BPFRT_CALL_REL(2),
		BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_0, BPFRT_REG_6),
		BPFRT_EXIT_INSN(),
		BPFRT_STX_MEM(BPFRT_DW, BPFRT_REG_10, BPFRT_REG_10, -8),
		BPFRT_LDX_MEM(BPFRT_DW, BPFRT_REG_0, BPFRT_REG_10, -8),
		BPFRT_ALU64_REG(BPFRT_SUB, BPFRT_REG_0, BPFRT_REG_1),
		BPFRT_EXIT_INSN(),
	};
	/* caller: main -> f -> g, g tail-calls slot r1[0] (0: the target,
	 * 1: empty, so g returns and the frames unwind normally). */
	struct bpfrt_insn caller[] = {
		BPFRT_MOV64_IMM(BPFRT_REG_6, 0x66),
		BPFRT_MOV64_IMM(BPFRT_REG_7, 0x77),
		BPFRT_CALL_REL(3),
		BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_0, 0x100),
		BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_0, BPFRT_REG_6),
		BPFRT_EXIT_INSN(),
		/* f */
		BPFRT_MOV64_IMM(BPFRT_REG_6, 0x606),
		BPFRT_MOV64_IMM(BPFRT_REG_8, 0x88),
		BPFRT_CALL_REL(2),
		BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_0, 0x10000),
		BPFRT_EXIT_INSN(),
		/* g */
		BPFRT_MOV64_IMM(BPFRT_REG_9, 0x99),
		BPFRT_STX_MEM(BPFRT_DW, BPFRT_REG_10, BPFRT_REG_9, -8),
		BPFRT_LDX_MEM(BPFRT_W, BPFRT_REG_3, BPFRT_REG_1, 0),
		LD_MAP(BPFRT_REG_2, 0),
		BPFRT_MOV64_IMM(BPFRT_REG_4, 0x44),
		BPFRT_MOV64_IMM(BPFRT_REG_5, 0x55),
		BPFRT_CALL_HELPER(12),
		BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_0, BPFRT_REG_4),
		BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_0, BPFRT_REG_5),
		BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_0, BPFRT_REG_1),
		BPFRT_EXIT_INSN(),
	};
	struct bpfrt_prog *t = load_maps("target", target, N(target), maps, 1, false);
	struct bpfrt_prog *c = load_maps("caller", caller, N(caller), maps, 1, false);
	if (t && c) {
		uint32_t k = 0, id = bpfrt__prog_id(t);
		T_EQ_U64(bpfrt_map__update_elem(pa, &k, &id, 0), 0, "store target");
		for (uint32_t slot = 0; slot < 3; slot++) {
			uint64_t mem[2] = { slot, 0x1234 };
			char what[64];
			snprintf(what, sizeof(what), "tail call from a subprogram, slot %u", slot);
			tc_compare(what, c, 3, 0, (uint8_t *)mem, sizeof(mem), NULL, 0, NULL);
		}
	}
	/* programs first: they point at the prog array without a reference */
	bpfrt_prog__free(c);
	bpfrt_prog__free(t);
	bpfrt_map__put(pa);
}

/* A verified program running unchecked must not continue in an unverified
 * one: the helper's fault, with the same message from the JIT. */
static void tail_unverified(void)
{
	struct bpfrt_map *pa = bpfrt_map__create(BPFRT_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 2, NULL);
	if (!pa)
		return;
	struct bpfrt_map *maps[] = { pa };
	struct bpfrt_insn caller[] = {
		LD_MAP(BPFRT_REG_2, 0),
		BPFRT_MOV64_IMM(BPFRT_REG_3, 0),
		BPFRT_CALL_HELPER(12),
		BPFRT_MOV64_IMM(BPFRT_REG_0, 7),
		BPFRT_EXIT_INSN(),
	};
	struct bpfrt_insn other[] = {
		BPFRT_MOV64_IMM(BPFRT_REG_0, 42),
		BPFRT_EXIT_INSN(),
	};
	struct bpfrt_prog *c = load_maps("caller", caller, N(caller), maps, 1, true);
	struct bpfrt_prog *u = load_maps("unverified", other, N(other), NULL, 0, false);
	struct bpfrt_prog *v = load_maps("verified", other, N(other), NULL, 0, true);
	if (c && u && v) {
		uint32_t k = 0, id = bpfrt__prog_id(u);
		struct outcome o;
		uint64_t mem = 0;
		bpfrt_map__update_elem(pa, &k, &id, 0);
		tc_compare("tail call to an unverified program", c, 7, 0, (uint8_t *)&mem, 8, NULL,
			   0, &o);
		T_CHECK(o.rc == -EFAULT && strstr(o.err, "is not verified"),
			"unchecked tail call to an unverified program: rc %d '%s'", o.rc, o.err);
		id = bpfrt__prog_id(v);
		bpfrt_map__update_elem(pa, &k, &id, 0);
		tc_compare("tail call to a verified program", c, 7, 0, (uint8_t *)&mem, 8, NULL, 0,
			   &o);
		T_CHECK(o.rc == 0 && o.r0 == 42, "tail call to a verified program: rc %d r0 %" PRIu64,
			o.rc, o.r0);
	}
	bpfrt_prog__free(c);
	bpfrt_prog__free(u);
	bpfrt_prog__free(v);
	bpfrt_map__put(pa);
}

/* Inline lookups: keys in and out of range (NULL), per-CPU slots, a CPU
 * past the map's (NULL), and a call reached by two maps (poisoned: the
 * helper is called). */
static void inline_lookups(void)
{
	unsigned ncpu = bpfrt_num_cpus();
	struct bpfrt_map *arr = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "arr", 4, 12, 5, NULL);
	struct bpfrt_map *pc = bpfrt_map__create(BPFRT_MAP_TYPE_PERCPU_ARRAY, "pc", 4, 20, 3, NULL);
	struct bpfrt_map *big = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "big", 4, 4096, 70000, NULL);
	struct bpfrt_map *in = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "in", 4, 8, 1, NULL);
	T_CHECK(arr && pc && big && in, "maps");
	if (!arr || !pc || !big || !in)
		goto out;
	struct bpfrt_map *maps[] = { arr, pc, big, in };
	/* For map M and key r1[0]: the value, or NULL -> r0 = -1; writes key
	 * + 1 at value[8] and returns the value's first 8 bytes + 1000 * the
	 * byte offset of the value in the map (value - first value). */
	for (int mi = 0; mi < 4; mi++) {
		struct bpfrt_insn p[] = {
			BPFRT_ST_MEM(BPFRT_W, BPFRT_REG_10, -4, 0),
			BPFRT_MOV64_REG(BPFRT_REG_2, BPFRT_REG_10),
			BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_2, -4),
			LD_MAP(BPFRT_REG_1, 3),
			BPFRT_CALL_HELPER(1),				/* in[0] */
			BPFRT_JMP_IMM(BPFRT_JEQ, BPFRT_REG_0, 0, 21),
			BPFRT_LDX_MEM(BPFRT_DW, BPFRT_REG_6, BPFRT_REG_0, 0),	/* key */
			BPFRT_MOV64_REG(BPFRT_REG_8, BPFRT_REG_6),
			BPFRT_ALU64_IMM(BPFRT_RSH, BPFRT_REG_8, 32),	/* map choice */
			BPFRT_STX_MEM(BPFRT_W, BPFRT_REG_10, BPFRT_REG_6, -4),
			BPFRT_MOV64_REG(BPFRT_REG_2, BPFRT_REG_10),
			BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_2, -4),
			LD_MAP(BPFRT_REG_1, mi == 3 ? 0 : mi),
			/* mi 3: the map depends on r8 (arr or pc): poisoned */
			BPFRT_JMP_IMM(BPFRT_JEQ, BPFRT_REG_8, 0, mi == 3 ? 2 : 0),
			LD_MAP(BPFRT_REG_1, 1),
			BPFRT_CALL_HELPER(1),
			BPFRT_JMP_IMM(BPFRT_JNE, BPFRT_REG_0, 0, 2),
			BPFRT_MOV64_IMM(BPFRT_REG_0, -1),
			BPFRT_EXIT_INSN(),
			BPFRT_MOV64_REG(BPFRT_REG_7, BPFRT_REG_6),
			BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_7, 1),
			BPFRT_STX_MEM(BPFRT_W, BPFRT_REG_0, BPFRT_REG_7, 8),
			BPFRT_LDX_MEM(BPFRT_DW, BPFRT_REG_0, BPFRT_REG_0, 0),
			BPFRT_ALU64_IMM(BPFRT_ADD, BPFRT_REG_0, 1000),
			BPFRT_EXIT_INSN(),
			BPFRT_MOV64_IMM(BPFRT_REG_0, -2),
			BPFRT_EXIT_INSN(),
		};
		struct bpfrt_prog *prog = load_maps("lookup", p, N(p), maps, 4, true);
		if (!prog)
			continue;
		bool inl = !image_calls(prog, kh_lookup->fn);
		T_CHECK(inl == (mi != 3), "map %d: lookup %s", mi, inl ? "inline" : "called");
		static const uint32_t keys[] = { 0, 1, 2, 3, 4, 5, 69999, 70000, 0x7fffffff,
						 0x80000000, 0xffffffff };
		for (size_t k = 0; k < N(keys); k++)
			for (uint32_t sel = 0; sel < 2; sel++)
				for (unsigned cpu = 0; cpu <= ncpu; cpu += ncpu) {
					if (cpu == ncpu && (mi != 1 && !(mi == 3 && sel)))
						continue;	/* only per-CPU cares */
					uint64_t mem = 0, kv = keys[k] | (uint64_t)sel << 32;
					uint32_t k0 = 0;
					bpfrt_map__update_elem(in, &k0, &kv, 0);
					char what[96];
					snprintf(what, sizeof(what), "lookup map %d key %u sel %u cpu %u",
						 mi, keys[k], sel, cpu);
					/* a CPU past the map's is only valid unchecked */
					tc_compare(what, prog, cpu < ncpu ? 7 : 6, cpu, (uint8_t *)&mem,
						   sizeof(mem), maps, 3, NULL);
				}
		bpfrt_prog__free(prog);
	}
out:
	bpfrt_map__put(in);
	bpfrt_map__put(arr);
	bpfrt_map__put(pc);
	bpfrt_map__put(big);
}

/* ---- 5. the public API: engines, the image cache, hardening ------------ */

static struct bpfrt_prog *thread_prog;

static void *thread_run(void *arg)
{
	uint64_t bad = 0;
	for (int i = 0; i < 300; i++) {
		BPFRT_OPTS(bpfrt_run_opts, ro, .engine = BPFRT_ENGINE_JIT,
			   .check = (i & 1) ? BPFRT_CHECK_NEVER : BPFRT_CHECK_ALWAYS);
		if (bpfrt_prog__run(thread_prog, &ro) || ro.retval != 0x1234567887654321ull)
			bad++;
	}
	return (void *)(uintptr_t)bad;
}

static bool image_has(const struct bpfrt_jit_info *ji, uint32_t v)
{
	for (size_t i = 0; i + 4 <= ji->image_len; i++)
		if (!memcmp(ji->image + i, &v, 4))
			return true;
	return false;
}

static void public_api(void)
{
	struct bpfrt_insn p[] = {
		BPFRT_LD_IMM64(BPFRT_REG_0, 0x1234567887654321ull),
		BPFRT_MOV64_IMM(BPFRT_REG_1, 0x5a5a1234),
		BPFRT_ALU64_IMM(BPFRT_XOR, BPFRT_REG_1, 0x5a5a1234),
		BPFRT_ALU64_REG(BPFRT_ADD, BPFRT_REG_0, BPFRT_REG_1),
		BPFRT_EXIT_INSN(),
	};
	char err[256];

	/* Many threads race to compile and run the same program: one image,
	 * every run right. */
	thread_prog = load(p, N(p), err, sizeof(err));
	T_CHECK(thread_prog, "load: %s", err);
	if (!thread_prog)
		return;
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, thread_run, NULL);
	uint64_t bad = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		bad += (uintptr_t)r;
	}
	T_EQ_U64(bad, 0, "concurrent JIT runs with a wrong result");
	BPFRT_OPTS(bpfrt_jit_info, a);
	BPFRT_OPTS(bpfrt_jit_info, b);
	T_CHECK(!bpfrt_prog__jit_info(thread_prog, false, &a) &&
		!bpfrt_prog__jit_info(thread_prog, false, &b) && a.image == b.image &&
		a.insn_cnt == N(p) && a.insn_off[N(p)] == a.image_len, "one cached image");
	T_CHECK(image_has(&a, 0x5a5a1234), "plain image holds the immediate");
	/* The default engine runs the JIT, and agrees with the interpreter. */
	for (int e = 0; e < 3; e++) {
		static const enum bpfrt_engine engines[] = {
			BPFRT_ENGINE_DEFAULT, BPFRT_ENGINE_INTERP, BPFRT_ENGINE_JIT };
		BPFRT_OPTS(bpfrt_run_opts, ro, .engine = engines[e], .check = BPFRT_CHECK_NEVER);
		T_CHECK(!bpfrt_prog__run(thread_prog, &ro) && ro.retval == 0x1234567887654321ull,
			"engine %d", e);
	}
	bpfrt_prog__free(thread_prog);

	/* Hardening: new images carry no immediate in the clear. */
	bool was = bpfrt_jit_set_harden(true);
	struct bpfrt_prog *h = load(p, N(p), err, sizeof(err));
	BPFRT_OPTS(bpfrt_jit_info, c);
	T_CHECK(h && !bpfrt_prog__jit_info(h, false, &c) && !image_has(&c, 0x5a5a1234) &&
		!image_has(&c, 0x87654321), "blinded image hides immediates");
	BPFRT_OPTS(bpfrt_run_opts, ro, .engine = BPFRT_ENGINE_JIT, .check = BPFRT_CHECK_NEVER);
	T_CHECK(h && !bpfrt_prog__run(h, &ro) && ro.retval == 0x1234567887654321ull,
		"blinded run");
	bpfrt_prog__free(h);
	bpfrt_jit_set_harden(was);
}

int main(int argc, char **argv)
{
	bpfrt_set_print(NULL);
	/* If-convert everything the JIT can (arithmetic too): the widest
	 * translation is compared with the interpreter. */
	bpfrt__jit_set_ifc(JIT_IFC_ALL);
	unsigned nrand = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 3000;

	unsigned failed = 0, n = run_dir("tests/isa", &failed);
	T_CHECK(n >= 40, "expected tests/isa/*.data (run from the repo root), found %u", n);
	printf("jit: tests/isa: %u files, %u failed\n", n, failed);
	char up[512];
	snprintf(up, sizeof(up), "%s/tests", t_conformance_dir());
	unsigned uf = 0, un = run_dir(up, &uf);
	if (un)
		printf("jit: %s: %u files, %u failed\n", up, un, uf);
	else
		t_skip("upstream conformance suite not found at %s", up);

	edge_alu();
	edge_div();
	edge_jmp();
	edge_mem();
	edge_calls();
	bpfrt__jit_set_ifc(JIT_IFC_MOVES);	/* the default policy */
	edge_ifc();
	bpfrt__jit_set_ifc(JIT_IFC_ALL);
	edge_ifc();
	find_map_helpers();
	tail_calls();
	tail_frames();
	tail_unverified();
	inline_lookups();
	public_api();
	printf("jit: edge cases done, %u mismatches so far\n", mismatches);
	random_progs(nrand);
	printf("jit: %u random programs, %u mismatches in total\n", nrand, mismatches);
	return t_done("jit");
}
