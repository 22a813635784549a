// SPDX-License-Identifier: GPL-2.0
/*
 * Pass everything, counting frames per RX queue (xdp_md.rx_queue_index) in
 * a shared array with atomic adds, and per CPU in a per-CPU array with
 * plain increments: the multi-queue live test checks that both queues
 * saw traffic, and that the per-CPU sum equals the array's, which holds
 * only if no two workers share a CPU slot.
 */
#include "corpus.h"

#define MAX_QUEUES 8

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u64);
} queue_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cpu_count SEC(".maps");

SEC("xdp")
int xdp_count_queues(struct xdp_md *ctx)
{
	__u32 q = ctx->rx_queue_index, k = 0;
	__u64 *c = bpf_map_lookup_elem(&queue_count, &q);

	if (c)
		__sync_fetch_and_add(c, 1);
	c = bpf_map_lookup_elem(&cpu_count, &k);
	if (c)
		*c += 1;	/* no atomic: the slot is this CPU's alone */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
