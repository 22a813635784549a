/* SPDX-License-Identifier: MIT */
/*
 * Differential test against the Linux kernel: random programs from randprog
 * run in bpfrt (both interpreter engines, checked) and in the kernel (loaded
 * through the raw bpf(2) syscall as socket filters, run with
 * BPF_PROG_TEST_RUN), and must give the same r0.
 *
 * BPF_PROG_TEST_RUN only returns 32 bits of r0, so each program is loaded
 * into the kernel twice: as generated, and with "r0 >>= 32" before exit.
 * A second pair of loads ends with a fold of every register and the stack
 * into r0, so that values which never reach r0 in the body are compared as
 * well.
 *
 * Part 1 is straight-line code; part 2 adds forward jumps (conditional jumps
 * of both widths, if/else diamonds with ja/gotol).
 *
 * Environment: BPFRT_DIFF_COUNT programs per part (default 300),
 * BPFRT_DIFF_SEED the first seed (program i of each part uses seed + i;
 * BPFRT_DIFF_SEED=<seed> BPFRT_DIFF_COUNT=1 reruns one program).
 *
 * Without bpf() (not root, seccomp, no CONFIG_BPF_SYSCALL) the kernel half
 * is skipped and only the two engines are compared with each other.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "lib/randprog.h"
#include "lib/t.h"

#define DEFAULT_SEED	0x6b65726e656cull	/* "kernel" */
#define DEFAULT_COUNT	300
#define BODY_LEN	64
#define PKT_SIZE	64
#define MAX_REPORTS	5	/* mismatches printed in full */
#define MAX_REJECT_LOGS	3	/* kernel verifier logs printed */

_Static_assert(sizeof(struct bpfrt_insn) == sizeof(struct bpf_insn),
	       "bpfrt_insn must be laid out as the kernel's bpf_insn");

static unsigned reports, rejects, kernel_runs, programs, nontrivial;
static uint8_t pkt[PKT_SIZE];

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Load as a socket filter; returns the fd or -errno.  The verifier log only
 * when asked: writing it slows every load down. */
static int kernel_load(const struct bpfrt_insn *insns, size_t cnt, char *log,
		       size_t log_size)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uint64_t)(uintptr_t)"GPL";
	if (log && log_size) {
		log[0] = '\0';
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)log_size;
		a.log_level = 1;
	}
	long fd = sys_bpf(BPF_PROG_LOAD, &a);
	return fd < 0 ? -errno : (int)fd;
}

static int kernel_run(int fd, uint32_t *retval)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.repeat = 1;
	if (sys_bpf(BPF_PROG_TEST_RUN, &a) < 0)
		return -errno;
	*retval = a.test.retval;
	return 0;
}

/* Can this process load and test-run a trivial program?  0 or -errno. */
static int kernel_probe(void)
{
	struct bpfrt_insn p[] = { BPFRT_MOV64_IMM(BPFRT_REG_0, 7), BPFRT_EXIT_INSN() };
	int fd = kernel_load(p, 2, NULL, 0);
	if (fd < 0)
		return fd;
	uint32_t r = 0;
	int err = kernel_run(fd, &r);
	close(fd);
	if (!err && r != 7)
		err = -EIO;
	return err;
}

static void print_prog(const struct bpfrt_insn *insns, size_t cnt)
{
	char *text = bpfrt_disasm(insns, cnt, BPFRT_DISASM_KERNEL);
	if (text) {
		fputs(text, stderr);
		free(text);
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		uint64_t raw;
		memcpy(&raw, &insns[i], sizeof(raw));
		fprintf(stderr, "%4zu: .raw 0x%016" PRIx64 "\n", i, raw);
	}
}

/* Kernel r0 of one program, assembled from the low and the high-half
 * variant.  Returns 0, 1 when the kernel refused a variant (counted and
 * reported), or -errno when running failed. */
