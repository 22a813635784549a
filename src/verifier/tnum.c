/* SPDX-License-Identifier: MIT */
/*
 * Tristate numbers: a 64-bit value where every bit is 0, 1 or unknown.
 * value holds the known bits, mask the unknown ones (value & mask == 0).
 */
#include <stdio.h>

#include "vinternal.h"

const struct tnum tnum_unknown = { 0, ~0ull };

struct tnum tnum_const(uint64_t v) { return TNUM(v, 0); }

struct tnum tnum_range(uint64_t min, uint64_t max)
{
	uint64_t chi = min ^ max;
	if (!chi)
		return tnum_const(min);
	unsigned bits = 64 - (unsigned)__builtin_clzll(chi);
	if (bits > 63)
		return tnum_unknown;
	uint64_t delta = (1ull << bits) - 1;
	return TNUM(min & ~delta, delta);
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
	uint64_t sm = a.mask + b.mask, sv = a.value + b.value;
	uint64_t sigma = sm + sv, chi = sigma ^ sv;
	uint64_t mu = chi | a.mask | b.mask;
	return TNUM(sv & ~mu, mu);
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	uint64_t dv = a.value - b.value;
	uint64_t alpha = dv + a.mask, beta = dv - b.mask;
	uint64_t chi = alpha ^ beta, mu = chi | a.mask | b.mask;
	return TNUM(dv & ~mu, mu);
}

struct tnum tnum_and(struct tnum a, struct tnum b)
{
	uint64_t alpha = a.value | a.mask, beta = b.value | b.mask;
	uint64_t v = a.value & b.value;
	return TNUM(v, alpha & beta & ~v);
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value, mu = a.mask | b.mask;
	return TNUM(v, mu & ~v);
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	uint64_t v = a.value ^ b.value, mu = a.mask | b.mask;
	return TNUM(v & ~mu, mu);
}

/* Long multiplication over the known/unknown bits of a. */
struct tnum tnum_mul(struct tnum a, struct tnum b)
{
	struct tnum acc_v = tnum_const(a.value * b.value);
	struct tnum acc_m = tnum_const(0);
	while (a.value || a.mask) {
		if (a.value & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.mask));
		else if (a.mask & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.value | b.mask));
		a = tnum_rshift(a, 1);
		b = tnum_lshift(b, 1);
	}
	return tnum_add(acc_v, acc_m);
}

struct tnum tnum_lshift(struct tnum a, unsigned s)
{
	return s >= 64 ? tnum_const(0) : TNUM(a.value << s, a.mask << s);
}

struct tnum tnum_rshift(struct tnum a, unsigned s)
{
	return s >= 64 ? tnum_const(0) : TNUM(a.value >> s, a.mask >> s);
}

struct tnum tnum_arshift(struct tnum a, unsigned s, unsigned bits)
{
	if (bits == 32)
		return TNUM((uint32_t)((int32_t)(uint32_t)a.value >> s),
			    (uint32_t)((int32_t)(uint32_t)a.mask >> s));
	return TNUM((uint64_t)((int64_t)a.value >> s), (uint64_t)((int64_t)a.mask >> s));
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value, mu = a.mask & b.mask;
	return TNUM(v & ~mu, mu);
}

struct tnum tnum_cast(struct tnum a, unsigned bytes)
{
	if (bytes >= 8)
		return a;
	uint64_t m = (1ull << (bytes * 8)) - 1;
	return TNUM(a.value & m, a.mask & m);
}

struct tnum tnum_subreg(struct tnum a) { return tnum_cast(a, 4); }

struct tnum tnum_with_subreg(struct tnum reg, struct tnum sub)
{
	struct tnum hi = TNUM(reg.value & ~0xffffffffull, reg.mask & ~0xffffffffull);
	return tnum_or(hi, tnum_subreg(sub));
}

bool tnum_is_const(struct tnum a) { return !a.mask; }

/* Is every value of inner also a value of outer? */
bool tnum_in(struct tnum outer, struct tnum inner)
{
	if (inner.mask & ~outer.mask)
		return false;
	return (inner.value & ~outer.mask) == outer.value;
}

int tnum_sbin(char *buf, size_t n, struct tnum a)
{
	return snprintf(buf, n, "(%#llx; %#llx)", (unsigned long long)a.value,
			(unsigned long long)a.mask);
}
