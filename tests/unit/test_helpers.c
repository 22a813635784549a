/* SPDX-License-Identifier: MIT */
/*
 * Helper tests through real clang-built programs (build/corpus/rt2_*.bpf.o)
 * loaded with bpfrt_object__open_file/load and run with
 * bpfrt_program__test_run: perf output and its reader, spin locks under
 * threads, redirects, trace_printk's text, the task/time/CPU helpers, safe
 * reads of bad addresses, strncmp, xdp_load/store_bytes, skb_pull_data,
 * csum_update, get_hash_recalc.  rt2_kcmp.bpf.o is also run against the
 * kernel by tests/diff/run.py (tests/corpus/rt_cases.txt); here the same
 * programs are checked by value.
 */
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "lib/t.h"
#include "helpers/helpers.h"
#include "helpers/hl.h"
#include "vm/vm.h"

HELPER(redirect_map);
HELPER(probe_read_str);
HELPER(probe_read);

static char corpus_dir[512];
static char logbuf[4096];
static char errbuf[512];

/* rt2_helpers.bpf.c's .bss */
struct g {
	uint64_t op, arg;
	int64_t res[8];
	uint64_t val[16];
	char s1[16], s2[16], s3[8];
};

static int quiet(enum bpfrt_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static struct bpfrt_object *load(const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", corpus_dir, name);
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = logbuf, .log_size = sizeof(logbuf));
	struct bpfrt_object *obj = bpfrt_object__open_file(path, &oo);
	T_CHECK(obj != NULL, "open %s: %s", name, logbuf);
	if (!obj)
		return NULL;
	int err = bpfrt_object__load(obj);
	T_CHECK(err == 0, "load %s: %d %s", name, err, logbuf);
	if (err) {
		bpfrt_object__close(obj);
		return NULL;
	}
	return obj;
}

static struct g *globals(struct bpfrt_object *obj)
{
	struct bpfrt_map *m = bpfrt_object__find_map_by_name(obj, ".bss");
	T_CHECK(m != NULL, "object has a .bss");
	return m ? bpfrt_map__mmap(m) : NULL;
}

struct run {
	const void *in;
	uint32_t len;
	void *out;
	uint32_t out_len;	/* in: capacity, out: bytes */
	uint32_t retval;
	uint32_t cpu;
	int repeat;
};

static int trun(struct bpfrt_object *obj, const char *prog, struct run *r)
{
	BPFRT_OPTS(bpfrt_test_run_opts, o, .data_in = r->in, .data_size_in = r->len,
		   .data_out = r->out, .data_size_out = r->out_len, .cpu = r->cpu,
		   .repeat = r->repeat, .err_buf = errbuf, .err_size = sizeof(errbuf));
	errbuf[0] = 0;
	struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, prog);
	T_CHECK(p != NULL, "program %s", prog);
	int err = bpfrt_program__test_run(p, &o);
	r->out_len = o.data_size_out;
	r->retval = o.retval;
	return err;
}

/* Run prog once on a frame of len bytes (byte i = i); 0 or -errno. */
static int run_frame(struct bpfrt_object *obj, const char *prog, uint32_t len, uint32_t *retval)
{
	uint8_t f[256];
	for (uint32_t i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)i;
	struct run r = { .in = f, .len = len };
	int err = trun(obj, prog, &r);
	if (retval)
		*retval = r.retval;
	return err;
}

/* Slots of rt2_kcmp's result array `r`, zeroed before each run. */
static struct bpfrt_map *rmap;
static void r_clear(void)
{
	uint64_t z = 0;
	for (uint32_t k = 0; k < 48; k++)
		bpfrt_map__update_elem(rmap, &k, &z, 0);
}
static int64_t r_get(uint32_t k)
{
	int64_t v = 0;
	bpfrt_map__lookup_elem(rmap, &k, &v);
	return v;
}

/* ---- perf_event_output ------------------------------------------------ */

struct perf_seen {
	int n;
	int cpu[16];
	uint32_t size[16];
	uint8_t data[16][1100];
	uint64_t lost;
	int lost_calls;
};

static void perf_sample(void *user, int cpu, void *data, uint32_t size)
{
	struct perf_seen *s = user;
	if (s->n < 16) {
		s->cpu[s->n] = cpu;
		s->size[s->n] = size;
		memcpy(s->data[s->n], data, size < 1100 ? size : 1100);
	}
	s->n++;
}

static void perf_lost(void *user, int cpu, uint64_t lost)
{
	struct perf_seen *s = user;
	s->lost += lost;
	s->lost_calls++;
}

