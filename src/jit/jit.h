/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 JIT: internal interface between the translator (x86.c), the
 * pass driver and run-time glue (jit.c), executable memory (mem.c) and the
 * VM's engine dispatch (vm/run.c).
 */
#ifndef BPFRT_JIT_H
#define BPFRT_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/vm.h"

/*
 * State of one invocation of an image, on the C stack of bpfrt__jit_exec
 * (set up field by field there: keep it in sync when adding one);
 * the generated code keeps its address in r12 for the whole run (r12 is
 * callee-saved, so helpers and C stubs preserve it).  Offsets are used by
 * the generated code: keep x86.c's JS_* in sync (static asserts there).
 */
struct jit_state {
	struct bpfrt_run_ctx *rc;
	uint64_t saved_rsp;	/* rsp after the entry prologue: early exits */
	uint64_t rem;		/* checked: instructions left before the limit */
	uint64_t limit;		/* checked: rc->insn_limit */
	int64_t err;		/* set by C stubs: < 0 error, 1 "r0 = 0, done" */
	uint64_t scratch;	/* callx: the resolved helper */
	uint64_t regs[11];	/* in: registers at entry; out: at exit */
	/* checked: per slot, counted instructions after it in its basic
	 * block (already charged at the block's entry) */
	const uint32_t *left;
	/* unchecked: where an if-converted store goes when its block does
	 * not run (sink_p = &sink) */
	uint64_t *sink_p;
	uint64_t sink;
};

/* Flag on the slot index the checked code passes to bpfrt__jit_access from
 * a block's per-instruction copy, where nothing was charged in advance. */
#define JIT_SLOW_IDX 0x80000000u

/* Return values of an image besides 0 and -errno. */
#define JIT_RET_TAIL 1		/* rc->pending was 1: tail call */

struct bpfrt_jit_image {
	uint8_t *code;		/* RX mapping */
	size_t len;		/* bytes of code */
	size_t map_len;		/* bytes mapped */
	uint32_t *off;		/* native offset of each slot; off[cnt] = end */
	size_t cnt;
	uint32_t body;		/* offset of slot 0's code (after the stubs) */
	uint32_t *left;		/* checked: see struct jit_state */
	bool checked;
	bool blinded;
};

/* Compile prog; checked selects the checked translation (bounds checks
 * through the VM's checker, instruction budget), blind XORs every
 * immediate with a random key.  0 or -errno with a message in err. */
int bpfrt__jit_compile(const struct bpfrt_prog *prog, bool checked, bool blind,
		       struct bpfrt_jit_image **out, char *err, size_t err_size);
void bpfrt__jit_free(struct bpfrt_jit_image *img);

/* Run rc (prepared by bpfrt__vm_prepare) on img.  Same contract as the
 * interpreter entry points (rc->exec). */
int bpfrt__jit_exec_image(struct bpfrt_run_ctx *rc, const struct bpfrt_jit_image *img);

/* The engine (rc->exec): the cached image of rc->prog, compiled on first
 * use. */
int bpfrt__jit_exec(struct bpfrt_run_ctx *rc);

/* The cached image of prog for a checked or unchecked run, compiled once
 * (thread-safe); NULL with a message when compiling fails. */
const struct bpfrt_jit_image *bpfrt__jit_get(const struct bpfrt_prog *prog, bool checked,
					     char *err, size_t err_size);

/* Free prog's cached images (prog_destroy). */
void bpfrt__jit_prog_free(struct bpfrt_prog *prog);

/* Is the JIT usable on this machine (x86-64 and executable memory)? */
bool bpfrt__jit_available(void);

