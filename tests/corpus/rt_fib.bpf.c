// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_fib_lookup, kernel against bpfrt (tests/corpus/rt_cases.txt and
 * tests/corpus/fib_netns.sh).  Run k of a program does lookups 2k and
 * 2k + 1 (mod NCASES) of the table below and records each return value
 * and the whole struct bpf_fib_lookup afterwards in `res` under the case's
 * index; the tc program also does, on every frame, two lookups without
 * tot_len (the skb's length checked against the egress device's mtu: 100
 * on v2, 1500 on v0) into `mtu_a` and `mtu_b` under key k.  (Maps stay
 * below 64 entries.)
 *
 * The answers depend on the network namespace the test runs in, which the
 * kernel and bpfrt share.  fib_netns.sh builds one where every case means
 * something (ifindexes 10-14, the routes and neighbours named below); in
 * any other namespace the lookups still agree (mostly -ENODEV or
 * FWD_DISABLED).
 */
#include "corpus.h"

#define AF_INET 2
#define AF_INET6 10
#define FIB_DIRECT (1u << 0)
#define FIB_OUTPUT (1u << 1)
#define FIB_SKIP_NEIGH (1u << 2)
#define FIB_TBID (1u << 3)
#define FIB_SRC (1u << 4)
#define FIB_MARK (1u << 5)

struct fcase {
	__u8 family;
	__u8 small;		/* plen 63 */
	__u16 tot_len;
	__u32 ifindex;
	__u32 tos;
	__u32 flags;
	__u32 tbid;
	__u32 mark;
	__u8 dst[16];
	__u8 src[16];
};

#define V4(a, b, c, d) { a, b, c, d }
#define V6(a, b, x) { a >> 8, a & 0xff, b >> 8, b & 0xff, [15] = x }

