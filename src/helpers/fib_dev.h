/* SPDX-License-Identifier: MIT */
/*
 * The devices bpf_fib_lookup asks about (fib_dev.c): links, their IPv4
 * addresses, neighbours.
 */
#ifndef BPFRT_FIB_DEV_H
#define BPFRT_FIB_DEV_H

#include <stdbool.h>
#include <stdint.h>

#define ETH_ALEN_ 6

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

/* 0, or -ENODEV when there is no such device. */
int bpfrt__fib_get_link(uint32_t ifindex, struct link *l);
/* l3mdev_fib_table: the VRF's table of a VRF device or of its ports. */
uint32_t bpfrt__fib_l3mdev_table(const struct link *l);
/* inet_select_addr: an IPv4 source (network order) within scope, for a
 * nexthop dst (0: none): the device's address in dst's subnet, else its
 * first, else any device's that is not link scope; 0 when there is none. */
uint32_t bpfrt__fib_inet_select_addr(int ifindex, uint32_t dst, unsigned scope);
/* Is there a valid neighbour entry for addr on the device?  Its address
 * in ha when there is. */
bool bpfrt__fib_neigh_lookup(const struct link *dev, uint8_t family, const uint8_t *addr,
			     uint8_t ha[ETH_ALEN_]);

#endif
