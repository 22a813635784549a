// SPDX-License-Identifier: GPL-2.0
/*
 * Pass everything, counting frames and bytes: the "swap back to pass"
 * program of the live tests.  Its counters map has the same name and shape
 * as in live_count so a hot swap between the two keeps the numbers.
 */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pass_count SEC(".maps");

SEC("xdp")
int xdp_pass_all(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&pass_count, &k);

	if (c)
		__sync_fetch_and_add(c, 1);
	k = 1;
	c = bpf_map_lookup_elem(&pass_count, &k);
	if (c)
		__sync_fetch_and_add(c, ctx->data_end - ctx->data);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
