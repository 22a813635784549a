/* SPDX-License-Identifier: MIT */
/*
 * ELF loader tests over the compiled corpus (build/corpus/loader_*.bpf.o):
 * maps (BTF, legacy, global data), relocation and linking, line info,
 * CO-RE against the running kernel's BTF, and malformed objects made at
 * test time from valid ones.
 *
 * Checks go mostly through the object API after bpfrt__object_prepare
 * (maps created, code relocated and linked); the final load must succeed,
 * or refuse exactly the program the kernel's verifier refuses too.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfrt/bpfrt.h"
#include "core/common.h"
#include "loader/loader.h"
#include "lib/corpus.h"
#include "lib/t.h"

static char logbuf[4096];

static int quiet(enum bpfrt_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static struct bpfrt_object *open_obj(const char *name, enum bpfrt_prog_type dflt)
{
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = logbuf, .log_size = sizeof(logbuf),
		   .default_prog_type = dflt);
	struct bpfrt_object *obj = bpfrt_object__open_file(t_corpus(name), &oo);
	T_CHECK(obj != NULL, "open %s: %s (%s)", name, strerror(errno), logbuf);
	return obj;
}

static struct bpfrt_object *open_buf(const void *buf, size_t len, const char *name,
				     enum bpfrt_prog_type dflt)
{
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = logbuf, .log_size = sizeof(logbuf),
		   .default_prog_type = dflt, .object_name = name);
	logbuf[0] = 0;
	return bpfrt_object__open_mem(buf, len, &oo);
}

/* prepare, then load.  refused: NULL when every program must load, else
 * the one program the verifier must refuse (as the kernel's does: see
 * tests/verifier/cases.txt), which makes the load fail with EACCES. */
static int prepare_and_load(struct bpfrt_object *obj, const char *what, const char *refused)
{
	int err = bpfrt__object_prepare(obj);
	T_CHECK(err == 0, "%s: prepare: %d (%s)", what, err, logbuf);
	if (err)
		return err;
	int lerr = bpfrt_object__load(obj);
	if (!refused) {
		T_CHECK(lerr == 0, "%s: load: %d (%s)", what, lerr, logbuf);
	} else {
		char want[128];
		snprintf(want, sizeof(want), "program '%s': ", refused);
		T_CHECK(lerr == -EACCES && strstr(logbuf, want), "%s: the verifier refuses %s: %d (%s)",
			what, refused, lerr, logbuf);
	}
	return 0;
}

static const struct lfunc *func_by_name(const struct bpfrt_object *obj, const char *name)
{
	for (size_t i = 0; i < obj->func_cnt; i++)
		if (!strcmp(obj->funcs[i].name, name))
			return &obj->funcs[i];
	return NULL;
}

static int map_index(const struct bpfrt_object *obj, const char *name)
{
	for (size_t i = 0; i < obj->map_cnt; i++)
		if (!strcmp(obj->maps[i]->name, name))
			return (int)i;
	return -1;
}

static bool is_lddw(const struct bpfrt_insn *in)
{
	return in->code == (BPFRT_LD | BPFRT_DW | BPFRT_IMM);
}

/* ---- BTF maps, prog array and map-in-map initialisers --------------- */

