// SPDX-License-Identifier: GPL-2.0
/*
 * A one-armed L4 load balancer for live tests: UDP to the VIP
 * (10.77.1.100:7777) is DNATed to a backend from the "backends" array (the
 * first "nbackends" entries, filled by user space while it runs), picked by
 * a hash of the flow, and sent back out of the interface it came in on
 * (XDP_TX).  The frame's destination MAC becomes the backend's and its
 * source MAC the one it was sent to (the balancer's), so a switch in front
 * learns nothing wrong.  Anything else passes.
 */
#include "corpus.h"

struct backend {
	__be32 ip;
	__u8 mac[6];
	__u16 pad;
};

const volatile __be32 vip = bpf_htonl(0x0a4d0164);	/* 10.77.1.100 */
const volatile __u16 vip_port = 7777;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nbackends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} lb_packets SEC(".maps");

SEC("xdp")
int xdp_live_lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *uh;
	__u32 zero = 0, *n, idx;
	struct backend *be;
	__u64 *cnt;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP ||
	    ip->daddr != vip)
		return XDP_PASS;
	uh = (void *)(ip + 1);
	if ((void *)(uh + 1) > data_end || uh->dest != bpf_htons(vip_port))
		return XDP_PASS;
	n = bpf_map_lookup_elem(&nbackends, &zero);
	if (!n || *n == 0 || *n > 4)
		return XDP_DROP;	/* no backend: nobody to answer */
	idx = (ip->saddr ^ ((__u32)uh->source << 16)) % *n;
	be = bpf_map_lookup_elem(&backends, &idx);
	if (!be)
		return XDP_ABORTED;

	/* The UDP checksum covers the destination address: update both. */
	if (uh->check) {
		__u16 c = csum_replace4(uh->check, ip->daddr, be->ip);

		uh->check = c ? c : 0xffff;
	}
	ip->check = csum_replace4(ip->check, ip->daddr, be->ip);
	ip->daddr = be->ip;
	__builtin_memcpy(eth->h_source, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, be->mac, 6);
	cnt = bpf_map_lookup_elem(&lb_packets, &idx);
	if (cnt)
		*cnt += 1;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
