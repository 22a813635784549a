/* SPDX-License-Identifier: MIT */
/*
 * .BTF (parsed by libbpf's BTF parser) and .BTF.ext (parsed here): func_info,
 * line_info and CO-RE relocation records, distributed to the code sections
 * they describe.
 *
 * .BTF.ext layout: a header (magic 0xeB9F, version, flags, hdr_len, then
 * offset/length pairs relative to the end of the header for func_info,
 * line_info and, when hdr_len is large enough, core_relo).  Each part is a
 * u32 record size followed by blocks {u32 section name offset in .BTF
 * strings, u32 record count, records...}.  In object files insn_off is a
 * byte offset within the section.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "core/common.h"
#include "loader.h"

#define BTF_EXT_MAGIC 0xeB9F

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static int cmp_line(const void *a, const void *b)
{
	const struct line_rec *x = a, *y = b;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

const struct line_rec *lo_line_for(const struct line_rec *lines, size_t cnt, size_t insn)
{
	const struct line_rec *best = NULL;
	size_t lo = 0, hi = cnt;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (lines[mid].insn <= insn) {
			best = &lines[mid];
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return best;
}

enum part { P_FUNC, P_LINE, P_CORE };

static int parse_part(struct bpfrt_object *obj, const uint8_t *base, size_t len, enum part kind)
{
	static const char *const pname[] = { "func_info", "line_info", "core_relo" };
	static const uint32_t min_rec[] = { 8, 16, 16 };
	uint32_t ext = obj->btf_ext_shndx;
	if (len == 0)
		return 0;
	if (len < 4) {
		lo_err(obj, ext, SIZE_MAX, "%s: truncated", pname[kind]);
		return -EINVAL;
	}
	uint32_t rec = rd32(base);
	if (rec < min_rec[kind] || rec % 4 || rec > 1024) {
		lo_err(obj, ext, SIZE_MAX, "%s: bad record size %u", pname[kind], rec);
		return -EINVAL;
	}
	size_t pos = 4;
	while (pos < len) {
		if (len - pos < 8) {
			lo_err(obj, ext, SIZE_MAX, "%s: truncated block header", pname[kind]);
			return -EINVAL;
		}
		uint32_t name_off = rd32(base + pos), n = rd32(base + pos + 4);
		pos += 8;
		if ((uint64_t)n * rec > len - pos) {
			lo_err(obj, ext, SIZE_MAX, "%s: %u records of %u bytes overrun the section",
			       pname[kind], n, rec);
			return -EINVAL;
		}
		const char *sname = btf__name_by_offset(obj->btf, name_off);
		struct lsec *sec = NULL;
		for (size_t i = 1; sname && i < obj->sec_cnt; i++)
			if ((obj->secs[i].kind == LSEC_PROG || obj->secs[i].kind == LSEC_TEXT) &&
			    strcmp(obj->secs[i].name, sname) == 0)
				sec = &obj->secs[i];
		const uint8_t *r = base + pos;
		pos += (size_t)n * rec;
		if (!sec) {
			/* Debug info for code we do not have is harmless; a
			 * CO-RE relocation we cannot apply is not. */
			if (kind != P_CORE) {
				pr_info("%s: .BTF.ext %s for unknown section '%s' ignored\n",
					obj->file, pname[kind], sname ? sname : "?");
				continue;
			}
			lo_err(obj, ext, SIZE_MAX, "%s: records for unknown code section '%s'",
			       pname[kind], sname ? sname : "?");
			return -EINVAL;
		}
		void **arr;
		size_t *cnt, esz;
		switch (kind) {
		case P_FUNC: arr = (void **)&sec->funcs; cnt = &sec->func_cnt; esz = sizeof(struct func_rec); break;
		case P_LINE: arr = (void **)&sec->lines; cnt = &sec->line_cnt; esz = sizeof(struct line_rec); break;
		default: arr = (void **)&sec->cores; cnt = &sec->core_cnt; esz = sizeof(struct core_rec); break;
		}
		if (n == 0)
			continue;
		void *na = realloc(*arr, (*cnt + n) * esz);
		if (!na)
			return -ENOMEM;
		*arr = na;
		for (uint32_t k = 0; k < n; k++, r += rec) {
			uint32_t off = rd32(r);
			if (off % 8 || off / 8 >= sec->insn_cnt) {
				lo_err(obj, sec->idx, SIZE_MAX,
				       "%s record #%u: instruction offset 0x%x outside the section",
				       pname[kind], k, off);
				return -EINVAL;
			}
			if (kind == P_FUNC) {
				struct func_rec *f = &sec->funcs[sec->func_cnt++];
				f->insn = off / 8;
				f->type_id = rd32(r + 4);
			} else if (kind == P_LINE) {
				struct line_rec *l = &sec->lines[sec->line_cnt++];
				l->insn = off / 8;
				l->file_off = rd32(r + 4);
				l->line_off = rd32(r + 8);
				l->line_col = rd32(r + 12);
			} else {
				struct core_rec *c = &sec->cores[sec->core_cnt++];
				c->insn = off / 8;
				c->type_id = rd32(r + 4);
				c->access_off = rd32(r + 8);
				c->kind = rd32(r + 12);
			}
		}
	}
	return 0;
}

