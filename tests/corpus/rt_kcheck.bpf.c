// SPDX-License-Identifier: GPL-2.0
/*
 * Context fields and adjust-helper bounds as test-run shows them, summed per
 * field over every frame into the array `f`: run by the kernel oracle and by
 * bpfrt over the corpus captures (tests/corpus/rt_cases.txt), the sums must
 * agree.  tests/unit/test_runtime.c checks the same bounds by value.
 */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} f SEC(".maps");

static __always_inline void add(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&f, &k);

	if (p)
		*p += v;
}

SEC("xdp")
int rt_kxdp(struct xdp_md *ctx)
{
	int len = ctx->data_end - ctx->data;
	int room = 4096 - 320 - 256 - len;

	add(0, bpf_xdp_adjust_head(ctx, -216) == 0);
	bpf_xdp_adjust_head(ctx, 216);
	add(1, bpf_xdp_adjust_head(ctx, -217));
	add(2, bpf_xdp_adjust_tail(ctx, room + 1));
	add(3, bpf_xdp_adjust_tail(ctx, room));
	bpf_xdp_adjust_tail(ctx, -room);
	add(4, bpf_xdp_adjust_meta(ctx, -32));
	bpf_xdp_adjust_meta(ctx, 32);
	add(5, bpf_xdp_adjust_meta(ctx, -36));
	add(6, bpf_xdp_adjust_meta(ctx, -6));
	add(7, bpf_xdp_adjust_head(ctx, len - 14));
	bpf_xdp_adjust_head(ctx, 14 - len);
	add(8, bpf_xdp_adjust_head(ctx, len - 13));
	add(9, bpf_xdp_adjust_tail(ctx, 14 - len));
	bpf_xdp_adjust_tail(ctx, len - 14);
	add(10, bpf_xdp_adjust_tail(ctx, 13 - len));
	add(11, ctx->ingress_ifindex);
	add(12, ctx->rx_queue_index);
	add(13, ctx->data_end - ctx->data);
	add(14, bpf_xdp_get_buff_len(ctx));
	return XDP_PASS;
}

static __always_inline void skb_fields(struct __sk_buff *skb)
{
	add(0, skb->len);
	add(1, skb->pkt_type);
	add(2, skb->mark);
	add(3, skb->queue_mapping);
	add(4, skb->protocol);
	add(5, skb->vlan_present);
	add(6, skb->vlan_tci);
	add(7, skb->vlan_proto);
	add(8, skb->priority);
	add(9, skb->ingress_ifindex);
	add(10, skb->ifindex);
	add(11, skb->tc_index);
	add(12, skb->napi_id);
	add(13, skb->gso_segs);
	add(14, skb->gso_size);
	add(15, skb->cb[0] + skb->cb[4]);
	add(16, *(volatile __u8 *)&skb->pkt_type);
	add(17, ((volatile __u16 *)&skb->protocol)[0]);
}

SEC("tc")
int rt_ktc(struct __sk_buff *skb)
{
	skb_fields(skb);
	add(20, skb->wire_len);
	add(21, skb->tc_classid);
	add(22, skb->tstamp);
	add(23, skb->hwtstamp);
	add(24, skb->data_end - skb->data);
	add(25, skb->data_meta == skb->data);
	skb->tc_index = 0x10003;
	add(26, skb->tc_index);
	skb->queue_mapping = 0x1ffff;
	add(27, skb->queue_mapping);
	skb->queue_mapping = 5;
	add(28, skb->queue_mapping);
	return TC_ACT_OK;
}

SEC("socket")
int rt_ksock(struct __sk_buff *skb)
{
	skb_fields(skb);
	return skb->len;
}

SEC("cgroup_skb/ingress")
int rt_kcg(struct __sk_buff *skb)
{
	skb_fields(skb);
	add(20, skb->family);
	add(21, skb->local_ip4);
	add(22, skb->remote_ip4);
	add(23, skb->local_ip6[3]);
	add(24, skb->remote_ip6[0]);
	add(25, skb->data_end - skb->data);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
