/* SPDX-License-Identifier: MIT */
/*
 * W^X executable memory for JIT images: the pages are mapped writable,
 * filled, then switched to read+execute.  They are never writable and
 * executable at once, so a bug elsewhere cannot patch live code.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jit.h"

void *bpfrt__jit_mem_alloc(const uint8_t *code, size_t len, size_t *map_len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = (len + page - 1) / page * page;
	if (n == 0)
		n = page;
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, code, len);
	/* Trap if anything ever runs past the end of the code. */
	memset((uint8_t *)p + len, 0xcc, n - len);
	if (mprotect(p, n, PROT_READ | PROT_EXEC)) {
		munmap(p, n);
		return NULL;
	}
	*map_len = n;
	return p;
}

void bpfrt__jit_mem_free(void *p, size_t map_len)
{
	if (p)
		munmap(p, map_len);
}
