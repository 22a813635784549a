// SPDX-License-Identifier: GPL-2.0
/*
 * Growing and shrinking packets with bpf_xdp_adjust_head/_tail/_meta:
 *   - IPv4/UDP: encapsulated in an outer IPv4 header (IP-in-IP, protocol 4)
 *     pushed in front with adjust_head(-20), checksum computed in full;
 *   - IPv4/TCP: an 802.1Q tag (VID 42) is pushed with adjust_head(-4);
 *   - 802.1Q-tagged frames: the tag is popped with adjust_head(+4);
 *   - ICMP: 8 bytes of metadata are reserved with adjust_meta(-8),
 *     written and read back, then the tail grows by 16 bytes of 0xa5;
 *   - frames longer than 1000 bytes are first trimmed to 1000 with
 *     adjust_tail (before any of the above).
 * Rewritten frames go out with XDP_TX, others XDP_PASS; a failing helper
 * is counted per operation and gives XDP_ABORTED.
 */
#include "corpus.h"

#define TRIM_TO 1000
#define VID 42

enum op { OP_TRIM, OP_ENCAP, OP_VLAN_PUSH, OP_VLAN_POP, OP_META, OP_GROW, OP_MAX };

struct op_stat {
	__u32 ok;
	__u32 failed;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OP_MAX);
	__type(key, __u32);
	__type(value, struct op_stat);
} ops SEC(".maps");

struct meta {
	__u32 magic;
	__u32 len;
};

static __always_inline int note(__u32 op, int err)
{
	struct op_stat *s = bpf_map_lookup_elem(&ops, &op);

	if (s) {
		if (err)
			s->failed++;
		else
			s->ok++;
	}
	return err;
}

static __always_inline __u16 ip_csum(const __u16 *w)
{
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	return (__u16)~csum_fold32(sum);
}

static __always_inline int encap_ipip(struct xdp_md *ctx)
{
	void *data, *data_end;
	struct ethhdr *eth, *old_eth;
	struct iphdr *outer, *inner;

	if (note(OP_ENCAP, bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr))))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	old_eth = data + sizeof(struct iphdr);
	outer = (void *)(eth + 1);
	inner = (void *)(outer + 1);
	if ((void *)(inner + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memmove(eth, old_eth, sizeof(*eth));
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = inner->tos;
	outer->tot_len = bpf_htons(bpf_ntohs(inner->tot_len) + sizeof(*outer));
	outer->id = inner->id;
	outer->frag_off = bpf_htons(IP_DF_BIT);
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = bpf_htonl(0x0aff0001);
	outer->daddr = bpf_htonl(0x0aff0002);
	outer->check = ip_csum((__u16 *)outer);
	return XDP_TX;
}

static __always_inline int vlan_push(struct xdp_md *ctx)
{
	void *data, *data_end;
	struct vlan_hdr *vh;
	__u8 *d;

	if (note(OP_VLAN_PUSH, bpf_xdp_adjust_head(ctx, -(int)sizeof(struct vlan_hdr))))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	d = data;
	if (data + 18 > data_end)
		return XDP_ABORTED;
	/* Move both MACs to the new front; the old ethertype stays where it
	 * is and becomes the tag's encapsulated protocol. */
	__builtin_memmove(d, d + 4, 12);
	*(__be16 *)(d + 12) = bpf_htons(ETH_P_8021Q);
	vh = (void *)(d + 14);
	vh->tci = bpf_htons(VID);
	/* vh->encap_proto is the original ethertype already in place. */
	(void)vh;
	return XDP_TX;
}

static __always_inline int vlan_pop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *d = data;

	if (data + 18 > data_end)
		return XDP_ABORTED;
	__builtin_memmove(d + 4, d, 12);
	if (note(OP_VLAN_POP, bpf_xdp_adjust_head(ctx, (int)sizeof(struct vlan_hdr))))
		return XDP_ABORTED;
	return XDP_TX;
}

static __always_inline int meta_and_grow(struct xdp_md *ctx)
{
	void *data, *data_end, *meta;
	struct meta *m;
	__u32 len;

	if (note(OP_META, bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta))))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	meta = (void *)(long)ctx->data_meta;
	m = meta;
	if ((void *)(m + 1) > data)
		return XDP_ABORTED;
	m->magic = 0x4d455441;	/* "META" */
	m->len = data_end - data;
	len = m->len;
	if (note(OP_GROW, bpf_xdp_adjust_tail(ctx, 16)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	meta = (void *)(long)ctx->data_meta;
	m = meta;
	/* The metadata must survive the tail move. */
	if ((void *)(m + 1) > data || m->len != len)
		return XDP_ABORTED;
	{
		/* The mask gives the verifier a bound on the offset; frames
		 * are never near 2048 bytes here (larger ones were trimmed). */
		__u8 *tail = data + (len & 0x7ff);

		if ((void *)(tail + 16) > data_end)
			return XDP_ABORTED;
		__builtin_memset(tail, 0xa5, 16);
	}
	return XDP_TX;
}

SEC("xdp")
int xdp_adjust(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data;
	struct ethhdr *eth;
	struct iphdr *ip;

	if (len > TRIM_TO) {
		if (note(OP_TRIM, bpf_xdp_adjust_tail(ctx, TRIM_TO - (int)len)))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
	}
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_8021Q))
		return vlan_pop(ctx);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (ip->protocol == IPPROTO_UDP)
		return encap_ipip(ctx);
	if (ip->protocol == IPPROTO_TCP)
		return vlan_push(ctx);
	if (ip->protocol == IPPROTO_ICMP)
		return meta_and_grow(ctx);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
