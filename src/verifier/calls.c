/* SPDX-License-Identifier: MIT */
/*
 * Calls: helpers checked against their prototypes, bpf-to-bpf calls on new
 * frames, callbacks (bpf_loop, bpf_for_each_map_elem), tail calls, exits.
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "vinternal.h"

int find_subprog(struct venv *env, uint32_t start)
{
	for (int i = 0; i < env->nsub; i++)
		if (env->subprogs[i].start == start)
			return i;
	return -1;
}

static bool helper_allowed(struct venv *env, uint32_t id)
{
	const struct bpfrt_verifier_env_opts *o = env->o;
	if (o->helper_ids) {
		for (size_t i = 0; i < o->helper_cnt; i++)
			if (o->helper_ids[i] == id)
				return true;
		return false;
	}
	size_t n = 0;
	const struct bpfrt_helper_def *h = bpfrt__helpers_for_type(o->prog_type, &n);
	for (size_t i = 0; i < n; i++)
		if (h[i].id == id)
			return true;
	return false;
}

static int map_func_compat(struct venv *env, const struct vmap *m, uint32_t id, const char *name)
{
	uint32_t t = m->type;
	bool ok = true;
	switch (t) {
	case BPFRT_MAP_TYPE_RINGBUF:
		ok = id == BPF_FUNC_ringbuf_output || id == BPF_FUNC_ringbuf_reserve ||
		     id == BPF_FUNC_ringbuf_query;
		break;
	case BPFRT_MAP_TYPE_PROG_ARRAY:
		ok = id == BPF_FUNC_tail_call;
		break;
	case BPFRT_MAP_TYPE_PERF_EVENT_ARRAY:
		ok = id == BPF_FUNC_perf_event_output;
		break;
	case BPFRT_MAP_TYPE_QUEUE:
	case BPFRT_MAP_TYPE_STACK:
		ok = id == BPF_FUNC_map_peek_elem || id == BPF_FUNC_map_pop_elem ||
		     id == BPF_FUNC_map_push_elem;
		break;
	case BPFRT_MAP_TYPE_BLOOM_FILTER:
		ok = id == BPF_FUNC_map_peek_elem || id == BPF_FUNC_map_push_elem;
		break;
	case BPFRT_MAP_TYPE_DEVMAP:
	case BPFRT_MAP_TYPE_DEVMAP_HASH:
	case BPFRT_MAP_TYPE_XSKMAP:
		ok = id == BPF_FUNC_redirect_map || id == BPF_FUNC_map_lookup_elem;
		break;
	default:
		break;
	}
	if (ok) {
		switch (id) {
		case BPF_FUNC_ringbuf_output: case BPF_FUNC_ringbuf_reserve: case BPF_FUNC_ringbuf_query:
			ok = t == BPFRT_MAP_TYPE_RINGBUF; break;
		case BPF_FUNC_tail_call: ok = t == BPFRT_MAP_TYPE_PROG_ARRAY; break;
		case BPF_FUNC_perf_event_output: ok = t == BPFRT_MAP_TYPE_PERF_EVENT_ARRAY; break;
		case BPF_FUNC_map_pop_elem: case BPF_FUNC_map_push_elem:
			ok = t == BPFRT_MAP_TYPE_QUEUE || t == BPFRT_MAP_TYPE_STACK ||
			     (id == BPF_FUNC_map_push_elem && t == BPFRT_MAP_TYPE_BLOOM_FILTER);
			break;
		case BPF_FUNC_map_peek_elem:
			ok = t == BPFRT_MAP_TYPE_QUEUE || t == BPFRT_MAP_TYPE_STACK ||
			     t == BPFRT_MAP_TYPE_BLOOM_FILTER;
			break;
		case BPF_FUNC_redirect_map:
			ok = t == BPFRT_MAP_TYPE_DEVMAP || t == BPFRT_MAP_TYPE_DEVMAP_HASH ||
			     t == BPFRT_MAP_TYPE_XSKMAP;
			break;
		case BPF_FUNC_for_each_map_elem:
			ok = t == BPFRT_MAP_TYPE_HASH || t == BPFRT_MAP_TYPE_ARRAY ||
			     t == BPFRT_MAP_TYPE_PERCPU_HASH || t == BPFRT_MAP_TYPE_PERCPU_ARRAY ||
			     t == BPFRT_MAP_TYPE_LRU_HASH || t == BPFRT_MAP_TYPE_LRU_PERCPU_HASH;
			break;
		}
	}
	if (!ok)
		return verr(env, 0, "cannot pass map_type %u into func %s#%u", t, name, id);
	return 0;
}

struct call_meta {
	const struct vmap *map;
	int mem_regno;		/* ARG_PTR_TO_MEM waiting for its size */
	int mem_arg;
	uint32_t alloc_size;
	uint32_t release_id;
	uint32_t cb;
	bool has_cb;
	int ret_map_inner;
};

