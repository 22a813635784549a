/* SPDX-License-Identifier: MIT */
/*
 * Packet helpers: XDP buffer adjustments and byte access, skb byte access,
 * checksum helpers, redirects.  Bounds and error codes are the kernel's
 * (net/core/filter.c).
 */
#include <limits.h>

#include "hl.h"

#define ETH_HLEN 14
#define XDP_ABORTED_ 0
#define XDP_REDIRECT_ 4
#define TC_ACT_SHOT_ 2
#define TC_ACT_REDIRECT_ 7
#define F_INGRESS (1ull << 0)
#define F_ACTION_MASK 3ull		/* XDP_ABORTED | DROP | PASS | TX */
#define F_BROADCAST (1ull << 3)
#define F_EXCLUDE_INGRESS (1ull << 4)
#define ENOTSUPP_ 524			/* the kernel's internal ENOTSUPP */

static struct bpfrt_hook *hook(struct bpfrt_run_ctx *rc, const char *h)
{
	if (rc->hook)
		return rc->hook;
	bpfrt__vm_helper_fault(rc, h, "no packet in this run");
	return NULL;
}

/* ---- XDP ---------------------------------------------------------------- */

HELPER(xdp_adjust_head)
{
	struct bpfrt_hook *h = hook(rc, "bpf_xdp_adjust_head");
	if (!h)
		return 0;
	int off = (int)a2;
	size_t metalen = (size_t)(h->data - h->meta);
	uint8_t *data = h->data + off;
	/* Not into the xdp_frame area (plus metadata), and at least an
	 * Ethernet header left. */
	if (data < h->hard_start + metalen || data > h->end - ETH_HLEN)
		return ERR(-EINVAL);
	if (metalen)
		memmove(h->meta + off, h->meta, metalen);
	h->meta += off;
	h->data = data;
	bpfrt__hook_sync(rc);
	return 0;
}

HELPER(xdp_adjust_meta)
{
	struct bpfrt_hook *h = hook(rc, "bpf_xdp_adjust_meta");
	if (!h)
		return 0;
	uint8_t *meta = h->meta + (int)a2;
	if (meta < h->hard_start || meta > h->data)
		return ERR(-EINVAL);
	/* Linux 6.18: 4-byte aligned and at most what skb_shared_info's u8
	 * meta_len holds (older kernels allowed 32 bytes). */
	size_t metalen = (size_t)(h->data - meta);
	if ((metalen & 3) || metalen > 255)
		return ERR(-EACCES);
	h->meta = meta;
	bpfrt__hook_sync(rc);
	return 0;
}

HELPER(xdp_adjust_tail)
{
	struct bpfrt_hook *h = hook(rc, "bpf_xdp_adjust_tail");
	if (!h)
		return 0;
	int off = (int)a2;
	uint8_t *end = h->end + off;
	if (end > h->hard_end || end < h->data + ETH_HLEN)
		return ERR(-EINVAL);
	if (off > 0)	/* grown bytes are zeroed */
		memset(h->end, 0, (size_t)off);
	h->end = end;
	bpfrt__hook_sync(rc);
	return 0;
}

HELPER(xdp_get_buff_len)
{
	struct bpfrt_hook *h = hook(rc, "bpf_xdp_get_buff_len");
	return h ? (uint64_t)(h->end - h->data) : 0;
}

static uint64_t xdp_bytes(struct bpfrt_run_ctx *rc, const char *name, uint64_t off,
			  uint64_t buf, uint64_t len, bool store)
{
	struct bpfrt_hook *h = hook(rc, name);
	if (!h || !hl_mem(rc, name, "buf", buf, len, !store))
		return 0;
	uint32_t o = (uint32_t)off, l = (uint32_t)len;
	if (o > 0xffff || l > 0xffff)
		return ERR(-EFAULT);
	if ((uint64_t)o + l > (uint64_t)(h->end - h->data))
		return ERR(-EINVAL);
	if (store)
		memmove(h->data + o, PTR(buf), l);
	else
		memmove(PTR(buf), h->data + o, l);
	return 0;
}

HELPER(xdp_load_bytes) { return xdp_bytes(rc, "bpf_xdp_load_bytes", a2, a3, a4, false); }
HELPER(xdp_store_bytes) { return xdp_bytes(rc, "bpf_xdp_store_bytes", a2, a3, a4, true); }

HELPER(redirect)
{
	struct bpfrt_hook *h = rc->hook;
	bool xdp = rc->prog_type == BPFRT_PROG_TYPE_XDP;
	if (xdp ? a2 != 0 : (a2 & ~F_INGRESS) != 0)
		return xdp ? XDP_ABORTED_ : TC_ACT_SHOT_;
	if (h) {
		h->redirect = true;
		h->redirect_ifindex = (uint32_t)a1;
		h->redirect_flags = a2;
		h->redirect_map = NULL;
	}
	return xdp ? XDP_REDIRECT_ : TC_ACT_REDIRECT_;
}

