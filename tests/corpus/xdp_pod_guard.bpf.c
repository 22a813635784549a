// SPDX-License-Identifier: GPL-2.0
/*
 * "Packet of death" guard: drop IPv4 frames whose length fields lie.
 * Checks, in order: header fits the frame, version 4, IHL >= 5, the header
 * with options fits, total length covers the header and fits the frame
 * (Ethernet padding after it is fine), fragment sanity (the reassembled
 * datagram may not exceed 65535 bytes, non-last fragments carry a multiple
 * of 8 bytes, TCP fragments at offset 1 overlap the header -- RFC 1858), and
 * for first fragments of UDP, the UDP length (>= 8, <= IP payload).
 * Reasons are counted in an array; offending sources in a hash map.
 */
#include "corpus.h"

enum reason {
	R_OK,
	R_NOT_IPV4,
	R_TRUNC_IP,
	R_VERSION,
	R_IHL,
	R_TRUNC_OPTS,
	R_TOTLEN_SHORT,
	R_TOTLEN_LONG,
	R_FRAG_OVERSIZE,
	R_FRAG_ALIGN,
	R_FRAG_TINY,
	R_TRUNC_UDP,
	R_UDP_SHORT,
	R_UDP_LONG,
	R_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, R_MAX);
	__type(key, __u32);
	__type(value, __u64);
} reasons SEC(".maps");

struct offender {
	__u64 drops;
	__u32 last_reason;
	__u32 last_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __be32);
	__type(value, struct offender);
} offenders SEC(".maps");

static __always_inline int verdict(__u32 r, __be32 src, __u32 len)
{
	__u64 *c = bpf_map_lookup_elem(&reasons, &r);

	if (c)
		__sync_fetch_and_add(c, 1);
	if (r == R_OK || r == R_NOT_IPV4)
		return XDP_PASS;
	if (src) {
		struct offender *o = bpf_map_lookup_elem(&offenders, &src);
		struct offender n = { .drops = 1, .last_reason = r, .last_len = len };

		if (o) {
			n.drops = o->drops + 1;
		}
		bpf_map_update_elem(&offenders, &src, &n, BPF_ANY);
	}
	return XDP_DROP;
}

SEC("xdp")
int xdp_pod_guard(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 flen = data_end - data;
	__u32 off = 0;
	__u16 proto = parse_eth(data, data_end, &off);
	struct iphdr *ip;
	__u32 hlen, tot, l3len, frag, foff, plen;

	if (proto != ETH_P_IP)
		return verdict(R_NOT_IPV4, 0, flen);
	ip = data + off;
	if ((void *)(ip + 1) > data_end)
		return verdict(R_TRUNC_IP, 0, flen);
	if (ip->version != 4)
		return verdict(R_VERSION, ip->saddr, flen);
	if (ip->ihl < 5)
		return verdict(R_IHL, ip->saddr, flen);
	hlen = ip->ihl * 4;
	if ((void *)ip + hlen > data_end)
		return verdict(R_TRUNC_OPTS, ip->saddr, flen);
	tot = bpf_ntohs(ip->tot_len);
	l3len = data_end - (void *)ip;
	if (tot < hlen)
		return verdict(R_TOTLEN_SHORT, ip->saddr, flen);
	if (tot > l3len)
		return verdict(R_TOTLEN_LONG, ip->saddr, flen);
	plen = tot - hlen;

	frag = bpf_ntohs(ip->frag_off);
	foff = (frag & IP_OFF_MASK) * 8;
	if (foff + plen > 65535)
		return verdict(R_FRAG_OVERSIZE, ip->saddr, flen);
	if ((frag & IP_MF_BIT) && (plen & 7))
		return verdict(R_FRAG_ALIGN, ip->saddr, flen);
	if ((frag & IP_OFF_MASK) == 1 && ip->protocol == IPPROTO_TCP)
		return verdict(R_FRAG_TINY, ip->saddr, flen);

	if (ip->protocol == IPPROTO_UDP && foff == 0) {
		struct udphdr *uh = (void *)ip + hlen;
		__u32 ulen;

		if ((void *)(uh + 1) > data_end)
			return verdict(R_TRUNC_UDP, ip->saddr, flen);
		ulen = bpf_ntohs(uh->len);
		if (ulen < sizeof(*uh))
			return verdict(R_UDP_SHORT, ip->saddr, flen);
		/* A non-first fragment never gets here; a first fragment's
		 * UDP length covers the whole datagram, so only check it
		 * against the payload when the datagram is not fragmented. */
		if (!(frag & IP_MF_BIT) && ulen > plen)
			return verdict(R_UDP_LONG, ip->saddr, flen);
	}
	return verdict(R_OK, 0, flen);
}

char LICENSE[] SEC("license") = "GPL";
