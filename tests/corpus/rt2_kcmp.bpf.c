// SPDX-License-Identifier: GPL-2.0
/*
 * Helper results the kernel and bpfrt must agree on, summed per slot over
 * every frame into the array `r` (tests/corpus/rt_cases.txt runs them with
 * the kernel oracle and with bpfrt): bpf_redirect verdicts, strncmp, xdp
 * load/store bounds, csum_diff / csum_update, skb_pull_data, spin locks,
 * get_hash_recalc's stability and trace_printk's lengths and refusals.
 * tests/unit/test_helpers.c checks the same programs by value.
 */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 48);
	__type(key, __u32);
	__type(value, __u64);
} r SEC(".maps");

struct locked {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 cnt;
	__u64 sum;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct locked);
} lk SEC(".maps");

struct big {
	__u8 b[264];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct big);
} bigv SEC(".maps");

static __always_inline void add(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&r, &k);

	if (p)
		*p += v;
}

/* Fold a 32-bit partial sum as csum_fold does. */
static __always_inline __u16 fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

SEC("xdp")
int rt2_xredir(struct xdp_md *ctx)
{
	int len = ctx->data_end - ctx->data;

	add(0, bpf_redirect(5, 0));				/* XDP_REDIRECT */
	add(1, bpf_redirect(5, 1) + 100);			/* flags: ABORTED */
	add(2, bpf_redirect(5, 1ull << 32) + 100);
	add(3, bpf_redirect(0xffffffff, 0));
	/* The verdict depends on the frame: even lengths redirect. */
	if (len & 1)
		return XDP_PASS;
	return bpf_redirect(1, 0);
}

SEC("tc")
int rt2_tredir(struct __sk_buff *skb)
{
	add(0, bpf_redirect(1, 0));			/* TC_ACT_REDIRECT */
	add(1, bpf_redirect(1, BPF_F_INGRESS));
	add(2, bpf_redirect(1, 2) + 100);		/* TC_ACT_SHOT */
	add(3, bpf_redirect(1, 1ull << 40) + 100);
	if (skb->len & 1)
		return TC_ACT_OK;
	return bpf_redirect(1, 0);
}

static const char abc[] = "abc";
static const char empty[] = "";
static const char hi[] = "\x80hi";

SEC("xdp")
int rt2_strncmp(struct xdp_md *ctx)
{
	char s[8] = "abc";
	char t[8] = "abd";
	char u[8] = "ab";
	char w[8] = "abcdef";
	char x[8] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
	char y[8] = "\x7f";

	add(0, bpf_strncmp(s, sizeof(s), abc) + 10);
	add(1, bpf_strncmp(t, sizeof(t), abc) + 10);
	add(2, bpf_strncmp(u, sizeof(u), abc) + 10);
	add(3, bpf_strncmp(w, sizeof(w), abc) + 10);
	add(4, bpf_strncmp(w, 3, abc) + 10);
	add(5, bpf_strncmp(w, 4, abc) + 10);
	add(6, bpf_strncmp(t, 2, abc) + 10);
	add(7, bpf_strncmp(x, sizeof(x), abc) + 10);
	add(8, bpf_strncmp(s, sizeof(s), empty) + 10);
	add(9, bpf_strncmp(y, sizeof(y), hi) + 10);	/* unsigned bytes */
	add(10, bpf_strncmp(s, 1, empty) + 10);
	return XDP_PASS;
}

SEC("xdp")
int rt2_xbytes(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u8 b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	__u8 c[8] = {};

	add(0, bpf_xdp_load_bytes(ctx, 0, c, 8) + 100);
	add(1, c[0] + c[7]);
	add(2, bpf_xdp_load_bytes(ctx, len - 8, c, 8) + 100);
	add(3, c[0] + c[7]);
	add(4, bpf_xdp_load_bytes(ctx, len - 7, c, 8) + 100);	/* -EINVAL */
	add(5, c[0] + c[7]);
	add(6, bpf_xdp_load_bytes(ctx, 0x10000, c, 8) + 100);	/* -EFAULT */
	add(7, bpf_xdp_load_bytes(ctx, 0xffffffff, c, 1) + 100);
	add(8, bpf_xdp_load_bytes(ctx, 0xffff, c, 1) + 100);	/* -EINVAL */
	add(9, bpf_xdp_store_bytes(ctx, 6, b, 8) + 100);
	add(10, bpf_xdp_store_bytes(ctx, len - 4, b, 4) + 100);
	add(11, bpf_xdp_store_bytes(ctx, len - 3, b, 4) + 100);	/* -EINVAL */
	add(12, bpf_xdp_store_bytes(ctx, 0x10000, b, 4) + 100);	/* -EFAULT */
	add(13, bpf_xdp_store_bytes(ctx, len, b, 1) + 100);
	add(14, bpf_xdp_get_buff_len(ctx));
	/* Grown bytes are part of the buffer too. */
	if (bpf_xdp_adjust_tail(ctx, 8) == 0) {
		add(15, bpf_xdp_store_bytes(ctx, len, b, 8) + 100);
		add(16, bpf_xdp_load_bytes(ctx, len + 1, c, 7) + 100);
		add(17, c[0] + c[6]);
	}
	return XDP_TX;
}

