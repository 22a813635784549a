/* SPDX-License-Identifier: MIT */
/*
 * Register state: marking, ALU instructions (scalar arithmetic and the
 * kernel's pointer arithmetic rules), conditional jumps with refinement of
 * both branches (scalar bounds, null checks, packet ranges).
 */
#include <stdio.h>
#include <string.h>

#include "vinternal.h"

struct vframe *cur_frame(struct venv *env) { return env->cur.frame[env->cur.curframe]; }
struct vreg *cur_regs(struct venv *env) { return cur_frame(env)->regs; }

void mark_not_init(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
	reg_unbounded(r);
	r->type = NOT_INIT;
}

void mark_unknown(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
	reg_unbounded(r);
	r->type = SCALAR_VALUE;
}

void mark_known(struct vreg *r, uint64_t v)
{
	uint8_t t = r->type;
	memset(r, 0, sizeof(*r));
	r->type = t == NOT_INIT ? SCALAR_VALUE : t;
	r->var_off = tnum_const(v);
	r->umin = r->umax = v;
	r->smin = r->smax = (int64_t)v;
	r->u32_min = r->u32_max = (uint32_t)v;
	r->s32_min = r->s32_max = (int32_t)v;
}

void mark_known_zero(struct vreg *r) { mark_known(r, 0); }

bool reg_is_const(const struct vreg *r)
{
	return r->type == SCALAR_VALUE && tnum_is_const(r->var_off);
}

bool reg_is_pkt_pointer(const struct vreg *r)
{
	return r->type == PTR_TO_PACKET || r->type == PTR_TO_PACKET_META;
}

bool reg_is_pkt_pointer_any(const struct vreg *r)
{
	return reg_is_pkt_pointer(r) || r->type == PTR_TO_PACKET_END;
}

bool type_is_ptr(int type) { return type != NOT_INIT && type != SCALAR_VALUE; }

void for_each_reg(struct vstate *st, void (*fn)(struct vreg *r, void *arg), void *arg)
{
	for (int f = 0; f <= st->curframe; f++) {
		struct vframe *fr = st->frame[f];
		for (int i = 0; i < 11; i++)
			fn(&fr->regs[i], arg);
		for (int s = 0; s < VSLOTS; s++)
			if (fr->stype[s * 8] == STACK_SPILL || fr->stype[s * 8 + 7] == STACK_SPILL)
				fn(&fr->spill[s], arg);
	}
}

int check_reg_read(struct venv *env, int regno)
{
	if (regno > 10)
		return verr(env, 0, "R%d is invalid", regno);
	if (cur_regs(env)[regno].type == NOT_INIT)
		return verr(env, 0, "R%d !read_ok", regno);
	return 0;
}

static int check_reg_write(struct venv *env, int regno)
{
	if (regno > 10)
		return verr(env, 0, "R%d is invalid", regno);
	if (regno == 10)
		return verr(env, 0, "frame pointer is read only");
	return 0;
}

static const char *alu_str(unsigned opc)
{
	static const char *const s[16] = { "+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
					   "neg", "%=", "^=", "=", "s>>=", "endian", "?", "?" };
	return s[opc >> 4];
}

#define BPF_MAX_VAR_OFF (1ll << 29)

static bool sane_off(struct venv *env, const struct vreg *ptr, const struct vreg *val, int dst)
{
	const char *t = bpfrt__vreg_type_str(ptr->type, ptr->flags);
	if (val && reg_is_const(val)) {
		int64_t v = val->smin;
		if (v >= BPF_MAX_VAR_OFF || v <= -BPF_MAX_VAR_OFF) {
			verr(env, REGBIT(dst), "math between %s pointer and %lld is not allowed", t,
			     (long long)v);
			return false;
		}
		return true;
	}
	if (val) {
		if (val->smin == INT64_MIN) {
			verr(env, REGBIT(dst), "math between %s pointer and register with unbounded min value is not allowed", t);
			return false;
		}
		if (val->smin >= BPF_MAX_VAR_OFF || val->smin <= -BPF_MAX_VAR_OFF) {
			verr(env, REGBIT(dst), "value %lld makes %s pointer be out of bounds",
			     (long long)val->smin, t);
			return false;
		}
		return true;
	}
	if (ptr->off >= BPF_MAX_VAR_OFF || ptr->off <= -BPF_MAX_VAR_OFF ||
	    ptr->smin <= -BPF_MAX_VAR_OFF || ptr->smax >= BPF_MAX_VAR_OFF) {
		verr(env, REGBIT(dst), "%s pointer offset %d is not allowed", t, ptr->off);
		return false;
	}
	return true;
}

