/* SPDX-License-Identifier: MIT */
/*
 * Shared by the benchmark programs, which are written once in restricted C
 * and compiled three ways: clang -target bpf (run by bpfrt's interpreter
 * and JIT, and by the kernel through BPF_PROG_TEST_RUN) and natively by
 * gcc -O2 and clang -O2 (BENCH_SUFFIX names the native copies apart).
 *
 * Every program is an XDP program: the buffer is [ctx->data, ctx->data_end).
 * Natively, and in bpfrt (loaded with the raw context type), ctx points to
 * a plain struct xdp_md whose 32-bit data fields hold real addresses; the
 * harness places the buffer below 4 GiB (MAP_32BIT) so they fit.
 */
#ifndef BENCH_H
#define BENCH_H

#ifdef __bpf__
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#define BENCH_PROG(name) SEC("xdp") int name(struct xdp_md *ctx)
#else
#include <linux/bpf.h>	/* struct xdp_md, __u8 ... */
#define BENCH_CAT2(a, b) a##b
#define BENCH_CAT(a, b) BENCH_CAT2(a, b)
#define BENCH_PROG(name) int BENCH_CAT(name, BENCH_SUFFIX)(struct xdp_md *ctx)
#endif

#define BENCH_LEN 1500	/* bytes of input every program may read */

#define BENCH_DATA(p, end)							\
	const __u8 *p = (const __u8 *)(long)ctx->data;				\
	const __u8 *end = (const __u8 *)(long)ctx->data_end;			\
	if (p + BENCH_LEN > end)						\
		return 0

#endif