SEC("xdp")
int rt2_xcsum(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct big *bg = bpf_map_lookup_elem(&bigv, &k);
	__be32 from[4] = { 0x01020304, 0x0a0b0c0d, 0xffff0000, 0x12345678 };
	__be32 to[4] = { 0x11223344, 0x0a0b0c0d, 0x00ff00ff, 0x87654321 };
	__s64 v;

	v = bpf_csum_diff(from, 16, to, 16, 0);
	add(0, v < 0 ? v : fold(v));
	v = bpf_csum_diff(from, 8, to, 16, 0x1234);
	add(1, v < 0 ? v : fold(v));
	v = bpf_csum_diff(0, 0, to, 12, 0);
	add(2, v < 0 ? v : fold(v));
	v = bpf_csum_diff(from, 12, 0, 0, 0xabcd);
	add(3, v < 0 ? v : fold(v));
	v = bpf_csum_diff(0, 0, 0, 0, 0x5555);
	add(4, v < 0 ? v : fold(v));
	v = bpf_csum_diff(from, 4, to, 4, 0);
	add(5, v < 0 ? v : fold(v));
	/* No alignment or total size limits since Linux 6.13. */
	v = bpf_csum_diff(from, 3, to, 4, 0);
	add(6, v < 0 ? v : fold(v));
	v = bpf_csum_diff(from, 4, to, 2, 0);
	add(7, v < 0 ? v : fold(v));
	if (bg) {
		__builtin_memset(bg->b, 0x5a, 16);
		v = bpf_csum_diff((void *)bg->b, 264, (void *)bg->b, 248, 0);
		add(8, v < 0 ? v : fold(v));
		v = bpf_csum_diff((void *)bg->b, 256, (void *)bg->b, 256, 0);
		add(9, v < 0 ? v : fold(v));
		v = bpf_csum_diff((void *)bg->b, 264, (void *)bg->b, 263, 0x77);
		add(10, v < 0 ? v : fold(v));
	}
	return XDP_PASS;
}

SEC("tc")
int rt2_tskb(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u32 h1, h2;

	add(0, bpf_skb_pull_data(skb, 0) + 100);
	add(1, bpf_skb_pull_data(skb, 14) + 100);
	add(2, bpf_skb_pull_data(skb, len) + 100);
	add(3, bpf_skb_pull_data(skb, len + 1) + 100);		/* -ENOMEM */
	add(4, bpf_skb_pull_data(skb, 0xffffffff) + 1000);
	add(5, skb->data_end - skb->data);
	add(6, bpf_csum_update(skb, 0x1234) + 1000);		/* -ENOTSUPP */
	h1 = bpf_get_hash_recalc(skb);
	h2 = bpf_get_hash_recalc(skb);
	add(7, h1 == h2);
	add(8, h1 != 0);
	add(9, skb->hash == h1);
	return TC_ACT_OK;
}

SEC("xdp")
int rt2_lock(struct xdp_md *ctx)
{
	__u32 k = 1;
	struct locked *v = bpf_map_lookup_elem(&lk, &k);
	volatile __u64 delay = 0;
	__u64 c;

	if (!v)
		return XDP_ABORTED;
	bpf_spin_lock(&v->lock);
	/* A read-modify-write with a window that other threads hit unless
	 * the lock keeps them out. */
	c = v->cnt;
	for (int i = 0; i < 16; i++)
		delay += i;
	v->cnt = c + 1;
	v->sum += ctx->data_end - ctx->data;
	bpf_spin_unlock(&v->lock);
	return XDP_PASS;
}

