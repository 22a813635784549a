/* SPDX-License-Identifier: MIT */
/*
 * A tiny test harness shared by the unit tests.  Each test binary calls
 * T_CHECK()/T_EQ_U64() etc. and ends with `return t_done("name");`, which
 * prints "name: N passed, N failed[, N skipped]" and returns the exit code.
 */
#ifndef BPFRT_TEST_T_H
#define BPFRT_TEST_T_H

#include <inttypes.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdint.h>

extern unsigned t_passed, t_failed, t_skipped;

void t_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int t_done(const char *suite);
/* Directory of the upstream bpf_conformance suite: $BPFRT_CONFORMANCE_DIR,
 * else ../shared/conformance relative to the working directory. */
const char *t_conformance_dir(void);
/* Read a whole file; malloc()ed, NUL-terminated, NULL on error. */
char *t_read_file(const char *path, size_t *len);

#define T_CHECK(cond, ...)							\
	do {									\
		if (cond) t_passed++;						\
		else t_fail(__FILE__, __LINE__, __VA_ARGS__);			\
	} while (0)

#define T_EQ_U64(got, want, what)						\
	do {									\
		uint64_t __g = (uint64_t)(got), __w = (uint64_t)(want);	\
		T_CHECK(__g == __w, "%s: got 0x%" PRIx64 ", want 0x%" PRIx64,	\
			(what), __g, __w);					\
	} while (0)

#endif
