/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by every module: messages and error buffers. */
#ifndef BPFRT_COMMON_H
#define BPFRT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"

#define BPFRT_VERSION "0.1.0"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Route a message through the user's print callback. */
void bpfrt_pr(enum bpfrt_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_warn(...)  bpfrt_pr(BPFRT_WARN, __VA_ARGS__)
#define pr_info(...)  bpfrt_pr(BPFRT_INFO, __VA_ARGS__)
#define pr_debug(...) bpfrt_pr(BPFRT_DEBUG, __VA_ARGS__)

/* snprintf into a caller's (buf, size), tolerating buf == NULL / size == 0. */
void bpfrt_errf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Read opts field F of an opts struct of the caller's size, or DEFAULT when
 * the caller's struct predates the field (libbpf's OPTS_GET). */
#define OPTS_HAS(opts, field) \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))
#define OPTS_GET(opts, field, dflt) (OPTS_HAS(opts, field) ? (opts)->field : (dflt))
#define OPTS_SET(opts, field, value) \
	do { if (OPTS_HAS(opts, field)) (opts)->field = (value); } while (0)

#endif