/* trace_printk's return value is the formatted length, its refusals
 * -EINVAL; the text itself goes to the trace pipe (the unit test reads
 * bpfrt's). */
static const char f0[] = "%d %u %x";
static const char f1[] = "%lld %llx %lu";
static const char f2[] = "%5d|%-5d|%05x";
static const char f3[] = "%px";
static const char f4[] = "[%p]";
static const char f5[] = "%s!";
static const char f6[] = "%c%3c";
static const char f7[] = "<%s>";
static const char f8[] = "%pI4 %pi4";
static const char f9[] = "%pI6";
static const char f10[] = "%pi6";
static const char f11[] = "%q";
static const char f12[] = "%sx";
static const char f13[] = "%d %d %d %d";
static const char f14[] = "100%% %+d % d %X";
static const char f15[] = "%pq";
static const char f16[] = "tab\there\n";
static const char f17[] = "bell\a";
static const char f18[] = "%hd";
static const char f19[] = "%pks|%pK";
static const char f25[] = "%c|";
static const char f26[] = "%s";
static const char f27[] = "%1100d";
static const char fv0[] = "%d %d %d %d %d %s";
static const char fv1[] = "%d %d %d %d %d";
static const char fv2[] = "%llu";

SEC("xdp")
int rt2_printk(struct xdp_md *ctx)
{
	char str[8] = "hello";
	__u8 ip[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	__u64 va[6] = { 1, -2, 3, 40000, -5, (__u64)(long)str };
	__u32 k = 0;
	struct big *bg = bpf_map_lookup_elem(&bigv, &k);

	add(0, bpf_trace_printk(f0, sizeof(f0), -5, 7, 255));
	add(1, bpf_trace_printk(f1, sizeof(f1), -(1ll << 40), 0xabcdef0123ull, -1));
	add(2, bpf_trace_printk(f2, sizeof(f2), 42, -3, 0xab));
	add(3, bpf_trace_printk(f3, sizeof(f3), 0x1234, 0, 0));
	add(4, bpf_trace_printk(f4, sizeof(f4), 0, 0, 0));
	add(5, bpf_trace_printk(f5, sizeof(f5), (long)str, 0, 0));
	add(6, bpf_trace_printk(f6, sizeof(f6), 'A', 'b', 0));
	add(7, bpf_trace_printk(f7, sizeof(f7), 16, 0, 0));	/* bad address */
	add(8, bpf_trace_printk(f8, sizeof(f8), (long)ip, (long)ip, 0));
	add(9, bpf_trace_printk(f9, sizeof(f9), (long)ip, 0, 0));
	add(10, bpf_trace_printk(f10, sizeof(f10), (long)ip, 0, 0));
	add(11, bpf_trace_printk(f11, sizeof(f11), 1, 0, 0));
	add(12, bpf_trace_printk(f12, sizeof(f12), (long)str, 0, 0));
	add(13, bpf_trace_printk(f13, sizeof(f13), 1, 2, 3));
	add(14, bpf_trace_printk(f14, sizeof(f14), 5, 6, 0xbeef));
	add(15, bpf_trace_printk(f15, sizeof(f15), 1, 0, 0));
	add(16, bpf_trace_printk(f16, sizeof(f16), 0, 0, 0));
	add(17, bpf_trace_printk(f17, sizeof(f17), 0, 0, 0));
	add(18, bpf_trace_printk(f18, sizeof(f18), 1, 0, 0));
	add(19, bpf_trace_printk(f19, sizeof(f19), (long)str, 0, 0));
	add(20, bpf_trace_printk(f8, sizeof(f8), 16, 16, 0));	/* bad address */
	add(21, bpf_trace_vprintk(fv0, sizeof(fv0), va, sizeof(va)));
	add(22, bpf_trace_vprintk(fv1, sizeof(fv1), va, 32));	/* too few */
	add(23, bpf_trace_vprintk(fv2, sizeof(fv2), va, 12));	/* not 8n */
	add(24, bpf_trace_vprintk(fv2, sizeof(fv2), 0, 0));
	add(25, bpf_trace_printk(f25, sizeof(f25), 0, 0, 0));	/* a NUL counts */
	add(27, bpf_trace_printk(f27, sizeof(f27), 7, 0, 0));	/* beyond the buffer */
	if (bg) {
		__builtin_memset(bg->b, 'x', 263);
		bg->b[263] = 0;
		add(26, bpf_trace_printk(f26, sizeof(f26), (long)bg->b, 0, 0));
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
