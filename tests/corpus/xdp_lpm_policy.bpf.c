// SPDX-License-Identifier: GPL-2.0
/*
 * Source-CIDR policy from an LPM trie.  Maps start empty in every runtime,
 * so the program installs its own rules: on the first packet it inserts
 * the static rule table from .rodata (/0 .. /32, nested prefixes), then
 * every IPv4 source is looked up by longest-prefix match.  A source that
 * only matches the /0 default "learns" its /24 (inserted with its own
 * action); a learned /24 is deleted again once it has matched three
 * times, so later packets re-learn it.  Per-rule hit counters live in the
 * trie's values and are bumped through the looked-up pointer.
 */
#include "corpus.h"

struct lpm_key {
	__u32 prefixlen;
	__be32 addr;
};

struct rule {
	__u32 action;	/* XDP verdict */
	__u32 learned;
	__u64 hits;
};

struct static_rule {
	__u32 prefixlen;
	__u32 addr;	/* host order, converted at insert */
	__u32 action;
};

#define NRULES 9
const volatile struct static_rule rules[NRULES] = {
	{ 0, 0x00000000, XDP_PASS },		/* default */
	{ 8, 0x0a000000, XDP_PASS },		/* 10/8 */
	{ 16, 0x0a010000, XDP_DROP },		/* 10.1/16 */
	{ 24, 0x0a010200, XDP_PASS },		/* 10.1.2/24 */
	{ 25, 0x0a010280, XDP_DROP },		/* 10.1.2.128/25 */
	{ 16, 0xc0a80000, XDP_DROP },		/* 192.168/16 */
	{ 32, 0xc0a80107, XDP_PASS },		/* 192.168.1.7/32 */
	{ 12, 0xac100000, XDP_TX },		/* 172.16/12 */
	{ 32, 0xffffffff, XDP_ABORTED },	/* broadcast source */
};

__u32 installed;	/* .bss */
__u64 learned_total;
__u64 forgotten_total;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__type(key, struct lpm_key);
	__type(value, struct rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 33);
	__type(key, __u32);
	__type(value, __u64);
} matched_len SEC(".maps");	/* hits per matched prefix length */

static __always_inline void install(void)
{
#pragma unroll
	for (int i = 0; i < NRULES; i++) {
		struct lpm_key k = { rules[i].prefixlen, bpf_htonl(rules[i].addr) };
		struct rule r = { .action = rules[i].action };

		bpf_map_update_elem(&policy, &k, &r, BPF_NOEXIST);
	}
	installed = 1;
}

SEC("xdp")
int xdp_lpm_policy(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = 0;
	struct iphdr *ip;
	struct lpm_key k;
	struct rule *r;
	__u32 plen, action;
	__u64 *m;

	if (!installed)
		install();
	if (parse_eth(data, data_end, &off) != ETH_P_IP)
		return XDP_PASS;
	ip = data + off;
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;

	k.prefixlen = 32;
	k.addr = ip->saddr;
	r = bpf_map_lookup_elem(&policy, &k);
	if (!r)
		return XDP_ABORTED;	/* cannot happen: /0 is installed */

	/* Which rule matched?  A lookup with prefixlen n only considers
	 * prefixes of at most n bits, so the matched length is the smallest
	 * n whose lookup still returns this very value. */
	{
		struct lpm_key z = { 0, 0 };
		int found = bpf_map_lookup_elem(&policy, &z) == r;

		plen = 0;
#pragma unroll
		for (int len = 1; len <= 32; len++) {
			struct lpm_key p = { len, ip->saddr & bpf_htonl(~0u << (32 - len)) };

			if (!found && bpf_map_lookup_elem(&policy, &p) == r) {
				plen = len;
				found = 1;
			}
		}
	}
	m = bpf_map_lookup_elem(&matched_len, &plen);
	if (m)
		__sync_fetch_and_add(m, 1);

	__sync_fetch_and_add(&r->hits, 1);
	/* Read everything needed from r before the delete below: the
	 * element may be freed once it is out of the trie. */
	action = r->action;
	if (plen == 0) {
		struct lpm_key l = { 24, ip->saddr & bpf_htonl(0xffffff00) };
		struct rule nr = { .action = XDP_PASS, .learned = 1 };

		if (bpf_map_update_elem(&policy, &l, &nr, BPF_NOEXIST) == 0)
			learned_total++;
	} else if (r->learned && r->hits >= 3) {
		struct lpm_key l = { plen, ip->saddr & bpf_htonl(0xffffff00) };

		if (bpf_map_delete_elem(&policy, &l) == 0)
			forgotten_total++;
	}
	return action;
}

char LICENSE[] SEC("license") = "GPL";
