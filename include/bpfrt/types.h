/* SPDX-License-Identifier: MIT */
/* bpfrt/types.h - enums shared by the public headers. */
#ifndef BPFRT_TYPES_H
#define BPFRT_TYPES_H

/* Program types: the kernel's enum bpf_prog_type values. */
enum bpfrt_prog_type {
	BPFRT_PROG_TYPE_UNSPEC = 0,
	BPFRT_PROG_TYPE_SOCKET_FILTER = 1,
	BPFRT_PROG_TYPE_KPROBE = 2,
	BPFRT_PROG_TYPE_SCHED_CLS = 3,
	BPFRT_PROG_TYPE_SCHED_ACT = 4,
	BPFRT_PROG_TYPE_TRACEPOINT = 5,
	BPFRT_PROG_TYPE_XDP = 6,
	BPFRT_PROG_TYPE_PERF_EVENT = 7,
	BPFRT_PROG_TYPE_CGROUP_SKB = 8,
	BPFRT_PROG_TYPE_RAW_TRACEPOINT = 17,
	BPFRT_PROG_TYPE_TRACING = 26,
	BPFRT_PROG_TYPE_SYSCALL = 31,
};

enum bpfrt_engine {
	BPFRT_ENGINE_DEFAULT = 0,	/* the fastest engine available */
	BPFRT_ENGINE_INTERP,		/* interpreter, computed-goto dispatch */
	BPFRT_ENGINE_INTERP_SWITCH,	/* interpreter, plain switch (testing) */
	BPFRT_ENGINE_JIT,		/* x86-64 JIT */
};

enum bpfrt_check_mode {
	/* Checked unless the program was proven safe by the verifier.  Until
	 * the verifier exists every program runs checked in this mode. */
	BPFRT_CHECK_AUTO = 0,
	/* Validate every memory access against the regions the program may
	 * touch: the context memory, the live stack frames, memory helpers
	 * hand out.  A fault stops the run with -EFAULT and a message naming
	 * the instruction. */
	BPFRT_CHECK_ALWAYS,
	/* No checks: the caller vouches for the program (benchmarks, trusted
	 * bytecode).  A bad access is undefined behaviour. */
	BPFRT_CHECK_NEVER,
};

#endif /* BPFRT_TYPES_H */
