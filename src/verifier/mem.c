/* SPDX-License-Identifier: MIT */
/*
 * Memory accesses: per-byte stack tracking with register spills and fills
 * (64-bit and narrower scalar spills), the context through the program
 * type's access table, packet, map value, ring buffer memory; helper
 * memory arguments; lddw and the legacy packet loads.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctx/ctx.h"
#include "vinternal.h"

static int acc_size(const struct bpfrt_insn *in)
{
	switch (BPFRT_SIZE(in->code)) {
	case BPFRT_B: return 1;
	case BPFRT_H: return 2;
	case BPFRT_W: return 4;
	default: return 8;
	}
}

/* The value a load of size bytes gives when nothing more is known. */
static void mark_loaded(struct vreg *r, int size, bool sx)
{
	mark_unknown(r);
	if (size < 8) {
		if (sx) {
			r->smin = -(1ll << (size * 8 - 1));
			r->smax = (1ll << (size * 8 - 1)) - 1;
		} else {
			r->var_off = TNUM(0, (1ull << (size * 8)) - 1);
			r->umax = (1ull << (size * 8)) - 1;
		}
		reg_bounds_sync(r);
	}
}

/* Narrow a scalar to its low size bytes (zero- or sign-extended). */
static void narrow(struct vreg *r, int size, bool sx)
{
	if (size >= 8)
		return;
	uint64_t lim = 1ull << (size * 8);
	if (tnum_is_const(r->var_off)) {
		uint64_t v = r->var_off.value & (lim - 1);
		if (sx && (v & (lim >> 1)))
			v |= ~(lim - 1);
		mark_known(r, v);
		return;
	}
	if (r->umax < (sx ? lim >> 1 : lim)) {
		r->id = 0;
		return;
	}
	mark_loaded(r, size, sx);
}

/* ---- stack ---- */

static struct vframe *stack_frame(struct venv *env, const struct vreg *ptr)
{
	return env->cur.frame[ptr->frameno];
}

static void destroy_spill(struct vframe *f, int slot)
{
	for (int b = 0; b < 8; b++)
		if (f->stype[slot * 8 + b] == STACK_SPILL)
			f->stype[slot * 8 + b] = STACK_MISC;
	f->spill_size[slot] = 0;
}

static int check_stack_bounds(struct venv *env, int regno, int64_t lo, int64_t hi, bool write,
			      bool var)
{
	const struct vreg *r = &cur_regs(env)[regno];
	if (lo >= -MAX_BPF_STACK && hi <= 0 && lo < hi)
		return 0;
	if (lo >= -MAX_BPF_STACK && hi <= 0 && lo == hi)
		return 0;
	if (var) {
		char t[48];
		tnum_sbin(t, sizeof(t), r->var_off);
		return verr_code(env, -EACCES, REGBIT(regno),
				 "invalid variable-offset %s stack R%d var_off=%s off=%d size=%d",
				 write ? "write to" : "read from", regno, t, r->off, (int)(hi - lo));
	}
	return verr_code(env, -EACCES, REGBIT(regno), "invalid %s stack R%d off=%d size=%d",
			 write ? "write to" : "read from", regno, (int)lo, (int)(hi - lo));
}

static void note_depth(struct venv *env, struct vframe *f, int64_t lo)
{
	if (-lo > f->depth)
		f->depth = (int32_t)-lo;
	if (f->depth > env->subprogs[f->subprog].depth)
		env->subprogs[f->subprog].depth = f->depth;
}

/* Write size bytes at fixed offset off of frame f; val the register
 * stored (NULL: an unknown value, zero: known 0 imm store). */
