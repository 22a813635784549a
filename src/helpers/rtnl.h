/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink for the helpers that ask the kernel about its network state
 * (bpf_fib_lookup): requests, a round trip on the calling thread's
 * NETLINK_ROUTE socket (rtnl.c), and attribute parsing.
 */
#ifndef BPFRT_RTNL_H
#define BPFRT_RTNL_H

#include <linux/fib_rules.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The kernel's address families, as the helpers' arguments and netlink
 * messages carry them. */
#define AF_INET_ 2
#define AF_INET6_ 10

struct nlreq {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct rtmsg rtm;
		struct ndmsg ndm;
		struct ifaddrmsg ifa;
		struct fib_rule_hdr frh;
	};
	uint8_t attrs[128];
};

static inline void req_init(struct nlreq *r, uint16_t type, uint16_t flags, size_t hdr)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
}

static inline void req_attr(struct nlreq *r, uint16_t type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(r->h.nlmsg_len);
	if (at + RTA_SPACE(len) > sizeof(*r))
		return;		/* never: requests are small */
	struct rtattr *a = (struct rtattr *)((uint8_t *)r + at);
	a->rta_type = type;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len));
}

static inline void req_u32(struct nlreq *r, uint16_t type, uint32_t v)
{
	req_attr(r, type, &v, 4);
}

typedef int (*nl_cb)(const struct nlmsghdr *h, void *arg);

/* Send a request, hand each answer to cb; 0, the kernel's -errno or ours.
 * A dump is drained to its end even when cb fails. */
int bpfrt__rtnl_talk(struct nlreq *r, nl_cb cb, void *arg);

/* tb[type]: the first attribute of each type up to max, or NULL. */
static inline void parse_attrs(struct rtattr **tb, int max, struct rtattr *a, size_t len)
{
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type <= max && !tb[a->rta_type])
			tb[a->rta_type] = a;
}

static inline uint32_t rta_u32(const struct rtattr *a)
{
	uint32_t v = 0;
	if (a && RTA_PAYLOAD(a) >= 4)
		memcpy(&v, RTA_DATA(a), 4);
	return v;
}

#endif
