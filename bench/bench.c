/* SPDX-License-Identifier: MIT */
/*
 * bench: each program of bench/progs measured in one run on
 *   bpfrt's interpreter (unchecked), bpfrt's JIT (unchecked),
 *   the kernel's JIT (BPF_PROG_TEST_RUN as XDP, repeat; skipped without
 *   bpf()), and native code from gcc -O2 and clang -O2,
 * all on the same 1500-byte buffer, and checked to agree on the result.
 *
 *   bench [DIR]   DIR holds <name>.bpf.o (default build/bench)
 *
 * Prints ns per run for each engine and the ratios JIT/best native,
 * JIT/kernel, and the interpreter's ns per executed instruction.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrt/bpfrt.h"

#define BENCH_LEN 1500	/* as bench/progs/bench.h */

typedef int (*native_fn)(struct xdp_md *ctx);

#define NATIVE(name) extern int name##_gcc(struct xdp_md *); extern int name##_clang(struct xdp_md *);
NATIVE(fnv1a)
NATIVE(bubble)
NATIVE(csum)
NATIVE(collatz)

static const struct bench {
	const char *name;
	native_fn gcc, clang;
	uint32_t reps;		/* runs per measurement */
} benches[] = {
	{ "fnv1a", fnv1a_gcc, fnv1a_clang, 20000 },
	{ "bubble", bubble_gcc, bubble_clang, 5000 },
	{ "collatz", collatz_gcc, collatz_clang, 200 },
	{ "csum", csum_gcc, csum_clang, 50000 },
};

#define ROUNDS 5	/* best of: the machine may be busy */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double native_ns(native_fn f, struct xdp_md *md, uint32_t reps, int *ret)
{
	/* Called through a volatile pointer so the loop cannot be folded. */
	native_fn volatile fp = f;
	double best = 1e30;
	*ret = fp(md);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();
		for (uint32_t i = 0; i < reps; i++)
			(void)fp(md);
		double ns = (double)(now_ns() - t0) / reps;
		if (ns < best)
			best = ns;
	}
	return best;
}

static double bpfrt_ns(struct bpfrt_prog *prog, enum bpfrt_engine engine, struct xdp_md *md,
		       uint32_t reps, int *ret, uint64_t *insns)
{
	double best = 1e30;
	char err[256] = "";
	for (int r = 0; r < ROUNDS; r++) {
		BPFRT_OPTS(bpfrt_run_opts, ro, .ctx = md, .ctx_size = sizeof(*md),
			   .engine = engine, .check = BPFRT_CHECK_NEVER, .repeat = reps,
			   .err_buf = err, .err_size = sizeof(err));
		int e = bpfrt_prog__run(prog, &ro);
		if (e) {
			fprintf(stderr, "bench: bpfrt %s: %s\n", bpfrt_engine_str(engine), err);
			return -1;
		}
		*ret = (int)ro.retval;
		*insns = ro.insn_cnt;
		if (ro.duration_ns < best)
			best = (double)ro.duration_ns;
	}
	return best;
}

/* The kernel JIT: the same object loaded as XDP, run with test-run. */
static double kernel_ns(const char *path, const char *name, const uint8_t *buf, uint32_t reps,
			int *ret, char *why, size_t why_size)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		snprintf(why, why_size, "open: %s", strerror(errno));
		return -1;
	}
	double best = -1;
	int err = bpf_object__load(obj);
	if (err) {
		snprintf(why, why_size, "load: %s", strerror(-err));
		goto out;
	}
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
	int fd = p ? bpf_program__fd(p) : -1;
	for (int r = 0; r < ROUNDS && fd >= 0; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = BENCH_LEN,
			    .repeat = reps);
		err = bpf_prog_test_run_opts(fd, &o);
		if (err) {
			snprintf(why, why_size, "test-run: %s", strerror(-err));
			best = -1;
			break;
		}
		*ret = (int)o.retval;
		if (best < 0 || o.duration < best)
			best = o.duration;
	}
