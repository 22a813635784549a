/* SPDX-License-Identifier: MIT */
/*
 * Internal shape of a loaded program and of one run: the pre-decoded
 * instruction form the interpreter executes, and the per-run state helpers
 * see through struct bpfrt_run_ctx.
 */
#ifndef BPFRT_VM_H
#define BPFRT_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"
#include "isa/isa.h"

/*
 * One pre-decoded slot, 16 bytes so that slot i of the original program is
 * code[i] and pc arithmetic stays trivial.  Everything the handlers would
 * otherwise recompute per execution is done once at load time:
 *  - op:  enum bpfrt_op (BPFRT_OP__COUNT marks the second slot of lddw,
 *         which is never a valid target);
 *  - off: memory offset for loads/stores/atomics; for jumps and local calls
 *         the displacement relative to this slot (target = this + off), so
 *         ja32's 32-bit displacement fits too;
 *  - imm: the immediate sign-extended to 64 bits; the full 64-bit value for
 *         lddw; for helper calls the index into prog->helpers.
 */
struct vm_insn {
	uint8_t op;
	uint8_t dst;
	uint8_t src;
	uint8_t pad;
	int32_t off;
	uint64_t imm;
};

struct bpfrt_map;
struct bpfrt_hook;
struct bpfrt_ctx_desc;
struct bpfrt_jit_image;
/* struct bpfrt_prog has jit[] (src/jit/jit.c uses it). */
#define VM_PROG_JIT 1

/* Memory a checked run may touch besides the stack, the packet and the
 * context: map values, ring buffer records, helper buffers. */
enum vm_region_kind {
	VM_REG_MAPVAL = 1,	/* a map value (lookup result, global data) */
	VM_REG_RINGBUF,		/* a ring buffer record reserved in this run */
	VM_REG_MAP,		/* an inner map handed out by a map-in-map lookup:
				 * no memory, a handle helpers accept */
	VM_REG_KEY,		/* a key given to a for_each callback */
};

struct vm_region {
	uintptr_t lo, hi;
	uint8_t kind;
	bool writable;
};

struct bpfrt_prog {
	char *name;
	struct bpfrt_insn *insns;	/* copy of the original slots */
	size_t cnt;
	struct vm_insn *code;		/* cnt pre-decoded slots */
	struct bpfrt_helper_def *helpers;	/* copy, in the caller's order */
	size_t helper_cnt;
	/* id -> index into helpers (or -1) for callx, whose id is only known
	 * at run time.  Dense when the ids are small, else NULL and callx
	 * searches helpers linearly (rare: ids are small in practice). */
	int32_t *helper_by_id;
	uint32_t helper_by_id_len;

	enum bpfrt_prog_type type;
	/* Maps the program refers to (opts.maps).  It holds a reference on
	 * each, except on prog arrays: those hold references on programs, and
	 * a program keeping its own prog array alive would be a cycle nothing
	 * breaks (the kernel breaks it by emptying prog arrays when user space
	 * lets go of them; here the object that owns both frees the map). */
	struct bpfrt_map **maps;
	bool *map_held;			/* per map: a reference is held */
	size_t map_cnt;
	/* Value memory of the referenced maps that have it (arrays, global
	 * data): always accessible to the program. */
	struct vm_region *static_regions;
	size_t static_cnt;
	/* Function starts (bitmap over slots): callbacks must enter there. */
	uint8_t *func_start;
	/* Typed context emulation (NULL: raw context memory). */
	const struct bpfrt_ctx_desc *ctx_desc;
	uint32_t id;			/* registry id (BPFRT_OBJ_PROG) */
	_Atomic long refcnt;
	/* JIT images (src/jit), unchecked [0] and checked [1], compiled on
	 * first use and freed with the program. */
	_Atomic(struct bpfrt_jit_image *) jit[2];
	/* The verifier proved it safe (bpfrt_prog_load_opts.verify), with
	 * its per-slot facts (context accesses) for the static rewrite that
	 * must happen before a verified program may run unchecked. */
	bool verified;
	struct bpfrt_vaux *vaux;
	/* Unchecked runs execute ucode when it exists: code with the context
	 * accesses rewritten from UAPI offsets to the hook's native layout
	 * (src/ctx/rewrite.c).  ctx_native: context accesses need no
	 * emulation in unchecked runs (no typed context, or all rewritten). */
	struct vm_insn *ucode;
	bool ctx_native;
};

