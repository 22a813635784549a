/* SPDX-License-Identifier: GPL-2.0 */
/* Shared includes of the loader test corpus (tests/corpus/loader_*.bpf.c). */
#ifndef BPFRT_TEST_H
#define BPFRT_TEST_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NOINLINE __attribute__((noinline))

#endif
