/* SPDX-License-Identifier: MIT */
/*
 * Verifier tests driven by tests/verifier/cases.txt, one case per line:
 *
 *     FILE PROG TYPE ACCEPT|REJECT "message substring" [kernel=...] [unpriv]
 *
 * FILE is corpus/NAME.bpf.o or verifier/NAME.bpf.o (under the build
 * directory) or NAME.asm (tests/verifier, assembled; map_idx 0 is a hash
 * map of 4-byte keys and 8-byte values).  PROG is the program name ("-"
 * for asm).  TYPE names the program type (asm cases; "-" for objects).
 * The message must appear in the log of a rejection; a rejection names the
 * instruction ("N: (..) ...") too.  Each case is also loaded into the
 * kernel when bpf() is available (libbpf for objects, BPF_PROG_LOAD for
 * asm; map_idx 1 is an array of 4 8-byte values, map_idx 2 a 4 KiB ring
 * buffer) and the kernel's verdict must equal ours, unless kernel= says what
 * the kernel answers instead (accept/reject) or that it cannot be asked
 * (skip).  unpriv verifies as a loader without CAP_PERFMON/CAP_SYS_ADMIN
 * (the kernel load then drops those capabilities in a child).
 *
 * Every program of every corpus object must have a line.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "lib/t.h"
#include "loader/loader.h"
#include "verifier/verifier.h"
#include "verifier/vinternal.h"

static char build_dir[512], src_dir[1024];
static bool kernel_ok;
static int verbose;

struct vcase {
	char file[160], prog[64], type[32], verdict[8], msg[256], kernel[64];
	bool unpriv;
	int line;
};

static int quiet_print(enum bpfrt_print_level l, const char *f, va_list a) { return 0; }
static int quiet_lb(enum libbpf_print_level l, const char *f, va_list a) { return 0; }

static bool parse_line(char *s, struct vcase *c)
{
	char *p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#' || *p == '\n')
		return false;
	memset(c, 0, sizeof(*c));
	int n = 0;
	if (sscanf(p, "%159s %63s %31s %7s %n", c->file, c->prog, c->type, c->verdict, &n) < 4)
		return false;
	p += n;
	if (*p == '"') {
		char *e = strchr(p + 1, '"');
		if (e) {
			snprintf(c->msg, sizeof(c->msg), "%.*s", (int)(e - p - 1), p + 1);
			p = e + 1;
		}
	}
	char tok[64];
	while (sscanf(p, "%63s%n", tok, &n) == 1) {
		p += n;
		if (!strncmp(tok, "kernel=", 7))
			snprintf(c->kernel, sizeof(c->kernel), "%s", tok + 7);
		else if (!strcmp(tok, "unpriv"))
			c->unpriv = true;
	}
	return true;
}

/* ---- the kernel's verdict ---- */

static int drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	/* keep CAP_NET_ADMIN (12) and CAP_BPF (39) */
	d[0].effective = d[0].permitted = 1u << 12;
	d[1].effective = d[1].permitted = 1u << (39 - 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* Did the kernel's verifier reject, or did loading fail after it (libbpf
 * steps that follow, like prog array initialisation)?  An accepted
 * program's level-1 log holds only its statistics. */
static bool verifier_rejected(const char *log)
{
	for (const char *l = log; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (*l == '\n' || !strncmp(l, "processed ", 10) || !strncmp(l, "func#", 5))
			continue;
		return true;
	}
	return false;
}

/* 1 accept, 0 reject, -1 the kernel could not be asked. */
static int kernel_obj(const char *path, const char *prog, bool unpriv, char *log, size_t lsz)
{
	pid_t pid = unpriv ? fork() : 0;
	if (pid < 0)
		return -1;
	if (pid > 0) {
		int st;
		waitpid(pid, &st, 0);
		return WIFEXITED(st) ? (WEXITSTATUS(st) == 2 ? -1 : WEXITSTATUS(st)) : -1;
	}
	if (unpriv && drop_caps())
		_exit(2);
	int res = -1;
	struct bpf_object *o = bpf_object__open_file(path, NULL);
	if (o) {
		struct bpf_program *p;
		bool found = false;
		bpf_object__for_each_program(p, o) {
			bool me = !strcmp(bpf_program__name(p), prog);
			bpf_program__set_autoload(p, me);
			if (me) {
				bpf_program__set_log_buf(p, log, lsz);
				bpf_program__set_log_level(p, 1);
				found = true;
			}
		}
		log[0] = 0;
		if (found) {
			int e = bpf_object__load(o);
			res = !e ? 1 : verifier_rejected(log) ? 0 : -1;
		}
		bpf_object__close(o);
	}
	if (unpriv)
		_exit(res < 0 ? 2 : res);
	return res;
}

