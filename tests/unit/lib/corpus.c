/* SPDX-License-Identifier: MIT */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>

#include "corpus.h"

static char corpus_dir[512];

void t_corpus_init(const char *argv0)
{
	const char *b = getenv("BPFRT_BUILD");
	if (b && *b) {
		snprintf(corpus_dir, sizeof(corpus_dir), "%s/corpus", b);
		return;
	}
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", argv0);
	snprintf(corpus_dir, sizeof(corpus_dir), "%s/../corpus", dirname(tmp));
}

const char *t_corpus(const char *name)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", corpus_dir, name);
	return path;
}
