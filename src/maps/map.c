/* SPDX-License-Identifier: MIT */
/*
 * Map core: creation with the kernel's generic checks, the type -> family
 * table, reference counting and ids, the user-space element API with the
 * syscall's permission rules, and the program-side entry points.
 */
#include <ctype.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/common.h"
#include "map_internal.h"

/* ---- logical CPUs --------------------------------------------------- */

static atomic_uint g_ncpus;	/* 0 until first use: then sysconf */
static atomic_long g_live_maps;

BPFRT_API unsigned int bpfrt_num_cpus(void)
{
	unsigned n = atomic_load(&g_ncpus);
	if (n)
		return n;
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want = c > 0 ? (unsigned)c : 1, zero = 0;
	atomic_compare_exchange_strong(&g_ncpus, &zero, want);
	return atomic_load(&g_ncpus);
}

BPFRT_API int bpfrt_set_num_cpus(unsigned int n)
{
	if (!n || n > 4096)
		return -EINVAL;
	/* Per-CPU maps size their storage at creation, so the count may only
	 * change while no map exists. */
	if (atomic_load(&g_live_maps) && n != bpfrt_num_cpus())
		return -EBUSY;
	atomic_store(&g_ncpus, n);
	return 0;
}

/* ---- type table ----------------------------------------------------- */

struct type_info {
	const char *name;
	const struct map_ops *ops;	/* NULL: a kernel type bpfrt lacks */
};

static const struct type_info types[] = {
	[BPFRT_MAP_TYPE_HASH] = { "hash", &bpfrt__hash_ops },
	[BPFRT_MAP_TYPE_ARRAY] = { "array", &bpfrt__array_ops },
	[BPFRT_MAP_TYPE_PROG_ARRAY] = { "prog_array", &bpfrt__prog_array_ops },
	[BPFRT_MAP_TYPE_PERF_EVENT_ARRAY] = { "perf_event_array", &bpfrt__perf_event_array_ops },
	[BPFRT_MAP_TYPE_PERCPU_HASH] = { "percpu_hash", &bpfrt__hash_ops },
	[BPFRT_MAP_TYPE_PERCPU_ARRAY] = { "percpu_array", &bpfrt__percpu_array_ops },
	[7] = { "stack_trace", NULL },
	[8] = { "cgroup_array", NULL },
	[BPFRT_MAP_TYPE_LRU_HASH] = { "lru_hash", &bpfrt__hash_ops },
	[BPFRT_MAP_TYPE_LRU_PERCPU_HASH] = { "lru_percpu_hash", &bpfrt__hash_ops },
	[BPFRT_MAP_TYPE_LPM_TRIE] = { "lpm_trie", &bpfrt__lpm_trie_ops },
	[BPFRT_MAP_TYPE_ARRAY_OF_MAPS] = { "array_of_maps", &bpfrt__array_of_maps_ops },
	[BPFRT_MAP_TYPE_HASH_OF_MAPS] = { "hash_of_maps", &bpfrt__hash_of_maps_ops },
	[BPFRT_MAP_TYPE_DEVMAP] = { "devmap", &bpfrt__devmap_ops },
	[15] = { "sockmap", NULL },
	[16] = { "cpumap", NULL },
	[BPFRT_MAP_TYPE_XSKMAP] = { "xskmap", &bpfrt__xskmap_ops },
	[18] = { "sockhash", NULL },
	[19] = { "cgroup_storage_deprecated", NULL },
	[20] = { "reuseport_sockarray", NULL },
	[21] = { "percpu_cgroup_storage_deprecated", NULL },
	[BPFRT_MAP_TYPE_QUEUE] = { "queue", &bpfrt__queue_ops },
	[BPFRT_MAP_TYPE_STACK] = { "stack", &bpfrt__stack_ops },
	[24] = { "sk_storage", NULL },
	[BPFRT_MAP_TYPE_DEVMAP_HASH] = { "devmap_hash", &bpfrt__devmap_hash_ops },
	[26] = { "struct_ops", NULL },
	[BPFRT_MAP_TYPE_RINGBUF] = { "ringbuf", &bpfrt__ringbuf_ops },
	[28] = { "inode_storage", NULL },
	[29] = { "task_storage", NULL },
	[BPFRT_MAP_TYPE_BLOOM_FILTER] = { "bloom_filter", &bpfrt__bloom_ops },
	[31] = { "user_ringbuf", NULL },
	[32] = { "cgrp_storage", NULL },
	[33] = { "arena", NULL },
};