static void test_perf_output(void)
{
	struct bpfrt_object *obj = load("rt2_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	struct bpfrt_map *pm = bpfrt_object__find_map_by_name(obj, "perf");
	T_CHECK(pm != NULL, "perf map");
	if (!g || !pm) {
		bpfrt_object__close(obj);
		return;
	}
	uint32_t cpu = bpfrt_num_cpus() > 1 ? 1 : 0;
	uint8_t f[1000];
	for (size_t i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 7);

	/* No reader yet: the slots are empty, as a perf_event_array with no
	 * events in it. */
	g->arg = cpu;
	struct run r = { .in = f, .len = 60, .cpu = cpu };
	T_EQ_U64(trun(obj, "rt2_perf", &r), 0, "perf run without a reader");
	T_EQ_U64(g->res[0], -ENOENT, "no event in the slot: -ENOENT");

	struct perf_seen *s = calloc(1, sizeof(*s));
	struct bpfrt_perf_reader *rd = bpfrt_perf_reader__new(pm, 1, perf_sample, perf_lost, s);
	T_CHECK(rd != NULL, "perf reader: %s", strerror(errno));
	if (!rd || !s) {
		free(s);
		bpfrt_object__close(obj);
		return;
	}
	r = (struct run){ .in = f, .len = 60, .cpu = cpu };
	T_EQ_U64(trun(obj, "rt2_perf", &r), 0, "perf run");
	T_EQ_U64(g->res[0], 0, "BPF_F_CURRENT_CPU");
	T_EQ_U64(g->res[1], 0, "explicit index of the running CPU");
	T_EQ_U64(g->res[2], 0, "with 16 packet bytes");
	T_EQ_U64(g->res[3], -E2BIG, "index beyond max_entries");
	T_EQ_U64(g->res[4], -EINVAL, "flags outside index and ctx length");
	T_EQ_U64(g->res[5], -EFAULT, "ctx length beyond the packet");
	T_EQ_U64(bpfrt_perf_reader__poll(rd, 100), 3, "three samples");
	T_EQ_U64(s->n, 3, "three sample callbacks");
	T_EQ_U64(s->lost, 0, "nothing lost");
	for (int i = 0; i < 3 && i < s->n; i++)
		T_EQ_U64(s->cpu[i], cpu, "sample from the run's CPU");
	uint32_t hdr[2];
	memcpy(hdr, s->data[0], 8);
	T_CHECK(s->size[0] == 8 && hdr[0] == 0xa1 && hdr[1] == 60, "first sample: size %u tag %x "
		"len %u", s->size[0], hdr[0], hdr[1]);
	T_CHECK(s->size[1] == 13 && !memcmp(s->data[1], "thirteen byte", 13),
		"odd-sized sample: size %u", s->size[1]);
	memcpy(hdr, s->data[2], 8);
	T_CHECK(s->size[2] == 24 && hdr[0] == 0xc3 && !memcmp(s->data[2] + 8, f, 16),
		"sample with packet bytes: size %u tag %x", s->size[2], hdr[0]);
	T_EQ_U64(bpfrt_perf_reader__poll(rd, 0), 0, "drained");

	/* Full buffer: one page holds four 1016-byte records. */
	g->op = 1;
	s->n = 0;
	r = (struct run){ .in = f, .len = 1000, .cpu = cpu };
	int ok = 0, nospc = 0;
	for (int i = 0; i < 6; i++) {
		T_EQ_U64(trun(obj, "rt2_perf", &r), 0, "perf run (full buffer)");
		ok += g->res[0] == 0;
		nospc += g->res[0] == -ENOSPC;
	}
	T_EQ_U64(ok, 4, "four samples fit one page");
	T_EQ_U64(nospc, 2, "then -ENOSPC");
	T_EQ_U64(bpfrt_perf_reader__poll(rd, 100), 4, "four samples read");
	T_EQ_U64(s->lost, 2, "two samples reported lost");
	T_EQ_U64(s->lost_calls, 1, "one lost callback");
	memcpy(hdr, s->data[3], 8);
	T_CHECK(s->size[3] == 1008 && hdr[0] == 0xb2 && hdr[1] == 1000 &&
		!memcmp(s->data[3] + 8, f, 1000), "whole-frame sample: size %u", s->size[3]);
	/* Room again after reading. */
	T_EQ_U64(trun(obj, "rt2_perf", &r), 0, "perf run after reading");
	T_EQ_U64(g->res[0], 0, "fits again");
	T_EQ_U64(bpfrt_perf_reader__poll(rd, 100), 1, "one sample");
	bpfrt_perf_reader__free(rd);
	/* The reader gone, the slots are empty again. */
	T_EQ_U64(trun(obj, "rt2_perf", &r), 0, "perf run after the reader");
	T_EQ_U64(g->res[0], -ENOENT, "-ENOENT without a reader");
	free(s);
	bpfrt_object__close(obj);
}

/* ---- spin locks --------------------------------------------------------- */

struct locked {
	uint32_t lock, pad;
	uint64_t cnt, sum;
};

#define LOCK_THREADS 4
#define LOCK_RUNS 20000

struct lock_arg {
	struct bpfrt_object *obj;
	uint32_t cpu;
	int err;
};

static void *lock_thread(void *p)
{
	struct lock_arg *a = p;
	uint8_t f[61] = { 0 };
	BPFRT_OPTS(bpfrt_test_run_opts, o, .data_in = f, .data_size_in = sizeof(f),
		   .repeat = LOCK_RUNS, .cpu = a->cpu);
	a->err = bpfrt_program__test_run(bpfrt_object__find_program_by_name(a->obj, "rt2_lock"),
					 &o);
	return NULL;
}

static void test_spin_lock(void)
{
	struct bpfrt_object *obj = load("rt2_kcmp.bpf.o");
	if (!obj)
		return;
	struct bpfrt_map *lk = bpfrt_object__find_map_by_name(obj, "lk");
	T_CHECK(lk != NULL, "lk map");
	pthread_t th[LOCK_THREADS];
	struct lock_arg a[LOCK_THREADS];
	for (int i = 0; i < LOCK_THREADS; i++) {
		a[i] = (struct lock_arg){ obj, (uint32_t)i % bpfrt_num_cpus(), -1 };
		pthread_create(&th[i], NULL, lock_thread, &a[i]);
	}
	for (int i = 0; i < LOCK_THREADS; i++) {
		pthread_join(th[i], NULL);
		T_EQ_U64(a[i].err, 0, "locked run");
	}
	struct locked v = { 1, 1, 0, 0 };
	uint32_t k = 1;
	T_EQ_U64(bpfrt_map__lookup_elem(lk, &k, &v), 0, "lookup");
	T_EQ_U64(v.cnt, (uint64_t)LOCK_THREADS * LOCK_RUNS, "count under the lock is exact");
	T_EQ_U64(v.sum, (uint64_t)LOCK_THREADS * LOCK_RUNS * 61, "sum under the lock is exact");
	/* The kernel shows a value's bpf_spin_lock as 0 to user space. */
	T_EQ_U64(v.lock, 0, "lock field reads as 0");
	bpfrt_object__close(obj);
}

/* ---- redirects ---------------------------------------------------------- */

static void test_redirect(void)
{
	struct bpfrt_object *obj = load("rt2_kcmp.bpf.o");
	if (!obj)
		return;
	rmap = bpfrt_object__find_map_by_name(obj, "r");
	uint32_t rv = 0;
	r_clear();
	T_EQ_U64(run_frame(obj, "rt2_xredir", 60, &rv), 0, "xdp redirect run");
	T_EQ_U64(rv, 4, "XDP_REDIRECT from bpf_redirect(ifindex, 0)");
	T_EQ_U64(r_get(0), 4, "bpf_redirect: XDP_REDIRECT");
	T_EQ_U64(r_get(1), 100, "bpf_redirect with flags: XDP_ABORTED");
	T_EQ_U64(r_get(2), 100, "bpf_redirect with high flags: XDP_ABORTED");
	T_EQ_U64(r_get(3), 4, "any ifindex redirects");
	T_EQ_U64(run_frame(obj, "rt2_xredir", 61, &rv), 0, "xdp redirect run");
	T_EQ_U64(rv, 2, "XDP_PASS for odd lengths");

	r_clear();
	T_EQ_U64(run_frame(obj, "rt2_tredir", 60, &rv), 0, "tc redirect run");
	T_EQ_U64(rv, 7, "TC_ACT_REDIRECT");
	T_EQ_U64(r_get(0), 7, "bpf_redirect egress");
	T_EQ_U64(r_get(1), 7, "bpf_redirect BPF_F_INGRESS");
	T_EQ_U64(r_get(2), 102, "unknown flag: TC_ACT_SHOT");
	T_EQ_U64(r_get(3), 102, "high flag: TC_ACT_SHOT");
	T_EQ_U64(run_frame(obj, "rt2_tredir", 61, &rv), 0, "tc redirect run");
	T_EQ_U64(rv, 0, "TC_ACT_OK for odd lengths");
	bpfrt_object__close(obj);

	/*
	 * bpf_redirect_map takes device and socket maps, which bpfrt cannot
	 * create yet, so the helper is called directly: an array stands in
	 * for a devmap's lookup, a map struct of type xskmap for the flag
	 * check that comes before any lookup.
	 */
	struct bpfrt_map *arr = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "devs", 4, 4, 4, NULL);
	struct bpfrt_map *h = bpfrt_map__create(BPFRT_MAP_TYPE_HASH, "devh", 4, 4, 4, NULL);
	T_CHECK(arr && h, "maps");
	if (!arr || !h)
		return;
	uint32_t k = 2, ifx = 1;
	bpfrt_map__update_elem(h, &k, &ifx, 0);
	struct bpfrt_run_ctx rc;
	memset(&rc, 0, sizeof(rc));
	rc.prog_type = BPFRT_PROG_TYPE_XDP;
	uint64_t m = (uintptr_t)h;
	T_EQ_U64(bpfrt__h_redirect_map(m, 2, 0, 0, 0, &rc), 4, "present key: XDP_REDIRECT");
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 0, 0, 0, &rc), 0, "missing key, flags 0: ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 1, 0, 0, &rc), 1, "missing key: XDP_DROP from flags");
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 2, 0, 0, &rc), 2, "missing key: XDP_PASS from flags");
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 3, 0, 0, &rc), 3, "missing key: XDP_TX from flags");
	T_EQ_U64(bpfrt__h_redirect_map(m, 2, 4, 0, 0, &rc), 0, "unknown flag: XDP_ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map(m, 2, 1ull << 32, 0, 0, &rc), 0, "high flag: ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map((uintptr_t)arr, 7, 2, 0, 0, &rc), 2,
		 "index beyond max_entries: flags");
	/* The broadcast flags only for device maps. */
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 8 | 2, 0, 0, &rc), 0, "broadcast on a hash: ABORTED");
	struct bpfrt_map fake;
	memset(&fake, 0, sizeof(fake));
	fake.type = BPFRT_MAP_TYPE_XSKMAP;
	T_EQ_U64(bpfrt__h_redirect_map((uintptr_t)&fake, 3, 8, 0, 0, &rc), 0,
		 "broadcast on an xskmap: ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map((uintptr_t)&fake, 3, 16, 0, 0, &rc), 0,
		 "exclude-ingress on an xskmap: ABORTED");
	bpfrt_map__put(arr);
	bpfrt_map__put(h);
}

