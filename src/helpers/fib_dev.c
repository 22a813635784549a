/* SPDX-License-Identifier: MIT */
/*
 * The device side of bpf_fib_lookup, asked of the kernel over rtnetlink:
 *
 *  - links (RTM_GETLINK): existence, the per-device forwarding switches
 *    and IPv6 mtu (IFLA_AF_SPEC's devconf), mtu, address, flags, VRF
 *    table;
 *  - IPv4 source addresses (RTM_GETADDR), chosen as inet_select_addr does;
 *  - neighbours (RTM_GETNEIGH): the entry and its state.
 */
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>

#include "fib_dev.h"
#include "rtnl.h"

/* NUD_PERMANENT | NOARP | REACHABLE | PROBE | STALE | DELAY */
#define NUD_VALID_ 0xdeu

/* ---- links ---------------------------------------------------------------- */

static void parse_linkinfo(struct link *l, struct rtattr *li)
{
	struct rtattr *tb[IFLA_INFO_MAX + 1];
	parse_attrs(tb, IFLA_INFO_MAX, RTA_DATA(li), RTA_PAYLOAD(li));
	if (!tb[IFLA_INFO_KIND] || strncmp(RTA_DATA(tb[IFLA_INFO_KIND]), "vrf",
					    RTA_PAYLOAD(tb[IFLA_INFO_KIND])) != 0)
		return;
	l->is_vrf = true;
	if (tb[IFLA_INFO_DATA]) {
		struct rtattr *vt[IFLA_VRF_MAX + 1];
		parse_attrs(vt, IFLA_VRF_MAX, RTA_DATA(tb[IFLA_INFO_DATA]),
			    RTA_PAYLOAD(tb[IFLA_INFO_DATA]));
		l->vrf_table = rta_u32(vt[IFLA_VRF_TABLE]);
	}
}

static void parse_af_spec(struct link *l, struct rtattr *as)
{
	size_t len = RTA_PAYLOAD(as);
	for (struct rtattr *a = RTA_DATA(as); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t alen = RTA_PAYLOAD(a);
		if (a->rta_type == AF_INET_) {
			struct rtattr *tb[IFLA_INET_MAX + 1];
			parse_attrs(tb, IFLA_INET_MAX, RTA_DATA(a), alen);
			l->has_in = true;
			/* u32 per IPV4_DEVCONF_* - 1; FORWARDING is 1 */
			if (tb[IFLA_INET_CONF] && RTA_PAYLOAD(tb[IFLA_INET_CONF]) >= 4)
				memcpy(&l->fwd4, RTA_DATA(tb[IFLA_INET_CONF]), 4);
		} else if (a->rta_type == AF_INET6_) {
			struct rtattr *tb[IFLA_INET6_MAX + 1];
			parse_attrs(tb, IFLA_INET6_MAX, RTA_DATA(a), alen);
			struct rtattr *c = tb[IFLA_INET6_CONF];
			/* s32 per DEVCONF_*: FORWARDING 0, MTU6 2 */
			if (c && RTA_PAYLOAD(c) >= 12) {
				l->has_in6 = true;
				memcpy(&l->fwd6, (uint8_t *)RTA_DATA(c) + 0, 4);
				memcpy(&l->mtu6, (uint8_t *)RTA_DATA(c) + 8, 4);
			}
		}
	}
}

static int link_cb(const struct nlmsghdr *h, void *arg)
{
	struct link *l = arg;
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -EPROTO;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct rtattr *tb[IFLA_MAX + 1];
	parse_attrs(tb, IFLA_MAX, IFLA_RTA(ifi), IFLA_PAYLOAD(h));
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	l->mtu = rta_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS]) {
		size_t n = RTA_PAYLOAD(tb[IFLA_ADDRESS]);
		memcpy(l->addr, RTA_DATA(tb[IFLA_ADDRESS]), n < ETH_ALEN_ ? n : ETH_ALEN_);
	}
	l->master = (int)rta_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(l, tb[IFLA_LINKINFO]);
	if (tb[IFLA_AF_SPEC])
		parse_af_spec(l, tb[IFLA_AF_SPEC]);
	return 0;
}

