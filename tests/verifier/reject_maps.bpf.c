// SPDX-License-Identifier: GPL-2.0
/* Map accesses the kernel refuses. */
#include "vt.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

const volatile __u32 cfg = 7;

SEC("xdp")
int map_no_null_check(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&hash, &k);
	return *v;
}

SEC("xdp")
int map_value_oob(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u32 *v = bpf_map_lookup_elem(&arr, &k);
	if (!v)
		return 0;
	return v[2];	/* value is 8 bytes */
}

SEC("xdp")
int map_value_var_oob(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u8 *v = bpf_map_lookup_elem(&arr, &k);
	if (!v)
		return 0;
	return v[ctx->ingress_ifindex & 15];
}

SEC("xdp")
int rodata_write(struct xdp_md *ctx)
{
	*(volatile __u32 *)&cfg = 1;
	return XDP_PASS;
}

SEC("xdp")
int ringbuf_leak(struct xdp_md *ctx)
{
	__u32 *p = bpf_ringbuf_reserve(&rb, 8, 0);
	if (!p)
		return XDP_PASS;
	*p = 1;
	if (ctx->ingress_ifindex == 3)
		return XDP_DROP;	/* leaks the reservation */
	bpf_ringbuf_submit(p, 0);
	return XDP_PASS;
}

SEC("xdp")
int helper_wrong_arg(struct xdp_md *ctx)
{
	return bpf_map_lookup_elem(&arr, ctx) != 0;
}

SEC("xdp")
int array_const_key(struct xdp_md *ctx)
{
	__u64 k = 3;	/* in range, yet the kernel wants the check */
	__u64 *v = bpf_map_lookup_elem(&arr, &k);
	return *v & 1;
}

SEC("xdp")
int ringbuf_ok(struct xdp_md *ctx)
{
	__u32 *p = bpf_ringbuf_reserve(&rb, 8, 0);
	if (!p)
		return XDP_PASS;
	*p = ctx->ingress_ifindex;
	if (*p == 3) {
		bpf_ringbuf_discard(p, 0);
		return XDP_DROP;
	}
	bpf_ringbuf_submit(p, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
