// SPDX-License-Identifier: GPL-2.0
/*
 * Static TCP/UDP destination-port policy.  The blocked ports live in
 * .rodata (const volatile, so a loader could still patch them before load);
 * a hash map counts packets and bytes per (protocol, destination port), with
 * the element created on first sight (BPF_NOEXIST) and bumped atomically.
 */
#include "corpus.h"

const volatile __u16 blocked_ports[6] = { 23, 135, 139, 445, 3389, 5900 };
const volatile __u8 block_udp_too = 1;

struct port_key {
	__u16 port;
	__u8 proto;
	__u8 pad;
};

struct port_stat {
	__u64 packets;
	__u64 bytes;
	__u32 dropped;
	__u32 first_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct port_key);
	__type(value, struct port_stat);
} port_hits SEC(".maps");

static __always_inline int is_blocked(__u16 port, __u8 proto)
{
	if (proto == IPPROTO_UDP && !block_udp_too)
		return 0;
#pragma unroll
	for (int i = 0; i < 6; i++)
		if (blocked_ports[i] == port)
			return 1;
	return 0;
}

static __always_inline int account(__u16 port, __u8 proto, __u32 len)
{
	struct port_key k = { .port = port, .proto = proto };
	struct port_stat *st = bpf_map_lookup_elem(&port_hits, &k);
	int blocked = is_blocked(port, proto);

	if (!st) {
		struct port_stat init = { .first_len = len };

		/* NOEXIST: a concurrent creator wins and we just count. */
		bpf_map_update_elem(&port_hits, &k, &init, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&port_hits, &k);
		if (!st)
			return XDP_ABORTED;
	}
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, len);
	if (blocked) {
		__sync_fetch_and_add(&st->dropped, 1);
		return XDP_DROP;
	}
	return XDP_PASS;
}

SEC("xdp")
int xdp_port_policy(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data;
	__u32 off = 0;
	__u16 proto = parse_eth(data, data_end, &off);
	__u8 l4;
	void *l4h;

	if (proto == ETH_P_IP) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > data_end)
			return XDP_PASS;
		/* Only first fragments carry ports. */
		if (bpf_ntohs(ip->frag_off) & IP_OFF_MASK)
			return XDP_PASS;
		l4 = ip->protocol;
		l4h = (void *)ip + (ip->ihl & 0xf) * 4;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		l4 = ip6->nexthdr;
		l4h = ip6 + 1;
	} else {
		return XDP_PASS;
	}

	if (l4 == IPPROTO_TCP) {
		struct tcphdr *th = l4h;

		if ((void *)(th + 1) > data_end)
			return XDP_DROP;	/* truncated L4: refuse */
		return account(bpf_ntohs(th->dest), l4, len);
	}
	if (l4 == IPPROTO_UDP) {
		struct udphdr *uh = l4h;

		if ((void *)(uh + 1) > data_end)
			return XDP_DROP;
		return account(bpf_ntohs(uh->dest), l4, len);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
