/* SPDX-License-Identifier: MIT */
/*
 * Scalar bounds: tnum + unsigned/signed 64-bit and 32-bit ranges, kept in
 * sync after every operation; the arithmetic of each ALU operation over
 * them (over-approximations, so always sound).
 */
#include <string.h>

#include "vinternal.h"

/* One width's view of a scalar. */
struct rng {
	uint64_t umin, umax;
	int64_t smin, smax;
	struct tnum t;
};

static uint64_t umaxw(unsigned w) { return w == 64 ? UINT64_MAX : UINT32_MAX; }
static int64_t smaxw(unsigned w) { return w == 64 ? INT64_MAX : INT32_MAX; }
static int64_t sminw(unsigned w) { return w == 64 ? INT64_MIN : INT32_MIN; }

static struct rng rng_unknown(unsigned w)
{
	return (struct rng){ 0, umaxw(w), sminw(w), smaxw(w),
			     w == 64 ? tnum_unknown : TNUM(0, UINT32_MAX) };
}

static struct rng rng_of(const struct vreg *r, unsigned w)
{
	if (w == 64)
		return (struct rng){ r->umin, r->umax, r->smin, r->smax, r->var_off };
	return (struct rng){ r->u32_min, r->u32_max, r->s32_min, r->s32_max,
			     tnum_subreg(r->var_off) };
}

static bool rng_const(const struct rng *a) { return tnum_is_const(a->t); }

static int64_t sext(uint64_t v, unsigned w)
{
	return w == 64 ? (int64_t)v : (int64_t)(int32_t)(uint32_t)v;
}

static struct rng rng_const_v(uint64_t v, unsigned w)
{
	v &= umaxw(w);
	return (struct rng){ v, v, sext(v, w), sext(v, w), tnum_const(v) };
}

/* Fill the bounds that the tnum and the other signedness imply. */
static void rng_tighten(struct rng *a, unsigned w)
{
	uint64_t sign = w == 64 ? 1ull << 63 : 1ull << 31;
	uint64_t hi = a->t.value | a->t.mask;
	if (a->umin < a->t.value) a->umin = a->t.value;
	if (a->umax > hi) a->umax = hi;
	int64_t tsmin = sext(a->t.value | (a->t.mask & sign), w);
	int64_t tsmax = sext(a->t.value | (a->t.mask & (sign - 1)), w);
	if (a->smin < tsmin) a->smin = tsmin;
	if (a->smax > tsmax) a->smax = tsmax;
	/* unsigned range not crossing the sign boundary is a signed range */
	if (sext(a->umin, w) <= sext(a->umax, w)) {
		if (a->smin < sext(a->umin, w)) a->smin = sext(a->umin, w);
		if (a->smax > sext(a->umax, w)) a->smax = sext(a->umax, w);
	}
	if ((a->smin >= 0 || a->smax < 0)) {
		uint64_t lo = (uint64_t)a->smin & umaxw(w), h = (uint64_t)a->smax & umaxw(w);
		if (a->umin < lo) a->umin = lo;
		if (a->umax > h) a->umax = h;
	}
	if (a->umin <= a->umax)
		a->t = tnum_intersect(a->t, tnum_range(a->umin, a->umax));
}

static struct rng rng_add(struct rng a, struct rng b, unsigned w)
{
	struct rng r = rng_unknown(w);
	r.t = tnum_cast(tnum_add(a.t, b.t), w / 8);
	uint64_t um = umaxw(w);
	if (a.umax <= um - b.umax) { r.umin = a.umin + b.umin; r.umax = a.umax + b.umax; }
	int64_t lo, hi;
	if (!__builtin_add_overflow(a.smin, b.smin, &lo) &&
	    !__builtin_add_overflow(a.smax, b.smax, &hi) && lo >= sminw(w) && hi <= smaxw(w)) {
		r.smin = lo; r.smax = hi;
	}
	return r;
}