static const struct fcase cases[] = {
	/* argument checks */
	{ AF_INET, 1, 0, 1, 0, 0, 0, 0, V4(10, 2, 0, 5) },		/* plen < 64: -EINVAL */
	{ AF_INET, 0, 0, 1, 0, 1u << 15, 0, 0, V4(10, 2, 0, 5) },	/* flags: -EINVAL */
	{ 7, 0, 0, 1, 0, 0, 0, 0, V4(10, 2, 0, 5) },			/* -EAFNOSUPPORT */
	{ AF_INET, 0, 0, 9999, 0, 0, 0, 0, V4(10, 2, 0, 5) },		/* -ENODEV */
	{ AF_INET6, 0, 0, 9999, 0, 0, 0, 0, V6(0xfd02, 0, 5) },		/* -ENODEV */
	{ AF_INET6, 0, 0, 9999, 0, 0, 0, 0, V6(0xfe80, 0, 5) },		/* link-local: NOT_FWDED */
	{ AF_INET6, 0, 0, 1, 0, 0, 0, 0, V6(0xff02, 0, 1) },		/* multicast: NOT_FWDED */
	{ AF_INET, 0, 0, 13, 0, 0, 0, 0, V4(10, 2, 0, 5) },		/* forwarding off */
	{ AF_INET6, 0, 0, 13, 0, 0, 0, 0, V6(0xfd02, 0, 5) },
	/* IPv4 */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(127, 0, 0, 1) },		/* local */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(10, 1, 0, 1) },		/* own address */
	{ AF_INET, 0, 100, 1, 0, 0, 0, 0, V4(10, 2, 0, 5), V4(10, 99, 0, 1) }, /* via gw */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(10, 3, 0, 5) },		/* NO_NEIGH */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(10, 4, 0, 5) },		/* blackhole */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(10, 5, 0, 5) },		/* unreachable */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(10, 6, 0, 5) },		/* prohibit */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(203, 0, 113, 1) },		/* no route */
	{ AF_INET, 0, 1400, 1, 0, 0, 0, 0, V4(10, 7, 0, 5) },		/* locked mtu 1000 */
	{ AF_INET, 0, 900, 1, 0, 0, 0, 0, V4(10, 7, 0, 5) },
	{ AF_INET, 0, 1400, 1, 0, 0, 0, 0, V4(10, 9, 0, 5) },		/* dev mtu 100 */
	{ AF_INET, 0, 60, 1, 0, 0, 0, 0, V4(10, 9, 0, 5) },		/* on-link neighbour */
	{ AF_INET, 0, 0, 1, 0, FIB_SKIP_NEIGH, 0, 0, V4(10, 3, 0, 5) },
	{ AF_INET, 0, 0, 1, 0, FIB_SRC, 0, 0, V4(10, 2, 0, 5) },
	{ AF_INET, 0, 0, 1, 0, FIB_SRC, 0, 0, V4(10, 14, 0, 5) },	/* prefsrc */
	{ AF_INET, 0, 0, 1, 0, FIB_DIRECT, 0, 0, V4(10, 2, 0, 5) },
	{ AF_INET, 0, 0, 1, 0, FIB_DIRECT, 0, 0, V4(10, 8, 0, 5) },	/* not in main */
	{ AF_INET, 0, 0, 1, 0, FIB_DIRECT | FIB_TBID, 100, 0, V4(10, 8, 0, 5) },
	{ AF_INET, 0, 0, 1, 0, FIB_DIRECT | FIB_TBID, 100, 0, V4(10, 2, 0, 5) },
	{ AF_INET, 0, 0, 1, 0, FIB_DIRECT | FIB_TBID, 12345, 0, V4(10, 2, 0, 5) },
	{ AF_INET, 0, 0, 1, 0, FIB_DIRECT | FIB_TBID, 255, 0, V4(10, 1, 0, 1) },
	{ AF_INET, 0, 0, 1, 0, FIB_TBID, 100, 0, V4(10, 8, 0, 5) },	/* TBID needs DIRECT */
	{ AF_INET, 0, 0, 1, 0, FIB_MARK, 0, 7, V4(10, 8, 0, 5) },	/* fwmark rule */
	{ AF_INET, 0, 0, 1, 0, FIB_MARK, 0, 8, V4(10, 8, 0, 5) },
	{ AF_INET, 0, 0, 10, 0, FIB_OUTPUT, 0, 0, V4(10, 2, 0, 5) },
	{ AF_INET, 0, 0, 12, 0, FIB_OUTPUT, 0, 0, V4(10, 2, 0, 5) },	/* not via v2 */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(10, 11, 0, 5) },		/* IPv6 gateway */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(10, 12, 0, 5) },		/* lowest metric */
	{ AF_INET, 0, 0, 1, 0x10, 0, 0, 0, V4(10, 13, 0, 5) },		/* TOS route */
	{ AF_INET, 0, 0, 1, 0, 0, 0, 0, V4(10, 13, 0, 5) },
	{ AF_INET, 0, 0, 1, 0x10, FIB_DIRECT, 0, 0, V4(10, 13, 0, 5) },
	{ AF_INET, 0, 0, 1, 0, FIB_DIRECT, 0, 0, V4(10, 12, 0, 5) },
	{ AF_INET, 0, 0, 1, 0, FIB_DIRECT, 0, 0, V4(10, 5, 0, 5) },
	{ AF_INET, 0, 0, 1, 0, FIB_DIRECT | FIB_OUTPUT, 0, 0, V4(10, 2, 0, 5) },
	{ AF_INET, 0, 0, 10, 0, FIB_DIRECT | FIB_OUTPUT, 0, 0, V4(10, 2, 0, 5) },
	{ AF_INET, 0, 0, 12, 0, FIB_DIRECT | FIB_OUTPUT, 0, 0, V4(10, 2, 0, 5) },
	/* IPv6 */
	{ AF_INET6, 0, 0, 1, 0, 0, 0, 0, V6(0xfd02, 0, 5) },		/* via gw */
	{ AF_INET6, 0, 0, 1, 0, 0, 0, 0, V6(0xfd03, 0, 5) },		/* NO_NEIGH */
	{ AF_INET6, 0, 0, 1, 0, 0, 0, 0, V6(0xfd04, 0, 5) },		/* blackhole */
	{ AF_INET6, 0, 0, 1, 0, 0, 0, 0, V6(0xfd05, 0, 5) },		/* unreachable */
	{ AF_INET6, 0, 0, 1, 0, 0, 0, 0, V6(0xfd06, 0, 5) },		/* prohibit */
	{ AF_INET6, 0, 0, 1, 0, 0, 0, 0, V6(0x2001, 0xdb8, 9) },	/* no route */
	{ AF_INET6, 0, 0, 1, 0, 0, 0, 0, V6(0xfd01, 0, 1) },		/* own address */
	{ AF_INET6, 0, 1400, 1, 0, 0, 0, 0, V6(0xfd07, 0, 5) },	/* locked mtu 1300 */
	{ AF_INET6, 0, 1400, 1, 0, 0, 0, 0, V6(0xfd02, 0, 5) },
	{ AF_INET6, 0, 0, 1, 0, FIB_SRC, 0, 0, V6(0xfd02, 0, 5) },
	{ AF_INET6, 0, 0, 1, 0, FIB_SKIP_NEIGH, 0, 0, V6(0xfd03, 0, 5) },
	{ AF_INET6, 0, 0, 1, 0, FIB_DIRECT | FIB_TBID, 100, 0, V6(0xfd08, 0, 5) },
	{ AF_INET6, 0, 0, 1, 0, FIB_DIRECT, 0, 0, V6(0xfd08, 0, 5) },
	{ AF_INET6, 0, 0, 1, 0, FIB_DIRECT, 0, 0, V6(0xfd02, 0, 5) },
	{ AF_INET6, 0, 0, 1, 0, FIB_DIRECT, 0, 0, V6(0xfd05, 0, 5) },
	{ AF_INET6, 0, 0, 10, 0, FIB_OUTPUT, 0, 0, V6(0xfd02, 0, 5) },
	{ AF_INET6, 0, 0, 1, 0, FIB_MARK, 0, 7, V6(0xfd08, 0, 5) },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct result {
	__s64 ret;
	__u32 cs;
	__u32 len;
	struct bpf_fib_lookup p;
};

