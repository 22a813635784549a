/* SPDX-License-Identifier: MIT */
/*
 * bpfrt-conformance-plugin - runs one bpf_conformance test case on libbpfrt.
 *
 * Protocol (the suite's runner drives it):
 *   argv   plugin [MEM] [--engine interp|interp-switch|jit] [--elf]
 *          MEM is the test's memory as hex bytes ("01  02  ff  "); the
 *          runner may pass it as an empty argument, and its own options as
 *          one argument ("--engine interp"), so every argument is split on
 *          whitespace and anything that is not an option is memory.
 *   stdin  the program as hex bytes in the same encoding, then a newline;
 *          with --elf those bytes are an ELF object.
 *   stdout r0 in lowercase hex without 0x, then a newline; exit 0.
 *          On failure the error message, exit 1; the runner compares that
 *          line with the test's expected error.
 *
 * The suite's helpers are provided by id (see helpers[] below).
 */
#include <errno.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "elfcode.h"

/* Conformance programs are small; a runaway loop should fail, not hang the
 * suite. */
#define INSN_LIMIT 100000000ull

/* ---- the suite's helpers ------------------------------------------------ */

/* 0: pack the low byte of each argument, a most significant. */
static uint64_t h_gather_bytes(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
			       uint64_t e, struct bpfrt_run_ctx *ctx)
{
	return (a & 0xff) << 32 | (b & 0xff) << 24 | (c & 0xff) << 16 |
	       (d & 0xff) << 8 | (e & 0xff);
}

/* 1: XOR len bytes at ptr with 42 (glibc's memfrob).  The range is checked
 * first: a helper is the program's proxy and must not touch memory the
 * program itself could not. */
static uint64_t h_memfrob(uint64_t ptr, uint64_t len, uint64_t r3, uint64_t r4,
			  uint64_t r5, struct bpfrt_run_ctx *ctx)
{
	if (len == 0)
		return 0;
	if (bpfrt_run_ctx__check_mem(ctx, ptr, len, true))
		return 0;
	uint8_t *p = (uint8_t *)(uintptr_t)ptr;
	for (uint64_t i = 0; i < len; i++)
		p[i] ^= 42;
	return 0;
}

/* 2 */
static uint64_t h_no_op(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			uint64_t r5, struct bpfrt_run_ctx *ctx)
{
	return 0;
}

/* 3: floor(sqrt(x)) for the full u64 range.  Done bit by bit in integers
 * because a double has 53 bits of mantissa and rounds large x wrongly. */
static uint64_t h_sqrti(uint64_t x, uint64_t r2, uint64_t r3, uint64_t r4,
			uint64_t r5, struct bpfrt_run_ctx *ctx)
{
	uint64_t res = 0, bit = 1ull << 62;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= res + bit) {
			x -= res + bit;
			res = (res >> 1) + bit;
		} else {
			res >>= 1;
		}
		bit >>= 2;
	}
	return res;
}

/* Length of the NUL-terminated string at p, checking each byte is readable;
 * -1 when the string runs into memory the program may not read. */
static int64_t checked_strlen(struct bpfrt_run_ctx *ctx, uint64_t p)
{
	for (uint64_t n = 0;; n++) {
		if (bpfrt_run_ctx__check_mem(ctx, p + n, 1, false))
			return -1;
		if (((const char *)(uintptr_t)p)[n] == '\0')
			return (int64_t)n;
	}
}

/* 4: strcmp of two strings in memory the program may read. */
static uint64_t h_strcmp_ext(uint64_t a, uint64_t b, uint64_t r3, uint64_t r4,
			     uint64_t r5, struct bpfrt_run_ctx *ctx)
{
	if (checked_strlen(ctx, a) < 0 || checked_strlen(ctx, b) < 0)
		return (uint64_t)-1;
	return (uint64_t)(int64_t)strcmp((const char *)(uintptr_t)a,
					 (const char *)(uintptr_t)b);
}

/* 5: returns its argument; flagged so that returning 0 ends the program. */
static uint64_t h_unwind(uint64_t x, uint64_t r2, uint64_t r3, uint64_t r4,
			 uint64_t r5, struct bpfrt_run_ctx *ctx)
{
	return x;
}

static const struct bpfrt_helper_def helpers[] = {
	{ 0, "gather_bytes", h_gather_bytes, 0 },
	{ 1, "memfrob", h_memfrob, 0 },
	{ 2, "no_op", h_no_op, 0 },
	{ 3, "sqrti", h_sqrti, 0 },
	{ 4, "strcmp_ext", h_strcmp_ext, 0 },
	{ 5, "unwind", h_unwind, BPFRT_HELPER_F_UNWIND },
};

/* ---- protocol ------------------------------------------------------------ */

/* Growable byte buffer. */
struct bytes {
	uint8_t *p;
	size_t n, cap;
};

static bool push(struct bytes *b, uint8_t v)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		uint8_t *np = realloc(b->p, cap);
		if (!np)
			return false;
		b->p = np;
		b->cap = cap;
	}
	b->p[b->n++] = v;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Append the hex bytes of s to b.  Bytes may be separated by any whitespace
 * or written back to back; each run of digits must have even length. */