/* Loading only one program failed outside the verifier (prog arrays
 * initialised with the others): load them all; 1 when all are accepted. */
static int kernel_whole_obj(const char *path)
{
	struct bpf_object *o = bpf_object__open_file(path, NULL);
	if (!o)
		return -1;
	int e = bpf_object__load(o);
	bpf_object__close(o);
	return e ? -1 : 1;
}

static int kernel_prog_type(const char *t)
{
	enum bpfrt_prog_type pt;
	return bpfrt_prog_type_from_str(t, &pt) ? -1 : (int)pt;
}

static int kernel_asm(const struct bpfrt_insn *insns, size_t cnt, const char *type, bool unpriv,
		      char *log, size_t lsz)
{
	int pt = kernel_prog_type(type);
	if (pt < 0)
		return -1;
	pid_t pid = unpriv ? fork() : 0;
	if (pid < 0)
		return -1;
	if (pid > 0) {
		int st;
		waitpid(pid, &st, 0);
		return WIFEXITED(st) ? (WEXITSTATUS(st) == 2 ? -1 : WEXITSTATUS(st)) : -1;
	}
	int res = -1;
	int mfd[3] = {
		bpf_map_create(BPF_MAP_TYPE_HASH, "vt", 4, 8, 4, NULL),
		bpf_map_create(BPF_MAP_TYPE_ARRAY, "vta", 4, 8, 4, NULL),
		bpf_map_create(BPF_MAP_TYPE_RINGBUF, "vtr", 0, 0, 4096, NULL),
	};
	struct bpf_insn *k = calloc(cnt, sizeof(*k));
	if (mfd[0] >= 0 && mfd[1] >= 0 && mfd[2] >= 0 && k && !(unpriv && drop_caps())) {
		memcpy(k, insns, cnt * sizeof(*k));
		for (size_t i = 0; i < cnt; i++)
			if (k[i].code == (BPF_LD | BPF_DW | BPF_IMM) && k[i].src_reg == 5 &&
			    k[i].imm >= 0 && k[i].imm < 3) {
				k[i].src_reg = BPF_PSEUDO_MAP_FD;
				k[i].imm = mfd[k[i].imm];
			}
		LIBBPF_OPTS(bpf_prog_load_opts, po, .log_buf = log, .log_size = (unsigned)lsz,
			    .log_level = 1);
		log[0] = 0;
		int fd = bpf_prog_load((enum bpf_prog_type)pt, "vt", "GPL", k, cnt, &po);
		res = fd >= 0 ? 1 : log[0] ? 0 : -1;
		if (fd >= 0)
			close(fd);
	}
	free(k);
	for (int i = 0; i < 3; i++)
		if (mfd[i] >= 0)
			close(mfd[i]);
	if (unpriv)
		_exit(res < 0 ? 2 : res);
	return res;
}

/* ---- our verdict ---- */

static int ours_obj(const char *path, const char *prog, bool unpriv, char *log, size_t lsz,
		    int *found)
{
	char lerr[512] = "";
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = lerr, .log_size = sizeof(lerr));
	struct bpfrt_object *obj = bpfrt_object__open_file(path, &oo);
	*found = 0;
	if (!obj || bpfrt__object_prepare(obj)) {
		/* the loader refused it: a rejection of every program */
		snprintf(log, lsz, "cannot load %s: %s", path, lerr);
		bpfrt_object__close(obj);
		*found = 1;
		return -1;
	}
	struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, prog);
	int err = -1;
	if (p) {
		*found = 1;
		struct bpfrt_verifier_env_opts vo = { .sz = sizeof(vo), .log_level = 1,
						      .log_buf = log, .log_size = lsz,
						      .unpriv = unpriv };
		err = bpfrt__verify_program(obj, p, &vo);
	}
	bpfrt_object__close(obj);
	return err;
}