int lo_btf_ext_parse(struct bpfrt_object *obj)
{
	if (obj->btf_shndx) {
		const struct lsec *s = &obj->secs[obj->btf_shndx];
		if (!s->data || s->size == 0) {
			lo_err(obj, s->idx, SIZE_MAX, "empty BTF");
			return -EINVAL;
		}
		obj->btf = btf__new(s->data, (uint32_t)s->size);
		if (!obj->btf) {
			int e = errno ? errno : EINVAL;
			obj->btf = NULL;
			lo_err(obj, s->idx, SIZE_MAX, "bad BTF: %s", strerror(e));
			return -EINVAL;
		}
	}
	if (!obj->btf_ext_shndx)
		return 0;
	if (!obj->btf) {
		/* Line info without the strings it points at is useless;
		 * ignore it rather than refuse a loadable object. */
		pr_info("%s: .BTF.ext without .BTF ignored\n", obj->file);
		return 0;
	}
	const struct lsec *s = &obj->secs[obj->btf_ext_shndx];
	const uint8_t *d = s->data;
	if (!d || s->size < 24) {
		lo_err(obj, s->idx, SIZE_MAX, "truncated header");
		return -EINVAL;
	}
	uint16_t magic;
	memcpy(&magic, d, 2);
	uint32_t hdr_len = rd32(d + 4);
	if (magic != BTF_EXT_MAGIC || d[2] != 1) {
		lo_err(obj, s->idx, SIZE_MAX, "bad magic 0x%x or version %u", magic, d[2]);
		return -EINVAL;
	}
	if (hdr_len < 24 || hdr_len > s->size) {
		lo_err(obj, s->idx, SIZE_MAX, "bad header length %u", hdr_len);
		return -EINVAL;
	}
	const uint8_t *body = d + hdr_len;
	size_t body_len = s->size - hdr_len;
	for (int k = 0; k < 3; k++) {
		if (k == 2 && hdr_len < 32)
			break;
		uint32_t off = rd32(d + 8 + 8 * k), len = rd32(d + 12 + 8 * k);
		if (off > body_len || len > body_len - off) {
			lo_err(obj, s->idx, SIZE_MAX, "part %d [0x%x, +0x%x) outside the section", k,
			       off, len);
			return -EINVAL;
		}
		int err = parse_part(obj, body + off, len, (enum part)k);
		if (err)
			return err;
	}
	for (size_t i = 1; i < obj->sec_cnt; i++) {
		struct lsec *sec = &obj->secs[i];
		if (sec->line_cnt)
			qsort(sec->lines, sec->line_cnt, sizeof(*sec->lines), cmp_line);
	}
	return 0;
}
