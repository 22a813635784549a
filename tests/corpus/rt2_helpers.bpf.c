// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for tests/unit/test_helpers.c whose results depend on the host
 * (time, the task, random numbers, the CPU, addresses) or on user space
 * reading them back (perf samples), so the kernel cannot be the oracle.
 * Driven through the .bss struct `g`.
 */
#include "corpus.h"

struct {
	__u64 op;
	__u64 arg;		/* an address, an index */
	__s64 res[8];
	__u64 val[16];
	char s1[16];
	char s2[16];
	char s3[8];
	struct bpf_fib_lookup fib;	/* rt2_fib* */
	__u32 fib_flags;
} g;

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} perf SEC(".maps");

struct sample {
	__u32 tag;
	__u32 len;
};

/* op 0: the API's cases; op 1: one sample of the whole frame (fills the
 * buffer in a few runs). */
SEC("xdp")
int rt2_perf(struct xdp_md *ctx)
{
	__u64 len = ctx->data_end - ctx->data;
	struct sample s = { 0xa1, (__u32)len };
	char odd[13] = "thirteen byte";

	if (g.op == 1) {
		s.tag = 0xb2;
		g.res[0] = bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU | len << 32,
						 &s, sizeof(s));
		return XDP_PASS;
	}
	g.res[0] = bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &s, sizeof(s));
	g.res[1] = bpf_perf_event_output(ctx, &perf, g.arg, odd, sizeof(odd));
	s.tag = 0xc3;
	g.res[2] = bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU | 16ull << 32,
					 &s, sizeof(s));
	g.res[3] = bpf_perf_event_output(ctx, &perf, 100, &s, sizeof(s));
	g.res[4] = bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU | 1ull << 52,
					 &s, sizeof(s));
	g.res[5] = bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU | (len + 1) << 32,
					 &s, sizeof(s));
	return XDP_PASS;
}

/* The environment as a program sees it: the task, time, the CPU. */
SEC("cgroup_skb/ingress")
int rt2_env(struct __sk_buff *skb)
{
	g.val[0] = bpf_get_current_pid_tgid();
	g.val[1] = bpf_get_current_uid_gid();
	g.res[0] = bpf_get_current_comm(g.s1, sizeof(g.s1));
	g.res[1] = bpf_get_current_comm(g.s3, 4);
	g.val[2] = bpf_ktime_get_ns();
	g.val[3] = bpf_ktime_get_ns();
	g.val[4] = bpf_ktime_get_boot_ns();
	g.val[5] = bpf_ktime_get_coarse_ns();
	g.val[6] = bpf_jiffies64();
	g.val[7] = bpf_get_smp_processor_id();
	g.val[8] = bpf_get_numa_node_id();
	for (int i = 9; i < 16; i++)
		g.val[i] = bpf_get_prandom_u32();
	return 1;
}

/* Safe reads of the address in g.arg into g.s1 / g.s2 / g.val[0]. */
SEC("xdp")
int rt2_probe(struct xdp_md *ctx)
{
	const void *p = (const void *)(long)g.arg;

	__builtin_memset(g.s1, 0x55, sizeof(g.s1));
	__builtin_memset(g.s2, 0x55, sizeof(g.s2));
	g.val[0] = 0x5555;
	g.res[0] = bpf_probe_read_kernel_str(g.s1, sizeof(g.s1), p);
	g.res[1] = bpf_probe_read_user_str(g.s2, 4, p);
	g.res[2] = bpf_probe_read_user(&g.val[0], 8, p);
	g.res[3] = bpf_probe_read_kernel(&g.val[1], 8, p);
	return XDP_PASS;
}

/* skb hash and checksum state. */
SEC("tc")
int rt2_hash(struct __sk_buff *skb)
{
	g.val[0] = skb->hash;
	g.val[1] = bpf_get_hash_recalc(skb);
	g.val[2] = skb->hash;
	g.res[0] = bpf_csum_update(skb, 0x1234);
	return TC_ACT_OK;
}

/* bpf_fib_lookup of g.fib with g.fib_flags into g.res[0]. */
SEC("xdp")
int rt2_fib(struct xdp_md *ctx)
{
	g.res[0] = bpf_fib_lookup(ctx, &g.fib, sizeof(g.fib), g.fib_flags);
	return XDP_PASS;
}

SEC("tc")
int rt2_fibt(struct __sk_buff *skb)
{
	g.res[0] = bpf_fib_lookup(skb, &g.fib, sizeof(g.fib), g.fib_flags);
	return TC_ACT_OK;
}

/* skb resizing: op 0 bpf_skb_adjust_room(g.arg, MAC, g.val[0]), op 1
 * bpf_skb_change_tail(g.arg, 0); twice when g.val[1]; then the skb's
 * length and gso fields in g.val[2..4]. */
SEC("tc")
int rt2_room(struct __sk_buff *skb)
{
	int n = g.val[1] ? 2 : 1;

	for (int i = 0; i < n; i++) {
		if (g.op == 0)
			g.res[i] = bpf_skb_adjust_room(skb, (__s32)g.arg, BPF_ADJ_ROOM_MAC,
						       g.val[0]);
		else
			g.res[i] = bpf_skb_change_tail(skb, (__u32)g.arg, 0);
	}
	g.val[2] = skb->len;
	g.val[3] = skb->gso_size;
	g.val[4] = skb->gso_segs;
	g.val[5] = skb->data_end - skb->data;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