static void check_case(const struct vcase *c)
{
	static char log[1 << 16], klog[1 << 18];
	char path[1200];
	bool want_accept = !strcmp(c->verdict, "ACCEPT");
	int err, kv = -1, found = 1;
	const char *where = c->file;
	log[0] = 0;
	if (strstr(c->file, ".asm")) {
		snprintf(path, sizeof(path), "%s/%s", src_dir, c->file);
		char *text = t_read_file(path, NULL);
		struct bpfrt_insn *insns = NULL;
		size_t cnt = 0;
		char aerr[256];
		if (!text || bpfrt_asm(text, &insns, &cnt, aerr, sizeof(aerr))) {
			T_CHECK(0, "line %d: cannot assemble %s", c->line, path);
			free(text);
			return;
		}
		free(text);
		enum bpfrt_prog_type pt = BPFRT_PROG_TYPE_XDP;
		if (bpfrt_prog_type_from_str(c->type, &pt))
			T_CHECK(0, "line %d: bad type %s", c->line, c->type);
		struct bpfrt_map *m[3] = {
			bpfrt_map__create(BPFRT_MAP_TYPE_HASH, "vt", 4, 8, 4, NULL),
			bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "vta", 4, 8, 4, NULL),
			bpfrt_map__create(BPFRT_MAP_TYPE_RINGBUF, "vtr", 0, 0, 4096, NULL),
		};
		struct bpfrt_verifier_env_opts vo = { .sz = sizeof(vo), .insns = insns, .cnt = cnt,
						      .prog_type = pt, .maps = m, .map_cnt = 3,
						      .log_level = 1, .log_buf = log,
						      .log_size = sizeof(log), .unpriv = c->unpriv };
		err = bpfrt__verify(&vo);
		if (kernel_ok && strcmp(c->kernel, "skip"))
			kv = kernel_asm(insns, cnt, c->type, c->unpriv, klog, sizeof(klog));
		for (int i = 0; i < 3; i++)
			bpfrt_map__put(m[i]);
		free(insns);
	} else {
		snprintf(path, sizeof(path), "%s/%s", build_dir, c->file);
		err = ours_obj(path, c->prog, c->unpriv, log, sizeof(log), &found);
		T_CHECK(found, "line %d: %s: no program %s (%s)", c->line, where, c->prog, log);
		if (!found)
			return;
		if (kernel_ok && strcmp(c->kernel, "skip")) {
			kv = kernel_obj(path, c->prog, c->unpriv, klog, sizeof(klog));
			if (kv < 0 && !c->unpriv)
				kv = kernel_whole_obj(path);
		}
	}
	bool accepted = err == 0;
	T_CHECK(accepted == want_accept, "line %d: %s %s: want %s, got %s:\n%s", c->line, where,
		c->prog, c->verdict, accepted ? "ACCEPT" : "REJECT", log);
	if (!accepted && !want_accept && !strstr(log, "cannot load")) {
		T_CHECK(!c->msg[0] || strstr(log, c->msg), "line %d: %s %s: message lacks \"%s\":\n%s",
			c->line, where, c->prog, c->msg, log);
		/* the error names the instruction: "N: (xx) ..." */
		bool named = false;
		for (const char *l = log; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			unsigned idx;
			char op[8];
			if (sscanf(l, "%u: (%7[0-9a-f])", &idx, op) == 2) {
				named = true;
				break;
			}
		}
		T_CHECK(named, "line %d: %s %s: rejection names no instruction:\n%s", c->line,
			where, c->prog, log);
	}
	if (verbose)
		printf("--- %s %s: %s\n%s", where, c->prog, accepted ? "ACCEPT" : "REJECT", log);
	if (!kernel_ok || !strcmp(c->kernel, "skip"))
		return;
	if (kv < 0) {
		t_skip("line %d: %s %s: the kernel could not be asked", c->line, where, c->prog);
		return;
	}
	if (verbose)
		printf("--- kernel: %s\n%s", kv ? "ACCEPT" : "REJECT", klog);
	bool kwant = c->kernel[0] ? !strcmp(c->kernel, "accept") : want_accept;
	T_CHECK((kv == 1) == kwant, "line %d: %s %s: kernel says %s, expected %s:\n%s", c->line,
		where, c->prog, kv ? "ACCEPT" : "REJECT", kwant ? "ACCEPT" : "REJECT", klog);
}

