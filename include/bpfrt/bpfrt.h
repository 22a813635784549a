/* SPDX-License-Identifier: MIT */
/*
 * bpfrt.h - public API of libbpfrt, a Linux-compatible eBPF runtime in user
 * space.
 *
 * Conventions (those of libbpf):
 *  - handles are opaque;
 *  - functions returning int return 0 (or a count) on success and a negative
 *    errno on failure; constructors return NULL and set errno;
 *  - options structs start with `size_t sz` and are declared with
 *    BPFRT_OPTS() so that older callers keep working as fields are added;
 *  - ownership is stated at each declaration.
 */
#ifndef BPFRT_BPFRT_H
#define BPFRT_BPFRT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/insn.h"
#include "bpfrt/types.h"
#include "bpfrt/map.h"
#include "bpfrt/object.h"
#include "bpfrt/live.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef BPFRT_API
#define BPFRT_API __attribute__((visibility("default")))
#endif

/* Declare and zero an options struct, setting sz:
 *     BPFRT_OPTS(bpfrt_run_opts, ro, .ctx = buf, .ctx_size = len); */
#define BPFRT_OPTS(TYPE, NAME, ...)						\
	struct TYPE NAME = ({							\
		struct TYPE __o;						\
		__builtin_memset(&__o, 0, sizeof(__o));				\
		__o = (struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };	\
		__o;								\
	})

/* ---- library messages ---------------------------------------------- */

enum bpfrt_print_level {
	BPFRT_WARN,
	BPFRT_INFO,
	BPFRT_DEBUG,
};

typedef int (*bpfrt_print_fn_t)(enum bpfrt_print_level level, const char *fmt,
				va_list args);

/* Set the one callback through which the library reports messages (default:
 * warnings to stderr).  NULL silences the library.  Returns the previous
 * callback. */
BPFRT_API bpfrt_print_fn_t bpfrt_set_print(bpfrt_print_fn_t fn);

/* Library version string, e.g. "0.1.0".  Static storage. */
BPFRT_API const char *bpfrt_version(void);

/* ---- assembler and disassembler ------------------------------------ */

/*
 * Assemble text in the bpf_conformance syntax ("mov32 %r0, 1",
 * "ldxw %r1, [%r2+4]", "jeq %r1, 0x5, +2", "lock add [%r1+0], %r2",
 * "call local func", labels "name:", comments '#' to end of line) into
 * instructions.
 *
 * On success returns 0, *insns points to a malloc()ed array that the caller
 * frees with free(), and *cnt is its number of slots.  On failure returns
 * -EINVAL (-ENOMEM) and, when err_buf is given, writes a message naming the
 * line: "line 3: unknown mnemonic 'mvo'".
 */
BPFRT_API int bpfrt_asm(const char *text, struct bpfrt_insn **insns, size_t *cnt,
			char *err_buf, size_t err_size);

enum bpfrt_disasm_style {
	/* bpf_conformance assembler syntax; bpfrt_asm() reads it back to the
	 * same bytes. */
	BPFRT_DISASM_ASM = 0,
	/* The kernel verifier's / llvm-objdump's C-like syntax:
	 * "r0 = 1", "if r1 > 0x2 goto pc+3", "*(u32 *)(r10 -4) = r1". */
	BPFRT_DISASM_KERNEL = 1,
};

/*
 * Disassemble the instruction at insns[idx] into buf (always NUL-terminated
 * when size > 0).  Returns the number of slots it took (1, or 2 for lddw).
 * An invalid slot still prints, as ".raw 0x<16 hex digits>" (the slot read
 * as a little-endian u64, which bpfrt_asm() reads back to the same bytes),
 * and returns 1; -EINVAL only for idx out of range.
 */
BPFRT_API int bpfrt_disasm_insn(const struct bpfrt_insn *insns, size_t cnt,
				size_t idx, enum bpfrt_disasm_style style,
				char *buf, size_t size);

/* Disassemble a whole program, one instruction per line; in KERNEL style each
 * line starts with "idx: ".  Returns a malloc()ed string the caller frees,
 * or NULL with errno set. */
BPFRT_API char *bpfrt_disasm(const struct bpfrt_insn *insns, size_t cnt,
			     enum bpfrt_disasm_style style);

/* ---- programs ------------------------------------------------------- */

struct bpfrt_prog;	/* a validated, pre-decoded program */
struct bpfrt_run_ctx;	/* the state of one run, as seen by helpers */

