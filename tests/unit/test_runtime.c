/* SPDX-License-Identifier: MIT */
/*
 * Runtime tests: helpers by kernel id, program contexts, tail calls,
 * callbacks and test-run, over build/corpus/rt_*.bpf.o and the corpus.
 * Expected values are the kernel's documented behaviour (bounds of the
 * adjust helpers, MAX_TAIL_CALL_CNT, bpf_loop's limits, checksum
 * arithmetic recomputed here from scratch).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "lib/corpus.h"
#include "lib/t.h"
#include "helpers/helpers.h"
#include "vm/vm.h"

static char logbuf[4096];
static char errbuf[512];

struct g {
	int op, arg;
	long res, res2, res3;
	uint8_t buf[16];
};

static int quiet(enum bpfrt_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* rt_helpers' programs the verifier rejects on purpose: they show what a
 * checked run of an unverified program does. */
static const char *const unsafe_progs[] = { "rt_oob", "rt_ctx_write", "rt_ctx_narrow_xdp",
					    "rt_sock_write" };

/* Open and load a corpus object.  Verified (the default): the programs the
 * verifier rejects are left out; no_verify: all of them, run checked. */
static struct bpfrt_object *load_ex(const char *name, bool no_verify)
{
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = logbuf, .log_size = sizeof(logbuf),
		   .no_verify = no_verify);
	struct bpfrt_object *obj = bpfrt_object__open_file(t_corpus(name), &oo);
	T_CHECK(obj != NULL, "open %s: %s", name, logbuf);
	if (!obj)
		return NULL;
	for (size_t i = 0; i < sizeof(unsafe_progs) / sizeof(*unsafe_progs) && !no_verify; i++) {
		struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, unsafe_progs[i]);
		if (p)
			bpfrt_program__set_autoload(p, false);
	}
	int err = bpfrt_object__load(obj);
	T_CHECK(err == 0, "load %s: %d %s", name, err, logbuf);
	if (err) {
		bpfrt_object__close(obj);
		return NULL;
	}
	return obj;
}

static struct bpfrt_object *load(const char *name)
{
	return load_ex(name, false);
}

static struct g *globals(struct bpfrt_object *obj)
{
	struct bpfrt_map *m = bpfrt_object__find_map_by_name(obj, ".bss");
	return m ? bpfrt_map__mmap(m) : NULL;
}

/* An Ethernet + IPv4 + UDP frame with correct checksums. */
static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t ip_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return fold(s);
}

static void udp_csum(uint8_t *f, size_t len, uint8_t *out_sum)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	size_t ulen = len - 34;
	uint32_t s = 0;
	for (int i = 12; i < 20; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	s += 17 + (uint32_t)ulen;
	uint16_t c = (uint16_t)~ip_sum(udp, ulen, s);
	out_sum[0] = (uint8_t)(c >> 8);
	out_sum[1] = (uint8_t)c;
}

static size_t make_udp(uint8_t *f)
{
	size_t len = 14 + 20 + 8 + 18;
	memset(f, 0, len);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = (uint8_t)(len - 14);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\x01\x02\x03\x0a\x00\x00\x64", 8);
	uint16_t c = (uint16_t)~ip_sum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *udp = ip + 20;
	udp[0] = 0x30, udp[1] = 0x39, udp[3] = 53, udp[5] = (uint8_t)(len - 34);
	for (size_t i = 42; i < len; i++)
		f[i] = (uint8_t)i;
	udp_csum(f, len, udp + 6);
	return len;
}

static int trun(struct bpfrt_object *obj, const char *prog, const void *in, uint32_t len,
		void *out, uint32_t *out_len, uint32_t *retval)
{
	BPFRT_OPTS(bpfrt_test_run_opts, o, .data_in = in, .data_size_in = len, .data_out = out,
		   .data_size_out = out_len ? *out_len : 0, .err_buf = errbuf,
		   .err_size = sizeof(errbuf));
	errbuf[0] = 0;
	struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, prog);
	int err = bpfrt_program__test_run(p, &o);
	if (out_len)
		*out_len = o.data_size_out;
	if (retval)
		*retval = o.retval;
	return err;
}

