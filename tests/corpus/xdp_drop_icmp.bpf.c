// SPDX-License-Identifier: GPL-2.0
/*
 * Drop ICMP and ICMPv6 at XDP; pass everything else.  Counts frames per
 * protocol class in a per-CPU array and verdicts in a plain array.
 */
#include "corpus.h"

enum slot { SLOT_OTHER, SLOT_ICMP, SLOT_TCP, SLOT_UDP, SLOT_ICMPV6, SLOT_OTHER_IP, SLOT_SHORT };

static __always_inline __u32 slot_of(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP: return SLOT_TCP;
	case IPPROTO_UDP: return SLOT_UDP;
	default: return SLOT_OTHER_IP;
	}
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} proto_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

static __always_inline int finish(__u32 slot, int verdict)
{
	__u64 *c = bpf_map_lookup_elem(&proto_count, &slot);
	__u32 v = verdict;

	/* Per-CPU slot: a plain add is race-free. */
	if (c)
		*c += 1;
	c = bpf_map_lookup_elem(&verdicts, &v);
	if (c)
		__sync_fetch_and_add(c, 1);
	return verdict;
}

SEC("xdp")
int xdp_drop_icmp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = 0;
	__u16 proto = parse_eth(data, data_end, &off);

	if (proto == ETH_P_IP) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > data_end)
			return finish(SLOT_SHORT, XDP_PASS);
		if (ip->protocol == IPPROTO_ICMP)
			return finish(SLOT_ICMP, XDP_DROP);
		return finish(slot_of(ip->protocol), XDP_PASS);
	}
	if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > data_end)
			return finish(SLOT_SHORT, XDP_PASS);
		if (ip6->nexthdr == IPPROTO_ICMPV6)
			return finish(SLOT_ICMPV6, XDP_DROP);
		return finish(slot_of(ip6->nexthdr), XDP_PASS);
	}
	return finish(SLOT_OTHER, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
