/* SPDX-License-Identifier: MIT */
/*
 * ELF layer: sections, symbols, relocations, functions and programs.
 *
 * libelf reads the headers; section contents are then addressed directly
 * in the object's private copy of the image after bounds checks of our own,
 * so a lying header can never make us read outside the buffer.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "loader.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

const char *lo_sym_name(const struct bpfrt_object *obj, uint32_t sym)
{
	return sym < obj->sym_cnt ? obj->syms[sym].name : "?";
}

struct lfunc *lo_find_func(const struct bpfrt_object *obj, uint32_t sec, size_t start)
{
	size_t lo = 0, hi = obj->func_cnt;
	while (lo < hi) {	/* funcs are sorted by (sec, start) */
		size_t mid = lo + (hi - lo) / 2;
		const struct lfunc *f = &obj->funcs[mid];
		if (f->sec == sec && f->start == start)
			return &obj->funcs[mid];
		if (f->sec < sec || (f->sec == sec && f->start < start))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool has_pfx(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static enum lsec_kind classify(const struct lsec *s)
{
	if (s->type == SHT_PROGBITS && (s->flags & SHF_EXECINSTR))
		return strcmp(s->name, ".text") == 0 ? LSEC_TEXT : LSEC_PROG;
	if (strcmp(s->name, ".maps") == 0)
		return LSEC_MAPS;
	if (strcmp(s->name, "maps") == 0)
		return LSEC_LEGACY_MAPS;
	if (s->type == SHT_PROGBITS &&
	    (strcmp(s->name, ".data") == 0 || has_pfx(s->name, ".data.")))
		return LSEC_DATA;
	if (s->type == SHT_PROGBITS &&
	    (strcmp(s->name, ".rodata") == 0 || has_pfx(s->name, ".rodata.")))
		return LSEC_RODATA;
	if (s->type == SHT_NOBITS &&
	    (strcmp(s->name, ".bss") == 0 || has_pfx(s->name, ".bss.")))
		return LSEC_BSS;
	return LSEC_OTHER;
}

static int parse_sections(struct bpfrt_object *obj, Elf *elf)
{
	size_t shnum, shstrndx;
	if (elf_getshdrnum(elf, &shnum) || elf_getshdrstrndx(elf, &shstrndx)) {
		lo_err(obj, UINT32_MAX, SIZE_MAX, "bad section header table: %s",
		       elf_errmsg(-1));
		return -EINVAL;
	}
	if (shnum == 0 || shnum > 65535) {
		lo_err(obj, UINT32_MAX, SIZE_MAX, "bad section count %zu", shnum);
		return -EINVAL;
	}
	obj->secs = calloc(shnum, sizeof(*obj->secs));
	if (!obj->secs)
		return -ENOMEM;
	obj->sec_cnt = shnum;
	for (size_t i = 1; i < shnum; i++) {
		struct lsec *s = &obj->secs[i];
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr sh;
		s->idx = (uint32_t)i;
		if (!scn || !gelf_getshdr(scn, &sh)) {
			lo_err(obj, UINT32_MAX, SIZE_MAX, "section #%zu: bad header", i);
			return -EINVAL;
		}
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		s->name = strdup(name ? name : "");
		if (!s->name)
			return -ENOMEM;
		if (!name) {
			lo_err(obj, UINT32_MAX, SIZE_MAX,
			       "section #%zu: name offset 0x%x outside the section name table",
			       i, sh.sh_name);
			return -EINVAL;
		}
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->file_off = sh.sh_offset;
		s->size = sh.sh_size;
		if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL) {
			if (sh.sh_offset > obj->buf_size || sh.sh_size > obj->buf_size - sh.sh_offset) {
				lo_err_off(obj, (uint32_t)i, 0,
					   "section data [0x%llx, +0x%llx) outside the file (%zu bytes)",
					   (unsigned long long)sh.sh_offset,
					   (unsigned long long)sh.sh_size, obj->buf_size);
				return -EINVAL;
			}
			s->data = obj->buf + sh.sh_offset;
		}
		s->kind = classify(s);
		if (s->kind == LSEC_TEXT)
			obj->text_shndx = (uint32_t)i;
		else if (s->kind == LSEC_MAPS)
			obj->maps_shndx = (uint32_t)i;
		else if (s->kind == LSEC_LEGACY_MAPS)
			obj->legacy_maps_shndx = (uint32_t)i;
		else if (strcmp(s->name, ".BTF") == 0)
			obj->btf_shndx = (uint32_t)i;
		else if (strcmp(s->name, ".BTF.ext") == 0)
			obj->btf_ext_shndx = (uint32_t)i;
		if (s->kind == LSEC_PROG || s->kind == LSEC_TEXT) {
			if (s->size % sizeof(struct bpfrt_insn)) {
				lo_err_off(obj, (uint32_t)i, s->size,
					   "code size %zu is not a multiple of 8", s->size);
				return -EINVAL;
			}
			s->insn_cnt = s->size / sizeof(struct bpfrt_insn);
		}
		if (s->kind == LSEC_PROG && s->insn_cnt) {
			int err = lo_sec_prog_type(s->name, &s->prog_type);
			if (err) {
				if (obj->default_prog_type == BPFRT_PROG_TYPE_UNSPEC) {
					lo_err(obj, (uint32_t)i, SIZE_MAX,
					       "unknown program section name (set default_prog_type to load it)");
					return -EINVAL;
				}
				s->prog_type = obj->default_prog_type;
			}
		}
	}
	return 0;
}

