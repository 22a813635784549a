// SPDX-License-Identifier: GPL-2.0
/*
 * A small L4 load balancer in the style of Katran, without encapsulation:
 * IPv4 TCP/UDP packets to the VIP (10.0.0.100, TCP 80 and UDP 53) get a
 * backend picked by a hash of their 5-tuple, remembered in an LRU
 * connection table; the packet is DNATed to the backend (destination IP
 * rewritten, IP and L4 checksums updated incrementally, MACs set) and sent
 * back out with XDP_TX.  Everything else is XDP_PASS.
 *
 * Backends are described in .data; the program copies an entry into the
 * "backends" array map the first time it needs it, because array maps
 * cannot be given initial contents in the object.
 */
#include "corpus.h"

#define NBACKENDS 4

struct backend {
	__be32 ip;
	__u8 mac[6];
	__u16 weight;
};

struct flow {
	__be32 src;
	__be32 dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct lb_stat {
	__u64 packets;
	__u64 bytes;
};

/* .rodata: the VIP and its services. */
const volatile __be32 vip_addr = bpf_htonl(0x0a000064);	/* 10.0.0.100 */
const volatile __u16 vip_tcp_port = 80;
const volatile __u16 vip_udp_port = 53;
const volatile __u8 lb_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x1b };

/* .data: the backend table the map is filled from. */
struct backend backend_table[NBACKENDS] = {
	{ bpf_htonl(0x0a010001), { 0x02, 0, 0, 0, 1, 1 }, 1 },
	{ bpf_htonl(0x0a010002), { 0x02, 0, 0, 0, 1, 2 }, 1 },
	{ bpf_htonl(0x0a010003), { 0x02, 0, 0, 0, 1, 3 }, 1 },
	{ bpf_htonl(0x0a010004), { 0x02, 0, 0, 0, 1, 4 }, 1 },
};

/* .bss: counters. */
__u64 new_flows;
__u64 known_flows;
__u64 not_vip;
__u64 backend_inits;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NBACKENDS);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow);
	__type(value, __u32);
} conntrack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NBACKENDS);
	__type(key, __u32);
	__type(value, struct lb_stat);
} backend_stats SEC(".maps");

static __always_inline __u32 rol32(__u32 x, int k)
{
	return (x << k) | (x >> (32 - k));
}

/* A jhash-flavoured mix of three words (our own constants and rounds);
 * only its determinism matters. */
static __always_inline __u32 flow_hash(const struct flow *f)
{
	__u32 a = f->src + 0x9e3779b9u, b = f->dst + 0x7f4a7c15u;
	__u32 c = ((__u32)f->sport << 16 | f->dport) ^ ((__u32)f->proto << 8) ^ 0x2545f491u;

	a -= c; a ^= rol32(c, 4);  c += b;
	b -= a; b ^= rol32(a, 6);  a += c;
	c -= b; c ^= rol32(b, 8);  b += a;
	a -= c; a ^= rol32(c, 16); c += b;
	b -= a; b ^= rol32(a, 19); a += c;
	c -= b; c ^= rol32(b, 4);  b += a;
	return c ^ (a >> 7) ^ (b << 3);
}

static __always_inline struct backend *get_backend(__u32 idx)
{
	struct backend *be = bpf_map_lookup_elem(&backends, &idx);

	if (!be)
		return 0;
	if (be->ip == 0 && idx < NBACKENDS) {
		/* First use: copy from the .data table. */
		bpf_map_update_elem(&backends, &idx, &backend_table[idx], BPF_ANY);
		backend_inits++;
		be = bpf_map_lookup_elem(&backends, &idx);
	}
	return be;
}

SEC("xdp")
int xdp_lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct flow f = {};
	__u32 *slot, idx, hlen;
	struct backend *be;
	__u16 *l4csum = 0;
	int udp_nocsum = 0;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		goto pass;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		goto pass;
	if (ip->daddr != vip_addr)
		goto pass;
	if (ip->frag_off & bpf_htons(IP_MF_BIT | IP_OFF_MASK))
		goto pass;
	hlen = ip->ihl * 4;
	f.src = ip->saddr;
	f.dst = ip->daddr;
	f.proto = ip->protocol;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)ip + hlen;

		if ((void *)(th + 1) > data_end)
			goto pass;
		if (th->dest != bpf_htons(vip_tcp_port))
			goto pass;
		f.sport = th->source;
		f.dport = th->dest;
		l4csum = &th->check;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)ip + hlen;

		if ((void *)(uh + 1) > data_end)
			goto pass;
		if (uh->dest != bpf_htons(vip_udp_port))
			goto pass;
		f.sport = uh->source;
		f.dport = uh->dest;
		l4csum = &uh->check;
		udp_nocsum = uh->check == 0;
	} else {
		goto pass;
	}

	slot = bpf_map_lookup_elem(&conntrack, &f);
	if (slot) {
		idx = *slot;
		known_flows++;
	} else {
		idx = flow_hash(&f) % NBACKENDS;
		bpf_map_update_elem(&conntrack, &f, &idx, BPF_NOEXIST);
		new_flows++;
	}
	be = get_backend(idx);
	if (!be)
		return XDP_ABORTED;

	/* L4 checksum first (it covers the pseudo header's daddr): through
	 * bpf_csum_diff, folded at once so the arch-specific unfolded sum
	 * never escapes.  UDP checksum 0 means "none" and stays 0. */
	if (!udp_nocsum) {
		__be32 from = ip->daddr, to = be->ip;
		__s64 d = bpf_csum_diff(&from, sizeof(from), &to, sizeof(to),
					(__u16)~*l4csum);
		__u16 c;

		if (d < 0)
			return XDP_ABORTED;
		c = ~csum_fold32((__u32)d);
		if (ip->protocol == IPPROTO_UDP && c == 0)
			c = 0xffff;
		*l4csum = c;
	}
	ip->check = csum_replace4(ip->check, ip->daddr, be->ip);
	ip->daddr = be->ip;

	__builtin_memcpy(eth->h_dest, be->mac, 6);
#pragma unroll
	for (int i = 0; i < 6; i++)
		eth->h_source[i] = lb_mac[i];

	struct lb_stat *st = bpf_map_lookup_elem(&backend_stats, &idx);
	if (st) {
		st->packets++;
		st->bytes += data_end - data;
	}
	return XDP_TX;
pass:
	not_vip++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
