/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "common.h"

static int default_print(enum bpfrt_print_level level, const char *fmt, va_list ap)
{
	if (level != BPFRT_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static bpfrt_print_fn_t print_fn = default_print;

BPFRT_API bpfrt_print_fn_t bpfrt_set_print(bpfrt_print_fn_t fn)
{
	bpfrt_print_fn_t old = print_fn;
	print_fn = fn;
	return old;
}

BPFRT_API const char *bpfrt_version(void)
{
	return BPFRT_VERSION;
}

void bpfrt_pr(enum bpfrt_print_level level, const char *fmt, ...)
{
	bpfrt_print_fn_t fn = print_fn;
	if (!fn)
		return;
	va_list ap;
	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
}

void bpfrt_errf(char *buf, size_t size, const char *fmt, ...)
{
	if (!buf || !size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}
