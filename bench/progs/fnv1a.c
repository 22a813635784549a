/* SPDX-License-Identifier: MIT */
/* FNV-1a (32-bit) over 1500 bytes: a serial multiply chain. */
#include "bench.h"

BENCH_PROG(fnv1a)
{
	BENCH_DATA(p, end);
	__u32 h = 2166136261u;
	for (int i = 0; i < BENCH_LEN; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return (int)h;
}