static int stack_write_fixed(struct venv *env, struct vframe *f, int off, int size,
			     const struct vreg *val, int valno)
{
	int base = off + MAX_BPF_STACK;
	int slot = base / 8;
	/* spilled registers the write only partly covers become misc */
	for (int i = base; i < base + size; i++) {
		int s = i / 8;
		if (f->stype[i] == STACK_SPILL) {
			int first = s * 8;
			while (first < s * 8 + 8 && f->stype[first] != STACK_SPILL)
				first++;
			int sz = f->spill_size[s] ? f->spill_size[s] : 8;
			if (!(first == base && sz == size)) {
				if (type_is_ptr(f->spill[s].type) && !env->allow_ptr_leaks)
					return verr_code(env, -EACCES, 0,
							 "attempt to corrupt spilled pointer on stack");
				destroy_spill(f, s);
			}
		}
	}
	/* the kernel spills scalars of any size at the start of a slot,
	 * pointers only whole */
	if (val && type_is_ptr(val->type) && size != 8)
		return verr_code(env, -EACCES, 0, "invalid size of register spill");
	if (val && (base % 8 == 0) && (size == 8 || val->type == SCALAR_VALUE)) {
		if (size < 8)
			for (int b = slot * 8; b < slot * 8 + 8; b++)
				if (b >= base + size && f->stype[b] == STACK_SPILL) {
					destroy_spill(f, slot);
					break;
				}
		f->spill[slot] = *val;
		if (size < 8)
			narrow(&f->spill[slot], size, false);
		f->spill_size[slot] = (uint8_t)size;
		memset(&f->stype[base], STACK_SPILL, (size_t)size);
		for (int b = base + size; b < slot * 8 + 8; b++)
			if (f->stype[b] == STACK_INVALID && 0)
				f->stype[b] = STACK_MISC;
		(void)valno;
		return 0;
	}
	if (val && type_is_ptr(val->type) && !env->allow_ptr_leaks)
		return verr_code(env, -EACCES, 0, "R%d leaks addr into stack", valno);
	uint8_t t = STACK_MISC;
	if (val && reg_is_const(val) && val->var_off.value == 0)
		t = STACK_ZERO;
	memset(&f->stype[base], t, (size_t)size);
	return 0;
}

static int stack_read_fixed(struct venv *env, struct vframe *f, int regno, int off, int size,
			    struct vreg *dst, bool sx)
{
	int base = off + MAX_BPF_STACK;
	int slot = base / 8;
	if (f->stype[base] == STACK_SPILL) {
		int sz = f->spill_size[slot] ? f->spill_size[slot] : 8;
		int first = slot * 8;
		while (f->stype[first] != STACK_SPILL)
			first++;
		const struct vreg *sp = &f->spill[slot];
		if (type_is_ptr(sp->type)) {
			if (size != 8 || first != base || sz != 8)
				return verr_code(env, -EACCES, REGBIT(regno), "invalid size of register fill");
			if (dst)
				*dst = *sp;
			return 0;
		}
		if (first == base && sz == size) {
			if (dst) {
				*dst = *sp;
				if (size < 8 || sx)
					narrow(dst, size, sx);
			}
			return 0;
		}
		if (first == base && sz == 8 && size < 8 && !sx) {
			/* low bytes of a spilled scalar (little endian) */
			if (dst) {
				*dst = *sp;
				narrow(dst, size, false);
			}
			return 0;
		}
	}
	bool zero = true;
	for (int i = base; i < base + size; i++) {
		uint8_t t = f->stype[i];
		if (t == STACK_ZERO)
			continue;
		zero = false;
		if (t == STACK_MISC)
			continue;
		if (t == STACK_SPILL) {
			if (type_is_ptr(f->spill[i / 8].type))
				return verr_code(env, -EACCES, REGBIT(regno), "invalid size of register fill");
			continue;
		}
		if (t == STACK_INVALID && env->allow_uninit_stack)
			continue;
		return verr_code(env, -EACCES, REGBIT(regno), "invalid read from stack off %d+%d size %d",
				 off, i - base, size);
	}
	if (dst) {
		if (zero)
			mark_known(dst, 0);
		else
			mark_loaded(dst, size, sx);
	}
	return 0;
}

/* ---- map values, memory ---- */

