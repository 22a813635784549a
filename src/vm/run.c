/* SPDX-License-Identifier: MIT */
/*
 * bpfrt_prog__run: option handling, per-run stack, engine choice, timing;
 * and the run-time services helpers use: regions handed out during a run,
 * callbacks into the program, faults found by helpers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common.h"
#include "maps/map_internal.h"
#include "jit/jit.h"
#include "vm.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bpfrt__vm_prepare(const struct bpfrt_prog *prog, struct bpfrt_run_ctx *rc,
		      enum bpfrt_engine engine, enum bpfrt_check_mode check,
		      uint8_t *stack, size_t stack_size)
{
	bool checked;

	switch (check) {
	case BPFRT_CHECK_AUTO:	/* unchecked exactly when proven safe */
		checked = !bpfrt__prog_unchecked_ok(prog);
		break;
	case BPFRT_CHECK_ALWAYS:
		checked = true;
		break;
	case BPFRT_CHECK_NEVER:
		/* The user's trust covers memory and termination, not a typed
		 * context: without the verifier's rewrite that exists only as
		 * the emulation checked runs perform. */
		checked = !prog->ctx_native;
		break;
	default:
		bpfrt_errf(rc->err_buf, rc->err_size, "unknown check mode %d", (int)check);
		return -EINVAL;
	}
	switch (engine) {
	case BPFRT_ENGINE_DEFAULT:
		/* Unchecked: the JIT where it compiles.  Checked runs stay on
		 * the interpreter by default (docs/jit.md, "Engines"); the
		 * checked JIT is BPFRT_ENGINE_JIT. */
		if (!checked && bpfrt__jit_available() && bpfrt__jit_get(prog, false, NULL, 0)) {
			rc->exec = bpfrt__jit_exec;
			break;
		}
		/* fall through */
	case BPFRT_ENGINE_INTERP:
		rc->exec = checked ? bpfrt_vm_exec_goto_checked : bpfrt_vm_exec_goto_unchecked;
		break;
	case BPFRT_ENGINE_INTERP_SWITCH:
		rc->exec = checked ? bpfrt_vm_exec_switch_checked : bpfrt_vm_exec_switch_unchecked;
		break;
	case BPFRT_ENGINE_JIT:	/* compiled here, so failures show up before the run */
		if (!bpfrt__jit_get(prog, checked, rc->err_buf, rc->err_size))
			return -ENOTSUP;
		rc->exec = bpfrt__jit_exec;
		break;
	default:
		bpfrt_errf(rc->err_buf, rc->err_size, "unknown engine %d", (int)engine);
		return -EINVAL;
	}
	rc->prog = prog;
	rc->checked = checked;
	rc->prog_type = prog->type;
	rc->stack_hi = (uintptr_t)(stack + stack_size);
	rc->stack_lo = rc->stack_hi - BPFRT_STACK_SIZE;
	rc->regions = rc->region_inline;
	rc->region_cap = ARRAY_SIZE(rc->region_inline);
	rc->region_cnt = 0;
	if (!rc->insn_limit || !checked)
		rc->insn_limit = UINT64_MAX;
	return 0;
}

int bpfrt__vm_run_once(const struct bpfrt_prog *prog, struct bpfrt_run_ctx *rc,
		       uint8_t *stack, size_t stack_size)
{
	/* Checked runs are deterministic even when a program reads stack it
	 * never wrote. */
	if (rc->checked)
		memset(stack, 0, stack_size);
	rc->prog = prog;
	rc->entry_pc = NULL;
	rc->entry_depth = 0;
	rc->entry_r10 = rc->stack_hi;
	rc->stack_lo = rc->stack_hi - BPFRT_STACK_SIZE;
	rc->pending = 0;
	rc->tail_prog = NULL;
	rc->tail_cnt = 0;
	rc->nested = 0;
	rc->insn_cnt = 0;
	rc->region_cnt = 0;
	return rc->exec(rc);
}