/* 0, or -ENODEV when there is no such device. */
int bpfrt__fib_get_link(uint32_t ifindex, struct link *l)
{
	if (!ifindex || ifindex > INT32_MAX)
		return -ENODEV;
	struct nlreq r;
	req_init(&r, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = (int)ifindex;
	req_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	l->ifindex = 0;
	int err = bpfrt__rtnl_talk(&r, link_cb, l);
	if (err == -ENODEV || (!err && l->ifindex != (int)ifindex))
		return -ENODEV;
	return err;
}

/* l3mdev_fib_table: the VRF's table of a VRF device or of its ports. */
uint32_t bpfrt__fib_l3mdev_table(const struct link *l)
{
	if (l->is_vrf)
		return l->vrf_table;
	if (l->master) {
		struct link m;
		if (bpfrt__fib_get_link((uint32_t)l->master, &m) == 0 && m.is_vrf)
			return m.vrf_table;
	}
	return 0;
}

/* ---- addresses (inet_select_addr) ---------------------------------------- */

struct addrsel {
	int ifindex;			/* the device, or 0 for any but link scope */
	uint32_t dst;			/* network order, 0: none */
	unsigned scope;
	uint32_t addr;
	bool done;
};

static int addr_cb(const struct nlmsghdr *h, void *arg)
{
	struct addrsel *s = arg;
	if (s->done || h->nlmsg_type != RTM_NEWADDR)
		return 0;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct rtattr *tb[IFA_MAX + 1];
	parse_attrs(tb, IFA_MAX, IFA_RTA(ifa), IFA_PAYLOAD(h));
	uint32_t flags = tb[IFA_FLAGS] ? rta_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	struct rtattr *la = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (ifa->ifa_family != AF_INET_ || !la || (flags & IFA_F_SECONDARY))
		return 0;
	uint32_t local = rta_u32(la);
	if (s->ifindex) {
		if ((int)ifa->ifa_index != s->ifindex || ifa->ifa_scope > s->scope)
			return 0;
		uint32_t pfx = tb[IFA_ADDRESS] ? rta_u32(tb[IFA_ADDRESS]) : local;
		uint32_t mask = ifa->ifa_prefixlen ? htonl(~0u << (32 - ifa->ifa_prefixlen)) : 0;
		if (!s->dst || !((s->dst ^ pfx) & mask)) {
			s->addr = local;
			s->done = true;
		} else if (!s->addr) {
			s->addr = local;
		}
	} else if (ifa->ifa_scope != RT_SCOPE_LINK && ifa->ifa_scope <= s->scope) {
		s->addr = local;
		s->done = true;
	}
	return 0;
}

uint32_t bpfrt__fib_inet_select_addr(int ifindex, uint32_t dst, unsigned scope)
{
	struct addrsel s = { ifindex, dst, scope, 0, false };
	struct nlreq r;
	req_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
	r.ifa.ifa_family = AF_INET_;
	if (bpfrt__rtnl_talk(&r, addr_cb, &s) != 0)
		return 0;
	if (s.addr)
		return s.addr;
	/* Any device's address that is not link scope (lo first). */
	s = (struct addrsel){ 0, 0, scope, 0, false };
	req_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
	r.ifa.ifa_family = AF_INET_;
	if (bpfrt__rtnl_talk(&r, addr_cb, &s) != 0)
		return 0;
	return s.addr;
}

/* ---- neighbours ----------------------------------------------------------- */

struct neigh {
	bool found;
	uint16_t state;
	uint8_t ha[ETH_ALEN_];
};

static int neigh_cb(const struct nlmsghdr *h, void *arg)
{
	struct neigh *n = arg;
	if (h->nlmsg_type != RTM_NEWNEIGH)
		return 0;
	const struct ndmsg *nd = NLMSG_DATA(h);
	struct rtattr *tb[NDA_MAX + 1];
	parse_attrs(tb, NDA_MAX, (struct rtattr *)((uint8_t *)nd + NLMSG_ALIGN(sizeof(*nd))),
		    h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	n->found = true;
	n->state = nd->ndm_state;
	if (tb[NDA_LLADDR]) {
		size_t len = RTA_PAYLOAD(tb[NDA_LLADDR]);
		memcpy(n->ha, RTA_DATA(tb[NDA_LLADDR]), len < ETH_ALEN_ ? len : ETH_ALEN_);
	}
	return 0;
}

/* Is there a valid neighbour entry for addr on the device? */
bool bpfrt__fib_neigh_lookup(const struct link *dev, uint8_t family, const uint8_t *addr,
			     uint8_t ha[ETH_ALEN_])
{
	uint8_t key[16] = { 0 };
	size_t alen = family == AF_INET_ ? 4 : 16;
	/* __ipv4_neigh_lookup_noref: loopback and point-to-point devices
	 * keep one entry, under 0.0.0.0. */
	if (!(family == AF_INET_ && (dev->flags & (IFF_LOOPBACK | IFF_POINTOPOINT))))
		memcpy(key, addr, alen);
	struct nlreq r;
	req_init(&r, RTM_GETNEIGH, 0, sizeof(struct ndmsg));
	r.ndm.ndm_family = family;
	r.ndm.ndm_ifindex = dev->ifindex;
	req_attr(&r, NDA_DST, key, alen);
	struct neigh n = { 0 };
	if (bpfrt__rtnl_talk(&r, neigh_cb, &n) != 0 || !n.found || !(n.state & NUD_VALID_))
		return false;
	memcpy(ha, n.ha, ETH_ALEN_);
	return true;
}