/* ---- trace_printk -------------------------------------------------------- */

static char traced[24][128];
static char traced_full[1100];
static int ntraced;
static void trace_sink(void *user, const char *msg)
{
	if (ntraced < 24)
		snprintf(traced[ntraced], sizeof(traced[0]), "%s", msg);
	snprintf(traced_full, sizeof(traced_full), "%s", msg);
	ntraced++;
}

static void test_printk(void)
{
	struct bpfrt_object *obj = load("rt2_kcmp.bpf.o");
	if (!obj)
		return;
	rmap = bpfrt_object__find_map_by_name(obj, "r");
	r_clear();
	ntraced = 0;
	bpfrt__set_trace_sink(trace_sink, NULL);
	T_EQ_U64(run_frame(obj, "rt2_printk", 60, NULL), 0, "printk run");
	bpfrt__set_trace_sink(NULL, NULL);
	/* The kernel's text for each call that succeeds, in call order
	 * (its lengths are compared with the kernel's by rt_cases.txt). */
	static const struct { int slot; const char *text; } want[] = {
		{ 0, "-5 7 ff" },
		{ 1, "-1099511627776 abcdef0123 4294967295" },
		{ 2, "   42|-3   |000ab" },
		{ 3, "0000000000001234" },
		{ 4, "[0000000000000000]" },
		{ 5, "hello!" },
		{ 6, "A  b" },
		{ 7, "<>" },
		{ 8, "1.2.3.4 001.002.003.004" },
		{ 9, "0102:0304:0506:0708:090a:0b0c:0d0e:0f10" },
		{ 10, "0102030405060708090a0b0c0d0e0f10" },
		{ 14, "100% +5  6 BEEF" },
		{ 16, "tab\there\n" },
		{ 19, "hello|0000000000000000" },
		{ 20, "0.0.0.0 000.000.000.000" },
		{ 21, "1 -2 3 40000 -5 hello" },
	};
	const size_t nw = sizeof(want) / sizeof(want[0]);
	T_EQ_U64(ntraced, nw + 3, "lines traced");
	for (size_t i = 0; i < nw && i < (size_t)ntraced; i++) {
		T_CHECK(!strcmp(traced[i], want[i].text), "slot %d: '%s', want '%s'", want[i].slot,
			traced[i], want[i].text);
		T_EQ_U64(r_get((uint32_t)want[i].slot), strlen(want[i].text), want[i].text);
	}
	/* %c of a NUL counts one character and ends the text there. */
	T_CHECK(ntraced > (int)nw && traced[nw][0] == 0, "NUL char: '%s'", traced[nw]);
	T_EQ_U64(r_get(25), 2, "%c of a NUL and '|'");
	/* Widths beyond the 1024-byte buffer: the text is cut, the length
	 * is what it would have been. */
	char spaces[128];
	memset(spaces, ' ', 127);
	spaces[127] = 0;
	T_CHECK(ntraced > (int)nw + 1 && !strcmp(traced[nw + 1], spaces), "wide field");
	T_EQ_U64(r_get(27), 1100, "%1100d");
	/* Strings longer than the old 256-byte pieces. */
	T_CHECK(strlen(traced_full) == 263 && strspn(traced_full, "x") == 263,
		"long %%s, the last line: %zu characters", strlen(traced_full));
	T_EQ_U64(r_get(26), 263, "263-character %s");
	static const int einval[] = { 11, 12, 13, 15, 17, 18, 22, 23, 24 };
	for (size_t i = 0; i < sizeof(einval) / sizeof(einval[0]); i++)
		T_CHECK(r_get((uint32_t)einval[i]) == -EINVAL, "slot %d: %lld, want -EINVAL",
			einval[i], (long long)r_get((uint32_t)einval[i]));

	/* Without a sink the lines go to the library's debug messages; a
	 * line that starts with a NUL (slot 25) is empty there. */
	T_EQ_U64(run_frame(obj, "rt2_printk", 60, NULL), 0, "printk run without a sink");

	/* The formatter itself: truncation keeps the full length, symbols. */
	char out[8];
	uint64_t args[3] = { 123456789, 0xffffffff81000000ull, 0 };
	T_EQ_U64(bpfrt__bprintf(out, sizeof(out), "%d", 3, args, 1), 9, "full length");
	T_CHECK(!strcmp(out, "1234567"), "truncated output '%s'", out);
	char big[64];
	T_EQ_U64(bpfrt__bprintf(big, sizeof(big), "%ps", 4, args + 1, 1), 18, "%ps");
	T_CHECK(!strcmp(big, "0xffffffff81000000"), "%%ps: '%s'", big);
	T_EQ_U64(bpfrt__bprintf(big, sizeof(big), "%d", 2, args, 1), -EINVAL, "no NUL in size");
	T_EQ_U64(bpfrt__bprintf(big, sizeof(big), "%", 2, args, 1), -EINVAL, "lone %");
	T_EQ_U64(bpfrt__bprintf(big, sizeof(big), "%pB", 4, args, 1), -EINVAL, "%pB");
	bpfrt_object__close(obj);
}

