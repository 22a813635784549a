/* SPDX-License-Identifier: MIT */
/*
 * Data-driven interpreter tests: every .data file in tests/isa/ (and, when it
 * is present, the upstream bpf_conformance suite) is assembled with
 * bpfrt_asm() and run on every interpreter variant.
 *
 * File format: bpf_conformance's (tests/unit/lib/isadata.h); the memory is
 * the ctx (r1 = its address, r2 = its length), the error a substring of the
 * assembler, load or run error.
 *
 * Helpers available to the programs (those the upstream suite expects):
 *   5  "unwind": returns r1; a 0 result ends the program with r0 = 0.
 *   6  "sum": returns r1 + r2 + r3 + r4 + r5.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "lib/isadata.h"
#include "lib/t.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

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

static const struct bpfrt_helper_def helpers[] = {
	{ 5, "unwind", h_unwind, BPFRT_HELPER_F_UNWIND },
	{ 6, "sum", h_sum, 0 },
};

static const struct {
	enum bpfrt_engine engine;
	enum bpfrt_check_mode check;
	const char *name;
} variants[] = {
	{ BPFRT_ENGINE_INTERP, BPFRT_CHECK_ALWAYS, "goto/checked" },
	{ BPFRT_ENGINE_INTERP, BPFRT_CHECK_NEVER, "goto/unchecked" },
	{ BPFRT_ENGINE_INTERP_SWITCH, BPFRT_CHECK_ALWAYS, "switch/checked" },
	{ BPFRT_ENGINE_INTERP_SWITCH, BPFRT_CHECK_NEVER, "switch/unchecked" },
};

/* Run one file; returns false when it failed. */
static bool run_file(const char *path)
{
	size_t len;
	char *buf = t_read_file(path, &len);
	if (!buf) {
		t_fail(__FILE__, __LINE__, "%s: cannot read", path);
		return false;
	}
	struct t_isadata c;
	t_isadata_parse(buf, &c);
	char *result = c.result, *error = c.error;
	bool ok = true;

	if (!c.asm_text || (!result && !error)) {
		t_fail(__FILE__, __LINE__, "%s: needs -- asm and -- result or -- error", path);
		free(buf);
		return false;
	}
	uint64_t want = result ? strtoull(result, NULL, 0) : 0;
	_Alignas(8) uint8_t mem[4096];
	size_t mem_len = t_isadata_mem(c.mem_text, mem, sizeof(mem));

	char err[256] = "";
	struct bpfrt_insn *insns = NULL;
	size_t cnt = 0;
	int rc = bpfrt_asm(c.asm_text, &insns, &cnt, err, sizeof(err));
	struct bpfrt_prog *prog = NULL;
	if (rc == 0) {
		BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = path, .helpers = helpers,
			   .helper_cnt = N(helpers), .log_buf = err, .log_size = sizeof(err));
		prog = bpfrt_prog__load_insns(insns, cnt, &lo);
	}
	if (!prog) {
		/* The assembler or the loader refused the program. */
		if (error && strstr(err, error)) {
			t_passed++;
		} else {
			t_fail(__FILE__, __LINE__, "%s: %s: %s", path,
			       rc ? "asm failed" : "load failed", err);
			ok = false;
		}
		goto out;
	}
	for (size_t v = 0; v < N(variants); v++) {
		/* Run errors are only detected by checked runs (and an unchecked
		 * run of a program that faults or loops is undefined). */
		if (error && variants[v].check == BPFRT_CHECK_NEVER)
			continue;
		_Alignas(8) uint8_t run_mem[4096];
		memcpy(run_mem, mem, mem_len);
		err[0] = '\0';
		BPFRT_OPTS(bpfrt_run_opts, ro, .ctx = mem_len ? run_mem : NULL,
			   .ctx_size = mem_len, .engine = variants[v].engine,
			   .check = variants[v].check, .insn_limit = 10000000,
			   .err_buf = err, .err_size = sizeof(err));
		rc = bpfrt_prog__run(prog, &ro);
		if (error) {
			if (rc && strstr(err, error)) {
				t_passed++;
			} else {
				t_fail(__FILE__, __LINE__, "%s [%s]: want error '%s', got %d '%s'",
				       path, variants[v].name, error, rc, err);
				ok = false;
			}
		} else if (rc || ro.retval != want) {
			t_fail(__FILE__, __LINE__, "%s [%s]: rc %d (%s), r0 0x%" PRIx64
			       ", want 0x%" PRIx64, path, variants[v].name, rc, err,
			       ro.retval, want);
			ok = false;
		} else {
			t_passed++;
		}
	}
out:
	bpfrt_prog__free(prog);
	free(insns);
	free(buf);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every *.data file of dir in name order; returns the number run. */
static unsigned run_dir(const char *dir, unsigned *failed)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".data"))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		size_t pl = strlen(dir) + l + 2;
		names[n] = malloc(pl);
		if (!names[n])
			break;
		snprintf(names[n], pl, "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!run_file(names[i]))
			(*failed)++;
		free(names[i]);
	}
	free(names);
	return (unsigned)n;
}

int main(void)
{
	bpfrt_set_print(NULL);
	unsigned failed = 0;
	unsigned n = run_dir("tests/isa", &failed);
	T_CHECK(n >= 40, "expected at least 40 files in tests/isa (run from the repo root), "
		"found %u", n);
	printf("isa_data: tests/isa: %u files, %u failed\n", n, failed);

	char up[512];
	snprintf(up, sizeof(up), "%s/tests", t_conformance_dir());
	unsigned upf = 0;
	unsigned un = run_dir(up, &upf);
	if (un)
		printf("isa_data: %s: %u files, %u failed\n", up, un, upf);
	else
		t_skip("upstream conformance suite not found at %s", up);
	return t_done("isa_data");
}