/* The code a run executes: checked runs emulate the UAPI context on the
 * original code, unchecked runs use the rewritten copy. */
static inline const struct vm_insn *bpfrt__vm_code(const struct bpfrt_prog *p, bool checked)
{
	return !checked && p->ucode ? p->ucode : p->code;
}

/* May prog run without runtime checks by default (BPFRT_CHECK_AUTO)? Only
 * what the verifier proved safe, and whose context needs no emulation. */
static inline bool bpfrt__prog_unchecked_ok(const struct bpfrt_prog *p)
{
	return p->verified && p->ctx_native;
}

/* Per-run state; helpers get a pointer to it. */
struct bpfrt_run_ctx {
	const struct bpfrt_prog *prog;	/* running program (tail calls change it) */
	void *user;
	bool checked;
	uintptr_t ctx_lo, ctx_hi;	/* [ctx, ctx + ctx_size) */
	uintptr_t stack_lo;		/* live frames: [stack_lo, stack_hi) */
	uintptr_t stack_hi;		/* top of frame 0 (its r10) */
	const uint8_t *pkt;		/* LD_ABS/LD_IND packet */
	uint64_t pkt_size;
	/* Direct packet access: [pkt_lo, pkt_hi) = [data_meta, data_end),
	 * moved by the helpers that resize the packet. */
	uintptr_t pkt_lo, pkt_hi;
	/* Typed context: [ctx_lo, ctx_hi) is a shadow of the UAPI struct and
	 * every access to it goes through this description. */
	const struct bpfrt_ctx_desc *ctx_desc;
	struct bpfrt_hook *hook;	/* the program type's state (test-run) */
	enum bpfrt_prog_type prog_type;
	unsigned cpu;			/* logical CPU of this run */
	uint64_t insn_limit;		/* UINT64_MAX when unlimited */

	/* Where the interpreter starts: entry_pc (NULL: the program's first
	 * slot) with r1-r5 = args, r10 = entry_r10, at call depth
	 * entry_depth.  Callbacks re-enter the interpreter this way. */
	const struct vm_insn *entry_pc;
	unsigned entry_depth;
	uint64_t entry_r10;
	uint64_t args[5];
	int (*exec)(struct bpfrt_run_ctx *rc);	/* the engine of this run */
	unsigned depth;			/* frame depth of the current helper call */
	size_t call_idx;		/* slot of the current helper call */
	unsigned nested;		/* callbacks in progress */

	/* Set by helpers: 1 = tail call to tail_prog; < 0 = stop the run
	 * with that error (message already in err_buf). */
	int pending;
	const struct bpfrt_prog *tail_prog;
	uint64_t tail_ctx;
	uint32_t tail_cnt;

	/* Regions handed out during this run (checked runs). */
	struct vm_region *regions;
	size_t region_cnt, region_cap;
	struct vm_region region_inline[16];

	/* out */
	uint64_t retval;
	uint64_t insn_cnt;
	char *err_buf;
	size_t err_size;
};

/* The four instantiations of interp_body.h.  Each returns 0 (retval and
 * insn_cnt set) or a negative errno with the message in rc->err_buf. */
int bpfrt_vm_exec_goto_checked(struct bpfrt_run_ctx *rc);
int bpfrt_vm_exec_goto_unchecked(struct bpfrt_run_ctx *rc);
int bpfrt_vm_exec_switch_checked(struct bpfrt_run_ctx *rc);
int bpfrt_vm_exec_switch_unchecked(struct bpfrt_run_ctx *rc);

/* Index into prog->helpers of helper id, or -1. */
int32_t bpfrt_vm_helper_index(const struct bpfrt_prog *prog, uint64_t id);

/* Is [addr, addr + size) in the live stack, the packet or raw ctx memory?
 * (The fast path; everything else goes to bpfrt__vm_slow_access.) */
