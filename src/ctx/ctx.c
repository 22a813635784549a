/* SPDX-License-Identifier: MIT */
/*
 * Access tables of the program contexts, with the kernel's rules
 * (net/core/filter.c: xdp_is_valid_access, bpf_skb_is_valid_access and the
 * per-type tc_cls_act / sk_filter / cg_skb variants), and the emulation of
 * the accesses they allow.
 */
#include <stddef.h>
#include <string.h>

#include "core/common.h"
#include "vm/vm.h"
#include "ctx.h"

#define R	CTX_F_READ
#define W	CTX_F_WRITE
#define N	CTX_F_NARROW
#define SKB_OFF(f) (uint16_t)offsetof(struct __sk_buff, f)
#define XDP_OFF(f) (uint16_t)offsetof(struct xdp_md, f)

/* xdp_md: read-only, whole 32-bit loads only; egress_ifindex is for
 * devmap programs only, so plain XDP programs may not read it. */
static const struct bpfrt_ctx_field xdp_fields[] = {
	{ "data", XDP_OFF(data), 4, CTX_K_DATA, R },
	{ "data_end", XDP_OFF(data_end), 4, CTX_K_DATA_END, R },
	{ "data_meta", XDP_OFF(data_meta), 4, CTX_K_DATA_META, R },
	{ "ingress_ifindex", XDP_OFF(ingress_ifindex), 4, CTX_K_U32, R },
	{ "rx_queue_index", XDP_OFF(rx_queue_index), 4, CTX_K_U32, R },
};

/*
 * __sk_buff, one table per program type.  Rows not listed (flow_keys,
 * tstamp_type, padding, and per type the fields the kernel refuses) are
 * invalid.  The socket fields (family ... local_port) only exist for
 * cgroup_skb.
 */
#define SKB_COMMON(MARK_W, PRIO_W)						\
	{ "len", SKB_OFF(len), 4, CTX_K_U32, R | N },				\
	{ "pkt_type", SKB_OFF(pkt_type), 4, CTX_K_U32, R | N },		\
	{ "mark", SKB_OFF(mark), 4, CTX_K_U32, R | N | (MARK_W) },		\
	{ "protocol", SKB_OFF(protocol), 4, CTX_K_U32, R | N },		\
	{ "vlan_present", SKB_OFF(vlan_present), 4, CTX_K_U32, R | N },	\
	{ "vlan_tci", SKB_OFF(vlan_tci), 4, CTX_K_U32, R | N },		\
	{ "vlan_proto", SKB_OFF(vlan_proto), 4, CTX_K_U32, R | N },		\
	{ "priority", SKB_OFF(priority), 4, CTX_K_U32, R | N | (PRIO_W) },	\
	{ "ingress_ifindex", SKB_OFF(ingress_ifindex), 4, CTX_K_U32, R | N },	\
	{ "ifindex", SKB_OFF(ifindex), 4, CTX_K_U32, R | N },			\
	{ "cb", SKB_OFF(cb), 20, CTX_K_CB, R | W },				\
	{ "hash", SKB_OFF(hash), 4, CTX_K_U32, R | N },			\
	{ "napi_id", SKB_OFF(napi_id), 4, CTX_K_U32, R | N },			\
	{ "gso_segs", SKB_OFF(gso_segs), 4, CTX_K_U32, R | N },		\
	{ "sk", SKB_OFF(sk), 8, CTX_K_NULLPTR, R },				\
	{ "gso_size", SKB_OFF(gso_size), 4, CTX_K_U32, R | N }

static const struct bpfrt_ctx_field tc_fields[] = {
	SKB_COMMON(W, W),
	{ "queue_mapping", SKB_OFF(queue_mapping), 4, CTX_K_QMAP, R | N | W },
	{ "tc_index", SKB_OFF(tc_index), 4, CTX_K_U16, R | N | W },
	{ "tc_classid", SKB_OFF(tc_classid), 4, CTX_K_U16, R | N | W },
	{ "data", SKB_OFF(data), 4, CTX_K_DATA, R },
	{ "data_end", SKB_OFF(data_end), 4, CTX_K_DATA_END, R },
	{ "data_meta", SKB_OFF(data_meta), 4, CTX_K_DATA_META, R },
	{ "tstamp", SKB_OFF(tstamp), 8, CTX_K_U64, R | W },
	{ "wire_len", SKB_OFF(wire_len), 4, CTX_K_U32, R | N },
	{ "hwtstamp", SKB_OFF(hwtstamp), 8, CTX_K_U64, R },
};

static const struct bpfrt_ctx_field sk_filter_fields[] = {
	SKB_COMMON(0, 0),
	{ "queue_mapping", SKB_OFF(queue_mapping), 4, CTX_K_QMAP, R | N },
	{ "tc_index", SKB_OFF(tc_index), 4, CTX_K_U16, R | N },
};

static const struct bpfrt_ctx_field cg_skb_fields[] = {
	SKB_COMMON(W, W),
	{ "queue_mapping", SKB_OFF(queue_mapping), 4, CTX_K_QMAP, R | N },
	{ "tc_index", SKB_OFF(tc_index), 4, CTX_K_U16, R | N },
	{ "data", SKB_OFF(data), 4, CTX_K_DATA, R },
	{ "data_end", SKB_OFF(data_end), 4, CTX_K_DATA_END, R },
	{ "family", SKB_OFF(family), 4, CTX_K_U32, R | N },
	{ "remote_ip4", SKB_OFF(remote_ip4), 4, CTX_K_U32, R },
	{ "local_ip4", SKB_OFF(local_ip4), 4, CTX_K_U32, R },
	{ "remote_ip6", SKB_OFF(remote_ip6), 16, CTX_K_U32, R },
	{ "local_ip6", SKB_OFF(local_ip6), 16, CTX_K_U32, R },
	{ "remote_port", SKB_OFF(remote_port), 4, CTX_K_U32, R | N },
	{ "local_port", SKB_OFF(local_port), 4, CTX_K_U32, R | N },
	{ "tstamp", SKB_OFF(tstamp), 8, CTX_K_U64, R | W },
	{ "hwtstamp", SKB_OFF(hwtstamp), 8, CTX_K_U64, R },
};