BPFRT_API const char *bpfrt_map_type_str(enum bpfrt_map_type type)
{
	if ((unsigned)type < ARRAY_SIZE(types) && types[type].name)
		return types[type].name;
	return "unknown";
}

/* ---- references ----------------------------------------------------- */

static void *map_get_not_zero(void *obj)
{
	struct bpfrt_map *m = obj;
	long c = atomic_load(&m->refcnt);
	/* A map whose count reached zero is being freed: never revive it. */
	while (c > 0)
		if (atomic_compare_exchange_weak(&m->refcnt, &c, c + 1))
			return m;
	return NULL;
}

static void map_put_obj(void *obj) { bpfrt_map__put(obj); }

const struct bpfrt_obj_ref_ops bpfrt__map_ref_ops = {
	.get = map_get_not_zero,
	.put = map_put_obj,
};

BPFRT_API struct bpfrt_map *bpfrt_map__get(struct bpfrt_map *map)
{
	if (map)
		atomic_fetch_add(&map->refcnt, 1);
	return map;
}

static void map_free(struct bpfrt_map *m)
{
	if (m->id)
		bpfrt__registry_remove(m->id);
	if (m->ops->free)
		m->ops->free(m);
	for (struct map_grave *g = m->graves, *n; g; g = n) {
		n = g->next;
		g->release(g->obj);
		free(g);
	}
	pthread_mutex_destroy(&m->grave_lock);
	free(m);
	atomic_fetch_sub(&g_live_maps, 1);
}

BPFRT_API void bpfrt_map__put(struct bpfrt_map *map)
{
	if (map && atomic_fetch_sub(&map->refcnt, 1) == 1)
		map_free(map);
}

void bpfrt__map_defer_release(struct bpfrt_map *m, void *obj, void (*release)(void *))
{
	if (!obj)
		return;
	struct map_grave *g = malloc(sizeof(*g));
	if (!g) {
		release(obj);
		return;
	}
	g->obj = obj;
	g->release = release;
	pthread_mutex_lock(&m->grave_lock);
	g->next = m->graves;
	m->graves = g;
	pthread_mutex_unlock(&m->grave_lock);
}

static const struct bpfrt_obj_ref_ops *_Atomic prog_ref_ops;

void bpfrt__map_set_prog_ref_ops(const struct bpfrt_obj_ref_ops *ops)
{
	atomic_store(&prog_ref_ops, ops);
}

void bpfrt__map_prog_put(void *prog)
{
	const struct bpfrt_obj_ref_ops *ops = atomic_load(&prog_ref_ops);
	if (prog && ops && ops->put)
		ops->put(prog);
}

/* ---- creation ------------------------------------------------------- */

/* The kernel's bpf_obj_name_cpy: letters, digits, '_' and '.' only. */
static int copy_name(char dst[16], const char *src)
{
	memset(dst, 0, 16);
	if (!src)
		return 0;
	for (size_t i = 0; src[i] && i < 15; i++) {
		unsigned char c = (unsigned char)src[i];
		if (!isalnum(c) && c != '_' && c != '.')
			return -EINVAL;
		dst[i] = (char)c;
	}
	return 0;
}

static bool is_percpu_type(enum bpfrt_map_type t)
{
	return t == BPFRT_MAP_TYPE_PERCPU_HASH || t == BPFRT_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPFRT_MAP_TYPE_LRU_PERCPU_HASH;
}