static void test_tail_calls(void)
{
	struct bpfrt_object *obj = load("rt_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	struct bpfrt_map *progs = bpfrt_object__find_map_by_name(obj, "progs");
	struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, "rt_tail");
	uint32_t key = 0, id = bpfrt__prog_id(bpfrt_program__prog(p)), rv = 0;
	uint8_t f[60] = { 0 };
	T_CHECK(id != 0, "program has an id");
	T_EQ_U64(bpfrt_map__update_elem(progs, &key, &id, 0), 0, "prog array update");
	T_EQ_U64(trun(obj, "rt_tail", f, sizeof(f), NULL, NULL, &rv), 0, "tail run");
	/* The first run plus MAX_TAIL_CALL_CNT (33) tail calls. */
	T_EQ_U64(g->res, 34, "runs in a tail-call chain");
	T_EQ_U64(rv, 2, "XDP_PASS after the fall-through");
	/* An empty slot falls through at once. */
	T_EQ_U64(bpfrt_map__delete_elem(progs, &key), 0, "prog array delete");
	g->res = 0;
	T_EQ_U64(trun(obj, "rt_tail", f, sizeof(f), NULL, NULL, &rv), 0, "tail run 2");
	T_EQ_U64(g->res, 1, "empty slot falls through");
	bpfrt_object__close(obj);
}

