// SPDX-License-Identifier: GPL-2.0
/* Call chains too deep, and stacks too big together. */
#include "vt.h"

NOINLINE int f8(int x) { return x + 8; }
NOINLINE int f7(int x) { return f8(x) + 7; }
NOINLINE int f6(int x) { return f7(x) + 6; }
NOINLINE int f5(int x) { return f6(x) + 5; }
NOINLINE int f4(int x) { return f5(x) + 4; }
NOINLINE int f3(int x) { return f4(x) + 3; }
NOINLINE int f2(int x) { return f3(x) + 2; }
NOINLINE int f1(int x) { return f2(x) + 1; }

SEC("xdp")
int call_too_deep(struct xdp_md *ctx)
{
	return f1(ctx->ingress_ifindex);	/* 9 frames */
}

SEC("xdp")
int call_depth_ok(struct xdp_md *ctx)
{
	return f2(ctx->ingress_ifindex);	/* 8 frames */
}

NOINLINE int big(int x)
{
	char buf[300];
	bpf_probe_read_kernel(buf, sizeof(buf), 0);
	return buf[x & 255];
}

SEC("xdp")
int stack_too_big(struct xdp_md *ctx)
{
	char buf[300];
	bpf_probe_read_kernel(buf, sizeof(buf), 0);
	return big(ctx->ingress_ifindex) + buf[ctx->rx_queue_index & 255];
}

struct lctx { __u32 sum; __u32 lim; };

static long cb(__u32 i, void *c)
{
	struct lctx *l = c;
	l->sum += i;
	return l->sum > l->lim;
}

SEC("xdp")
int loop_ok(struct xdp_md *ctx)
{
	struct lctx l = { 0, ctx->ingress_ifindex };
	bpf_loop(64, cb, &l, 0);
	return l.sum & 3;
}

SEC("xdp")
int bounded_loop_ok(struct xdp_md *ctx)
{
	PKT(ctx);
	__u8 *p = data;
	__u32 sum = 0;
	for (int i = 0; i < 32; i++) {
		if ((void *)(p + i + 1) > data_end)
			break;
		sum += p[i];
	}
	return sum & 3;
}

char LICENSE[] SEC("license") = "GPL";
