// SPDX-License-Identifier: GPL-2.0
/*
 * Live destination-port policy: unlike xdp_port_policy (ports fixed in
 * .rodata), the blocked ports are a hash map user space edits while the
 * program runs ({proto, port} -> 1), and a ringbuf reports each drop.
 * Drops and passes are counted in an array.
 */
#include "corpus.h"

struct port_key {
	__u16 port;	/* host byte order */
	__u8 proto;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct port_key);
	__type(value, __u8);
} blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);	/* 0: passed, 1: dropped */
	__type(key, __u32);
	__type(value, __u64);
} policy_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} drops SEC(".maps");

struct drop_event {
	__be32 saddr, daddr;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

static __always_inline int count(__u32 slot, int verdict)
{
	__u64 *c = bpf_map_lookup_elem(&policy_stats, &slot);

	if (c)
		__sync_fetch_and_add(c, 1);
	return verdict;
}

SEC("xdp")
int xdp_live_policy(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = 0;
	struct iphdr *ip;
	struct port_key k = {};

	if (parse_eth(data, data_end, &off) != ETH_P_IP)
		return XDP_PASS;
	ip = data + off;
	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		return XDP_PASS;
	if (bpf_ntohs(ip->frag_off) & IP_OFF_MASK)
		return XDP_PASS;
	if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)ip + ip->ihl * 4;

		if ((void *)(uh + 1) > data_end)
			return XDP_PASS;
		k.port = bpf_ntohs(uh->dest);
	} else if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)ip + ip->ihl * 4;

		if ((void *)(th + 1) > data_end)
			return XDP_PASS;
		k.port = bpf_ntohs(th->dest);
	} else {
		return XDP_PASS;
	}
	k.proto = ip->protocol;
	if (!bpf_map_lookup_elem(&blocked, &k))
		return count(0, XDP_PASS);

	struct drop_event *ev = bpf_ringbuf_reserve(&drops, sizeof(*ev), 0);
	if (ev) {
		ev->saddr = ip->saddr;
		ev->daddr = ip->daddr;
		ev->port = k.port;
		ev->proto = k.proto;
		ev->pad = 0;
		bpf_ringbuf_submit(ev, 0);
	}
	return count(1, XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";