static void test_callbacks(void)
{
	struct bpfrt_object *obj = load("rt_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	uint8_t f[60] = { 0 };
	g->op = 0;
	T_EQ_U64(trun(obj, "rt_callbacks", f, sizeof(f), NULL, NULL, NULL), 0, "loop run");
	T_EQ_U64(g->res, 100, "bpf_loop iterations");
	T_EQ_U64(g->res2, 4950, "bpf_loop callback sum");
	g->arg = 9;
	T_EQ_U64(trun(obj, "rt_callbacks", f, sizeof(f), NULL, NULL, NULL), 0, "loop run");
	T_EQ_U64(g->res, 10, "bpf_loop stopped by the callback");
	T_EQ_U64(g->res2, 45, "sum up to the stop");
	g->op = 1;
	T_EQ_U64(trun(obj, "rt_callbacks", f, sizeof(f), NULL, NULL, NULL), 0, "loop run");
	T_EQ_U64(g->res, -EINVAL, "bpf_loop flags");
	T_EQ_U64(g->res2, -E2BIG, "bpf_loop over 1<<23");

	struct bpfrt_map *vals = bpfrt_object__find_map_by_name(obj, "vals");
	for (uint32_t k = 0; k < 8; k++) {
		uint64_t v = k * 10;
		bpfrt_map__update_elem(vals, &k, &v, 0);
	}
	g->op = 2;
	T_EQ_U64(trun(obj, "rt_callbacks", f, sizeof(f), NULL, NULL, NULL), 0, "for_each run");
	T_EQ_U64(g->res, 6, "for_each visits up to the stop");
	T_EQ_U64(g->res2, 150, "for_each sum");
	uint32_t k = 5, k6 = 6;
	uint64_t v = 0;
	bpfrt_map__lookup_elem(vals, &k, &v);
	T_EQ_U64(v, 51, "for_each callback wrote the value");
	bpfrt_map__lookup_elem(vals, &k6, &v);
	T_EQ_U64(v, 60, "not visited after the stop");
	bpfrt_object__close(obj);
}

static void test_maps_and_ringbuf(void)
{
	struct bpfrt_object *obj = load("rt_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	uint8_t f[60] = { 0 };
	uint32_t rv = 0, k = 3;
	uint64_t v = 0;
	T_EQ_U64(trun(obj, "rt_maps", f, sizeof(f), NULL, NULL, &rv), 0, "maps run");
	T_EQ_U64(rv, 3, "map ops as expected (XDP_TX)");
	T_EQ_U64(g->res, 0, "update NOEXIST");
	T_EQ_U64(g->res2, -EEXIST, "update NOEXIST again");
	bpfrt_map__lookup_elem(bpfrt_object__find_map_by_name(obj, "hash"), &k, &v);
	T_EQ_U64(v, 78, "value written through the lookup pointer");
	uint32_t q = 0;
	T_EQ_U64(bpfrt_map__lookup_and_delete_elem(bpfrt_object__find_map_by_name(obj, "queue"),
						   NULL, &q), 0, "queue pop");
	T_EQ_U64(q, 12, "queue keeps the second push");

	struct rec { size_t n; uint8_t d[4][16]; size_t len[4]; } recs = { 0 };
	int cb(void *u, void *data, size_t size);
	struct bpfrt_ringbuf *rb = bpfrt_ringbuf__new(bpfrt_object__find_map_by_name(obj, "rb"),
						      cb, &recs);
	T_CHECK(rb != NULL, "ringbuf consumer");
	T_EQ_U64(trun(obj, "rt_ringbuf", f, sizeof(f), NULL, NULL, &rv), 0, "ringbuf run");
	T_EQ_U64(g->res, 0, "ringbuf_output");
	if (rb) {
		T_EQ_U64(bpfrt_ringbuf__consume(rb), 2, "two records (one discarded)");
		uint32_t w[2];
		memcpy(w, recs.d[0], 8);
		T_CHECK(recs.len[0] == 8 && w[0] == 0xabcd && w[1] == 60, "first record");
		uint64_t x;
		memcpy(&x, recs.d[1], 8);
		T_EQ_U64(x, 0x1122334455667788ull, "output record");
		bpfrt_ringbuf__free(rb);
	}
	bpfrt_object__close(obj);
}

int cb(void *u, void *data, size_t size)
{
	struct { size_t n; uint8_t d[4][16]; size_t len[4]; } *r = u;
	if (r->n < 4) {
		memcpy(r->d[r->n], data, size < 16 ? size : 16);
		r->len[r->n] = size;
	}
	r->n++;
	return 0;
}

static void adjust(struct bpfrt_object *obj, int op, int arg, long want, long want_len,
		   const char *what)
{
	struct g *g = globals(obj);
	uint8_t f[60], out[4096];
	uint32_t out_len = sizeof(out);
	for (int i = 0; i < 60; i++)
		f[i] = (uint8_t)(i + 1);
	g->op = op;
	g->arg = arg;
	g->res = 12345;
	T_EQ_U64(trun(obj, "rt_adjust", f, sizeof(f), out, &out_len, NULL), 0, what);
	T_EQ_U64(g->res, want, what);
	if (want == 0)
		T_EQ_U64(g->res2, want_len, what);
}

static void test_adjust(void)
{
	struct bpfrt_object *obj = load("rt_helpers.bpf.o");
	if (!obj)
		return;
	/* 256 bytes of headroom, of which the xdp_frame's 40 stay reserved. */
	adjust(obj, 0, -216, 0, 276, "adjust_head to the headroom's start");
	adjust(obj, 0, -217, -EINVAL, 0, "adjust_head below it");
	adjust(obj, 0, 46, 0, 14, "adjust_head leaving an Ethernet header");
	adjust(obj, 0, 47, -EINVAL, 0, "adjust_head leaving less");
	/* Tail: up to the page end minus the skb_shared_info room. */
	adjust(obj, 1, 4096 - 320 - 256 - 60, 0, 4096 - 320 - 256, "adjust_tail to the limit");
	adjust(obj, 1, 4096 - 320 - 256 - 60 + 1, -EINVAL, 0, "adjust_tail past it");
	adjust(obj, 1, -46, 0, 14, "adjust_tail to 14 bytes");
	adjust(obj, 1, -47, -EINVAL, 0, "adjust_tail below 14 bytes");
	adjust(obj, 2, -32, 0, 60, "adjust_meta 32 bytes");
	/* Linux 6.18 allows up to 255 bytes: here the whole headroom. */
	adjust(obj, 2, -216, 0, 60, "adjust_meta 216 bytes");
	adjust(obj, 2, -220, -EINVAL, 0, "adjust_meta into the xdp_frame");
	adjust(obj, 2, -6, -EACCES, 0, "adjust_meta unaligned");
	adjust(obj, 2, 4, -EINVAL, 0, "adjust_meta after data");

	/* The output starts at data_meta and ends at the new tail. */
	struct g *g = globals(obj);
	uint8_t f[60], out[128];
	uint32_t out_len = sizeof(out);
	for (int i = 0; i < 60; i++)
		f[i] = (uint8_t)(i + 1);
	g->op = 2;
	g->arg = -8;
	T_EQ_U64(trun(obj, "rt_adjust", f, sizeof(f), out, &out_len, NULL), 0, "meta run");
	T_EQ_U64(out_len, 68, "output includes the metadata");
	T_CHECK(!memcmp(out + 8, f, 60), "frame after the metadata");
	g->op = 1;
	g->arg = 16;
	out_len = sizeof(out);
	T_EQ_U64(trun(obj, "rt_adjust", f, sizeof(f), out, &out_len, NULL), 0, "grow run");
	T_EQ_U64(out_len, 76, "grown output");
	static const uint8_t zero[16];
	T_CHECK(!memcmp(out + 60, zero, 16), "grown bytes are zero");

	/* data_out too small: what fits is copied, the full size reported. */
	out_len = 20;
	memset(out, 0, sizeof(out));
	T_EQ_U64(trun(obj, "rt_adjust", f, sizeof(f), out, &out_len, NULL), -ENOSPC, "ENOSPC");
	T_EQ_U64(out_len, 76, "full size reported");
	T_CHECK(!memcmp(out, f, 20) && out[20] == 0, "partial copy");
	/* Frames shorter than an Ethernet header are refused. */
	T_EQ_U64(trun(obj, "rt_adjust", f, 13, NULL, NULL, NULL), -EINVAL, "13-byte frame");

	/* ctx_in declares 8 bytes of metadata at the start of data_in. */
	struct xdp_md_ { uint32_t data, data_end, data_meta, ifi, rxq, egress; } ci = { .data = 8, .data_end = 60 }, co;
	BPFRT_OPTS(bpfrt_test_run_opts, o, .data_in = f, .data_size_in = 60, .data_out = out,
		   .data_size_out = sizeof(out), .ctx_in = &ci, .ctx_size_in = sizeof(ci),
		   .ctx_out = &co, .ctx_size_out = sizeof(co));
	g->op = 0;
	g->arg = 4;
	T_EQ_U64(bpfrt_program__test_run(bpfrt_object__find_program_by_name(obj, "rt_adjust"),
					 &o), 0, "ctx_in run");
	T_EQ_U64(g->res2, 48, "data after 8 bytes of metadata, head moved by 4");
	/* adjust_head moves the metadata with data */
	T_CHECK(co.data == 8 && co.data_end == 56, "ctx_out data %u data_end %u", co.data,
		co.data_end);
	ci.data = 6;
	T_EQ_U64(bpfrt_program__test_run(bpfrt_object__find_program_by_name(obj, "rt_adjust"),
					 &o), -EINVAL, "unaligned metadata in ctx_in");
	bpfrt_object__close(obj);
}

static void test_faults(void)
{
	/* Loading verifies: the first rejected program refuses the object
	 * with the verifier's message and the C line. */
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = logbuf, .log_size = sizeof(logbuf));
	struct bpfrt_object *obj = bpfrt_object__open_file(t_corpus("rt_helpers.bpf.o"), &oo);
	T_CHECK(obj != NULL, "open rt_helpers");
	if (obj) {
		T_EQ_U64(bpfrt_object__load(obj), -EACCES, "unsafe programs refuse the load");
		T_CHECK(strstr(logbuf, "program 'rt_oob'") && strstr(logbuf, "rt_helpers.bpf.c:") &&
			strstr(logbuf, "makes pkt pointer be out of bounds"), "verifier message: %s", logbuf);
		bpfrt_object__close(obj);
	}

	/* no_verify: rejected programs load, are marked unverified and run
	 * checked, so their faults are caught at run time. */
	obj = load_ex("rt_helpers.bpf.o", true);
	if (!obj)
		return;
	T_CHECK(!bpfrt_prog__verified(bpfrt_program__prog(
			bpfrt_object__find_program_by_name(obj, "rt_oob"))), "rt_oob unverified");
	T_CHECK(bpfrt_prog__verified(bpfrt_program__prog(
			bpfrt_object__find_program_by_name(obj, "rt_probe"))), "rt_probe verified");
	struct g *g = globals(obj);
	uint8_t f[60];
	uint32_t rv = 0;
	for (int i = 0; i < 60; i++)
		f[i] = (uint8_t)(i * 3);
	g->arg = 10;
	T_EQ_U64(trun(obj, "rt_oob", f, sizeof(f), NULL, NULL, &rv), 0, "in-bounds read");
	T_EQ_U64(rv, 30, "packet byte");
	g->arg = 100;
	T_EQ_U64(trun(obj, "rt_oob", f, sizeof(f), NULL, NULL, &rv), -EFAULT, "out of bounds");
	T_CHECK(strstr(errbuf, "insn ") && strstr(errbuf, "(ldxb): read of 1 bytes"),
		"fault names the insn: %s", errbuf);

	T_EQ_U64(trun(obj, "rt_ctx_write", f, sizeof(f), NULL, NULL, NULL), -EFAULT, "ctx write");
	T_CHECK(strstr(errbuf, "insn 1 ") && strstr(errbuf, "invalid bpf_context access off=16 size=4"),
		"read-only xdp_md field: %s", errbuf);
	T_EQ_U64(trun(obj, "rt_ctx_narrow_xdp", f, sizeof(f), NULL, NULL, NULL), -EFAULT, "narrow");
	T_CHECK(strstr(errbuf, "invalid bpf_context access off=12 size=2"),
		"no narrow loads of xdp_md: %s", errbuf);
	T_EQ_U64(trun(obj, "rt_sock_write", f, sizeof(f), NULL, NULL, NULL), -EFAULT,
		 "socket filter write");
	T_CHECK(strstr(errbuf, "invalid bpf_context access off=8 size=4"),
		"skb->mark is read-only for socket filters: %s", errbuf);

	/* probe_read on a bad address: -EFAULT, destination zeroed, no crash. */
	T_EQ_U64(trun(obj, "rt_probe", f, sizeof(f), NULL, NULL, NULL), 0, "probe run");
	T_EQ_U64(g->res, -EFAULT, "probe_read_kernel of address 16");
	T_EQ_U64(g->res2, 0, "destination zeroed");
	uint64_t x;
	memcpy(&x, g->buf, 8);
	T_EQ_U64(x, 0x0123456789abcdefull, "probe_read_kernel of a good address");
	bpfrt_object__close(obj);
}

static void test_tc(void)
{
	struct bpfrt_object *obj = load("rt_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	uint8_t f[128], out[256], ref[128];
	size_t len = make_udp(f);
	uint32_t out_len = sizeof(out), rv = 99;
	uint32_t ctx_out[48] = { 0 };
	BPFRT_OPTS(bpfrt_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len,
		   .data_out = out, .data_size_out = out_len, .ctx_out = ctx_out,
		   .ctx_size_out = sizeof(ctx_out), .err_buf = errbuf, .err_size = sizeof(errbuf));
	int err = bpfrt_program__test_run(bpfrt_object__find_program_by_name(obj, "rt_tc"), &o);
	rv = o.retval;
	T_EQ_U64(err, 0, "tc run");
	if (err)
		printf("%s\n", errbuf);
	T_EQ_U64(rv, 0, "TC_ACT_OK");
	T_EQ_U64(g->res, 0x08, "narrow load of protocol");
	T_EQ_U64(g->res2, len, "narrow load of len");
	T_EQ_U64(o.data_size_out, len, "tc output length");
	T_EQ_U64(ctx_out[2], 0x42, "ctx_out mark");
	T_EQ_U64(ctx_out[12 + 2], 7, "ctx_out cb[2]");
	/* Reference: the same rewrite with checksums computed from scratch. */
	memcpy(ref, f, len);
	memcpy(ref + 30, "\x0a\x00\x00\x63", 4);
	ref[24] = ref[25] = 0;
	uint16_t c = (uint16_t)~ip_sum(ref + 14, 20, 0);
	ref[24] = (uint8_t)(c >> 8);
	ref[25] = (uint8_t)c;
	ref[40] = ref[41] = 0;
	udp_csum(ref, len, ref + 40);
	T_CHECK(!memcmp(out, ref, len), "l3/l4_csum_replace give the full checksums "
		"(ip %02x%02x vs %02x%02x, udp %02x%02x vs %02x%02x)", out[24], out[25], ref[24],
		ref[25], out[40], out[41], ref[40], ref[41]);
	/* csum_diff folded: the one's complement sum of ~old and new. */
	uint32_t s = 0;
	static const uint8_t oldb[4] = { 0x0a, 0x00, 0x00, 0x64 }, newb[4] = { 0x0a, 0, 0, 0x63 };
	for (int i = 0; i < 4; i += 2)
		s += (uint16_t)~((oldb[i + 1] << 8) | oldb[i]) + (uint32_t)((newb[i + 1] << 8) | newb[i]);
	T_EQ_U64(fold((uint32_t)g->res3), fold(s), "csum_diff folded");

	/* IPv4 frame with less than an IP header: refused for skb programs. */
	T_EQ_U64(trun(obj, "rt_tc", f, 14 + 19, NULL, NULL, NULL), -EINVAL, "short IPv4");
	bpfrt_object__close(obj);
}

static char traced[4][128];
static int ntraced;
static void trace_sink(void *user, const char *msg)
{
	if (ntraced < 4)
		snprintf(traced[ntraced], sizeof(traced[0]), "%s", msg);
	ntraced++;
}

static void test_printk(void)
{
	struct bpfrt_object *obj = load("rt_helpers.bpf.o");
	if (!obj)
		return;
	struct g *g = globals(obj);
	uint8_t f[60] = { 0 };
	bpfrt__set_trace_sink(trace_sink, NULL);
	T_EQ_U64(trun(obj, "rt_printk", f, sizeof(f), NULL, NULL, NULL), 0, "printk run");
	bpfrt__set_trace_sink(NULL, NULL);
	T_EQ_U64(ntraced, 2, "two lines traced");
	T_CHECK(!strcmp(traced[0], "n=-5 u=7 x=ff"), "trace_printk: '%s'", traced[0]);
	T_EQ_U64(g->res, 13, "trace_printk returns the length");
	T_CHECK(!strcmp(traced[1], "bpf 2 -3 000ab"), "trace_vprintk: '%s'", traced[1]);
	T_EQ_U64(g->res2, 14, "trace_vprintk returns the length");
	T_EQ_U64(g->res3, -EINVAL, "unsupported specifier");
	bpfrt_object__close(obj);
}

static void test_load_errors(void)
{
	const char *progs[] = { "rt_unimpl", "rt_wrong_type" };
	const char *want[][2] = {
		{ "calls helper bpf_sk_lookup_tcp (id 84)", "which bpfrt does not implement" },
		{ "calls helper bpf_skb_load_bytes (id 26)", "not available to xdp programs" },
	};
	for (int i = 0; i < 2; i++) {
		BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = logbuf, .log_size = sizeof(logbuf));
		struct bpfrt_object *obj = bpfrt_object__open_file(t_corpus("rt_bad_helper.bpf.o"), &oo);
		T_CHECK(obj != NULL, "open rt_bad_helper");
		if (!obj)
			continue;
		for (int j = 0; j < 2; j++)
			bpfrt_program__set_autoload(bpfrt_object__find_program_by_name(obj, progs[j]),
						    i == j);
		T_CHECK(bpfrt_object__load(obj) < 0, "load of %s fails", progs[i]);
		T_CHECK(strstr(logbuf, progs[i]) && strstr(logbuf, want[i][0]) &&
			strstr(logbuf, want[i][1]), "message: %s", logbuf);
		bpfrt_object__close(obj);
	}
}

/* The corpus' tail-call dispatcher, with its prog array filled from the
 * object's __array initialiser if the loader did not. */
static void test_corpus_tail(void)
{
	struct bpfrt_object *obj = load("xdp_tail.bpf.o");
	if (!obj)
		return;
	struct bpfrt_map *jt = bpfrt_object__find_map_by_name(obj, "jmp_table");
	const char *slots[] = { "handle_tcp", "handle_udp", "handle_icmp", "handle_arp", NULL,
				"handle_dns" };
	for (uint32_t k = 0; k < 6; k++) {
		uint32_t id;
		if (!slots[k] || bpfrt_map__lookup_elem(jt, &k, &id) == 0)
			continue;
		struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, slots[k]);
		if (!p)
			continue;
		id = bpfrt__prog_id(bpfrt_program__prog(p));
		bpfrt_map__update_elem(jt, &k, &id, 0);
	}
	uint8_t f[128];
	size_t len = make_udp(f);
	uint32_t rv = 0;
	T_EQ_U64(trun(obj, "xdp_tail", f, (uint32_t)len, NULL, NULL, &rv), 0, "dispatch run");
	T_EQ_U64(rv, 3, "UDP to 53 chains to the DNS handler (XDP_TX)");
	f[14 + 20 + 3] = 9;	/* discard port */
	T_EQ_U64(trun(obj, "xdp_tail", f, (uint32_t)len, NULL, NULL, &rv), 0, "dispatch run");
	T_EQ_U64(rv, 1, "UDP to 9 dropped by the UDP handler");

	/* A verified program runs unchecked: a tail call must not carry that
	 * run into a program nothing proved safe. */
	const struct bpfrt_insn tx[] = { BPFRT_MOV64_IMM(0, 3), BPFRT_EXIT_INSN() };
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .prog_type = BPFRT_PROG_TYPE_XDP, .name = "raw_tx");
	struct bpfrt_prog *raw = bpfrt_prog__load_insns(tx, 2, &lo);
	T_CHECK(raw && !bpfrt_prog__verified(raw), "unverified raw XDP program");
	uint32_t k = 5, id = raw ? bpfrt__prog_id(raw) : 0;
	T_EQ_U64(bpfrt_map__update_elem(jt, &k, &id, 0), 0, "unverified program in the DNS slot");
	f[14 + 20 + 3] = 53;
	T_EQ_U64(trun(obj, "xdp_tail", f, (uint32_t)len, NULL, NULL, &rv), -EFAULT,
		 "unchecked run refuses the tail call");
	T_CHECK(strstr(errbuf, "bpf_tail_call") && strstr(errbuf, "'raw_tx'") &&
		strstr(errbuf, "not verified"), "message: %s", errbuf);
	BPFRT_OPTS(bpfrt_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len,
		   .check = BPFRT_CHECK_ALWAYS, .err_buf = errbuf, .err_size = sizeof(errbuf));
	int err = bpfrt_program__test_run(bpfrt_object__find_program_by_name(obj, "xdp_tail"), &o);
	T_CHECK(err == 0, "a checked run may tail-call it: %d %s", err, errbuf);
	T_EQ_U64(o.retval, 3, "the unverified program ran, checked");
	bpfrt_map__delete_elem(jt, &k);
	bpfrt_prog__free(raw);
	bpfrt_object__close(obj);
}