static int parse_symtab(struct bpfrt_object *obj)
{
	struct lsec *st = NULL;
	for (size_t i = 1; i < obj->sec_cnt; i++) {
		if (obj->secs[i].type == SHT_SYMTAB) {
			if (st) {
				lo_err(obj, (uint32_t)i, SIZE_MAX, "more than one symbol table");
				return -EINVAL;
			}
			st = &obj->secs[i];
		}
	}
	if (!st) {
		lo_err(obj, UINT32_MAX, SIZE_MAX, "no symbol table");
		return -EINVAL;
	}
	if (!st->data || st->size % sizeof(Elf64_Sym)) {
		lo_err_off(obj, st->idx, 0, "bad symbol table size %zu", st->size);
		return -EINVAL;
	}
	/* sh_link of the symtab: its string table. */
	GElf_Word link = 0;
	{
		/* Read sh_link from the raw section header table (checked by
		 * libelf already when it parsed the headers). */
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)obj->buf;
		const Elf64_Shdr *sh = (const Elf64_Shdr *)(obj->buf + eh->e_shoff) + st->idx;
		link = sh->sh_link;
	}
	if (link == 0 || link >= obj->sec_cnt || !obj->secs[link].data ||
	    obj->secs[link].type != SHT_STRTAB) {
		lo_err_off(obj, st->idx, 0, "symbol table links to bad string table #%u", link);
		return -EINVAL;
	}
	const struct lsec *strs = &obj->secs[link];
	obj->strtab = malloc(strs->size + 1);
	if (!obj->strtab)
		return -ENOMEM;
	memcpy(obj->strtab, strs->data, strs->size);
	obj->strtab[strs->size] = 0;	/* so every name is terminated */
	obj->strtab_size = strs->size;

	size_t n = st->size / sizeof(Elf64_Sym);
	obj->syms = calloc(n ? n : 1, sizeof(*obj->syms));
	if (!obj->syms)
		return -ENOMEM;
	obj->sym_cnt = n;
	for (size_t i = 0; i < n; i++) {
		Elf64_Sym es;
		memcpy(&es, st->data + i * sizeof(es), sizeof(es));
		struct lsym *s = &obj->syms[i];
		if (es.st_name > strs->size) {
			lo_err_off(obj, st->idx, i * sizeof(es),
				   "symbol #%zu: name offset 0x%x outside the string table", i,
				   es.st_name);
			return -EINVAL;
		}
		s->name = obj->strtab + es.st_name;
		s->value = es.st_value;
		s->size = es.st_size;
		s->shndx = es.st_shndx;
		s->type = ELF64_ST_TYPE(es.st_info);
		s->bind = ELF64_ST_BIND(es.st_info);
		if (s->shndx != SHN_UNDEF && s->shndx < SHN_LORESERVE && s->shndx >= obj->sec_cnt) {
			lo_err_off(obj, st->idx, i * sizeof(es),
				   "symbol '%s' in section #%u that does not exist", s->name,
				   s->shndx);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_relocs(struct bpfrt_object *obj)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)obj->buf;
	for (size_t i = 1; i < obj->sec_cnt; i++) {
		struct lsec *rs = &obj->secs[i];
		if (rs->type == SHT_RELA) {
			lo_err(obj, (uint32_t)i, SIZE_MAX, "RELA relocations are not used by BPF");
			return -EINVAL;
		}
		if (rs->type != SHT_REL)
			continue;
		const Elf64_Shdr *sh = (const Elf64_Shdr *)(obj->buf + eh->e_shoff) + i;
		uint32_t tgt = sh->sh_info;
		if (tgt == 0 || tgt >= obj->sec_cnt) {
			lo_err(obj, (uint32_t)i, SIZE_MAX, "relocations for section #%u that does not exist",
			       tgt);
			return -EINVAL;
		}
		struct lsec *ts = &obj->secs[tgt];
		/* Only code and .maps relocations matter: the ones in .BTF,
		 * .BTF.ext and debug sections describe what we read by name. */
		if (ts->kind != LSEC_PROG && ts->kind != LSEC_TEXT && ts->kind != LSEC_MAPS)
			continue;
		if (!rs->data || rs->size % sizeof(Elf64_Rel)) {
			lo_err_off(obj, (uint32_t)i, 0, "bad relocation section size %zu", rs->size);
			return -EINVAL;
		}
		size_t n = rs->size / sizeof(Elf64_Rel);
		struct lrel *nr = realloc(ts->rels, (ts->rel_cnt + n + 1) * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		ts->rels = nr;
		for (size_t k = 0; k < n; k++) {
			Elf64_Rel er;
			memcpy(&er, rs->data + k * sizeof(er), sizeof(er));
			struct lrel *r = &ts->rels[ts->rel_cnt];
			r->off = er.r_offset;
			r->sym = (uint32_t)ELF64_R_SYM(er.r_info);
			r->type = (uint32_t)ELF64_R_TYPE(er.r_info);
			r->rel_sec = (uint32_t)i;
			bool code = ts->kind != LSEC_MAPS;
			size_t slot = (size_t)(r->off / 8);
			if (r->off >= ts->size || (code && r->off % 8)) {
				lo_err_off(obj, tgt, r->off,
					   "relocation #%zu of '%s' at bad offset", k, rs->name);
				return -EINVAL;
			}
			if (r->sym == 0 || r->sym >= obj->sym_cnt) {
				if (code)
					lo_err(obj, tgt, slot, "relocation against bad symbol index %u",
					       r->sym);
				else
					lo_err_off(obj, tgt, r->off,
						   "relocation against bad symbol index %u", r->sym);
				return -EINVAL;
			}
			ts->rel_cnt++;
		}
	}
	/* Per-slot index for code sections. */
	for (size_t i = 1; i < obj->sec_cnt; i++) {
		struct lsec *s = &obj->secs[i];
		if (s->kind != LSEC_PROG && s->kind != LSEC_TEXT)
			continue;
		s->rel_at = malloc((s->insn_cnt ? s->insn_cnt : 1) * sizeof(int32_t));
		if (!s->rel_at)
			return -ENOMEM;
		for (size_t k = 0; k < s->insn_cnt; k++)
			s->rel_at[k] = -1;
		for (size_t k = 0; k < s->rel_cnt; k++) {
			size_t slot = (size_t)(s->rels[k].off / 8);
			if (s->rel_at[slot] >= 0) {
				lo_err(obj, (uint32_t)i, slot, "two relocations on one instruction");
				return -EINVAL;
			}
			s->rel_at[slot] = (int32_t)k;
		}
	}
	return 0;
}

static int cmp_symp(const void *a, const void *b)
{
	const struct lsym *x = *(const struct lsym *const *)a, *y = *(const struct lsym *const *)b;
	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x < y ? -1 : x > y;	/* symbol table order */
}

static int cmp_func(const void *a, const void *b)
{
	const struct lfunc *x = a, *y = b;
	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Functions and programs.  libbpf's rule: a global function in a
 * non-.text code section is a program; static functions there and every
 * function in .text are subprograms.  A code section without any function
 * symbol (hand-written or very old objects) is one program named after it.
 * Everything is sorted so that crafted objects with huge symbol tables
 * cost n log n, not n^2. */
static int collect_funcs(struct bpfrt_object *obj)
{
	size_t n = 0;
	const struct lsym **fs = calloc(obj->sym_cnt ? obj->sym_cnt : 1, sizeof(*fs));
	bool *has = calloc(obj->sec_cnt, sizeof(*has));
	obj->funcs = calloc(obj->sym_cnt + obj->sec_cnt + 1, sizeof(*obj->funcs));
	int err = 0;
	if (!fs || !has || !obj->funcs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < obj->sym_cnt; i++) {
		const struct lsym *s = &obj->syms[i];
		if (s->type != STT_FUNC || s->shndx == 0 || s->shndx >= obj->sec_cnt)
			continue;
		enum lsec_kind k = obj->secs[s->shndx].kind;
		if (k == LSEC_PROG || k == LSEC_TEXT)
			fs[n++] = s;
	}
	qsort(fs, n, sizeof(*fs), cmp_symp);
	for (size_t i = 0; i < n; i++) {
		const struct lsym *s = fs[i];
		struct lsec *sec = &obj->secs[s->shndx];
		bool global = s->bind == STB_GLOBAL || s->bind == STB_WEAK;
		if (i && fs[i - 1]->shndx == s->shndx && fs[i - 1]->value == s->value) {
			/* an alias of the previous function */
			struct lfunc *prev = &obj->funcs[obj->func_cnt - 1];
			if (global && sec->kind == LSEC_PROG && !prev->prog) {
				prev->prog = (struct bpfrt_program *)1;
				prev->name = s->name;
			}
			continue;
		}
		uint64_t size = s->size;
		if (size == 0 && s->value < sec->size) {
			/* hand-written assembly often has no .size: the
			 * function then runs to the next one or the end */
			size = sec->size - s->value;
			for (size_t k = i + 1; k < n && fs[k]->shndx == s->shndx; k++) {
				if (fs[k]->value > s->value) {
					size = fs[k]->value - s->value;
					break;
				}
			}
		}
		if (s->value % 8 || size % 8 || s->value > sec->size ||
		    size > sec->size - s->value || size == 0) {
			lo_err_off(obj, sec->idx, s->value,
				   "function '%s' has bad extent [0x%llx, +0x%llx)", s->name,
				   (unsigned long long)s->value, (unsigned long long)s->size);
			err = -EINVAL;
			goto out;
		}
		if (!*s->name) {
			lo_err_off(obj, sec->idx, s->value, "function without a name");
			err = -EINVAL;
			goto out;
		}
		struct lfunc *f = &obj->funcs[obj->func_cnt++];
		f->name = s->name;
		f->sec = sec->idx;
		f->start = s->value / 8;
		f->cnt = size / 8;
		has[sec->idx] = true;
		if (sec->kind == LSEC_PROG && global)
			f->prog = (struct bpfrt_program *)1;	/* marked; created below */
	}
	for (size_t i = 1; i < obj->sec_cnt; i++) {
		struct lsec *sec = &obj->secs[i];
		if (sec->kind != LSEC_PROG || !sec->insn_cnt || has[i])
			continue;
		struct lfunc *f = &obj->funcs[obj->func_cnt++];
		f->name = sec->name;
		f->sec = (uint32_t)i;
		f->start = 0;
		f->cnt = sec->insn_cnt;
		f->prog = (struct bpfrt_program *)1;
	}
	qsort(obj->funcs, obj->func_cnt, sizeof(*obj->funcs), cmp_func);

	/* Programs in file order: section, then offset. */
	size_t np = 0;
	for (size_t k = 0; k < obj->func_cnt; k++)
		np += obj->funcs[k].prog != NULL;
	obj->progs = calloc(np ? np : 1, sizeof(*obj->progs));
	if (!obj->progs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < obj->func_cnt; k++) {
		struct lfunc *f = &obj->funcs[k];
		if (!f->prog)
			continue;
		struct bpfrt_program *p = calloc(1, sizeof(*p));
		f->prog = p;
		if (!p) {
			err = -ENOMEM;
			goto out;
		}
		obj->progs[obj->prog_cnt++] = p;
		p->obj = obj;
		p->name = strdup(f->name);
		p->sec = f->sec;
		p->func = f;
		p->type = obj->secs[f->sec].prog_type;
		p->autoload = true;
		p->insn_cnt = f->cnt;
		p->insns = malloc(f->cnt * sizeof(struct bpfrt_insn));
		if (!p->name || !p->insns) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(p->insns, obj->secs[f->sec].data + f->start * 8,
		       f->cnt * sizeof(struct bpfrt_insn));
	}
out:
	/* unplaced marks must not look like programs to close() */
	for (size_t k = 0; err && k < obj->func_cnt; k++)
		if (obj->funcs[k].prog == (struct bpfrt_program *)1)
			obj->funcs[k].prog = NULL;
	free(fs);
	free(has);
	return err;
}

int lo_elf_parse(struct bpfrt_object *obj)
{
	if (obj->buf_size < sizeof(Elf64_Ehdr) || memcmp(obj->buf, ELFMAG, SELFMAG)) {
		lo_err(obj, UINT32_MAX, SIZE_MAX, "not an ELF file");
		return -EINVAL;
	}
	if (obj->buf[EI_CLASS] != ELFCLASS64 || obj->buf[EI_DATA] != ELFDATA2LSB) {
		lo_err(obj, UINT32_MAX, SIZE_MAX,
		       "not a 64-bit little-endian ELF (class %u, data %u)", obj->buf[EI_CLASS],
		       obj->buf[EI_DATA]);
		return -EINVAL;
	}
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)obj->buf;
	if (eh->e_machine != EM_BPF) {
		lo_err(obj, UINT32_MAX, SIZE_MAX, "ELF machine %u is not EM_BPF (%u)",
		       eh->e_machine, EM_BPF);
		return -EINVAL;
	}
	if (eh->e_type != ET_REL) {
		lo_err(obj, UINT32_MAX, SIZE_MAX, "ELF type %u is not a relocatable object",
		       eh->e_type);
		return -EINVAL;
	}
	/* The raw section header table is read below for sh_link/sh_info;
	 * make sure all of it is inside the file before libelf does. */
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff == 0 ||
	    eh->e_shoff > obj->buf_size || eh->e_shoff % 8 ||
	    (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > obj->buf_size - eh->e_shoff ||
	    eh->e_shnum == 0) {
		lo_err(obj, UINT32_MAX, SIZE_MAX,
		       "section header table (offset 0x%llx, %u entries) outside the file",
		       (unsigned long long)eh->e_shoff, eh->e_shnum);
		return -EINVAL;
	}
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;
	Elf *elf = elf_memory((char *)obj->buf, obj->buf_size);
	if (!elf) {
		lo_err(obj, UINT32_MAX, SIZE_MAX, "libelf: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	int err = parse_sections(obj, elf);
	elf_end(elf);
	if (!err && obj->sec_cnt != eh->e_shnum) {
		lo_err(obj, UINT32_MAX, SIZE_MAX, "extended section numbering is not supported");
		err = -EINVAL;
	}
	if (!err)
		err = parse_symtab(obj);
	if (!err)
		err = parse_relocs(obj);
	if (!err)
		err = collect_funcs(obj);
	return err;
}