static struct rng rng_sub(struct rng a, struct rng b, unsigned w)
{
	struct rng r = rng_unknown(w);
	r.t = tnum_cast(tnum_sub(a.t, b.t), w / 8);
	if (a.umin >= b.umax) { r.umin = a.umin - b.umax; r.umax = a.umax - b.umin; }
	int64_t lo, hi;
	if (!__builtin_sub_overflow(a.smin, b.smax, &lo) &&
	    !__builtin_sub_overflow(a.smax, b.smin, &hi) && lo >= sminw(w) && hi <= smaxw(w)) {
		r.smin = lo; r.smax = hi;
	}
	return r;
}

static struct rng rng_mul(struct rng a, struct rng b, unsigned w)
{
	struct rng r = rng_unknown(w);
	r.t = tnum_cast(tnum_mul(a.t, b.t), w / 8);
	uint64_t p;
	if (!__builtin_mul_overflow(a.umax, b.umax, &p) && p <= umaxw(w)) {
		r.umin = a.umin * b.umin; r.umax = p;
	}
	return r;
}

static struct rng rng_bitop(int opc, struct rng a, struct rng b, unsigned w)
{
	struct rng r = rng_unknown(w);
	bool nonneg = a.smin >= 0 && b.smin >= 0;
	switch (opc) {
	case BPFRT_AND:
		r.t = tnum_and(a.t, b.t);
		r.umax = a.umax < b.umax ? a.umax : b.umax;
		if (nonneg) { r.smin = 0; r.smax = (int64_t)r.umax; }
		break;
	case BPFRT_OR:
		r.t = tnum_or(a.t, b.t);
		r.umin = a.umin > b.umin ? a.umin : b.umin;
		break;
	default:
		r.t = tnum_xor(a.t, b.t);
		break;
	}
	return r;
}

/* Shifts by a constant amount s < w. */
static struct rng rng_shift(int opc, struct rng a, unsigned s, unsigned w)
{
	struct rng r = rng_unknown(w);
	switch (opc) {
	case BPFRT_LSH:
		r.t = tnum_cast(tnum_lshift(a.t, s), w / 8);
		if (s == 0 || (a.umax >> (w - s)) == 0) { r.umin = a.umin << s; r.umax = a.umax << s; }
		break;
	case BPFRT_RSH:
		r.t = tnum_rshift(a.t, s);
		r.umin = a.umin >> s; r.umax = a.umax >> s;
		break;
	default: /* ARSH */
		r.t = tnum_arshift(a.t, s, w);
		r.t = tnum_cast(r.t, w / 8);
		r.smin = a.smin >> s; r.smax = a.smax >> s;
		break;
	}
	return r;
}

static uint64_t do_div(int opc, bool sgn, uint64_t a, uint64_t b, unsigned w)
{
	uint64_t m = umaxw(w);
	a &= m; b &= m;
	if (!sgn) {
		if (opc == BPFRT_DIV)
			return b ? a / b : 0;
		return b ? a % b : a;
	}
	int64_t sa = sext(a, w), sb = sext(b, w);
	if (opc == BPFRT_DIV) {
		if (!sb) return 0;
		if (sb == -1) return (uint64_t)(-(uint64_t)sa) & m;
		return (uint64_t)(sa / sb) & m;
	}
	if (!sb) return a;
	if (sb == -1) return 0;
	return (uint64_t)(sa % sb) & m;
}

/* The result of opc over a and b as w-bit values. */
static struct rng rng_op(int opc, bool sgn, struct rng a, struct rng b, unsigned w, bool *ok)
{
	*ok = true;
	switch (opc) {
	case BPFRT_ADD: return rng_add(a, b, w);
	case BPFRT_SUB: return rng_sub(a, b, w);
	case BPFRT_MUL: return rng_mul(a, b, w);
	case BPFRT_AND: case BPFRT_OR: case BPFRT_XOR: return rng_bitop(opc, a, b, w);
	case BPFRT_LSH: case BPFRT_RSH: case BPFRT_ARSH:
		if (rng_const(&b) && b.t.value < w)
			return rng_shift(opc, a, (unsigned)b.t.value, w);
		if (opc == BPFRT_RSH && b.umax < w) {
			struct rng r = rng_unknown(w);
			r.umax = a.umax >> b.umin;
			return r;
		}
		return rng_unknown(w);
	case BPFRT_DIV: case BPFRT_MOD:
		if (rng_const(&a) && rng_const(&b))
			return rng_const_v(do_div(opc, sgn, a.t.value, b.t.value, w), w);
		if (!sgn) {
			struct rng r = rng_unknown(w);
			r.umax = a.umax;
			if (opc == BPFRT_MOD && b.umin > 0 && b.umax - 1 < r.umax)
				r.umax = b.umax - 1;
			return r;
		}
		return rng_unknown(w);
	}
	*ok = false;
	return rng_unknown(w);
}

