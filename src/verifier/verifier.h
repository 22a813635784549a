/* SPDX-License-Identifier: MIT */
/*
 * The verifier: static proof that a program cannot fault, following the
 * Linux kernel's verifier (kernel/bpf/verifier.c) in its decisions and its
 * messages.  A verified program may later run unchecked once the runtime
 * rewrites its context accesses using the per-instruction facts below.
 */
#ifndef BPFRT_VERIFIER_H
#define BPFRT_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"

/* Per-instruction facts for the runtime (one per slot). */
#define BPFRT_VAUX_SEEN		(1u << 0)	/* reached by some path */
#define BPFRT_VAUX_CTX_LOAD	(1u << 1)	/* LDX from the context */
#define BPFRT_VAUX_CTX_STORE	(1u << 2)	/* ST/STX into the context */
/* Helper call with a map argument (ARG_CONST_MAP_PTR): on every path that
 * reaches it the map is maps[map_idx] (the kernel's insn_aux map_ptr).
 * POISON: different maps (or an inner map of a map-in-map) reach it. */
#define BPFRT_VAUX_MAP		(1u << 3)
#define BPFRT_VAUX_MAP_POISON	(1u << 4)
struct bpfrt_vaux {
	uint8_t flags;
	uint8_t ctx_size;	/* access width in bytes */
	uint16_t ctx_off;	/* offset in the UAPI context struct */
	uint32_t map_idx;	/* BPFRT_VAUX_MAP: index into the program's maps */
};

/* Line info accessor: "file.c:42: <source text>" for slot idx, or NULL. */
typedef const char *(*bpfrt_vline_fn)(void *arg, size_t idx);

struct bpfrt_verifier_env_opts {
	size_t sz;
	/* In: the program after loader relocation (lddw PSEUDO_MAP_IDX /
	 * PSEUDO_MAP_IDX_VALUE index maps[], PSEUDO_FUNC, local calls). */
	const struct bpfrt_insn *insns;
	size_t cnt;
	enum bpfrt_prog_type prog_type;
	struct bpfrt_map *const *maps;
	size_t map_cnt;
	/* Helper ids the program may call; NULL: those bpfrt implements
	 * for prog_type (bpfrt__helpers_for_type). */
	const uint32_t *helper_ids;
	size_t helper_cnt;
	/* Subprogram starts (func_info), optional: calls and PSEUDO_FUNC
	 * also define them, as in the kernel. */
	const uint32_t *func_starts;
	size_t func_cnt;
	bpfrt_vline_fn line_fn;
	void *line_arg;
	/* Log: level 0 = the error only, 1 = + statistics, 2 = full trace. */
	int log_level;
	char *log_buf;
	size_t log_size;
	/* Complexity limit in processed instructions (0: 1000000). */
	uint32_t insn_limit;
	/* Verify as for a loader without CAP_PERFMON (no uninitialised stack
	 * reads, no pointer leaks, no loops); default: as root. */
	bool unpriv;

	/* Out (when non-NULL): cnt facts, caller-allocated. */
	struct bpfrt_vaux *aux;
	/* Out: statistics and where it failed. */
	uint32_t processed;
	uint32_t total_states;
	uint32_t max_stack;	/* deepest frame, bytes */
	int err_insn;		/* -1 when none */
};

/* 0: the program is safe; -EINVAL rejected (-E2BIG too complex, -ENOMEM,
 * -EACCES for a forbidden write), the reason in log_buf. */
int bpfrt__verify(struct bpfrt_verifier_env_opts *o);

/* Name of a register type as the kernel prints it ("map_value_or_null"). */
const char *bpfrt__vreg_type_str(int type, int flags);

#endif

/* ---- objects (src/verifier/objverify.c) ---- */
struct bpfrt_object;
struct bpfrt_program;
/* Verify one program of an object prepared with bpfrt__object_prepare
 * (maps created, relocations applied, subprograms linked).  o is filled
 * with the program's instructions, type, maps, func_info and line info
 * (the caller's log, level, limit and aux are kept); returns as
 * bpfrt__verify. */
int bpfrt__verify_program(struct bpfrt_object *obj, struct bpfrt_program *prog,
			  struct bpfrt_verifier_env_opts *o);
