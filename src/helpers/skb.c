/* SPDX-License-Identifier: MIT */
/*
 * skb resizing for tc programs: bpf_skb_change_tail and
 * bpf_skb_adjust_room, with the kernel's checks, error codes and byte
 * movements (net/core/filter.c).
 *
 * The skb of a run lives in one buffer, [hard_start, hard_end) of the
 * hook; growing moves the packet inside it when the head or tail room is
 * short (the kernel reallocates: pskb_expand_head), and only when the
 * buffer as a whole is too small does a call fail, with -ENOMEM as a failed
 * reallocation would.
 *
 * The skb state the kernel keeps outside struct __sk_buff and these helpers
 * need (the encapsulation bit and the transport header, both set by an
 * encapsulating bpf_skb_adjust_room) is kept in the room reserved for
 * struct skb_shared_info right after hard_end: every skb hook reserves it
 * and zeroes it with the buffer, and it lives exactly as long as the
 * packet does (across the repeats of one test-run, as in the kernel).
 * In test-run the MAC header is at data and the network header 14 bytes
 * further, wherever data moves (the helpers move both with it).
 */
#include "hl.h"

#define ETH_HLEN 14u
#define ETH_P_IP_BE 0x0008u		/* htons(0x0800) */
#define ETH_P_IPV6_BE 0xdd86u		/* htons(0x86dd) */
/* SKB_MAX_ALLOC: 16 KiB minus the shared info (x86-64) */
#define SKB_MAX_LEN (16384u - 320u)
#define ENOTSUPP_ 524

#define ROOM_FIXED_GSO (1ull << 0)
#define ROOM_ENCAP_L3_IPV4 (1ull << 1)
#define ROOM_ENCAP_L3_IPV6 (1ull << 2)
#define ROOM_ENCAP_L4_GRE (1ull << 3)
#define ROOM_ENCAP_L4_UDP (1ull << 4)
#define ROOM_NO_CSUM_RESET (1ull << 5)
#define ROOM_ENCAP_L2_ETH (1ull << 6)
#define ROOM_DECAP_L3_IPV4 (1ull << 7)
#define ROOM_DECAP_L3_IPV6 (1ull << 8)
#define ROOM_ENCAP_L2_SHIFT 56
#define ROOM_ENCAP_L2_MASK (0xffull << ROOM_ENCAP_L2_SHIFT)
#define ROOM_ENCAP_L3 (ROOM_ENCAP_L3_IPV4 | ROOM_ENCAP_L3_IPV6)
#define ROOM_DECAP_L3 (ROOM_DECAP_L3_IPV4 | ROOM_DECAP_L3_IPV6)
#define ROOM_FLAGS (ROOM_FIXED_GSO | ROOM_ENCAP_L3 | ROOM_ENCAP_L4_GRE | ROOM_ENCAP_L4_UDP | \
		    ROOM_ENCAP_L2_ETH | ROOM_ENCAP_L2_MASK | ROOM_DECAP_L3 | ROOM_NO_CSUM_RESET)
#define MODE_NET 0
#define MODE_MAC 1

struct skb_state {
	uint8_t encapsulation;
	uint8_t trans_set;		/* transport header was set */
	uint16_t trans_off;		/* its offset from data */
};

static struct skb_state *state(struct bpfrt_hook *h) { return (struct skb_state *)h->hard_end; }

static struct bpfrt_hook *skb_hook(struct bpfrt_run_ctx *rc, const char *name)
{
	struct bpfrt_hook *h = rc->hook;
	if (h && h->is_skb)
		return h;
	bpfrt__vm_helper_fault(rc, name, "no skb in this run");
	return NULL;
}

static uint32_t skb_len(const struct bpfrt_hook *h) { return (uint32_t)(h->end - h->data); }
static bool skb_is_gso(const struct bpfrt_hook *h) { return h->shadow.skb.gso_size != 0; }

/* Room for `head` more bytes before data and `tail` more after end,
 * moving the packet (with its metadata) inside the buffer if need be. */