/* A program holds no reference on its prog arrays (that would be a cycle):
 * freeing the array first, then the program, must not touch the array
 * (ASan catches it if it does). */
static void test_prog_array_freed_first(void)
{
	struct bpfrt_map *pa = bpfrt_map__create(BPFRT_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 2, NULL);
	T_CHECK(pa != NULL, "prog array");
	if (!pa)
		return;
	const struct bpfrt_insn insns[] = {
		BPFRT_LD_IMM64_RAW(BPFRT_REG_1, BPFRT_PSEUDO_MAP_IDX, 0),
		BPFRT_MOV64_IMM(BPFRT_REG_0, 0),
		BPFRT_EXIT_INSN(),
	};
	struct bpfrt_map *maps[] = { pa };
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .maps = maps, .map_cnt = 1);
	struct bpfrt_prog *p = bpfrt_prog__load_insns(insns, sizeof(insns) / sizeof(insns[0]), &lo);
	T_CHECK(p != NULL, "program using the prog array");
	bpfrt_map__put(pa);
	bpfrt_prog__free(p);
}

/* Verified programs run unchecked on rewritten code; the one context
 * store no instruction can do keeps its program checked. */
static void test_unchecked_default(void)
{
	struct bpfrt_object *obj = load("rt_kcheck.bpf.o");
	if (!obj)
		return;
	const char *fast[] = { "rt_kxdp", "rt_ksock", "rt_kcg" };
	for (size_t i = 0; i < 3; i++) {
		struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, fast[i]));
		T_CHECK(bpfrt_prog__verified(p) && bpfrt_prog__runs_unchecked(p), "%s unchecked", fast[i]);
	}
	struct bpfrt_prog *tc = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "rt_ktc"));
	T_CHECK(bpfrt_prog__verified(tc) && !bpfrt_prog__runs_unchecked(tc),
		"rt_ktc (stores queue_mapping) verified, runs checked");
	bpfrt_object__close(obj);

	obj = load_ex("rt_helpers.bpf.o", true);
	if (!obj)
		return;
	T_CHECK(!bpfrt_prog__runs_unchecked(bpfrt_program__prog(
			bpfrt_object__find_program_by_name(obj, "rt_oob"))), "rejected: checked");
	bpfrt_object__close(obj);
}

int main(int argc, char **argv)
{
	t_corpus_init(argv[0]);
	bpfrt_set_print(quiet);
	test_tail_calls();
	test_callbacks();
	test_maps_and_ringbuf();
	test_adjust();
	test_faults();
	test_tc();
	test_printk();
	test_load_errors();
	test_corpus_tail();
	test_unchecked_default();
	test_prog_array_freed_first();
	return t_done("runtime");
}
