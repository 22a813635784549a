/* SPDX-License-Identifier: MIT */
/*
 * bpf_fib_lookup for XDP and tc, answered from the routing state of the
 * calling thread's network namespace over rtnetlink.
 *
 * The kernel's helper (net/core/filter.c: bpf_{xdp,skb}_fib_lookup,
 * bpf_ipv{4,6}_fib_lookup) looks the flow up in the FIB, then the
 * neighbour of the nexthop; bpfrt asks the kernel the same questions:
 *
 *  - the ingress device (RTM_GETLINK): existence (-ENODEV), the per-device
 *    forwarding switch (IFLA_AF_SPEC's devconf: FWD_DISABLED), mtu,
 *    address, flags, VRF table;
 *  - the route.  A full lookup (FIB rules, then tables) is RTM_GETROUTE
 *    with RTM_F_FIB_MATCH, which answers with the FIB entry the kernel's
 *    own lookup matched (type, table, metric, nexthops, metrics, prefsrc).
 *    It runs the output path, so a few things differ from the helper's
 *    plain fib_lookup and are handled here: with an output device a failed
 *    lookup comes back as an on-link guess (asked again without the device
 *    to classify the failure); destinations the output path treats
 *    specially (0.0.0.0/8, multicast, 255.255.255.255) are looked up in the
 *    local, main and default tables directly; the IPv4 source address is
 *    not passed (the output path refuses non-local sources), so FIB rules
 *    that select on the source do not see it; IPv6 does not pass the
 *    device (the output path would make it a hard constraint, the helper
 *    only prefers it).  BPF_FIB_LOOKUP_DIRECT (with or without TBID) reads
 *    the table with a route dump and does the longest-prefix match here,
 *    as fib_table_lookup / fib6_table_lookup do: IPv4 aliases in the
 *    kernel's order (TOS, then priority), type errors first, dead
 *    nexthops and (for an output lookup) nexthops on other devices
 *    skipped; IPv6 lowest metric first, the lookup device preferred; the
 *    main and local IPv4 tables are one table while only the default FIB
 *    rules exist, as in the kernel.  Multipath routes: a full lookup takes
 *    the path the kernel's output route picks (its hash does not see the
 *    helper's source address), a direct lookup the first live path.
 *    Path-MTU exceptions are not seen (the mtu is the route's locked mtu
 *    or the device's);
 *  - the source address for BPF_FIB_LOOKUP_SRC: the route's prefsrc, else
 *    inet_select_addr over the addresses (RTM_GETADDR) for IPv4, the
 *    kernel's own choice (RTA_PREFSRC of an output route lookup) for IPv6;
 *  - the neighbour (RTM_GETNEIGH): its state must be NUD_VALID, its
 *    address is dmac; smac is the egress device's address.
 *
 * Netlink: one NETLINK_ROUTE socket per thread, opened on first use and
 * closed when the thread exits; it is reopened when the thread has moved
 * to another network namespace since (setns), so answers always come from
 * the caller's namespace.  Every lookup is a few round trips to the kernel
 * (tens of microseconds): a slow path, as in the kernel it is not.
 */
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "hl.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/* UAPI values, spelled out so that an older installed header builds too. */
#define FIB_DIRECT	(1u << 0)
#define FIB_OUTPUT	(1u << 1)
#define FIB_SKIP_NEIGH	(1u << 2)
#define FIB_TBID	(1u << 3)
#define FIB_SRC		(1u << 4)
#define FIB_MARK	(1u << 5)
#define FIB_FLAGS	(FIB_DIRECT | FIB_OUTPUT | FIB_SKIP_NEIGH | FIB_TBID | FIB_SRC | FIB_MARK)

enum {
	RET_SUCCESS, RET_BLACKHOLE, RET_UNREACHABLE, RET_PROHIBIT, RET_NOT_FWDED,
	RET_FWD_DISABLED, RET_UNSUPP_LWT, RET_NO_NEIGH, RET_FRAG_NEEDED, RET_NO_SRC_ADDR,
};

#define AF_INET_ 2
#define AF_INET6_ 10
#define ETH_ALEN_ 6
#define IP_MAX_MTU 0xffffu
#define IP6_MAX_MTU (0xffffu + 40u)
#define IP6_MIN_MTU 1280u
/* NUD_PERMANENT | NOARP | REACHABLE | PROBE | STALE | DELAY */
#define NUD_VALID_ 0xdeu
#define TABLE_DEFAULT 253u
#define TABLE_MAIN 254u
#define TABLE_LOCAL 255u