static bool is_null_scalar(const struct vreg *r)
{
	return reg_is_const(r) && r->var_off.value == 0;
}

static int check_arg(struct venv *env, const struct bpfrt_helper_proto *p, int i,
		     struct call_meta *m)
{
	int regno = i + 1;
	int at = p->args[i];
	struct vreg *r = &cur_regs(env)[regno];
	int err;
	if (at == ARG_DONTCARE)
		return 0;
	if ((err = check_reg_read(env, regno)))
		return err;
	const char *ts = bpfrt__vreg_type_str(r->type, r->flags);
#define EXPECT(cond, what)								\
	do {										\
		if (!(cond))								\
			return verr_code(env, -EACCES, REGBIT(regno), "R%d type=%s expected=%s", \
					 regno, ts, what);				\
	} while (0)
	switch (at) {
	case ARG_ANYTHING:
		if (type_is_ptr(r->type) && !env->allow_ptr_leaks)
			return verr_code(env, -EACCES, REGBIT(regno), "R%d leaks addr into helper function", regno);
		return 0;
	case ARG_CONST_MAP_PTR:
		EXPECT(r->type == CONST_PTR_TO_MAP && !(r->flags & PTR_MAYBE_NULL), "map_ptr");
		m->map = r->map;
		return map_func_compat(env, r->map, p->id, p->name);
	case ARG_PTR_TO_MAP_KEY:
	case ARG_PTR_TO_MAP_VALUE:
	case ARG_PTR_TO_UNINIT_MAP_VALUE:
		EXPECT(!(r->flags & PTR_MAYBE_NULL) &&
		       (r->type == PTR_TO_STACK || reg_is_pkt_pointer(r) || r->type == PTR_TO_MAP_VALUE ||
			r->type == PTR_TO_MAP_KEY || r->type == PTR_TO_MEM),
		       "fp, pkt, pkt_meta, map_key, map_value");
		if (!m->map)
			return verr(env, 0, "invalid map_ptr to access map->%s",
				    at == ARG_PTR_TO_MAP_KEY ? "key" : "value");
		return check_helper_mem(env, regno,
					(int32_t)(at == ARG_PTR_TO_MAP_KEY ? m->map->key_size
									   : m->map->value_size),
					at == ARG_PTR_TO_UNINIT_MAP_VALUE, false,
					at == ARG_PTR_TO_UNINIT_MAP_VALUE);
	case ARG_PTR_TO_MEM_OR_NULL:
		if (is_null_scalar(r)) {
			m->mem_regno = -2;
			m->mem_arg = at;
			return 0;
		}
		/* fallthrough */
	case ARG_PTR_TO_MEM:
	case ARG_PTR_TO_MEM_RDONLY:
	case ARG_PTR_TO_UNINIT_MEM:
		EXPECT(!(r->flags & PTR_MAYBE_NULL) &&
		       (r->type == PTR_TO_STACK || reg_is_pkt_pointer(r) || r->type == PTR_TO_MAP_VALUE ||
			r->type == PTR_TO_MAP_KEY || r->type == PTR_TO_MEM),
		       "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf");
		m->mem_regno = regno;
		m->mem_arg = at;
		return 0;
	case ARG_CONST_SIZE:
	case ARG_CONST_SIZE_OR_ZERO: {
		bool zero_ok = at == ARG_CONST_SIZE_OR_ZERO;
		EXPECT(r->type == SCALAR_VALUE, "scalar");
		if (r->smin < 0)
			return verr_code(env, -EACCES, REGBIT(regno),
					 "R%d min value is negative, either use unsigned or 'var &= const'", regno);
		if (r->umin == 0 && !zero_ok)
			return verr_code(env, -EACCES, REGBIT(regno), "R%d invalid zero-sized read: u64=[%llu,%llu]",
					 regno, (unsigned long long)r->umin, (unsigned long long)r->umax);
		if (r->umax >= (1ull << 29))
			return verr_code(env, -EACCES, REGBIT(regno),
					 "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'",
					 regno);
		if (m->mem_regno == -2) {
			if (r->umax != 0)
				return verr_code(env, -EACCES, REGBIT(regno - 1),
						 "R%d type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem",
						 regno - 1);
			m->mem_regno = -1;
			return 0;
		}
		if (m->mem_regno < 0)
			return verr(env, 0, "verifier internal error: size without memory");
		int mr = m->mem_regno;
		m->mem_regno = -1;
		if (r->umax == 0)
			return 0;
		return check_helper_mem(env, mr, (int32_t)r->umax, m->mem_arg == ARG_PTR_TO_UNINIT_MEM,
					zero_ok, m->mem_arg == ARG_PTR_TO_UNINIT_MEM);
	}
	case ARG_PTR_TO_CTX:
		EXPECT(r->type == PTR_TO_CTX, "ctx");
		if (r->off || !tnum_is_const(r->var_off) || r->var_off.value)
			return verr_code(env, -EACCES, REGBIT(regno),
					 "dereference of modified ctx ptr R%d off=%d disallowed", regno, r->off);
		return 0;
	case ARG_PTR_TO_FUNC:
		EXPECT(r->type == PTR_TO_FUNC, "func");
		m->cb = r->subprog;
		m->has_cb = true;
		return 0;
	case ARG_PTR_TO_STACK_OR_NULL:
		if (is_null_scalar(r))
			return 0;
		EXPECT(r->type == PTR_TO_STACK, "fp");
		return 0;
	case ARG_PTR_TO_SPIN_LOCK: {
		EXPECT(r->type == PTR_TO_MAP_VALUE && !(r->flags & PTR_MAYBE_NULL), "map_value");
		if (!tnum_is_const(r->var_off))
			return verr_code(env, -EACCES, REGBIT(regno),
					 "R%d doesn't have constant offset. bpf_spin_lock has to be at the constant offset",
					 regno);
		if ((err = check_mem_region(env, regno, 0, 4, true, true)))
			return err;
		uint32_t lid = r->id ? r->id : 0x40000000u | (uint32_t)r->map->idx;
		int32_t off = r->off + (int32_t)r->var_off.value;
		if (p->flags & PROTO_F_SPIN_LOCK) {
			if (env->cur.lock_id)
				return verr(env, 0, "Locking two bpf_spin_locks are not allowed");
			env->cur.lock_id = lid;
			env->cur.lock_off = off;
			env->cur.lock_insn = env->at;
		} else {
			if (!env->cur.lock_id)
				return verr(env, 0, "bpf_spin_unlock without taking a lock");
			if (env->cur.lock_id != lid || env->cur.lock_off != off)
				return verr(env, 0, "bpf_spin_unlock of different lock");
			env->cur.lock_id = 0;
			env->cur.lock_off = 0;
		}
		return 0;
	}
	case ARG_PTR_TO_RINGBUF_MEM:
		EXPECT(r->type == PTR_TO_MEM && (r->flags & MEM_RINGBUF) &&
		       !(r->flags & PTR_MAYBE_NULL), "ringbuf_mem");
		if (r->off || !tnum_is_const(r->var_off) || r->var_off.value)
			return verr_code(env, -EACCES, REGBIT(regno),
					 "R%d must have zero offset when passed to release func", regno);
		if (!r->ref_obj_id)
			return verr(env, REGBIT(regno), "R%d must be referenced when passed to release function",
				    regno);
		m->release_id = r->ref_obj_id;
		return 0;
	case ARG_CONST_ALLOC_SIZE_OR_ZERO:
		EXPECT(r->type == SCALAR_VALUE, "scalar");
		if (!tnum_is_const(r->var_off))
			return verr_code(env, -EACCES, REGBIT(regno), "R%d is not a known constant'", regno);
		m->alloc_size = (uint32_t)r->var_off.value;
		return 0;
	case ARG_PTR_TO_CONST_STR: {
		EXPECT(r->type == PTR_TO_MAP_VALUE && !(r->flags & PTR_MAYBE_NULL), "map_value");
		if (!(r->map->flags & BPFRT_F_RDONLY_PROG) || !tnum_is_const(r->var_off))
			return verr_code(env, -EACCES, REGBIT(regno), "R%d does not point to a readonly map'",
					 regno);
		struct bpfrt_map *map = env->o->maps[r->map->idx];
		const char *s = bpfrt_map__is_frozen(map) ? bpfrt_map__mmap(map) : NULL;
		uint64_t off = (uint64_t)r->off + r->var_off.value;
		if (!s || off >= r->map->value_size ||
		    !memchr(s + off, 0, r->map->value_size - off))
			return verr_code(env, -EACCES, REGBIT(regno), "string is not zero-terminated");
		return 0;
	}
	case ARG_PTR_TO_LONG:
		EXPECT(r->type == PTR_TO_STACK || r->type == PTR_TO_MAP_VALUE, "fp, map_value");
		return check_helper_mem(env, regno, 8, true, false, true);
	}
#undef EXPECT
	return verr(env, 0, "unsupported arg type %d", at);
}

