/* SPDX-License-Identifier: MIT */
/* Internal state of the verifier, shared by the files of src/verifier. */
#ifndef BPFRT_VINTERNAL_H
#define BPFRT_VINTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "isa/isa.h"
#include "verifier.h"
#include "helpers/protos.h"

/* ---- tnum.c: tristate numbers (value, mask: bits set in mask unknown) */
struct tnum { uint64_t value, mask; };
#define TNUM(v, m) ((struct tnum){ (v), (m) })
extern const struct tnum tnum_unknown;
struct tnum tnum_const(uint64_t v);
struct tnum tnum_range(uint64_t min, uint64_t max);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
struct tnum tnum_lshift(struct tnum a, unsigned s);
struct tnum tnum_rshift(struct tnum a, unsigned s);
struct tnum tnum_arshift(struct tnum a, unsigned s, unsigned bits);
struct tnum tnum_intersect(struct tnum a, struct tnum b);
struct tnum tnum_cast(struct tnum a, unsigned bytes);
struct tnum tnum_subreg(struct tnum a);
struct tnum tnum_with_subreg(struct tnum reg, struct tnum sub);
bool tnum_is_const(struct tnum a);
bool tnum_in(struct tnum outer, struct tnum inner);
int tnum_sbin(char *buf, size_t n, struct tnum a);

/* ---- register state ---- */
enum vreg_type {
	NOT_INIT = 0,
	SCALAR_VALUE,
	PTR_TO_CTX,
	CONST_PTR_TO_MAP,
	PTR_TO_MAP_VALUE,
	PTR_TO_MAP_KEY,
	PTR_TO_STACK,
	PTR_TO_PACKET_META,
	PTR_TO_PACKET,
	PTR_TO_PACKET_END,
	PTR_TO_MEM,
	PTR_TO_FUNC,
	VREG__COUNT
};
#define PTR_MAYBE_NULL	(1u << 0)
#define MEM_RDONLY	(1u << 1)
#define MEM_RINGBUF	(1u << 2)

struct vmap {			/* what the verifier knows of a map */
	uint32_t type, key_size, value_size, max_entries, flags;
	int inner;		/* index of the inner map's meta, or -1 */
	int idx;		/* index into env->metas */
	const char *name;
};

struct vreg {
	uint8_t type;		/* enum vreg_type */
	uint8_t flags;		/* PTR_MAYBE_NULL ... */
	uint8_t frameno;	/* PTR_TO_STACK: whose frame */
	uint8_t pad;
	int32_t off;		/* fixed offset of pointers */
	uint32_t id;		/* copies of one value / pkt pointers of one base */
	uint32_t ref_obj_id;	/* acquired reference it holds */
	int32_t range;		/* packet: bytes known in bounds from base */
	uint32_t mem_size;	/* PTR_TO_MEM */
	uint32_t subprog;	/* PTR_TO_FUNC: start insn */
	const struct vmap *map;	/* map pointer, map value/key */
	struct tnum var_off;
	int64_t smin, smax;
	uint64_t umin, umax;
	int32_t s32_min, s32_max;
	uint32_t u32_min, u32_max;
};

#define MAX_BPF_STACK	512
#define VSLOTS		(MAX_BPF_STACK / 8)
enum { STACK_INVALID = 0, STACK_SPILL, STACK_MISC, STACK_ZERO };

struct vframe {
	struct vreg regs[11];
	uint32_t callsite;	/* insn of the call that made it (frame > 0) */
	uint32_t subprog;	/* index into env->subprogs */
	bool is_callback;
	uint32_t cb_insn;	/* callback: the helper call insn */
	uint32_t cb_ret_max;	/* callback: r0 must be in [0, cb_ret_max] */
	struct vsnap *cb_snap;	/* callback: caller frames at the call */
	int32_t depth;		/* deepest byte touched (positive) */
	uint8_t stype[MAX_BPF_STACK];	/* byte (off + 512) */
	uint8_t spill_size[VSLOTS];	/* bytes a spill covers (8: full) */
	struct vreg spill[VSLOTS];	/* slot (off + 512) / 8 */
};

#define MAX_CALL_FRAMES 8
#define MAX_REFS 32
enum { REF_RINGBUF = 1 };
struct vref { uint32_t id, insn; uint8_t kind; };

struct vstate_node;
struct vsnap { struct vframe fr[MAX_CALL_FRAMES]; int n; struct vsnap *next; };
struct vstate {
	struct vframe *frame[MAX_CALL_FRAMES];
	int curframe;
	struct vref refs[MAX_REFS];
	int ref_cnt;
	uint32_t lock_id;	/* id of the map value whose lock is held */
	int32_t lock_off;
	uint32_t lock_insn;
	struct vstate_node *parent;	/* last checkpoint on this path */
	uint32_t insn_idx;
};

/* An explored state (a checkpoint) at one instruction. */
struct vstate_node {
	struct vstate st;
	uint32_t branches;	/* paths still being explored below it */
	uint32_t hit, miss;
	struct vstate_node *next;	/* same insn */
	struct vstate_node *all_next;	/* every node, for freeing */
};

struct vstack_elem {
	struct vstate st;
	uint32_t prev_insn;
	struct vstack_elem *next;
};

struct vsubprog {
	uint32_t start;
	int32_t depth;		/* stack depth (max over paths) */
	bool has_tail_call;
	bool is_cb;
};