void reg_unbounded(struct vreg *r)
{
	r->var_off = tnum_unknown;
	r->smin = INT64_MIN; r->smax = INT64_MAX;
	r->umin = 0; r->umax = UINT64_MAX;
	r->s32_min = INT32_MIN; r->s32_max = INT32_MAX;
	r->u32_min = 0; r->u32_max = UINT32_MAX;
}

static void put_rng(struct vreg *r, const struct rng *a, unsigned w)
{
	if (w == 64) {
		r->umin = a->umin; r->umax = a->umax; r->smin = a->smin; r->smax = a->smax;
		r->var_off = a->t;
	} else {
		r->u32_min = (uint32_t)a->umin; r->u32_max = (uint32_t)a->umax;
		r->s32_min = (int32_t)a->smin; r->s32_max = (int32_t)a->smax;
		r->var_off = tnum_with_subreg(r->var_off, a->t);
	}
}

void reg_bounds_sync(struct vreg *r)
{
	for (int pass = 0; pass < 2; pass++) {
		struct rng a = rng_of(r, 64), b = rng_of(r, 32);
		rng_tighten(&a, 64);
		rng_tighten(&b, 32);
		/* 64 -> 32: same upper half everywhere */
		if ((a.umin >> 32) == (a.umax >> 32) && a.umin <= a.umax) {
			if (b.umin < (uint32_t)a.umin) b.umin = (uint32_t)a.umin;
			if (b.umax > (uint32_t)a.umax) b.umax = (uint32_t)a.umax;
		}
		if ((a.smin >> 32) == (a.smax >> 32) && a.smin <= a.smax &&
		    (int32_t)a.smin <= (int32_t)a.smax) {
			if (b.smin < (int32_t)a.smin) b.smin = (int32_t)a.smin;
			if (b.smax > (int32_t)a.smax) b.smax = (int32_t)a.smax;
		}
		/* 32 -> 64 */
		if ((a.umin >> 32) == (a.umax >> 32) && b.umin <= b.umax) {
			uint64_t hi = a.umin & ~0xffffffffull;
			if (a.umin < (hi | b.umin)) a.umin = hi | b.umin;
			if (a.umax > (hi | b.umax)) a.umax = hi | b.umax;
		}
		a.t = tnum_with_subreg(a.t, tnum_intersect(tnum_subreg(a.t), b.t));
		rng_tighten(&a, 64);
		put_rng(r, &a, 64);
		put_rng(r, &b, 32);
	}
}

bool reg_bounds_empty(const struct vreg *r)
{
	return r->umin > r->umax || r->smin > r->smax || r->u32_min > r->u32_max ||
	       r->s32_min > r->s32_max;
}

void reg_zext32(struct vreg *r)
{
	struct rng b = rng_of(r, 32);
	r->var_off = tnum_subreg(r->var_off);
	r->umin = b.umin; r->umax = b.umax;
	r->smin = (int64_t)b.umin; r->smax = (int64_t)b.umax;
	reg_bounds_sync(r);
}

static uint64_t bswap_n(uint64_t v, unsigned bits)
{
	switch (bits) {
	case 16: return __builtin_bswap16((uint16_t)v);
	case 32: return __builtin_bswap32((uint32_t)v);
	default: return __builtin_bswap64(v);
	}
}

/*
 * dst = dst OP src for scalars; opc the BPFRT_* ALU operation (for END the
 * source bit in sgn_or_end, imm in src's constant), alu32 the width.  sgn:
 * signed div/mod (off == 1).
 */
