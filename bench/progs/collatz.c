/* SPDX-License-Identifier: MIT */
/* The sum of Collatz step counts for 1..2000: data-dependent branches and
 * a loop whose trip count the compiler cannot know.  The start values are
 * offset by the buffer's first byte (0 at run time) so no compiler can fold
 * the computation to a constant.  The kernel verifier refuses this program
 * (it would have to simulate all 134100 steps, beyond its 1M-instruction
 * budget), so the kernel column stays empty for it. */
#include "bench.h"

BENCH_PROG(collatz)
{
	BENCH_DATA(p, end);
	__u64 base = p[0];
	__u32 total = 0;
	for (__u32 i = 1; i <= 2000; i++) {
		__u64 n = i + base;
		while (n != 1) {
			n = (n & 1) ? 3 * n + 1 : n >> 1;
			total++;
		}
	}
	return (int)total;
}
