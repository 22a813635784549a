/* SPDX-License-Identifier: MIT */
/* The .data file format (see isadata.h), parsed once for every test. */
#include <stdlib.h>
#include <string.h>

#include "isadata.h"

/* Trim comments and whitespace from a one-value section. */
static char *trim(char *s)
{
	if (!s)
		return NULL;
	char *h = strchr(s, '#');
	if (h)
		*h = '\0';
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Split the file into its sections, NUL-terminating each in place. */
void t_isadata_parse(char *buf, struct t_isadata *c)
{
	char **cur = NULL;
	memset(c, 0, sizeof(*c));
	for (char *ln = buf; ln && *ln;) {
		char *nl = strchr(ln, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(ln, "-- ", 3)) {
			char *name = ln + 3;
			cur = !strncmp(name, "asm", 3) ? &c->asm_text :
			      !strncmp(name, "mem", 3) ? &c->mem_text :
			      !strncmp(name, "result", 6) ? &c->result :
			      !strncmp(name, "error", 5) ? &c->error : NULL;
			if (cur)
				*cur = nl ? nl + 1 : ln + strlen(ln);
			*ln = '\0';	/* ends the previous section */
		} else if (nl && cur) {
			*nl = '\n';	/* keep the section's lines together */
		}
		ln = nl ? nl + 1 : NULL;
	}
	c->result = trim(c->result);
	c->error = trim(c->error);
}

size_t t_isadata_mem(const char *s, uint8_t *mem, size_t cap)
{
	size_t n = 0;
	while (s && *s && n < cap) {
		if (*s == '#') {
			s = strchr(s, '\n');
			continue;
		}
		char *end;
		unsigned long v = strtoul(s, &end, 16);
		if (end == s) {
			s++;
			continue;
		}
		mem[n++] = (uint8_t)v;
		s = end;
	}
	return n;
}

