/* SPDX-License-Identifier: MIT */
/*
 * Program-type contexts: struct xdp_md and struct __sk_buff as programs see
 * them, and the packet state behind them.
 *
 * A context is described by an access table (one row per UAPI field: its
 * offset and width, what a load of it yields, whether programs of the type
 * may read it, write it, or read parts of it).  bpfrt__ctx_access answers
 * the kernel's is_valid_access question from the table; checked runs call it
 * for every load and store that falls inside the context and then perform
 * the access on a shadow of the UAPI struct (pointer fields yield real
 * pointers into the packet).  The verifier is meant to answer the same
 * question from the same table at load time and rewrite the accesses.
 */
#ifndef BPFRT_CTX_H
#define BPFRT_CTX_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"

enum ctx_kind {
	CTX_K_U32,		/* plain 32-bit field in the shadow */
	CTX_K_U16,		/* stored as 16 bits (tc_index, tc_classid) */
	CTX_K_QMAP,		/* queue_mapping: u16, writes >= 0xffff ignored */
	CTX_K_U64,		/* 64-bit field (tstamp, hwtstamp) */
	CTX_K_CB,		/* cb[]: any size, any aligned offset inside */
	CTX_K_DATA,		/* pointer fields: a 4-byte load yields the */
	CTX_K_DATA_END,		/* 64-bit pointer */
	CTX_K_DATA_META,
	CTX_K_NULLPTR,		/* a pointer bpfrt cannot give (skb->sk): NULL */
};

#define CTX_F_READ	(1u << 0)
#define CTX_F_WRITE	(1u << 1)
#define CTX_F_NARROW	(1u << 2)	/* loads of 1 or 2 bytes inside the field */

struct bpfrt_ctx_field {
	const char *name;
	uint16_t off, size;
	uint8_t kind, flags;
};

struct bpfrt_ctx_desc {
	const char *name;		/* "xdp_md", "__sk_buff" */
	uint32_t size;			/* sizeof the UAPI struct */
	const struct bpfrt_ctx_field *fields;
	size_t cnt;
};

/* The context of a program type, NULL for raw memory (UNSPEC). */
const struct bpfrt_ctx_desc *bpfrt__ctx_desc(enum bpfrt_prog_type type);

/* The kernel's is_valid_access: the field that a load/store of size bytes
 * at off reaches, or NULL when the program type may not do it. */
const struct bpfrt_ctx_field *bpfrt__ctx_access(const struct bpfrt_ctx_desc *d, uint32_t off,
						uint32_t size, bool write);

/* The packet and program-type state of one test run.  The shadow is what
 * r1 points at. */
struct bpfrt_hook {
	enum bpfrt_prog_type type;
	uint8_t *buf;			/* the whole allocation */
	uint8_t *hard_start;		/* lowest data may move to (XDP: after
					 * the xdp_frame area) */
	uint8_t *hard_end;		/* highest data_end may grow to */
	uint8_t *meta, *data, *end;	/* data_meta, data, data_end */
	bool is_skb;
	bool l2;			/* skb data starts at the MAC header */
	union {
		struct xdp_md xdp;
		struct __sk_buff skb;
		uint8_t raw[sizeof(struct __sk_buff)];
	} shadow __attribute__((aligned(8)));
	/* Right after the shadow: the 64-bit pointers that verified programs
	 * load directly once their context accesses are rewritten
	 * (CTX_NATIVE_OFF), kept current by bpfrt__hook_sync. */
	uint64_t native[3];
	/* redirect target recorded by bpf_redirect / bpf_redirect_map */
	bool redirect;
	uint32_t redirect_ifindex;
	uint64_t redirect_flags;
	const void *redirect_map;
	uint32_t redirect_key;
};

/* Offset from the shadow (what r1 points at) of native[i]: where a
 * rewritten load of data (0), data_end (1) or data_meta (2) reads. */
enum { CTX_NATIVE_DATA, CTX_NATIVE_DATA_END, CTX_NATIVE_DATA_META };
#define CTX_NATIVE_OFF(i)							\
	((int32_t)(offsetof(struct bpfrt_hook, native) - offsetof(struct bpfrt_hook, shadow) + \
		   8 * (i)))

struct bpfrt_prog;
/* The verifier's static context rewrite (src/ctx/rewrite.c): for a verified
 * program of a typed context, make prog->ucode, the code unchecked runs
 * execute, with every context access turned into a plain access of the
 * hook's shadow or native pointers, and set prog->ctx_native when every
 * access could be rewritten.  0 or -ENOMEM. */
int bpfrt__ctx_rewrite(struct bpfrt_prog *prog);

struct bpfrt_run_ctx;
/* Load through the context emulation (field from bpfrt__ctx_access). */
uint64_t bpfrt__ctx_load(const struct bpfrt_run_ctx *rc, const struct bpfrt_ctx_field *f,
			 uint32_t off, uint32_t size);
void bpfrt__ctx_store(struct bpfrt_run_ctx *rc, const struct bpfrt_ctx_field *f,
		      uint32_t off, uint32_t size, uint64_t val);
/* The packet moved (adjust_head/tail/meta, skb resize): refresh what the
 * run and the shadow derive from it. */
void bpfrt__hook_sync(struct bpfrt_run_ctx *rc);

#endif
