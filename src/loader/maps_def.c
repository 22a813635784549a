/* SPDX-License-Identifier: MIT */
/*
 * Map definitions: BTF-defined maps in ".maps" (libbpf's __uint/__type/
 * __array encoding), struct bpf_map_def in the legacy "maps" section, and
 * one single-element array per global data section.  Maps are created at
 * load time.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <gelf.h>

#include "core/common.h"
#include "loader.h"

void lo_map_free(struct lmap *m)
{
	if (!m)
		return;
	bpfrt_map__put(m->map);
	lo_map_free(m->inner);
	free(m->inits);
	free(m->name);
	free(m->sec_name);
	free(m);
}

static int add_map(struct bpfrt_object *obj, struct lmap *m)
{
	struct lmap **nm = realloc(obj->maps, (obj->map_cnt + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	obj->maps = nm;
	obj->maps[obj->map_cnt++] = m;
	return 0;
}

/* Follow typedefs and cv-qualifiers, bounded so a BTF loop cannot hang us. */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res)
{
	for (int depth = 0; depth < 32; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t)
			return NULL;
		if (!btf_is_mod(t) && !btf_is_typedef(t)) {
			if (res)
				*res = id;
			return t;
		}
		id = t->type;
	}
	return NULL;
}

/* __uint(name, N) is `int (*name)[N]`: the value is the array length. */
static int get_uint(const struct btf *btf, uint32_t id, uint32_t *val)
{
	const struct btf_type *t = skip_mods(btf, id, NULL);
	if (!t || !btf_is_ptr(t))
		return -EINVAL;
	const struct btf_type *a = skip_mods(btf, t->type, NULL);
	if (!a || !btf_is_array(a))
		return -EINVAL;
	*val = btf_array(a)->nelems;
	return 0;
}