/* dst = ptr OP off (ptr and off are copies); the kernel's
 * adjust_ptr_min_max_vals. */
static int ptr_arith(struct venv *env, const struct bpfrt_insn *in, struct vreg *dst,
		     struct vreg ptr, struct vreg off, bool ptr_is_dst)
{
	unsigned opc = BPFRT_OP(in->code);
	int d = in->dst_reg;
	if (BPFRT_CLASS(in->code) != BPFRT_ALU64) {
		if (opc == BPFRT_SUB && env->allow_ptr_leaks) {
			mark_unknown(dst);
			return 0;
		}
		return verr_code(env, -EACCES, REGBIT(d), "R%d 32-bit pointer arithmetic prohibited", d);
	}
	if (ptr.flags & PTR_MAYBE_NULL)
		return verr_code(env, -EACCES, REGBIT(d),
				 "R%d pointer arithmetic on %s prohibited, null-check it first", d,
				 bpfrt__vreg_type_str(ptr.type, ptr.flags));
	bool known = reg_is_const(&off);
	switch (ptr.type) {
	case PTR_TO_CTX: case PTR_TO_MAP_VALUE: case PTR_TO_MAP_KEY: case PTR_TO_STACK:
	case PTR_TO_PACKET_META: case PTR_TO_PACKET: case PTR_TO_MEM: case PTR_TO_FUNC:
		break;
	case CONST_PTR_TO_MAP:
		if (known && off.smin == 0 && opc == BPFRT_ADD)
			break;
		/* fallthrough */
	default:
		return verr_code(env, -EACCES, REGBIT(d), "R%d pointer arithmetic on %s prohibited", d,
				 bpfrt__vreg_type_str(ptr.type, ptr.flags));
	}
	if (opc == BPFRT_SUB && !ptr_is_dst)
		return verr_code(env, -EACCES, REGBIT(d), "R%d tried to subtract pointer from scalar", d);
	if (opc != BPFRT_ADD && opc != BPFRT_SUB) {
		if (opc == BPFRT_AND || opc == BPFRT_OR || opc == BPFRT_XOR)
			return verr_code(env, -EACCES, REGBIT(d), "R%d bitwise operator %s on pointer prohibited",
					 d, alu_str(opc));
		return verr_code(env, -EACCES, REGBIT(d), "R%d pointer arithmetic with %s operator prohibited",
				 d, alu_str(opc));
	}
	if (!sane_off(env, &ptr, &off, d) || !sane_off(env, &ptr, NULL, d))
		return -EACCES;
	struct vreg r = ptr;
	if (known) {
		int64_t v = opc == BPFRT_ADD ? off.smin : -off.smin;
		int64_t no = (int64_t)ptr.off + v;
		if (no >= BPF_MAX_VAR_OFF || no <= -BPF_MAX_VAR_OFF)
			return verr_code(env, -EACCES, REGBIT(d),
					 "value %lld makes %s pointer be out of bounds", (long long)no,
					 bpfrt__vreg_type_str(ptr.type, ptr.flags));
		r.off = (int32_t)no;
	} else {
		struct vreg var = ptr;
		var.type = SCALAR_VALUE;
		scalar_alu(&var, &off, opc, false);
		r.var_off = var.var_off;
		r.smin = var.smin; r.smax = var.smax; r.umin = var.umin; r.umax = var.umax;
		r.s32_min = var.s32_min; r.s32_max = var.s32_max;
		r.u32_min = var.u32_min; r.u32_max = var.u32_max;
		if (reg_is_pkt_pointer(&r)) {
			r.id = ++env->id_gen;
			r.range = 0;
		}
	}
	if (!sane_off(env, &r, NULL, d))
		return -EACCES;
	*dst = r;
	return 0;
}

