// SPDX-License-Identifier: GPL-2.0
/*
 * A socket filter: the return value is how many bytes of the packet to
 * keep (0 drops it).  Socket filters see the packet from the network
 * header on.  The IP protocol is read with a legacy LD_ABS load (the
 * llvm.bpf.load.byte intrinsic) and the rest with bpf_skb_load_bytes:
 *   IPv4 TCP: keep IP + TCP headers only;  IPv4 UDP: keep all;
 *   ICMP: drop;  IPv6: keep 48 bytes;  anything else: keep 64 bytes.
 * Kept lengths are summed per protocol in an array.
 */
#include "corpus.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} kept SEC(".maps");

static __always_inline __u32 keep(__u32 slot, __u32 n)
{
	__u64 *c = bpf_map_lookup_elem(&kept, &slot);

	if (c)
		__sync_fetch_and_add(c, n);
	return n;
}

SEC("socket")
int socket_filter(struct __sk_buff *skb)
{
	__u8 vihl;

	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return keep(2, 48);
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return keep(3, 64);
	if (bpf_skb_load_bytes(skb, 0, &vihl, 1) < 0)
		return 0;
	/* LD_ABS: a packet too short ends the program with 0. */
	__u8 proto = load_byte(skb, offsetof(struct iphdr, protocol));
	__u32 ihl = (vihl & 0xf) * 4;

	if (proto == IPPROTO_ICMP)
		return keep(0, 0);
	if (proto == IPPROTO_TCP) {
		__u8 doff;

		if (bpf_skb_load_bytes(skb, ihl + 12, &doff, 1) < 0)
			return 0;
		return keep(1, ihl + (doff >> 4) * 4);
	}
	if (proto == IPPROTO_UDP)
		return keep(1, skb->len);
	return keep(3, 64);
}

char LICENSE[] SEC("license") = "GPL";