/* struct bpf_fib_lookup of Linux 6.18 (64 bytes; mark shares smac/dmac). */
struct fib_params {
	uint8_t family;
	uint8_t l4_protocol;
	uint16_t sport, dport;
	uint16_t tot_len;		/* out: mtu_result */
	uint32_t ifindex;
	uint32_t tos;			/* tos / flowinfo / out: rt_metric */
	uint32_t src[4];
	uint32_t dst[4];
	uint32_t vlan;			/* h_vlan_proto + TCI / in: tbid */
	uint8_t mac[12];		/* out: smac, dmac / in: mark */
};
_Static_assert(sizeof(struct fib_params) == 64, "struct bpf_fib_lookup is 64 bytes");

/* ---- rtnetlink ------------------------------------------------------------ */

#define NL_BUF (64u * 1024u)

struct nlsock {
	int fd;
	uint32_t seq;
	pid_t pid;			/* a forked child opens its own */
	dev_t ns_dev;
	ino_t ns_ino;
	uint8_t *buf;
};

static __thread struct nlsock tls_nl = { .fd = -1 };
static pthread_key_t nl_key;
static pthread_once_t nl_once = PTHREAD_ONCE_INIT;

static void nl_close(struct nlsock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static void nl_thread_exit(void *p)
{
	struct nlsock *s = p;
	nl_close(s);
	free(s->buf);
	s->buf = NULL;
}

static void nl_key_init(void)
{
	pthread_key_create(&nl_key, nl_thread_exit);
}

/* The thread's socket, (re)opened in the thread's current namespace (and
 * in a forked child, which must not share its parent's). */
static struct nlsock *nl_get(int *err)
{
	struct nlsock *s = &tls_nl;
	struct stat st;
	pid_t pid = getpid();
	if (stat("/proc/thread-self/ns/net", &st) != 0)
		st.st_dev = 0, st.st_ino = 0;
	if (s->fd >= 0 && (st.st_dev != s->ns_dev || st.st_ino != s->ns_ino || pid != s->pid))
		nl_close(s);
	if (s->fd >= 0)
		return s;
	pthread_once(&nl_once, nl_key_init);
	if (!s->buf) {
		s->buf = malloc(NL_BUF);
		if (!s->buf) {
			*err = -ENOMEM;
			return NULL;
		}
		pthread_setspecific(nl_key, s);
	}
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0) {
		*err = -errno;
		return NULL;
	}
	int one = 1;
	/* Strict checking lets route dumps be filtered by table. */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	/* The kernel always answers; never hang a run if it does not. */
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	s->pid = pid;
	s->ns_dev = st.st_dev;
	s->ns_ino = st.st_ino;
	return s;
}

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

static void req_init(struct nlreq *r, uint16_t type, uint16_t flags, size_t hdr)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
}

static void req_attr(struct nlreq *r, uint16_t type, const void *data, size_t len)
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

static void req_u32(struct nlreq *r, uint16_t type, uint32_t v) { req_attr(r, type, &v, 4); }

typedef int (*nl_cb)(const struct nlmsghdr *h, void *arg);

/* Send a request, hand each answer to cb; 0, the kernel's -errno or ours.
 * A dump is drained to its end even when cb fails. */
static int nl_talk(struct nlreq *r, nl_cb cb, void *arg)
{
	int err = 0;
	struct nlsock *s = nl_get(&err);
	if (!s)
		return err;
	r->h.nlmsg_seq = ++s->seq;
	ssize_t n;
	do
		n = send(s->fd, &r->h, r->h.nlmsg_len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = -errno;
		nl_close(s);
		return err;
	}
	int cb_err = 0;
	for (;;) {
		do
			n = recv(s->fd, s->buf, NL_BUF, MSG_TRUNC);
		while (n < 0 && errno == EINTR);
		if (n < 0 || n > (ssize_t)NL_BUF) {
			err = n < 0 ? -errno : -EMSGSIZE;
			nl_close(s);	/* out of step: start over next time */
			return err;
		}
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)s->buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq)
				continue;	/* a late answer to an earlier request */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return cb_err ? cb_err : e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return cb_err;
			if (!cb_err && cb)
				cb_err = cb(h, arg);
			if (!(h->nlmsg_flags & NLM_F_MULTI))
				return cb_err;
		}
	}
}

static void parse_attrs(struct rtattr **tb, int max, struct rtattr *a, size_t len)
{
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type <= max && !tb[a->rta_type])
			tb[a->rta_type] = a;
}

static uint32_t rta_u32(const struct rtattr *a)
{
	uint32_t v = 0;
	if (a && RTA_PAYLOAD(a) >= 4)
		memcpy(&v, RTA_DATA(a), 4);
	return v;
}

