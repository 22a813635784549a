/* SPDX-License-Identifier: MIT */
/*
 * Helper tests through real clang-built programs (build/corpus/rt2_*.bpf.o)
 * loaded with bpfrt_object__open_file/load and run with
 * bpfrt_program__test_run: perf output and its reader, spin locks under
 * threads, redirects, trace_printk's text, the task/time/CPU helpers, safe
 * reads of bad addresses, strncmp, xdp_load/store_bytes, skb_pull_data,
 * csum_update, get_hash_recalc, bpf_fib_lookup (argument checks, and
 * lookups in a network namespace of its own), bpf_skb_change_tail and
 * bpf_skb_adjust_room (GSO, repeats, growth past the headroom).  rt2_kcmp.bpf.o is also run against the
 * kernel by tests/diff/run.py (tests/corpus/rt_cases.txt); here the same
 * programs are checked by value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "lib/corpus.h"
#include "lib/t.h"
#include "helpers/helpers.h"
#include "helpers/hl.h"
#include "vm/vm.h"

HELPER(redirect_map);
HELPER(probe_read_str);
HELPER(probe_read);

static char logbuf[4096];
static char errbuf[512];

/* rt2_helpers.bpf.c's .bss */
struct g {
	uint64_t op, arg;
	int64_t res[8];
	uint64_t val[16];
	char s1[16], s2[16], s3[8];
	struct bpf_fib_lookup fib;
	uint32_t fib_flags;
};

static int quiet(enum bpfrt_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static struct bpfrt_object *load(const char *name)
{
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = logbuf, .log_size = sizeof(logbuf));
	struct bpfrt_object *obj = bpfrt_object__open_file(t_corpus(name), &oo);
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
	 * bpf_redirect_map on device and socket maps, the helper called
	 * directly: a devmap_hash and a devmap (ifindex 1, lo, exists in every
	 * network namespace), a hash for the broadcast flags device maps alone
	 * take, an xskmap for the flag check that comes before any lookup.
	 */
	struct bpfrt_map *arr = bpfrt_map__create(BPFRT_MAP_TYPE_DEVMAP, "devs", 4, 4, 4, NULL);
	struct bpfrt_map *dh = bpfrt_map__create(BPFRT_MAP_TYPE_DEVMAP_HASH, "devh", 4, 4, 4, NULL);
	struct bpfrt_map *h = bpfrt_map__create(BPFRT_MAP_TYPE_HASH, "hash", 4, 4, 4, NULL);
	struct bpfrt_map *xsk = bpfrt_map__create(BPFRT_MAP_TYPE_XSKMAP, "xsks", 4, 4, 4, NULL);
	T_CHECK(arr && dh && h && xsk, "maps");
	if (!arr || !dh || !h || !xsk)
		return;
	uint32_t k = 2, ifx = 1;
	bpfrt_map__update_elem(dh, &k, &ifx, 0);
	bpfrt_map__update_elem(h, &k, &ifx, 0);
	struct bpfrt_run_ctx rc;
	memset(&rc, 0, sizeof(rc));
	rc.prog_type = BPFRT_PROG_TYPE_XDP;
	uint64_t m = (uintptr_t)dh;
	T_EQ_U64(bpfrt__h_redirect_map(m, 2, 0, 0, 0, &rc), 4, "present key: XDP_REDIRECT");
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 0, 0, 0, &rc), 0, "missing key, flags 0: ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 1, 0, 0, &rc), 1, "missing key: XDP_DROP from flags");
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 2, 0, 0, &rc), 2, "missing key: XDP_PASS from flags");
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 3, 0, 0, &rc), 3, "missing key: XDP_TX from flags");
	T_EQ_U64(bpfrt__h_redirect_map(m, 2, 4, 0, 0, &rc), 0, "unknown flag: XDP_ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map(m, 2, 1ull << 32, 0, 0, &rc), 0, "high flag: ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map(m, 3, 8 | 2, 0, 0, &rc), 4, "broadcast: no key needed");
	T_EQ_U64(bpfrt__h_redirect_map((uintptr_t)arr, 7, 2, 0, 0, &rc), 2,
		 "index beyond max_entries: flags");
	/* The broadcast flags only for device maps. */
	T_EQ_U64(bpfrt__h_redirect_map((uintptr_t)h, 3, 8 | 2, 0, 0, &rc), 0,
		 "broadcast on a hash: ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map((uintptr_t)xsk, 3, 8, 0, 0, &rc), 0,
		 "broadcast on an xskmap: ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map((uintptr_t)xsk, 3, 16, 0, 0, &rc), 0,
		 "exclude-ingress on an xskmap: ABORTED");
	T_EQ_U64(bpfrt__h_redirect_map((uintptr_t)xsk, 3, 2, 0, 0, &rc), 2,
		 "empty xskmap slot: flags");
	bpfrt_map__put(dh);
	bpfrt_map__put(xsk);
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

	/* NULL, as programs may pass it: a fault, and no undefined pointer
	 * arithmetic on the way (UBSan). */
	char s4[4] = "abc";
	T_EQ_U64(bpfrt__safe_read_str(s4, NULL, sizeof(s4)), -EFAULT, "string at NULL");
	T_CHECK(!memcmp(s4, zero, sizeof(s4)), "destination zeroed");

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