/* ---- the task, time, CPU ------------------------------------------------- */

static uint64_t mono_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct env_arg {
	struct bpfrt_object *obj;
	struct g *g;
	uint64_t pid_tgid;
	uint64_t want;
};

static void *env_thread(void *p)
{
	struct env_arg *a = p;
	a->want = (uint64_t)(uint32_t)getpid() << 32 | (uint32_t)syscall(SYS_gettid);
	if (run_frame(a->obj, "rt2_env", 60, NULL) == 0)
		a->pid_tgid = a->g->val[0];
	return NULL;
}

static void test_env(void)
{
	struct bpfrt_object *obj = load("rt2_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	if (!g) {
		bpfrt_object__close(obj);
		return;
	}
	uint64_t t0 = mono_ns(CLOCK_MONOTONIC), b0 = mono_ns(CLOCK_BOOTTIME);
	uint32_t rv = 0;
	T_EQ_U64(run_frame(obj, "rt2_env", 60, &rv), 0, "env run");
	uint64_t t1 = mono_ns(CLOCK_MONOTONIC), b1 = mono_ns(CLOCK_BOOTTIME);
	T_EQ_U64(rv, 1, "cgroup_skb verdict");
	T_EQ_U64(g->val[0], (uint64_t)(uint32_t)getpid() << 32 | (uint32_t)syscall(SYS_gettid),
		 "pid_tgid: tgid << 32 | tid");
	T_EQ_U64(g->val[1], (uint64_t)getgid() << 32 | getuid(), "uid_gid: gid << 32 | uid");
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
	}
	comm[strcspn(comm, "\n")] = 0;
	T_EQ_U64(g->res[0], 0, "get_current_comm");
	T_CHECK(!strcmp(g->s1, comm), "comm '%s' is /proc/self/comm '%s'", g->s1, comm);
	char pad[16] = { 0 };
	size_t cl = strlen(g->s1);
	T_CHECK(cl < 16 && !memcmp(g->s1 + cl, pad, 16 - cl), "comm zero-padded");
	T_EQ_U64(g->res[1], 0, "get_current_comm into 4 bytes");
	T_CHECK(!strncmp(g->s3, comm, 3) && g->s3[3] == 0, "truncated comm '%.4s'", g->s3);
	T_CHECK(g->val[2] >= t0 && g->val[2] <= g->val[3] && g->val[3] <= t1,
		"ktime_get_ns %llu, %llu within [%llu, %llu]", (unsigned long long)g->val[2],
		(unsigned long long)g->val[3], (unsigned long long)t0, (unsigned long long)t1);
	T_CHECK(g->val[4] >= b0 && g->val[4] <= b1, "ktime_get_boot_ns within CLOCK_BOOTTIME");
	T_CHECK(g->val[5] <= t1 && g->val[5] + 50000000 >= t0, "ktime_get_coarse_ns near");
	T_CHECK(g->val[6] >= b0 / 1000000 - 1 && g->val[6] <= b1 / 1000000 + 1,
		"jiffies64 %llu", (unsigned long long)g->val[6]);
	T_EQ_U64(g->val[7], 0, "smp_processor_id = test-run cpu 0");
	T_EQ_U64(g->val[8], 0, "numa node 0");
	uint64_t first[7];
	memcpy(first, &g->val[9], sizeof(first));
	int distinct = 0;
	for (int i = 1; i < 7; i++)
		distinct += first[i] != first[0];
	T_CHECK(distinct >= 5, "prandom values vary within a run");
	bool hi = false;
	for (int i = 0; i < 7; i++)
		hi |= first[i] > UINT32_MAX;
	T_CHECK(!hi, "prandom values are u32");
	T_EQ_U64(run_frame(obj, "rt2_env", 60, NULL), 0, "env run 2");
	T_CHECK(memcmp(first, &g->val[9], sizeof(first)) != 0, "prandom values vary across runs");
	T_CHECK(g->val[2] >= t1, "ktime_get_ns monotonic across runs");

	/* The CPU is test-run's option; one past the last is refused. */
	for (uint32_t cpu = 0; cpu < bpfrt_num_cpus() && cpu < 4; cpu++) {
		uint8_t fr[60] = { 0 };
		struct run r = { .in = fr, .len = 60, .cpu = cpu };
		T_EQ_U64(trun(obj, "rt2_env", &r), 0, "env run on a cpu");
		T_EQ_U64(g->val[7], cpu, "smp_processor_id");
	}
	uint8_t fr[60] = { 0 };
	struct run r = { .in = fr, .len = 60, .cpu = bpfrt_num_cpus() };
	T_EQ_U64(trun(obj, "rt2_env", &r), -ENXIO, "cpu beyond the last");

	/* Another thread is another task: same tgid, its own tid. */
	struct env_arg a = { obj, g, 0, 1 };
	pthread_t th;
	pthread_create(&th, NULL, env_thread, &a);
	pthread_join(th, NULL);
	T_EQ_U64(a.pid_tgid, a.want, "pid_tgid of another thread");
	T_CHECK((uint32_t)a.pid_tgid != (uint32_t)getpid(),
		"thread's tid differs from the tgid");

	/* comm follows the thread's name. */
	char old[16] = "";
	prctl(PR_GET_NAME, old, 0, 0, 0);
	prctl(PR_SET_NAME, "bpfrt-helpers-long-name", 0, 0, 0);
	T_EQ_U64(run_frame(obj, "rt2_env", 60, NULL), 0, "env run renamed");
	T_CHECK(!strcmp(g->s1, "bpfrt-helpers-l"), "renamed comm '%s'", g->s1);
	prctl(PR_SET_NAME, old, 0, 0, 0);
	bpfrt_object__close(obj);
}