/* Every corpus program must have a case. */
static void check_corpus_covered(struct vcase *cases, int n)
{
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/corpus", build_dir);
	DIR *d = opendir(dir);
	T_CHECK(d != NULL, "no corpus directory %s", dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".bpf.o"))
			continue;
		char path[900], rel[300];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(rel, sizeof(rel), "corpus/%s", e->d_name);
		struct bpfrt_object *obj = bpfrt_object__open_file(path, NULL);
		if (!obj) {
			bool listed = false;
			for (int i = 0; i < n; i++)
				listed |= !strcmp(cases[i].file, rel);
			T_CHECK(listed, "corpus object %s cannot be opened and has no case", rel);
			continue;
		}
		for (struct bpfrt_program *p = NULL; (p = bpfrt_object__next_program(obj, p));) {
			bool listed = false;
			for (int i = 0; i < n; i++)
				listed |= !strcmp(cases[i].file, rel) &&
					  !strcmp(cases[i].prog, bpfrt_program__name(p));
			T_CHECK(listed, "corpus program %s %s has no case in cases.txt", rel,
				bpfrt_program__name(p));
		}
		bpfrt_object__close(obj);
	}
	closedir(d);
}

/* ---- scalar arithmetic: the abstract result contains every concrete one ---- */

static uint64_t rnd64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* An abstract value holding the concrete values v[0..n). */
static void abstract_of(struct vreg *r, const uint64_t *v, int n)
{
	mark_unknown(r);
	uint64_t and = ~0ull, or = 0, umin = ~0ull, umax = 0;
	int64_t smin = INT64_MAX, smax = INT64_MIN;
	uint32_t u32min = ~0u, u32max = 0;
	int32_t s32min = INT32_MAX, s32max = INT32_MIN;
	for (int i = 0; i < n; i++) {
		and &= v[i]; or |= v[i];
		if (v[i] < umin) umin = v[i];
		if (v[i] > umax) umax = v[i];
		if ((int64_t)v[i] < smin) smin = (int64_t)v[i];
		if ((int64_t)v[i] > smax) smax = (int64_t)v[i];
		if ((uint32_t)v[i] < u32min) u32min = (uint32_t)v[i];
		if ((uint32_t)v[i] > u32max) u32max = (uint32_t)v[i];
		if ((int32_t)v[i] < s32min) s32min = (int32_t)v[i];
		if ((int32_t)v[i] > s32max) s32max = (int32_t)v[i];
	}
	r->var_off = TNUM(and, and ^ or);
	r->umin = umin; r->umax = umax; r->smin = smin; r->smax = smax;
	r->u32_min = u32min; r->u32_max = u32max; r->s32_min = s32min; r->s32_max = s32max;
	reg_bounds_sync(r);
}

static bool contains(const struct vreg *r, uint64_t x)
{
	return tnum_in(r->var_off, tnum_const(x)) && x >= r->umin && x <= r->umax &&
	       (int64_t)x >= r->smin && (int64_t)x <= r->smax && (uint32_t)x >= r->u32_min &&
	       (uint32_t)x <= r->u32_max && (int32_t)x >= r->s32_min && (int32_t)x <= r->s32_max;
}

static uint64_t concrete(unsigned opc, bool alu32, uint64_t a, uint64_t b)
{
	if (alu32) {
		uint32_t x = (uint32_t)a, y = (uint32_t)b;
		switch (opc) {
		case BPFRT_ADD: return (uint32_t)(x + y);
		case BPFRT_SUB: return (uint32_t)(x - y);
		case BPFRT_MUL: return (uint32_t)(x * y);
		case BPFRT_DIV: return y ? x / y : 0;
		case BPFRT_MOD: return y ? x % y : x;
		case BPFRT_OR: return x | y;
		case BPFRT_AND: return x & y;
		case BPFRT_XOR: return x ^ y;
		case BPFRT_LSH: return (uint32_t)(x << (y & 31));
		case BPFRT_RSH: return x >> (y & 31);
		case BPFRT_ARSH: return (uint32_t)((int32_t)x >> (y & 31));
		}
		return 0;
	}
	switch (opc) {
	case BPFRT_ADD: return a + b;
	case BPFRT_SUB: return a - b;
	case BPFRT_MUL: return a * b;
	case BPFRT_DIV: return b ? a / b : 0;
	case BPFRT_MOD: return b ? a % b : a;
	case BPFRT_OR: return a | b;
	case BPFRT_AND: return a & b;
	case BPFRT_XOR: return a ^ b;
	case BPFRT_LSH: return a << (b & 63);
	case BPFRT_RSH: return a >> (b & 63);
	case BPFRT_ARSH: return (uint64_t)((int64_t)a >> (b & 63));
	}
	return 0;
}