/* ---- bpf_fib_lookup -------------------------------------------------------- */

static int64_t fib(struct bpfrt_object *obj, struct g *g, const char *prog, uint8_t family,
		   uint32_t ifindex, const char *dst, uint32_t flags, uint16_t tot_len)
{
	uint8_t f[100] = { [12] = 8, [14] = 0x45 };
	memset(&g->fib, 0, sizeof(g->fib));
	g->fib.family = family;
	g->fib.ifindex = ifindex;
	g->fib.tot_len = tot_len;
	g->fib_flags = flags;
	inet_pton(family == 10 ? AF_INET6 : AF_INET, dst, g->fib.ipv6_dst);
	g->res[0] = 0x5555;
	struct run r = { .in = f, .len = sizeof(f) };
	if (trun(obj, prog, &r) != 0)
		return 0x7777;
	return g->res[0];
}

/* What a child in its own network namespace saw, through a pipe. */
struct fib_seen {
	int unshared;
	int64_t ret[12];
	uint32_t ifindex[12];
	uint16_t mtu[12];
	uint32_t metric[12];
};

static void fib_child(struct bpfrt_object *obj, struct g *g, int fd)
{
	struct fib_seen s = { 0 };
	int i = 0;
#define FIB(prog, fam, dst, fl, tot)							\
	do {										\
		s.ret[i] = fib(obj, g, prog, fam, 1, dst, fl, tot);			\
		s.ifindex[i] = g->fib.ifindex;						\
		s.mtu[i] = g->fib.tot_len;						\
		s.metric[i] = g->fib.rt_metric;						\
		i++;									\
	} while (0)
	/* The thread's netlink socket is opened here, in the parent's
	 * namespace, and must follow the thread into the new one. */
	FIB("rt2_fib", 2, "127.0.0.1", 0, 0);
	if (unshare(CLONE_NEWNET) != 0)
		goto out;
	s.unshared = 1;
	FIB("rt2_fib", 2, "127.0.0.1", 0, 0);		/* 1: forwarding off */
	if (system("sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv6.conf.all.forwarding=1") != 0)
		goto out;
	FIB("rt2_fib", 2, "10.20.0.5", 0, 0);		/* 2: lo down: no route */
	if (system("ip link set lo up && ip route add 10.20.0.0/16 dev lo && "
		   "ip -6 route add fd20::/64 dev lo metric 77") != 0)
		goto out;
	FIB("rt2_fib", 2, "127.0.0.1", 0, 0);		/* 3: local */
	FIB("rt2_fib", 2, "10.20.0.5", BPF_FIB_LOOKUP_SKIP_NEIGH, 0);	/* 4 */
	FIB("rt2_fibt", 2, "10.20.0.5", BPF_FIB_LOOKUP_SKIP_NEIGH, 0);	/* 5 */
	FIB("rt2_fibt", 2, "10.20.0.5", BPF_FIB_LOOKUP_SKIP_NEIGH, 1500);	/* 6 */
	FIB("rt2_fib", 10, "fd20::5", BPF_FIB_LOOKUP_SKIP_NEIGH, 0);	/* 7 */
	FIB("rt2_fib", 10, "fd20::5", BPF_FIB_LOOKUP_SKIP_NEIGH, 1400);	/* 8 */
	FIB("rt2_fib", 2, "10.21.0.5", BPF_FIB_LOOKUP_DIRECT, 0);	/* 9 */
#undef FIB
out:
	if (write(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
		_exit(2);
	_exit(0);
}

struct fib_thread {
	struct bpfrt_object *obj;
	int64_t want;
	int bad;
};

/* No test harness calls in here: its counters are not thread-safe. */
static void *fib_thread(void *p)
{
	struct fib_thread *t = p;
	struct g *g = bpfrt_map__mmap(bpfrt_object__find_map_by_name(t->obj, ".bss"));
	struct bpfrt_program *prog = bpfrt_object__find_program_by_name(t->obj, "rt2_fib");
	uint8_t f[60] = { 0 };
	char err[256];
	for (int i = 0; i < 50; i++) {
		memset(&g->fib, 0, sizeof(g->fib));
		g->fib.family = 2;
		g->fib.ifindex = 1;
		g->fib.ipv4_dst = htonl(0x7f000001);
		g->fib_flags = 0;
		BPFRT_OPTS(bpfrt_test_run_opts, o, .data_in = f, .data_size_in = sizeof(f),
			   .err_buf = err, .err_size = sizeof(err));
		t->bad += bpfrt_program__test_run(prog, &o) != 0 || g->res[0] != t->want;
	}
	return NULL;
}

static void test_fib(void)
{
	struct bpfrt_object *obj = load("rt2_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	T_EQ_U64(fib(obj, g, "rt2_fib", 2, 1, "10.2.0.5", 1u << 15, 0), -EINVAL, "unknown flag");
	T_EQ_U64(fib(obj, g, "rt2_fib", 7, 1, "10.2.0.5", 0, 0), -EAFNOSUPPORT, "family 7");
	T_EQ_U64(fib(obj, g, "rt2_fib", 2, 0, "10.2.0.5", 0, 0), -ENODEV, "ifindex 0");
	T_EQ_U64(fib(obj, g, "rt2_fibt", 10, 0x7fffffff, "fd02::5", 0, 0), -ENODEV,
		 "no such device");
	T_EQ_U64(fib(obj, g, "rt2_fib", 10, 0, "fe80::1", 0, 0), BPF_FIB_LKUP_RET_NOT_FWDED,
		 "link-local: before the device");
	T_EQ_U64(fib(obj, g, "rt2_fibt", 10, 0, "::1", 0, 0), BPF_FIB_LKUP_RET_NOT_FWDED,
		 "loopback: before the device");

	/* Each thread asks over its own socket: the same answers, in parallel. */
	int64_t want = fib(obj, g, "rt2_fib", 2, 1, "127.0.0.1", 0, 0);
	pthread_t th[2];
	struct fib_thread ft[2];
	for (int i = 0; i < 2; i++) {
		ft[i] = (struct fib_thread){ .obj = load("rt2_helpers.bpf.o"), .want = want };
		if (ft[i].obj)
			pthread_create(&th[i], NULL, fib_thread, &ft[i]);
	}
	for (int i = 0; i < 2; i++) {
		if (!ft[i].obj)
			continue;
		pthread_join(th[i], NULL);
		T_EQ_U64(ft[i].bad, 0, "threads: every lookup answered as the first");
		bpfrt_object__close(ft[i].obj);
	}

	int fds[2];
	T_CHECK(pipe(fds) == 0, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		fib_child(obj, g, fds[1]);
	}
	close(fds[1]);
	struct fib_seen s = { 0 };
	ssize_t n = read(fds[0], &s, sizeof(s));
	close(fds[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	T_CHECK(n == (ssize_t)sizeof(s), "child's answers");
	if (n != (ssize_t)sizeof(s) || !s.unshared) {
		t_skip("bpf_fib_lookup in a network namespace: cannot unshare (root needed)");
		bpfrt_object__close(obj);
		return;
	}
	T_EQ_U64(s.ret[1], BPF_FIB_LKUP_RET_FWD_DISABLED, "new namespace: forwarding off");
	T_EQ_U64(s.ret[2], BPF_FIB_LKUP_RET_NOT_FWDED, "lo down: no route");
	T_EQ_U64(s.ret[3], BPF_FIB_LKUP_RET_NOT_FWDED, "127.0.0.1 is local");
	T_EQ_U64(s.ret[4], 0, "route via lo");
	T_EQ_U64(s.ifindex[4], 1, "egress lo");
	T_EQ_U64(s.mtu[4], 0xffff, "XDP: lo's mtu capped at IP_MAX_MTU");
	T_EQ_U64(s.ret[5], 0, "tc: route via lo");
	T_EQ_U64(s.mtu[5], 0, "tc: lo's mtu 65536 in the u16 mtu_result");
	T_EQ_U64(s.ret[6], 0, "tc with tot_len");
	T_EQ_U64(s.mtu[6], 0xffff, "tc with tot_len: the route's mtu");
	T_EQ_U64(s.ret[7], 0, "IPv6 via lo");
	T_EQ_U64(s.metric[7], 77, "IPv6 metric");
	T_EQ_U64(s.mtu[7], 0, "IPv6: lo's mtu6 65536 in the u16 mtu_result");
	T_EQ_U64(s.ret[8], 0, "IPv6 tot_len below the mtu");
	T_EQ_U64(s.ret[9], BPF_FIB_LKUP_RET_NOT_FWDED, "direct: no route");
	bpfrt_object__close(obj);
}

/* ---- skb resizing --------------------------------------------------------- */

struct room {
	int64_t ret[2];
	uint64_t len, gso_size, gso_segs, linear;
	uint32_t out_len;
	int err;
};

static struct room room(struct bpfrt_object *obj, struct g *g, uint64_t op, int64_t arg,
			uint64_t flags, int twice, int repeat, uint32_t gso, uint8_t *out,
			uint32_t out_cap)
{
	uint8_t f[100];
	for (int i = 0; i < 100; i++)
		f[i] = (uint8_t)(i + 1);
	f[12] = 8, f[13] = 0;
	struct __sk_buff ctx = { .gso_size = gso, .gso_segs = gso ? 3 : 0 };
	g->op = op;
	g->arg = (uint64_t)arg;
	g->val[0] = flags;
	g->val[1] = (uint64_t)twice;
	g->res[0] = g->res[1] = 0x5555;
	BPFRT_OPTS(bpfrt_test_run_opts, o, .data_in = f, .data_size_in = sizeof(f),
		   .data_out = out, .data_size_out = out_cap, .repeat = repeat,
		   .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .err_buf = errbuf,
		   .err_size = sizeof(errbuf));
	struct room r = { .err = bpfrt_program__test_run(
				  bpfrt_object__find_program_by_name(obj, "rt2_room"), &o) };
	r.ret[0] = g->res[0];
	r.ret[1] = g->res[1];
	r.len = g->val[2];
	r.gso_size = g->val[3];
	r.gso_segs = g->val[4];
	r.linear = g->val[5];
	r.out_len = o.data_size_out;
	return r;
}

static void test_skb_room(void)
{
	struct bpfrt_object *obj = load("rt2_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	static uint8_t out[20000];
	const uint64_t encap4 = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4;
	/* Values checked against the kernel's test-run (Linux 6.18). */
	struct room r = room(obj, g, 0, 20, encap4, 0, 1, 0, out, sizeof(out));
	T_EQ_U64(r.err, 0, "encap run");
	T_EQ_U64(r.ret[0], 0, "encap");
	T_EQ_U64(r.len, 120, "encap: skb->len");
	r = room(obj, g, 0, 20, encap4, 1, 1, 0, out, sizeof(out));
	T_EQ_U64(r.ret[1], -EALREADY, "encap twice");
	/* Repeats run on the same skb, encapsulated by the first run. */
	r = room(obj, g, 0, 20, encap4, 0, 2, 0, out, sizeof(out));
	T_EQ_U64(r.ret[0], -EALREADY, "second repeat: already encapsulated");
	T_EQ_U64(r.out_len, 120, "one encapsulation in the output");
	/* A GSO skb of test-run has no gso_type: adjust_room refuses it,
	 * change_tail resets its gso fields. */
	r = room(obj, g, 0, 8, 0, 0, 1, 1000, out, sizeof(out));
	T_EQ_U64(r.ret[0], -524, "gso: -ENOTSUPP");
	T_EQ_U64(r.gso_size, 1000, "gso_size kept");
	r = room(obj, g, 1, 104, 0, 0, 1, 1000, out, sizeof(out));
	T_EQ_U64(r.ret[0], 0, "gso: change_tail");
	T_EQ_U64(r.gso_size, 0, "gso_size reset");
	T_EQ_U64(r.gso_segs, 0, "gso_segs reset");
	/* Room at the MAC layer beyond the 64 bytes of headroom: the packet
	 * moves, the new bytes are zero, the rest follows. */
	r = room(obj, g, 0, 300, 0, 0, 1, 0, out, sizeof(out));
	T_EQ_U64(r.ret[0], 0, "300 bytes of room");
	T_EQ_U64(r.out_len, 400, "grown output");
	T_EQ_U64(r.linear, 400, "all linear");
	bool ok = out[0] == 1 && out[11] == 12 && out[12] == 8 && out[13] == 0 && out[314] == 15 &&
		  out[399] == 100;
	for (int i = 14; i < 314; i++)
		ok = ok && out[i] == 0;
	T_CHECK(ok, "MAC header, 300 zero bytes, the rest of the frame");
	/* The kernel reallocates up to 16064 bytes of data; so does
	 * test-run's skb buffer. */
	r = room(obj, g, 0, 0xfff, 0, 1, 1, 0, out, sizeof(out));
	T_CHECK(r.ret[0] == 0 && r.ret[1] == 0 && r.len == 100 + 2 * 0xfff,
		"0xfff bytes of room twice: %lld %lld, len %llu", (long long)r.ret[0],
		(long long)r.ret[1], (unsigned long long)r.len);
	r = room(obj, g, 1, 16064, 0, 0, 1, 0, out, sizeof(out));
	T_CHECK(r.ret[0] == 0 && r.len == 16064, "change_tail to the maximum: %lld, len %llu",
		(long long)r.ret[0], (unsigned long long)r.len);
	r = room(obj, g, 1, 16065, 0, 0, 1, 0, out, sizeof(out));
	T_EQ_U64(r.ret[0], -EINVAL, "change_tail past the maximum");
	bpfrt_object__close(obj);
}

int main(int argc, char **argv)
{
	t_corpus_init(argv[0]);
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
	test_fib();
	test_skb_room();
	return t_done("helpers");
}
