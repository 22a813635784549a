// SPDX-License-Identifier: GPL-2.0
/* Programs that must fail to load: a helper bpfrt lacks, and a helper the
 * program type may not call.  tests/unit/test_runtime.c loads them one at a
 * time with autoload. */
#include "corpus.h"

/* bpf_sk_lookup_tcp: the kernel gives it to XDP programs; bpfrt has no
 * sockets to look up. */
SEC("xdp")
int rt_unimpl(struct xdp_md *ctx)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;

	sk = bpf_sk_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (sk) {
		bpf_sk_release(sk);
		return XDP_DROP;
	}
	return XDP_PASS;
}

SEC("xdp")
int rt_wrong_type(struct xdp_md *ctx)
{
	__u8 b;

	return bpf_skb_load_bytes(ctx, 0, &b, 1);
}

char LICENSE[] SEC("license") = "GPL";