static int check_region(struct venv *env, int regno, const struct vreg *r, int off, int size,
			uint32_t mem_size, int kind)
{
	/* kind: 0 map value, 1 mem, 2 map key */
	int64_t lo = (int64_t)r->off + off;
	if (!tnum_is_const(r->var_off) || r->var_off.value) {
		if (r->smin < 0 && r->smin + lo < 0)
			return verr_code(env, -EACCES, REGBIT(regno),
					 "R%d min value is negative, either use unsigned index or do a if (index >=0) check.",
					 regno);
		if (r->smin + lo < 0)
			return verr_code(env, -EACCES, REGBIT(regno),
					 "R%d min value is outside of the allowed memory range", regno);
		if (r->umax >= (1ull << 29))
			return verr_code(env, -EACCES, REGBIT(regno),
					 "R%d unbounded memory access, make sure to bounds check any such access",
					 regno);
		if ((int64_t)r->umax + lo + size > (int64_t)mem_size)
			return verr_code(env, -EACCES, REGBIT(regno),
					 "R%d max value is outside of the allowed memory range", regno);
		return 0;
	}
	if (lo < 0 || lo + size > (int64_t)mem_size) {
		if (kind == 0)
			return verr_code(env, -EACCES, REGBIT(regno),
					 "invalid access to map value, value_size=%u off=%" PRId64 " size=%d",
					 mem_size, lo, size);
		if (kind == 2)
			return verr_code(env, -EACCES, REGBIT(regno),
					 "invalid access to map key, key_size=%u off=%" PRId64 " size=%d",
					 mem_size, lo, size);
		return verr_code(env, -EACCES, REGBIT(regno),
				 "invalid access to memory, mem_size=%u off=%" PRId64 " size=%d", mem_size,
				 lo, size);
	}
	return 0;
}

static int check_packet(struct venv *env, int regno, const struct vreg *r, int off, int size)
{
	if (r->smin < 0)
		return verr_code(env, -EACCES, REGBIT(regno),
				 "R%d min value is negative, either use unsigned index or do a if (index >=0) check.",
				 regno);
	int64_t o = (int64_t)r->off + off;
	if (o < 0 || o + size > r->range)
		return verr_code(env, -EACCES, REGBIT(regno),
				 "invalid access to packet, off=%" PRId64 " size=%d, R%d(id=%u,off=%d,r=%d)\n"
				 "R%d offset is outside of the packet",
				 o, size, regno, r->id, (int)o, r->range, regno);
	return 0;
}

static bool may_write_pkt(struct venv *env)
{
	switch (env->o->prog_type) {
	case BPFRT_PROG_TYPE_XDP:
	case BPFRT_PROG_TYPE_SCHED_CLS:
	case BPFRT_PROG_TYPE_SCHED_ACT:
		return true;
	default:
		return false;
	}
}

static bool map_rdonly_prog(const struct vmap *m) { return m->flags & BPFRT_F_RDONLY_PROG; }

/* Generic access to memory through register regno at insn offset off. */
int check_mem_region(struct venv *env, int regno, int32_t off, int32_t size, bool write,
		     bool helper)
{
	const struct vreg *r = &cur_regs(env)[regno];
	switch (r->type) {
	case PTR_TO_MAP_VALUE:
		if (write && map_rdonly_prog(r->map))
			return verr_code(env, -EACCES, REGBIT(regno),
					 "write into map forbidden, value_size=%u off=%d size=%d",
					 r->map->value_size, r->off + off, size);
		return check_region(env, regno, r, off, size, r->map->value_size, 0);
	case PTR_TO_MAP_KEY:
		if (write)
			return verr_code(env, -EACCES, REGBIT(regno), "write to change key R%d not allowed",
					 regno);
		return check_region(env, regno, r, off, size, r->map->key_size, 2);
	case PTR_TO_MEM:
		if (write && (r->flags & MEM_RDONLY))
			return verr_code(env, -EACCES, REGBIT(regno), "cannot write into %s",
					 bpfrt__vreg_type_str(r->type, r->flags));
		return check_region(env, regno, r, off, size, r->mem_size, 1);
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		if (write && !may_write_pkt(env))
			return verr_code(env, -EACCES, REGBIT(regno), "cannot write into packet");
		return check_packet(env, regno, r, off, size);
	default:
		(void)helper;
		return verr_code(env, -EACCES, REGBIT(regno), "R%d invalid mem access '%s'", regno,
				 bpfrt__vreg_type_str(r->type, r->flags));
	}
}

