/* SPDX-License-Identifier: MIT */
/*
 * Helper prototypes by the kernel's ids, as the kernel's bpf_func_proto
 * declares them: what the verifier checks each argument against and what
 * the call leaves in r0.
 */
#ifndef BPFRT_HELPERS_PROTOS_H
#define BPFRT_HELPERS_PROTOS_H

#include <stdint.h>

enum bpfrt_arg_type {
	ARG_DONTCARE = 0,		/* unused argument */
	ARG_ANYTHING,			/* any initialised value */
	ARG_CONST_MAP_PTR,		/* a map (lddw map) */
	ARG_PTR_TO_MAP_KEY,		/* key_size readable bytes */
	ARG_PTR_TO_MAP_VALUE,		/* value_size readable bytes */
	ARG_PTR_TO_UNINIT_MAP_VALUE,	/* value_size writable bytes */
	ARG_PTR_TO_MEM,			/* readable memory, size in the next arg */
	ARG_PTR_TO_MEM_RDONLY,		/* same, read only by the helper */
	ARG_PTR_TO_MEM_OR_NULL,		/* same, or NULL with size 0 */
	ARG_PTR_TO_UNINIT_MEM,		/* writable memory, size in the next arg */
	ARG_CONST_SIZE,			/* size of the previous memory arg, > 0 */
	ARG_CONST_SIZE_OR_ZERO,		/* same, may be 0 */
	ARG_PTR_TO_CTX,			/* the program's context */
	ARG_PTR_TO_FUNC,		/* a callback (lddw func) */
	ARG_PTR_TO_STACK_OR_NULL,	/* callback context: stack or NULL */
	ARG_PTR_TO_SPIN_LOCK,		/* a bpf_spin_lock in a map value */
	ARG_PTR_TO_RINGBUF_MEM,		/* a reservation, released by the call */
	ARG_CONST_ALLOC_SIZE_OR_ZERO,	/* constant size of an allocation */
	ARG_PTR_TO_CONST_STR,		/* NUL-terminated string in a rdonly map */
	ARG_PTR_TO_LONG,		/* 8 writable bytes */
	ARG__COUNT
};

enum bpfrt_ret_type {
	RET_INTEGER = 0,
	RET_VOID,
	RET_PTR_TO_MAP_VALUE_OR_NULL,
	RET_PTR_TO_RINGBUF_MEM_OR_NULL,
};

/* flags */
#define PROTO_F_PKT_CHANGES	(1u << 0)	/* invalidates packet pointers */
#define PROTO_F_CALLBACK	(1u << 1)	/* calls back into the program */
#define PROTO_F_SPIN_LOCK	(1u << 2)
#define PROTO_F_SPIN_UNLOCK	(1u << 3)
#define PROTO_F_TAIL_CALL	(1u << 4)

struct bpfrt_helper_proto {
	uint32_t id;
	const char *name;	/* "bpf_map_lookup_elem" */
	uint8_t ret;		/* enum bpfrt_ret_type */
	uint8_t args[5];	/* enum bpfrt_arg_type */
	uint32_t flags;
};

/* Prototype of helper id, NULL when none is known. */
const struct bpfrt_helper_proto *bpfrt__helper_proto(uint32_t id);
/* The kernel's name of an argument type ("ARG_PTR_TO_MAP_KEY"). */
const char *bpfrt__arg_type_str(int arg);

#endif