static int parse_btf_def(struct bpfrt_object *obj, struct lmap *m, uint32_t type_id, int depth)
{
	const struct btf *btf = obj->btf;
	uint32_t sec = obj->maps_shndx;
	const struct btf_type *t = skip_mods(btf, type_id, NULL);
	if (!t || !btf_is_struct(t)) {
		lo_err_off(obj, sec, m->sec_off, "map '%s': definition is not a struct", m->name);
		return -EINVAL;
	}
	const struct btf_member *mb = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, mb++) {
		const char *fn = btf__name_by_offset(btf, mb->name_off);
		uint32_t v = 0;
		if (!fn || !*fn) {
			lo_err_off(obj, sec, m->sec_off, "map '%s': unnamed member", m->name);
			return -EINVAL;
		}
		bool is_uint = !strcmp(fn, "type") || !strcmp(fn, "max_entries") ||
			       !strcmp(fn, "map_flags") || !strcmp(fn, "numa_node") ||
			       !strcmp(fn, "map_extra") || !strcmp(fn, "key_size") ||
			       !strcmp(fn, "value_size") || !strcmp(fn, "pinning");
		if (is_uint) {
			if (get_uint(btf, mb->type, &v)) {
				lo_err_off(obj, sec, m->sec_off,
					   "map '%s': '%s' is not declared with __uint()", m->name, fn);
				return -EINVAL;
			}
			if (!strcmp(fn, "type"))
				m->type = v;
			else if (!strcmp(fn, "max_entries"))
				m->max_entries = v;
			else if (!strcmp(fn, "map_flags"))
				m->map_flags = v;
			else if (!strcmp(fn, "map_extra"))
				m->map_extra = v;
			else if (!strcmp(fn, "key_size") || !strcmp(fn, "value_size")) {
				uint32_t *dst = fn[0] == 'k' ? &m->key_size : &m->value_size;
				if (*dst && *dst != v) {
					lo_err_off(obj, sec, m->sec_off,
						   "map '%s': conflicting %s %u and %u", m->name, fn,
						   *dst, v);
					return -EINVAL;
				}
				*dst = v;
			}
			/* numa_node: one node here; pinning: no bpffs. */
		} else if (!strcmp(fn, "key") || !strcmp(fn, "value")) {
			const struct btf_type *p = skip_mods(btf, mb->type, NULL);
			if (!p || !btf_is_ptr(p)) {
				lo_err_off(obj, sec, m->sec_off,
					   "map '%s': '%s' is not declared with __type()", m->name, fn);
				return -EINVAL;
			}
			int sz = btf__resolve_size(btf, p->type);
			if (sz < 0) {
				lo_err_off(obj, sec, m->sec_off, "map '%s': cannot size the %s type",
					   m->name, fn);
				return -EINVAL;
			}
			uint32_t *dst = fn[0] == 'k' ? &m->key_size : &m->value_size;
			if (*dst && *dst != (uint32_t)sz) {
				lo_err_off(obj, sec, m->sec_off,
					   "map '%s': conflicting %s size %u and %d", m->name, fn,
					   *dst, sz);
				return -EINVAL;
			}
			*dst = (uint32_t)sz;
			if (fn[0] == 'k')
				m->btf_key_id = p->type;
			else
				m->btf_value_id = p->type;
		} else if (!strcmp(fn, "values")) {
			const struct btf_type *a = skip_mods(btf, mb->type, NULL);
			const struct btf_type *p = a && btf_is_array(a) ?
				skip_mods(btf, btf_array(a)->type, NULL) : NULL;
			const struct btf_type *e = p && btf_is_ptr(p) ? skip_mods(btf, p->type, NULL) : NULL;
			if (!e) {
				lo_err_off(obj, sec, m->sec_off,
					   "map '%s': 'values' is not declared with __array()", m->name);
				return -EINVAL;
			}
			m->values_off = btf_member_bit_offset(t, i) / 8;
			/* the values are ids: u32, as libbpf sizes them */
			if (m->value_size && m->value_size != 4) {
				lo_err_off(obj, sec, m->sec_off,
					   "map '%s': value size %u with 'values' (must be 4)",
					   m->name, m->value_size);
				return -EINVAL;
			}
			m->value_size = 4;
			if (btf_is_struct(e)) {
				if (depth > 0) {
					lo_err_off(obj, sec, m->sec_off,
						   "map '%s': nested map-in-map templates", m->name);
					return -EINVAL;
				}
				struct lmap *in = calloc(1, sizeof(*in));
				if (!in)
					return -ENOMEM;
				m->inner = in;
				in->kind = LMAP_BTF;
				in->is_inner = true;
				in->sec = m->sec;
				in->sec_off = m->sec_off;
				size_t nl = strlen(m->name) + 7;
				in->name = malloc(nl);
				if (!in->name)
					return -ENOMEM;
				snprintf(in->name, nl, "%s.inner", m->name);
				int err = parse_btf_def(obj, in, p->type, depth + 1);
				if (err)
					return err;
			} else if (!btf_is_func_proto(e)) {
				lo_err_off(obj, sec, m->sec_off,
					   "map '%s': 'values' must be maps or programs", m->name);
				return -EINVAL;
			}
		} else {
			lo_err_off(obj, sec, m->sec_off, "map '%s': unknown field '%s'", m->name, fn);
			return -ENOTSUP;
		}
	}
	if (m->values_off && !m->inner && m->type != BPFRT_MAP_TYPE_PROG_ARRAY) {
		lo_err_off(obj, sec, m->sec_off, "map '%s': program values in a non-prog-array",
			   m->name);
		return -EINVAL;
	}
	return 0;
}

static int sym_cmp_ptr(const void *a, const void *b)
{
	const struct lsym *x = *(const struct lsym *const *)a, *y = *(const struct lsym *const *)b;
	return x->value < y->value ? -1 : x->value > y->value;
}

/* Object symbols of a map section, by offset. */
static int map_syms(struct bpfrt_object *obj, uint32_t shndx, const struct lsym ***out, size_t *cnt)
{
	const struct lsym **v = calloc(obj->sym_cnt ? obj->sym_cnt : 1, sizeof(*v));
	size_t n = 0;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < obj->sym_cnt; i++) {
		const struct lsym *s = &obj->syms[i];
		if (s->shndx == shndx && s->type != STT_SECTION && s->type != STT_FILE && *s->name)
			v[n++] = s;
	}
	qsort(v, n, sizeof(*v), sym_cmp_ptr);
	*out = v;
	*cnt = n;
	return 0;
}