static bool parse_hex(const char *s, size_t len, struct bytes *b, const char **why)
{
	size_t i = 0;
	while (i < len) {
		if (isspace((unsigned char)s[i])) {
			i++;
			continue;
		}
		int hi = hexval((unsigned char)s[i]);
		if (hi < 0) {
			*why = "invalid character in hex input";
			return false;
		}
		if (i + 1 >= len || hexval((unsigned char)s[i + 1]) < 0) {
			*why = "odd number of hex digits";
			return false;
		}
		if (!push(b, (uint8_t)(hi << 4 | hexval((unsigned char)s[i + 1])))) {
			*why = "out of memory";
			return false;
		}
		i += 2;
	}
	return true;
}

static char *read_stdin(size_t *len)
{
	struct bytes b = { 0 };
	int c;
	while ((c = getchar()) != EOF) {
		if (!push(&b, (uint8_t)c)) {
			free(b.p);
			return NULL;
		}
	}
	*len = b.n;
	if (!b.p)
		b.p = malloc(1);
	return (char *)b.p;
}

/* The error goes to stdout, where the runner reads it. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return 1;
}

int main(int argc, char **argv)
{
	enum bpfrt_engine engine = BPFRT_ENGINE_DEFAULT;
	bool elf = false, want_engine = false, have_mem = false;
	struct bytes mem = { 0 };
	const char *why = NULL;

	/* Tokens across all arguments, so "--engine interp" works as one
	 * argument or two. */
	for (int i = 1; i < argc; i++) {
		char *save = NULL;
		for (char *tok = strtok_r(argv[i], " \t\r\n\f\v", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n\f\v", &save)) {
			const char *eng = NULL;
			if (want_engine) {
				eng = tok;
				want_engine = false;
			} else if (!strcmp(tok, "--engine")) {
				want_engine = true;
				continue;
			} else if (!strncmp(tok, "--engine=", 9)) {
				eng = tok + 9;
			} else if (!strcmp(tok, "--elf")) {
				elf = true;
				continue;
			} else if (tok[0] == '-') {
				return fail("unknown option '%s'", tok);
			} else {
				if (!parse_hex(tok, strlen(tok), &mem, &why))
					return fail("memory argument: %s", why);
				have_mem = true;
				continue;
			}
			if (bpfrt_engine_from_str(eng, &engine))
				return fail("unknown engine '%s'", eng);
		}
	}
	if (want_engine)
		return fail("--engine needs an argument");

	size_t in_len = 0;
	char *in = read_stdin(&in_len);
	if (!in)
		return fail("out of memory");
	struct bytes code = { 0 };
	bool ok = parse_hex(in, in_len, &code, &why);
	free(in);
	if (!ok) {
		free(mem.p);
		return fail("program: %s", why);
	}

	struct bpfrt_insn *insns = NULL;
	size_t cnt = 0;
	int ret = 0;
	if (elf) {
		char err[512];
		if (elfcode_extract(code.p, code.n, NULL, &insns, &cnt, NULL, 0,
				    err, sizeof(err)))
			ret = fail("%s", err);
	} else if (code.n == 0) {
		ret = fail("empty program");
	} else if (code.n % sizeof(struct bpfrt_insn)) {
		ret = fail("program size %zu is not a multiple of %zu", code.n,
			   sizeof(struct bpfrt_insn));
	} else if (!(insns = malloc(code.n))) {
		ret = fail("out of memory");
	} else {
		memcpy(insns, code.p, code.n);
		cnt = code.n / sizeof(struct bpfrt_insn);
	}
	free(code.p);
	if (ret) {
		free(mem.p);
		return ret;
	}

	char log[1024] = "";
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = "conformance",
		   .helpers = helpers,
		   .helper_cnt = sizeof(helpers) / sizeof(helpers[0]),
		   .log_buf = log, .log_size = sizeof(log));
	struct bpfrt_prog *prog = bpfrt_prog__load_insns(insns, cnt, &lo);
	free(insns);
	if (!prog) {
		free(mem.p);
		return fail("%s", log[0] ? log : strerror(errno));
	}

	/* Tests without memory get r1 = r2 = 0, as the suite expects. */
	char rerr[1024] = "";
	BPFRT_OPTS(bpfrt_run_opts, ro, .ctx = have_mem && mem.n ? mem.p : NULL,
		   .ctx_size = mem.n, .engine = engine,
		   .check = BPFRT_CHECK_ALWAYS, .insn_limit = INSN_LIMIT,
		   .err_buf = rerr, .err_size = sizeof(rerr));
	int r = bpfrt_prog__run(prog, &ro);
	if (r < 0)
		ret = fail("%s", rerr[0] ? rerr : strerror(-r));
	else
		printf("%" PRIx64 "\n", ro.retval);
	bpfrt_prog__free(prog);
	free(mem.p);
	return ret;
}