static int kernel_r0(uint64_t seed, const struct randprog_cfg *cfg, unsigned epi,
		     uint64_t *r0)
{
	struct bpfrt_insn insns[RANDPROG_MAX_SLOTS(BODY_LEN)];
	uint32_t half[2];

	for (int hi = 0; hi < 2; hi++) {
		size_t cnt = randprog_gen(seed, cfg, epi | (hi ? RANDPROG_EPI_HI32 : 0),
					  insns, sizeof(insns) / sizeof(insns[0]));
		int fd = kernel_load(insns, cnt, NULL, 0);
		if (fd < 0) {
			rejects++;
			t_fail(__FILE__, __LINE__,
			       "seed 0x%" PRIx64 " epi %u: kernel refused the program: %s",
			       seed, epi | (hi ? RANDPROG_EPI_HI32 : 0u), strerror(-fd));
			if (rejects <= MAX_REJECT_LOGS) {
				static char log[1 << 20];
				int fd2 = kernel_load(insns, cnt, log, sizeof(log));
				if (fd2 >= 0)
					close(fd2);
				print_prog(insns, cnt);
				size_t len = strlen(log);
				/* The verdict is at the end of the log. */
				fprintf(stderr, "kernel log (tail):\n%s\n",
					len > 4000 ? log + len - 4000 : log);
			}
			return 1;
		}
		int err = kernel_run(fd, &half[hi]);
		close(fd);
		if (err) {
			t_fail(__FILE__, __LINE__, "seed 0x%" PRIx64 ": BPF_PROG_TEST_RUN: %s",
			       seed, strerror(-err));
			return err;
		}
		kernel_runs++;
	}
	*r0 = (uint64_t)half[1] << 32 | half[0];
	return 0;
}

/* Run one program in both bpfrt interpreter engines.  Returns 0 with *r0 set
 * when both ran and agree; otherwise reports and returns -1. */
static int bpfrt_r0(uint64_t seed, const struct randprog_cfg *cfg, unsigned epi,
		    uint64_t *r0)
{
	struct bpfrt_insn insns[RANDPROG_MAX_SLOTS(BODY_LEN)];
	size_t cnt = randprog_gen(seed, cfg, epi, insns, sizeof(insns) / sizeof(insns[0]));
	char log[256] = "";
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = "randprog", .log_buf = log,
		   .log_size = sizeof(log));
	struct bpfrt_prog *prog = bpfrt_prog__load_insns(insns, cnt, &lo);
	if (!prog) {
		t_fail(__FILE__, __LINE__, "seed 0x%" PRIx64 " epi %u: bpfrt refused: %s (%s)",
		       seed, epi, log, strerror(errno));
		if (reports++ < MAX_REPORTS)
			print_prog(insns, cnt);
		return -1;
	}

	static const enum bpfrt_engine engines[2] = { BPFRT_ENGINE_INTERP,
						      BPFRT_ENGINE_INTERP_SWITCH };
	uint64_t got[2] = { 0, 0 };
	int ret = 0;
	for (int e = 0; e < 2; e++) {
		uint8_t ctx[PKT_SIZE];
		char err[256] = "";
		memcpy(ctx, pkt, sizeof(ctx));
		BPFRT_OPTS(bpfrt_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx),
			   .engine = engines[e], .check = BPFRT_CHECK_ALWAYS,
			   .insn_limit = 1u << 20, .err_buf = err, .err_size = sizeof(err));
		int rc = bpfrt_prog__run(prog, &ro);
		if (rc) {
			t_fail(__FILE__, __LINE__, "seed 0x%" PRIx64 " epi %u: %s run failed: %d %s",
			       seed, epi, bpfrt_engine_str(engines[e]), rc, err);
			ret = -1;
		}
		got[e] = ro.retval;
	}
	if (!ret && got[0] != got[1]) {
		t_fail(__FILE__, __LINE__,
		       "seed 0x%" PRIx64 " epi %u: engines disagree: interp 0x%" PRIx64
		       ", interp-switch 0x%" PRIx64, seed, epi, got[0], got[1]);
		ret = -1;
	}
	if (ret && reports++ < MAX_REPORTS)
		print_prog(insns, cnt);
	bpfrt_prog__free(prog);
	*r0 = got[0];
	return ret;
}