/* A missing key answers with the action in the low bits of flags.  Only
 * device maps take the broadcast flags (xskmap and cpumap take none). */
HELPER(redirect_map)
{
	struct bpfrt_map *m = PTR(a1);
	if (!hl_map(rc, "bpf_redirect_map", a1))
		return 0;
	bool dev = m->type == BPFRT_MAP_TYPE_DEVMAP || m->type == BPFRT_MAP_TYPE_DEVMAP_HASH;
	if (a3 & ~(F_ACTION_MASK | (dev ? F_BROADCAST | F_EXCLUDE_INGRESS : 0)))
		return XDP_ABORTED_;
	uint32_t key = (uint32_t)a2;
	if (!(a3 & F_BROADCAST) && !bpfrt__map_lookup(m, &key, rc->cpu))
		return a3 & F_ACTION_MASK;
	if (rc->hook) {
		rc->hook->redirect = true;
		rc->hook->redirect_map = m;
		rc->hook->redirect_key = key;
		rc->hook->redirect_flags = a3;
	}
	return XDP_REDIRECT_;
}

/* ---- skb ------------------------------------------------------------------ */

static uint64_t skb_len(const struct bpfrt_hook *h) { return (uint64_t)(h->end - h->data); }

HELPER(skb_load_bytes)
{
	struct bpfrt_hook *h = hook(rc, "bpf_skb_load_bytes");
	uint32_t off = (uint32_t)a2, len = (uint32_t)a4;
	if (!h || !hl_mem(rc, "bpf_skb_load_bytes", "to", a3, len, true))
		return 0;
	if (off > INT_MAX || (uint64_t)off + len > skb_len(h)) {
		memset(PTR(a3), 0, len);
		return ERR(-EFAULT);
	}
	memmove(PTR(a3), h->data + off, len);
	return 0;
}

#define F_RECOMPUTE_CSUM (1ull << 0)
#define F_INVALIDATE_HASH (1ull << 1)

HELPER(skb_store_bytes)
{
	struct bpfrt_hook *h = hook(rc, "bpf_skb_store_bytes");
	uint32_t off = (uint32_t)a2, len = (uint32_t)a4;
	if (!h || !hl_mem(rc, "bpf_skb_store_bytes", "from", a3, len, false))
		return 0;
	if (a5 & ~(F_RECOMPUTE_CSUM | F_INVALIDATE_HASH))
		return ERR(-EINVAL);
	if (off > INT_MAX)
		return ERR(-EFAULT);
	/* bpf_try_make_writable: pulling beyond the data fails */
	if ((uint64_t)off + len > skb_len(h))
		return ERR(-ENOMEM);
	/* Test-run skbs carry no checksum state (CHECKSUM_NONE), so
	 * RECOMPUTE_CSUM has nothing to update. */
	memmove(h->data + off, PTR(a3), len);
	if (a5 & F_INVALIDATE_HASH)
		h->shadow.skb.hash = 0;
	return 0;
}

HELPER(skb_pull_data)
{
	struct bpfrt_hook *h = hook(rc, "bpf_skb_pull_data");
	if (!h)
		return 0;
	return (uint32_t)a2 > skb_len(h) ? ERR(-ENOMEM) : 0;
}

uint32_t bpfrt__csum_partial(const void *p, size_t len, uint32_t seed)
{
	const uint8_t *b = p;
	uint64_t s = seed;
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, b, 4);
		s += w;
		b += 4;
		len -= 4;
	}
	if (len) {	/* trailing bytes as a little-endian partial word */
		uint32_t w = 0;
		memcpy(&w, b, len);
		s += w;
	}
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

#define F_HDR_FIELD_MASK 0xfull
#define F_PSEUDO_HDR (1ull << 4)
#define F_MARK_MANGLED_0 (1ull << 5)
#define F_MARK_ENFORCE (1ull << 6)
#define F_IPV6 (1ull << 7)

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/* csum_replace4 / by_diff on a 16-bit field: ~(~sum - from + to). */
static uint16_t replace4(uint16_t sum, uint32_t from, uint32_t to)
{
	uint32_t t = hl_csum_sub(~(uint32_t)sum, from);
	return hl_csum_fold(hl_csum_add(t, to));
}

