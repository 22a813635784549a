/* SPDX-License-Identifier: MIT */
/*
 * bpf_fib_lookup for XDP and tc, answered from the routing state of the
 * calling thread's network namespace over rtnetlink (rtnl.c).
 *
 * The kernel's helper (net/core/filter.c: bpf_{xdp,skb}_fib_lookup,
 * bpf_ipv{4,6}_fib_lookup) looks the flow up in the FIB, then the
 * neighbour of the nexthop; bpfrt asks the kernel the same questions:
 *
 *  - the ingress device (RTM_GETLINK, fib_dev.c): existence (-ENODEV), the
 *    per-device forwarding switch (IFLA_AF_SPEC's devconf: FWD_DISABLED),
 *    mtu, address, flags, VRF table;
 *  - the route (fib_route.c): a full lookup (FIB rules, then tables) is
 *    RTM_GETROUTE, BPF_FIB_LOOKUP_DIRECT (with or without TBID) a
 *    longest-prefix match over a route dump of the table.  Path-MTU
 *    exceptions are not seen (the mtu is the route's locked mtu or the
 *    device's);
 *  - the source address for BPF_FIB_LOOKUP_SRC: the route's prefsrc, else
 *    inet_select_addr over the addresses (RTM_GETADDR, fib_dev.c) for IPv4,
 *    the kernel's own choice (RTA_PREFSRC of an output route lookup,
 *    fib_route.c) for IPv6;
 *  - the neighbour (RTM_GETNEIGH, fib_dev.c): its state must be NUD_VALID,
 *    its address is dmac; smac is the egress device's address.
 *
 * This file is the helper itself: its argument checks and their order, the
 * flags, the return codes, the mtu checks and what it writes back.  Every
 * lookup is a few round trips to the kernel (tens of microseconds): a slow
 * path, as in the kernel it is not.
 */
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>

#include "fib_dev.h"
#include "fib_route.h"
#include "hl.h"
#include "rtnl.h"

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

#define IP_MAX_MTU 0xffffu
#define IP6_MAX_MTU (0xffffu + 40u)
#define IP6_MIN_MTU 1280u

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

/* The route of the flow as the helper's lookup finds it: 0 with *rt (a
 * unicast route, one nexthop), or the BPF_FIB_LKUP_RET_* code (> 0) of a
 * failed lookup or of a route that does not forward.  Netlink trouble
 * answers NOT_FWDED. */
static int route_lookup(struct fib_params *p, uint32_t flags, struct flow *f,
			const struct link *in, struct route *rt)
{
	int err;
	if (flags & FIB_DIRECT) {
		uint32_t table = bpfrt__fib_l3mdev_table(in);
		if (!table)
			table = TABLE_MAIN;
		if (flags & FIB_TBID) {
			table = p->vlan;
			p->vlan = 0;	/* zeroed for the vlan output */
		}
		err = bpfrt__fib_direct_lookup(f, table, (int)p->ifindex, rt);
		if (err == 1)
			return RET_NOT_FWDED;
	} else {
		if (flags & FIB_MARK) {
			memcpy(&f->mark, p->mac, 4);
			f->has_mark = true;
		}
		err = bpfrt__fib_full_lookup(f, rt);
	}
	if (err)
		return err_to_ret(err);
	return type_to_ret(rt->type);
}

/* The route, then the device of its first next hop. */
static int route_dev(struct fib_params *p, uint32_t flags, struct flow *f,
		     const struct link *in, struct route *rt, struct link *dev)
{
	int ret = route_lookup(p, flags, f, in, rt);
	if (ret)
		return ret;
	return bpfrt__fib_get_link((uint32_t)rt->nh[0].oif, dev) ? RET_NOT_FWDED : 0;
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
	int err = bpfrt__fib_get_link(p->ifindex, &in);
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
	int ret = route_dev(p, flags, &f, &in, &rt, &dev);
	if (ret)
		return ret;
	struct nh *nh = &rt.nh[0];

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
			src = bpfrt__fib_inet_select_addr(dev.ifindex, gw4, rt.scope);
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
		if (!bpfrt__fib_neigh_lookup(&dev, v6 ? AF_INET6_ : AF_INET_,
					     (const uint8_t *)p->dst, ha))
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

static int lookup6(struct fib_params *p, uint32_t flags, bool check_mtu)
{
	if (v6_strict(p->dst) || v6_strict(p->src))
		return RET_NOT_FWDED;
	struct link in, dev;
	int err = bpfrt__fib_get_link(p->ifindex, &in);
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
	int ret = route_dev(p, flags, &f, &in, &rt, &dev);
	if (ret)
		return ret;
	struct nh *nh = &rt.nh[0];

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
		else if (bpfrt__fib_v6_select_src(&f, dev.ifindex, (uint8_t *)p->src) != 0)
			return RET_NO_SRC_ADDR;
	}
	if (!(flags & FIB_SKIP_NEIGH)) {
		uint8_t ha[ETH_ALEN_];
		if (!bpfrt__fib_neigh_lookup(&dev, AF_INET6_, (const uint8_t *)p->dst, ha))
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
		if (bpfrt__fib_get_link(p.ifindex, &dev) == 0) {
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