/* ---- links ---------------------------------------------------------------- */

struct link {
	int ifindex;
	unsigned flags;			/* IFF_* */
	unsigned short type;		/* ARPHRD_* */
	uint32_t mtu;
	uint8_t addr[ETH_ALEN_];
	int master;
	bool is_vrf;
	uint32_t vrf_table;
	bool has_in, has_in6;		/* in_device / inet6_dev */
	uint32_t fwd4, fwd6, mtu6;
};

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
static int get_link(uint32_t ifindex, struct link *l)
{
	if (!ifindex || ifindex > INT32_MAX)
		return -ENODEV;
	struct nlreq r;
	req_init(&r, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = (int)ifindex;
	req_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	l->ifindex = 0;
	int err = nl_talk(&r, link_cb, l);
	if (err == -ENODEV || (!err && l->ifindex != (int)ifindex))
		return -ENODEV;
	return err;
}

/* l3mdev_fib_table: the VRF's table of a VRF device or of its ports. */
static uint32_t l3mdev_table(const struct link *l)
{
	if (l->is_vrf)
		return l->vrf_table;
	if (l->master) {
		struct link m;
		if (get_link((uint32_t)l->master, &m) == 0 && m.is_vrf)
			return m.vrf_table;
	}
	return 0;
}

/* dev->hard_header_len by link type, for is_skb_forwardable. */
static uint32_t hard_header_len(const struct link *l)
{
	switch (l->type) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
	case ARPHRD_IEEE802:
		return 14;
	default:
		return 0;
	}
}

/* ---- routes --------------------------------------------------------------- */

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

static void parse_nh_attrs(struct nh *nh, struct rtattr *a, size_t len, uint8_t family)
{
	struct rtattr *tb[RTA_MAX + 1];
	parse_attrs(tb, RTA_MAX, a, len);
	if (tb[RTA_OIF])
		nh->oif = (int)rta_u32(tb[RTA_OIF]);
	if (tb[RTA_GATEWAY]) {
		size_t n = RTA_PAYLOAD(tb[RTA_GATEWAY]);
		nh->gw_family = family;
		memcpy(nh->gw, RTA_DATA(tb[RTA_GATEWAY]), n < 16 ? n : 16);
	} else if (tb[RTA_VIA] && RTA_PAYLOAD(tb[RTA_VIA]) >= 2) {
		const struct rtvia *v = RTA_DATA(tb[RTA_VIA]);
		size_t n = RTA_PAYLOAD(tb[RTA_VIA]) - 2;
		nh->gw_family = (uint8_t)v->rtvia_family;
		memcpy(nh->gw, v->rtvia_addr, n < 16 ? n : 16);
	}
	if (tb[RTA_ENCAP])
		nh->lwt = true;
}

static int parse_route(const struct nlmsghdr *h, struct route *rt)
{
	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return -EPROTO;
	const struct rtmsg *m = NLMSG_DATA(h);
	struct rtattr *tb[RTA_MAX + 1];
	memset(rt, 0, sizeof(*rt));
	parse_attrs(tb, RTA_MAX, RTM_RTA(m), RTM_PAYLOAD(h));
	rt->family = m->rtm_family;
	rt->dst_len = m->rtm_dst_len;
	rt->tos = m->rtm_tos;
	rt->type = m->rtm_type;
	rt->scope = m->rtm_scope;
	rt->flags = m->rtm_flags;
	rt->table = tb[RTA_TABLE] ? rta_u32(tb[RTA_TABLE]) : m->rtm_table;
	if (tb[RTA_DST]) {
		size_t n = RTA_PAYLOAD(tb[RTA_DST]);
		memcpy(rt->dst, RTA_DATA(tb[RTA_DST]), n < 16 ? n : 16);
	}
	rt->priority = rta_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_PREFSRC]) {
		size_t n = RTA_PAYLOAD(tb[RTA_PREFSRC]);
		rt->has_prefsrc = true;
		memcpy(rt->prefsrc, RTA_DATA(tb[RTA_PREFSRC]), n < 16 ? n : 16);
	}
	if (tb[RTA_METRICS]) {
		struct rtattr *mx[RTAX_MAX + 1];
		parse_attrs(mx, RTAX_MAX, RTA_DATA(tb[RTA_METRICS]), RTA_PAYLOAD(tb[RTA_METRICS]));
		rt->mtu = rta_u32(mx[RTAX_MTU]);
		rt->lock = rta_u32(mx[RTAX_LOCK]);
	}
	if (tb[RTA_MULTIPATH]) {
		size_t len = RTA_PAYLOAD(tb[RTA_MULTIPATH]);
		const struct rtnexthop *nh = RTA_DATA(tb[RTA_MULTIPATH]);
		while (len >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= len &&
		       rt->nnh < MAX_NH) {
			struct nh *o = &rt->nh[rt->nnh++];
			o->oif = nh->rtnh_ifindex;
			o->flags = nh->rtnh_flags;
			parse_nh_attrs(o, RTNH_DATA(nh), nh->rtnh_len - RTNH_LENGTH(0), rt->family);
			len -= RTNH_ALIGN(nh->rtnh_len);
			nh = RTNH_NEXT(nh);
		}
	} else {
		struct nh *o = &rt->nh[rt->nnh++];
		o->flags = m->rtm_flags;
		parse_nh_attrs(o, RTM_RTA(m), RTM_PAYLOAD(h), rt->family);
	}
	return 0;
}

