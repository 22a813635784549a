// SPDX-License-Identifier: GPL-2.0
/*
 * A tc (sched_cls) classifier working only through the skb helpers:
 * headers are read with bpf_skb_load_bytes and written with
 * bpf_skb_store_bytes, checksums fixed with bpf_l3_csum_replace and
 * bpf_l4_csum_replace.  IPv4 policy:
 *   - UDP to 5060 (SIP): DSCP EF;  TCP to 443: DSCP AF41   (TOS rewrite)
 *   - TCP to 8080: destination port rewritten to 80 (port NAT)
 *   - TCP/UDP to 23: TC_ACT_SHOT
 *   - everything IPv4 else: TC_ACT_OK
 * IPv6: TC_ACT_PIPE; ARP and anything else: TC_ACT_UNSPEC.  skb->mark is
 * set from the class and, with skb->len and skb->protocol, accounted per
 * ethertype in a hash map.
 */
#include "corpus.h"

#define ETH_HLEN_ 14
#define IP_TOS_OFF (ETH_HLEN_ + offsetof(struct iphdr, tos))
#define IP_CSUM_OFF (ETH_HLEN_ + offsetof(struct iphdr, check))

struct proto_stat {
	__u64 packets;
	__u64 bytes;
	__u32 last_mark;
	__u32 rewrites;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);	/* skb->protocol, network order as the skb has it */
	__type(value, struct proto_stat);
} by_proto SEC(".maps");

static __always_inline void account(struct __sk_buff *skb, __u32 rewrites)
{
	__u32 key = skb->protocol;
	struct proto_stat *st = bpf_map_lookup_elem(&by_proto, &key);

	if (!st) {
		struct proto_stat z = {};

		bpf_map_update_elem(&by_proto, &key, &z, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&by_proto, &key);
		if (!st)
			return;
	}
	st->packets++;
	st->bytes += skb->len;
	st->last_mark = skb->mark;
	st->rewrites += rewrites;
}

static __always_inline int set_tos(struct __sk_buff *skb, __u8 old, __u8 tos)
{
	/* The checksum covers TOS as the low byte of the first 16-bit word
	 * (version/IHL, TOS), so replace that 2-byte word. */
	__u8 vihl;

	if (bpf_skb_load_bytes(skb, ETH_HLEN_, &vihl, 1) < 0)
		return -1;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, bpf_htons((__u16)vihl << 8 | old),
				bpf_htons((__u16)vihl << 8 | tos), 2) < 0)
		return -1;
	return bpf_skb_store_bytes(skb, IP_TOS_OFF, &tos, 1, 0);
}

SEC("tc")
int tc_classifier(struct __sk_buff *skb)
{
	struct ethhdr eth;
	struct iphdr ip;
	__u16 ports[2];
	__u32 l4off, rewrites = 0;
	int ret = TC_ACT_OK;

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) < 0) {
		skb->mark = 0xdead;
		account(skb, 0);
		return TC_ACT_SHOT;
	}
	if (eth.h_proto == bpf_htons(ETH_P_IPV6)) {
		skb->mark = 6;
		account(skb, 0);
		return TC_ACT_PIPE;
	}
	if (eth.h_proto != bpf_htons(ETH_P_IP)) {
		skb->mark = 0;
		account(skb, 0);
		return TC_ACT_UNSPEC;
	}
	if (bpf_skb_load_bytes(skb, ETH_HLEN_, &ip, sizeof(ip)) < 0 || ip.ihl < 5) {
		skb->mark = 0xbad;
		account(skb, 0);
		return TC_ACT_SHOT;
	}
	skb->mark = 4;
	l4off = ETH_HLEN_ + ip.ihl * 4;
	if ((ip.protocol == IPPROTO_TCP || ip.protocol == IPPROTO_UDP) &&
	    !(ip.frag_off & bpf_htons(IP_OFF_MASK)) &&
	    bpf_skb_load_bytes(skb, l4off, ports, sizeof(ports)) == 0) {
		__u16 dport = bpf_ntohs(ports[1]);

		skb->mark = (__u32)ip.protocol << 16 | dport;
		if (dport == 23) {
			ret = TC_ACT_SHOT;
		} else if (ip.protocol == IPPROTO_UDP && dport == 5060) {
			if (set_tos(skb, ip.tos, 0xb8) == 0)
				rewrites++;
		} else if (ip.protocol == IPPROTO_TCP && dport == 443) {
			if (set_tos(skb, ip.tos, 0x88) == 0)
				rewrites++;
		} else if (ip.protocol == IPPROTO_TCP && dport == 8080) {
			__be16 to = bpf_htons(80);
			__u32 csum_off = l4off + offsetof(struct tcphdr, check);

			if (bpf_l4_csum_replace(skb, csum_off, ports[1], to, 2) == 0 &&
			    bpf_skb_store_bytes(skb, l4off + 2, &to, 2, 0) == 0)
				rewrites++;
		}
	}
	account(skb, rewrites);
	return ret;
}

char LICENSE[] SEC("license") = "GPL";