/* ---- safe reads ---------------------------------------------------------- */

static void test_probe_read(void)
{
	struct bpfrt_object *obj = load("rt2_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	long ps = sysconf(_SC_PAGESIZE);
	uint8_t *pg = mmap(NULL, (size_t)ps * 2, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_CHECK(pg != MAP_FAILED, "mmap");
	if (!g || pg == MAP_FAILED) {
		bpfrt_object__close(obj);
		return;
	}
	/* The second page is a hole: inaccessible, and reserved so that no
	 * allocation lands there. */
	mprotect(pg + ps, (size_t)ps, PROT_NONE);
	static const char zero[16];

	/* Bad addresses: -EFAULT, destination zeroed, no crash. */
	uint64_t bad[] = { 16, (uintptr_t)(pg + ps), 0xffff800000000000ull };
	for (size_t i = 0; i < 3; i++) {
		g->arg = bad[i];
		T_EQ_U64(run_frame(obj, "rt2_probe", 60, NULL), 0, "probe run");
		T_EQ_U64(g->res[0], -EFAULT, "probe_read_kernel_str of a bad address");
		T_CHECK(!memcmp(g->s1, zero, 16), "kernel_str destination zeroed");
		T_EQ_U64(g->res[1], -EFAULT, "probe_read_user_str of a bad address");
		T_CHECK(!memcmp(g->s2, zero, 4) && (uint8_t)g->s2[4] == 0x55,
			"user_str: its 4 bytes zeroed, nothing beyond");
		T_EQ_U64(g->res[2], -EFAULT, "probe_read_user of a bad address");
		T_EQ_U64(g->val[0], 0, "probe_read_user destination zeroed");
		T_EQ_U64(g->res[3], -EFAULT, "probe_read_kernel of a bad address");
	}

	/* A string that ends right before the hole reads whole. */
	memcpy(pg + ps - 4, "abc", 4);
	g->arg = (uintptr_t)(pg + ps - 4);
	T_EQ_U64(run_frame(obj, "rt2_probe", 60, NULL), 0, "probe run");
	T_EQ_U64(g->res[0], 4, "length with the NUL");
	T_CHECK(!strcmp(g->s1, "abc"), "string read");
	T_EQ_U64(g->res[1], 4, "user_str in 4 bytes");
	T_EQ_U64(g->res[2], -EFAULT, "8 bytes across the hole");
	T_EQ_U64(g->val[0], 0, "partial read zeroed");

	/* No NUL before the hole: -EFAULT, zeroed. */
	memcpy(pg + ps - 4, "abcd", 4);
	T_EQ_U64(run_frame(obj, "rt2_probe", 60, NULL), 0, "probe run");
	T_EQ_U64(g->res[0], -EFAULT, "unterminated string at the hole");
	T_CHECK(!memcmp(g->s1, zero, 16), "destination zeroed");
	T_EQ_U64(g->res[1], 4, "but 3 bytes and a NUL fit in 4");
	T_CHECK(!strcmp(g->s2, "abc"), "truncated '%s'", g->s2);

	/* A long string is truncated to size - 1 bytes and a NUL. */
	static const char longs[] = "0123456789abcdefghij";
	g->arg = (uintptr_t)longs;
	T_EQ_U64(run_frame(obj, "rt2_probe", 60, NULL), 0, "probe run");
	T_EQ_U64(g->res[0], 16, "truncated to the buffer");
	T_CHECK(!memcmp(g->s1, "0123456789abcde", 16), "15 bytes and a NUL");
	T_EQ_U64(g->res[2], 0, "probe_read_user of a good address");
	T_CHECK(!memcmp(&g->val[0], longs, 8) && !memcmp(&g->val[1], longs, 8), "bytes read");
	/* The legacy bpf_probe_read / bpf_probe_read_str are for tracing
	 * programs, which test-run does not take: called directly. */
	struct bpfrt_run_ctx rc;
	memset(&rc, 0, sizeof(rc));
	char d[8];
	memset(d, 0x55, sizeof(d));
	T_EQ_U64(bpfrt__h_probe_read_str((uintptr_t)d, 8, (uintptr_t)(pg + ps), 0, 0, &rc),
		 -EFAULT, "probe_read_str of a hole");
	T_CHECK(!memcmp(d, zero, 8), "probe_read_str destination zeroed");
	T_EQ_U64(bpfrt__h_probe_read_str((uintptr_t)d, 8, (uintptr_t)longs, 0, 0, &rc), 8,
		 "probe_read_str truncates");
	T_CHECK(!memcmp(d, "0123456", 8), "7 bytes and a NUL");
	memset(d, 0x55, sizeof(d));
	T_EQ_U64(bpfrt__h_probe_read((uintptr_t)d, 8, 8, 0, 0, &rc), -EFAULT,
		 "probe_read of address 8");
	T_CHECK(!memcmp(d, zero, 8), "probe_read destination zeroed");
	munmap(pg, (size_t)ps * 2);
	bpfrt_object__close(obj);
}

/* ---- strncmp, xdp bytes, skb helpers --------------------------------------- */

static void test_strncmp(void)
{
	struct bpfrt_object *obj = load("rt2_kcmp.bpf.o");
	if (!obj)
		return;
	rmap = bpfrt_object__find_map_by_name(obj, "r");
	r_clear();
	T_EQ_U64(run_frame(obj, "rt2_strncmp", 60, NULL), 0, "strncmp run");
	/* ret + 10: -1, 0, 1 as the kernel's strncmp answers */
	static const int64_t want[] = { 10, 11, 9, 11, 10, 11, 10, 11, 11, 9, 11 };
	for (uint32_t k = 0; k < 11; k++)
		T_CHECK(r_get(k) == want[k], "strncmp case %u: %lld, want %lld", k,
			(long long)r_get(k) - 10, (long long)want[k] - 10);
	bpfrt_object__close(obj);
}

static void test_xdp_bytes(void)
{
	struct bpfrt_object *obj = load("rt2_kcmp.bpf.o");
	if (!obj)
		return;
	rmap = bpfrt_object__find_map_by_name(obj, "r");
	r_clear();
	uint8_t f[64], out[128];
	for (int i = 0; i < 64; i++)
		f[i] = (uint8_t)(0x40 + i);
	struct run r = { .in = f, .len = 64, .out = out, .out_len = sizeof(out) };
	T_EQ_U64(trun(obj, "rt2_xbytes", &r), 0, "xdp bytes run");
	T_EQ_U64(r.retval, 3, "XDP_TX");
	T_EQ_U64(r_get(0), 100, "load at 0");
	T_EQ_U64(r_get(1), 0x40 + 0x47, "bytes loaded");
	T_EQ_U64(r_get(2), 100, "load of the last 8");
	T_EQ_U64(r_get(3), 0x40 + 56 + 0x40 + 63, "last bytes");
	T_EQ_U64(r_get(4), 100 - EINVAL, "one past the end: -EINVAL");
	T_EQ_U64(r_get(5), 0x40 + 56 + 0x40 + 63, "buffer untouched on failure");
	T_EQ_U64(r_get(6), 100 - EFAULT, "offset above 0xffff: -EFAULT");
	T_EQ_U64(r_get(7), 100 - EFAULT, "offset 0xffffffff: -EFAULT");
	T_EQ_U64(r_get(8), 100 - EINVAL, "offset 0xffff: -EINVAL");
	T_EQ_U64(r_get(9), 100, "store at 6");
	T_EQ_U64(r_get(10), 100, "store of the last 4");
	T_EQ_U64(r_get(11), 100 - EINVAL, "store one past the end");
	T_EQ_U64(r_get(12), 100 - EFAULT, "store above 0xffff");
	T_EQ_U64(r_get(13), 100 - EINVAL, "store at the end");
	T_EQ_U64(r_get(14), 64, "xdp_get_buff_len");
	T_EQ_U64(r_get(15), 100, "store into grown bytes");
	T_EQ_U64(r_get(16), 100, "load from grown bytes");
	T_EQ_U64(r_get(17), 2 + 8, "grown bytes read back");
	uint8_t want[72];
	memcpy(want, f, 64);
	for (int i = 0; i < 8; i++)
		want[6 + i] = want[64 + i] = (uint8_t)(i + 1);
	for (int i = 0; i < 4; i++)
		want[60 + i] = (uint8_t)(i + 1);
	T_EQ_U64(r.out_len, 72, "grown output");
	T_CHECK(!memcmp(out, want, 72), "stored bytes in the output");
	bpfrt_object__close(obj);
}

static void test_skb(void)
{
	struct bpfrt_object *obj = load("rt2_kcmp.bpf.o");
	if (!obj)
		return;
	rmap = bpfrt_object__find_map_by_name(obj, "r");
	r_clear();
	T_EQ_U64(run_frame(obj, "rt2_tskb", 60, NULL), 0, "skb run");
	T_EQ_U64(r_get(0), 100, "pull_data(0)");
	T_EQ_U64(r_get(1), 100, "pull_data(14)");
	T_EQ_U64(r_get(2), 100, "pull_data(len)");
	T_EQ_U64(r_get(3), 100 - ENOMEM, "pull_data(len + 1): -ENOMEM");
	T_EQ_U64(r_get(4), 1000 - ENOMEM, "pull_data(~0): -ENOMEM");
	T_EQ_U64(r_get(5), 60, "all data linear");
	T_EQ_U64(r_get(6), 1000 - 524, "csum_update without CHECKSUM_COMPLETE: -ENOTSUPP");
	T_EQ_U64(r_get(7), 1, "hash stable within a run");
	T_EQ_U64(r_get(8), 1, "hash non-zero");
	T_EQ_U64(r_get(9), 1, "skb->hash set");
	bpfrt_object__close(obj);

	obj = load("rt2_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	uint8_t f[80];
	for (int i = 0; i < 80; i++)
		f[i] = (uint8_t)(i * 3);
	f[12] = 0x88, f[13] = 0xb5;	/* a local experimental ethertype */
	struct run r = { .in = f, .len = 80 };
	T_EQ_U64(trun(obj, "rt2_hash", &r), 0, "hash run");
	uint64_t h = g->val[1];
	T_EQ_U64(g->val[0], 0, "no hash before");
	T_CHECK(h != 0 && h <= UINT32_MAX, "get_hash_recalc: a non-zero u32");
	T_EQ_U64(g->val[2], h, "skb->hash is the hash");
	T_EQ_U64(g->res[0], -524, "csum_update: -ENOTSUPP");
	T_EQ_U64(trun(obj, "rt2_hash", &r), 0, "hash run 2");
	T_EQ_U64(g->val[1], h, "same frame, same hash");
	bpfrt_object__close(obj);
}

int main(int argc, char **argv)
{
	const char *b = getenv("BPFRT_BUILD");
	if (b) {
		snprintf(corpus_dir, sizeof(corpus_dir), "%s/corpus", b);
	} else {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s", argv[0]);
		snprintf(corpus_dir, sizeof(corpus_dir), "%s/../corpus", dirname(tmp));
	}
	bpfrt_set_print(quiet);
	test_perf_output();
	test_spin_lock();
	test_redirect();
	test_printk();
	test_env();
	test_probe_read();
	test_strncmp();
	test_xdp_bytes();
	test_skb();
	return t_done("helpers");
}
