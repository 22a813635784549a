// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_skb_change_tail and bpf_skb_adjust_room, kernel against bpfrt
 * (tests/corpus/rt_cases.txt): run k of a program applies call k % N of
 * its table, then call (5k + 3) % N on the result, to the frame (the
 * output frames are compared byte for byte) and records each return value
 * with skb->len, skb->protocol and data_end - data afterwards in `res_a`
 * and `res_b` under key k (frames past the 62nd are not recorded).  Some calls are sequences:
 * encapsulate twice (-EALREADY), then change the tail (-ENOTSUPP on an
 * encapsulated skb, -EINVAL below the transport header).
 */
#include "corpus.h"

#define F_FIXED_GSO BPF_F_ADJ_ROOM_FIXED_GSO
#define F_IPV4 BPF_F_ADJ_ROOM_ENCAP_L3_IPV4
#define F_IPV6 BPF_F_ADJ_ROOM_ENCAP_L3_IPV6
#define F_GRE BPF_F_ADJ_ROOM_ENCAP_L4_GRE
#define F_UDP BPF_F_ADJ_ROOM_ENCAP_L4_UDP
#define F_NO_CSUM BPF_F_ADJ_ROOM_NO_CSUM_RESET
#define F_L2_ETH BPF_F_ADJ_ROOM_ENCAP_L2_ETH
#define F_L2(n) BPF_F_ADJ_ROOM_ENCAP_L2(n)
#define F_DECAP4 (1ull << 7)
#define F_DECAP6 (1ull << 8)

enum { ROOM, TAIL_ABS, TAIL_REL, ENCAP_TWICE };

struct call {
	__u8 kind;
	__u8 mode;
	__s32 arg;		/* len_diff, new_len or a delta to skb->len */
	__u64 flags;
};

static const struct call calls[] = {
	{ ROOM, BPF_ADJ_ROOM_MAC, 8, 0 },
	{ ROOM, BPF_ADJ_ROOM_NET, 8, 0 },
	{ ROOM, BPF_ADJ_ROOM_MAC, -8, 0 },
	{ ROOM, BPF_ADJ_ROOM_NET, -8, 0 },
	{ ENCAP_TWICE, 0, 28, F_IPV4 | F_UDP },
	{ ENCAP_TWICE, 0, 40, F_IPV6 },
	{ ENCAP_TWICE, 0, 24, F_IPV4 | F_GRE },
	{ ROOM, BPF_ADJ_ROOM_MAC, 20, F_IPV4 },
	{ ROOM, BPF_ADJ_ROOM_MAC, 40, F_IPV6 },
	{ ROOM, BPF_ADJ_ROOM_MAC, 28, F_IPV4 | F_UDP },
	{ ROOM, BPF_ADJ_ROOM_MAC, 38, F_IPV4 | F_GRE | F_L2_ETH | F_L2(14) },
	{ ROOM, BPF_ADJ_ROOM_MAC, 8, F_IPV4 | F_L2(20) },	/* inner L2 > room */
	{ ROOM, BPF_ADJ_ROOM_MAC, 20, F_IPV4 | F_IPV6 },
	{ ROOM, BPF_ADJ_ROOM_MAC, 28, F_IPV4 | F_GRE | F_UDP },
	{ ROOM, BPF_ADJ_ROOM_MAC, 20, F_IPV4 | F_L2_ETH | F_L2(10) },
	{ ROOM, BPF_ADJ_ROOM_MAC, 0x1000, 0 },			/* -EFAULT */
	{ ROOM, 2, 8, 0 },					/* bad mode */
	{ ROOM, BPF_ADJ_ROOM_MAC, 8, 1ull << 9 },		/* bad flag */
	{ ROOM, BPF_ADJ_ROOM_MAC, -8, F_IPV4 },		/* encap on shrink */
	{ ROOM, BPF_ADJ_ROOM_MAC, -20, F_DECAP6 },
	{ ROOM, BPF_ADJ_ROOM_MAC, 20, F_DECAP4 },		/* decap on grow */
	{ ROOM, BPF_ADJ_ROOM_MAC, -20, F_DECAP4 | F_DECAP6 },
	{ ROOM, BPF_ADJ_ROOM_NET, -0xfff, 0 },
	{ ROOM, BPF_ADJ_ROOM_MAC, 8, F_NO_CSUM | F_FIXED_GSO },
	{ ROOM, BPF_ADJ_ROOM_MAC, 0, 0 },
	{ ROOM, BPF_ADJ_ROOM_NET, 300, 0 },			/* past the headroom */
	{ ROOM, BPF_ADJ_ROOM_MAC, -40, F_DECAP4 },
	{ ROOM, BPF_ADJ_ROOM_NET, -20, 0 },
	{ TAIL_REL, 0, 0, 0 },
	{ TAIL_REL, 0, 1, 0 },
	{ TAIL_REL, 0, 7, 0 },
	{ TAIL_REL, 0, 100, 0 },
	{ TAIL_REL, 0, 512, 0 },
	{ TAIL_REL, 0, 513, 0 },			/* beyond the caller's data_out */
	{ TAIL_REL, 0, -1, 0 },
	{ TAIL_REL, 0, -20, 0 },
	{ TAIL_ABS, 0, 14, 0 },
	{ TAIL_ABS, 0, 13, 0 },
	{ TAIL_ABS, 0, 0, 0 },
	{ TAIL_ABS, 0, 16065, 0 },
	{ TAIL_ABS, 0, -1, 0 },
	{ TAIL_REL, 0, 4, 1 },				/* flags */
	{ TAIL_ABS, 0, 60, 0 },
};

