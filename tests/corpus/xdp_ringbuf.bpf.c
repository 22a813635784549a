// SPDX-License-Identifier: GPL-2.0
/*
 * One ring buffer event per frame: reserve a record, fill it, and submit
 * it -- or discard it for frames of odd length, so the consumer must skip
 * discarded records.  IPv6 frames also copy their fixed header into a
 * second ring with bpf_ringbuf_output; ICMP frames raise an alert there
 * too.  Nothing time- or CPU-dependent goes into a record.
 */
#include "corpus.h"

struct event {
	__u32 seq;	/* frame number, from .bss */
	__u32 len;
	__u16 ethertype;
	__u8 l4proto;
	__u8 flags;
	__u8 head[16];	/* first bytes of the frame, zero padded */
};

struct v6_record {
	__u32 seq;
	__u8 hdr[40];
};

struct alert {
	__u32 seq;
	__u16 kind;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024);
} side SEC(".maps");

__u32 seq;		/* .bss */
__u64 discarded;
__u64 reserve_failed;

SEC("xdp")
int xdp_ringbuf(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data, off = 0, n = seq++;
	__u16 proto = parse_eth(data, data_end, &off);
	__u8 l4 = 0;
	struct event *e;

	if (proto == ETH_P_IP) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) <= data_end)
			l4 = ip->protocol;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) <= data_end) {
			struct v6_record r = { .seq = n };

			l4 = ip6->nexthdr;
			__builtin_memcpy(r.hdr, ip6, sizeof(r.hdr));
			bpf_ringbuf_output(&side, &r, sizeof(r), 0);
		}
	}
	if (l4 == IPPROTO_ICMP || l4 == IPPROTO_ICMPV6) {
		struct alert *a = bpf_ringbuf_reserve(&side, sizeof(*a), 0);

		if (a) {
			a->seq = n;
			a->kind = l4;
			a->pad = 0;
			bpf_ringbuf_submit(a, 0);
		}
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		reserve_failed++;
		return XDP_PASS;
	}
	e->seq = n;
	e->len = len;
	e->ethertype = proto;
	e->l4proto = l4;
	e->flags = 0;
	__builtin_memset(e->head, 0, sizeof(e->head));
	if (data + sizeof(e->head) <= data_end)
		__builtin_memcpy(e->head, data, sizeof(e->head));
	else
		e->flags |= 1;	/* short frame: head left zero */
	if (len & 1) {
		discarded++;
		bpf_ringbuf_discard(e, 0);
		return XDP_DROP;
	}
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
