/* SPDX-License-Identifier: MIT */
/*
 * Semantics of the instruction families, as functions of the opcode byte and
 * the table's discriminating value (MVAL).  interp_body.h calls them with the
 * constant CODE/MVAL of one ISA table row, so after inlining each handler is
 * just its own operation: the switches below fold away.
 *
 * Rules (Linux / RFC 9669): 32-bit results are zero-extended; shift counts
 * are masked; unsigned x/0 = 0 and x%0 = x; signed INT_MIN/-1 = INT_MIN and
 * INT_MIN%-1 = 0 (undefined in C, hence the explicit cases).
 */
#ifndef BPFRT_VM_OPS_H
#define BPFRT_VM_OPS_H

#include <stdint.h>
#include <string.h>

#include "bpfrt/insn.h"

#define VM_INLINE static inline __attribute__((always_inline))

VM_INLINE uint64_t vm_alu64(unsigned code, int mv, uint64_t d, uint64_t s)
{
	switch (BPFRT_OP(code)) {
	case BPFRT_ADD: return d + s;
	case BPFRT_SUB: return d - s;
	case BPFRT_MUL: return d * s;
	case BPFRT_DIV:
		if (mv) {	/* sdiv */
			if (s == 0)
				return 0;
			if ((int64_t)s == -1)
				return 0 - d;	/* also INT64_MIN / -1 = INT64_MIN */
			return (uint64_t)((int64_t)d / (int64_t)s);
		}
		return s ? d / s : 0;
	case BPFRT_MOD:
		if (mv) {	/* smod */
			if (s == 0)
				return d;
			if ((int64_t)s == -1)
				return 0;
			return (uint64_t)((int64_t)d % (int64_t)s);
		}
		return s ? d % s : d;
	case BPFRT_OR: return d | s;
	case BPFRT_AND: return d & s;
	case BPFRT_XOR: return d ^ s;
	case BPFRT_LSH: return d << (s & 63);
	case BPFRT_RSH: return d >> (s & 63);
	case BPFRT_ARSH: return (uint64_t)((int64_t)d >> (s & 63));
	case BPFRT_NEG: return 0 - d;
	case BPFRT_MOV:
		switch (mv) {	/* movsx when off is 8/16/32 */
		case 8: return (uint64_t)(int64_t)(int8_t)s;
		case 16: return (uint64_t)(int64_t)(int16_t)s;
		case 32: return (uint64_t)(int64_t)(int32_t)s;
		default: return s;
		}
	default: __builtin_unreachable();
	}
}

VM_INLINE uint32_t vm_alu32(unsigned code, int mv, uint32_t d, uint32_t s)
{
	switch (BPFRT_OP(code)) {
	case BPFRT_ADD: return d + s;
	case BPFRT_SUB: return d - s;
	case BPFRT_MUL: return d * s;
	case BPFRT_DIV:
		if (mv) {
			if (s == 0)
				return 0;
			if ((int32_t)s == -1)
				return 0 - d;
			return (uint32_t)((int32_t)d / (int32_t)s);
		}
		return s ? d / s : 0;
	case BPFRT_MOD:
		if (mv) {
			if (s == 0)
				return d;
			if ((int32_t)s == -1)
				return 0;
			return (uint32_t)((int32_t)d % (int32_t)s);
		}
		return s ? d % s : d;
	case BPFRT_OR: return d | s;
	case BPFRT_AND: return d & s;
	case BPFRT_XOR: return d ^ s;
	case BPFRT_LSH: return d << (s & 31);
	case BPFRT_RSH: return d >> (s & 31);
	case BPFRT_ARSH: return (uint32_t)((int32_t)d >> (s & 31));
	case BPFRT_NEG: return 0 - d;
	case BPFRT_MOV:
		switch (mv) {
		case 8: return (uint32_t)(int32_t)(int8_t)s;
		case 16: return (uint32_t)(int32_t)(int16_t)s;
		default: return s;
		}
	default: __builtin_unreachable();
	}
}

/* One ALU row: class picks the width; 32-bit results zero-extend. */
VM_INLINE uint64_t vm_alu(unsigned code, int mv, uint64_t d, uint64_t s)
{
	if (BPFRT_CLASS(code) == BPFRT_ALU64)
		return vm_alu64(code, mv, d, s);
	return vm_alu32(code, mv, (uint32_t)d, (uint32_t)s);
}

/* le/be/bswap: code 0xd4 (to le), 0xdc (to be), 0xd7 (bswap); bits = imm.
 * The host is little-endian, so "to le" only truncates. */
VM_INLINE uint64_t vm_end(unsigned code, int bits, uint64_t d)
{
	int swap = code != (BPFRT_ALU | BPFRT_END | BPFRT_TO_LE);
	switch (bits) {
	case 16: return swap ? __builtin_bswap16((uint16_t)d) : (uint16_t)d;
	case 32: return swap ? __builtin_bswap32((uint32_t)d) : (uint32_t)d;
	default: return swap ? __builtin_bswap64(d) : d;
	}
}

VM_INLINE unsigned vm_size(unsigned code)
{
	switch (BPFRT_SIZE(code)) {
	case BPFRT_B: return 1;
	case BPFRT_H: return 2;
	case BPFRT_W: return 4;
	default: return 8;
	}
}