static void test_btf_maps(void)
{
	struct bpfrt_object *obj = open_obj("loader_maps.bpf.o", 0);
	if (!obj)
		return;
	T_CHECK(!strcmp(bpfrt_object__name(obj), "loader_maps.bpf"), "object name %s",
		bpfrt_object__name(obj));
	const char *progs[] = { "tail_a", "tail_b", "use_maps" };
	for (size_t i = 0; i < 3; i++) {
		struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, progs[i]);
		T_CHECK(p != NULL, "program %s", progs[i]);
		if (p) {
			T_CHECK(!strcmp(bpfrt_program__section_name(p), "xdp"), "section of %s",
				progs[i]);
			T_EQ_U64(bpfrt_program__type(p), BPFRT_PROG_TYPE_XDP, "xdp type");
		}
	}
	struct {
		const char *name;
		uint32_t type, ks, vs, max;
	} want[] = {
		{ "hmap", BPFRT_MAP_TYPE_HASH, 4, 16, 128 },
		{ "amap", BPFRT_MAP_TYPE_ARRAY, 4, 24, 16 },
		{ "pcpu", BPFRT_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4 },
		{ "lru", BPFRT_MAP_TYPE_LRU_HASH, 8, 8, 64 },
		{ "rb", BPFRT_MAP_TYPE_RINGBUF, 0, 0, 4096 },
		{ "in1", BPFRT_MAP_TYPE_ARRAY, 4, 4, 2 },
		{ "outer", BPFRT_MAP_TYPE_HASH_OF_MAPS, 4, 4, 8 },
		{ "jmp", BPFRT_MAP_TYPE_PROG_ARRAY, 4, 4, 4 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct lmap *m = bpfrt__object_map_def(obj, want[i].name);
		T_CHECK(m != NULL, "map def %s", want[i].name);
		if (!m)
			continue;
		T_EQ_U64(m->type, want[i].type, want[i].name);
		T_EQ_U64(m->key_size, want[i].ks, want[i].name);
		if (strcmp(want[i].name, "outer") && strcmp(want[i].name, "jmp"))
			T_EQ_U64(m->value_size, want[i].vs, want[i].name);
		T_EQ_U64(m->max_entries, want[i].max, want[i].name);
	}
	const struct lmap *outer = bpfrt__object_map_def(obj, "outer");
	const struct lmap *jmp = bpfrt__object_map_def(obj, "jmp");
	if (outer) {
		T_CHECK(outer->inner && outer->inner->type == BPFRT_MAP_TYPE_ARRAY &&
			outer->inner->max_entries == 2 && outer->inner->value_size == 4,
			"outer's inner template");
		T_EQ_U64(outer->init_cnt, 2, "outer initialisers");
		for (size_t i = 0; i < outer->init_cnt; i++) {
			const struct lmap_init *in = &outer->inits[i];
			T_CHECK((in->slot == 1 && !strcmp(in->map->name, "in1")) ||
				(in->slot == 3 && !strcmp(in->map->name, "in2")),
				"outer slot %u -> %s", in->slot, in->target);
		}
	}
	if (jmp) {
		T_EQ_U64(jmp->init_cnt, 2, "jmp initialisers");
		for (size_t i = 0; i < jmp->init_cnt; i++) {
			const struct lmap_init *in = &jmp->inits[i];
			T_CHECK(in->prog && ((in->slot == 0 && !strcmp(in->prog->name, "tail_a")) ||
					     (in->slot == 2 && !strcmp(in->prog->name, "tail_b"))),
				"jmp slot %u -> %s", in->slot, in->target);
		}
	}
	T_CHECK(bpfrt_object__next_map(obj, NULL) == NULL, "no maps before load");

	if (prepare_and_load(obj, "loader_maps", "use_maps") == 0) {
		size_t n = 0;
		for (struct bpfrt_map *m = bpfrt_object__next_map(obj, NULL); m;
		     m = bpfrt_object__next_map(obj, m))
			n++;
		T_EQ_U64(n, ARRAY_SIZE(want) + 1, "maps created");
		struct bpfrt_map *om = bpfrt_object__find_map_by_name(obj, "outer");
		struct bpfrt_map *i1 = bpfrt_object__find_map_by_name(obj, "in1");
		struct bpfrt_map *i2 = bpfrt_object__find_map_by_name(obj, "in2");
		T_CHECK(om && i1 && i2, "outer/in1/in2 exist");
		if (om && i1 && i2) {
			uint32_t k = 1, id = 0;
			T_CHECK(bpfrt_map__lookup_elem(om, &k, &id) == 0, "outer[1] set");
			T_EQ_U64(id, bpfrt_map__id(i1), "outer[1] = in1");
			k = 3;
			T_CHECK(bpfrt_map__lookup_elem(om, &k, &id) == 0, "outer[3] set");
			T_EQ_U64(id, bpfrt_map__id(i2), "outer[3] = in2");
			k = 0;
			T_CHECK(bpfrt_map__lookup_elem(om, &k, &id) == -ENOENT, "outer[0] empty");
		}
		/* every map lddw in use_maps names a real map */
		struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, "use_maps");
		const struct bpfrt_insn *in = bpfrt_program__insns(p);
		size_t cnt = bpfrt_program__insn_cnt(p), maps_seen = 0;
		bool ok = true;
		for (size_t i = 0; i + 1 < cnt; i++) {
			if (!is_lddw(&in[i]))
				continue;
			if (in[i].src_reg != BPFRT_PSEUDO_MAP_IDX || in[i].imm < 0 ||
			    (size_t)in[i].imm >= obj->map_cnt || in[i + 1].imm != 0)
				ok = false;
			maps_seen |= 1u << in[i].imm;
			i++;
		}
		T_CHECK(ok, "use_maps: lddw are map_idx");
		uint32_t expect = 0;
		const char *used[] = { "hmap", "pcpu", "outer", "jmp", "amap", "lru", "rb" };
		for (size_t i = 0; i < ARRAY_SIZE(used); i++)
			expect |= 1u << map_index(obj, used[i]);
		T_EQ_U64(maps_seen, expect, "use_maps: maps referenced");
	}
	bpfrt_object__close(obj);
}

/* ---- legacy "maps" section ----------------------------------------- */

static void test_legacy_maps(void)
{
	struct bpfrt_object *obj = open_obj("loader_legacy.bpf.o", 0);
	if (!obj)
		return;
	const struct lmap *c = bpfrt__object_map_def(obj, "counters");
	const struct lmap *f = bpfrt__object_map_def(obj, "flows");
	T_CHECK(c && c->kind == LMAP_LEGACY && c->type == BPFRT_MAP_TYPE_ARRAY &&
		c->key_size == 4 && c->value_size == 8 && c->max_entries == 8,
		"legacy counters");
	T_CHECK(f && f->type == BPFRT_MAP_TYPE_HASH && f->key_size == 8 && f->value_size == 16 &&
		f->max_entries == 32 && f->map_flags == BPFRT_F_NO_PREALLOC, "legacy flows");
	struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, "count");
	T_CHECK(p && bpfrt_program__type(p) == BPFRT_PROG_TYPE_SOCKET_FILTER, "socket program");
	if (prepare_and_load(obj, "loader_legacy", NULL) == 0) {
		T_CHECK(bpfrt_object__find_map_by_name(obj, "counters") != NULL, "counters created");
		const struct bpfrt_insn *in = bpfrt_program__insns(p);
		int seen = 0;
		for (size_t i = 0; i + 1 < bpfrt_program__insn_cnt(p); i++)
			if (is_lddw(&in[i]) && in[i].src_reg == BPFRT_PSEUDO_MAP_IDX)
				seen |= 1 << in[i].imm;
		T_EQ_U64(seen, (1 << map_index(obj, "counters")) | (1 << map_index(obj, "flows")),
			 "legacy map references");
	}
	bpfrt_object__close(obj);
}