static int collect_btf_maps(struct bpfrt_object *obj)
{
	const struct lsec *sec = &obj->secs[obj->maps_shndx];
	if (!obj->btf) {
		lo_err(obj, sec->idx, SIZE_MAX, "BTF-defined maps need .BTF, which is missing");
		return -EINVAL;
	}
	const struct lsym **syms;
	size_t n;
	int err = map_syms(obj, sec->idx, &syms, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		const struct lsym *s = syms[i];
		if (s->value > sec->size || s->size > sec->size - s->value) {
			lo_err_off(obj, sec->idx, s->value, "map '%s' extends past the section", s->name);
			err = -EINVAL;
			break;
		}
		int vid = btf__find_by_name_kind(obj->btf, s->name, BTF_KIND_VAR);
		const struct btf_type *var = vid > 0 ? btf__type_by_id(obj->btf, vid) : NULL;
		if (!var) {
			lo_err_off(obj, sec->idx, s->value, "map '%s' has no BTF variable", s->name);
			err = -EINVAL;
			break;
		}
		struct lmap *m = calloc(1, sizeof(*m));
		if (!m || !(m->name = strdup(s->name))) {
			free(m);
			err = -ENOMEM;
			break;
		}
		m->kind = LMAP_BTF;
		m->sec = sec->idx;
		m->sec_off = s->value;
		m->def_size = s->size;
		err = add_map(obj, m);
		if (err) {
			lo_map_free(m);
			break;
		}
		err = parse_btf_def(obj, m, var->type, 0);
	}
	free(syms);
	return err;
}

static int collect_legacy_maps(struct bpfrt_object *obj)
{
	const struct lsec *sec = &obj->secs[obj->legacy_maps_shndx];
	const struct lsym **syms;
	size_t n;
	int err = map_syms(obj, sec->idx, &syms, &n);
	if (err)
		return err;
	if (!n) {
		free(syms);
		return 0;
	}
	/* libbpf's convention: all definitions have the same size, the
	 * section size divided by the number of map symbols. */
	size_t dsz = sec->size / n;
	if (!sec->data || dsz < 16 || dsz % 4 || sec->size % n) {
		lo_err_off(obj, sec->idx, 0, "bad legacy map definition size (%zu bytes, %zu maps)",
			   sec->size, n);
		free(syms);
		return -EINVAL;
	}
	for (size_t i = 0; i < n && !err; i++) {
		const struct lsym *s = syms[i];
		if (s->value % dsz || s->value + dsz > sec->size) {
			lo_err_off(obj, sec->idx, s->value, "map '%s' at a bad offset", s->name);
			err = -EINVAL;
			break;
		}
		uint32_t f[5] = { 0 };
		memcpy(f, sec->data + s->value, dsz < 20 ? dsz : 20);
		struct lmap *m = calloc(1, sizeof(*m));
		if (!m || !(m->name = strdup(s->name))) {
			free(m);
			err = -ENOMEM;
			break;
		}
		m->kind = LMAP_LEGACY;
		m->sec = sec->idx;
		m->sec_off = s->value;
		m->def_size = dsz;
		m->type = f[0];
		m->key_size = f[1];
		m->value_size = f[2];
		m->max_entries = f[3];
		m->map_flags = f[4];
		err = add_map(obj, m);
		if (err)
			lo_map_free(m);
	}
	free(syms);
	return err;
}

/* libbpf's naming of global data maps: object name (cut at its first '.')
 * truncated so that prefix + section name fits the kernel's 15 characters,
 * with the section name counted as at least 7 characters; sections with a
 * second '.' (".data.custom") are named by the section name alone.
 * Characters the kernel refuses become '_'. */
