// SPDX-License-Identifier: GPL-2.0
/* The legacy "maps" section: struct bpf_map_def, which libbpf 1.x's
 * headers no longer provide. */
#include "bpfrt_test.h"

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") counters = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 8,
};

struct bpf_map_def SEC("maps") flows = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u64),
	.value_size = 16,
	.max_entries = 32,
	.map_flags = BPF_F_NO_PREALLOC,
};

SEC("socket")
int count(struct __sk_buff *skb)
{
	__u32 k = skb->len & 7;
	__u64 *v = bpf_map_lookup_elem(&counters, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	__u64 fk = skb->protocol;
	return bpf_map_lookup_elem(&flows, &fk) ? 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