/* ---- global data ----------------------------------------------------- */

static bool mem_has(const void *hay, size_t n, const void *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp((const char *)hay + i, needle, k))
			return true;
	return false;
}

static void test_global_data(void)
{
	struct bpfrt_object *obj = open_obj("loader_data.bpf.o", 0);
	if (!obj)
		return;
	/* Same names as libbpf gives them. */
	struct bpf_object *lobj = bpf_object__open_file(t_corpus("loader_data.bpf.o"), NULL);
	if (lobj && !libbpf_get_error(lobj)) {
		struct bpf_map *lm;
		size_t n = 0;
		bpf_object__for_each_map(lm, lobj) {
			n++;
			T_CHECK(bpfrt__object_map_def(obj, bpf_map__name(lm)) != NULL,
				"libbpf's map name '%s' found", bpf_map__name(lm));
		}
		T_EQ_U64(n, obj->map_cnt, "same number of maps as libbpf");
		bpf_object__close(lobj);
	} else {
		t_skip("libbpf cannot open loader_data.bpf.o");
	}
	if (prepare_and_load(obj, "loader_data", "use_data") != 0) {
		bpfrt_object__close(obj);
		return;
	}
	struct bpfrt_map *data = bpfrt_object__find_map_by_name(obj, ".data");
	struct bpfrt_map *ro = bpfrt_object__find_map_by_name(obj, ".rodata");
	struct bpfrt_map *bss = bpfrt_object__find_map_by_name(obj, ".bss");
	struct bpfrt_map *cust = bpfrt_object__find_map_by_name(obj, ".data.custom");
	T_CHECK(data && ro && bss && cust, "data maps by section name");
	T_CHECK(bpfrt_object__find_map_by_name(obj, "loader_d.data") == data,
		"data map by libbpf name");
	T_CHECK(bpfrt_object__find_map_by_name(obj, "loader_d.rodata") == ro,
		"rodata map by libbpf name");
	if (!data || !ro || !bss || !cust) {
		bpfrt_object__close(obj);
		return;
	}
	uint64_t cv = 0x1122334455667788ULL;
	int arr[3] = { 7, 8, 9 };
	uint32_t lim = 42, cu = 0xc0ffee;
	const uint8_t *d = bpfrt_map__mmap(data), *r = bpfrt_map__mmap(ro);
	const uint8_t *b = bpfrt_map__mmap(bss), *c = bpfrt_map__mmap(cust);
	T_CHECK(d && r && b && c, "mmap of data maps");
	if (d && r && b && c) {
		T_CHECK(mem_has(d, bpfrt_map__value_size(data), &cv, 8), ".data has counter");
		T_CHECK(mem_has(d, bpfrt_map__value_size(data), arr, sizeof(arr)),
			".data has data_arr");
		T_CHECK(mem_has(r, bpfrt_map__value_size(ro), &lim, 4), ".rodata has limit");
		T_CHECK(mem_has(r, bpfrt_map__value_size(ro), "bpfrt", 6), ".rodata has tag");
		bool zero = true;
		for (size_t i = 0; i < bpfrt_map__value_size(bss); i++)
			zero &= b[i] == 0;
		T_CHECK(zero && bpfrt_map__value_size(bss) >= 36, ".bss zeroed (%u bytes)",
			bpfrt_map__value_size(bss));
		T_CHECK(bpfrt_map__value_size(cust) == 4 && !memcmp(c, &cu, 4),
			".data.custom value");
	}
	T_CHECK(bpfrt_map__is_frozen(ro), ".rodata frozen");
	T_CHECK(bpfrt_map__flags(ro) & BPFRT_F_RDONLY_PROG, ".rodata read-only for programs");
	T_CHECK(!bpfrt_map__is_frozen(data), ".data not frozen");
	uint32_t k = 0;
	uint8_t zbuf[256] = { 0 };
	T_CHECK(bpfrt_map__update_elem(ro, &k, zbuf, 0) == -EPERM, ".rodata refuses updates");

	/* each global access is a map_idx_value lddw at an offset in range */
	struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, "use_data");
	const struct bpfrt_insn *in = bpfrt_program__insns(p);
	size_t n = 0;
	bool ok = true;
	for (size_t i = 0; i + 1 < bpfrt_program__insn_cnt(p); i++) {
		if (!is_lddw(&in[i]))
			continue;
		n++;
		if (in[i].src_reg != BPFRT_PSEUDO_MAP_IDX_VALUE || in[i].imm < 0 ||
		    (size_t)in[i].imm >= obj->map_cnt ||
		    (uint32_t)in[i + 1].imm >= obj->maps[in[i].imm]->value_size)
			ok = false;
		i++;
	}
	T_CHECK(ok && n >= 5, "use_data: %zu map_idx_value lddw", n);
	bpfrt_object__close(obj);
}

/* ---- subprograms and linking ----------------------------------------- */

/* Does buf[t..] hold function f's code (relocated slots compared by
 * opcode only)? */
static bool code_is(const struct bpfrt_object *obj, const struct bpfrt_insn *buf, size_t cnt,
		    size_t t, const struct lfunc *f)
{
	const struct lsec *s = &obj->secs[f->sec];
	const struct bpfrt_insn *orig = (const struct bpfrt_insn *)s->data + f->start;
	if (t + f->cnt > cnt)
		return false;
	for (size_t i = 0; i < f->cnt; i++) {
		bool patched = s->rel_at[f->start + i] >= 0 || (i && is_lddw(&orig[i - 1])) ||
			       orig[i].code == (BPFRT_JMP | BPFRT_CALL) || is_lddw(&orig[i]);
		if (patched ? buf[t + i].code != orig[i].code : memcmp(&buf[t + i], &orig[i], 8))
			return false;
	}
	return true;
}

