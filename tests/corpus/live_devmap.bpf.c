// SPDX-License-Identifier: GPL-2.0
/*
 * Redirects through device maps, for the live tests.
 *
 * xdp_devmap_fwd: a forwarding table, ingress ifindex -> egress interface
 * (devmap_hash, filled from another process); frames without an entry are
 * dropped (the flags argument of bpf_redirect_map).
 * xdp_devmap_hub: every frame to every interface in `ports` but the one it
 * came in on (devmap, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS).
 */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} fwd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} ports SEC(".maps");

SEC("xdp")
int xdp_devmap_fwd(struct xdp_md *ctx)
{
	return bpf_redirect_map(&fwd, ctx->ingress_ifindex, XDP_DROP);
}

SEC("xdp")
int xdp_devmap_hub(struct xdp_md *ctx)
{
	return bpf_redirect_map(&ports, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

char LICENSE[] SEC("license") = "GPL";