#define N (sizeof(calls) / sizeof(calls[0]))

struct result {
	__s64 ret[3];
	__u32 call;
	__u32 len;
	__u32 proto;
	__u32 linear;
};

struct rmap {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 62);
	__type(key, __u32);
	__type(value, struct result);
};

struct rmap res_a SEC(".maps"), res_b SEC(".maps");

__u32 runs;

static __always_inline void one(struct __sk_buff *skb, void *map, __u32 key, __u32 idx)
{
	struct result *r = bpf_map_lookup_elem(map, &key);
	const struct call *c;
	__u32 len;

	asm volatile("" : "+r"(idx));	/* keep the bounds check for the verifier */
	if (!r || idx >= N)
		return;
	c = &calls[idx];
	r->call = idx;
	len = skb->len;
	switch (c->kind) {
	case ROOM:
		r->ret[0] = bpf_skb_adjust_room(skb, c->arg, c->mode, c->flags);
		break;
	case TAIL_ABS:
		r->ret[0] = bpf_skb_change_tail(skb, (__u32)c->arg, c->flags);
		break;
	case TAIL_REL:
		r->ret[0] = bpf_skb_change_tail(skb, len + c->arg, c->flags);
		break;
	case ENCAP_TWICE:
		r->ret[0] = bpf_skb_adjust_room(skb, c->arg, BPF_ADJ_ROOM_MAC, c->flags);
		r->ret[1] = bpf_skb_adjust_room(skb, c->arg, BPF_ADJ_ROOM_MAC, c->flags);
		r->ret[2] = bpf_skb_change_tail(skb, 20, 0) * 1000 +
			    bpf_skb_change_tail(skb, skb->len, 0);
		break;
	}
	r->len = skb->len;
	r->proto = skb->protocol;
	r->linear = skb->data_end - skb->data;
}

SEC("tc")
int rt_room(struct __sk_buff *skb)
{
	__u32 k = runs++;

	one(skb, &res_a, k, k % N);
	one(skb, &res_b, k, (5 * k + 3) % N);
	/* The packet is still the program's to read and write. */
	__u8 *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if ((void *)(data + 14) <= end)
		data[13] ^= 0x5a;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