static int route_cb(const struct nlmsghdr *h, void *arg) { return parse_route(h, arg); }

struct flow {
	uint8_t family;
	uint8_t dst[16], src[16];
	uint8_t tos;
	uint8_t proto;
	uint16_t sport, dport;		/* network order */
	int oif;
	uint32_t mark;
	bool has_mark, fib_match;
	bool pass_src;
};

/* RTM_GETROUTE: the kernel's lookup of the flow. */
static int getroute(const struct flow *f, struct route *rt)
{
	struct nlreq r;
	size_t alen = f->family == AF_INET_ ? 4 : 16;
	req_init(&r, RTM_GETROUTE, 0, sizeof(struct rtmsg));
	r.rtm.rtm_family = f->family;
	r.rtm.rtm_dst_len = (uint8_t)(alen * 8);
	r.rtm.rtm_tos = f->tos;
	r.rtm.rtm_flags = f->fib_match ? RTM_F_FIB_MATCH : 0;
	req_attr(&r, RTA_DST, f->dst, alen);
	if (f->pass_src) {
		r.rtm.rtm_src_len = (uint8_t)(alen * 8);
		req_attr(&r, RTA_SRC, f->src, alen);
	}
	if (f->oif)
		req_u32(&r, RTA_OIF, (uint32_t)f->oif);
	if (f->has_mark)
		req_u32(&r, RTA_MARK, f->mark);
	req_u32(&r, RTA_UID, 0);	/* the helper looks up as uid 0 */
	/* The kernel's getroute takes TCP, UDP and ICMP only; other
	 * protocols could only matter to FIB rules naming them. */
	bool icmp = f->proto == (f->family == AF_INET_ ? 1 : 58);
	if (f->proto == 6 || f->proto == 17 || icmp) {
		uint8_t p = f->proto;
		req_attr(&r, RTA_IP_PROTO, &p, 1);
		if (!icmp) {
			req_attr(&r, RTA_SPORT, &f->sport, 2);
			req_attr(&r, RTA_DPORT, &f->dport, 2);
		}
	}
	rt->family = 0;
	int err = nl_talk(&r, route_cb, rt);
	if (!err && rt->family != f->family)
		err = -EPROTO;
	return err;
}

struct rtlist {
	struct route *v;
	size_t n, cap;
	int err;
};

static int rtlist_cb(const struct nlmsghdr *h, void *arg)
{
	struct rtlist *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct route *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (parse_route(h, &l->v[l->n]) == 0)
		l->n++;
	return 0;
}

/* Append the routes of table `table` (family) to l; -ENOENT: no table. */
static int dump_table(uint8_t family, uint32_t table, struct rtlist *l)
{
	struct nlreq r;
	req_init(&r, RTM_GETROUTE, NLM_F_DUMP, sizeof(struct rtmsg));
	r.rtm.rtm_family = family;
	req_u32(&r, RTA_TABLE, table);
	size_t before = l->n;
	int err = nl_talk(&r, rtlist_cb, l);
	/* Keep only that table (a kernel without strict dumps sends all). */
	size_t k = before;
	for (size_t i = before; i < l->n; i++)
		if (l->v[i].table == table && l->v[i].family == family)
			l->v[k++] = l->v[i];
	l->n = k;
	return err;
}