static const struct map_ops no_ops;

static bpfrt_map_reuse_fn g_reuse_fn;
static void *g_reuse_user;

void bpfrt__map_set_reuse_hook(bpfrt_map_reuse_fn fn, void *user)
{
	g_reuse_user = user;
	g_reuse_fn = fn;
}

BPFRT_API struct bpfrt_map *
bpfrt_map__create(enum bpfrt_map_type type, const char *name, uint32_t key_size,
		  uint32_t value_size, uint32_t max_entries,
		  const struct bpfrt_map_create_opts *opts)
{
	struct map_attr a = {
		.type = type,
		.key_size = key_size,
		.value_size = value_size,
		.max_entries = max_entries,
		.map_flags = OPTS_GET(opts, map_flags, 0),
		.map_extra = OPTS_GET(opts, map_extra, 0),
		.inner_map = OPTS_GET(opts, inner_map, NULL),
	};
	char nm[16];
	int err;

	if (opts && opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	/* Generic checks in the order of the kernel's map_create(). */
	if ((unsigned)type >= ARRAY_SIZE(types) || !types[type].name) {
		errno = EINVAL;
		return NULL;
	}
	if (type != BPFRT_MAP_TYPE_BLOOM_FILTER && a.map_extra) {
		errno = EINVAL;
		return NULL;
	}
	if ((a.map_flags & BPFRT_F_RDONLY) && (a.map_flags & BPFRT_F_WRONLY)) {
		errno = EINVAL;
		return NULL;
	}
	if (copy_name(nm, name)) {
		errno = EINVAL;
		return NULL;
	}
	if (g_reuse_fn && !a.inner_map) {
		struct bpfrt_map *old = g_reuse_fn(g_reuse_user, type, nm, key_size, value_size,
						   max_entries, a.map_flags);
		if (old)
			return old;
	}
	const struct map_ops *ops = types[type].ops;
	if (!ops) {
		errno = ENOTSUP;
		return NULL;
	}
	err = ops->check(&a);
	if (err) {
		errno = -err;
		return NULL;
	}

	struct bpfrt_map *m = calloc(1, sizeof(*m));
	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	m->ops = ops;
	m->type = type;
	m->key_size = key_size;
	m->value_size = value_size;
	m->max_entries = max_entries;
	m->map_flags = a.map_flags;
	m->map_extra = a.map_extra;
	m->percpu = is_percpu_type(type);
	m->ncpus = bpfrt_num_cpus();
	m->elem_size = (uint32_t)round_up8(value_size);
	memcpy(m->name, nm, sizeof(nm));
	atomic_init(&m->refcnt, 1);
	atomic_init(&m->frozen, false);
	pthread_mutex_init(&m->grave_lock, NULL);
	if (a.inner_map) {
		const struct bpfrt_map *im = a.inner_map;
		m->inner = (struct map_meta){ im->type, im->key_size, im->value_size,
					      im->max_entries, im->map_flags };
	}
	atomic_fetch_add(&g_live_maps, 1);

	err = ops->alloc(m);
	if (err) {
		m->ops = &no_ops;	/* alloc cleaned up after itself */
		map_free(m);
		errno = -err;
		return NULL;
	}
	m->id = bpfrt__registry_add(BPFRT_OBJ_MAP, m, &bpfrt__map_ref_ops);
	if (!m->id) {
		map_free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

struct bpfrt_map *bpfrt__map_inner_get(struct bpfrt_map *outer, uint32_t id, int *err)
{
	struct bpfrt_map *im = bpfrt__registry_get(BPFRT_OBJ_MAP, id);
	if (!im) {
		*err = -EBADF;
		return NULL;
	}
	/* The kernel's bpf_map_meta_equal: same shape, and same max_entries
	 * unless the template said BPF_F_INNER_MAP. */
	const struct map_meta *t = &outer->inner;
	bool ok = im->type == t->type && im->key_size == t->key_size &&
		  im->value_size == t->value_size && im->map_flags == t->map_flags &&
		  ((t->map_flags & BPFRT_F_INNER_MAP) || im->max_entries == t->max_entries);
	if (!ok) {
		bpfrt_map__put(im);
		*err = -EINVAL;
		return NULL;
	}
	return im;
}

/* ---- accessors ------------------------------------------------------ */

BPFRT_API const char *bpfrt_map__name(const struct bpfrt_map *m) { return m->name; }
BPFRT_API enum bpfrt_map_type bpfrt_map__type(const struct bpfrt_map *m) { return m->type; }
BPFRT_API uint32_t bpfrt_map__key_size(const struct bpfrt_map *m) { return m->key_size; }
BPFRT_API uint32_t bpfrt_map__value_size(const struct bpfrt_map *m) { return m->value_size; }
BPFRT_API uint32_t bpfrt_map__max_entries(const struct bpfrt_map *m) { return m->max_entries; }
BPFRT_API uint32_t bpfrt_map__flags(const struct bpfrt_map *m) { return m->map_flags; }
BPFRT_API uint32_t bpfrt_map__id(const struct bpfrt_map *m) { return m->id; }
BPFRT_API bool bpfrt_map__is_percpu(const struct bpfrt_map *m) { return m->percpu; }

BPFRT_API size_t bpfrt_map__user_value_size(const struct bpfrt_map *m)
{
	return m->percpu ? (size_t)m->ncpus * m->elem_size : m->value_size;
}

BPFRT_API bool bpfrt_map__is_frozen(const struct bpfrt_map *m)
{
	return atomic_load(&m->frozen);
}

/* ---- user-space element operations ---------------------------------- */

/* The syscall's view of access: BPF_F_RDONLY/WRONLY fix the fd's mode,
 * freezing removes write access for everyone. */
static bool can_read(const struct bpfrt_map *m)
{
	return !(m->map_flags & BPFRT_F_WRONLY);
}

static bool can_write(struct bpfrt_map *m)
{
	return !(m->map_flags & BPFRT_F_RDONLY) && !atomic_load(&m->frozen);
}

static bool is_queue_like(const struct bpfrt_map *m)
{
	return m->type == BPFRT_MAP_TYPE_QUEUE || m->type == BPFRT_MAP_TYPE_STACK ||
	       m->type == BPFRT_MAP_TYPE_BLOOM_FILTER;
}

#define CHECK_KEY(m, key) \
	do { if (!(m) || ((m)->key_size && !(key))) return -EINVAL; } while (0)

BPFRT_API int bpfrt_map__lookup_elem(struct bpfrt_map *m, const void *key, void *value)
{
	CHECK_KEY(m, key);
	if (!value && bpfrt_map__user_value_size(m))
		return -EINVAL;
	if (!can_read(m))
		return -EPERM;
	if (is_queue_like(m))
		return (int)m->ops->peek(m, value);
	if (m->ops->sys_lookup)
		return m->ops->sys_lookup(m, key, value);
	if (!m->ops->lookup)
		return -ENOTSUP;
	void *p = m->ops->lookup(m, key, 0);
	if (!p)
		return -ENOENT;
	memcpy(value, p, m->value_size);
	return 0;
}

BPFRT_API int bpfrt_map__update_elem(struct bpfrt_map *m, const void *key,
				     const void *value, uint64_t flags)
{
	CHECK_KEY(m, key);
	if (!value && bpfrt_map__user_value_size(m))
		return -EINVAL;
	if (!can_write(m))
		return -EPERM;
	/* No map has a bpf_spin_lock without BTF, so BPF_F_LOCK is always
	 * refused, as the kernel does for maps without one. */
	if (flags & BPFRT_F_LOCK)
		return -EINVAL;
	if (is_queue_like(m))
		return (int)m->ops->push(m, value, flags);
	if (m->ops->sys_update)
		return m->ops->sys_update(m, key, value, flags);
	if (!m->ops->update)
		return -ENOTSUP;
	return (int)m->ops->update(m, key, value, flags, 0);
}

BPFRT_API int bpfrt_map__delete_elem(struct bpfrt_map *m, const void *key)
{
	CHECK_KEY(m, key);
	if (!can_write(m))
		return -EPERM;
	if (m->ops->sys_delete)
		return m->ops->sys_delete(m, key);
	if (!m->ops->delete)
		return -ENOTSUP;
	return (int)m->ops->delete(m, key);
}

BPFRT_API int bpfrt_map__get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
	if (!m || (m->key_size && !next_key))
		return -EINVAL;
	if (!can_read(m))
		return -EPERM;
	if (!m->ops->get_next_key)
		return -ENOTSUP;
	return m->ops->get_next_key(m, key, next_key);
}

BPFRT_API int bpfrt_map__lookup_and_delete_elem(struct bpfrt_map *m, const void *key,
						void *value)
{
	CHECK_KEY(m, key);
	if (!value && bpfrt_map__user_value_size(m))
		return -EINVAL;
	if (!can_read(m) || !can_write(m))
		return -EPERM;
	if (m->type == BPFRT_MAP_TYPE_QUEUE || m->type == BPFRT_MAP_TYPE_STACK)
		return (int)m->ops->pop(m, value);
	if (!m->ops->sys_lookup_and_delete)
		return -ENOTSUP;
	return m->ops->sys_lookup_and_delete(m, key, value);
}

BPFRT_API int bpfrt_map__freeze(struct bpfrt_map *m)
{
	if (!m)
		return -EINVAL;
	/* As the kernel: a frozen map has no write access left, so freezing
	 * twice (or a read-only map) is -EPERM. */
	if (m->map_flags & BPFRT_F_RDONLY)
		return -EPERM;
	bool was = atomic_exchange(&m->frozen, true);
	return was ? -EPERM : 0;
}

/* ---- program-side API ----------------------------------------------- */

void *bpfrt__map_lookup(struct bpfrt_map *m, const void *key, unsigned cpu)
{
	return m->ops->lookup ? m->ops->lookup(m, key, cpu) : NULL;
}

long bpfrt__map_update(struct bpfrt_map *m, const void *key, const void *value,
		       uint64_t flags, unsigned cpu)
{
	/* The kernel's verifier refuses writes from programs to RDONLY_PROG
	 * maps; without a verifier the check happens here. */
	if (m->map_flags & BPFRT_F_RDONLY_PROG)
		return -EPERM;
	if (is_queue_like(m))
		return m->ops->push(m, value, flags);
	return m->ops->update ? m->ops->update(m, key, value, flags, cpu) : -ENOTSUP;
}

long bpfrt__map_delete(struct bpfrt_map *m, const void *key, unsigned cpu)
{
	(void)cpu;
	if (m->map_flags & BPFRT_F_RDONLY_PROG)
		return -EPERM;
	if (m->ops->delete)
		return m->ops->delete(m, key);
	return m->ops->sys_delete ? m->ops->sys_delete(m, key) : -ENOTSUP;
}

long bpfrt__map_push(struct bpfrt_map *m, const void *value, uint64_t flags)
{
	if (m->map_flags & BPFRT_F_RDONLY_PROG)
		return -EPERM;
	return m->ops->push ? m->ops->push(m, value, flags) : -ENOTSUP;
}

long bpfrt__map_pop(struct bpfrt_map *m, void *value)
{
	return m->ops->pop ? m->ops->pop(m, value) : -ENOTSUP;
}

long bpfrt__map_peek(struct bpfrt_map *m, void *value)
{
	return m->ops->peek ? m->ops->peek(m, value) : -ENOTSUP;
}

long bpfrt__map_for_each(struct bpfrt_map *m, bpfrt_map_cb cb, void *ctx, unsigned cpu)
{
	return m->ops->for_each ? m->ops->for_each(m, cb, ctx, cpu) : -ENOTSUP;
}