static void test_scalar_alu(void)
{
	static const unsigned ops[] = { BPFRT_ADD, BPFRT_SUB, BPFRT_MUL, BPFRT_DIV, BPFRT_MOD,
					BPFRT_OR, BPFRT_AND, BPFRT_XOR, BPFRT_LSH, BPFRT_RSH,
					BPFRT_ARSH };
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned bad = 0, total = 0;
	for (int iter = 0; iter < 20000; iter++) {
		uint64_t a[3], b[3];
		int shape = iter % 4;
		for (int i = 0; i < 3; i++) {
			a[i] = rnd64(&seed);
			b[i] = rnd64(&seed);
			if (shape >= 1) { a[i] &= 0xffff; b[i] &= 0xff; }
			if (shape == 2) { a[i] = (uint64_t)(int64_t)(int16_t)a[i]; }
			if (shape == 3) { b[i] = b[0]; }
		}
		unsigned opc = ops[iter % (sizeof(ops) / sizeof(ops[0]))];
		bool alu32 = (iter / 11) % 2;
		if (opc == BPFRT_LSH || opc == BPFRT_RSH || opc == BPFRT_ARSH)
			for (int i = 0; i < 3; i++)
				b[i] = b[0] % (alu32 ? 32 : 64);	/* constant, in range */
		struct vreg ra, rb;
		abstract_of(&ra, a, 3);
		abstract_of(&rb, b, 3);
		struct vreg res = ra;
		scalar_alu(&res, &rb, opc, alu32);
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++) {
				uint64_t x = concrete(opc, alu32, a[i], b[j]);
				total++;
				if (!contains(&res, x)) {
					if (bad++ < 5) {
						char sb[300];
						vreg_str(sb, sizeof(sb), &res);
						T_CHECK(0, "op %#x alu32 %d: %#llx op %#llx = %#llx not in %s", opc,
							alu32, (unsigned long long)a[i], (unsigned long long)b[j],
							(unsigned long long)x, sb);
					}
				}
			}
	}
	T_CHECK(bad == 0, "scalar ALU: %u of %u concrete results outside the abstract one", bad,
		total);
}

/* Loading with opts.verify: STRICT refuses, RECORD records. */
static void test_load_modes(void)
{
	struct bpfrt_insn bad[] = { BPFRT_MOV64_REG(BPFRT_REG_0, BPFRT_REG_5), BPFRT_EXIT_INSN() };
	struct bpfrt_insn good[] = { BPFRT_MOV64_IMM(BPFRT_REG_0, 1), BPFRT_EXIT_INSN() };
	char log[1024] = "";
	BPFRT_OPTS(bpfrt_prog_load_opts, strict, .prog_type = BPFRT_PROG_TYPE_XDP,
		   .verify = BPFRT_VERIFY_STRICT, .log_buf = log, .log_size = sizeof(log));
	struct bpfrt_prog *p = bpfrt_prog__load_insns(bad, 2, &strict);
	T_CHECK(!p && errno == EACCES && strstr(log, "R5 !read_ok"), "strict: refused (%s)", log);
	bpfrt_prog__free(p);
	p = bpfrt_prog__load_insns(good, 2, &strict);
	T_CHECK(p && bpfrt_prog__verified(p), "strict: accepted and verified");
	bpfrt_prog__free(p);
	BPFRT_OPTS(bpfrt_prog_load_opts, rec, .prog_type = BPFRT_PROG_TYPE_XDP,
		   .verify = BPFRT_VERIFY_RECORD);
	p = bpfrt_prog__load_insns(bad, 2, &rec);
	T_CHECK(p && !bpfrt_prog__verified(p), "record: loaded, not verified");
	bpfrt_prog__free(p);
	BPFRT_OPTS(bpfrt_prog_load_opts, off, .prog_type = BPFRT_PROG_TYPE_XDP);
	p = bpfrt_prog__load_insns(good, 2, &off);
	T_CHECK(p && !bpfrt_prog__verified(p), "off: not verified");
	bpfrt_prog__free(p);
}