out:
	bpf_object__close(obj);
	return best;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build/bench";
	libbpf_set_print(quiet);
	bpfrt_set_print(NULL);

	/* Below 4 GiB, so the 32-bit data fields of struct xdp_md hold real
	 * addresses for native code and bpfrt alike. */
	uint8_t *mem = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (mem == MAP_FAILED) {
		perror("bench: mmap");
		return 1;
	}
	uint8_t *buf = mem + 4096;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < BENCH_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	buf[0] = 0;	/* collatz's offset */
	struct xdp_md *md = (struct xdp_md *)mem;
	md->data = (uint32_t)(uintptr_t)buf;
	md->data_end = (uint32_t)(uintptr_t)(buf + BENCH_LEN);

	printf("%-8s %10s %10s %10s %10s %10s  %9s %9s %12s\n", "bench", "interp", "jit",
	       "kernel", "gcc -O2", "clang -O2", "jit/nat", "jit/kern", "interp ns/i");
	int bad = 0;
	for (size_t b = 0; b < sizeof(benches) / sizeof(benches[0]); b++) {
		const struct bench *B = &benches[b];
		char path[512], why[256] = "";
		snprintf(path, sizeof(path), "%s/%s.bpf.o", dir, B->name);
		int r_gcc, r_clang, r_int = 0, r_jit = 0, r_k = 0;
		double gcc = native_ns(B->gcc, md, B->reps, &r_gcc);
		double clang = native_ns(B->clang, md, B->reps, &r_clang);

		double interp = -1, jit = -1;
		uint64_t insns = 0, jinsns;
		/* A raw (UNSPEC) context has no fields the verifier knows, so
		 * it refuses the data/data_end loads: load without its veto
		 * (the runs below are unchecked by request anyway). */
		BPFRT_OPTS(bpfrt_object_open_opts, oo, .no_verify = true);
		struct bpfrt_object *obj = bpfrt_object__open_file(path, &oo);
		struct bpfrt_program *bp = obj ? bpfrt_object__find_program_by_name(obj, B->name) : NULL;
		/* Raw context: r1 is our struct xdp_md, accessed as memory. */
		if (bp && !bpfrt_program__set_type(bp, BPFRT_PROG_TYPE_UNSPEC) &&
		    !bpfrt_object__load(obj)) {
			struct bpfrt_prog *prog = bpfrt_program__prog(bp);
			interp = bpfrt_ns(prog, BPFRT_ENGINE_INTERP, md, B->reps / 4 + 1, &r_int,
					  &insns);
			jit = bpfrt_ns(prog, BPFRT_ENGINE_JIT, md, B->reps, &r_jit, &jinsns);
		} else {
			fprintf(stderr, "bench: %s: cannot load into bpfrt\n", path);
		}
		bpfrt_object__close(obj);
		double kern = kernel_ns(path, B->name, buf, B->reps, &r_k, why, sizeof(why));

		double best = gcc < clang ? gcc : clang;
		char ks[16], kr[16];
		snprintf(ks, sizeof(ks), "%.0f", kern);
		snprintf(kr, sizeof(kr), "%.2fx", jit / kern);
		printf("%-8s %10.0f %10.0f %10s %10.0f %10.0f  %8.2fx %9s %12.2f\n", B->name,
		       interp, jit, kern < 0 ? "n/a" : ks, gcc, clang, jit / best,
		       kern < 0 ? "n/a" : kr, insns ? interp / (double)insns : 0.0);
		if (kern < 0)
			printf("         kernel skipped: %s\n", why);
		if (r_gcc != r_clang || r_int != r_gcc || r_jit != r_gcc ||
		    (kern >= 0 && r_k != r_gcc)) {
			printf("         RESULTS DIFFER: gcc %#x clang %#x interp %#x jit %#x "
			       "kernel %#x\n", r_gcc, r_clang, r_int, r_jit, r_k);
			bad = 1;
		}
	}
	printf("(ns per run, best of %d; kernel = BPF_PROG_TEST_RUN duration, which includes "
	       "its per-run XDP setup)\n", ROUNDS);
	return bad;
}