static int rule_cb(const struct nlmsghdr *h, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* Only the default IPv4 rules (local, main, default)?  Then the kernel
 * keeps the local and main tables merged in one trie. */
static bool v4_default_rules(void)
{
	struct nlreq r;
	int n = 0;
	req_init(&r, RTM_GETRULE, NLM_F_DUMP, sizeof(struct fib_rule_hdr));
	r.frh.family = AF_INET_;
	if (nl_talk(&r, rule_cb, &n) != 0)
		return false;
	return n <= 3;
}

static bool prefix_match(const uint8_t *a, const uint8_t *pfx, unsigned len)
{
	unsigned full = len / 8, rem = len % 8;
	if (memcmp(a, pfx, full) != 0)
		return false;
	if (!rem)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rem);
	return (a[full] & mask) == (pfx[full] & mask);
}

/* RTN_* types the kernel's fib_props give an error to. */
static int type_error(uint8_t type)
{
	switch (type) {
	case RTN_BLACKHOLE: return -EINVAL;
	case RTN_UNREACHABLE: return -EHOSTUNREACH;
	case RTN_PROHIBIT: return -EACCES;
	case RTN_THROW: return -EAGAIN;
	default: return 0;
	}
}

/* fib_table_lookup over the dumped routes of one table: 0 with *out set
 * (out->nh[0] the chosen nexthop) or the lookup's -errno. */
static int v4_table_lookup(const struct rtlist *l, const struct flow *f, struct route *out)
{
	/* Longest prefix first; within a prefix the dump's (the kernel's
	 * alias) order.  Backtrack to shorter prefixes when nothing fits. */
	for (int plen = 32; plen >= 0; plen--) {
		for (size_t i = 0; i < l->n; i++) {
			const struct route *r = &l->v[i];
			if (r->dst_len != plen || !prefix_match(f->dst, r->dst, (unsigned)plen))
				continue;
			if (r->tos && (r->tos & 0xfc) != (f->tos & 0xfc))
				continue;
			int err = type_error(r->type);
			if (err)
				return err;
			if (r->flags & RTNH_F_DEAD)
				continue;
			for (int k = 0; k < r->nnh; k++) {
				const struct nh *nh = &r->nh[k];
				if (nh->flags & RTNH_F_DEAD)
					continue;
				if (f->oif && f->oif != nh->oif)
					continue;
				*out = *r;
				out->nh[0] = *nh;
				out->nnh = 1;
				return 0;
			}
		}
	}
	return -ENETUNREACH;
}

/* fib6_table_lookup: the longest prefix with a usable route, its lowest
 * metric, a route on the lookup's device preferred. */
static int v6_table_lookup(const struct rtlist *l, const struct flow *f, int oif, struct route *out)
{
	for (int plen = 128; plen >= 0; plen--) {
		const struct route *pick = NULL;
		int pick_nh = 0, pick_score = -1;
		for (size_t i = 0; i < l->n; i++) {
			const struct route *r = &l->v[i];
			if (r->dst_len != plen || !prefix_match(f->dst, r->dst, (unsigned)plen))
				continue;
			for (int k = 0; k < r->nnh; k++) {
				const struct nh *nh = &r->nh[k];
				if (nh->flags & RTNH_F_DEAD)
					continue;
				int score = !oif || nh->oif == oif ? 2 : 0;
				if (!pick || r->priority < pick->priority ||
				    (r->priority == pick->priority && score > pick_score)) {
					pick = r;
					pick_nh = k;
					pick_score = score;
				}
			}
		}
		if (pick) {
			*out = *pick;
			out->nh[0] = pick->nh[pick_nh];
			out->nnh = 1;
			return 0;
		}
	}
	return -ENETUNREACH;
}

/* Direct lookup in one table (the local and main IPv4 tables merged when
 * the kernel has them merged). */
static int direct_lookup(const struct flow *f, uint32_t table, int oif6, struct route *out)
{
	struct rtlist l = { 0 };
	int err;
	if (f->family == AF_INET_ && (table == TABLE_MAIN || table == TABLE_LOCAL) &&
	    v4_default_rules()) {
		/* One trie: aliases of the local table (higher id) first. */
		err = dump_table(f->family, TABLE_LOCAL, &l);
		if (!err)
			err = dump_table(f->family, TABLE_MAIN, &l);
	} else {
		err = dump_table(f->family, table, &l);
	}
	if (err == -ENOENT) {
		free(l.v);
		return 1;	/* no such table */
	}
	if (!err)
		err = f->family == AF_INET_ ? v4_table_lookup(&l, f, out)
					    : v6_table_lookup(&l, f, oif6, out);
	free(l.v);
	return err;
}

/* The helper's fib_lookup with the default rules, for destinations the
 * kernel's output route path treats specially. */