static void diff_one(uint64_t seed, const struct randprog_cfg *cfg, bool use_kernel)
{
	programs++;
	for (unsigned epi = 0; epi <= RANDPROG_EPI_FOLD; epi += RANDPROG_EPI_FOLD) {
		uint64_t mine, theirs;
		if (bpfrt_r0(seed, cfg, epi, &mine))
			continue;
		if (!use_kernel) {
			t_passed++;
			continue;
		}
		if (kernel_r0(seed, cfg, epi, &theirs))
			continue;
		if (mine == theirs) {
			t_passed++;
			/* Agreeing on 0 or -1 everywhere would prove little. */
			if (mine + 1 > 2 && (uint32_t)mine + 1 > 2)
				nontrivial++;
			continue;
		}
		t_fail(__FILE__, __LINE__,
		       "seed 0x%" PRIx64 " (jump_pct %u, epi %u): bpfrt r0 = 0x%016" PRIx64
		       ", kernel r0 = 0x%016" PRIx64
		       " [rerun: BPFRT_DIFF_SEED=0x%" PRIx64 " BPFRT_DIFF_COUNT=1]",
		       seed, cfg->jump_pct, epi, mine, theirs, seed);
		if (reports++ < MAX_REPORTS) {
			struct bpfrt_insn insns[RANDPROG_MAX_SLOTS(BODY_LEN)];
			size_t cnt = randprog_gen(seed, cfg, epi, insns,
						  sizeof(insns) / sizeof(insns[0]));
			print_prog(insns, cnt);
		}
	}
}

/* The harness itself: a known 64-bit r0 must come back whole from the two
 * 32-bit kernel runs. */
static void check_harness(void)
{
	const uint64_t want = 0x8123456789abcdefull;
	struct bpfrt_insn lo[] = { BPFRT_LD_IMM64(BPFRT_REG_0, want), BPFRT_EXIT_INSN() };
	struct bpfrt_insn hi[] = { BPFRT_LD_IMM64(BPFRT_REG_0, want),
				   BPFRT_ALU64_IMM(BPFRT_RSH, BPFRT_REG_0, 32),
				   BPFRT_EXIT_INSN() };
	uint32_t half[2] = { 0, 0 };
	int fd0 = kernel_load(lo, 3, NULL, 0), fd1 = kernel_load(hi, 4, NULL, 0);
	T_CHECK(fd0 >= 0 && fd1 >= 0, "harness programs refused: %d %d", fd0, fd1);
	if (fd0 >= 0 && fd1 >= 0) {
		T_CHECK(kernel_run(fd0, &half[0]) == 0 && kernel_run(fd1, &half[1]) == 0,
			"harness test runs failed");
		T_EQ_U64((uint64_t)half[1] << 32 | half[0], want, "kernel r0 from two halves");
	}
	if (fd0 >= 0)
		close(fd0);
	if (fd1 >= 0)
		close(fd1);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return dflt;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "%s: not a number: '%s', using %" PRIu64 "\n", name, s, dflt);
		return dflt;
	}
	return v;
}

int main(void)
{
	uint64_t seed = env_u64("BPFRT_DIFF_SEED", DEFAULT_SEED);
	uint64_t count = env_u64("BPFRT_DIFF_COUNT", DEFAULT_COUNT);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 37 + 11);

	int err = kernel_probe();
	bool use_kernel = err == 0;
	if (!use_kernel)
		t_skip("kernel differential test skipped: bpf() unavailable: %s "
		       "(comparing the bpfrt engines with each other only)", strerror(-err));

	if (use_kernel)
		check_harness();

	printf("kernel-diff: seed 0x%" PRIx64 ", %" PRIu64 " programs per part "
	       "(BPFRT_DIFF_SEED / BPFRT_DIFF_COUNT to change)\n", seed, count);

	/* Part 1: straight-line arithmetic and stack traffic. */
	struct randprog_cfg straight = { .body_len = BODY_LEN, .jump_pct = 0, .mem_pct = 20 };
	for (uint64_t i = 0; i < count; i++)
		diff_one(seed + i, &straight, use_kernel);

	/* Part 2: the same mix with forward jumps. */
	/* Linux loses the zero-extension of r0 after a 32-bit cmpxchg when
	 * state pruning hides its 64-bit use (see randprog.h); part 1 still
	 * compares that zero-extension, where nothing is pruned. */
	struct randprog_cfg branchy = { .body_len = BODY_LEN, .jump_pct = 15, .mem_pct = 20,
					.zext_cmpxchg32 = true };
	for (uint64_t i = 0; i < count; i++)
		diff_one(seed + i, &branchy, use_kernel);

	/* A generator that degenerated into programs returning 0 would pass
	 * everything; the fold epilogue alone makes most results non-trivial. */
	if (use_kernel && programs >= 50)
		T_CHECK(nontrivial >= programs / 2, "only %u of %u programs gave non-trivial results",
			nontrivial, programs);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("kernel-diff: %u programs, %u kernel test runs, %u kernel rejections, "
	       "%u agreeing results not 0/1/-1, %.1f s\n", programs, kernel_runs, rejects,
	       nontrivial,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return t_done("kernel-diff");
}
