/* SPDX-License-Identifier: MIT */
/*
 * The route lookups of bpf_fib_lookup (fib_route.c): what is looked up (a
 * flow), what is found (a route), and the lookups.
 */
#ifndef BPFRT_FIB_ROUTE_H
#define BPFRT_FIB_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#define TABLE_DEFAULT 253u
#define TABLE_MAIN 254u
#define TABLE_LOCAL 255u

#define MAX_NH 16

struct nh {
	int oif;
	uint8_t gw_family;		/* 0, AF_INET, AF_INET6 */
	uint8_t gw[16];
	uint32_t flags;			/* RTNH_F_* */
	bool lwt;
};

struct route {
	uint8_t family, dst_len, tos, type, scope;
	uint32_t table;
	uint8_t dst[16];
	uint32_t priority;
	bool has_prefsrc;
	uint8_t prefsrc[16];
	uint32_t mtu, lock;		/* RTAX_MTU, RTAX_LOCK */
	uint32_t flags;			/* rtm_flags */
	int nnh;
	struct nh nh[MAX_NH];
};

struct flow {
	uint8_t family;
	uint8_t dst[16], src[16];
	uint8_t tos;
	uint8_t proto;
	uint16_t sport, dport;		/* network order */
	int oif;
	uint32_t mark;
	bool has_mark, fib_match;	/* fib_match: the FIB entry, not the output route */
	bool pass_src;			/* the source goes to the kernel's lookup */
};

/* The helper's full lookup (FIB rules, then tables) of the flow: 0 with
 * *rt (one nexthop), or the lookup's -errno. */
int bpfrt__fib_full_lookup(struct flow *f, struct route *rt);
/* The helper's direct lookup in one table: 0 with *out (one nexthop), the
 * lookup's -errno, or 1 when there is no such table.  oif6: the device an
 * IPv6 lookup prefers. */
int bpfrt__fib_direct_lookup(const struct flow *f, uint32_t table, int oif6, struct route *out);
/* ipv6_dev_get_saddr, asked of the kernel: the source of an output route
 * lookup to dst over the device; 0, or -EADDRNOTAVAIL. */
int bpfrt__fib_v6_select_src(const struct flow *f, int oif, uint8_t out[16]);

#endif
