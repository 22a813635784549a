/* SPDX-License-Identifier: MIT */
/*
 * Where the unit tests find the corpus objects (tests/corpus/NAME.bpf.c built
 * by clang): $BPFRT_BUILD/corpus, else the corpus directory beside the test
 * binary's own directory (<build>/tests/test_x -> <build>/corpus).
 */
#ifndef BPFRT_TEST_CORPUS_H
#define BPFRT_TEST_CORPUS_H

/* Call once from main with argv[0]. */
void t_corpus_init(const char *argv0);
/* Path of corpus object name; valid until the next call. */
const char *t_corpus(const char *name);

#endif
