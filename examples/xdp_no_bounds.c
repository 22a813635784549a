/* SPDX-License-Identifier: MIT */
/*
 * An XDP program that forgets its bounds check: it reads the IPv4 protocol
 * byte (offset 23) after checking only that an Ethernet header (14 bytes)
 * is there.  The verifier refuses it before it can run; the fix is the
 * commented line.
 */
struct xdp_md { unsigned int data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };

__attribute__((section("xdp"), used)) int drop_icmp(struct xdp_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;
	unsigned char *end = (unsigned char *)(long)ctx->data_end;

	if (data + 14 > end)	/* should be data + 34: Ethernet + IPv4 */
		return 2;	/* XDP_PASS */
	return data[23] == 1 ? 1 : 2;	/* ICMP: XDP_DROP */
}

char LICENSE[] __attribute__((section("license"), used)) = "GPL";