/* ---- context ---- */

#define PT_REGS_SIZE 168

static int check_ctx(struct venv *env, int regno, int off, int size, bool write,
		     struct vreg *dst, bool sx)
{
	const struct vreg *r = &cur_regs(env)[regno];
	if (!tnum_is_const(r->var_off) || r->var_off.value) {
		char t[48];
		tnum_sbin(t, sizeof(t), r->var_off);
		return verr_code(env, -EACCES, REGBIT(regno), "variable ctx access var_off=%s disallowed", t);
	}
	if (r->off)
		return verr_code(env, -EACCES, REGBIT(regno), "dereference of modified ctx ptr R%d off=%d disallowed",
				 regno, r->off);
	struct bpfrt_vaux *aux = env->o->aux ? &env->o->aux[env->at] : NULL;
	if (env->ctx_desc) {
		const struct bpfrt_ctx_field *f =
			off < 0 ? NULL : bpfrt__ctx_access(env->ctx_desc, (uint32_t)off, (uint32_t)size, write);
		/* a sign-extended part of a pointer is no pointer */
		if (f && sx && (f->kind == CTX_K_DATA || f->kind == CTX_K_DATA_END ||
				f->kind == CTX_K_DATA_META || f->kind == CTX_K_NULLPTR))
			f = NULL;
		if (!f)
			return verr_code(env, -EACCES, REGBIT(regno), "invalid bpf_context access off=%d size=%d",
					 off, size);
		if (dst) {
			switch (f->kind) {
			case CTX_K_DATA: mark_unknown(dst); dst->type = PTR_TO_PACKET; reg_unbounded(dst);
				mark_known(dst, 0); dst->type = PTR_TO_PACKET; break;
			case CTX_K_DATA_END: mark_known(dst, 0); dst->type = PTR_TO_PACKET_END; break;
			case CTX_K_DATA_META: mark_known(dst, 0); dst->type = PTR_TO_PACKET_META; break;
			case CTX_K_NULLPTR: mark_known(dst, 0); break;
			case CTX_K_U16: case CTX_K_QMAP:
				mark_loaded(dst, size < 2 ? size : (sx ? size : 2), sx); break;
			default: mark_loaded(dst, size, sx); break;
			}
		}
	} else if (env->o->prog_type == BPFRT_PROG_TYPE_KPROBE ||
		   env->o->prog_type == BPFRT_PROG_TYPE_PERF_EVENT ||
		   env->o->prog_type == BPFRT_PROG_TYPE_TRACEPOINT ||
		   env->o->prog_type == BPFRT_PROG_TYPE_RAW_TRACEPOINT) {
		uint32_t lim = env->o->prog_type == BPFRT_PROG_TYPE_KPROBE ? PT_REGS_SIZE :
			       env->o->prog_type == BPFRT_PROG_TYPE_RAW_TRACEPOINT ? 96 : 0;
		if (env->o->prog_type == BPFRT_PROG_TYPE_TRACEPOINT)
			lim = 64 * 1024;
		if (env->o->prog_type == BPFRT_PROG_TYPE_PERF_EVENT)
			lim = PT_REGS_SIZE + 16;
		if (write || off < 0 || (uint32_t)off + (uint32_t)size > lim || off % size ||
		    (env->o->prog_type == BPFRT_PROG_TYPE_RAW_TRACEPOINT && size != 8))
			return verr_code(env, -EACCES, REGBIT(regno), "invalid bpf_context access off=%d size=%d",
					 off, size);
		if (dst)
			mark_loaded(dst, size, sx);
	} else {
		return verr_code(env, -EACCES, REGBIT(regno), "invalid bpf_context access off=%d size=%d",
				 off, size);
	}
	if (aux) {
		aux->flags |= write ? BPFRT_VAUX_CTX_STORE : BPFRT_VAUX_CTX_LOAD;
		aux->ctx_off = (uint16_t)off;
		aux->ctx_size = (uint8_t)size;
	}
	return 0;
}