static const struct lfunc *func_at(const struct bpfrt_object *obj, const struct bpfrt_insn *buf,
				   size_t cnt, size_t t)
{
	const char *names[] = { "sub_static", "sub_global", "loop_cb", "sec_static" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct lfunc *f = func_by_name(obj, names[i]);
		if (f && code_is(obj, buf, cnt, t, f))
			return f;
	}
	return NULL;
}

static void test_calls(void)
{
	struct bpfrt_object *obj = open_obj("loader_calls.bpf.o", 0);
	if (!obj)
		return;
	const char *progs[] = { "caller_one", "caller_two", "leaf", "tc_prog" };
	size_t np = 0;
	for (struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL); p;
	     p = bpfrt_object__next_program(obj, p))
		np++;
	T_EQ_U64(np, 4, "programs (subprograms excluded)");
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++)
		T_CHECK(bpfrt_object__find_program_by_name(obj, progs[i]) != NULL, "program %s",
			progs[i]);
	const char *subs[] = { "sub_static", "sub_global", "loop_cb", "sec_static" };
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		T_CHECK(bpfrt_object__find_program_by_name(obj, subs[i]) == NULL &&
			func_by_name(obj, subs[i]), "%s is a subprogram", subs[i]);
	struct bpfrt_program *one = bpfrt_object__find_program_by_name(obj, "caller_one");
	struct bpfrt_program *tc = bpfrt_object__find_program_by_name(obj, "tc_prog");
	T_CHECK(tc && bpfrt_program__type(tc) == BPFRT_PROG_TYPE_SCHED_CLS &&
		!strcmp(bpfrt_program__section_name(tc), "tc/ingress"), "tc/ingress program");
	size_t before = one ? bpfrt_program__insn_cnt(one) : 0;
	T_EQ_U64(before, one ? one->func->cnt : 0, "caller_one size before load");
	uint32_t line = 0;
	const char *src = one ? bpfrt_program__source_line(one, 0, &line) : NULL;
	T_CHECK(src && strstr(src, "loader_calls.bpf.c:") && line > 0, "source line: %s",
		src ? src : "(none)");

	if (prepare_and_load(obj, "loader_calls", NULL) == 0 && one) {
		const struct bpfrt_insn *in = bpfrt_program__insns(one);
		size_t cnt = bpfrt_program__insn_cnt(one);
		size_t want = before + func_by_name(obj, "sub_static")->cnt +
			      func_by_name(obj, "sub_global")->cnt + func_by_name(obj, "loop_cb")->cnt +
			      func_by_name(obj, "sec_static")->cnt;
		T_EQ_U64(cnt, want, "caller_one linked once per subprogram");
		int calls = 0, cbs = 0, bad = 0;
		for (size_t i = 0; i < cnt; i++) {
			bool call = in[i].code == (BPFRT_JMP | BPFRT_CALL) &&
				    in[i].src_reg == BPFRT_PSEUDO_CALL;
			bool cb = is_lddw(&in[i]) && in[i].src_reg == BPFRT_PSEUDO_FUNC;
			if (!call && !cb)
				continue;
			int64_t t = (int64_t)i + in[i].imm + 1;
			const struct lfunc *f = t >= 0 ? func_at(obj, in, cnt, (size_t)t) : NULL;
			if (!f || t < (int64_t)before)
				bad++;
			if (cb && (!f || strcmp(f->name, "loop_cb")))
				bad++;
			calls += call;
			cbs += cb;
		}
		T_EQ_U64(calls, 4, "caller_one: local calls");
		T_EQ_U64(cbs, 1, "caller_one: callback lddw");
		T_EQ_U64(bad, 0, "call targets land on the subprograms");

		/* line info travels with the code: the last slot is sub_* code */
		src = bpfrt_program__source_line(one, cnt - 1, &line);
		T_CHECK(src && strstr(src, "loader_calls.bpf.c:"), "source line in subprogram: %s",
			src ? src : "(none)");
		bool any = false;
		for (size_t i = before; i < cnt && !any; i++) {
			src = bpfrt_program__source_line(one, i, &line);
			any = src && strstr(src, "x * 3 + 1");
		}
		T_CHECK(any, "sub_static's source text reachable from caller_one");

		struct bpfrt_program *leaf = bpfrt_object__find_program_by_name(obj, "leaf");
		T_EQ_U64(bpfrt_program__insn_cnt(leaf), leaf->func->cnt, "leaf not extended");
		T_CHECK(bpfrt_program__set_type(leaf, BPFRT_PROG_TYPE_XDP) == -EBUSY,
			"set_type after load");
	}
	bpfrt_object__close(obj);
}

/* ---- CO-RE ------------------------------------------------------------ */

/* Offset in bytes of member `name` of struct `sname` in BTF, looking
 * through anonymous members; -1 when absent. */
static long member_off(const struct btf *btf, int id, const char *name, int *type_out)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, id = t->type);
	if (!t || !btf_is_composite(t))
		return -1;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		long bo = btf_member_bit_offset(t, i) / 8;
		if (mn && !strcmp(mn, name)) {
			if (type_out)
				*type_out = m->type;
			return bo;
		}
		if (!mn || !*mn) {
			long r = member_off(btf, m->type, name, type_out);
			if (r >= 0)
				return bo + r;
		}
	}
	return -1;
}