static int v4_rules_default_lookup(const struct flow *f, struct route *out)
{
	static const uint32_t tables[] = { TABLE_LOCAL, TABLE_MAIN, TABLE_DEFAULT };
	for (size_t i = 0; i < 3; i++) {
		int err = direct_lookup(f, tables[i], 0, out);
		if (err != -ENETUNREACH && err != -EAGAIN && err != 1)
			return err;
	}
	return -ENETUNREACH;
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

static uint32_t inet_select_addr(int ifindex, uint32_t dst, unsigned scope)
{
	struct addrsel s = { ifindex, dst, scope, 0, false };
	struct nlreq r;
	req_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
	r.ifa.ifa_family = AF_INET_;
	if (nl_talk(&r, addr_cb, &s) != 0)
		return 0;
	if (s.addr)
		return s.addr;
	/* Any device's address that is not link scope (lo first). */
	s = (struct addrsel){ 0, 0, scope, 0, false };
	req_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
	r.ifa.ifa_family = AF_INET_;
	if (nl_talk(&r, addr_cb, &s) != 0)
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
static bool neigh_lookup(const struct link *dev, uint8_t family, const uint8_t *addr,
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
	if (nl_talk(&r, neigh_cb, &n) != 0 || !n.found || !(n.state & NUD_VALID_))
		return false;
	memcpy(ha, n.ha, ETH_ALEN_);
	return true;
}

/* ---- the helper ----------------------------------------------------------- */

static int err_to_ret(int err)
{
	switch (err) {
	case -EINVAL: return RET_BLACKHOLE;
	case -EHOSTUNREACH: return RET_UNREACHABLE;
	case -EACCES: return RET_PROHIBIT;
	default: return RET_NOT_FWDED;
	}
}

static int type_to_ret(uint8_t type)
{
	switch (type) {
	case RTN_UNICAST: return RET_SUCCESS;
	case RTN_BLACKHOLE: return RET_BLACKHOLE;
	case RTN_UNREACHABLE: return RET_UNREACHABLE;
	case RTN_PROHIBIT: return RET_PROHIBIT;
	default: return RET_NOT_FWDED;
	}
}

/* A full lookup (FIB rules, then tables) of the flow: 0 with *rt (one
 * nexthop), or the lookup's -errno. */
static int full_lookup(struct flow *f, struct route *rt)
{
	f->fib_match = true;
	int err = getroute(f, rt);
	if (err == -EHOSTUNREACH && f->oif && f->family == AF_INET_) {
		/* The output path guessed "on link" after a failed lookup
		 * with a device: what failed shows without the device. */
		struct flow g = *f;
		g.oif = 0;
		struct route r2;
		int e2 = getroute(&g, &r2);
		err = e2 ? e2 : -ENETUNREACH;
	}
	if (err)
		return err;
	if (rt->nnh > 1) {
		/* The path the kernel's own route picks. */
		struct flow g = *f;
		struct route one;
		g.fib_match = false;
		if (getroute(&g, &one) == 0) {
			for (int k = 0; k < rt->nnh; k++)
				if (rt->nh[k].oif == one.nh[0].oif &&
				    rt->nh[k].gw_family == one.nh[0].gw_family &&
				    !memcmp(rt->nh[k].gw, one.nh[0].gw, 16)) {
					rt->nh[0] = rt->nh[k];
					break;
				}
		}
		rt->nnh = 1;
	}
	return 0;
}

/* The route of the flow as the helper's lookup finds it: 0 with *rt (a
 * unicast route, one nexthop), or the BPF_FIB_LKUP_RET_* code (> 0) of a
 * failed lookup or of a route that does not forward.  Netlink trouble
 * answers NOT_FWDED. */
static int route_lookup(struct fib_params *p, uint32_t flags, struct flow *f,
			const struct link *in, struct route *rt)
{
	int err;
	if (flags & FIB_DIRECT) {
		uint32_t table = l3mdev_table(in);
		if (!table)
			table = TABLE_MAIN;
		if (flags & FIB_TBID) {
			table = p->vlan;
			p->vlan = 0;	/* zeroed for the vlan output */
		}
		err = direct_lookup(f, table, (int)p->ifindex, rt);
		if (err == 1)
			return RET_NOT_FWDED;
	} else {
		if (flags & FIB_MARK) {
			memcpy(&f->mark, p->mac, 4);
			f->has_mark = true;
		}
		const uint8_t *d = f->dst;
		bool special = f->family == AF_INET_ &&
			       (d[0] == 0 || (d[0] & 0xf0) == 0xe0 ||
				(d[0] == 255 && d[1] == 255 && d[2] == 255 && d[3] == 255));
		err = special ? v4_rules_default_lookup(f, rt) : full_lookup(f, rt);
	}
	if (err)
		return err_to_ret(err);
	return type_to_ret(rt->type);
}

static void set_fwd_params(struct fib_params *p, uint32_t mtu)
{
	p->vlan = 0;
	if (mtu)
		p->tot_len = (uint16_t)mtu;
}

static int lookup4(struct fib_params *p, uint32_t flags, bool check_mtu)
{
	struct link in, dev;
	int err = get_link(p->ifindex, &in);
	if (err)
		return err == -ENODEV ? err : RET_NOT_FWDED;
	if (!in.has_in || !in.fwd4)
		return RET_FWD_DISABLED;

	struct flow f = { .family = AF_INET_ };
	memcpy(f.dst, p->dst, 4);
	memcpy(f.src, p->src, 4);
	f.tos = (uint8_t)(p->tos & 0xfc);
	f.proto = p->l4_protocol;
	f.sport = p->sport;
	f.dport = p->dport;
	if (flags & FIB_OUTPUT)
		f.oif = (int)p->ifindex;
	struct route rt;
	int ret = route_lookup(p, flags, &f, &in, &rt);
	if (ret)
		return ret;
	struct nh *nh = &rt.nh[0];
	err = get_link((uint32_t)nh->oif, &dev);
	if (err)
		return RET_NOT_FWDED;

	uint32_t mtu = 0;
	if (check_mtu) {
		/* ip_mtu_from_fib_result, without PMTU exceptions */
		if (rt.lock & (1u << RTAX_MTU))
			mtu = rt.mtu;
		if (!mtu && rt.mtu) {
			FILE *fp = fopen("/proc/sys/net/ipv4/ip_forward_use_pmtu", "r");
			int use = 0;
			if (fp) {
				if (fscanf(fp, "%d", &use) != 1)
					use = 0;
				fclose(fp);
			}
			if (use)
				mtu = rt.mtu;
		}
		if (!mtu)
			mtu = dev.mtu < IP_MAX_MTU ? dev.mtu : IP_MAX_MTU;
		if (p->tot_len > mtu) {
			p->tot_len = (uint16_t)mtu;
			return RET_FRAG_NEEDED;
		}
	}
	if (nh->lwt)
		return RET_UNSUPP_LWT;

	p->tos = rt.priority;
	p->ifindex = (uint32_t)dev.ifindex;
	if (flags & FIB_SRC) {
		uint32_t src;
		if (rt.has_prefsrc) {
			memcpy(&src, rt.prefsrc, 4);
		} else {
			uint32_t gw4 = 0;
			if (nh->gw_family)
				memcpy(&gw4, nh->gw, 4);	/* the union's first word */
			src = inet_select_addr(dev.ifindex, gw4, rt.scope);
		}
		p->src[0] = src;
	}
	if (nh->gw_family == AF_INET_) {
		memcpy(p->dst, nh->gw, 4);
	} else if (nh->gw_family == AF_INET6_) {
		p->family = AF_INET6_;
		memcpy(p->dst, nh->gw, 16);
	}
	if (!(flags & FIB_SKIP_NEIGH)) {
		uint8_t ha[ETH_ALEN_];
		bool v6 = nh->gw_family == AF_INET6_;
		if (!neigh_lookup(&dev, v6 ? AF_INET6_ : AF_INET_, (const uint8_t *)p->dst, ha))
			return RET_NO_NEIGH;
		memcpy(p->mac + 6, ha, ETH_ALEN_);
		memcpy(p->mac, dev.addr, ETH_ALEN_);
	}
	set_fwd_params(p, mtu);
	return RET_SUCCESS;
}

/* rt6_need_strict: multicast, link-local and loopback addresses. */
static bool v6_strict(const uint32_t a[4])
{
	const uint8_t *b = (const uint8_t *)a;
	if (b[0] == 0xff)
		return true;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return true;
	static const uint8_t lo[16] = { [15] = 1 };
	return memcmp(b, lo, 16) == 0;
}

/* ipv6_dev_get_saddr, asked of the kernel: the source of an output route
 * lookup to dst over the device. */
static int v6_select_src(const struct flow *f, int oif, uint8_t out[16])
{
	struct flow g = *f;
	struct route rt;
	g.fib_match = false;
	g.pass_src = false;
	g.oif = oif;
	g.has_mark = false;
	if (getroute(&g, &rt) != 0 || !rt.has_prefsrc)
		return -EADDRNOTAVAIL;
	memcpy(out, rt.prefsrc, 16);
	return 0;
}

static int lookup6(struct fib_params *p, uint32_t flags, bool check_mtu)
{
	if (v6_strict(p->dst) || v6_strict(p->src))
		return RET_NOT_FWDED;
	struct link in, dev;
	int err = get_link(p->ifindex, &in);
	if (err)
		return err == -ENODEV ? err : RET_NOT_FWDED;
	if (!in.has_in6 || !in.fwd6)
		return RET_FWD_DISABLED;

	struct flow f = { .family = AF_INET6_ };
	memcpy(f.dst, p->dst, 16);
	memcpy(f.src, p->src, 16);
	static const uint8_t any[16];
	f.pass_src = memcmp(f.src, any, 16) != 0;
	f.proto = p->l4_protocol;
	f.sport = p->sport;
	f.dport = p->dport;
	/* The flow label (p->tos as flowinfo) only matters to FIB rules,
	 * which getroute cannot be told about. */
	struct route rt;
	int ret = route_lookup(p, flags, &f, &in, &rt);
	if (ret)
		return ret;
	struct nh *nh = &rt.nh[0];
	err = get_link((uint32_t)nh->oif, &dev);
	if (err)
		return RET_NOT_FWDED;

	uint32_t mtu = 0;
	if (check_mtu) {
		/* ip6_mtu_from_fib6, without exceptions */
		if ((rt.lock & (1u << RTAX_MTU)) && rt.mtu)
			mtu = rt.mtu;
		if (!mtu) {
			mtu = IP6_MIN_MTU;
			if (dev.has_in6 && dev.mtu6 > mtu)
				mtu = dev.mtu6;
			if (mtu > IP6_MAX_MTU)
				mtu = IP6_MAX_MTU;
		}
		if (p->tot_len > mtu) {
			p->tot_len = (uint16_t)mtu;
			return RET_FRAG_NEEDED;
		}
	}
	if (nh->lwt)
		return RET_UNSUPP_LWT;
	if (nh->gw_family)
		memcpy(p->dst, nh->gw, 16);
	p->tos = rt.priority;
	p->ifindex = (uint32_t)dev.ifindex;
	if (flags & FIB_SRC) {
		if (rt.has_prefsrc)
			memcpy(p->src, rt.prefsrc, 16);
		else if (v6_select_src(&f, dev.ifindex, (uint8_t *)p->src) != 0)
			return RET_NO_SRC_ADDR;
	}
	if (!(flags & FIB_SKIP_NEIGH)) {
		uint8_t ha[ETH_ALEN_];
		if (!neigh_lookup(&dev, AF_INET6_, (const uint8_t *)p->dst, ha))
			return RET_NO_NEIGH;
		memcpy(p->mac + 6, ha, ETH_ALEN_);
		memcpy(p->mac, dev.addr, ETH_ALEN_);
	}
	set_fwd_params(p, mtu);
	return RET_SUCCESS;
}

HELPER(fib_lookup)
{
	const char *name = "bpf_fib_lookup";
	int32_t plen = (int32_t)a3;
	uint32_t flags = (uint32_t)a4;
	if (!hl_mem(rc, name, "params", a2, plen > 0 ? (uint64_t)plen : 0, true))
		return 0;
	if (plen < (int32_t)sizeof(struct fib_params))
		return ERR(-EINVAL);
	if (flags & ~FIB_FLAGS)
		return ERR(-EINVAL);
	struct fib_params p;
	memcpy(&p, PTR(a2), sizeof(p));
	bool xdp = rc->prog_type == BPFRT_PROG_TYPE_XDP;
	/* XDP always checks the mtu; tc only when the caller gave tot_len,
	 * and otherwise checks the skb against the egress device below. */
	bool check_mtu = xdp || p.tot_len;
	int ret;
	switch (p.family) {
	case AF_INET_:
		ret = lookup4(&p, flags, check_mtu);
		break;
	case AF_INET6_:
		ret = lookup6(&p, flags, check_mtu);
		break;
	default:
		return ERR(-EAFNOSUPPORT);
	}
	if (ret == RET_SUCCESS && !check_mtu) {
		/* is_skb_forwardable on the egress device */
		struct link dev;
		if (get_link(p.ifindex, &dev) == 0) {
			const struct bpfrt_hook *h = rc->hook;
			uint64_t len = h ? (uint64_t)(h->end - h->data) : 0;
			bool gso = h && h->is_skb && h->shadow.skb.gso_size;
			if (!(dev.flags & IFF_UP) ||
			    (len > (uint64_t)dev.mtu + hard_header_len(&dev) + 4 && !gso))
				ret = RET_FRAG_NEEDED;
			p.tot_len = (uint16_t)dev.mtu;
		}
	}
	memcpy(PTR(a2), &p, sizeof(p));
	return ERR(ret);
}