/* Load a constant from a frozen read-only map, as the kernel does. */
static bool rdonly_value(const struct vmap *m, uint64_t off, int size, uint64_t *v, struct venv *env)
{
	if (!(m->flags & BPFRT_F_RDONLY_PROG) || m->type != BPFRT_MAP_TYPE_ARRAY ||
	    m->max_entries != 1 || off + (uint64_t)size > m->value_size)
		return false;
	struct bpfrt_map *map = env->o->maps[m->idx];
	if (!bpfrt_map__is_frozen(map))
		return false;
	const uint8_t *p = bpfrt_map__mmap(map);
	if (!p)
		return false;
	uint64_t x = 0;
	memcpy(&x, p + off, (size_t)size);
	*v = x;
	return true;
}

/* The kernel's check_mem_access for one load or store. */
static int check_mem_access(struct venv *env, int regno, int off, int size, bool write,
			    int valno, const struct vreg *val, struct vreg *dst, bool sx)
{
	struct vreg *r = &cur_regs(env)[regno];
	struct vinsn *vi = &env->in[env->at];
	/* one instruction, one kind of pointer (the runtime rewrites ctx
	 * accesses per instruction) */
	uint8_t pt = r->type == PTR_TO_CTX ? PTR_TO_CTX : (uint8_t)(r->type + 32);
	if (vi->ptr_type && ((vi->ptr_type == PTR_TO_CTX) != (pt == PTR_TO_CTX)))
		return verr(env, REGBIT(regno), "same insn cannot be used with different pointers");
	vi->ptr_type = pt;

	if (r->flags & PTR_MAYBE_NULL || r->type == SCALAR_VALUE || r->type == NOT_INIT ||
	    r->type == PTR_TO_PACKET_END || r->type == CONST_PTR_TO_MAP || r->type == PTR_TO_FUNC)
		return verr_code(env, -EACCES, REGBIT(regno), "R%d invalid mem access '%s'", regno,
				 bpfrt__vreg_type_str(r->type, r->flags));
	if (r->type == PTR_TO_STACK) {
		struct vframe *f = stack_frame(env, r);
		if (!tnum_is_const(r->var_off)) {
			int64_t lo = r->smin + r->off + off, hi = r->smax + r->off + off + size;
			int e = check_stack_bounds(env, regno, lo, hi, write, true);
			if (e)
				return e;
			note_depth(env, f, lo);
			if (write) {
				for (int64_t i = lo; i < hi; i++) {
					int b = (int)i + MAX_BPF_STACK;
					if (f->stype[b] == STACK_SPILL)
						destroy_spill(f, b / 8);
					f->stype[b] = STACK_MISC;
				}
			} else {
				for (int64_t i = lo; i < hi; i++) {
					uint8_t t = f->stype[(int)i + MAX_BPF_STACK];
					if (t == STACK_INVALID && !env->allow_uninit_stack) {
						char tb[48];
						tnum_sbin(tb, sizeof(tb), r->var_off);
						return verr_code(env, -EACCES, REGBIT(regno),
								 "invalid variable-offset read from stack R%d var_off=%s off=%d size=%d",
								 regno, tb, r->off + off, size);
					}
					if (t == STACK_SPILL && type_is_ptr(f->spill[((int)i + MAX_BPF_STACK) / 8].type))
						return verr_code(env, -EACCES, REGBIT(regno),
								 "invalid size of register fill");
				}
				if (dst)
					mark_loaded(dst, size, sx);
			}
			return 0;
		}
		int64_t o = (int64_t)r->var_off.value + r->off + off;
		int e = check_stack_bounds(env, regno, o, o + size, write, false);
		if (e)
			return e;
		if (o % size)
			return verr_code(env, -EACCES, REGBIT(regno), "misaligned stack access off %s%+d+%d size %d",
					 "(0x0; 0x0)", r->off, off, size);
		note_depth(env, f, o);
		if (write && val && val->type == PTR_TO_STACK && val->frameno > r->frameno)
			return verr_code(env, -EINVAL, REGBIT(regno) | (valno >= 0 ? REGBIT(valno) : 0),
					 "cannot spill pointers to stack into stack frame of the caller");
		if (write)
			return stack_write_fixed(env, f, (int)o, size, val, valno);
		return stack_read_fixed(env, f, regno, (int)o, size, dst, sx);
	}
	if (r->type == PTR_TO_CTX) {
		if (val && type_is_ptr(val->type) && !env->allow_ptr_leaks)
			return verr_code(env, -EACCES, REGBIT(valno), "R%d leaks addr into ctx", valno);
		return check_ctx(env, regno, off, size, write, dst, sx);
	}
	int e = check_mem_region(env, regno, off, size, write, false);
	if (e)
		return e;
	if (write && val && type_is_ptr(val->type) && !env->allow_ptr_leaks)
		return verr_code(env, -EACCES, REGBIT(valno), "R%d leaks addr into %s", valno,
				 reg_is_pkt_pointer_any(r) ? "packet" :
				 r->type == PTR_TO_MEM ? "mem" : "map");
	if (dst) {
		uint64_t v;
		if (r->type == PTR_TO_MAP_VALUE && tnum_is_const(r->var_off) &&
		    rdonly_value(r->map, r->var_off.value + (uint64_t)(r->off + off), size, &v, env)) {
			mark_known(dst, 0);
			dst->type = SCALAR_VALUE;
			mark_known(dst, v);
			if (sx)
				narrow(dst, size, true);
		} else {
			mark_loaded(dst, size, sx);
		}
	}
	return 0;
}