int bpfrt_prog__run(const struct bpfrt_prog *prog, struct bpfrt_run_opts *opts)
{
	char *err_buf = OPTS_GET(opts, err_buf, NULL);
	size_t err_size = OPTS_GET(opts, err_size, 0);

	if (!prog || !opts || opts->sz < sizeof(size_t)) {
		bpfrt_errf(err_buf, err_size, "bad arguments");
		return -EINVAL;
	}

	/* All frames' stacks, on this thread's stack: nothing is shared
	 * between concurrent runs. */
	_Alignas(16) uint8_t stack[VM_STACK_BYTES];
	void *ctx = OPTS_GET(opts, ctx, NULL);
	size_t ctx_size = OPTS_GET(opts, ctx_size, 0);
	const void *pkt = OPTS_GET(opts, pkt, NULL);
	uint32_t repeat = OPTS_GET(opts, repeat, 0);

	if (!ctx)
		ctx_size = 0;
	struct bpfrt_run_ctx rc = {
		.user = OPTS_GET(opts, user, NULL),
		.ctx_lo = (uintptr_t)ctx,
		.ctx_hi = (uintptr_t)ctx + ctx_size,
		.pkt = pkt ? pkt : ctx,
		.pkt_size = pkt ? OPTS_GET(opts, pkt_size, 0) : ctx_size,
		.insn_limit = OPTS_GET(opts, insn_limit, 0),
		.args = { (uintptr_t)ctx, ctx_size },
		.err_buf = err_buf,
		.err_size = err_size,
	};
	if (!rc.pkt)
		rc.pkt_size = 0;
	/* A typed program run on raw memory: there is no hook state to
	 * emulate its context with. */
	if (prog->ctx_desc) {
		bpfrt_errf(err_buf, err_size, "%s programs run through test-run, not on raw "
			   "memory", bpfrt_prog_type_str(prog->type));
		return -EINVAL;
	}
	int err = bpfrt__vm_prepare(prog, &rc, OPTS_GET(opts, engine, BPFRT_ENGINE_DEFAULT),
				    OPTS_GET(opts, check, BPFRT_CHECK_AUTO), stack, sizeof(stack));
	if (err)
		return err;
	if (repeat == 0)
		repeat = 1;

	uint64_t t0 = now_ns();
	for (uint32_t i = 0; i < repeat && !err; i++)
		err = bpfrt__vm_run_once(prog, &rc, stack, sizeof(stack));
	uint64_t t1 = now_ns();
	bpfrt__vm_regions_free(&rc);

	OPTS_SET(opts, insn_cnt, rc.insn_cnt);
	if (err)
		return err;
	OPTS_SET(opts, retval, rc.retval);
	OPTS_SET(opts, duration_ns, (t1 - t0) / repeat);
	return 0;
}

/* ---- regions ------------------------------------------------------------ */

