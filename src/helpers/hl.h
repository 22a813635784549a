/* SPDX-License-Identifier: MIT */
/* Shared pieces of the helper implementations. */
#ifndef BPFRT_HL_H
#define BPFRT_HL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "ctx/ctx.h"
#include "maps/map_internal.h"
#include "vm/vm.h"

#define HELPER(name)								\
	uint64_t bpfrt__h_##name(uint64_t a1, uint64_t a2, uint64_t a3,		\
				 uint64_t a4, uint64_t a5, struct bpfrt_run_ctx *rc)
#define PTR(x) ((void *)(uintptr_t)(x))
/* Negative errno as the u64 a helper returns. */
#define ERR(e) ((uint64_t)(int64_t)(e))

/* Argument checks of checked runs.  A failed check stops the run with a
 * message naming the helper (the verifier would have refused the program);
 * the helper then returns 0, which nobody sees. */
static inline bool hl_mem(struct bpfrt_run_ctx *rc, const char *h, const char *what,
			  uint64_t ptr, uint64_t len, bool write)
{
	if (!rc->checked || bpfrt_run_ctx__check_mem(rc, ptr, len, write) == 0)
		return true;
	bpfrt__vm_helper_fault(rc, h, "%s: %s of %llu bytes at 0x%llx outside memory the "
			       "program holds", what, write ? "write" : "read",
			       (unsigned long long)len, (unsigned long long)ptr);
	return false;
}

static inline bool hl_map(struct bpfrt_run_ctx *rc, const char *h, uint64_t m)
{
	if (bpfrt__vm_map_ok(rc, PTR(m)))
		return true;
	bpfrt__vm_helper_fault(rc, h, "0x%llx is not a map the program refers to",
			       (unsigned long long)m);
	return false;
}

/* One's complement arithmetic as the kernel's csum_* (host order). */
static inline uint32_t hl_csum_add(uint32_t a, uint32_t b)
{
	a += b;
	return a + (a < b);
}
static inline uint32_t hl_csum_sub(uint32_t a, uint32_t b) { return hl_csum_add(a, ~b); }
static inline uint16_t hl_csum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
uint32_t bpfrt__csum_partial(const void *p, size_t len, uint32_t seed);

/* Safe reads of arbitrary addresses: 0, or -EFAULT with dst zeroed. */
long bpfrt__safe_read(void *dst, const void *src, size_t len);
/* Up to len - 1 bytes and a NUL: the length with the NUL, or -EFAULT. */
long bpfrt__safe_read_str(char *dst, const void *src, size_t len);

/* The kernel's bprintf subset; returns the length or -EINVAL. */
long bpfrt__bprintf(char *out, size_t size, const char *fmt, uint32_t fmt_size,
		    const uint64_t *args, uint32_t nargs);

#endif