struct pktinv { bool unpriv; };
static void inval_pkt(struct vreg *r, void *arg)
{
	struct pktinv *a = arg;
	if (reg_is_pkt_pointer_any(r)) {
		if (a->unpriv)
			mark_not_init(r);
		else
			mark_unknown(r);
	}
}

static struct vframe *new_frame(struct venv *env, uint32_t callsite, int sub)
{
	struct vframe *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	for (int i = 0; i < 11; i++)
		mark_not_init(&f->regs[i]);
	mark_known(&f->regs[10], 0);
	f->regs[10].type = PTR_TO_STACK;
	f->regs[10].frameno = (uint8_t)(env->cur.curframe + 1);
	f->callsite = callsite;
	f->subprog = (uint32_t)sub;
	return f;
}

static int setup_callback(struct venv *env, const struct bpfrt_helper_proto *p, uint32_t idx,
			  const struct call_meta *m)
{
	int sub = find_subprog(env, m->cb);
	if (sub < 0)
		return verr(env, 0, "callback target %u is not a function", m->cb);
	if (env->cur.curframe + 1 >= MAX_CALL_FRAMES)
		return verr_code(env, -E2BIG, 0, "the call stack of %d frames is too deep !",
				 env->cur.curframe + 2);
	struct vsnap *snap = malloc(sizeof(*snap));
	if (!snap)
		return -ENOMEM;
	snap->n = env->cur.curframe + 1;
	for (int i = 0; i < snap->n; i++)
		snap->fr[i] = *env->cur.frame[i];
	snap->next = env->snaps;
	env->snaps = snap;

	/* The current state continues after the call; a copy enters the
	 * callback (pushed), whose exit comes back to this call. */
	struct vreg *regs = cur_regs(env);
	struct vframe *f = new_frame(env, idx, sub);
	if (!f)
		return -ENOMEM;
	f->is_callback = true;
	f->cb_insn = idx;
	f->cb_ret_max = 1;
	f->cb_snap = snap;
	if (p->id == BPF_FUNC_loop) {
		mark_unknown(&f->regs[1]);
		f->regs[1].umax = UINT32_MAX;
		reg_bounds_sync(&f->regs[1]);
		f->regs[2] = regs[3];
	} else {	/* for_each_map_elem */
		mark_known(&f->regs[1], 0);
		f->regs[1].type = CONST_PTR_TO_MAP;
		f->regs[1].map = m->map;
		mark_known(&f->regs[2], 0);
		f->regs[2].type = PTR_TO_MAP_KEY;
		f->regs[2].map = m->map;
		mark_known(&f->regs[3], 0);
		f->regs[3].type = PTR_TO_MAP_VALUE;
		f->regs[3].map = m->map;
		f->regs[4] = regs[3];
	}
	env->subprogs[sub].is_cb = true;
	int cf = ++env->cur.curframe;
	env->cur.frame[cf] = f;
	int err = push_branch(env, m->cb, idx);
	env->cur.frame[cf] = NULL;
	env->cur.curframe--;
	free(f);
	return err;
}

