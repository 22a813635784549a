/* SPDX-License-Identifier: MIT */
/* Bubble sort of 64 u32 taken from the buffer, on the stack; returns a
 * position-weighted sum, which only the sorted order produces. */
#include "bench.h"

#define NSORT 64

BENCH_PROG(bubble)
{
	BENCH_DATA(p, end);
	__u32 a[NSORT];
	for (int i = 0; i < NSORT; i++)
		a[i] = (__u32)p[4 * i] | (__u32)p[4 * i + 1] << 8 |
		       (__u32)p[4 * i + 2] << 16 | (__u32)p[4 * i + 3] << 24;
	for (int i = 0; i < NSORT - 1; i++)
		for (int j = 0; j < NSORT - 1 - i; j++)
			if (a[j] > a[j + 1]) {
				__u32 t = a[j];
				a[j] = a[j + 1];
				a[j + 1] = t;
			}
	__u32 s = 0;
	for (int i = 0; i < NSORT; i++)
		s = s * 31 + a[i];
	return (int)s;
}