/* x86.c: translate one slot / the stubs into j (used by jit.c's passes). */
struct jit;
void bpfrt__jit_emit_stubs(struct jit *j);
void bpfrt__jit_emit_insn(struct jit *j, size_t idx);
/* The per-instruction copy of the block [b, end) (checked images). */
void bpfrt__jit_emit_slow(struct jit *j, size_t b, size_t end);
/* If-conversion of unchecked images (x86.c, "if-conversion"): off; blocks
 * of register moves and stores (the default: a select or a swap); or also
 * blocks with arithmetic, which lengthens dependency chains the branch
 * predictor would have cut (collatz's 3n + 1 runs 1.2x slower converted).
 * BPFRT_JIT_IFC=0/1/2 in the environment; tests set it. */
enum { JIT_IFC_OFF, JIT_IFC_MOVES, JIT_IFC_ALL };
int bpfrt__jit_set_ifc(int mode);	/* returns the previous mode */
/* The end of the if-converted region starting at the conditional jump in
 * slot i, or 0.  target marks slots other code jumps or calls into. */
size_t bpfrt__jit_ifc_plan(const struct jit *j, size_t i, const uint8_t *target);

/* mem.c: W^X executable memory. */
void *bpfrt__jit_mem_alloc(const uint8_t *code, size_t len, size_t *map_len);
void bpfrt__jit_mem_free(void *p, size_t map_len);

/* Stubs the generated code calls (C ABI). */
uint64_t bpfrt__jit_access(struct jit_state *st, uint64_t addr, uint64_t val, uint64_t idx,
			   uint64_t r10);
uint64_t bpfrt__jit_ld_pkt(struct jit_state *st, uint64_t off, uint64_t size, uint64_t idx,
			   uint64_t r10);
uint64_t bpfrt__jit_callx(struct jit_state *st, uint64_t id, uint64_t unused, uint64_t idx,
			  uint64_t r10);
/* bpf_tail_call in an unchecked image: the helper's decisions, then the
 * target's unchecked image (compiled on first use).  Returns the address
 * of the target's first slot, or 0 to fall through with r0 = st->scratch
 * (rc->pending < 0: the run stops). */
uint64_t bpfrt__jit_tail_call(struct jit_state *st, uint64_t ctx, uint64_t map, uint64_t index,
			      uint64_t idx, uint64_t r10);
int bpfrt__jit_fail(struct jit_state *st, int kind, uint64_t idx);

enum { JIT_FAIL_LIMIT = 1, JIT_FAIL_DEPTH = 2 };

#endif /* BPFRT_JIT_H */

/* ---- translator state (jit.c drives the passes, x86.c emits) ---------- */

#include "emit.h"

struct jit {
	struct emit e;
	const struct bpfrt_prog *prog;
	const struct vm_insn *code;
	size_t cnt;
	const uint32_t *off;	/* slot offsets of the previous pass */
	uint32_t *cur;		/* slot offsets of this pass */
	bool first;		/* pass 0: every jump long */
	bool checked, blind;
	uint32_t key;		/* blinding key */
	/* Checked images charge the instruction budget per basic block:
	 * leader[i] marks block starts, blen[i] the counted instructions of
	 * the block starting at i.  When the budget cannot cover a block, its
	 * slow copy (per-instruction counting, placed after the main code)
	 * runs instead; slow[]/slow_cur[] are their offsets (previous pass /
	 * this pass). */
	const uint8_t *leader;
	const uint32_t *blen;
	const uint32_t *slow;
	uint32_t *slow_cur;
	bool in_slow;		/* emitting a slow copy */
	/* Unchecked, unblinded images: slots reached other than by falling
	 * through (jump and call targets, function starts), for translations
	 * that span slots; NULL: one slot at a time. */
	const uint8_t *target;
	/* If-converted regions: ifc[i] = end of the region at slot i (0:
	 * none); slots before skip_to were translated with an earlier one. */
	const uint32_t *ifc;
	int ifc_mode;
	size_t skip_to;
	/* The slot whose and/or/xor is the last flag-setting instruction
	 * emitted (SIZE_MAX: none), and that of the slot before this one. */
	size_t flags_slot, prev_flags;
	/* Stub labels (fixed offsets at the start of the image). */
	uint32_t l_done, l_out, l_done0, l_err, l_pend, l_fail;
};
