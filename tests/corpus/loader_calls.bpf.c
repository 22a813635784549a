// SPDX-License-Identifier: GPL-2.0
/* Static and global subprograms in .text and in a program section,
 * nested calls, a callback passed to bpf_loop, and several programs in
 * one section. */
#include "bpfrt_test.h"

static NOINLINE int sub_static(int x)
{
	return x * 3 + 1;
}

NOINLINE int sub_global(int x)
{
	return sub_static(x) + 5;
}

static long loop_cb(__u32 idx, void *ctx)
{
	*(int *)ctx += idx;
	return 0;
}

/* A static function in a program section is a subprogram of it. */
static NOINLINE __attribute__((section("xdp"))) int sec_static(int x)
{
	return x - 2;
}

SEC("xdp")
int caller_one(struct xdp_md *ctx)
{
	int acc = 0;
	bpf_loop(4, loop_cb, &acc, 0);
	return sub_global(ctx->ingress_ifindex) + sub_static(acc) + sec_static(ctx->rx_queue_index);
}

SEC("xdp")
int caller_two(struct xdp_md *ctx)
{
	return sub_static(ctx->rx_queue_index) & 3;
}

SEC("xdp")
int leaf(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc/ingress")
int tc_prog(struct __sk_buff *skb)
{
	return sub_global(skb->len);
}

char LICENSE[] SEC("license") = "GPL";