static char *data_map_name(const struct bpfrt_object *obj, const char *sec)
{
	char buf[16];
	size_t sl = strlen(sec), sfx = sl < 7 ? 7 : sl;
	size_t pl = strlen(obj->data_pfx);
	if (strchr(sec + 1, '.'))
		pl = 0;
	else if (sfx + 1 > 16)
		pl = 0;
	else if (pl > 16 - sfx - 1)
		pl = 16 - sfx - 1;
	snprintf(buf, sizeof(buf), "%.*s%s", (int)pl, obj->data_pfx, sec);
	for (char *p = buf; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			*p = '_';
	return strdup(buf);
}

static int collect_data_maps(struct bpfrt_object *obj)
{
	for (size_t i = 1; i < obj->sec_cnt; i++) {
		struct lsec *s = &obj->secs[i];
		if (s->kind != LSEC_DATA && s->kind != LSEC_RODATA && s->kind != LSEC_BSS)
			continue;
		if (s->size == 0)
			continue;	/* nothing to hold; the kernel refuses value_size 0 */
		if (s->size > UINT32_MAX / 2) {
			lo_err(obj, s->idx, SIZE_MAX, "data section too large (%zu bytes)", s->size);
			return -EINVAL;
		}
		struct lmap *m = calloc(1, sizeof(*m));
		if (!m)
			return -ENOMEM;
		m->name = data_map_name(obj, s->name);
		m->sec_name = strdup(s->name);
		if (!m->name || !m->sec_name || add_map(obj, m)) {
			lo_map_free(m);
			return -ENOMEM;
		}
		m->kind = LMAP_DATA;
		m->sec = s->idx;
		m->type = BPFRT_MAP_TYPE_ARRAY;
		m->key_size = 4;
		m->value_size = (uint32_t)s->size;
		m->max_entries = 1;
		m->map_flags = BPFRT_F_MMAPABLE;
		if (s->kind == LSEC_RODATA)
			m->map_flags |= BPFRT_F_RDONLY_PROG;
		m->init_data = s->data;
		s->data_map = m;
	}
	return 0;
}

/* __array() initialisers: relocations in .maps at the slots of `values`. */
static int collect_inits(struct bpfrt_object *obj)
{
	if (!obj->maps_shndx)
		return 0;
	const struct lsec *sec = &obj->secs[obj->maps_shndx];
	for (size_t k = 0; k < sec->rel_cnt; k++) {
		const struct lrel *r = &sec->rels[k];
		struct lmap *m = NULL;
		for (size_t i = 0; i < obj->map_cnt; i++) {
			struct lmap *c = obj->maps[i];
			if (c->kind == LMAP_BTF && r->off >= c->sec_off &&
			    r->off < c->sec_off + (c->def_size ? c->def_size : 1))
				m = c;
		}
		const struct lsym *s = &obj->syms[r->sym];
		if (!m || !m->values_off || r->off < m->sec_off + m->values_off ||
		    (r->off - m->sec_off - m->values_off) % 8) {
			lo_err_off(obj, sec->idx, r->off,
				   "relocation against '%s' outside any map's 'values'", s->name);
			return -EINVAL;
		}
		uint32_t slot = (uint32_t)((r->off - m->sec_off - m->values_off) / 8);
		if (m->max_entries && slot >= m->max_entries) {
			lo_err_off(obj, sec->idx, r->off, "map '%s': initialiser slot %u >= max_entries %u",
				   m->name, slot, m->max_entries);
			return -EINVAL;
		}
		struct lmap_init in = { .slot = slot, .target = s->name };
		if (m->inner) {
			int idx = s->shndx == obj->maps_shndx ? lo_map_index_by_sym(obj, s, 0) : -1;
			if (idx < 0 || obj->maps[idx] == m) {
				lo_err_off(obj, sec->idx, r->off,
					   "map '%s': initialiser '%s' is not a map", m->name, s->name);
				return -EINVAL;
			}
			in.map = obj->maps[idx];
		} else {
			for (size_t i = 0; i < obj->prog_cnt; i++)
				if (obj->progs[i]->sec == s->shndx &&
				    obj->progs[i]->func->start * 8 == s->value &&
				    s->type == STT_FUNC)
					in.prog = obj->progs[i];
			if (!in.prog) {
				lo_err_off(obj, sec->idx, r->off,
					   "map '%s': initialiser '%s' is not a program", m->name,
					   s->name);
				return -EINVAL;
			}
		}
		struct lmap_init *ni = realloc(m->inits, (m->init_cnt + 1) * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		m->inits = ni;
		m->inits[m->init_cnt++] = in;
	}
	return 0;
}

int lo_maps_collect(struct bpfrt_object *obj)
{
	int err = 0;
	if (obj->maps_shndx)
		err = collect_btf_maps(obj);
	if (!err && obj->legacy_maps_shndx)
		err = collect_legacy_maps(obj);
	if (!err)
		err = collect_data_maps(obj);
	if (!err)
		err = collect_inits(obj);
	return err;
}

int lo_map_index_by_sym(const struct bpfrt_object *obj, const struct lsym *s, int64_t addend)
{
	for (size_t i = 0; i < obj->map_cnt; i++) {
		const struct lmap *m = obj->maps[i];
		if (m->sec != s->shndx)
			continue;
		if (m->kind == LMAP_DATA)
			return (int)i;
		uint64_t off = s->value + (s->type == STT_SECTION ? (uint64_t)addend : 0);
		if (m->sec_off == off)
			return (int)i;
	}
	return -1;
}

static struct bpfrt_map *create_one(struct bpfrt_object *obj, struct lmap *m,
				    const struct bpfrt_map *inner)
{
	BPFRT_OPTS(bpfrt_map_create_opts, co, .map_flags = m->map_flags,
		   .inner_map = inner, .map_extra = m->map_extra);
	struct bpfrt_map *map = bpfrt_map__create((enum bpfrt_map_type)m->type, m->name,
						  m->key_size, m->value_size, m->max_entries,
						  &co);
	if (!map) {
		int e = errno ? errno : EINVAL;
		lo_err_off(obj, m->sec, m->sec_off,
			   "map '%s': cannot create %s (type %u, key %u, value %u, max_entries %u, flags 0x%x): %s",
			   m->name, bpfrt_map_type_str((enum bpfrt_map_type)m->type), m->type,
			   m->key_size, m->value_size, m->max_entries, m->map_flags, strerror(e));
		errno = e;
	}
	return map;
}

int lo_maps_create(struct bpfrt_object *obj)
{
	for (size_t i = 0; i < obj->map_cnt; i++) {
		struct lmap *m = obj->maps[i];
		struct bpfrt_map *tmpl = NULL;
		if (m->inner) {
			tmpl = create_one(obj, m->inner, NULL);
			if (!tmpl)
				return -errno;
		}
		m->map = create_one(obj, m, tmpl);
		/* The outer map keeps what it needs of the template. */
		bpfrt_map__put(tmpl);
		if (!m->map)
			return -errno;
		if (m->kind == LMAP_DATA && m->init_data) {
			uint32_t key = 0;
			int err = bpfrt_map__update_elem(m->map, &key, m->init_data, BPFRT_ANY);
			if (err) {
				lo_err(obj, m->sec, SIZE_MAX, "map '%s': cannot set initial value: %s",
				       m->name, strerror(-err));
				return err;
			}
		}
	}
	for (size_t i = 0; i < obj->map_cnt; i++) {
		struct lmap *m = obj->maps[i];
		for (size_t k = 0; k < m->init_cnt; k++) {
			const struct lmap_init *in = &m->inits[k];
			if (!in->map)
				continue;	/* prog arrays: filled once programs have ids */
			uint32_t id = bpfrt_map__id(in->map->map);
			int err = bpfrt_map__update_elem(m->map, &in->slot, &id, BPFRT_ANY);
			if (err) {
				lo_err_off(obj, m->sec, m->sec_off,
					   "map '%s': cannot set slot %u to map '%s': %s", m->name,
					   in->slot, in->target, strerror(-err));
				return err;
			}
		}
		if (m->kind == LMAP_DATA && (m->map_flags & BPFRT_F_RDONLY_PROG)) {
			int err = bpfrt_map__freeze(m->map);
			if (err) {
				lo_err(obj, m->sec, SIZE_MAX, "map '%s': cannot freeze: %s", m->name,
				       strerror(-err));
				return err;
			}
		}
	}
	return 0;
}
