/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "t.h"

unsigned t_passed, t_failed, t_skipped;

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	t_failed++;
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void t_skip(const char *fmt, ...)
{
	va_list ap;
	t_skipped++;
	fputs("SKIP: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int t_done(const char *suite)
{
	if (t_skipped)
		printf("%s: %u passed, %u failed, %u skipped\n", suite, t_passed, t_failed,
		       t_skipped);
	else
		printf("%s: %u passed, %u failed\n", suite, t_passed, t_failed);
	return t_failed ? 1 : 0;
}

const char *t_conformance_dir(void)
{
	const char *d = getenv("BPFRT_CONFORMANCE_DIR");
	return d && *d ? d : "../shared/conformance";
}

char *t_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, 2 * cap + 1);
			if (!nb) { free(buf); buf = NULL; break; }
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
