/* SPDX-License-Identifier: MIT */
/*
 * The interpreter: interp_body.h instantiated four times (goto/switch
 * dispatch x checked/unchecked), plus the cold paths that format run errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/common.h"
#include "ctx/ctx.h"
#include "vm.h"
#include "vm_ops.h"

/* A caller's state saved across a local call: where to return and its
 * callee-saved registers r6-r9.  r10 is recomputed (frames are 512 bytes
 * apart). */
struct vm_frame {
	const struct vm_insn *ret;
	uint64_t saved[4];
};

/* "ldxw", "lock add" ...: the row's mnemonic, with the assembler's lock
 * prefix for atomics so messages read like the source. */
static void op_name(int op, char *buf, size_t size)
{
	if (op < 0 || op >= BPFRT_OP__COUNT) {
		bpfrt_errf(buf, size, "?");
		return;
	}
	const struct isa_row *r = &bpfrt_isa_rows[op];
	bpfrt_errf(buf, size, "%s%s", r->fmt == ISA_F_ATOMIC ? "lock " : "", r->mnem);
}

__attribute__((cold, noinline))
static int vm_fault(struct bpfrt_run_ctx *rc, size_t idx, int op, uint64_t addr,
		    uint64_t size, int write, uint64_t stack_lo)
{
	char name[32], pkt[96] = "";
	op_name(op, name, sizeof(name));
	if (rc->pkt_hi)
		bpfrt_errf(pkt, sizeof(pkt), ", packet [0x%" PRIxPTR ",0x%" PRIxPTR ")",
			   rc->pkt_lo, rc->pkt_hi);
	bpfrt_errf(rc->err_buf, rc->err_size,
		   "insn %zu (%s): %s of %" PRIu64 " bytes at 0x%" PRIx64
		   " outside ctx [0x%" PRIxPTR "+%" PRIuPTR "] and stack [0x%" PRIx64
		   ",0x%" PRIxPTR ")%s and any map value or buffer the program holds",
		   idx, name, write ? "write" : "read", size, addr, rc->ctx_lo,
		   rc->ctx_hi - rc->ctx_lo, stack_lo, rc->stack_hi, pkt);
	return -EFAULT;
}

/* The kernel verifier's words for a context access it refuses. */
__attribute__((cold, noinline))
static int vm_ctx_fault(struct bpfrt_run_ctx *rc, size_t idx, int op, uint32_t off,
			unsigned size, int acc)
{
	char name[32];
	op_name(op, name, sizeof(name));
	if (acc == VM_ACC_ATOMIC)
		bpfrt_errf(rc->err_buf, rc->err_size,
			   "insn %zu (%s): BPF_ATOMIC stores into R%d ctx is not allowed", idx,
			   name, rc->prog->code[idx].dst);
	else
		bpfrt_errf(rc->err_buf, rc->err_size,
			   "insn %zu (%s): invalid bpf_context access off=%u size=%u%s", idx, name,
			   off, size, acc == VM_ACC_WRITE ? " (write)" : "");
	return -EFAULT;
}

int bpfrt__vm_slow_access(struct bpfrt_run_ctx *rc, size_t idx, int op, uint64_t addr,
			  unsigned size, int acc, uint64_t *val, uint64_t stack_lo)
{
	/* Anything overlapping the typed context is a context access. */
	if (rc->ctx_desc && addr < rc->ctx_hi && addr + size > rc->ctx_lo) {
		if (addr < rc->ctx_lo || acc == VM_ACC_ATOMIC)
			return vm_ctx_fault(rc, idx, op, (uint32_t)(addr - rc->ctx_lo), size, acc);
		uint32_t off = (uint32_t)(addr - rc->ctx_lo);
		const struct bpfrt_ctx_field *f =
			bpfrt__ctx_access(rc->ctx_desc, off, size, acc == VM_ACC_WRITE);
		if (!f)
			return vm_ctx_fault(rc, idx, op, off, size, acc);
		if (acc == VM_ACC_WRITE)
			bpfrt__ctx_store(rc, f, off, size, *val);
		else
			*val = bpfrt__ctx_load(rc, f, off, size);
		return 1;
	}
	if (bpfrt__vm_region_ok(rc, addr, size, acc != VM_ACC_READ))
		return 0;
	return vm_fault(rc, idx, op, addr, size, acc != VM_ACC_READ, stack_lo);
}

__attribute__((cold, noinline))
static int vm_misaligned(struct bpfrt_run_ctx *rc, size_t idx, int op, uint64_t addr,
			 unsigned size)
{
	char name[32];
	op_name(op, name, sizeof(name));
	bpfrt_errf(rc->err_buf, rc->err_size,
		   "insn %zu (%s): misaligned %u-byte atomic access at 0x%" PRIx64,
		   idx, name, size, addr);
	return -EFAULT;
}

__attribute__((cold, noinline))
static int vm_limit_hit(struct bpfrt_run_ctx *rc, size_t idx, uint64_t limit)
{
	bpfrt_errf(rc->err_buf, rc->err_size,
		   "instruction limit of %" PRIu64 " reached at insn %zu", limit, idx);
	return -E2BIG;
}

__attribute__((cold, noinline))
static int vm_too_deep(struct bpfrt_run_ctx *rc, size_t idx)
{
	bpfrt_errf(rc->err_buf, rc->err_size, "insn %zu: call depth exceeds %d frames",
		   idx, BPFRT_MAX_CALL_FRAMES);
	return -E2BIG;
}

__attribute__((cold, noinline))
static int vm_bad_callx(struct bpfrt_run_ctx *rc, size_t idx, uint64_t id)
{
	bpfrt_errf(rc->err_buf, rc->err_size, "insn %zu: callx to unknown helper id %" PRIu64,
		   idx, id);
	return -EINVAL;
}

__attribute__((cold, noinline))
static int vm_bad_op(struct bpfrt_run_ctx *rc, size_t idx, int op)
{
	bpfrt_errf(rc->err_buf, rc->err_size, "insn %zu: cannot execute op %d", idx, op);
	return -EINVAL;
}

#define VM_NAME bpfrt_vm_exec_goto_checked
#define VM_GOTO 1
#define VM_CHECKED 1
#include "interp_body.h"
#undef VM_NAME
#undef VM_GOTO
#undef VM_CHECKED

#define VM_NAME bpfrt_vm_exec_goto_unchecked
#define VM_GOTO 1
#define VM_CHECKED 0
#include "interp_body.h"
#undef VM_NAME
#undef VM_GOTO
#undef VM_CHECKED

#define VM_NAME bpfrt_vm_exec_switch_checked
#define VM_GOTO 0
#define VM_CHECKED 1
#include "interp_body.h"
#undef VM_NAME
#undef VM_GOTO
#undef VM_CHECKED

#define VM_NAME bpfrt_vm_exec_switch_unchecked
#define VM_GOTO 0
#define VM_CHECKED 0
#include "interp_body.h"
#undef VM_NAME
#undef VM_GOTO
#undef VM_CHECKED
