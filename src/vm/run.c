/* SPDX-License-Identifier: MIT */
/* bpfrt_prog__run: option handling, per-run stack, engine choice, timing. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/common.h"
#include "vm.h"

typedef int (*vm_exec_fn)(struct bpfrt_run_ctx *rc);

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bpfrt_prog__run(const struct bpfrt_prog *prog, struct bpfrt_run_opts *opts)
{
	char *err_buf = OPTS_GET(opts, err_buf, NULL);
	size_t err_size = OPTS_GET(opts, err_size, 0);

	if (!prog || !opts || opts->sz < sizeof(size_t)) {
		bpfrt_errf(err_buf, err_size, "bad arguments");
		return -EINVAL;
	}

	enum bpfrt_engine engine = OPTS_GET(opts, engine, BPFRT_ENGINE_DEFAULT);
	enum bpfrt_check_mode check = OPTS_GET(opts, check, BPFRT_CHECK_AUTO);
	bool checked;
	vm_exec_fn exec;

	switch (check) {
	case BPFRT_CHECK_AUTO:	/* no verifier yet: nothing is proven safe */
	case BPFRT_CHECK_ALWAYS:
		checked = true;
		break;
	case BPFRT_CHECK_NEVER:
		checked = false;
		break;
	default:
		bpfrt_errf(err_buf, err_size, "unknown check mode %d", (int)check);
		return -EINVAL;
	}
	switch (engine) {
	case BPFRT_ENGINE_DEFAULT:	/* until a JIT lands */
	case BPFRT_ENGINE_INTERP:
		exec = checked ? bpfrt_vm_exec_goto_checked : bpfrt_vm_exec_goto_unchecked;
		break;
	case BPFRT_ENGINE_INTERP_SWITCH:
		exec = checked ? bpfrt_vm_exec_switch_checked : bpfrt_vm_exec_switch_unchecked;
		break;
	case BPFRT_ENGINE_JIT:
		bpfrt_errf(err_buf, err_size, "JIT not available in this build");
		return -ENOTSUP;
	default:
		bpfrt_errf(err_buf, err_size, "unknown engine %d", (int)engine);
		return -EINVAL;
	}

	/* All frames' stacks, on this thread's stack: nothing is shared
	 * between concurrent runs. */
	_Alignas(16) uint8_t stack[BPFRT_MAX_CALL_FRAMES * BPFRT_STACK_SIZE];
	void *ctx = OPTS_GET(opts, ctx, NULL);
	size_t ctx_size = OPTS_GET(opts, ctx_size, 0);
	const void *pkt = OPTS_GET(opts, pkt, NULL);
	uint64_t insn_limit = OPTS_GET(opts, insn_limit, 0);
	uint32_t repeat = OPTS_GET(opts, repeat, 0);

	if (!ctx)
		ctx_size = 0;
	struct bpfrt_run_ctx rc = {
		.prog = prog,
		.user = OPTS_GET(opts, user, NULL),
		.checked = checked,
		.ctx_lo = (uintptr_t)ctx,
		.ctx_hi = (uintptr_t)ctx + ctx_size,
		.stack_hi = (uintptr_t)(stack + sizeof(stack)),
		.stack_lo = (uintptr_t)(stack + sizeof(stack) - BPFRT_STACK_SIZE),
		.pkt = pkt ? pkt : ctx,
		.pkt_size = pkt ? OPTS_GET(opts, pkt_size, 0) : ctx_size,
		.insn_limit = checked && insn_limit ? insn_limit : UINT64_MAX,
		.arg1 = (uintptr_t)ctx,
		.arg2 = ctx_size,
		.err_buf = err_buf,
		.err_size = err_size,
	};
	if (!rc.pkt)
		rc.pkt_size = 0;
	if (repeat == 0)
		repeat = 1;

	int err = 0;
	uint64_t t0 = now_ns();
	for (uint32_t i = 0; i < repeat && !err; i++) {
		/* Checked runs are deterministic even when a program reads stack
		 * it never wrote. */
		if (checked)
			memset(stack, 0, sizeof(stack));
		err = exec(&rc);
	}
	uint64_t t1 = now_ns();

	OPTS_SET(opts, insn_cnt, rc.insn_cnt);
	if (err)
		return err;
	OPTS_SET(opts, retval, rc.retval);
	OPTS_SET(opts, duration_ns, (t1 - t0) / repeat);
	return 0;
}

int bpfrt_run_ctx__check_mem(struct bpfrt_run_ctx *ctx, uint64_t ptr, uint64_t len,
			     bool write)
{
	(void)write;	/* every region a program may access is writable */
	if (!ctx || !ctx->checked || len == 0)
		return 0;
	return bpfrt_vm_mem_ok(ctx, ptr, len, ctx->stack_lo) ? 0 : -EFAULT;
}

void *bpfrt_run_ctx__user(struct bpfrt_run_ctx *ctx)
{
	return ctx ? ctx->user : NULL;
}
