/* SPDX-License-Identifier: MIT */
/*
 * bpfrt/object.h - ELF objects built by clang -target bpf with libbpf's
 * conventions: open, inspect, load (maps created, relocations applied),
 * run.  Included by bpfrt/bpfrt.h.
 */
#ifndef BPFRT_OBJECT_H
#define BPFRT_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/insn.h"
#include "bpfrt/map.h"
#include "bpfrt/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef BPFRT_API
#define BPFRT_API __attribute__((visibility("default")))
#endif



/* "xdp", "sched_cls", ...; "unknown" otherwise.  Static storage. */
BPFRT_API const char *bpfrt_prog_type_str(enum bpfrt_prog_type type);
/* Parse a type name as above (also "tc" for sched_cls); -EINVAL otherwise. */
BPFRT_API int bpfrt_prog_type_from_str(const char *s, enum bpfrt_prog_type *type);

struct bpfrt_object;
struct bpfrt_program;

struct bpfrt_object_open_opts {
	size_t sz;
	/* Name of the object; default: the file's base name without ".o". */
	const char *object_name;
	/* Target BTF for CO-RE relocations; default /sys/kernel/btf/vmlinux
	 * when present.  Copied. */
	const char *btf_custom_path;
	/* Program type for sections libbpf's SEC() names do not tell (old
	 * objects' "socket1", "2/7", ...); UNSPEC: such sections are an
	 * error at open. */
	enum bpfrt_prog_type default_prog_type;
	/* Where to write why opening or loading failed, naming the file,
	 * section, offset and, when BTF line info exists, the source line.
	 * Caller-owned; must stay valid until bpfrt_object__load returns. */
	char *log_buf;
	size_t log_size;
	/* Loading verifies every program and refuses the object when one is
	 * rejected (errno EACCES, the verifier's message in log_buf).  Set
	 * no_verify to load rejected programs anyway: the verdict is only
	 * recorded (bpfrt_prog__verified) and such programs run checked
	 * (bounds, budget) in every engine and hook. */
	bool no_verify;
};

/*
 * Parse an ELF object (libelf): programs by section, BTF and BTF.ext,
 * map definitions (BTF .maps and legacy "maps"), global data, relocations.
 * Nothing is created yet.  Returns the object (close with
 * bpfrt_object__close) or NULL with errno (EINVAL for a malformed object,
 * ENOENT, ENOMEM, ENOTSUP for a construct bpfrt does not handle).
 */
BPFRT_API struct bpfrt_object *
bpfrt_object__open_file(const char *path, const struct bpfrt_object_open_opts *opts);
/* The same from memory (copied). */
BPFRT_API struct bpfrt_object *
bpfrt_object__open_mem(const void *buf, size_t size,
		       const struct bpfrt_object_open_opts *opts);

/*
 * Create the maps (global data maps filled with their initial values,
 * .rodata frozen), apply relocations (maps, global data, subprogram calls,
 * CO-RE), link subprograms into each program and load every program whose
 * autoload is on.  0 or -errno; the reason in opts->log_buf.
 */
BPFRT_API int bpfrt_object__load(struct bpfrt_object *obj);
/* Free the object, its programs and its references to maps; NULL is ok. */
BPFRT_API void bpfrt_object__close(struct bpfrt_object *obj);

BPFRT_API const char *bpfrt_object__name(const struct bpfrt_object *obj);

/* Iterate: prev NULL gives the first; NULL after the last.  Borrowed
 * pointers, valid until the object is closed. */
BPFRT_API struct bpfrt_program *bpfrt_object__next_program(const struct bpfrt_object *obj,
							   const struct bpfrt_program *prev);
BPFRT_API struct bpfrt_map *bpfrt_object__next_map(const struct bpfrt_object *obj,
						   const struct bpfrt_map *prev);
BPFRT_API struct bpfrt_program *
bpfrt_object__find_program_by_name(const struct bpfrt_object *obj, const char *name);
/* Maps by their libbpf name: BTF/legacy map names, and for global data
 * "<obj>.data"/".data" style names (both the section name and libbpf's
 * object-prefixed name match). */
BPFRT_API struct bpfrt_map *
bpfrt_object__find_map_by_name(const struct bpfrt_object *obj, const char *name);

/* Program accessors; strings owned by the program. */
BPFRT_API const char *bpfrt_program__name(const struct bpfrt_program *prog);
BPFRT_API const char *bpfrt_program__section_name(const struct bpfrt_program *prog);
BPFRT_API enum bpfrt_prog_type bpfrt_program__type(const struct bpfrt_program *prog);
/* Before load only: -EBUSY after. */
BPFRT_API int bpfrt_program__set_type(struct bpfrt_program *prog, enum bpfrt_prog_type type);
BPFRT_API int bpfrt_program__set_autoload(struct bpfrt_program *prog, bool autoload);
/* Instructions: before load, as in the ELF; after load, relocated and
 * linked with its subprograms.  Borrowed. */
BPFRT_API const struct bpfrt_insn *bpfrt_program__insns(const struct bpfrt_program *prog);
BPFRT_API size_t bpfrt_program__insn_cnt(const struct bpfrt_program *prog);
/* The loaded program (NULL before load); borrowed. */
BPFRT_API struct bpfrt_prog *bpfrt_program__prog(const struct bpfrt_program *prog);
/* C source location of instruction insn_idx from BTF line info:
 * "file.c:42: <source text>"; NULL when there is none.  Borrowed. */
BPFRT_API const char *bpfrt_program__source_line(const struct bpfrt_program *prog,
						  size_t insn_idx, uint32_t *line);

/* ---- test-run: BPF_PROG_TEST_RUN in user space ----------------------- */

/* Options and results of one test run, field for field libbpf's
 * struct bpf_test_run_opts plus bpfrt's engine choice.  Buffers are the
 * caller's. */
struct bpfrt_test_run_opts {
	size_t sz;
	const void *data_in;	/* the frame */
	void *data_out;		/* where the frame after the program goes */
	uint32_t data_size_in;
	uint32_t data_size_out;	/* in: capacity of data_out; out: bytes */
	const void *ctx_in;	/* optional xdp_md / __sk_buff to start from */
	void *ctx_out;
	uint32_t ctx_size_in;
	uint32_t ctx_size_out;	/* in: capacity; out: bytes */
	uint32_t retval;	/* out */
	int repeat;		/* 0 means 1 */
	uint32_t duration;	/* out: mean ns per run */
	uint32_t flags;
	uint32_t cpu;		/* logical CPU the run happens on */
	enum bpfrt_engine engine;
	enum bpfrt_check_mode check;
	/* Why the run failed: the frame refused as the kernel refuses it
	 * ("frame of 13 bytes is shorter than an Ethernet header"), a fault
	 * naming the instruction. Caller-owned, may be NULL. */
	char *err_buf;
	size_t err_size;
};

/*
 * Run a loaded program once (or repeat times) on a frame, as the kernel's
 * BPF_PROG_TEST_RUN does for its program type: XDP gets a frame with 256
 * bytes of headroom and may grow it; tc and socket programs get an skb built
 * from the frame.  Maps persist across calls, as with repeated test runs of
 * one loaded kernel program.  Returns 0 (retval and data_out set) or -errno
 * with the same errno the kernel returns for the same input (-EINVAL for a
 * frame shorter than an Ethernet header, -ENOSPC when data_out is too small).
 */
BPFRT_API int bpfrt_program__test_run(struct bpfrt_program *prog,
				      struct bpfrt_test_run_opts *opts);

#ifdef __cplusplus
}
#endif
#endif /* BPFRT_OBJECT_H */