/*
 * A helper callable by id.  Arguments are r1..r5; the return value goes to
 * r0.  ctx is valid only during the call.
 */
typedef uint64_t (*bpfrt_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3,
				    uint64_t r4, uint64_t r5,
				    struct bpfrt_run_ctx *ctx);

/* The helper ends the program when it returns 0; r0 is then 0 (the
 * bpf_conformance "unwind" helper). */
#define BPFRT_HELPER_F_UNWIND	(1u << 0)

struct bpfrt_helper_def {
	uint32_t id;
	const char *name;	/* for messages; borrowed, must outlive the prog */
	bpfrt_helper_fn fn;
	uint32_t flags;		/* BPFRT_HELPER_F_* */
};

struct bpfrt_prog_load_opts {
	size_t sz;
	/* Program name used in messages; copied. */
	const char *name;
	/* Helpers the program may call, by id.  The array is copied; the
	 * name strings are borrowed. A call to any other id fails the load. */
	const struct bpfrt_helper_def *helpers;
	size_t helper_cnt;
	/* Where to write why loading failed ("insn 7: unknown opcode 0xff");
	 * caller-owned, may be NULL. */
	char *log_buf;
	size_t log_size;
	/* Maps the program refers to: lddw with src_reg BPFRT_PSEUDO_MAP_IDX
	 * (imm = index here) loads the map, BPFRT_PSEUDO_MAP_IDX_VALUE (imm =
	 * index, second slot's imm = offset) the address of its value memory.
	 * The program takes a reference on each map; the array is copied. */
	struct bpfrt_map *const *maps;
	size_t map_cnt;
	/* Program type (context layout, allowed helpers); UNSPEC for raw
	 * bytecode run with r1 = memory, r2 = its length. */
	enum bpfrt_prog_type prog_type;
	/* Run the verifier first (enum bpfrt_verify_mode); default OFF:
	 * raw bytecode runs checked unless verification is asked. */
	int verify;
	/* Verifier log level (0..2) for the log written to log_buf. */
	int verify_log_level;
	/* Subprogram starts from BTF func_info (optional). */
	const uint32_t *func_starts;
	size_t func_cnt;
	/* Source text for the verifier's messages (optional): returns
	 * "file.c:42: <line>" for slot idx, or NULL; the string must stay
	 * valid until the next call.  ELF objects pass BTF line info here. */
	const char *(*source_line)(void *arg, size_t idx);
	void *source_line_arg;
};

enum bpfrt_verify_mode {
	BPFRT_VERIFY_OFF = 0,
	/* A program the verifier rejects fails to load (errno EACCES), the
	 * verifier's message in log_buf. */
	BPFRT_VERIFY_STRICT,
	/* Verify and record the verdict (bpfrt_prog__verified); a rejected
	 * program still loads and always runs checked. */
	BPFRT_VERIFY_RECORD,
};

/*
 * Validate and pre-decode cnt instruction slots (copied).  Checks every
 * opcode and reserved field, jump targets (in range, not into the second
 * slot of lddw), helper ids, local-call targets and the static call depth
 * (at most BPFRT_MAX_CALL_FRAMES frames), and that the program cannot fall
 * off its end.  lddw forms that the ELF loader must resolve (src_reg 1..6)
 * are refused here.
 *
 * Returns the program (free with bpfrt_prog__free) or NULL with errno
 * (EINVAL for a bad program, ENOMEM), the reason in opts->log_buf.
 */
BPFRT_API struct bpfrt_prog *
bpfrt_prog__load_insns(const struct bpfrt_insn *insns, size_t cnt,
		       const struct bpfrt_prog_load_opts *opts);

/* Did the verifier prove the program safe at load? */
BPFRT_API bool bpfrt_prog__verified(const struct bpfrt_prog *prog);
/* Does it run unchecked by default (BPFRT_CHECK_AUTO)?  Verified, and every
 * context access rewritten to the hook's native layout; a program with an
 * access no single instruction can do (a tc store to queue_mapping, which
 * the kernel ignores for values >= 0xffff) stays checked. */
BPFRT_API bool bpfrt_prog__runs_unchecked(const struct bpfrt_prog *prog);

/* Free a program; NULL is a no-op. */
BPFRT_API void bpfrt_prog__free(struct bpfrt_prog *prog);