void scalar_alu_ext(struct vreg *dst, const struct vreg *src, unsigned opc, bool alu32,
		    bool sgn, int32_t imm, bool to_be, int64_t insn_off)
{
	unsigned w = alu32 ? 32 : 64;
	struct vreg res = *dst;
	res.type = SCALAR_VALUE;
	res.id = 0;
	bool ok;
	switch (opc) {
	case BPFRT_MOV:
		if (insn_off) {	/* movsx */
			unsigned bits = (unsigned)insn_off;
			struct rng s = rng_of(src, 64);
			if (rng_const(&s)) {
				int64_t v = bits == 8 ? (int8_t)s.t.value :
					    bits == 16 ? (int16_t)s.t.value : (int32_t)s.t.value;
				mark_known(&res, alu32 ? (uint32_t)v : (uint64_t)v);
			} else if (s.umax < (1ull << (bits - 1))) {
				res = *src;
				res.id = 0;
			} else {
				reg_unbounded(&res);
				res.smin = -(1ll << (bits - 1));
				res.smax = (1ll << (bits - 1)) - 1;
				if (alu32) {
					res.s32_min = (int32_t)res.smin; res.s32_max = (int32_t)res.smax;
					reg_bounds_sync(&res);
					reg_zext32(&res);
				}
			}
		} else {
			res = *src;
			if (alu32) {
				res.id = 0;
				reg_zext32(&res);
			}
		}
		*dst = res;
		reg_bounds_sync(dst);
		return;
	case BPFRT_NEG: {
		struct rng a = rng_of(dst, w);
		if (rng_const(&a))
			mark_known(&res, (uint64_t)(-(int64_t)a.t.value) & umaxw(w));
		else
			reg_unbounded(&res);
		if (alu32)
			reg_zext32(&res);
		*dst = res;
		return;
	}
	case BPFRT_END: {
		unsigned bits = (unsigned)imm;
		if (tnum_is_const(dst->var_off)) {
			uint64_t v = dst->var_off.value;
			if (to_be || !alu32)
				v = bswap_n(v, bits);
			if (bits < 64)
				v &= (1ull << bits) - 1;
			mark_known(&res, v);
		} else if (!to_be && alu32) {	/* le on a little-endian host */
			res.var_off = tnum_cast(res.var_off, bits / 8);
			if (bits < 64) {
				reg_unbounded(&res);
				res.var_off = tnum_cast(dst->var_off, bits / 8);
				res.umax = (1ull << bits) - 1;
			}
		} else {
			reg_unbounded(&res);
			if (bits < 64) {
				res.var_off = TNUM(0, (1ull << bits) - 1);
				res.umax = (1ull << bits) - 1;
			}
		}
		*dst = res;
		reg_bounds_sync(dst);
		return;
	}
	default:
		break;
	}
	struct rng a = rng_of(dst, w), b = rng_of(src, w);
	struct rng r = rng_op((int)opc, sgn, a, b, w, &ok);
	if (alu32) {
		reg_unbounded(&res);
		rng_tighten(&r, 32);
		put_rng(&res, &r, 32);
		reg_zext32(&res);
		*dst = res;
		return;
	}
	reg_unbounded(&res);
	put_rng(&res, &r, 64);
	/* the low half of add/sub/mul/and/or/xor/lsh depends only on the
	 * operands' low halves */
	if (opc == BPFRT_ADD || opc == BPFRT_SUB || opc == BPFRT_MUL || opc == BPFRT_AND ||
	    opc == BPFRT_OR || opc == BPFRT_XOR) {
		struct rng r32 = rng_op((int)opc, sgn, rng_of(dst, 32), rng_of(src, 32), 32, &ok);
		rng_tighten(&r32, 32);
		struct tnum t = res.var_off;
		put_rng(&res, &r32, 32);
		res.var_off = tnum_with_subreg(t, tnum_intersect(tnum_subreg(t), r32.t));
	}
	*dst = res;
	reg_bounds_sync(dst);
}

void scalar_alu(struct vreg *dst, const struct vreg *src, unsigned opc, bool alu32)
{
	scalar_alu_ext(dst, src, opc, alu32, false, 0, false, 0);
}
