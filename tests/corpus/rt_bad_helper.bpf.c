// SPDX-License-Identifier: GPL-2.0
/* Programs that must fail to load: a helper bpfrt lacks, and a helper the
 * program type may not call.  tests/unit/test_runtime.c loads them one at a
 * time with autoload. */
#include "corpus.h"

SEC("xdp")
int rt_fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup p = {};

	return bpf_fib_lookup(ctx, &p, sizeof(p), 0);
}

SEC("xdp")
int rt_wrong_type(struct xdp_md *ctx)
{
	__u8 b;

	return bpf_skb_load_bytes(ctx, 0, &b, 1);
}

char LICENSE[] SEC("license") = "GPL";