/* Borrowed view of the program's instructions, valid while prog lives. */
BPFRT_API const struct bpfrt_insn *bpfrt_prog__insns(const struct bpfrt_prog *prog,
						     size_t *cnt);



/* Parse "interp", "interp-switch", "jit", "default"; -EINVAL otherwise. */
BPFRT_API int bpfrt_engine_from_str(const char *s, enum bpfrt_engine *engine);
BPFRT_API const char *bpfrt_engine_str(enum bpfrt_engine engine);



struct bpfrt_run_opts {
	size_t sz;
	/* r1 = ctx, r2 = ctx_size at entry.  The program may read and write
	 * [ctx, ctx + ctx_size).  Caller-owned. */
	void *ctx;
	size_t ctx_size;
	/* Packet for LD_ABS/LD_IND; when NULL, the ctx memory. */
	const void *pkt;
	size_t pkt_size;
	enum bpfrt_engine engine;
	enum bpfrt_check_mode check;
	/* Run this many times (0 means 1) and report the mean time. */
	uint32_t repeat;
	/* Stop a checked run with -E2BIG after this many instructions
	 * (0: no limit).  Unverified programs may loop forever; fuzzers and
	 * the CLI set a limit.  Ignored by unchecked runs. */
	uint64_t insn_limit;
	/* Opaque pointer for helpers: bpfrt_run_ctx__user(). */
	void *user;
	/* out: r0 at exit of the last run */
	uint64_t retval;
	/* out: mean wall-clock nanoseconds per run */
	uint64_t duration_ns;
	/* out: instructions executed by the last run (interpreter engines) */
	uint64_t insn_cnt;
	/* Where to write why a run failed ("insn 4: ldxw: read of 4 bytes at
	 * 0x... outside any accessible region"); caller-owned, may be NULL. */
	char *err_buf;
	size_t err_size;
};

/*
 * Run the program.  Returns 0 with opts->retval set, or a negative errno:
 * -EFAULT for a memory fault in checked mode, -ENOTSUP for an engine that is
 * not available, -EINVAL for bad options; the reason in opts->err_buf.
 * Thread-safe: one prog may run on many threads at once.
 */
BPFRT_API int bpfrt_prog__run(const struct bpfrt_prog *prog,
			      struct bpfrt_run_opts *opts);

/* For helpers: is [ptr, ptr + len) inside memory this run may access (for
 * writing when write is true)?  Always 0 when the run is unchecked; else 0
 * or -EFAULT. */
BPFRT_API int bpfrt_run_ctx__check_mem(struct bpfrt_run_ctx *ctx, uint64_t ptr,
				       uint64_t len, bool write);
/* The run's opts->user. */
BPFRT_API void *bpfrt_run_ctx__user(struct bpfrt_run_ctx *ctx);

/* ---- JIT ------------------------------------------------------------ */

/* The x86-64 machine code the JIT made of a program (BPFRT_ENGINE_JIT;
 * the default engine on x86-64).  All pointers are borrowed and valid
 * while the program lives. */
struct bpfrt_jit_info {
	size_t sz;
	const uint8_t *image;		/* the code, starting with the entry */
	size_t image_len;
	/* insn_off[i]: offset in image of the code of slot i (the second slot
	 * of lddw has none: its offset equals the next one's);
	 * insn_off[insn_cnt] = the end of the slots' code (image_len, except
	 * in checked images, which continue with per-block copies that count
	 * every instruction).  Before insn_off[0] are the entry prologue and
	 * the exit stubs. */
	const uint32_t *insn_off;
	size_t insn_cnt;
	bool checked;			/* the checked translation */
};

/* Compile prog (once; cached) for checked or unchecked runs and describe
 * the code.  0, or -ENOTSUP where there is no JIT, -ENOMEM; info->sz must
 * be set (BPFRT_OPTS). */
BPFRT_API int bpfrt_prog__jit_info(const struct bpfrt_prog *prog, bool checked,
				   struct bpfrt_jit_info *info);

/* Constant blinding for images compiled from now on (off by default; the
 * environment variable BPFRT_JIT_HARDEN=1 turns it on at start): every
 * immediate is stored XORed with a random per-image key and decoded at run
 * time, so attacker-chosen constants never appear in executable memory
 * (JIT spraying).  Costs an instruction or two per immediate.  Returns the
 * previous setting. */
BPFRT_API bool bpfrt_jit_set_harden(bool on);

#ifdef __cplusplus
}
#endif
#endif /* BPFRT_BPFRT_H */