#undef R
#undef W
#undef N

static const struct bpfrt_ctx_desc xdp_desc = {
	"xdp_md", sizeof(struct xdp_md), xdp_fields, ARRAY_SIZE(xdp_fields),
};
static const struct bpfrt_ctx_desc tc_desc = {
	"__sk_buff", sizeof(struct __sk_buff), tc_fields, ARRAY_SIZE(tc_fields),
};
static const struct bpfrt_ctx_desc sk_filter_desc = {
	"__sk_buff", sizeof(struct __sk_buff), sk_filter_fields, ARRAY_SIZE(sk_filter_fields),
};
static const struct bpfrt_ctx_desc cg_skb_desc = {
	"__sk_buff", sizeof(struct __sk_buff), cg_skb_fields, ARRAY_SIZE(cg_skb_fields),
};

const struct bpfrt_ctx_desc *bpfrt__ctx_desc(enum bpfrt_prog_type type)
{
	switch (type) {
	case BPFRT_PROG_TYPE_XDP: return &xdp_desc;
	case BPFRT_PROG_TYPE_SCHED_CLS:
	case BPFRT_PROG_TYPE_SCHED_ACT: return &tc_desc;
	case BPFRT_PROG_TYPE_SOCKET_FILTER: return &sk_filter_desc;
	case BPFRT_PROG_TYPE_CGROUP_SKB: return &cg_skb_desc;
	default: return NULL;
	}
}

const struct bpfrt_ctx_field *bpfrt__ctx_access(const struct bpfrt_ctx_desc *d, uint32_t off,
						uint32_t size, bool write)
{
	if (!d || off >= d->size || size == 0 || off % size)
		return NULL;
	const struct bpfrt_ctx_field *f = NULL;
	for (size_t i = 0; i < d->cnt; i++)
		if (off >= d->fields[i].off && off < d->fields[i].off + d->fields[i].size) {
			f = &d->fields[i];
			break;
		}
	if (!f || !(f->flags & (write ? CTX_F_WRITE : CTX_F_READ)))
		return NULL;
	switch (f->kind) {
	case CTX_K_CB:		/* any size, as long as it stays inside cb[] */
		return off + size <= (uint32_t)f->off + f->size ? f : NULL;
	case CTX_K_U64:
	case CTX_K_NULLPTR:
		return size == 8 ? f : NULL;
	case CTX_K_DATA:
	case CTX_K_DATA_END:
	case CTX_K_DATA_META:
		return size == 4 ? f : NULL;
	default:		/* 32-bit fields: whole, or narrow reads */
		if (size == 4)
			return f;
		return !write && (f->flags & CTX_F_NARROW) && size < 4 ? f : NULL;
	}
}

uint64_t bpfrt__ctx_load(const struct bpfrt_run_ctx *rc, const struct bpfrt_ctx_field *f,
			 uint32_t off, uint32_t size)
{
	const struct bpfrt_hook *h = rc->hook;
	switch (f->kind) {
	case CTX_K_DATA: return (uintptr_t)h->data;
	case CTX_K_DATA_END: return (uintptr_t)h->end;
	case CTX_K_DATA_META: return (uintptr_t)h->meta;
	case CTX_K_NULLPTR: return 0;
	default: {
		/* Little-endian bytes of the shadow: the same as the kernel's
		 * narrow load (whole field shifted and masked). */
		uint64_t v = 0;
		memcpy(&v, (const uint8_t *)rc->ctx_lo + off, size);
		return v;
	}
	}
}

void bpfrt__ctx_store(struct bpfrt_run_ctx *rc, const struct bpfrt_ctx_field *f,
		      uint32_t off, uint32_t size, uint64_t val)
{
	uint8_t *p = (uint8_t *)rc->ctx_lo + off;
	uint32_t v32;
	switch (f->kind) {
	case CTX_K_U16:		/* the kernel stores the low 16 bits */
		v32 = (uint16_t)val;
		memcpy(p, &v32, 4);
		break;
	case CTX_K_QMAP:	/* NO_QUEUE_MAPPING and above are ignored */
		if (val >= 0xffff)
			break;
		v32 = (uint16_t)val;
		memcpy(p, &v32, 4);
		break;
	default:
		memcpy(p, &val, size);
		break;
	}
}

void bpfrt__hook_sync(struct bpfrt_run_ctx *rc)
{
	struct bpfrt_hook *h = rc->hook;
	if (!h)
		return;
	rc->pkt_lo = (uintptr_t)(h->meta ? h->meta : h->data);
	rc->pkt_hi = (uintptr_t)h->end;
	rc->pkt = h->data;
	rc->pkt_size = (uint64_t)(h->end - h->data);
	h->native[CTX_NATIVE_DATA] = (uintptr_t)h->data;
	h->native[CTX_NATIVE_DATA_END] = (uintptr_t)h->end;
	h->native[CTX_NATIVE_DATA_META] = (uintptr_t)h->meta;
	if (h->is_skb)
		h->shadow.skb.len = (uint32_t)(h->end - h->data);
}
