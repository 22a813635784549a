// SPDX-License-Identifier: GPL-2.0
/*
 * Global data in every section libbpf maps: .data (initialised),
 * .bss (zeroed), .rodata (const volatile config and a constant lookup
 * table), and custom sections .data.stats (initialised) and .data.zero
 * (all zero, the custom-section stand-in for .bss).  Per frame it updates
 * counters and a length histogram, remembers the first bytes of the last
 * frame, and drops frames longer than the .rodata limit.
 */
#include "corpus.h"

/* .rodata */
const volatile __u32 max_len = 1200;
const volatile __u32 hist_shift = 7;	/* 128-byte buckets */
/* const volatile: a plain static const table would land in a mergeable
 * .rodata.cst16 section, whose BTF clang 14 gets wrong. */
const volatile __u8 class_of_nibble[16] = {
	0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4,
};

/* .data */
__u64 frames = 1000;	/* starts at 1000 to prove initial values load */
__u32 magic = 0xc0ffee;
__s32 balance = -5;
__u8 tag[8] = "bpfrt";

/* .bss */
__u64 bytes_total;
__u32 hist[16];
__u8 last_head[12];
static __u32 drops;	/* static: still in .bss, reached through the section */

/* custom sections */
__u64 stats_seen SEC(".data.stats") = 7;
__u32 stats_class[5] SEC(".data.stats") = { 1, 1, 1, 1, 1 };
__u64 zero_area[4] SEC(".data.zero");

SEC("xdp")
int global_data(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data;
	__u32 b = len >> hist_shift, cls;
	static __u32 calls;	/* function-local static: .bss */

	calls++;
	frames++;
	bytes_total += len;
	balance += (len & 1) ? 1 : -1;
	if (b > 15)
		b = 15;
	hist[b]++;
	stats_seen += 2;
	cls = class_of_nibble[len & 15];
	if (cls > 4)	/* the verifier cannot know the table's contents */
		cls = 4;
	stats_class[cls]++;
	zero_area[len & 3] += len;
	zero_area[3] ^= calls;
	if (data + sizeof(last_head) <= data_end)
		__builtin_memcpy(last_head, data, sizeof(last_head));
	tag[7] = (__u8)frames;
	magic = (magic << 1) ^ len;
	if (len > max_len) {
		drops++;
		return XDP_DROP;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