struct rmap {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 62);
	__type(key, __u32);
	__type(value, struct result);
};

struct rmap res SEC(".maps"), mtu_a SEC(".maps"), mtu_b SEC(".maps");

__u32 runs;

static __always_inline void lookup(void *ctx, void *map, __u32 key, __u32 idx, __u32 len,
				   int no_tot)
{
	struct result *r = bpf_map_lookup_elem(map, &key);
	const struct fcase *c;

	asm volatile("" : "+r"(idx));	/* keep the bounds check for the verifier */
	if (!r || idx >= NCASES)
		return;
	c = &cases[idx];
	__builtin_memset(&r->p, 0, sizeof(r->p));
	r->p.family = c->family;
	r->p.l4_protocol = 17;
	r->p.sport = bpf_htons(1000);
	r->p.dport = bpf_htons(53);
	r->p.tot_len = no_tot ? 0 : c->tot_len;
	r->p.ifindex = c->ifindex;
	r->p.tos = c->tos;
	__builtin_memcpy(r->p.ipv6_dst, c->dst, 16);
	__builtin_memcpy(r->p.ipv6_src, c->src, 16);
	r->p.tbid = c->tbid;
	__builtin_memcpy(r->p.smac, &c->mark, 4);	/* mark shares smac */
	r->cs = idx;
	r->len = len;
	if (c->small)
		r->ret = bpf_fib_lookup(ctx, &r->p, sizeof(r->p) - 1, c->flags);
	else
		r->ret = bpf_fib_lookup(ctx, &r->p, sizeof(r->p), c->flags);
}

SEC("xdp")
int rt_fib_x(struct xdp_md *ctx)
{
	__u32 k = runs++;
	__u32 len = ctx->data_end - ctx->data;

	lookup(ctx, &res, (2 * k) % NCASES, (2 * k) % NCASES, len, 0);
	lookup(ctx, &res, (2 * k + 1) % NCASES, (2 * k + 1) % NCASES, len, 0);
	return XDP_PASS;
}

SEC("tc")
int rt_fib_t(struct __sk_buff *skb)
{
	__u32 k = runs++;

	lookup(skb, &res, (2 * k) % NCASES, (2 * k) % NCASES, skb->len, 0);
	lookup(skb, &res, (2 * k + 1) % NCASES, (2 * k + 1) % NCASES, skb->len, 0);
	/* no tot_len: the skb against the egress device */
	lookup(skb, &mtu_a, k, 19, skb->len, 1);
	lookup(skb, &mtu_b, k, 11, skb->len, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