static void test_core(void)
{
	struct btf *vm = btf__load_vmlinux_btf();
	if (!vm) {
		t_skip("no vmlinux BTF: CO-RE tests skipped");
		return;
	}
	struct bpfrt_object *obj = open_obj("loader_core.bpf.o", 0);
	if (!obj) {
		btf__free(vm);
		return;
	}
	int task = btf__find_by_name_kind(vm, "task_struct", BTF_KIND_STRUCT);
	int skb = btf__find_by_name_kind(vm, "sk_buff", BTF_KIND_STRUCT);
	int lh = btf__find_by_name_kind(vm, "list_head", BTF_KIND_STRUCT);
	T_CHECK(task > 0 && skb > 0 && lh > 0, "vmlinux has task_struct, sk_buff, list_head");

	/* expected offsets keyed by the relocation's access path */
	struct {
		const char *root, *path;
		long off;
	} exp[] = {
		{ "task_struct", "pid", member_off(vm, task, "pid", NULL) },
		{ "task_struct", "tgid", member_off(vm, task, "tgid", NULL) },
		{ "task_struct", "real_parent", member_off(vm, task, "real_parent", NULL) },
		{ "task_struct", "comm[3]", member_off(vm, task, "comm", NULL) + 3 },
		{ "task_struct", "children.next", member_off(vm, task, "children", NULL) +
						  member_off(vm, lh, "next", NULL) },
		{ "sk_buff", "len", member_off(vm, skb, "len", NULL) },
		{ "sk_buff", "mark", member_off(vm, skb, "mark", NULL) },
		{ "sk_buff", "mac_len", member_off(vm, skb, "mac_len", NULL) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(exp); i++)
		T_CHECK(exp[i].off >= 0, "vmlinux offset of %s.%s", exp[i].root, exp[i].path);

	if (bpfrt__object_prepare(obj)) {
		T_CHECK(0, "prepare loader_core: %s", logbuf);
		goto out;
	}
	size_t checked = 0, seen_paths = 0;
	for (size_t si = 1; si < obj->sec_cnt; si++) {
		const struct lsec *s = &obj->secs[si];
		for (size_t k = 0; k < s->core_cnt; k++) {
			const struct core_rec *cr = &s->cores[k];
			const struct bpfrt_insn *in = &s->work[cr->insn];
			const struct btf_type *lt = btf__type_by_id(obj->btf, cr->type_id);
			const char *ln = btf__name_by_offset(obj->btf, lt->name_off);
			const char *acc = btf__name_by_offset(obj->btf, cr->access_off);
			/* rebuild the member path from the local BTF */
			char path[128] = "";
			uint32_t id = cr->type_id;
			const char *p = strchr(acc, ':');
			while (p) {
				unsigned idx = (unsigned)strtoul(p + 1, NULL, 10);
				const struct btf_type *t = btf__type_by_id(obj->btf, id);
				while (btf_is_typedef(t) || btf_is_mod(t))
					t = btf__type_by_id(obj->btf, id = t->type);
				if (btf_is_array(t)) {
					snprintf(path + strlen(path), sizeof(path) - strlen(path), "[%u]", idx);
					id = btf_array(t)->type;
				} else {
					const struct btf_member *m = btf_members(t) + idx;
					snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s%s",
						 *path ? "." : "", btf__name_by_offset(obj->btf, m->name_off));
					id = m->type;
				}
				p = strchr(p + 1, ':');
			}
			int64_t got = BPFRT_CLASS(in->code) == BPFRT_ALU64 ||
						  BPFRT_CLASS(in->code) == BPFRT_ALU ? in->imm :
				      BPFRT_CLASS(in->code) == BPFRT_LDX ? in->off : (int64_t)in->imm;
			if (cr->kind == 0) {
				for (size_t e = 0; e < ARRAY_SIZE(exp); e++) {
					if (strcmp(exp[e].root, ln) || strcmp(exp[e].path, path))
						continue;
					T_EQ_U64(got, exp[e].off, exp[e].path);
					seen_paths |= 1u << e;
					checked++;
				}
			} else if (cr->kind == 2) {	/* field exists */
				T_EQ_U64(got, !strcmp(path, "pid"), path);
				checked++;
			} else if (cr->kind == 8) {	/* type exists */
				T_EQ_U64(got, !strcmp(ln, "task_struct"), ln);
				checked++;
			} else if (cr->kind == 9) {	/* type size */
				T_EQ_U64(got, btf__resolve_size(vm, task), "task_struct size");
				checked++;
			} else if (cr->kind == 10 || cr->kind == 11) {	/* enum value */
				int eid = btf__find_by_name_kind(vm, "bpf_map_type", BTF_KIND_ENUM);
				const struct btf_type *et = btf__type_by_id(vm, eid);
				long v = -1;
				for (int e = 0; et && e < btf_vlen(et); e++)
					if (!strcmp(btf__name_by_offset(vm, btf_enum(et)[e].name_off),
						    "BPF_MAP_TYPE_RINGBUF"))
						v = btf_enum(et)[e].val;
				T_EQ_U64(got, cr->kind == 10 ? 1 : v, "BPF_MAP_TYPE_RINGBUF");
				checked++;
			} else if (cr->kind == 1 && !strcmp(path, "pid")) {	/* field size */
				T_EQ_U64(got, 4, "pid size");
				checked++;
			}
		}
	}
	T_EQ_U64(seen_paths, (1u << ARRAY_SIZE(exp)) - 1, "every CO-RE path relocated");
	T_CHECK(checked >= ARRAY_SIZE(exp) + 7, "CO-RE relocations checked: %zu", checked);
out:
	bpfrt_object__close(obj);
	btf__free(vm);
}