int check_ldx_st(struct venv *env, const struct bpfrt_insn *in, int op)
{
	int size = acc_size(in);
	int cls = BPFRT_CLASS(in->code);
	struct vreg *regs = cur_regs(env);
	int err;
	if (cls == BPFRT_LDX) {
		bool sx = BPFRT_MODE(in->code) == BPFRT_MEMSX;
		if ((err = check_reg_read(env, in->src_reg)))
			return err;
		if (in->dst_reg == 10)
			return verr(env, 0, "frame pointer is read only");
		struct vreg v;
		mark_unknown(&v);
		err = check_mem_access(env, in->src_reg, in->off, size, false, -1, NULL, &v, sx);
		if (err)
			return err;
		regs[in->dst_reg] = v;
		return 0;
	}
	if ((err = check_reg_read(env, in->dst_reg)))
		return err;
	if (cls == BPFRT_STX) {
		if ((err = check_reg_read(env, in->src_reg)))
			return err;
		struct vreg v = regs[in->src_reg];
		return check_mem_access(env, in->dst_reg, in->off, size, true, in->src_reg, &v, NULL,
					false);
	}
	struct vreg k;
	mark_unknown(&k);
	mark_known(&k, (uint64_t)(int64_t)in->imm);
	(void)op;
	return check_mem_access(env, in->dst_reg, in->off, size, true, -1, &k, NULL, false);
}

