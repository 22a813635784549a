/* SPDX-License-Identifier: GPL-2.0 */
/* Shared includes of the verifier cases, tests/verifier/NAME.bpf.c. */
#ifndef VT_H
#define VT_H
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define NOINLINE static __attribute__((noinline))
#define PKT(ctx) void *data = (void *)(long)(ctx)->data, *data_end = (void *)(long)(ctx)->data_end
#endif
