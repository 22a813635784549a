/* SPDX-License-Identifier: MIT */
/* The Internet checksum (RFC 1071) over 1500 bytes: 16-bit big-endian
 * words summed with end-around carry, complemented. */
#include "bench.h"

BENCH_PROG(csum)
{
	BENCH_DATA(p, end);
	__u64 sum = 0;
	for (int i = 0; i < BENCH_LEN; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (int)(~sum & 0xffff);
}
