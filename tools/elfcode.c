/* SPDX-License-Identifier: MIT */
/*
 * elfcode.c - the code of a simple eBPF ELF object (see elfcode.h).
 *
 * Uses libelf so that section headers, string tables and symbol tables are
 * bounds-checked by a mature parser: these bytes come from arbitrary files
 * and from the conformance suite's stdin.
 */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfcode.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

bool elfcode_is_elf(const void *buf, size_t len)
{
	return len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

static int fail(char *err, size_t err_size, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t err_size, int ret, const char *fmt, ...)
{
	if (err && err_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_size, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* A candidate program: a byte range of one section. */
struct pick {
	size_t shndx;
	const char *name;
	uint64_t off, size;
};

static bool sec_is_code(const GElf_Shdr *sh)
{
	return sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_EXECINSTR) &&
	       sh->sh_size > 0;
}

/* Append "a, b, c" (the non-empty code sections) to out. */
static void list_code_sections(Elf *e, size_t shstrndx, char *out, size_t size)
{
	size_t used = 0;
	Elf_Scn *scn = NULL;
	out[0] = '\0';
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !sec_is_code(&sh))
			continue;
		const char *n = elf_strptr(e, shstrndx, sh.sh_name);
		int w = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
				 n ? n : "?");
		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
}

/* Does any relocation section apply to [off, off + size) of section shndx?
 * Such code has unresolved map references or calls that only the real
 * loader can fix up; running it as-is would give wrong results silently. */
static bool has_relocs(Elf *e, size_t shndx, uint64_t off, uint64_t size)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_info != shndx ||
		    (sh.sh_type != SHT_REL && sh.sh_type != SHT_RELA))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !sh.sh_entsize)
			return true;	/* unreadable: assume the worst */
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			uint64_t r_off;
			if (sh.sh_type == SHT_REL) {
				GElf_Rel r;
				if (!gelf_getrel(d, (int)i, &r))
					return true;
				r_off = r.r_offset;
			} else {
				GElf_Rela r;
				if (!gelf_getrela(d, (int)i, &r))
					return true;
				r_off = r.r_offset;
			}
			if (r_off >= off && r_off - off < size)
				return true;
		}
	}
	return false;
}

/* Look for a function symbol called prog. */
static bool find_func(Elf *e, const char *prog, struct pick *p)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC)
				continue;
			const char *nm = elf_strptr(e, sh.sh_link, s.st_name);
			if (!nm || strcmp(nm, prog) != 0)
				continue;
			p->shndx = s.st_shndx;
			p->name = nm;
			p->off = s.st_value;
			p->size = s.st_size;	/* 0: to the end of the section */
			return true;
		}
	}
	return false;
}

static int extract(Elf *e, const char *prog, struct bpfrt_insn **insns,
		   size_t *cnt, char *name, size_t name_size, char *err,
		   size_t err_size)
{
	if (elf_kind(e) != ELF_K_ELF)
		return fail(err, err_size, -EINVAL, "not an ELF object");
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh))
		return fail(err, err_size, -EINVAL, "bad ELF header: %s", elf_errmsg(-1));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, err_size, -EINVAL,
			    "not a 64-bit little-endian ELF object");
	if (eh.e_machine != EM_BPF)
		return fail(err, err_size, -EINVAL,
			    "not an eBPF object (e_machine %u, expected %u)",
			    (unsigned)eh.e_machine, (unsigned)EM_BPF);
	size_t shstrndx;
	if (elf_getshdrstrndx(e, &shstrndx) != 0)
		return fail(err, err_size, -EINVAL, "bad section name table: %s",
			    elf_errmsg(-1));

	char list[512];
	list_code_sections(e, shstrndx, list, sizeof(list));

	struct pick p = { 0 };
	bool found = false;
	unsigned ncode = 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !sec_is_code(&sh))
			continue;
		const char *n = elf_strptr(e, shstrndx, sh.sh_name);
		if (!n)
			n = "?";
		ncode++;
		if (prog ? strcmp(n, prog) == 0 : !found) {
			p = (struct pick){ elf_ndxscn(scn), n, 0, sh.sh_size };
			found = true;
		}
	}
	if (prog && !found && !find_func(e, prog, &p))
		return fail(err, err_size, -ENOENT,
			    "no section or function named '%s' (code sections: %s)",
			    prog, list[0] ? list : "none");
	if (!prog && ncode == 0)
		return fail(err, err_size, -ENOENT, "no executable section");
	if (!prog && ncode > 1)
		return fail(err, err_size, -EINVAL,
			    "%u code sections (%s); choose one with --prog NAME",
			    ncode, list);

	Elf_Scn *psc = elf_getscn(e, p.shndx);
	GElf_Shdr psh;
	if (!psc || !gelf_getshdr(psc, &psh) || psh.sh_type != SHT_PROGBITS)
		return fail(err, err_size, -EINVAL, "'%s' is not in a code section", p.name);
	const char *secname = elf_strptr(e, shstrndx, psh.sh_name);
	if (!secname)
		secname = "?";
	Elf_Data *d = elf_getdata(psc, NULL);
	if (!d || !d->d_buf)
		return fail(err, err_size, -EINVAL, "section %s has no data", secname);
	if (p.off > d->d_size)
		return fail(err, err_size, -EINVAL, "'%s' lies outside its section", p.name);
	if (p.size == 0 || p.size > d->d_size - p.off)
		p.size = d->d_size - p.off;
	if (p.off % sizeof(struct bpfrt_insn) || p.size % sizeof(struct bpfrt_insn))
		return fail(err, err_size, -EINVAL,
			    "'%s': offset %llu / size %llu is not a multiple of 8",
			    p.name, (unsigned long long)p.off, (unsigned long long)p.size);
	if (p.size == 0)
		return fail(err, err_size, -EINVAL, "'%s' is empty", p.name);
	if (has_relocs(e, p.shndx, p.off, p.size))
		return fail(err, err_size, -ENOTSUP,
			    "section %s has relocations (maps, global data, calls); "
			    "only the ELF loader can load it", secname);

	struct bpfrt_insn *out = malloc(p.size);
	if (!out)
		return fail(err, err_size, -ENOMEM, "out of memory");
	memcpy(out, (const char *)d->d_buf + p.off, p.size);
	*insns = out;
	*cnt = p.size / sizeof(struct bpfrt_insn);
	if (name && name_size)
		snprintf(name, name_size, "%s", p.name);
	return 0;
}

int elfcode_extract(const void *buf, size_t len, const char *prog,
		    struct bpfrt_insn **insns, size_t *cnt,
		    char *name, size_t name_size, char *err, size_t err_size)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, err_size, -EINVAL, "libelf: %s", elf_errmsg(-1));
	/* elf_memory() wants a mutable image; give it a private copy so the
	 * caller's buffer may be const and libelf may do as it likes. */
	char *img = malloc(len ? len : 1);
	if (!img)
		return fail(err, err_size, -ENOMEM, "out of memory");
	memcpy(img, buf, len);
	Elf *e = elf_memory(img, len);
	int ret;
	if (!e)
		ret = fail(err, err_size, -EINVAL, "bad ELF object: %s", elf_errmsg(-1));
	else
		ret = extract(e, prog, insns, cnt, name, name_size, err, err_size);
	elf_end(e);
	free(img);
	return ret;
}
