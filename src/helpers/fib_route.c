/* SPDX-License-Identifier: MIT */
/*
 * The route lookups of bpf_fib_lookup, asked of the kernel over rtnetlink.
 *
 * A full lookup (FIB rules, then tables) is RTM_GETROUTE with
 * RTM_F_FIB_MATCH, which answers with the FIB entry the kernel's own
 * lookup matched (type, table, metric, nexthops, metrics, prefsrc).  It
 * runs the output path, so a few things differ from the helper's plain
 * fib_lookup and are handled here: with an output device a failed lookup
 * comes back as an on-link guess (asked again without the device to
 * classify the failure); destinations the output path treats specially
 * (0.0.0.0/8, multicast, 255.255.255.255) are looked up in the local, main
 * and default tables directly; the IPv4 source address is not passed (the
 * output path refuses non-local sources), so FIB rules that select on the
 * source do not see it; IPv6 does not pass the device (the output path
 * would make it a hard constraint, the helper only prefers it).
 *
 * BPF_FIB_LOOKUP_DIRECT (with or without TBID) reads the table with a
 * route dump and does the longest-prefix match here, as fib_table_lookup /
 * fib6_table_lookup do: IPv4 aliases in the kernel's order (TOS, then
 * priority), type errors first, dead nexthops and (for an output lookup)
 * nexthops on other devices skipped; IPv6 lowest metric first, the lookup
 * device preferred; the main and local IPv4 tables are one table while
 * only the default FIB rules exist, as in the kernel.
 *
 * Multipath routes: a full lookup takes the path the kernel's output route
 * picks (its hash does not see the helper's source address), a direct
 * lookup the first live path.
 */
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <errno.h>
#include <stdlib.h>

#include "fib_route.h"
#include "rtnl.h"

/* ---- routes from netlink -------------------------------------------------- */

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
	int err = bpfrt__rtnl_talk(&r, route_cb, rt);
	if (!err && rt->family != f->family)
		err = -EPROTO;
	return err;
}

/* ---- direct lookups: the longest-prefix match over a table dump ---------- */

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
	int err = bpfrt__rtnl_talk(&r, rtlist_cb, l);
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
	if (bpfrt__rtnl_talk(&r, rule_cb, &n) != 0)
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
int bpfrt__fib_direct_lookup(const struct flow *f, uint32_t table, int oif6, struct route *out)
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

/* ---- full lookups --------------------------------------------------------- */

/* The helper's fib_lookup with the default rules, for destinations the
 * kernel's output route path treats specially. */
static int v4_rules_default_lookup(const struct flow *f, struct route *out)
{
	static const uint32_t tables[] = { TABLE_LOCAL, TABLE_MAIN, TABLE_DEFAULT };
	for (size_t i = 0; i < 3; i++) {
		int err = bpfrt__fib_direct_lookup(f, tables[i], 0, out);
		if (err != -ENETUNREACH && err != -EAGAIN && err != 1)
			return err;
	}
	return -ENETUNREACH;
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

/* Destinations the output path treats specially go past it. */
int bpfrt__fib_full_lookup(struct flow *f, struct route *rt)
{
	const uint8_t *d = f->dst;
	bool special = f->family == AF_INET_ &&
		       (d[0] == 0 || (d[0] & 0xf0) == 0xe0 ||
			(d[0] == 255 && d[1] == 255 && d[2] == 255 && d[3] == 255));
	return special ? v4_rules_default_lookup(f, rt) : full_lookup(f, rt);
}

/* ipv6_dev_get_saddr, asked of the kernel: the source of an output route
 * lookup to dst over the device. */
int bpfrt__fib_v6_select_src(const struct flow *f, int oif, uint8_t out[16])
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