/* The map this call gets, for the runtime (inline array lookups, tail
 * calls): one map on every path, or poisoned.  Metas past the program's
 * maps describe inner maps, which are not one constant map. */
static void record_map(struct venv *env, uint32_t idx, const struct vmap *map)
{
	struct bpfrt_vaux *a = &env->o->aux[idx];
	size_t mi = (size_t)(map - env->metas);
	if (a->flags & BPFRT_VAUX_MAP_POISON)
		return;
	if (mi >= env->o->map_cnt || ((a->flags & BPFRT_VAUX_MAP) && a->map_idx != mi)) {
		a->flags = (uint8_t)((a->flags & ~BPFRT_VAUX_MAP) | BPFRT_VAUX_MAP_POISON);
		return;
	}
	a->flags |= BPFRT_VAUX_MAP;
	a->map_idx = (uint32_t)mi;
}

int check_helper_call(struct venv *env, const struct bpfrt_insn *in, uint32_t idx,
		      uint32_t *next)
{
	uint32_t id = (uint32_t)in->imm;
	const char *kname = bpfrt__kernel_helper_name(id);
	if (!kname)
		return verr(env, 0, "invalid func unknown#%d", in->imm);
	const struct bpfrt_helper_proto *p = bpfrt__helper_proto(id);
	if (!p || !helper_allowed(env, id))
		return verr(env, 0, "unknown func bpf_%s#%u", kname, id);
	if (env->cur.lock_id && !(p->flags & PROTO_F_SPIN_UNLOCK))
		return verr(env, 0, "function calls are not allowed while holding a lock");
	struct call_meta m;
	memset(&m, 0, sizeof(m));
	m.mem_regno = -1;
	int err;
	for (int i = 0; i < 5; i++)
		if ((err = check_arg(env, p, i, &m)))
			return err;
	if (m.release_id && (err = release_ref(env, m.release_id)))
		return err;
	if (m.map)
		record_map(env, idx, m.map);
	if (p->flags & PROTO_F_TAIL_CALL) {
		if (env->cur.ref_cnt)
			return verr(env, 0, "tail_call would lead to reference leak");
		env->subprogs[cur_frame(env)->subprog].has_tail_call = true;
	}
	if ((p->flags & PROTO_F_CALLBACK) && m.has_cb) {
		if ((err = setup_callback(env, p, idx, &m)))
			return err;
	}
	struct vreg *regs = cur_regs(env);
	for (int i = 1; i <= 5; i++)
		mark_not_init(&regs[i]);
	struct vreg *r0 = &regs[0];
	switch (p->ret) {
	case RET_INTEGER:
		mark_unknown(r0);
		break;
	case RET_VOID:
		mark_not_init(r0);
		break;
	case RET_PTR_TO_MAP_VALUE_OR_NULL:
		mark_known(r0, 0);
		if (m.map->type == BPFRT_MAP_TYPE_ARRAY_OF_MAPS ||
		    m.map->type == BPFRT_MAP_TYPE_HASH_OF_MAPS) {
			r0->type = CONST_PTR_TO_MAP;
		} else {
			r0->type = PTR_TO_MAP_VALUE;
		}
		r0->flags = PTR_MAYBE_NULL;
		r0->map = m.map;
		r0->id = ++env->id_gen;
		break;
	case RET_PTR_TO_RINGBUF_MEM_OR_NULL: {
		++env->id_gen;	/* the kernel's or-null id, then the reference's */
		int ref = acquire_ref(env, idx, REF_RINGBUF);
		if (ref < 0)
			return ref;
		mark_known(r0, 0);
		r0->type = PTR_TO_MEM;
		r0->flags = PTR_MAYBE_NULL | MEM_RINGBUF;
		r0->mem_size = m.alloc_size;
		r0->id = (uint32_t)ref;
		r0->ref_obj_id = (uint32_t)ref;
		break;
	}
	}
	if (p->flags & PROTO_F_PKT_CHANGES) {
		struct pktinv a = { !env->allow_ptr_leaks };
		for_each_reg(&env->cur, inval_pkt, &a);
	}
	*next = idx + 1;
	return 0;
}

