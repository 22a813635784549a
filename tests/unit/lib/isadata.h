/* SPDX-License-Identifier: MIT */
/*
 * bpf_conformance's .data files, as tests/isa/ and the upstream suite hold
 * them: sections introduced by "-- name" lines.
 *   -- asm      the program
 *   -- mem      optional hex bytes, the ctx memory
 *   -- result   expected r0
 *   -- error    instead of a result: a substring of the expected error
 * Other sections are ignored; '#' starts a comment outside -- asm too.
 */
#ifndef BPFRT_TEST_ISADATA_H
#define BPFRT_TEST_ISADATA_H

#include <stddef.h>
#include <stdint.h>

struct t_isadata {
	char *asm_text;		/* all point into the file's buffer, or NULL */
	char *mem_text;
	char *result;		/* trimmed of comments and blanks */
	char *error;
};

/* Split buf into its sections, NUL-terminating each in place. */
void t_isadata_parse(char *buf, struct t_isadata *c);
/* The hex bytes of a -- mem section into mem (at most cap); the count. */
size_t t_isadata_mem(const char *s, uint8_t *mem, size_t cap);

#endif
