/* SPDX-License-Identifier: MIT */
/*
 * Internal model of an ELF object while it is opened and loaded.
 *
 * Opening parses everything and keeps the raw section bytes (in one private
 * copy of the file); loading creates maps, applies CO-RE to per-section
 * working copies of the code, then links each program (main function plus
 * every subprogram it reaches) into its own instruction buffer.
 */
#ifndef BPFRT_LOADER_H
#define BPFRT_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"

struct btf;

/* ELF relocation types of the BPF backend. */
#define R_BPF_NONE		0
#define R_BPF_64_64		1
#define R_BPF_64_ABS64		2
#define R_BPF_64_ABS32		3
#define R_BPF_64_NODYLD32	4
#define R_BPF_64_32		10

enum lsec_kind {
	LSEC_OTHER = 0,
	LSEC_PROG,	/* executable, named by SEC() */
	LSEC_TEXT,	/* .text: subprograms only */
	LSEC_MAPS,	/* .maps, BTF-defined */
	LSEC_LEGACY_MAPS, /* "maps", struct bpf_map_def */
	LSEC_DATA,	/* .data, .data.* */
	LSEC_RODATA,	/* .rodata, .rodata.* */
	LSEC_BSS,	/* .bss, .bss.* */
};

struct lrel {
	uint64_t off;		/* r_offset within the target section */
	uint32_t sym;		/* symbol index */
	uint32_t type;		/* R_BPF_* */
	uint32_t rel_sec;	/* index of the SHT_REL section (messages) */
};

struct line_rec {		/* .BTF.ext line_info, insn_off in slots */
	uint32_t insn;
	uint32_t file_off, line_off, line_col;
};

struct func_rec {		/* .BTF.ext func_info, insn_off in slots */
	uint32_t insn;
	uint32_t type_id;
};

struct core_rec {		/* .BTF.ext CO-RE relocation */
	uint32_t insn;		/* slot within the section */
	uint32_t type_id;
	uint32_t access_off;
	uint32_t kind;
};

struct lsec {
	char *name;
	uint32_t idx;
	uint32_t type;		/* SHT_* */
	uint64_t flags;
	uint64_t file_off;
	const uint8_t *data;	/* NULL for SHT_NOBITS */
	size_t size;
	enum lsec_kind kind;
	enum bpfrt_prog_type prog_type;	/* LSEC_PROG */

	/* Code sections: the ELF slots, and at load a working copy with
	 * CO-RE applied that programs are linked from. */
	size_t insn_cnt;
	struct bpfrt_insn *work;
	struct lrel *rels;
	size_t rel_cnt;
	int32_t *rel_at;	/* slot -> index into rels, or -1 */

	struct line_rec *lines;	/* sorted by insn */
	size_t line_cnt;
	struct func_rec *funcs;
	size_t func_cnt;
	struct core_rec *cores;
	size_t core_cnt;

	struct lmap *data_map;	/* LSEC_DATA/RODATA/BSS */
};

struct lsym {
	const char *name;	/* into the string table copy; never NULL */
	uint64_t value, size;
	uint32_t shndx;
	uint8_t type, bind;
};

/* A function in a code section (STT_FUNC symbol). */
struct lfunc {
	const char *name;
	uint32_t sec;		/* section index */
	size_t start, cnt;	/* slots within the section */
	struct bpfrt_program *prog;	/* when it is a main program */
};

enum lmap_kind { LMAP_BTF, LMAP_LEGACY, LMAP_DATA };

/* A __array() initialiser slot. */
struct lmap_init {
	uint32_t slot;
	const char *target;	/* symbol name */
	struct lmap *map;	/* map-in-map */
	struct bpfrt_program *prog;	/* prog array */
};

struct lmap {
	char *name;		/* BTF/legacy: symbol; data: libbpf's name */
	char *sec_name;		/* data maps: the section name */
	enum lmap_kind kind;
	uint32_t sec;		/* defining section */
	uint64_t sec_off;	/* offset of the definition in it */
	uint64_t def_size;	/* size of the definition (symbol size) */
	uint32_t type, key_size, value_size, max_entries, map_flags;
	uint64_t map_extra;
	uint32_t btf_key_id, btf_value_id;
	struct lmap *inner;	/* map-in-map template (owned) */
	bool is_inner;
	uint64_t values_off;	/* offset of the `values` member, when present */
	struct lmap_init *inits;
	size_t init_cnt;
	const uint8_t *init_data;	/* data maps: initial contents */
	struct bpfrt_map *map;	/* created at load */
};