int check_local_call(struct venv *env, const struct bpfrt_insn *in, uint32_t idx,
		     uint32_t *next)
{
	uint32_t target = idx + 1 + (uint32_t)in->imm;
	int sub = find_subprog(env, target);
	if (sub < 0)
		return verr(env, 0, "verifier bug. No program starts at insn %u", target);
	if (env->cur.curframe + 1 >= MAX_CALL_FRAMES)
		return verr_code(env, -E2BIG, 0, "the call stack of %d frames is too deep !",
				 env->cur.curframe + 2);
	if (env->cur.lock_id)
		return verr(env, 0, "function calls are not allowed while holding a lock");
	struct vframe *f = new_frame(env, idx, sub);
	if (!f)
		return -ENOMEM;
	struct vreg *regs = cur_regs(env);
	for (int i = 1; i <= 5; i++)
		f->regs[i] = regs[i];
	env->cur.frame[++env->cur.curframe] = f;
	if (env->level >= 2) {
		vlog(env, "caller:\n");
		vlog(env, "callee:\n");
	}
	*next = target;
	return 0;
}

/* Frame `dead` is gone: pointers into its stack that the callers kept
 * (spilled or in registers) point to nothing. */
struct deadarg { uint8_t frame; };
static void kill_dead_stack_ptr(struct vreg *r, void *arg)
{
	const struct deadarg *a = arg;
	if (r->type == PTR_TO_STACK && r->frameno >= a->frame)
		mark_unknown(r);
}