int check_alu(struct venv *env, const struct bpfrt_insn *in, int op)
{
	unsigned opc = BPFRT_OP(in->code);
	bool alu32 = BPFRT_CLASS(in->code) == BPFRT_ALU;
	bool is_x = BPFRT_SRC(in->code) == BPFRT_X;
	struct vreg *regs = cur_regs(env);
	int d = in->dst_reg, s = in->src_reg;
	int err;

	if (opc == BPFRT_NEG || opc == BPFRT_END) {
		if ((err = check_reg_read(env, d)) || (err = check_reg_write(env, d)))
			return err;
		if (type_is_ptr(regs[d].type)) {
			if (!env->allow_ptr_leaks)
				return verr_code(env, -EACCES, REGBIT(d), "R%d pointer arithmetic prohibited", d);
			mark_unknown(&regs[d]);
			return 0;
		}
		bool to_be = opc == BPFRT_END && BPFRT_SRC(in->code) == BPFRT_TO_BE;
		bool swap64 = opc == BPFRT_END && !alu32;	/* bswap (cpu v4) */
		scalar_alu_ext(&regs[d], &regs[d], opc, alu32 && !swap64, false, in->imm,
			       to_be || swap64, 0);
		return 0;
	}
	if (is_x && (err = check_reg_read(env, s)))
		return err;
	if (opc != BPFRT_MOV && (err = check_reg_read(env, d)))
		return err;
	if ((err = check_reg_write(env, d)))
		return err;
	if ((opc == BPFRT_DIV || opc == BPFRT_MOD) && !is_x && in->imm == 0)
		return verr(env, 0, "div by zero");
	if ((opc == BPFRT_LSH || opc == BPFRT_RSH || opc == BPFRT_ARSH) && !is_x) {
		int size = alu32 ? 32 : 64;
		if (in->imm < 0 || in->imm >= size)
			return verr(env, 0, "invalid shift %d", in->imm);
	}

	struct vreg srcv;
	if (is_x) {
		srcv = regs[s];
	} else {
		mark_unknown(&srcv);
		mark_known(&srcv, alu32 ? (uint64_t)(uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
	}

	if (opc == BPFRT_MOV) {
		if (is_x && in->off) {	/* movsx */
			if (type_is_ptr(srcv.type)) {
				if (!env->allow_ptr_leaks)
					return verr_code(env, -EACCES, REGBIT(s), "R%d sign-extension part of pointer", s);
				mark_unknown(&regs[d]);
				return 0;
			}
			scalar_alu_ext(&regs[d], &srcv, BPFRT_MOV, alu32, false, 0, false, in->off);
			return 0;
		}
		if (!alu32) {
			if (is_x && regs[s].type == SCALAR_VALUE && !regs[s].id &&
			    !tnum_is_const(regs[s].var_off))
				regs[s].id = ++env->id_gen;
			regs[d] = is_x ? regs[s] : srcv;
			return 0;
		}
		if (type_is_ptr(srcv.type)) {
			if (!env->allow_ptr_leaks)
				return verr_code(env, -EACCES, REGBIT(s), "R%d partial copy of pointer", s);
			mark_unknown(&regs[d]);
			reg_zext32(&regs[d]);
			regs[d].umax = UINT32_MAX;
			reg_bounds_sync(&regs[d]);
			return 0;
		}
		struct vreg v = srcv;
		v.id = 0;
		regs[d] = v;
		reg_zext32(&regs[d]);
		return 0;
	}

	struct vreg dv = regs[d];
	bool dp = type_is_ptr(dv.type), sp = type_is_ptr(srcv.type);
	if (dp && sp) {
		if (opc == BPFRT_SUB && env->allow_ptr_leaks) {
			mark_unknown(&regs[d]);
			return 0;
		}
		return verr_code(env, -EACCES, REGBIT(d) | REGBIT(s), "R%d pointer %s pointer prohibited",
				 d, alu_str(opc));
	}
	if (dp)
		return ptr_arith(env, in, &regs[d], dv, srcv, true);
	if (sp) {
		if (opc == BPFRT_ADD && !alu32)
			return ptr_arith(env, in, &regs[d], srcv, dv, false);
		if (env->allow_ptr_leaks && opc != BPFRT_ADD && alu32 && opc == BPFRT_SUB) {
			mark_unknown(&regs[d]);
			return 0;
		}
		return ptr_arith(env, in, &regs[d], srcv, dv, false);
	}
	scalar_alu_ext(&regs[d], &srcv, opc, alu32, in->off == 1, in->imm, false, 0);
	return 0;
}

/* ---- conditional jumps ---- */

static int negate(int opc)
{
	switch (opc) {
	case BPFRT_JEQ: return BPFRT_JNE;
	case BPFRT_JNE: return BPFRT_JEQ;
	case BPFRT_JGT: return BPFRT_JLE;
	case BPFRT_JLE: return BPFRT_JGT;
	case BPFRT_JGE: return BPFRT_JLT;
	case BPFRT_JLT: return BPFRT_JGE;
	case BPFRT_JSGT: return BPFRT_JSLE;
	case BPFRT_JSLE: return BPFRT_JSGT;
	case BPFRT_JSGE: return BPFRT_JSLT;
	case BPFRT_JSLT: return BPFRT_JSGE;
	default: return -1;
	}
}

static int flip(int opc)	/* a OP b  ==  b flip(OP) a */
{
	switch (opc) {
	case BPFRT_JGT: return BPFRT_JLT;
	case BPFRT_JLT: return BPFRT_JGT;
	case BPFRT_JGE: return BPFRT_JLE;
	case BPFRT_JLE: return BPFRT_JGE;
	case BPFRT_JSGT: return BPFRT_JSLT;
	case BPFRT_JSLT: return BPFRT_JSGT;
	case BPFRT_JSGE: return BPFRT_JSLE;
	case BPFRT_JSLE: return BPFRT_JSGE;
	default: return opc;
	}
}

struct w {	/* a width's bounds, as pointers into a vreg */
	uint64_t umin, umax;
	int64_t smin, smax;
};

static struct w wget(const struct vreg *r, bool is32)
{
	if (is32)
		return (struct w){ r->u32_min, r->u32_max, r->s32_min, r->s32_max };
	return (struct w){ r->umin, r->umax, r->smin, r->smax };
}

static void wput(struct vreg *r, const struct w *x, bool is32)
{
	if (is32) {
		r->u32_min = (uint32_t)x->umin; r->u32_max = (uint32_t)x->umax;
		r->s32_min = (int32_t)x->smin; r->s32_max = (int32_t)x->smax;
		if (x->umin > x->umax || x->smin > x->smax) {	/* keep emptiness visible */
			r->u32_min = 1; r->u32_max = 0;
		}
	} else {
		r->umin = x->umin; r->umax = x->umax; r->smin = x->smin; r->smax = x->smax;
	}
}

#define MAXU(a, b) ((a) > (b) ? (a) : (b))
#define MINU(a, b) ((a) < (b) ? (a) : (b))

/* Refine scalars a and b for "a OP b holds".  Returns false when it
 * cannot hold. */
static bool refine(struct vreg *a, struct vreg *b, int opc, bool is32)
{
	struct w x = wget(a, is32), y = wget(b, is32);
	struct tnum ta = is32 ? tnum_subreg(a->var_off) : a->var_off;
	struct tnum tb = is32 ? tnum_subreg(b->var_off) : b->var_off;
	switch (opc) {
	case BPFRT_JEQ: {
		if ((ta.value ^ tb.value) & ~(ta.mask | tb.mask))
			return false;
		struct tnum t = tnum_intersect(ta, tb);
		x.umin = y.umin = MAXU(x.umin, y.umin);
		x.umax = y.umax = MINU(x.umax, y.umax);
		x.smin = y.smin = MAXU(x.smin, y.smin);
		x.smax = y.smax = MINU(x.smax, y.smax);
		if (is32) {
			a->var_off = tnum_with_subreg(a->var_off, t);
			b->var_off = tnum_with_subreg(b->var_off, t);
		} else {
			a->var_off = b->var_off = t;
		}
		break;
	}
	case BPFRT_JNE:
		if (tnum_is_const(ta) && tnum_is_const(tb) && ta.value == tb.value)
			return false;
		if (tnum_is_const(tb)) {
			uint64_t v = tb.value;
			int64_t sv = is32 ? (int32_t)(uint32_t)v : (int64_t)v;
			if (x.umin == v) x.umin++;
			else if (x.umax == v) x.umax--;
			if (x.smin == sv) x.smin++;
			else if (x.smax == sv) x.smax--;
		}
		if (tnum_is_const(ta)) {
			uint64_t v = ta.value;
			int64_t sv = is32 ? (int32_t)(uint32_t)v : (int64_t)v;
			if (y.umin == v) y.umin++;
			else if (y.umax == v) y.umax--;
			if (y.smin == sv) y.smin++;
			else if (y.smax == sv) y.smax--;
		}
		break;
	case BPFRT_JSET:
		if (!((ta.value | ta.mask) & (tb.value | tb.mask)))
			return false;
		if (tnum_is_const(tb) && tb.value && !(tb.value & (tb.value - 1))) {
			struct tnum t = tnum_or(ta, tb);
			a->var_off = is32 ? tnum_with_subreg(a->var_off, t) : t;
		}
		break;
	case -2:	/* !(a & b) */
		if (ta.value & tb.value)
			return false;
		if (tnum_is_const(tb)) {
			struct tnum t = TNUM(ta.value & ~tb.value, ta.mask & ~tb.value);
			a->var_off = is32 ? tnum_with_subreg(a->var_off, t) : t;
		}
		break;
	case BPFRT_JGT:
		if (y.umin == (is32 ? UINT32_MAX : UINT64_MAX) || x.umax == 0)
			return false;
		x.umin = MAXU(x.umin, y.umin + 1);
		y.umax = MINU(y.umax, x.umax - 1);
		break;
	case BPFRT_JGE:
		x.umin = MAXU(x.umin, y.umin);
		y.umax = MINU(y.umax, x.umax);
		break;
	case BPFRT_JLT:
		if (x.umin == (is32 ? UINT32_MAX : UINT64_MAX) || y.umax == 0)
			return false;
		x.umax = MINU(x.umax, y.umax - 1);
		y.umin = MAXU(y.umin, x.umin + 1);
		break;
	case BPFRT_JLE:
		x.umax = MINU(x.umax, y.umax);
		y.umin = MAXU(y.umin, x.umin);
		break;
	case BPFRT_JSGT:
		if (y.smin == (is32 ? INT32_MAX : INT64_MAX) || x.smax == (is32 ? INT32_MIN : INT64_MIN))
			return false;
		x.smin = MAXU(x.smin, y.smin + 1);
		y.smax = MINU(y.smax, x.smax - 1);
		break;
	case BPFRT_JSGE:
		x.smin = MAXU(x.smin, y.smin);
		y.smax = MINU(y.smax, x.smax);
		break;
	case BPFRT_JSLT:
		if (x.smin == (is32 ? INT32_MAX : INT64_MAX) || y.smax == (is32 ? INT32_MIN : INT64_MIN))
			return false;
		x.smax = MINU(x.smax, y.smax - 1);
		y.smin = MAXU(y.smin, x.smin + 1);
		break;
	case BPFRT_JSLE:
		x.smax = MINU(x.smax, y.smax);
		y.smin = MAXU(y.smin, x.smin);
		break;
	}
	if (x.umin > x.umax || x.smin > x.smax || y.umin > y.umax || y.smin > y.smax)
		return false;
	wput(a, &x, is32);
	wput(b, &y, is32);
	reg_bounds_sync(a);
	reg_bounds_sync(b);
	return !reg_bounds_empty(a) && !reg_bounds_empty(b);
}

struct idcopy { uint32_t id; const struct vreg *src; };
static void copy_by_id(struct vreg *r, void *arg)
{
	struct idcopy *c = arg;
	if (r->type == SCALAR_VALUE && r->id == c->id && r != c->src)
		*r = *c->src;
}

static void sync_ids(struct vstate *st, struct vreg *r)
{
	if (r->type != SCALAR_VALUE || !r->id)
		return;
	struct vreg copy = *r;
	struct idcopy c = { r->id, &copy };
	for_each_reg(st, copy_by_id, &c);
}

/* ---- null checks ---- */
struct nullmark { struct venv *env; struct vstate *st; uint32_t id; bool is_null; };
static void mark_null_one(struct vreg *r, void *arg)
{
	struct nullmark *m = arg;
	if (!type_is_ptr(r->type) || !(r->flags & PTR_MAYBE_NULL) || r->id != m->id)
		return;
	if (m->is_null) {
		mark_unknown(r);
		mark_known_zero(r);
		return;
	}
	r->flags &= (uint8_t)~PTR_MAYBE_NULL;
	if (r->type == CONST_PTR_TO_MAP && r->map && r->map->inner >= 0)
		r->map = &m->env->metas[r->map->inner];
}

static void mark_ptr_or_null(struct venv *env, struct vstate *st, const struct vreg *r, bool is_null)
{
	uint32_t id = r->id, ref = r->ref_obj_id;
	if (!id)
		return;
	struct nullmark m = { env, st, id, is_null };
	for_each_reg(st, mark_null_one, &m);
	if (is_null && ref) {
		for (int i = 0; i < st->ref_cnt; i++)
			if (st->refs[i].id == ref) {
				st->refs[i] = st->refs[--st->ref_cnt];
				break;
			}
	}
}

/* ---- packet ranges ---- */
struct pktmark { int type; uint32_t id; int range; };
static void pkt_range_one(struct vreg *r, void *arg)
{
	struct pktmark *m = arg;
	if (r->type == m->type && r->id == m->id && r->range < m->range)
		r->range = m->range;
}

static void find_good_pkt_pointers(struct vstate *st, const struct vreg *dst, bool right_open)
{
	if (dst->off < 0)
		return;
	if (dst->umax > 0xffff || dst->umax + (uint64_t)dst->off > 0xffff)
		return;
	struct pktmark m = { dst->type, dst->id, dst->off + (right_open ? 1 : 0) };
	for_each_reg(st, pkt_range_one, &m);
}

/* Returns true when the comparison was a packet check. */
static bool match_pkt(struct vstate *tb, struct vstate *fb, struct vreg *d, struct vreg *s, int opc)
{
	/* normalise to "P op L" with P the pointer being checked and L its
	 * limit: pkt vs pkt_end, or pkt_meta vs pkt */
	struct vreg *p = NULL;
	int o = opc;
	if ((d->type == PTR_TO_PACKET && s->type == PTR_TO_PACKET_END) ||
	    (d->type == PTR_TO_PACKET_META && s->type == PTR_TO_PACKET)) {
		p = d;
	} else if ((s->type == PTR_TO_PACKET && d->type == PTR_TO_PACKET_END) ||
		   (s->type == PTR_TO_PACKET_META && d->type == PTR_TO_PACKET)) {
		p = s;
		o = flip(opc);
	}
	if (!p)
		return false;
	/* P > L false / P <= L true: P <= L in that branch; P < L: open. */
	switch (o) {
	case BPFRT_JGT: find_good_pkt_pointers(fb, p, false); break;
	case BPFRT_JGE: find_good_pkt_pointers(fb, p, true); break;
	case BPFRT_JLT: find_good_pkt_pointers(tb, p, true); break;
	case BPFRT_JLE: find_good_pkt_pointers(tb, p, false); break;
	default: return false;
	}
	return true;
}

/* The same register in another copy of the state. */
static struct vreg *reg_in(struct vstate *st, struct venv *env, const struct vreg *r)
{
	const struct vreg *base = cur_regs(env);
	return &st->frame[st->curframe]->regs[r - base];
}

/*
 * Conditional jump at env->at.  Pushes the taken branch when both are
 * possible; *next is where the current path continues (fall-through, or
 * the target when only that is possible); UINT32_MAX: neither is.
 */
int check_cond_jmp(struct venv *env, const struct bpfrt_insn *in, int op, uint32_t *next)
{
	int opc = BPFRT_OP(in->code);
	bool is32 = BPFRT_CLASS(in->code) == BPFRT_JMP32;
	bool is_x = BPFRT_SRC(in->code) == BPFRT_X;
	int d = in->dst_reg, s = in->src_reg;
	int err;
	uint32_t target = env->at + 1 + (uint32_t)(int32_t)bpfrt_isa_jump_disp(op, in);
	uint32_t fall = env->at + 1;

	if ((err = check_reg_read(env, d)))
		return err;
	if (is_x && (err = check_reg_read(env, s)))
		return err;
	struct vreg *regs = cur_regs(env);
	struct vreg imm;
	mark_unknown(&imm);
	mark_known(&imm, is32 ? (uint64_t)(uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
	struct vreg *dr = &regs[d], *sr = is_x ? &regs[s] : &imm;

	if (!env->allow_ptr_leaks && type_is_ptr(dr->type) && !(sr->type == SCALAR_VALUE &&
	    reg_is_const(sr) && sr->var_off.value == 0) && !reg_is_pkt_pointer_any(dr))
		return verr_code(env, -EACCES, REGBIT(d), "R%d pointer comparison prohibited", d);

	/* Copy for the taken branch. */
	struct vstate tb;
	if (!state_dup(&env->cur, &tb))
		return -ENOMEM;
	struct vstate *fb = &env->cur;
	bool t_ok = true, f_ok = true;

	bool dptr = type_is_ptr(dr->type), sptr = type_is_ptr(sr->type);
	if (!dptr && !sptr) {
		struct vreg *td = reg_in(&tb, env, dr), *ts = is_x ? reg_in(&tb, env, sr) : &imm;
		struct vreg immf = imm;
		struct vreg *fs = is_x ? sr : &immf;
		struct vreg imm2 = imm;
		if (!is_x)
			ts = &imm2;
		t_ok = refine(td, ts, opc == BPFRT_JSET ? BPFRT_JSET : opc, is32);
		f_ok = refine(dr, fs, opc == BPFRT_JSET ? -2 : negate(opc), is32);
		if (t_ok) {
			sync_ids(&tb, td);
			if (is_x)
				sync_ids(&tb, ts);
		}
		if (f_ok) {
			sync_ids(fb, dr);
			if (is_x)
				sync_ids(fb, sr);
		}
	} else if ((opc == BPFRT_JEQ || opc == BPFRT_JNE) && !is32 &&
		   ((dptr && !sptr && reg_is_const(sr) && sr->var_off.value == 0) ||
		    (sptr && !dptr && reg_is_const(dr) && dr->var_off.value == 0))) {
		struct vreg *p = dptr ? dr : sr;
		if (p->flags & PTR_MAYBE_NULL) {
			/* JEQ: taken = null; JNE: taken = non-null */
			mark_ptr_or_null(env, &tb, reg_in(&tb, env, p), opc == BPFRT_JEQ);
			mark_ptr_or_null(env, fb, p, opc != BPFRT_JEQ);
		} else if (p->type != PTR_TO_PACKET_END && p->type != PTR_TO_FUNC + 100) {
			/* a non-null pointer is never 0 */
			if (opc == BPFRT_JEQ) t_ok = false;
			else f_ok = false;
		}
	} else if (dptr && sptr && !is32) {
		match_pkt(&tb, fb, dr, sr, opc);
		/* match_pkt refined fb in place through dr's pointer copies;
		 * the taken-branch registers live in tb */
		(void)0;
	}

	if (t_ok && f_ok) {
		struct vstate save;
		/* push the taken branch, continue with the fall-through */
		if (!state_dup(&env->cur, &save)) {
			state_free(&tb);
			return -ENOMEM;
		}
		state_free(&env->cur);
		env->cur = tb;
		err = push_branch(env, target, env->at);
		state_free(&env->cur);
		env->cur = save;
		if (err)
			return err;
		*next = fall;
		return 0;
	}
	if (t_ok) {
		state_free(&env->cur);
		env->cur = tb;
		*next = target;
		return 0;
	}
	state_free(&tb);
	*next = f_ok ? fall : UINT32_MAX;
	return 0;
}