struct bpfrt_program {
	struct bpfrt_object *obj;
	char *name;
	uint32_t sec;
	struct lfunc *func;
	enum bpfrt_prog_type type;
	bool autoload;
	/* Before load: the function's ELF slots; after linking: the whole
	 * relocated program. */
	struct bpfrt_insn *insns;
	size_t insn_cnt;
	bool linked;
	/* line info of the linked program, slots relative to its start */
	struct line_rec *lines;
	size_t line_cnt;
	struct func_rec *funcs;
	size_t func_cnt;
	struct bpfrt_prog *prog;
	char *src_buf;
};

enum lobj_state { LOBJ_OPENED, LOBJ_PREPARED, LOBJ_LOADED, LOBJ_FAILED };

struct bpfrt_object {
	char *name;		/* bpfrt_object__name */
	char *file;		/* for messages: base name of the file */
	char *data_pfx;		/* prefix of data map names */
	char *btf_custom_path;
	enum bpfrt_prog_type default_prog_type;
	char *log_buf;
	size_t log_size;
	bool logged;		/* first error message already in log_buf */
	bool no_verify;		/* record verdicts instead of refusing */

	uint8_t *buf;		/* private copy of the ELF image */
	size_t buf_size;

	struct lsec *secs;
	size_t sec_cnt;
	struct lsym *syms;
	size_t sym_cnt;
	char *strtab;		/* copy of the symbol string table */
	size_t strtab_size;
	uint32_t maps_shndx, legacy_maps_shndx, text_shndx;
	uint32_t btf_shndx, btf_ext_shndx;

	struct btf *btf;	/* .BTF, NULL when absent */
	struct btf *target_btf;	/* CO-RE target, loaded on demand */

	struct lfunc *funcs;
	size_t func_cnt;
	struct bpfrt_program **progs;
	size_t prog_cnt;
	struct lmap **maps;	/* object maps, in index order (no inner templates) */
	size_t map_cnt;

	enum lobj_state state;
};

/* ---- messages ---- */

/* Report an error about instruction slot `insn` (SIZE_MAX: none) of
 * section `sec` (UINT32_MAX: none), with the source line when BTF line
 * info has one.  The first error of an object goes to its log_buf. */
void lo_err(struct bpfrt_object *obj, uint32_t sec, size_t insn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Same with a byte offset inside a non-code section. */
void lo_err_off(struct bpfrt_object *obj, uint32_t sec, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- elf.c ---- */
int lo_elf_parse(struct bpfrt_object *obj);
const char *lo_sym_name(const struct bpfrt_object *obj, uint32_t sym);
struct lfunc *lo_find_func(const struct bpfrt_object *obj, uint32_t sec, size_t start);

/* ---- sec_def.c ---- */
int lo_sec_prog_type(const char *name, enum bpfrt_prog_type *type);

/* ---- btf_ext.c ---- */
int lo_btf_ext_parse(struct bpfrt_object *obj);
/* Line record covering slot `insn` of a sorted table, or NULL. */
const struct line_rec *lo_line_for(const struct line_rec *lines, size_t cnt, size_t insn);

/* ---- maps_def.c ---- */
int lo_maps_collect(struct bpfrt_object *obj);
int lo_maps_create(struct bpfrt_object *obj);
void lo_map_free(struct lmap *m);
int lo_map_index_by_sym(const struct bpfrt_object *obj, const struct lsym *s, int64_t addend);

/* ---- reloc.c ---- */
int lo_link_program(struct bpfrt_object *obj, struct bpfrt_program *prog);

/* ---- core.c ---- */
int lo_core_apply(struct bpfrt_object *obj);

/* ---- object.c ---- */
/* Everything bpfrt_object__load does except handing programs to the VM:
 * maps created and filled, CO-RE applied, programs relocated and linked.
 * Separate so tests can inspect relocated code whatever the VM accepts. */
int bpfrt__object_prepare(struct bpfrt_object *obj);
/* The final step: bpfrt_prog__load_insns for one program. */
int bpfrt__object_load_prog(struct bpfrt_object *obj, struct bpfrt_program *prog);
/* Internal view of a map definition by map name (tests). */
const struct lmap *bpfrt__object_map_def(const struct bpfrt_object *obj, const char *name);

#endif /* BPFRT_LOADER_H */