#define VF_PRUNE	(1u << 0)
#define VF_JMP_DST	(1u << 1)
#define VF_LDDW2	(1u << 2)
#define VF_CB_CALL	(1u << 3)	/* helper call that takes a callback */
struct vinsn {
	int op;			/* enum bpfrt_op; -1 for the lddw second slot */
	uint8_t flags;
	uint8_t ptr_type;	/* type of the pointer a LDX/ST/STX went through */
	int subprog;
	struct vstate_node *explored;
	uint32_t nstates;
	uint16_t live_in;	/* registers read before written from here */
};

struct venv {
	struct bpfrt_verifier_env_opts *o;
	const struct bpfrt_insn *insns;
	size_t cnt;
	struct vinsn *in;
	struct vsubprog subprogs[256];
	int nsub;
	struct vmap *metas;
	size_t meta_cnt;
	const struct bpfrt_ctx_desc *ctx_desc;
	uint32_t ctx_size;	/* kprobe: pt_regs */
	uint32_t insn_limit;
	uint32_t processed;
	uint32_t total_states, peak_states, cur_states;
	uint32_t id_gen;
	bool allow_ptr_leaks, allow_uninit_stack, allow_loops;
	struct vstate cur;
	uint32_t prev_insn;
	struct vstack_elem *stack;
	uint32_t stack_size;
	struct vstate_node *all_nodes;
	struct vsnap *snaps;
	/* log */
	char *log;
	size_t log_size, log_len;
	int level;
	bool err_logged;
	int err_insn;
	/* the instruction being checked, for the error block */
	uint32_t at;
};

/* ---- liveness.c ---- */
int compute_liveness(struct venv *env);
uint16_t live_regs(const struct venv *env, const struct vstate *st, int f, uint32_t insn);

/* ---- log.c ---- */
void vlog(struct venv *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Error: the block naming insn env->at (source line, disassembly, the
 * registers regs (bitmask) with their state) then the reason. Returns
 * -EINVAL (or err when given via verr_code). */
int verr(struct venv *env, unsigned regs, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int verr_code(struct venv *env, int code, unsigned regs, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void vlog_reg(struct venv *env, int regno, const struct vreg *r);
void vlog_state(struct venv *env, const struct vstate *st);
void vlog_insn(struct venv *env, uint32_t idx);
int vreg_str(char *buf, size_t n, const struct vreg *r);

/* ---- regs.c ---- */
void mark_not_init(struct vreg *r);
void mark_unknown(struct vreg *r);
void mark_known(struct vreg *r, uint64_t v);
void mark_known_zero(struct vreg *r);
void reg_bounds_sync(struct vreg *r);
void reg_unbounded(struct vreg *r);
void reg_zext32(struct vreg *r);
bool reg_is_const(const struct vreg *r);
bool reg_is_pkt_pointer(const struct vreg *r);
bool reg_is_pkt_pointer_any(const struct vreg *r);
bool type_is_ptr(int type);
int check_alu(struct venv *env, const struct bpfrt_insn *in, int op);
void scalar_alu(struct vreg *dst, const struct vreg *src, unsigned opc, bool alu32);
void scalar_alu_ext(struct vreg *dst, const struct vreg *src, unsigned opc, bool alu32,
		    bool sgn, int32_t imm, bool to_be, int64_t insn_off);
bool reg_bounds_empty(const struct vreg *r);
void for_each_reg(struct vstate *st, void (*fn)(struct vreg *r, void *arg), void *arg);
int check_cond_jmp(struct venv *env, const struct bpfrt_insn *in, int op, uint32_t *next);
int check_reg_read(struct venv *env, int regno);
struct vreg *cur_regs(struct venv *env);
struct vframe *cur_frame(struct venv *env);

/* ---- mem.c ---- */
int check_ldx_st(struct venv *env, const struct bpfrt_insn *in, int op);
int check_atomic(struct venv *env, const struct bpfrt_insn *in, int op);
int check_ld_abs(struct venv *env, const struct bpfrt_insn *in, int op);
int check_ld_imm64(struct venv *env, const struct bpfrt_insn *in, int op);
/* Helper memory argument: regno points to size bytes (size_reg: a scalar
 * whose umax is the size, or -1 with size). */
int check_helper_mem(struct venv *env, int regno, int32_t size, bool write,
		     bool zero_ok, bool uninit_ok);
int check_mem_region(struct venv *env, int regno, int32_t off, int32_t size, bool write,
		     bool helper);

/* ---- calls.c ---- */
int check_helper_call(struct venv *env, const struct bpfrt_insn *in, uint32_t idx,
		      uint32_t *next);
int check_local_call(struct venv *env, const struct bpfrt_insn *in, uint32_t idx,
		     uint32_t *next);
int check_exit(struct venv *env, uint32_t *next, bool *done);
int find_subprog(struct venv *env, uint32_t start);

/* ---- refs.c ---- */
int acquire_ref(struct venv *env, uint32_t insn, int kind);
int release_ref(struct venv *env, uint32_t id);
int check_refs_at_exit(struct venv *env, bool main_exit);
void release_reg_refs(struct venv *env, uint32_t ref_obj_id);

/* ---- states.c ---- */
struct vstate *state_dup(const struct vstate *s, struct vstate *dst);
void state_free(struct vstate *s);
int push_branch(struct venv *env, uint32_t insn, uint32_t prev);
int pop_branch(struct venv *env, uint32_t *insn);
/* 1: pruned, 0: continue, < 0 error. */
int is_state_visited(struct venv *env, uint32_t insn);
void update_branch_counts(struct venv *env, struct vstate_node *n);
void free_explored(struct venv *env);

/* ---- cfg.c ---- */
int check_cfg(struct venv *env);
int check_max_stack_depth(struct venv *env);

#define REGBIT(r) (1u << (r))

#endif
