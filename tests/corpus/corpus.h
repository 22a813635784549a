/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared includes and small packet helpers for the differential corpus.
 * Everything here is static inline so each object stays self-contained
 * (no BPF-to-BPF calls are forced on a program that does not want them).
 */
#ifndef BPFRT_CORPUS_H
#define BPFRT_CORPUS_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif

/* linux/icmp.h drags in glibc headers that do not exist for -target bpf,
 * so the two ICMP headers we need are spelled out here. */
struct icmp4_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 seq;
};

struct icmp6_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 data;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* IPv4 fragment bits in frag_off (host order after bpf_ntohs). */
#define IP_MF_BIT	0x2000
#define IP_DF_BIT	0x4000
#define IP_OFF_MASK	0x1fff

/*
 * Walk Ethernet and at most one 802.1Q tag.  On success *off is the L3
 * offset and the return value the L3 ethertype (host order); 0 if the frame
 * is too short.  Bounds are checked against data_end each step because that
 * is what the verifier needs to see.
 */
static __always_inline __u16 parse_eth(void *data, void *data_end, __u32 *off)
{
	struct ethhdr *eth = data;
	__u16 proto;

	if ((void *)(eth + 1) > data_end)
		return 0;
	proto = bpf_ntohs(eth->h_proto);
	*off = sizeof(*eth);
	if (proto == ETH_P_8021Q) {
		struct vlan_hdr *vh = (void *)(eth + 1);

		if ((void *)(vh + 1) > data_end)
			return 0;
		proto = bpf_ntohs(vh->encap_proto);
		*off += sizeof(*vh);
	}
	return proto;
}

/* Fold a 32-bit one's-complement accumulator into 16 bits. */
static __always_inline __u16 csum_fold32(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/*
 * RFC 1624 incremental update for a 32-bit field: HC' = ~(~HC + ~m + m').
 * Works in network byte order on both sides, so no swapping is needed.
 */
static __always_inline __u16 csum_replace4(__u16 check, __u32 from, __u32 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~(from & 0xffff);
	sum += (__u16)~(from >> 16);
	sum += to & 0xffff;
	sum += to >> 16;
	return (__u16)~csum_fold32(sum);
}

#endif
