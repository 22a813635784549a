// SPDX-License-Identifier: GPL-2.0
/* Global data: .data, .rodata, .bss and a custom .data.custom section,
 * each with known initial values. */
#include "bpfrt_test.h"

__u64 counter = 0x1122334455667788ULL;		/* .data */
int data_arr[3] = { 7, 8, 9 };			/* .data */
const volatile __u32 limit = 42;		/* .rodata */
const volatile char tag[8] = "bpfrt";		/* .rodata */
__u64 zeroes[4];				/* .bss */
static int hidden;				/* .bss (static: section symbol) */
__u32 custom_val SEC(".data.custom") = 0xc0ffee;

SEC("tc")
int use_data(struct __sk_buff *skb)
{
	counter++;
	zeroes[skb->len & 3] = limit;
	hidden += data_arr[skb->len % 3];
	return tag[0] + custom_val + hidden;
}

char LICENSE[] SEC("license") = "GPL";