static int make_room(struct bpfrt_hook *h, size_t head, size_t tail)
{
	size_t metalen = (size_t)(h->data - h->meta);
	size_t have_head = (size_t)(h->meta - h->hard_start);
	size_t have_tail = (size_t)(h->hard_end - h->end);
	if (have_head >= head && have_tail >= tail)
		return 0;
	if (have_head + have_tail < head + tail)
		return -ENOMEM;
	uint8_t *meta = have_head < head ? h->hard_start + head : h->meta - (tail - have_tail);
	size_t len = (size_t)(h->end - h->meta);
	memmove(meta, h->meta, len);
	h->meta = meta;
	h->data = meta + metalen;
	h->end = meta + len;
	return 0;
}

/* ---- bpf_skb_change_tail -------------------------------------------------- */

HELPER(skb_change_tail)
{
	struct bpfrt_hook *h = skb_hook(rc, "bpf_skb_change_tail");
	if (!h)
		return 0;
	uint32_t new_len = (uint32_t)a2;
	struct skb_state *st = state(h);
	/* __bpf_skb_min_len: network offset, or the transport offset once
	 * set (test-run skbs are not CHECKSUM_PARTIAL). */
	uint32_t min_len = h->l2 ? ETH_HLEN : 0;
	if (st->trans_set)
		min_len = st->trans_off;
	int ret = 0;
	uint32_t len = skb_len(h);
	if (a3 || new_len > SKB_MAX_LEN || new_len < min_len) {
		ret = -EINVAL;
	} else if (st->encapsulation) {
		ret = -ENOTSUPP_;
	} else if (new_len > len) {
		ret = make_room(h, 0, new_len - len);
		if (!ret) {
			memset(h->end, 0, new_len - len);
			h->end += new_len - len;
		}
	} else {
		h->end = h->data + new_len;
	}
	if (!ret && skb_is_gso(h)) {	/* skb_gso_reset */
		h->shadow.skb.gso_size = 0;
		h->shadow.skb.gso_segs = 0;
	}
	bpfrt__hook_sync(rc);
	return ERR(ret);
}

/* ---- bpf_skb_adjust_room -------------------------------------------------- */

static uint32_t net_base_len(uint32_t proto)
{
	return proto == ETH_P_IP_BE ? 20u : proto == ETH_P_IPV6_BE ? 40u : ~0u;
}

/* The transport header is an offset from the buffer's head in the kernel:
 * it stays put when data moves, unless it sat on the network header. */
static void trans_move(struct skb_state *st, int64_t diff)
{
	if (!st->trans_set)
		return;
	if (st->trans_off == ETH_HLEN)	/* transport == network: moves along */
		return;
	st->trans_off = (uint16_t)(st->trans_off + diff);
}

/* bpf_skb_net_grow */
static int net_grow(struct bpfrt_hook *h, uint32_t off, uint32_t len_diff, uint64_t flags)
{
	struct skb_state *st = state(h);
	uint8_t inner_mac_len = (uint8_t)(flags >> ROOM_ENCAP_L2_SHIFT);
	bool encap = flags & ROOM_ENCAP_L3;
	/* A GSO skb of test-run has no gso_type: not TCP, not UDP_L4. */
	if (skb_is_gso(h))
		return -ENOTSUPP_;
	if (make_room(h, len_diff, 0))
		return -ENOMEM;	/* skb_cow_head */
	if (encap) {
		uint32_t proto = h->shadow.skb.protocol;
		if (proto != ETH_P_IP_BE && proto != ETH_P_IPV6_BE)
			return -ENOTSUPP_;
		if ((flags & ROOM_ENCAP_L3) == ROOM_ENCAP_L3)
			return -EINVAL;
		if ((flags & ROOM_ENCAP_L4_GRE) && (flags & ROOM_ENCAP_L4_UDP))
			return -EINVAL;
		if ((flags & ROOM_ENCAP_L2_ETH) && inner_mac_len < ETH_HLEN)
			return -EINVAL;
		if (st->encapsulation)
			return -EALREADY;
		if (inner_mac_len > len_diff)
			return -EINVAL;
	}
	/* bpf_skb_net_hdr_push: the first off bytes move to the new start,
	 * the room after them is zeroed. */
	h->data -= len_diff;
	h->meta -= len_diff;
	memmove(h->data, h->data + len_diff, off);
	memset(h->data + off, 0, len_diff);
	trans_move(st, len_diff);
	if (encap) {
		st->encapsulation = 1;
		if (flags & (ROOM_ENCAP_L4_GRE | ROOM_ENCAP_L4_UDP)) {
			st->trans_set = 1;
			st->trans_off = (uint16_t)(ETH_HLEN +
						   ((flags & ROOM_ENCAP_L3_IPV6) ? 40u : 20u));
		}
		/* skb->protocol follows the new outer header */
		uint32_t *proto = &h->shadow.skb.protocol;
		if (*proto == ETH_P_IP_BE && (flags & ROOM_ENCAP_L3_IPV6))
			*proto = ETH_P_IPV6_BE;
		else if (*proto == ETH_P_IPV6_BE && (flags & ROOM_ENCAP_L3_IPV4))
			*proto = ETH_P_IP_BE;
	}
	return 0;
}