int bpfrt__vm_region_add(struct bpfrt_run_ctx *rc, const void *p, uint64_t size,
			 enum vm_region_kind kind, bool writable)
{
	if (!rc->checked || !p)
		return 0;
	uintptr_t lo = (uintptr_t)p;
	/* Programs look the same element up again and again: keep one entry. */
	for (size_t i = rc->region_cnt; i-- > 0;) {
		struct vm_region *r = &rc->regions[i];
		if (r->lo == lo && r->kind == kind) {
			r->hi = lo + size;
			r->writable = writable;
			return 0;
		}
	}
	if (rc->region_cnt == rc->region_cap) {
		size_t cap = rc->region_cap * 2;
		struct vm_region *n = malloc(cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memcpy(n, rc->regions, rc->region_cnt * sizeof(*n));
		if (rc->regions != rc->region_inline)
			free(rc->regions);
		rc->regions = n;
		rc->region_cap = cap;
	}
	rc->regions[rc->region_cnt++] = (struct vm_region){
		.lo = lo, .hi = lo + size, .kind = (uint8_t)kind, .writable = writable,
	};
	return 0;
}

bool bpfrt__vm_region_del(struct bpfrt_run_ctx *rc, const void *p, enum vm_region_kind kind)
{
	for (size_t i = rc->region_cnt; i-- > 0;) {
		if (rc->regions[i].lo == (uintptr_t)p && rc->regions[i].kind == kind) {
			rc->regions[i] = rc->regions[--rc->region_cnt];
			return true;
		}
	}
	return false;
}

void bpfrt__vm_regions_reset(struct bpfrt_run_ctx *rc)
{
	rc->region_cnt = 0;
}

void bpfrt__vm_regions_free(struct bpfrt_run_ctx *rc)
{
	if (rc->regions && rc->regions != rc->region_inline)
		free(rc->regions);
	rc->regions = rc->region_inline;
	rc->region_cap = ARRAY_SIZE(rc->region_inline);
	rc->region_cnt = 0;
}

bool bpfrt__vm_map_ok(struct bpfrt_run_ctx *rc, const struct bpfrt_map *m)
{
	if (!rc->checked)
		return m != NULL;
	if (!m)
		return false;
	const struct bpfrt_prog *p = rc->prog;
	for (size_t i = 0; i < p->map_cnt; i++)
		if (p->maps[i] == m)
			return true;
	for (size_t i = 0; i < rc->region_cnt; i++)
		if (rc->regions[i].kind == VM_REG_MAP && rc->regions[i].lo == (uintptr_t)m)
			return true;
	return false;
}

/* Memory a helper may read or write for the program: the live stack, the
 * packet, raw ctx memory, the program's map values and what was handed out
 * in this run.  The typed context is not memory helpers may touch. */
static bool region_ok(const struct bpfrt_run_ctx *rc, uint64_t ptr, uint64_t len, bool write)
{
	const struct bpfrt_prog *p = rc->prog;
	for (size_t i = 0; i < p->static_cnt; i++) {
		const struct vm_region *r = &p->static_regions[i];
		if (ptr >= r->lo && ptr <= r->hi && len <= r->hi - ptr)
			return !write || r->writable;
	}
	for (size_t i = 0; i < rc->region_cnt; i++) {
		const struct vm_region *r = &rc->regions[i];
		if (r->kind == VM_REG_MAP)
			continue;
		if (ptr >= r->lo && ptr <= r->hi && len <= r->hi - ptr)
			return !write || r->writable;
	}
	return false;
}

int bpfrt_run_ctx__check_mem(struct bpfrt_run_ctx *ctx, uint64_t ptr, uint64_t len,
			     bool write)
{
	if (!ctx || !ctx->checked || len == 0)
		return 0;
	if (bpfrt_vm_mem_ok(ctx, ptr, len, ctx->stack_lo))
		return 0;
	return region_ok(ctx, ptr, len, write) ? 0 : -EFAULT;
}

bool bpfrt__vm_region_ok(const struct bpfrt_run_ctx *rc, uint64_t ptr, uint64_t len, bool write)
{
	return region_ok(rc, ptr, len, write);
}

void *bpfrt_run_ctx__user(struct bpfrt_run_ctx *ctx)
{
	return ctx ? ctx->user : NULL;
}

/* ---- callbacks and helper faults ---------------------------------------- */

void bpfrt__vm_helper_fault(struct bpfrt_run_ctx *rc, const char *helper, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bpfrt_errf(rc->err_buf, rc->err_size, "insn %zu: %s: %s", rc->call_idx, helper, msg);
	rc->pending = -EFAULT;
}

int bpfrt__vm_callback(struct bpfrt_run_ctx *rc, uint64_t fn, const uint64_t args[5],
		       uint64_t *ret)
{
	const struct bpfrt_prog *p = rc->prog;
	const struct vm_insn *code = bpfrt__vm_code(p, rc->checked);
	uintptr_t lo = (uintptr_t)code, hi = (uintptr_t)(code + p->cnt);
	size_t slot = (size_t)((fn - lo) / sizeof(struct vm_insn));

	if (fn < lo || fn >= hi || (fn - lo) % sizeof(struct vm_insn) ||
	    !(p->func_start[slot / 8] & (1u << (slot % 8)))) {
		bpfrt__vm_helper_fault(rc, "callback", "0x%llx is not a function of the program",
				       (unsigned long long)fn);
		return -EFAULT;
	}
	if (rc->depth + 1 >= BPFRT_MAX_CALL_FRAMES) {
		bpfrt_errf(rc->err_buf, rc->err_size,
			   "insn %zu: callback: call depth exceeds %d frames", rc->call_idx,
			   BPFRT_MAX_CALL_FRAMES);
		rc->pending = -E2BIG;
		return -E2BIG;
	}

	/* The interpreter's entry state is per invocation: save the outer
	 * one, run the callback as a nested invocation one frame deeper. */
	const struct vm_insn *s_pc = rc->entry_pc;
	unsigned s_depth = rc->entry_depth, s_cur = rc->depth;
	uint64_t s_r10 = rc->entry_r10, s_args[5], s_ret = rc->retval;
	uintptr_t s_lo = rc->stack_lo;
	size_t s_idx = rc->call_idx;
	memcpy(s_args, rc->args, sizeof(s_args));

	rc->entry_pc = (const struct vm_insn *)fn;
	rc->entry_depth = s_cur + 1;
	rc->entry_r10 = rc->stack_lo;	/* just below the caller's frame */
	memcpy(rc->args, args, sizeof(s_args));
	rc->nested++;
	int err = rc->exec(rc);
	rc->nested--;
	*ret = rc->retval;

	rc->entry_pc = s_pc;
	rc->entry_depth = s_depth;
	rc->depth = s_cur;
	rc->entry_r10 = s_r10;
	rc->stack_lo = s_lo;
	rc->call_idx = s_idx;
	rc->retval = s_ret;
	memcpy(rc->args, s_args, sizeof(s_args));
	if (err) {
		rc->pending = err;
		return err;
	}
	return 0;
}