static void drop_frame_ptrs(struct venv *env, int dead)
{
	struct deadarg a = { (uint8_t)dead };
	for_each_reg(&env->cur, kill_dead_stack_ptr, &a);
}

/* A callback came back: widen what it changed in its callers' frames so
 * that revisiting the call converges. */
static void widen_after_callback(struct venv *env, const struct vsnap *snap)
{
	for (int fi = 0; fi < snap->n && fi <= env->cur.curframe; fi++) {
		struct vframe *f = env->cur.frame[fi];
		const struct vframe *o = &snap->fr[fi];
		for (int s = 0; s < VSLOTS; s++) {
			bool changed = memcmp(&f->stype[s * 8], &o->stype[s * 8], 8) != 0;
			bool spill = f->stype[s * 8] == STACK_SPILL || f->stype[s * 8 + 7] == STACK_SPILL;
			if (!changed && spill && f->spill[s].type == SCALAR_VALUE &&
			    memcmp(&f->spill[s], &o->spill[s], sizeof(f->spill[s])))
				changed = true;
			if (!changed)
				continue;
			for (int b = s * 8; b < s * 8 + 8; b++)
				if (f->stype[b] == STACK_ZERO)
					f->stype[b] = STACK_MISC;
			if (spill && f->spill[s].type == SCALAR_VALUE) {
				uint8_t sz = f->spill_size[s];
				mark_unknown(&f->spill[s]);
				if (sz && sz < 8) {
					f->spill[s].umax = (1ull << (sz * 8)) - 1;
					reg_bounds_sync(&f->spill[s]);
				}
			}
		}
	}
}

int check_exit(struct venv *env, uint32_t *next, bool *done)
{
	int err;
	*done = false;
	if ((err = check_reg_read(env, 0)))
		return err;
	struct vstate *st = &env->cur;
	struct vframe *f = cur_frame(env);
	if (st->curframe == 0) {
		/* the return value reaches user space as a number */
		if (!env->allow_ptr_leaks && type_is_ptr(f->regs[0].type))
			return verr_code(env, -EACCES, REGBIT(0), "R0 leaks addr as return value");
		if ((err = check_refs_at_exit(env, true)))
			return err;
		*done = true;
		return 0;
	}
	struct vreg r0 = f->regs[0];
	if (f->is_callback) {
		if (r0.type != SCALAR_VALUE)
			return verr(env, REGBIT(0), "At callback return the register R0 is not a known value (%s)",
				    bpfrt__vreg_type_str(r0.type, r0.flags));
		if (r0.smin < 0 || r0.smax > (int64_t)f->cb_ret_max) {
			char b[256];
			vreg_str(b, sizeof(b), &r0);
			return verr(env, REGBIT(0),
				    "At callback return the register R0 has %s should have been in [0, %u]", b,
				    f->cb_ret_max);
		}
		if (st->ref_cnt && f->is_callback) {
			/* references acquired in the callback must be released there */
		}
		if (st->lock_id)
			return verr(env, 0, "BPF_EXIT instruction in callback cannot be used inside bpf_spin_lock-ed region");
		uint32_t call = f->cb_insn;
		const struct vsnap *snap = f->cb_snap;
		free(f);
		st->frame[st->curframe--] = NULL;
		drop_frame_ptrs(env, st->curframe + 1);
		widen_after_callback(env, snap);
		*next = call;	/* the call again: one more iteration, or none */
		return 0;
	}
	if (r0.type == PTR_TO_STACK && r0.frameno == st->curframe)
		return verr(env, REGBIT(0), "cannot return stack pointer to the caller frame");
	uint32_t callsite = f->callsite;
	free(f);
	st->frame[st->curframe--] = NULL;
	drop_frame_ptrs(env, st->curframe + 1);
	struct vreg *regs = cur_regs(env);
	regs[0] = r0;
	for (int i = 1; i <= 5; i++)
		mark_not_init(&regs[i]);
	*next = callsite + 1;
	return 0;
}