int check_atomic(struct venv *env, const struct bpfrt_insn *in, int op)
{
	int size = acc_size(in);
	struct vreg *regs = cur_regs(env);
	int err;
	if ((err = check_reg_read(env, in->src_reg)) || (err = check_reg_read(env, in->dst_reg)))
		return err;
	if (in->imm == BPFRT_CMPXCHG && (err = check_reg_read(env, 0)))
		return err;
	if (type_is_ptr(regs[in->src_reg].type) && !env->allow_ptr_leaks)
		return verr_code(env, -EACCES, REGBIT(in->src_reg), "R%d leaks addr into mem", in->src_reg);
	int t = regs[in->dst_reg].type;
	if (t == PTR_TO_CTX || reg_is_pkt_pointer(&regs[in->dst_reg]))
		return verr_code(env, -EACCES, REGBIT(in->dst_reg), "BPF_ATOMIC stores into R%d %s is not allowed",
				 in->dst_reg, bpfrt__vreg_type_str(t, regs[in->dst_reg].flags));
	struct vreg v;
	mark_unknown(&v);
	if ((err = check_mem_access(env, in->dst_reg, in->off, size, false, -1, NULL, &v, false)))
		return err;
	struct vreg w;
	mark_unknown(&w);
	if ((err = check_mem_access(env, in->dst_reg, in->off, size, true, -1, &w, NULL, false)))
		return err;
	(void)op;
	if (in->imm == BPFRT_CMPXCHG) {
		mark_loaded(&regs[0], size, false);
	} else if (in->imm & BPFRT_FETCH) {
		mark_loaded(&regs[in->src_reg], size, false);
	}
	return 0;
}

/* ---- helper memory arguments ---- */

int check_helper_mem(struct venv *env, int regno, int32_t size, bool write, bool zero_ok,
		     bool uninit_ok)
{
	struct vreg *r = &cur_regs(env)[regno];
	if (size == 0 && zero_ok)
		return 0;
	if (r->type == PTR_TO_STACK) {
		struct vframe *f = stack_frame(env, r);
		int64_t lo = r->smin + r->off, hi = r->smax + r->off + size;
		bool var = !tnum_is_const(r->var_off);
		if (!var)
			lo = (int64_t)r->var_off.value + r->off, hi = lo + size;
		if (lo < -MAX_BPF_STACK || hi > 0) {
			if (var) {
				char t[48];
				tnum_sbin(t, sizeof(t), r->var_off);
				return verr_code(env, -EACCES, REGBIT(regno),
						 "invalid variable-offset indirect access to stack R%d var_off=%s size=%d",
						 regno, t, size);
			}
			return verr_code(env, -EACCES, REGBIT(regno),
					 "invalid indirect access to stack R%d off=%d size=%d", regno,
					 (int)lo, size);
		}
		note_depth(env, f, lo);
		for (int64_t i = lo; i < hi; i++) {
			int b = (int)i + MAX_BPF_STACK;
			uint8_t t = f->stype[b];
			if (uninit_ok) {
				if (t == STACK_SPILL)
					destroy_spill(f, b / 8);
				f->stype[b] = STACK_MISC;
				continue;
			}
			if (t == STACK_MISC || t == STACK_ZERO)
				continue;
			if (t == STACK_SPILL) {
				if (type_is_ptr(f->spill[b / 8].type) && !env->allow_ptr_leaks)
					return verr_code(env, -EACCES, REGBIT(regno),
							 "leaking pointer from stack off %d", (int)i);
				if (write)
					destroy_spill(f, b / 8);
				continue;
			}
			if (t == STACK_INVALID && env->allow_uninit_stack) {
				if (write)
					f->stype[b] = STACK_MISC;
				continue;
			}
			if (var) {
				char tb[48];
				tnum_sbin(tb, sizeof(tb), r->var_off);
				return verr_code(env, -EACCES, REGBIT(regno),
						 "invalid indirect read from stack R%d var_off=%s+%d size %d",
						 regno, tb, (int)(i - lo), size);
			}
			return verr_code(env, -EACCES, REGBIT(regno),
					 "invalid indirect read from stack R%d off %d+%d size %d", regno,
					 (int)lo, (int)(i - lo), size);
		}
		if (write)
			for (int64_t i = lo; i < hi; i++) {
				int b = (int)i + MAX_BPF_STACK;
				if (f->stype[b] == STACK_SPILL)
					destroy_spill(f, b / 8);
				f->stype[b] = STACK_MISC;
			}
		return 0;
	}
	if (r->type == PTR_TO_MAP_VALUE || r->type == PTR_TO_MAP_KEY || r->type == PTR_TO_MEM ||
	    reg_is_pkt_pointer(r))
		return check_mem_region(env, regno, 0, size, write, true);
	return verr_code(env, -EACCES, REGBIT(regno), "R%d type=%s expected=%s", regno,
			 bpfrt__vreg_type_str(r->type, r->flags),
			 "fp, pkt, pkt_meta, map_key, map_value, mem");
}