/* bpf_skb_net_shrink */
static int net_shrink(struct bpfrt_hook *h, uint32_t off, uint32_t len_diff, uint64_t flags)
{
	if (flags & ~(ROOM_FIXED_GSO | ROOM_DECAP_L3 | ROOM_NO_CSUM_RESET))
		return -EINVAL;
	if (skb_is_gso(h))
		return -ENOTSUPP_;
	/* bpf_skb_generic_pop: pskb_may_pull(off + len) */
	if ((uint64_t)off + len_diff > skb_len(h))
		return -ENOMEM;
	memmove(h->data + len_diff, h->data, off);
	h->data += len_diff;
	h->meta += len_diff;
	trans_move(state(h), -(int64_t)len_diff);
	uint32_t *proto = &h->shadow.skb.protocol;
	if (*proto == ETH_P_IP_BE && (flags & ROOM_DECAP_L3_IPV6))
		*proto = ETH_P_IPV6_BE;
	else if (*proto == ETH_P_IPV6_BE && (flags & ROOM_DECAP_L3_IPV4))
		*proto = ETH_P_IP_BE;
	return 0;
}

HELPER(skb_adjust_room)
{
	struct bpfrt_hook *h = skb_hook(rc, "bpf_skb_adjust_room");
	if (!h)
		return 0;
	int32_t len_diff = (int32_t)a2;
	uint32_t mode = (uint32_t)a3;
	uint64_t flags = a4;
	uint32_t proto = h->shadow.skb.protocol;
	uint32_t len_diff_abs = len_diff < 0 ? 0u - (uint32_t)len_diff : (uint32_t)len_diff;
	uint32_t len_min = net_base_len(proto);
	bool shrink = len_diff < 0;
	if (flags & ~ROOM_FLAGS)
		return ERR(-EINVAL);
	if (len_diff_abs > 0xfffu)
		return ERR(-EFAULT);
	if (proto != ETH_P_IP_BE && proto != ETH_P_IPV6_BE)
		return ERR(-ENOTSUPP_);
	/* skb_mac_header_len: test-run's tc skb starts at the MAC header */
	uint32_t mac_len = h->l2 ? ETH_HLEN : 0;
	uint32_t off = mac_len;
	switch (mode) {
	case MODE_NET:
		off += net_base_len(proto);
		break;
	case MODE_MAC:
		break;
	default:
		return ERR(-ENOTSUPP_);
	}
	if (flags & ROOM_DECAP_L3) {
		if (!shrink)
			return ERR(-EINVAL);
		switch (flags & ROOM_DECAP_L3) {
		case ROOM_DECAP_L3_IPV4:
			len_min = 20;
			break;
		case ROOM_DECAP_L3_IPV6:
			len_min = 40;
			break;
		default:
			return ERR(-EINVAL);
		}
	}
	uint32_t len = skb_len(h);
	uint32_t len_cur = len - mac_len;
	if ((shrink && (len_diff_abs >= len_cur || len_cur - len_diff_abs < len_min)) ||
	    (!shrink && (uint64_t)len + len_diff_abs > SKB_MAX_LEN && !skb_is_gso(h)))
		return ERR(-ENOTSUPP_);
	int ret = shrink ? net_shrink(h, off, len_diff_abs, flags)
			 : net_grow(h, off, len_diff_abs, flags);
	/* The checksum state it resets is not visible in test-run skbs. */
	bpfrt__hook_sync(rc);
	return ERR(ret);
}
