/* SPDX-License-Identifier: MIT */
/*
 * The kernel's helpers, by the kernel's ids, as bpfrt implements them.
 * The verifier reads the same table for the helpers' prototypes.
 */
#ifndef BPFRT_HELPERS_H
#define BPFRT_HELPERS_H

#include <stddef.h>

#include "bpfrt/bpfrt.h"

/* Helpers a program of this type may call; static storage. */
const struct bpfrt_helper_def *bpfrt__helpers_for_type(enum bpfrt_prog_type type,
							size_t *cnt);
/* Name of a kernel helper id ("map_lookup_elem"), NULL when unknown to the
 * kernel too; used to say which helper a program wanted. */
const char *bpfrt__kernel_helper_name(unsigned int id);

#endif
