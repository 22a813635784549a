// SPDX-License-Identifier: GPL-2.0
/* Packet accesses the kernel refuses. */
#include "vt.h"

SEC("xdp")
int pkt_oob(struct xdp_md *ctx)
{
	PKT(ctx);
	if (data + 14 > data_end)
		return XDP_PASS;
	return *(volatile __u8 *)(data + 14);	/* one byte past the check */
}

SEC("xdp")
int pkt_off_by_one(struct xdp_md *ctx)
{
	PKT(ctx);
	struct ethhdr *eth = data;
	if (data + sizeof(*eth) - 1 > data_end)	/* should be sizeof(*eth) */
		return XDP_PASS;
	return eth->h_proto;
}

SEC("xdp")
int pkt_no_check(struct xdp_md *ctx)
{
	PKT(ctx);
	(void)data_end;
	return *(volatile __u8 *)data;
}

SEC("tc")
int pkt_write_ro_ctx(struct __sk_buff *skb)
{
	skb->len = 1;	/* __sk_buff.len is read-only */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
