// SPDX-License-Identifier: GPL-2.0
/*
 * Pass everything, counting IPv4 frames, but read the EtherType without
 * checking data_end first: the verifier (bpfrt's and the kernel's) refuses
 * it.  The live tests attach it to show that a rejected program is refused
 * with the verifier's message, and that --no-verify runs it anyway, checked
 * (every frame bpfrt receives has an Ethernet header, so the reads stay in
 * bounds and the checked run lets them through).
 */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unsafe_count SEC(".maps");

SEC("xdp")
int xdp_unsafe_pass(struct xdp_md *ctx)
{
	struct ethhdr *eth = (void *)(long)ctx->data;
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&unsafe_count, &k);

	if (c && eth->h_proto == bpf_htons(ETH_P_IP))
		__sync_fetch_and_add(c, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
