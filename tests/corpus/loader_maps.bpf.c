// SPDX-License-Identifier: GPL-2.0
/* BTF-defined maps of several types, a prog array initialised with
 * __array(values, ...) and a hash of maps with an inner-map template and
 * initial inner maps. */
#include "bpfrt_test.h"

struct pair { __u64 a; __u32 b; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct pair);
} hmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 24);
} amap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, 0);
	__type(key, __u64);
	__type(value, __u64);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner in1 SEC(".maps"), in2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [1] = &in1, [3] = &in2 },
};

int tail_a(struct xdp_md *ctx);
int tail_b(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jmp SEC(".maps") = {
	.values = { [0] = (void *)&tail_a, [2] = (void *)&tail_b },
};

SEC("xdp") int tail_a(struct xdp_md *ctx) { return XDP_PASS; }
SEC("xdp") int tail_b(struct xdp_md *ctx) { return XDP_DROP; }

SEC("xdp")
int use_maps(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct pair *p = bpf_map_lookup_elem(&hmap, &k);
	__u64 *c = bpf_map_lookup_elem(&pcpu, &k);
	void *in = bpf_map_lookup_elem(&outer, &k);
	if (in) {
		__u32 *v = bpf_map_lookup_elem(in, &k);
		if (v)
			return *v;
	}
	bpf_tail_call(ctx, &jmp, 0);
	return (p ? p->b : 0) + (c ? *c : 0) + (bpf_map_lookup_elem(&amap, &k) != 0) +
	       (bpf_map_lookup_elem(&lru, &k) != 0) + (bpf_ringbuf_query(&rb, 0) != 0);
}

char LICENSE[] SEC("license") = "GPL";