/* ---- lddw, LD_ABS/IND ---- */

int check_ld_imm64(struct venv *env, const struct bpfrt_insn *in, int op)
{
	struct vreg *r = &cur_regs(env)[in->dst_reg];
	if (in->dst_reg == 10)
		return verr(env, 0, "frame pointer is read only");
	(void)op;
	switch (in->src_reg) {
	case 0:
		mark_unknown(r);
		mark_known(r, (uint64_t)(uint32_t)in[0].imm | ((uint64_t)(uint32_t)in[1].imm << 32));
		return 0;
	case BPFRT_PSEUDO_FUNC:
		mark_known(r, 0);
		r->type = PTR_TO_FUNC;
		r->subprog = env->at + 1 + (uint32_t)in->imm;
		return 0;
	case BPFRT_PSEUDO_MAP_FD:
	case BPFRT_PSEUDO_MAP_IDX:
	case BPFRT_PSEUDO_MAP_VALUE:
	case BPFRT_PSEUDO_MAP_IDX_VALUE: {
		if (in->imm < 0 || (size_t)in->imm >= env->o->map_cnt || !env->o->maps[in->imm])
			return verr(env, 0, "fd %d is not pointing to valid bpf_map", in->imm);
		const struct vmap *m = &env->metas[in->imm];
		mark_known(r, 0);
		if (in->src_reg == BPFRT_PSEUDO_MAP_FD || in->src_reg == BPFRT_PSEUDO_MAP_IDX) {
			r->type = CONST_PTR_TO_MAP;
			r->map = m;
			return 0;
		}
		if ((uint32_t)in[1].imm >= m->value_size && !(in[1].imm == 0 && m->value_size == 0))
			return verr(env, 0, "invalid access to map value pointer, value_size=%u off=%u",
				    m->value_size, (uint32_t)in[1].imm);
		r->type = PTR_TO_MAP_VALUE;
		r->map = m;
		r->off = in[1].imm;
		return 0;
	}
	default:
		return verr(env, 0, "invalid bpf_ld_imm64 insn");
	}
}

int check_ld_abs(struct venv *env, const struct bpfrt_insn *in, int op)
{
	int t = env->o->prog_type;
	if (t != BPFRT_PROG_TYPE_SOCKET_FILTER && t != BPFRT_PROG_TYPE_SCHED_CLS &&
	    t != BPFRT_PROG_TYPE_SCHED_ACT)
		return verr(env, 0, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
	if (env->nsub > 1)
		return verr(env, 0, "BPF_LD_[ABS|IND] instructions cannot be mixed with bpf-to-bpf calls");
	if (env->cur.lock_id)
		return verr(env, 0, "BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region");
	struct vreg *regs = cur_regs(env);
	int err;
	if ((err = check_reg_read(env, 6)))
		return err;
	if (regs[6].type != PTR_TO_CTX)
		return verr(env, REGBIT(6), "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
	if (bpfrt_isa_rows[op].fmt == ISA_F_LD_IND && (err = check_reg_read(env, in->src_reg)))
		return err;
	for (int i = 1; i <= 5; i++)
		mark_not_init(&regs[i]);
	mark_loaded(&regs[0], acc_size(in), false);
	return 0;
}
