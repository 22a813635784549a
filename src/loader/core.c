/* SPDX-License-Identifier: MIT */
/*
 * CO-RE: rewrite field offsets, sizes, existence checks, type ids and enum
 * values in the code to what they are in the target BTF (the running
 * kernel's, or opts.btf_custom_path), following the relocation semantics
 * documented for libbpf.
 *
 * Each .BTF.ext CO-RE record names a local root type and an access string
 * "a:b:c": the first index steps over whole root objects (pointer
 * arithmetic), the rest select members (by index) or array elements.  The
 * local access is turned into a path of member *names*; each target type
 * with the same essential name (name up to a "___flavor" suffix) and kind
 * is a candidate, and the path is looked up in it by name, looking through
 * anonymous structs and unions.  All matching candidates must agree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core/common.h"
#include "loader.h"

enum core_kind {
	K_FIELD_BYTE_OFFSET = 0,
	K_FIELD_BYTE_SIZE = 1,
	K_FIELD_EXISTS = 2,
	K_FIELD_SIGNED = 3,
	K_FIELD_LSHIFT_U64 = 4,
	K_FIELD_RSHIFT_U64 = 5,
	K_TYPE_ID_LOCAL = 6,
	K_TYPE_ID_TARGET = 7,
	K_TYPE_EXISTS = 8,
	K_TYPE_SIZE = 9,
	K_ENUMVAL_EXISTS = 10,
	K_ENUMVAL_VALUE = 11,
	K_TYPE_MATCHES = 12,
};

static const char *const kind_names[] = {
	"byte_off", "byte_sz", "field_exists", "signed", "lshift_u64", "rshift_u64",
	"local_type_id", "target_type_id", "type_exists", "type_size",
	"enumval_exists", "enumval_value", "type_matches",
};

/* Returned by the matchers when the BTF itself is malformed. */
#define POISON_HELPER 0xbad2310
#define MAX_ACC 64
#define MAX_DEPTH 32

static bool is_field_kind(uint32_t k) { return k <= K_FIELD_RSHIFT_U64; }
static bool is_enum_kind(uint32_t k) { return k == K_ENUMVAL_EXISTS || k == K_ENUMVAL_VALUE; }

struct acc {
	uint32_t type_id;	/* container: struct/union, array; the root */
	uint32_t idx;
	const char *name;	/* member or enumerator name; NULL for array/root */
};

struct spec {
	const struct btf *btf;
	uint32_t root_id;
	struct acc acc[MAX_ACC];
	int len;
	uint32_t raw[MAX_ACC];
	int raw_len;
	uint64_t bit_off;
};

static const struct btf_type *skip(const struct btf *btf, uint32_t id, uint32_t *res)
{
	for (int d = 0; d < MAX_DEPTH; d++) {
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

static const char *tname(const struct btf *btf, uint32_t name_off)
{
	const char *s = btf__name_by_offset(btf, name_off);
	return s ? s : "";
}

/* Length of the name without a "___flavor" suffix: the last "___" that has
 * a non-underscore character on both sides. */
static size_t ess_len(const char *n)
{
	size_t len = strlen(n);
	for (size_t i = len >= 4 ? len - 4 : 0; i >= 1 && len >= 5; i--) {
		if (n[i] == '_' && n[i + 1] == '_' && n[i + 2] == '_' && n[i - 1] != '_' &&
		    n[i + 3] != '_')
			return i;
	}
	return len;
}

static bool is_composite(const struct btf_type *t)
{
	return btf_is_struct(t) || btf_is_union(t);
}

static bool is_any_enum(const struct btf_type *t)
{
	return btf_is_enum(t) || btf_is_enum64(t);
}

static int parse_access(const char *s, uint32_t *raw, int *n)
{
	*n = 0;
	if (!*s)
		return -EINVAL;
	while (*s) {
		if (*n == MAX_ACC || *s < '0' || *s > '9')
			return -EINVAL;
		uint64_t v = 0;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s++ - '0');
			if (v > UINT32_MAX)
				return -EINVAL;
		}
		raw[(*n)++] = (uint32_t)v;
		if (*s == ':')
			s++;
		else if (*s)
			return -EINVAL;
	}
	return 0;
}