/* memcpy: programs may access unaligned addresses; on x86 this is one mov. */
VM_INLINE uint64_t vm_load(unsigned code, uint64_t addr)
{
	const void *p = (const void *)(uintptr_t)addr;
	int sx = BPFRT_MODE(code) == BPFRT_MEMSX;
	switch (BPFRT_SIZE(code)) {
	case BPFRT_B: { uint8_t v; memcpy(&v, p, 1); return sx ? (uint64_t)(int8_t)v : v; }
	case BPFRT_H: { uint16_t v; memcpy(&v, p, 2); return sx ? (uint64_t)(int16_t)v : v; }
	case BPFRT_W: { uint32_t v; memcpy(&v, p, 4); return sx ? (uint64_t)(int32_t)v : v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

/* A value the context emulation loaded: already zero-extended (pointers
 * are whole), sign-extended here for ldxs*. */
VM_INLINE uint64_t vm_ext(unsigned code, uint64_t v)
{
	if (BPFRT_MODE(code) != BPFRT_MEMSX)
		return v;
	switch (BPFRT_SIZE(code)) {
	case BPFRT_B: return (uint64_t)(int64_t)(int8_t)v;
	case BPFRT_H: return (uint64_t)(int64_t)(int16_t)v;
	case BPFRT_W: return (uint64_t)(int64_t)(int32_t)v;
	default: return v;
	}
}

VM_INLINE void vm_store(unsigned code, uint64_t addr, uint64_t val)
{
	void *p = (void *)(uintptr_t)addr;
	switch (BPFRT_SIZE(code)) {
	case BPFRT_B: { uint8_t v = (uint8_t)val; memcpy(p, &v, 1); break; }
	case BPFRT_H: { uint16_t v = (uint16_t)val; memcpy(p, &v, 2); break; }
	case BPFRT_W: { uint32_t v = (uint32_t)val; memcpy(p, &v, 4); break; }
	default: memcpy(p, &val, 8); break;
	}
}

/* Conditional jumps: 64-bit compare full registers (imm already
 * sign-extended), JMP32 the low halves. */
VM_INLINE int vm_cond(unsigned code, uint64_t d, uint64_t s)
{
	if (BPFRT_CLASS(code) == BPFRT_JMP32) {
		d = (uint32_t)d;
		s = (uint32_t)s;
		switch (BPFRT_OP(code)) {
		case BPFRT_JSGT: return (int32_t)d > (int32_t)s;
		case BPFRT_JSGE: return (int32_t)d >= (int32_t)s;
		case BPFRT_JSLT: return (int32_t)d < (int32_t)s;
		case BPFRT_JSLE: return (int32_t)d <= (int32_t)s;
		default: break;
		}
	}
	switch (BPFRT_OP(code)) {
	case BPFRT_JEQ: return d == s;
	case BPFRT_JNE: return d != s;
	case BPFRT_JGT: return d > s;
	case BPFRT_JGE: return d >= s;
	case BPFRT_JLT: return d < s;
	case BPFRT_JLE: return d <= s;
	case BPFRT_JSET: return (d & s) != 0;
	case BPFRT_JSGT: return (int64_t)d > (int64_t)s;
	case BPFRT_JSGE: return (int64_t)d >= (int64_t)s;
	case BPFRT_JSLT: return (int64_t)d < (int64_t)s;
	case BPFRT_JSLE: return (int64_t)d <= (int64_t)s;
	default: __builtin_unreachable();
	}
}

/* Atomic read-modify-write; aop is the imm of the row.  Returns the old
 * value (zero-extended for 32 bit); for cmpxchg *r0 is the comparand and
 * receives the old value. */
#define VM_ATOMIC_BODY(T, p, aop, v, r0)					\
	do {									\
		T *__p = (T *)(uintptr_t)(p);					\
		T __v = (T)(v);							\
		switch ((aop) & ~BPFRT_FETCH) {					\
		case BPFRT_ADD: return __atomic_fetch_add(__p, __v, __ATOMIC_SEQ_CST); \
		case BPFRT_OR: return __atomic_fetch_or(__p, __v, __ATOMIC_SEQ_CST); \
		case BPFRT_AND: return __atomic_fetch_and(__p, __v, __ATOMIC_SEQ_CST); \
		case BPFRT_XOR: return __atomic_fetch_xor(__p, __v, __ATOMIC_SEQ_CST); \
		case BPFRT_XCHG & ~BPFRT_FETCH:					\
			return __atomic_exchange_n(__p, __v, __ATOMIC_SEQ_CST);	\
		default: {	/* cmpxchg */					\
			T __old = (T)*(r0);					\
			__atomic_compare_exchange_n(__p, &__old, __v, 0,	\
				__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);		\
			*(r0) = __old;						\
			return __old;						\
		}								\
		}								\
	} while (0)

VM_INLINE uint64_t vm_atomic64(int aop, uint64_t p, uint64_t v, uint64_t *r0)
{
	VM_ATOMIC_BODY(uint64_t, p, aop, v, r0);
}

VM_INLINE uint64_t vm_atomic32(int aop, uint64_t p, uint64_t v, uint64_t *r0)
{
	VM_ATOMIC_BODY(uint32_t, p, aop, v, r0);
}

#endif /* BPFRT_VM_OPS_H */
