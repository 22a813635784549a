// SPDX-License-Identifier: GPL-2.0
/*
 * Tail calls through a prog array filled statically (__array values):
 * a dispatcher classifies the frame and tail-calls the handler for its
 * class; the UDP handler chains once more to a DNS handler.  Slot
 * CLS_IPV6 is deliberately left empty so bpf_tail_call falls through and
 * the dispatcher's own fallback runs.  Every stage counts in "stages";
 * the dispatcher leaves the L3 offset for the handlers in a per-CPU
 * scratch map (tail calls do not keep registers).
 */
#include "corpus.h"

enum cls { CLS_TCP, CLS_UDP, CLS_ICMP, CLS_IPV6, CLS_ARP, CLS_DNS, CLS_OTHER, CLS_MAX };

enum stage {
	ST_DISPATCH, ST_TCP, ST_UDP, ST_ICMP, ST_ARP, ST_DNS,
	ST_FALLTHROUGH, ST_OTHER, ST_MAX
};

struct scratch {
	__u32 l3off;
	__u32 depth;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stages SEC(".maps");

static __always_inline void count(__u32 st)
{
	__u64 *c = bpf_map_lookup_elem(&stages, &st);

	if (c)
		__sync_fetch_and_add(c, 1);
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

int handle_tcp(struct xdp_md *ctx);
int handle_udp(struct xdp_md *ctx);
int handle_icmp(struct xdp_md *ctx);
int handle_arp(struct xdp_md *ctx);
int handle_dns(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, CLS_MAX);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} jmp_table SEC(".maps") = {
	.values = {
		[CLS_TCP] = (void *)&handle_tcp,
		[CLS_UDP] = (void *)&handle_udp,
		[CLS_ICMP] = (void *)&handle_icmp,
		[CLS_ARP] = (void *)&handle_arp,
		[CLS_DNS] = (void *)&handle_dns,
	},
};

SEC("xdp")
int handle_tcp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct scratch *s = get_scratch();
	struct iphdr *ip;
	struct tcphdr *th;

	count(ST_TCP);
	if (!s)
		return XDP_ABORTED;
	ip = data + (s->l3off & 0xff);
	if ((void *)(ip + 1) > data_end)
		return XDP_ABORTED;
	th = (void *)ip + ip->ihl * 4;
	if ((void *)(th + 1) > data_end)
		return XDP_DROP;
	/* Bare SYNs pass, RSTs are dropped, the rest passes. */
	return th->rst ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int handle_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct scratch *s = get_scratch();
	struct iphdr *ip;
	struct udphdr *uh;

	count(ST_UDP);
	if (!s)
		return XDP_ABORTED;
	ip = data + (s->l3off & 0xff);
	if ((void *)(ip + 1) > data_end)
		return XDP_ABORTED;
	uh = (void *)ip + ip->ihl * 4;
	if ((void *)(uh + 1) > data_end)
		return XDP_DROP;
	if (uh->dest == bpf_htons(53)) {
		s->depth++;
		bpf_tail_call(ctx, &jmp_table, CLS_DNS);
		return XDP_ABORTED;	/* slot filled: not reached */
	}
	if (uh->dest == bpf_htons(9))
		return XDP_DROP;	/* discard service */
	return XDP_PASS;
}

SEC("xdp")
int handle_dns(struct xdp_md *ctx)
{
	struct scratch *s = get_scratch();

	(void)ctx;
	count(ST_DNS);
	/* Answer from the "cache": bounce it back. */
	return s && s->depth == 2 ? XDP_TX : XDP_ABORTED;
}

SEC("xdp")
int handle_icmp(struct xdp_md *ctx)
{
	(void)ctx;
	count(ST_ICMP);
	return XDP_DROP;
}

SEC("xdp")
int handle_arp(struct xdp_md *ctx)
{
	(void)ctx;
	count(ST_ARP);
	return XDP_PASS;
}

SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct scratch *s = get_scratch();
	__u32 off = 0, cls = CLS_OTHER;
	__u16 proto = parse_eth(data, data_end, &off);

	count(ST_DISPATCH);
	if (!s)
		return XDP_ABORTED;
	s->l3off = off;
	s->depth = 1;
	if (proto == ETH_P_IP) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > data_end)
			return XDP_DROP;
		if (ip->protocol == IPPROTO_TCP)
			cls = CLS_TCP;
		else if (ip->protocol == IPPROTO_UDP)
			cls = CLS_UDP;
		else if (ip->protocol == IPPROTO_ICMP)
			cls = CLS_ICMP;
	} else if (proto == ETH_P_IPV6) {
		cls = CLS_IPV6;
	} else if (proto == ETH_P_ARP) {
		cls = CLS_ARP;
	}
	if (cls == CLS_OTHER) {
		count(ST_OTHER);
		return XDP_PASS;
	}
	bpf_tail_call(ctx, &jmp_table, cls);
	/* Only an empty slot (CLS_IPV6) gets here. */
	count(ST_FALLTHROUGH);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