static uint16_t replace2(uint16_t sum, uint16_t from, uint16_t to)
{
	/* csum16_add(csum16_sub(~sum, from), to), folded to 16 bits */
	uint32_t s = (uint16_t)~sum;
	s += (uint16_t)~from;
	s = (s & 0xffff) + (s >> 16);
	s += to;
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t replace_by_diff(uint16_t sum, uint32_t diff)
{
	return hl_csum_fold(hl_csum_add(diff, ~(uint32_t)sum));
}

HELPER(l3_csum_replace)
{
	struct bpfrt_hook *h = hook(rc, "bpf_l3_csum_replace");
	if (!h)
		return 0;
	uint32_t off = (uint32_t)a2;
	if (a5 & ~F_HDR_FIELD_MASK)
		return ERR(-EINVAL);
	if (off > 0xffff || (off & 1))
		return ERR(-EFAULT);
	if ((uint64_t)off + 2 > skb_len(h))
		return ERR(-EFAULT);
	uint8_t *p = h->data + off;
	switch (a5 & F_HDR_FIELD_MASK) {
	case 0:
		if (a3)
			return ERR(-EINVAL);
		wr16(p, replace_by_diff(rd16(p), (uint32_t)a4));
		break;
	case 2:
		wr16(p, replace2(rd16(p), (uint16_t)a3, (uint16_t)a4));
		break;
	case 4:
		wr16(p, replace4(rd16(p), (uint32_t)a3, (uint32_t)a4));
		break;
	default:
		return ERR(-EINVAL);
	}
	return 0;
}

/* Test-run skbs are CHECKSUM_NONE, so the pseudo-header flag changes
 * nothing: the field is updated like an L3 checksum. */
HELPER(l4_csum_replace)
{
	struct bpfrt_hook *h = hook(rc, "bpf_l4_csum_replace");
	if (!h)
		return 0;
	uint32_t off = (uint32_t)a2;
	bool mmzero = a5 & F_MARK_MANGLED_0, mforce = a5 & F_MARK_ENFORCE;
	if (a5 & ~(F_MARK_MANGLED_0 | F_MARK_ENFORCE | F_PSEUDO_HDR | F_HDR_FIELD_MASK | F_IPV6))
		return ERR(-EINVAL);
	if (off > 0xffff || (off & 1))
		return ERR(-EFAULT);
	if ((uint64_t)off + 2 > skb_len(h))
		return ERR(-EFAULT);
	uint8_t *p = h->data + off;
	if (mmzero && !mforce && !rd16(p))
		return 0;
	switch (a5 & F_HDR_FIELD_MASK) {
	case 0:
		if (a3)
			return ERR(-EINVAL);
		wr16(p, replace_by_diff(rd16(p), (uint32_t)a4));
		break;
	case 2:	/* inet_proto_csum_replace2 widens to 32 bits */
	case 4:
		wr16(p, replace4(rd16(p), (a5 & F_HDR_FIELD_MASK) == 2 ? (uint16_t)a3 : (uint32_t)a3,
				 (a5 & F_HDR_FIELD_MASK) == 2 ? (uint16_t)a4 : (uint32_t)a4));
		break;
	default:
		return ERR(-EINVAL);
	}
	if (mmzero && !rd16(p))
		wr16(p, 0xffff);	/* CSUM_MANGLED_0 */
	return 0;
}

/* The unfolded sum is only meaningful folded (x86 has its own csum_partial
 * whose 32-bit value differs); the folded value is the kernel's.  Recent
 * kernels (6.18, the oracle) check no sizes: any length the verifier let
 * through, no multiple of 4, no 512-byte limit. */
HELPER(csum_diff)
{
	uint32_t fs = (uint32_t)a2, ts = (uint32_t)a4;
	if (!hl_mem(rc, "bpf_csum_diff", "from", a1, fs, false) ||
	    !hl_mem(rc, "bpf_csum_diff", "to", a3, ts, false))
		return 0;
	uint32_t s = (uint32_t)a5;
	if (ts)
		s = bpfrt__csum_partial(PTR(a3), ts, s);
	if (fs)
		s = hl_csum_sub(s, bpfrt__csum_partial(PTR(a1), fs, 0));
	return s;
}

/* Only CHECKSUM_COMPLETE skbs carry a sum to update; test-run's do not. */
HELPER(csum_update) { return ERR(-ENOTSUPP_); }

/* skb_get_hash: the kernel hashes the flow with a boot-time random key, so
 * the value is arbitrary; this one is a stable non-zero hash of the
 * headers. */
HELPER(get_hash_recalc)
{
	struct bpfrt_hook *h = hook(rc, "bpf_get_hash_recalc");
	if (!h)
		return 0;
	size_t n = skb_len(h) < 64 ? skb_len(h) : 64;
	uint32_t v = (uint32_t)bpfrt__hash_bytes(h->data, n, 0x5eed);
	if (!v)
		v = 1;
	h->shadow.skb.hash = v;
	return v;
}
