// SPDX-License-Identifier: GPL-2.0
/*
 * Small programs for tests/unit/test_runtime.c: one behaviour each, driven
 * through the .bss variables `op`/`arg` and reporting through `res`.
 */
#include "corpus.h"

/* One struct so that its layout is fixed for the test. */
struct {
	int op;
	int arg;
	long res;
	long res2;
	long res3;
	__u8 buf[16];
} g;
#define op g.op
#define arg g.arg
#define res g.res
#define res2 g.res2
#define res3 g.res3
#define buf g.buf

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

/* Tail-calls slot 0 (itself) until the kernel's limit stops it. */
SEC("xdp")
int rt_tail(struct xdp_md *ctx)
{
	res++;
	bpf_tail_call(ctx, &progs, 0);
	return XDP_PASS;
}

struct loop_ctx {
	long sum;
	int stop_at;
};

static long loop_cb(__u32 i, void *c)
{
	struct loop_ctx *lc = c;

	lc->sum += i;
	return lc->stop_at && i == (__u32)lc->stop_at ? 1 : 0;
}

static long each_cb(void *map, __u32 *key, __u64 *val, void *c)
{
	long *sum = c;

	*sum += *val;
	*val += 1;
	return *key == 5 ? 1 : 0;
}

SEC("xdp")
int rt_callbacks(struct xdp_md *ctx)
{
	struct loop_ctx lc = { 0, arg };
	long sum = 0;

	switch (op) {
	case 0:
		res = bpf_loop(100, loop_cb, &lc, 0);
		res2 = lc.sum;
		break;
	case 1:
		res = bpf_loop(1, loop_cb, &lc, 1);
		res2 = bpf_loop((1 << 23) + 1, loop_cb, &lc, 0);
		break;
	case 2:
		res = bpf_for_each_map_elem(&vals, each_cb, &sum, 0);
		res2 = sum;
		break;
	}
	return XDP_PASS;
}

SEC("xdp")
int rt_maps(struct xdp_md *ctx)
{
	__u32 k = 3, v32;
	__u64 v = 77, *p;

	res = bpf_map_update_elem(&hash, &k, &v, BPF_NOEXIST);
	res2 = bpf_map_update_elem(&hash, &k, &v, BPF_NOEXIST);
	p = bpf_map_lookup_elem(&hash, &k);
	if (!p)
		return XDP_ABORTED;
	*p += 1;
	v32 = 11;
	bpf_map_push_elem(&queue, &v32, 0);
	v32 = 12;
	bpf_map_push_elem(&queue, &v32, 0);
	v32 = 0;
	if (bpf_map_pop_elem(&queue, &v32) || v32 != 11)
		return XDP_ABORTED;
	k = 4;
	if (bpf_map_delete_elem(&hash, &k) != -2)	/* -ENOENT */
		return XDP_ABORTED;
	return XDP_TX;
}

SEC("xdp")
int rt_ringbuf(struct xdp_md *ctx)
{
	__u32 *r = bpf_ringbuf_reserve(&rb, 8, 0);
	__u64 x = 0x1122334455667788ull;

	if (!r)
		return XDP_ABORTED;
	r[0] = 0xabcd;
	r[1] = ctx->data_end - ctx->data;
	bpf_ringbuf_submit(r, 0);
	r = bpf_ringbuf_reserve(&rb, 8, 0);
	if (!r)
		return XDP_ABORTED;
	bpf_ringbuf_discard(r, 0);
	res = bpf_ringbuf_output(&rb, &x, sizeof(x), 0);
	return XDP_PASS;
}

/* op 0: adjust_head(arg), 1: adjust_tail(arg), 2: adjust_meta(arg) */
SEC("xdp")
int rt_adjust(struct xdp_md *ctx)
{
	switch (op) {
	case 0: res = bpf_xdp_adjust_head(ctx, arg); break;
	case 1: res = bpf_xdp_adjust_tail(ctx, arg); break;
	case 2: res = bpf_xdp_adjust_meta(ctx, arg); break;
	}
	res2 = ctx->data_end - ctx->data;
	return XDP_PASS;
}

/* Reads far past data_end without a bounds check. */
SEC("xdp")
int rt_oob(struct xdp_md *ctx)
{
	__u8 *d = (void *)(long)ctx->data;

	return d[arg];
}

/* Writes a read-only xdp_md field. */
SEC("xdp")
int rt_ctx_write(struct xdp_md *ctx)
{
	ctx->rx_queue_index = 5;
	return XDP_PASS;
}

/* Narrow load of an xdp_md field: the kernel allows none. */
SEC("xdp")
int rt_ctx_narrow_xdp(struct xdp_md *ctx)
{
	return *(volatile __u16 *)&ctx->ingress_ifindex;
}

/* Probes a bad and a good address. */
SEC("xdp")
int rt_probe(struct xdp_md *ctx)
{
	__u64 dst = 0x5555;
	__u64 src = 0x0123456789abcdefull;

	res = bpf_probe_read_kernel(&dst, sizeof(dst), (void *)16);
	res2 = dst;
	bpf_probe_read_kernel(buf, 8, &src);
	return XDP_PASS;
}

SEC("xdp")
int rt_printk(struct xdp_md *ctx)
{
	char name[] = "bpf";

	res = bpf_printk("n=%d u=%u x=%x", -5, 7, 255);
	res2 = bpf_printk("%s %d %lld %05x", name, 2, -3ll, 0xab);
	res3 = bpf_printk("bad %q", 1);
	return XDP_PASS;
}

/* tc: narrow loads, writable fields, checksum helpers on a UDP/IPv4 frame
 * (the destination address rewritten as a load balancer would). */
SEC("tc")
int rt_tc(struct __sk_buff *skb)
{
	__u32 old, new = bpf_htonl(0x0a000063);

	res = ((volatile __u8 *)&skb->protocol)[0];		/* 0x08 */
	res2 = *(volatile __u16 *)((char *)&skb->len + 0);
	skb->mark = 0x42;
	skb->tc_index = 0x12345;				/* kept as u16 */
	skb->cb[2] = 7;
	if (bpf_skb_load_bytes(skb, 14 + 16, &old, 4))
		return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, 14 + 16, &new, 4, 0))
		return TC_ACT_SHOT;
	if (bpf_l3_csum_replace(skb, 14 + 10, old, new, 4))
		return TC_ACT_SHOT;
	if (bpf_l4_csum_replace(skb, 14 + 20 + 6, old, new, BPF_F_PSEUDO_HDR | 4))
		return TC_ACT_SHOT;
	/* The same change as a csum_diff, folded. */
	res3 = bpf_csum_diff(&old, 4, &new, 4, 0);
	return TC_ACT_OK;
}

/* Writes a tc field socket filters may not write. */
SEC("socket")
int rt_sock_write(struct __sk_buff *skb)
{
	skb->mark = 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