/* Liveness: a diamond leaves r3 = 1 or 2, which nothing reads again; the
 * long tail after it must be walked once (the second path prunes at the
 * join), not twice. */
static void test_liveness(void)
{
	enum { TAIL = 400 };
	struct bpfrt_insn p[8 + TAIL];
	size_t n = 0;
	p[n++] = (struct bpfrt_insn)BPFRT_LDX_MEM(BPFRT_W, BPFRT_REG_4, BPFRT_REG_1, 12);
	p[n++] = (struct bpfrt_insn)BPFRT_JMP_IMM(BPFRT_JEQ, BPFRT_REG_4, 1, 2);
	p[n++] = (struct bpfrt_insn)BPFRT_MOV64_IMM(BPFRT_REG_3, 1);
	p[n++] = (struct bpfrt_insn)BPFRT_JMP_A(1);
	p[n++] = (struct bpfrt_insn)BPFRT_MOV64_IMM(BPFRT_REG_3, 2);
	for (int i = 0; i < TAIL; i++)	/* r3 dead: overwritten at the end */
		p[n++] = (struct bpfrt_insn)BPFRT_MOV64_IMM(BPFRT_REG_0, i);
	p[n++] = (struct bpfrt_insn)BPFRT_MOV64_IMM(BPFRT_REG_3, 0);
	p[n++] = (struct bpfrt_insn)BPFRT_MOV64_IMM(BPFRT_REG_0, 2);
	p[n++] = (struct bpfrt_insn)BPFRT_EXIT_INSN();
	struct bpfrt_verifier_env_opts vo = { .sz = sizeof(vo), .insns = p, .cnt = n,
					      .prog_type = BPFRT_PROG_TYPE_XDP };
	T_EQ_U64(bpfrt__verify(&vo), 0, "diamond + tail accepted");
	T_CHECK(vo.processed < TAIL + 20, "tail walked once: %u processed for %zu insns",
		vo.processed, n);
}

static bool bpf_available(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, NULL);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int main(int argc, char **argv)
{
	const char *b = getenv("BPFRT_BUILD");
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", argv[0]);
	if (b && *b)
		snprintf(build_dir, sizeof(build_dir), "%s", b);
	else
		snprintf(build_dir, sizeof(build_dir), "%s/..", dirname(tmp));
	snprintf(src_dir, sizeof(src_dir), "%s/../tests/verifier", build_dir);
	if (access(src_dir, R_OK))
		snprintf(src_dir, sizeof(src_dir), "tests/verifier");
	verbose = getenv("BPFRT_VERBOSE") != NULL;
	if (!verbose) {
		bpfrt_set_print(quiet_print);
		libbpf_set_print(quiet_lb);
	}
	test_scalar_alu();
	test_load_modes();
	kernel_ok = bpf_available();
	if (!kernel_ok)
		t_skip("kernel comparison skipped: bpf() unavailable (%s)", strerror(errno));

	char path[1200];
	snprintf(path, sizeof(path), "%s/cases.txt", src_dir);
	FILE *f = fopen(path, "r");
	T_CHECK(f != NULL, "cannot open %s", path);
	if (!f)
		return t_done("test_verifier");
	struct vcase *cases = NULL;
	int n = 0, cap = 0, lineno = 0;
	char line[1024];
	const char *only = argc > 1 ? argv[1] : NULL;
	unsigned acc = 0, rej = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		struct vcase c;
		if (!parse_line(line, &c))
			continue;
		c.line = lineno;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			cases = realloc(cases, (size_t)cap * sizeof(*cases));
		}
		cases[n++] = c;
		if (only && !strstr(c.file, only) && !strstr(c.prog, only))
			continue;
		check_case(&c);
		if (!strcmp(c.verdict, "ACCEPT"))
			acc++;
		else
			rej++;
	}
	fclose(f);
	if (!only) {
		check_corpus_covered(cases, n);
		test_liveness();
	}
	printf("test_verifier: %u accept cases, %u reject cases, kernel comparison %s\n", acc, rej,
	       kernel_ok ? "on" : "off");
	free(cases);
	return t_done("test_verifier");
}