/* The same object loaded by libbpf into the kernel: the kernel's view of
 * each CO-RE-patched instruction must equal ours.  Skipped without bpf(). */
static void test_core_kernel(void)
{
	struct bpf_object *lobj = bpf_object__open_file(t_corpus("loader_core.bpf.o"), NULL);
	if (!lobj || libbpf_get_error(lobj)) {
		t_skip("libbpf cannot open loader_core.bpf.o");
		return;
	}
	if (bpf_object__load(lobj)) {
		t_skip("kernel refused loader_core.bpf.o (no bpf()?): CO-RE kernel comparison skipped");
		bpf_object__close(lobj);
		return;
	}
	struct bpfrt_object *obj = open_obj("loader_core.bpf.o", 0);
	if (!obj || bpfrt__object_prepare(obj)) {
		T_CHECK(0, "prepare loader_core: %s", logbuf);
		goto out;
	}
	const char *names[] = { "core_task", "core_skb" };
	for (size_t n = 0; n < ARRAY_SIZE(names); n++) {
		struct bpf_program *lp = bpf_object__find_program_by_name(lobj, names[n]);
		struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, names[n]);
		if (!lp || !p) {
			T_CHECK(0, "program %s in both", names[n]);
			continue;
		}
		struct bpf_prog_info info = { 0 };
		__u32 ilen = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(lp), &info, &ilen) ||
		    !info.xlated_prog_len) {
			t_skip("no xlated dump for %s", names[n]);
			continue;
		}
		size_t cnt = info.xlated_prog_len / 8;
		struct bpfrt_insn *x = calloc(cnt, 8);
		memset(&info, 0, sizeof(info));
		info.xlated_prog_len = (__u32)(cnt * 8);
		info.xlated_prog_insns = (__u64)(uintptr_t)x;
		ilen = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(lp), &info, &ilen)) {
			t_skip("%s: no xlated dump", names[n]);
			free(x);
			continue;
		}
		/* The verifier drops code it proves dead (after the constant
		 * signedness test of a bitfield read): compare up to the first
		 * instruction that differs in opcode. */
		const struct bpfrt_insn *in = bpfrt_program__insns(p);
		size_t same = 0, ours = bpfrt_program__insn_cnt(p);
		while (same < cnt && same < ours && x[same].code == in[same].code)
			same++;
		const struct lsec *s = &obj->secs[p->sec];
		size_t cmp = 0;
		for (size_t k = 0; k < s->core_cnt; k++) {
			size_t i = s->cores[k].insn - p->func->start;
			if (i >= same)
				continue;
			T_CHECK(in[i].imm == x[i].imm && in[i].off == x[i].off,
				"%s insn %zu: ours imm %d off %d, kernel imm %d off %d", names[n], i,
				in[i].imm, in[i].off, x[i].imm, x[i].off);
			cmp++;
		}
		T_CHECK(cmp >= 3, "%s: %zu CO-RE instructions compared with the kernel", names[n], cmp);
		free(x);
	}
out:
	bpfrt_object__close(obj);
	bpf_object__close(lobj);
}

/* ---- malformed objects --------------------------------------------------- */

static Elf64_Shdr *shdr_by_name(uint8_t *buf, const char *name, size_t *idx)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh->e_shoff);
	const char *strs = (const char *)buf + sh[eh->e_shstrndx].sh_offset;
	for (size_t i = 1; i < eh->e_shnum; i++) {
		if (!strcmp(strs + sh[i].sh_name, name)) {
			if (idx)
				*idx = i;
			return &sh[i];
		}
	}
	return NULL;
}

static bool log_has(const char *a, const char *b)
{
	bool ok = strstr(logbuf, a) && (!b || strstr(logbuf, b));
	if (!ok)
		fprintf(stderr, "  log was: %s\n", logbuf);
	return ok;
}

static void expect_fail_open(const uint8_t *buf, size_t len, const char *what, const char *m1,
			     const char *m2)
{
	struct bpfrt_object *obj = open_buf(buf, len, "bad.o", 0);
	int e = errno;
	T_CHECK(obj == NULL && e == EINVAL, "%s: open fails with EINVAL (errno %d)", what, e);
	T_CHECK(log_has(m1, m2), "%s: message names '%s'", what, m1);
	bpfrt_object__close(obj);
}