static inline bool bpfrt_vm_mem_ok(const struct bpfrt_run_ctx *rc, uint64_t addr,
				   uint64_t size, uint64_t stack_lo)
{
	if (addr >= stack_lo && addr <= rc->stack_hi && size <= rc->stack_hi - addr)
		return true;
	if (addr >= rc->pkt_lo && addr <= rc->pkt_hi && size <= rc->pkt_hi - addr)
		return true;
	return !rc->ctx_desc && addr >= rc->ctx_lo && addr <= rc->ctx_hi &&
	       size <= rc->ctx_hi - addr;
}

enum vm_access { VM_ACC_READ = 0, VM_ACC_WRITE = 1, VM_ACC_ATOMIC = 2 };

/* The slow path of a checked access that bpfrt_vm_mem_ok refused: a typed
 * context access is converted (returns 1, *val the loaded value for reads;
 * for writes *val is the value to store), an access inside a region the
 * program holds returns 0 (do it on memory), anything else -EFAULT with the
 * message naming slot idx. */
int bpfrt__vm_slow_access(struct bpfrt_run_ctx *rc, size_t idx, int op, uint64_t addr,
			  unsigned size, int acc, uint64_t *val, uint64_t stack_lo);

/* Regions handed out during a run. */
int bpfrt__vm_region_add(struct bpfrt_run_ctx *rc, const void *p, uint64_t size,
			 enum vm_region_kind kind, bool writable);
/* Remove the region that starts at p with that kind; false when none. */
bool bpfrt__vm_region_del(struct bpfrt_run_ctx *rc, const void *p, enum vm_region_kind kind);
void bpfrt__vm_regions_reset(struct bpfrt_run_ctx *rc);
void bpfrt__vm_regions_free(struct bpfrt_run_ctx *rc);
/* Is [ptr, ptr + len) inside a map value or region the run holds? */
bool bpfrt__vm_region_ok(const struct bpfrt_run_ctx *rc, uint64_t ptr, uint64_t len, bool write);
/* Is this a map the running program may pass to helpers? */
bool bpfrt__vm_map_ok(struct bpfrt_run_ctx *rc, const struct bpfrt_map *m);

/* Call the subprogram `fn` (a value loaded by lddw PSEUDO_FUNC) on a new
 * frame below the helper's caller with r1-r5 = args: bpf_loop and
 * bpf_for_each_map_elem callbacks.  0 with *ret = its r0, or a negative
 * errno; then rc->pending is set so the whole run stops with it. */
int bpfrt__vm_callback(struct bpfrt_run_ctx *rc, uint64_t fn, const uint64_t args[5],
		       uint64_t *ret);

/* A helper found a fault (bad pointer argument in a checked run): write
 * "insn N: helper: msg" to the run's error buffer and stop the run with
 * -EFAULT once the helper returns. */
void bpfrt__vm_helper_fault(struct bpfrt_run_ctx *rc, const char *helper, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set up rc for a run of prog (engine and check mode resolved from the
 * opts' values), stack memory given by the caller: used by
 * bpfrt_prog__run and test-run.  Returns 0 or -errno (message written). */
int bpfrt__vm_prepare(const struct bpfrt_prog *prog, struct bpfrt_run_ctx *rc,
		      enum bpfrt_engine engine, enum bpfrt_check_mode check,
		      uint8_t *stack, size_t stack_size);
/* One run from the program's entry: resets per-run state, then executes. */
int bpfrt__vm_run_once(const struct bpfrt_prog *prog, struct bpfrt_run_ctx *rc,
		       uint8_t *stack, size_t stack_size);

#define VM_STACK_BYTES (BPFRT_MAX_CALL_FRAMES * BPFRT_STACK_SIZE)

/* Program references (the registry's ops for BPFRT_OBJ_PROG). */
struct bpfrt_prog *bpfrt__prog_get(struct bpfrt_prog *prog);
void bpfrt__prog_put(struct bpfrt_prog *prog);
/* The program's process-unique id: what prog arrays store (user space
 * writes it with bpfrt_map__update_elem on a prog array). */
uint32_t bpfrt__prog_id(const struct bpfrt_prog *prog);
/* The maximum number of tail calls in one run (the kernel's
 * MAX_TAIL_CALL_CNT). */
#define VM_MAX_TAIL_CALLS 33

#endif /* BPFRT_VM_H */
