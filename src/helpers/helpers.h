/* SPDX-License-Identifier: MIT */
/*
 * The kernel's helpers, by the kernel's ids, as bpfrt implements them.
 * The verifier reads the same table for the helpers' prototypes.
 */
#ifndef BPFRT_HELPERS_H
#define BPFRT_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfrt/bpfrt.h"

/* Helpers a program of this type may call; static storage. */
const struct bpfrt_helper_def *bpfrt__helpers_for_type(enum bpfrt_prog_type type,
							size_t *cnt);
/* Name of a kernel helper id ("map_lookup_elem"), NULL when unknown to the
 * kernel too; used to say which helper a program wanted. */
const char *bpfrt__kernel_helper_name(unsigned int id);
/* Does bpfrt implement helper id for some program type? */
bool bpfrt__helper_implemented(unsigned int id);
/* Where bpf_trace_printk output goes (default, fn NULL: bpfrt_pr at DEBUG). */
void bpfrt__set_trace_sink(void (*fn)(void *user, const char *msg), void *user);

#endif