static void test_malformed(void)
{
	size_t len;
	uint8_t *orig = (uint8_t *)t_read_file(t_corpus("loader_calls.bpf.o"), &len);
	uint8_t *maps = NULL;
	size_t mlen;
	T_CHECK(orig != NULL, "read loader_calls.bpf.o");
	if (!orig)
		return;
	uint8_t *b = malloc(len);

	/* truncations: always refused, never a crash */
	size_t cuts[] = { 0, 1, 16, 63, 64, 65, len / 4, len / 2, len - 64, len - 1 };
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
		struct bpfrt_object *obj = open_buf(orig, cuts[i], "trunc.o", 0);
		T_CHECK(!obj && errno == EINVAL && logbuf[0], "truncated at %zu refused", cuts[i]);
		bpfrt_object__close(obj);
	}
	for (size_t cut = 0; cut < len; cut += 97) {
		struct bpfrt_object *obj = open_buf(orig, cut, "trunc.o", 0);
		if (obj)
			bpfrt__object_prepare(obj);
		bpfrt_object__close(obj);
	}
	t_passed++;

	/* wrong machine */
	memcpy(b, orig, len);
	((Elf64_Ehdr *)b)->e_machine = 62;
	expect_fail_open(b, len, "EM_X86_64", "EM_BPF", "bad.o");

	/* section data outside the file */
	memcpy(b, orig, len);
	Elf64_Shdr *sx = shdr_by_name(b, "xdp", NULL);
	T_CHECK(sx != NULL, "xdp section present");
	if (sx) {
		sx->sh_offset = 0x7fffff00;
		expect_fail_open(b, len, "bad sh_offset", "section 'xdp'", "offset");
		memcpy(b, orig, len);
		sx = shdr_by_name(b, "xdp", NULL);
		sx->sh_size -= 4;
		expect_fail_open(b, len, "code size", "section 'xdp'", "multiple of 8");
	}

	/* corrupt a relocation's symbol index */
	memcpy(b, orig, len);
	Elf64_Shdr *rx = shdr_by_name(b, ".relxdp", NULL);
	T_CHECK(rx != NULL, ".relxdp present");
	if (rx) {
		Elf64_Rel *r = (Elf64_Rel *)(b + rx->sh_offset);
		uint64_t off = r->r_offset;
		r->r_info = ELF64_R_INFO(0xfffff, ELF64_R_TYPE(r->r_info));
		char want[64];
		snprintf(want, sizeof(want), "offset 0x%llx (insn %llu)", (unsigned long long)off,
			 (unsigned long long)off / 8);
		expect_fail_open(b, len, "bad reloc symbol", "section 'xdp'", want);
		T_CHECK(log_has("bad symbol index", NULL), "reloc message");
		/* a relocation on an instruction that is not lddw/call */
		memcpy(b, orig, len);
		rx = shdr_by_name(b, ".relxdp", NULL);
		r = (Elf64_Rel *)(b + rx->sh_offset);
		r->r_offset = 0;	/* first insn of caller_one is not lddw/call */
		struct bpfrt_object *obj = open_buf(b, len, "bad.o", 0);
		T_CHECK(obj != NULL, "open with misplaced relocation");
		if (obj) {
			T_CHECK(bpfrt_object__load(obj) < 0 &&
				log_has("section 'xdp' offset 0x0 (insn 0)", "neither lddw nor call"),
				"misplaced relocation refused at load");
			T_CHECK(log_has("loader_calls.bpf.c:", NULL), "message carries the source line");
		}
		bpfrt_object__close(obj);
	}

	/* unknown section name, and the same accepted with a default type */
	memcpy(b, orig, len);
	sx = shdr_by_name(b, "xdp", NULL);
	if (sx) {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
		Elf64_Shdr *sh = (Elf64_Shdr *)(b + eh->e_shoff);
		char *nm = (char *)b + sh[eh->e_shstrndx].sh_offset + sx->sh_name;
		memcpy(nm, "xdq", 3);
		expect_fail_open(b, len, "unknown section", "section 'xdq'", "unknown program section");
		struct bpfrt_object *obj = open_buf(b, len, "old.o", BPFRT_PROG_TYPE_SOCKET_FILTER);
		T_CHECK(obj != NULL, "unknown section with default_prog_type: %s", logbuf);
		struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, "caller_one");
		T_CHECK(p && bpfrt_program__type(p) == BPFRT_PROG_TYPE_SOCKET_FILTER,
			"default type applied");
		bpfrt_object__close(obj);
	}

	/* BTF-defined maps without .BTF; then a broken .BTF */
	maps = (uint8_t *)t_read_file(t_corpus("loader_maps.bpf.o"), &mlen);
	T_CHECK(maps != NULL, "read loader_maps.bpf.o");
	if (maps) {
		uint8_t *m2 = malloc(mlen);
		memcpy(m2, maps, mlen);
		Elf64_Shdr *bt = shdr_by_name(m2, ".BTF", NULL);
		Elf64_Ehdr *eh = (Elf64_Ehdr *)m2;
		Elf64_Shdr *sh = (Elf64_Shdr *)(m2 + eh->e_shoff);
		if (bt) {
			char *nm = (char *)m2 + sh[eh->e_shstrndx].sh_offset + bt->sh_name;
			nm[1] = 'X';	/* ".XTF": no BTF any more (and .BTF.ext ignored) */
			Elf64_Shdr *be = shdr_by_name(m2, ".BTF.ext", NULL);
			if (be)
				be->sh_type = SHT_NOTE;
			expect_fail_open(m2, mlen, "stripped .BTF", "section '.maps'", "BTF");
			memcpy(m2, maps, mlen);
			bt = shdr_by_name(m2, ".BTF", NULL);
			m2[bt->sh_offset] ^= 0xff;	/* magic */
			expect_fail_open(m2, mlen, "bad BTF", "section '.BTF'", "bad BTF");
		}
		free(m2);
	}

	/* random header and byte flips: no crash, no leak */
	srand(1);
	for (int iter = 0; iter < 400; iter++) {
		const uint8_t *src = (iter & 1) && maps ? maps : orig;
		size_t n = (iter & 1) && maps ? mlen : len;
		uint8_t *f = malloc(n);
		memcpy(f, src, n);
		Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
		int flips = 1 + rand() % 4;
		for (int k = 0; k < flips; k++) {
			size_t pos;
			if (rand() % 2 && eh->e_shoff < n)
				pos = eh->e_shoff + (size_t)rand() % (n - eh->e_shoff);
			else
				pos = (size_t)rand() % n;
			f[pos] ^= (uint8_t)(1u << (rand() % 8));
		}
		struct bpfrt_object *obj = open_buf(f, n, "flip.o", 0);
		if (obj)
			bpfrt__object_prepare(obj);
		bpfrt_object__close(obj);
		free(f);
	}
	t_passed++;

	/* an extern symbol: refused at load with file, section, offset, source */
	struct bpfrt_object *obj = open_obj("loader_bad.bpf.o", 0);
	if (obj) {
		T_CHECK(bpfrt_object__load(obj) == -EINVAL, "extern refused");
		T_CHECK(log_has("loader_bad.bpf.o: section 'xdp' offset 0x", "(insn "),
			"extern message location");
		T_CHECK(log_has("unknown symbol 'not_defined_anywhere'", "loader_bad.bpf.c:"),
			"extern message text and source");
		bpfrt_object__close(obj);
	}
	free(b);
	free(orig);
	free(maps);
}