/* The local side: resolve the access string against the object's BTF. */
static int parse_local(const struct btf *btf, uint32_t type_id, const char *access,
		       uint32_t kind, struct spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->btf = btf;
	sp->root_id = type_id;
	if (parse_access(access, sp->raw, &sp->raw_len))
		return -EINVAL;
	uint32_t id;
	const struct btf_type *t = skip(btf, type_id, &id);
	if (!t)
		return -EINVAL;
	if (!is_field_kind(kind) && !is_enum_kind(kind))
		return sp->raw_len == 1 && sp->raw[0] == 0 ? 0 : -EINVAL;
	if (is_enum_kind(kind)) {
		if (!is_any_enum(t) || sp->raw_len != 1 || sp->raw[0] >= btf_vlen(t))
			return -EINVAL;
		uint32_t noff = btf_is_enum(t) ? btf_enum(t)[sp->raw[0]].name_off :
						 btf_enum64(t)[sp->raw[0]].name_off;
		sp->acc[0] = (struct acc){ id, sp->raw[0], tname(btf, noff) };
		sp->len = 1;
		return 0;
	}
	int sz = btf__resolve_size(btf, id);
	if (sz < 0)
		return -EINVAL;
	sp->acc[0] = (struct acc){ id, sp->raw[0], NULL };
	sp->len = 1;
	sp->bit_off = (uint64_t)sp->raw[0] * (uint64_t)sz * 8;
	for (int i = 1; i < sp->raw_len; i++) {
		t = skip(btf, id, &id);
		if (!t)
			return -EINVAL;
		uint32_t idx = sp->raw[i];
		if (is_composite(t)) {
			if (idx >= btf_vlen(t))
				return -EINVAL;
			const struct btf_member *m = btf_members(t) + idx;
			sp->bit_off += btf_member_bit_offset(t, idx);
			const char *mn = tname(btf, m->name_off);
			if (*mn)
				sp->acc[sp->len++] = (struct acc){ id, idx, mn };
			id = m->type;
		} else if (btf_is_array(t)) {
			const struct btf_array *a = btf_array(t);
			int esz = btf__resolve_size(btf, a->type);
			if (esz < 0)
				return -EINVAL;
			sp->acc[sp->len++] = (struct acc){ id, idx, NULL };
			sp->bit_off += (uint64_t)idx * (uint64_t)esz * 8;
			id = a->type;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* Loose compatibility of two field types: same shape, names not compared
 * below the top (libbpf's documented field compatibility rules). */
static int fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid)
{
	for (int d = 0; d < MAX_DEPTH; d++) {
		const struct btf_type *l = skip(lb, lid, &lid), *t = skip(tb, tid, &tid);
		if (!l || !t)
			return -EINVAL;
		if (is_composite(l) && is_composite(t))
			return 1;
		if (is_any_enum(l) && is_any_enum(t))
			return 1;
		if (btf_kind(l) != btf_kind(t))
			return 0;
		switch (btf_kind(l)) {
		case BTF_KIND_FWD:
		case BTF_KIND_PTR:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_INT:
			/* old bitfield-style ints carry an offset: refuse those */
			return btf_int_offset(l) == 0 && btf_int_offset(t) == 0;
		case BTF_KIND_ARRAY:
			lid = btf_array(l)->type;
			tid = btf_array(t)->type;
			continue;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/* Compatibility of whole types for type-based relocations. */
static int types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			int depth)
{
	if (depth > MAX_DEPTH)
		return -EINVAL;
	const struct btf_type *l = skip(lb, lid, &lid), *t = skip(tb, tid, &tid);
	if (!l || !t)
		return -EINVAL;
	if (is_any_enum(l) && is_any_enum(t))
		return 1;
	if (btf_kind(l) != btf_kind(t))
		return 0;
	switch (btf_kind(l)) {
	case BTF_KIND_UNKN:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FWD:
	case BTF_KIND_FLOAT:
		return 1;
	case BTF_KIND_INT:
		return btf_int_offset(l) == 0 && btf_int_offset(t) == 0;
	case BTF_KIND_PTR:
		return types_compat(lb, l->type, tb, t->type, depth + 1);
	case BTF_KIND_ARRAY:
		return types_compat(lb, btf_array(l)->type, tb, btf_array(t)->type, depth + 1);
	case BTF_KIND_FUNC_PROTO: {
		if (btf_vlen(l) != btf_vlen(t))
			return 0;
		const struct btf_param *lp = btf_params(l), *tp = btf_params(t);
		for (uint16_t i = 0; i < btf_vlen(l); i++) {
			int r = types_compat(lb, lp[i].type, tb, tp[i].type, depth + 1);
			if (r <= 0)
				return r;
		}
		return types_compat(lb, l->type, tb, t->type, depth + 1);
	}
	default:
		return 0;
	}
}

static bool names_match(const char *a, const char *b)
{
	size_t la = ess_len(a), lb = ess_len(b);
	return la == lb && strncmp(a, b, la) == 0;
}

/* The stricter "types match" relation of bpf_core_type_matches(). */
static int types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		       int depth, bool behind_ptr)
{
	if (depth > MAX_DEPTH)
		return -EINVAL;
	const struct btf_type *l = skip(lb, lid, &lid), *t = skip(tb, tid, &tid);
	if (!l || !t)
		return -EINVAL;
	bool named = is_composite(l) || is_any_enum(l) || btf_is_fwd(l);
	if (named && !names_match(tname(lb, l->name_off), tname(tb, t->name_off)))
		return 0;
	if (btf_is_fwd(l) || btf_is_fwd(t))
		return 1;	/* a forward declaration matches by name */
	if (is_any_enum(l) && is_any_enum(t)) {
		if (l->size != t->size)
			return 0;
		for (uint16_t i = 0; i < btf_vlen(l); i++) {
			const char *ln = tname(lb, btf_is_enum(l) ? btf_enum(l)[i].name_off :
							  btf_enum64(l)[i].name_off);
			bool found = false;
			for (uint16_t k = 0; k < btf_vlen(t) && !found; k++)
				found = names_match(ln, tname(tb, btf_is_enum(t) ? btf_enum(t)[k].name_off :
									  btf_enum64(t)[k].name_off));
			if (!found)
				return 0;
		}
		return 1;
	}
	if (btf_kind(l) != btf_kind(t))
		return 0;
	switch (btf_kind(l)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		if (behind_ptr)
			return 1;
		for (uint16_t i = 0; i < btf_vlen(l); i++) {
			const struct btf_member *lm = btf_members(l) + i;
			const char *ln = tname(lb, lm->name_off);
			int found = 0;
			for (uint16_t k = 0; k < btf_vlen(t) && !found; k++) {
				const struct btf_member *tm = btf_members(t) + k;
				if (strcmp(ln, tname(tb, tm->name_off)))
					continue;
				found = types_match(lb, lm->type, tb, tm->type, depth + 1, false);
				if (found < 0)
					return found;
			}
			if (!found)
				return 0;
		}
		return 1;
	}
	case BTF_KIND_INT: {
		bool ls = btf_int_encoding(l) & BTF_INT_SIGNED, ts = btf_int_encoding(t) & BTF_INT_SIGNED;
		return l->size == t->size && ls == ts;
	}
	case BTF_KIND_FLOAT:
		return l->size == t->size;
	case BTF_KIND_PTR:
		return types_match(lb, l->type, tb, t->type, depth + 1, true);
	case BTF_KIND_ARRAY:
		if (btf_array(l)->nelems != btf_array(t)->nelems)
			return 0;
		return types_match(lb, btf_array(l)->type, tb, btf_array(t)->type, depth + 1,
				   behind_ptr);
	case BTF_KIND_FUNC_PROTO: {
		if (btf_vlen(l) != btf_vlen(t))
			return 0;
		for (uint16_t i = 0; i < btf_vlen(l); i++) {
			int r = types_match(lb, btf_params(l)[i].type, tb, btf_params(t)[i].type,
					    depth + 1, behind_ptr);
			if (r <= 0)
				return r;
		}
		return types_match(lb, l->type, tb, t->type, depth + 1, behind_ptr);
	}
	default:
		return 0;
	}
}

/* Find local member lm by name in target composite tid (skipped),
 * descending into anonymous members.  Appends to ts on success. */
static int match_member(const struct btf *lb, const struct btf_member *lm, const struct btf *tb,
			uint32_t tid, struct spec *ts, int depth)
{
	if (depth > MAX_DEPTH || ts->raw_len >= MAX_ACC || ts->len >= MAX_ACC)
		return -EINVAL;
	const struct btf_type *t = btf__type_by_id(tb, tid);
	const char *ln = tname(lb, lm->name_off);
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = btf_members(t) + i;
		const char *mn = tname(tb, m->name_off);
		uint32_t bo = btf_member_bit_offset(t, i);
		if (!*mn) {
			uint32_t aid;
			const struct btf_type *at = skip(tb, m->type, &aid);
			if (!at || !is_composite(at))
				continue;
			struct spec save = *ts;
			ts->bit_off += bo;
			ts->raw[ts->raw_len++] = i;
			int r = match_member(lb, lm, tb, aid, ts, depth + 1);
			if (r)
				return r;
			*ts = save;
		} else if (!strcmp(mn, ln)) {
			ts->bit_off += bo;
			ts->raw[ts->raw_len++] = i;
			ts->acc[ts->len++] = (struct acc){ tid, i, mn };
			return fields_compat(lb, lm->type, tb, m->type);
		}
	}
	return 0;
}

/* Match a local field/enum spec against target candidate tid. 1: match. */
static int match_spec(const struct spec *ls, uint32_t kind, const struct btf *tb, uint32_t tid,
		      struct spec *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->btf = tb;
	ts->root_id = tid;
	uint32_t id;
	const struct btf_type *t = skip(tb, tid, &id);
	if (!t)
		return -EINVAL;
	if (is_enum_kind(kind)) {
		if (!is_any_enum(t))
			return 0;
		for (uint16_t i = 0; i < btf_vlen(t); i++) {
			uint32_t noff = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
			const char *n = tname(tb, noff);
			if (names_match(n, ls->acc[0].name)) {
				ts->acc[0] = (struct acc){ id, i, n };
				ts->len = 1;
				ts->raw[0] = i;
				ts->raw_len = 1;
				return 1;
			}
		}
		return 0;
	}
	int sz = btf__resolve_size(tb, id);
	if (sz < 0)
		return 0;
	ts->acc[0] = (struct acc){ id, ls->acc[0].idx, NULL };
	ts->len = 1;
	ts->raw[0] = ls->acc[0].idx;
	ts->raw_len = 1;
	ts->bit_off = (uint64_t)ls->acc[0].idx * (uint64_t)sz * 8;
	for (int i = 1; i < ls->len; i++) {
		const struct acc *la = &ls->acc[i];
		t = skip(tb, id, &id);
		if (!t)
			return -EINVAL;
		if (ts->len >= MAX_ACC || ts->raw_len >= MAX_ACC)
			return -EINVAL;
		if (la->name) {
			if (!is_composite(t))
				return 0;
			const struct btf_type *lt = btf__type_by_id(ls->btf, la->type_id);
			const struct btf_member *lm = btf_members(lt) + la->idx;
			int r = match_member(ls->btf, lm, tb, id, ts, 0);
			if (r <= 0)
				return r;
			const struct acc *ta = &ts->acc[ts->len - 1];
			id = (btf_members(btf__type_by_id(tb, ta->type_id)) + ta->idx)->type;
		} else {
			if (!btf_is_array(t))
				return 0;
			const struct btf_array *a = btf_array(t);
			if (a->nelems && la->idx >= a->nelems)
				return 0;
			int esz = btf__resolve_size(tb, a->type);
			if (esz < 0)
				return 0;
			ts->acc[ts->len++] = (struct acc){ id, la->idx, NULL };
			ts->raw[ts->raw_len++] = la->idx;
			ts->bit_off += (uint64_t)la->idx * (uint64_t)esz * 8;
			id = a->type;
		}
	}
	return 1;
}

/* Value of a field relocation for a (local or target) spec; *sz gets the
 * field's byte size for memory-access size adjustment (0 when none). */
static int field_value(const struct spec *sp, uint32_t kind, uint64_t *val, uint32_t *sz)
{
	const struct acc *a = &sp->acc[sp->len - 1];
	const struct btf *btf = sp->btf;
	const struct btf_type *t = btf__type_by_id(btf, a->type_id);
	*sz = 0;
	if (!t)
		return -EINVAL;
	if (kind == K_FIELD_EXISTS) {
		*val = 1;
		return 0;
	}
	if (!a->name) {
		/* the root object or an array element */
		uint32_t eid = btf_is_array(t) && sp->len > 1 ? btf_array(t)->type : a->type_id;
		int s = btf__resolve_size(btf, eid);
		if (s < 0)
			return -EINVAL;
		if (kind == K_FIELD_BYTE_OFFSET) {
			*val = sp->bit_off / 8;
			*sz = (uint32_t)s;
		} else if (kind == K_FIELD_BYTE_SIZE) {
			*val = (uint64_t)s;
		} else {
			return -EINVAL;
		}
		return 0;
	}
	const struct btf_member *m = btf_members(t) + a->idx;
	uint32_t mid;
	const struct btf_type *mt = skip(btf, m->type, &mid);
	if (!mt)
		return -EINVAL;
	uint32_t bit_sz = btf_member_bitfield_size(t, a->idx);
	bool bitfield = bit_sz > 0;
	uint64_t bit_off = sp->bit_off, byte_off;
	uint32_t byte_sz;
	if (!bitfield) {
		int s = btf__resolve_size(btf, m->type);
		if (s < 0)
			return -EINVAL;
		byte_sz = (uint32_t)s;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	} else {
		/* the smallest naturally aligned load covering the bits */
		byte_sz = mt->size;
		if (byte_sz == 0 || byte_sz > 8)
			return -EINVAL;
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return -EINVAL;
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	}
	switch (kind) {
	case K_FIELD_BYTE_OFFSET:
		*val = byte_off;
		if (!bitfield)
			*sz = byte_sz;
		break;
	case K_FIELD_BYTE_SIZE:
		*val = byte_sz;
		break;
	case K_FIELD_SIGNED:
		*val = (is_any_enum(mt) && btf_kflag(mt)) ||
		       (btf_is_int(mt) && (btf_int_encoding(mt) & BTF_INT_SIGNED));
		break;
	case K_FIELD_LSHIFT_U64:
		*val = 64 - (bit_off + bit_sz - byte_off * 8);
		break;
	case K_FIELD_RSHIFT_U64:
		*val = 64 - bit_sz;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int enum_value(const struct spec *sp, uint64_t *val)
{
	const struct btf_type *t = btf__type_by_id(sp->btf, sp->acc[0].type_id);
	if (!t || sp->acc[0].idx >= btf_vlen(t))
		return -EINVAL;
	if (btf_is_enum(t))
		*val = btf_kflag(t) ? (uint64_t)(int64_t)btf_enum(t)[sp->acc[0].idx].val :
				      (uint64_t)(uint32_t)btf_enum(t)[sp->acc[0].idx].val;
	else
		*val = btf_enum64_value(btf_enum64(t) + sp->acc[0].idx);
	return 0;
}

/* Candidate cache: target ids per local root type id. */
struct cand_cache {
	uint32_t local_id;
	uint32_t *ids;
	size_t cnt;
};

static int find_cands(const struct btf *lb, uint32_t lid, const struct btf *tb,
		      struct cand_cache **cache, size_t *ncache, struct cand_cache **out)
{
	for (size_t i = 0; i < *ncache; i++)
		if ((*cache)[i].local_id == lid) {
			*out = &(*cache)[i];
			return 0;
		}
	const struct btf_type *l = btf__type_by_id(lb, lid);
	if (!l)
		return -EINVAL;
	const char *ln = tname(lb, l->name_off);
	size_t ll = ess_len(ln);
	struct cand_cache c = { .local_id = lid };
	if (ll) {
		uint32_t n = btf__type_cnt(tb);
		for (uint32_t id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(tb, id);
			if (!t)
				break;
			bool kind_ok = btf_kind(t) == btf_kind(l) || (is_any_enum(l) && is_any_enum(t));
			if (!kind_ok)
				continue;
			const char *tn = tname(tb, t->name_off);
			if (ess_len(tn) != ll || strncmp(tn, ln, ll))
				continue;
			uint32_t *ni = realloc(c.ids, (c.cnt + 1) * sizeof(*ni));
			if (!ni) {
				free(c.ids);
				return -ENOMEM;
			}
			c.ids = ni;
			c.ids[c.cnt++] = id;
		}
	}
	struct cand_cache *nc = realloc(*cache, (*ncache + 1) * sizeof(*nc));
	if (!nc) {
		free(c.ids);
		return -ENOMEM;
	}
	*cache = nc;
	nc[*ncache] = c;
	*out = &nc[(*ncache)++];
	return 0;
}

static int bytes_to_size(uint32_t n)
{
	switch (n) {
	case 1: return BPFRT_B;
	case 2: return BPFRT_H;
	case 4: return BPFRT_W;
	case 8: return BPFRT_DW;
	default: return -1;
	}
}

static uint32_t size_bytes(uint8_t code)
{
	switch (BPFRT_SIZE(code)) {
	case BPFRT_B: return 1;
	case BPFRT_H: return 2;
	case BPFRT_W: return 4;
	default: return 8;
	}
}

/* One relocation: compute the value and patch the instruction. */
static int apply_one(struct bpfrt_object *obj, struct lsec *sec, const struct core_rec *cr,
		     struct cand_cache **cache, size_t *ncache)
{
	const struct btf *lb = obj->btf, *tb = obj->target_btf;
	size_t i = cr->insn;
	const char *access = btf__name_by_offset(lb, cr->access_off);
	const struct btf_type *lt = btf__type_by_id(lb, cr->type_id);
	if (!access || !lt || cr->kind > K_TYPE_MATCHES || cr->type_id == 0) {
		lo_err(obj, sec->idx, i, "bad CO-RE relocation record (type %u, kind %u)",
		       cr->type_id, cr->kind);
		return -EINVAL;
	}
	const char *lname = tname(lb, lt->name_off);
	struct spec ls, ts, best;
	if (parse_local(lb, cr->type_id, access, cr->kind, &ls)) {
		lo_err(obj, sec->idx, i, "CO-RE %s of '%s': bad access string '%s'",
		       kind_names[cr->kind], lname, access);
		return -EINVAL;
	}
	uint64_t val = 0, lval = 0;
	uint32_t tsz = 0, lsz = 0;
	bool found = false, poison = false;
	if (cr->kind == K_TYPE_ID_LOCAL) {
		val = cr->type_id;
		found = true;
	} else {
		if (!*lname) {
			lo_err(obj, sec->idx, i, "CO-RE %s: anonymous local type [%u] cannot be relocated",
			       kind_names[cr->kind], cr->type_id);
			return -EINVAL;
		}
		struct cand_cache *cc;
		int err = find_cands(lb, cr->type_id, tb, cache, ncache, &cc);
		if (err)
			return err;
		for (size_t c = 0; c < cc->cnt; c++) {
			uint32_t tid = cc->ids[c];
			int r;
			uint64_t v = 0;
			uint32_t s = 0;
			if (is_field_kind(cr->kind) || is_enum_kind(cr->kind)) {
				r = match_spec(&ls, cr->kind, tb, tid, &ts);
			} else if (cr->kind == K_TYPE_MATCHES) {
				r = types_match(lb, cr->type_id, tb, tid, 0, false);
			} else {
				r = types_compat(lb, cr->type_id, tb, tid, 0);
			}
			if (r < 0) {
				lo_err(obj, sec->idx, i, "CO-RE %s of '%s' access '%s': malformed BTF",
				       kind_names[cr->kind], lname, access);
				return -EINVAL;
			}
			if (r == 0)
				continue;
			if (is_field_kind(cr->kind))
				r = field_value(&ts, cr->kind, &v, &s);
			else if (is_enum_kind(cr->kind))
				r = cr->kind == K_ENUMVAL_EXISTS ? (v = 1, 0) : enum_value(&ts, &v);
			else if (cr->kind == K_TYPE_SIZE)
				r = (v = (uint64_t)btf__resolve_size(tb, tid), (int64_t)v < 0 ? -EINVAL : 0);
			else if (cr->kind == K_TYPE_ID_TARGET)
				v = tid;
			else
				v = 1;
			if (r < 0) {
				lo_err(obj, sec->idx, i, "CO-RE %s of '%s' access '%s': cannot compute the value in target type [%u]",
				       kind_names[cr->kind], lname, access, tid);
				return -EINVAL;
			}
			/* type ids differ between duplicate definitions; the
			 * first one stands for all */
			if (found && v != val && cr->kind != K_TYPE_ID_TARGET) {
				lo_err(obj, sec->idx, i,
				       "CO-RE %s of '%s' access '%s': candidates disagree (%llu vs %llu)",
				       kind_names[cr->kind], lname, access, (unsigned long long)val,
				       (unsigned long long)v);
				return -EINVAL;
			}
			if (!found) {
				val = v;
				tsz = s;
				best = ts;
			}
			found = true;
		}
		(void)best;
		if (!found) {
			switch (cr->kind) {
			case K_FIELD_EXISTS:
			case K_TYPE_EXISTS:
			case K_ENUMVAL_EXISTS:
			case K_TYPE_MATCHES:
			case K_TYPE_ID_TARGET:
				val = 0;
				break;
			default:
				/* like libbpf: leave a trap that only fires if
				 * this code is reached */
				poison = true;
				pr_info("%s: section '%s' insn %zu: CO-RE %s of '%s' access '%s' has no match in the target BTF; instruction poisoned\n",
					obj->file, sec->name, i, kind_names[cr->kind], lname, access);
			}
		}
	}
	if (is_field_kind(cr->kind) && cr->kind == K_FIELD_BYTE_OFFSET && !poison &&
	    field_value(&ls, cr->kind, &lval, &lsz))
		lsz = 0;

	struct bpfrt_insn *in = &sec->work[i];
	if (poison) {
		bool wide = in->code == (BPFRT_LD | BPFRT_DW | BPFRT_IMM) && i + 1 < sec->insn_cnt;
		*in = BPFRT_CALL_HELPER(POISON_HELPER);
		if (wide)
			in[1] = BPFRT_CALL_HELPER(POISON_HELPER);
		return 0;
	}
	switch (BPFRT_CLASS(in->code)) {
	case BPFRT_ALU:
	case BPFRT_ALU64:
		if (BPFRT_SRC(in->code) != BPFRT_K)
			goto bad_insn;
		in->imm = (int32_t)val;
		return 0;
	case BPFRT_LDX:
	case BPFRT_ST:
	case BPFRT_STX:
		if (cr->kind != K_FIELD_BYTE_OFFSET)
			goto bad_insn;
		if (val > INT16_MAX) {
			lo_err(obj, sec->idx, i, "CO-RE %s of '%s' access '%s': offset %llu does not fit the instruction",
			       kind_names[cr->kind], lname, access, (unsigned long long)val);
			return -ERANGE;
		}
		in->off = (int16_t)val;
		if (tsz && lsz && tsz != lsz && size_bytes(in->code) == lsz) {
			int ns = bytes_to_size(tsz);
			if (ns < 0) {
				lo_err(obj, sec->idx, i, "CO-RE %s of '%s': field size %u cannot be loaded",
				       kind_names[cr->kind], lname, tsz);
				return -EINVAL;
			}
			in->code = (uint8_t)(BPFRT_MODE(in->code) | ns | BPFRT_CLASS(in->code));
		}
		return 0;
	case BPFRT_LD:
		if (in->code != (BPFRT_LD | BPFRT_DW | BPFRT_IMM) || i + 1 >= sec->insn_cnt)
			goto bad_insn;
		in[0].imm = (int32_t)(uint32_t)val;
		in[1].imm = (int32_t)(uint32_t)(val >> 32);
		return 0;
	default:
		break;
	}
bad_insn:
	lo_err(obj, sec->idx, i, "CO-RE %s of '%s' access '%s' on an instruction it cannot patch (opcode 0x%02x)",
	       kind_names[cr->kind], lname, access, in->code);
	return -EINVAL;
}

int lo_core_apply(struct bpfrt_object *obj)
{
	size_t total = 0;
	for (size_t i = 1; i < obj->sec_cnt; i++)
		total += obj->secs[i].core_cnt;
	if (!total || !obj->btf)
		return 0;
	if (!obj->target_btf) {
		const char *path = obj->btf_custom_path;
		obj->target_btf = path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();
		if (!obj->target_btf) {
			int e = errno ? errno : ENOENT;
			obj->target_btf = NULL;
			lo_err(obj, UINT32_MAX, SIZE_MAX, "cannot read target BTF %s for %zu CO-RE relocations: %s",
			       path ? path : "(vmlinux)", total, strerror(e));
			return -e;
		}
	}
	struct cand_cache *cache = NULL;
	size_t ncache = 0;
	int err = 0;
	for (size_t i = 1; !err && i < obj->sec_cnt; i++) {
		struct lsec *s = &obj->secs[i];
		for (size_t k = 0; !err && k < s->core_cnt; k++)
			err = apply_one(obj, s, &s->cores[k], &cache, &ncache);
	}
	for (size_t i = 0; i < ncache; i++)
		free(cache[i].ids);
	free(cache);
	return err;
}