static void test_misc(void)
{
	enum bpfrt_prog_type t;
	T_CHECK(bpfrt_prog_type_from_str("tc", &t) == 0 && t == BPFRT_PROG_TYPE_SCHED_CLS, "tc");
	T_CHECK(bpfrt_prog_type_from_str("xdp", &t) == 0 && t == BPFRT_PROG_TYPE_XDP, "xdp");
	T_CHECK(bpfrt_prog_type_from_str("nope", &t) == -EINVAL, "unknown type name");
	T_CHECK(!strcmp(bpfrt_prog_type_str(BPFRT_PROG_TYPE_CGROUP_SKB), "cgroup_skb"), "str");
	T_CHECK(!strcmp(bpfrt_prog_type_str((enum bpfrt_prog_type)9999), "unknown"), "str ?");
	struct {
		const char *sec;
		int type;
	} secs[] = {
		{ "xdp", BPFRT_PROG_TYPE_XDP }, { "xdp.frags", BPFRT_PROG_TYPE_XDP },
		{ "xdp/devmap", BPFRT_PROG_TYPE_XDP }, { "tc", BPFRT_PROG_TYPE_SCHED_CLS },
		{ "classifier", BPFRT_PROG_TYPE_SCHED_CLS },
		{ "tcx/ingress", BPFRT_PROG_TYPE_SCHED_CLS },
		{ "tcx/egress", BPFRT_PROG_TYPE_SCHED_CLS },
		{ "action", BPFRT_PROG_TYPE_SCHED_ACT },
		{ "socket", BPFRT_PROG_TYPE_SOCKET_FILTER }, { "sk_skb/stream_parser", 14 },
		{ "cgroup_skb/ingress", BPFRT_PROG_TYPE_CGROUP_SKB },
		{ "cgroup_skb/egress", BPFRT_PROG_TYPE_CGROUP_SKB },
		{ "cgroup/skb", BPFRT_PROG_TYPE_CGROUP_SKB },
		{ "kprobe/do_sys_open", BPFRT_PROG_TYPE_KPROBE },
		{ "kretprobe/x", BPFRT_PROG_TYPE_KPROBE }, { "uprobe/bin:f", BPFRT_PROG_TYPE_KPROBE },
		{ "tracepoint/a/b", BPFRT_PROG_TYPE_TRACEPOINT },
		{ "tp/a/b", BPFRT_PROG_TYPE_TRACEPOINT },
		{ "raw_tracepoint/x", BPFRT_PROG_TYPE_RAW_TRACEPOINT },
		{ "raw_tp/x", BPFRT_PROG_TYPE_RAW_TRACEPOINT },
		{ "fentry/f", BPFRT_PROG_TYPE_TRACING }, { "fexit/f", BPFRT_PROG_TYPE_TRACING },
		{ "syscall", BPFRT_PROG_TYPE_SYSCALL }, { "perf_event", BPFRT_PROG_TYPE_PERF_EVENT },
		{ "socket1", -1 }, { "2/7", -1 }, { "xdpx", -1 }, { "kprobe", BPFRT_PROG_TYPE_KPROBE },
	};
	for (size_t i = 0; i < ARRAY_SIZE(secs); i++) {
		enum bpfrt_prog_type ty = 0;
		int r = lo_sec_prog_type(secs[i].sec, &ty);
		T_CHECK(secs[i].type < 0 ? r < 0 : (r == 0 && (int)ty == secs[i].type),
			"SEC(\"%s\") -> %d (got %d, r %d)", secs[i].sec, secs[i].type, ty, r);
	}
	/* open_file on a missing file */
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = logbuf, .log_size = sizeof(logbuf));
	T_CHECK(!bpfrt_object__open_file("/nonexistent/x.o", &oo) && errno == ENOENT, "ENOENT");
	T_CHECK(bpfrt_object__open_mem("", 0, NULL) == NULL && errno == EINVAL, "empty buffer");
	bpfrt_object__close(NULL);
}

int main(int argc, char **argv)
{
	t_corpus_init(argv[0]);
	if (!getenv("BPFRT_VERBOSE")) {
		bpfrt_set_print(quiet);
		libbpf_set_print(NULL);
	}
	test_misc();
	test_btf_maps();
	test_legacy_maps();
	test_global_data();
	test_calls();
	test_core();
	test_core_kernel();
	test_malformed();
	(void)argc;
	return t_done("loader");
}
