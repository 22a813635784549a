/* SPDX-License-Identifier: MIT */
/*
 * Arrays: array (also global data: .data/.bss/.rodata), percpu_array, and
 * the "fd arrays" whose values user space names by id: prog_array and
 * array_of_maps.
 *
 * Values live in one page-aligned anonymous mapping, elem_size =
 * round_up(value_size, 8) apart, so every value is 8-byte aligned (atomic
 * instructions work) and the layout is the kernel's mmap-able one.  A
 * per-CPU array stores the ncpus slots of an index next to each other,
 * which is exactly the user-space buffer layout, so user copies are one
 * memcpy.  Lookups take no lock.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "core/common.h"
#include "map_internal.h"

struct array {
	void *values;
	size_t bytes;
};

static inline uint32_t key_index(const void *key)
{
	uint32_t i;
	memcpy(&i, key, 4);
	return i;
}

/* The kernel's array_map_alloc_check. */
static int array_check_common(const struct map_attr *a, bool percpu)
{
	const uint32_t mask = BPFRT_F_NUMA_NODE | BPFRT_F_MMAPABLE | BPFRT_F_ACCESS_MASK |
			      BPFRT_F_PRESERVE_ELEMS | BPFRT_F_INNER_MAP;
	if (!a->max_entries || a->key_size != 4 || !a->value_size ||
	    (a->map_flags & ~mask) || !map_flags_access_ok(a->map_flags) ||
	    (percpu && (a->map_flags & BPFRT_F_NUMA_NODE)))
		return -EINVAL;
	if (a->type != BPFRT_MAP_TYPE_ARRAY &&
	    (a->map_flags & (BPFRT_F_MMAPABLE | BPFRT_F_INNER_MAP)))
		return -EINVAL;
	if (a->type != BPFRT_MAP_TYPE_PERF_EVENT_ARRAY &&
	    (a->map_flags & BPFRT_F_PRESERVE_ELEMS))
		return -EINVAL;
	if (a->value_size > INT32_MAX)
		return -E2BIG;
	if (percpu && round_up8(a->value_size) > BPFRT_PCPU_MAX_VALUE)
		return -E2BIG;
	return 0;
}

static int array_check(const struct map_attr *a) { return array_check_common(a, false); }
static int percpu_array_check(const struct map_attr *a) { return array_check_common(a, true); }

static int array_alloc(struct bpfrt_map *m)
{
	struct array *ar = calloc(1, sizeof(*ar));
	if (!ar)
		return -ENOMEM;
	uint64_t per = (uint64_t)m->elem_size * (m->percpu ? m->ncpus : 1);
	uint64_t bytes = per * m->max_entries;
	if (bytes / per != m->max_entries || bytes > (1ULL << 46)) {
		free(ar);
		return -ENOMEM;
	}
	/* Anonymous pages: zeroed, page aligned, and untouched pages of a
	 * large sparse array cost nothing. */
	ar->bytes = (size_t)bytes;
	ar->values = mmap(NULL, ar->bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ar->values == MAP_FAILED) {
		free(ar);
		return -ENOMEM;
	}
	m->priv = ar;
	return 0;
}

static void array_free(struct bpfrt_map *m)
{
	struct array *ar = m->priv;
	if (!ar)
		return;
	munmap(ar->values, ar->bytes);
	free(ar);
}

static inline void *slot(struct bpfrt_map *m, uint32_t idx, unsigned cpu)
{
	struct array *ar = m->priv;
	size_t i = m->percpu ? (size_t)idx * m->ncpus + cpu : idx;
	return (char *)ar->values + i * m->elem_size;
}

static void *array_lookup(struct bpfrt_map *m, const void *key, unsigned cpu)
{
	uint32_t idx = key_index(key);
	if (idx >= m->max_entries)
		return NULL;
	if (m->percpu && cpu >= m->ncpus)
		return NULL;
	return slot(m, idx, cpu);
}

/* The kernel's array_map_update_elem checks, in its order. */
static long array_update_check(struct bpfrt_map *m, uint32_t idx, uint64_t flags)
{
	if ((flags & ~(uint64_t)BPFRT_F_LOCK) > BPFRT_EXIST)
		return -EINVAL;
	if (idx >= m->max_entries)
		return -E2BIG;
	if (flags & BPFRT_NOEXIST)
		return -EEXIST;
	if (flags & BPFRT_F_LOCK)
		return -EINVAL;
	return 0;
}

static long array_update(struct bpfrt_map *m, const void *key, const void *value,
			 uint64_t flags, unsigned cpu)
{
	uint32_t idx = key_index(key);
	long err = array_update_check(m, idx, flags);
	if (err)
		return err;
	if (m->percpu && cpu >= m->ncpus)
		return -EINVAL;
	memcpy(slot(m, idx, cpu), value, m->value_size);
	return 0;
}

static int percpu_array_sys_lookup(struct bpfrt_map *m, const void *key, void *value)
{
	uint32_t idx = key_index(key);
	if (idx >= m->max_entries)
		return -ENOENT;
	memcpy(value, slot(m, idx, 0), (size_t)m->ncpus * m->elem_size);
	return 0;
}

static int percpu_array_sys_update(struct bpfrt_map *m, const void *key, const void *value,
				   uint64_t flags)
{
	uint32_t idx = key_index(key);
	long err = array_update_check(m, idx, flags);
	if (err)
		return (int)err;
	memcpy(slot(m, idx, 0), value, (size_t)m->ncpus * m->elem_size);
	return 0;
}

static long array_delete(struct bpfrt_map *m, const void *key)
{
	(void)m; (void)key;
	return -EINVAL;
}

static int array_get_next_key(struct bpfrt_map *m, const void *key, void *next)
{
	uint32_t idx = key ? key_index(key) : UINT32_MAX, n;
	if (idx >= m->max_entries) {
		n = 0;
		memcpy(next, &n, 4);
		return 0;
	}
	if (idx == m->max_entries - 1)
		return -ENOENT;
	n = idx + 1;
	memcpy(next, &n, 4);
	return 0;
}

static long array_for_each(struct bpfrt_map *m, bpfrt_map_cb cb, void *ctx, unsigned cpu)
{
	long n = 0;
	if (m->percpu && cpu >= m->ncpus)
		return -EINVAL;
	for (uint32_t i = 0; i < m->max_entries; i++) {
		uint32_t key = i;
		n++;
		if (cb(m, &key, slot(m, i, cpu), ctx))
			break;
	}
	return n;
}

BPFRT_API void *bpfrt_map__mmap(struct bpfrt_map *m)
{
	if (!m || m->type != BPFRT_MAP_TYPE_ARRAY) {
		errno = EINVAL;
		return NULL;
	}
	return ((struct array *)m->priv)->values;
}

/* Live pinning (src/pin): where an array's value storage is, so that it
 * can be re-backed by a shared file at the same address. */
void *bpfrt__array_values(struct bpfrt_map *m, size_t *bytes)
{
	if (!m || (m->type != BPFRT_MAP_TYPE_ARRAY && m->type != BPFRT_MAP_TYPE_PERCPU_ARRAY))
		return NULL;
	struct array *ar = m->priv;
	*bytes = ar->bytes;
	return ar->values;
}

const struct map_ops bpfrt__array_ops = {
	.check = array_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.get_next_key = array_get_next_key,
	.for_each = array_for_each,
};

const struct map_ops bpfrt__percpu_array_ops = {
	.check = percpu_array_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.get_next_key = array_get_next_key,
	.sys_lookup = percpu_array_sys_lookup,
	.sys_update = percpu_array_sys_update,
	.for_each = array_for_each,
};

/* ---- fd arrays: prog_array, array_of_maps --------------------------- */

struct fd_slot {
	void *_Atomic ptr;	/* program or inner map, holding a reference */
	uint32_t id;		/* what user-space lookups return */
};

struct fd_array {
	pthread_mutex_t lock;	/* serialises user-space writers */
	struct fd_slot *slots;
};

/* The kernel's fd_array_map_alloc_check. */
static int fd_array_check(const struct map_attr *a)
{
	if (a->value_size != 4)
		return -EINVAL;
	if (a->map_flags & (BPFRT_F_RDONLY_PROG | BPFRT_F_WRONLY_PROG))
		return -EINVAL;
	return array_check_common(a, false);
}

static int check_inner_template(const struct map_attr *a)
{
	const struct bpfrt_map *im = a->inner_map;
	if (!im)
		return -EINVAL;
	if (im->type == BPFRT_MAP_TYPE_ARRAY_OF_MAPS || im->type == BPFRT_MAP_TYPE_HASH_OF_MAPS)
		return -EINVAL;	/* one level of nesting only */
	if (im->type == BPFRT_MAP_TYPE_PROG_ARRAY || im->type == BPFRT_MAP_TYPE_PERF_EVENT_ARRAY)
		return -ENOTSUP;
	return 0;
}

int bpfrt__map_in_map_check_inner(const struct map_attr *a) { return check_inner_template(a); }
int bpfrt__fd_array_check(const struct map_attr *a) { return fd_array_check(a); }
int bpfrt__array_get_next_key(struct bpfrt_map *m, const void *key, void *next)
{
	return array_get_next_key(m, key, next);
}

static int array_of_maps_check(const struct map_attr *a)
{
	int err = fd_array_check(a);
	return err ? err : check_inner_template(a);
}

static int fd_array_alloc(struct bpfrt_map *m)
{
	struct fd_array *fa = calloc(1, sizeof(*fa));
	if (!fa)
		return -ENOMEM;
	fa->slots = calloc(m->max_entries, sizeof(*fa->slots));
	if (!fa->slots) {
		free(fa);
		return -ENOMEM;
	}
	pthread_mutex_init(&fa->lock, NULL);
	m->priv = fa;
	return 0;
}

static void release_map(void *p) { bpfrt_map__put(p); }

static void fd_release(struct bpfrt_map *m, void *p, bool now)
{
	void (*rel)(void *) = m->type == BPFRT_MAP_TYPE_PROG_ARRAY ? bpfrt__map_prog_put
								     : release_map;
	if (!p)
		return;
	if (now)
		rel(p);
	else	/* a running program may still hold it */
		bpfrt__map_defer_release(m, p, rel);
}

static void fd_array_free(struct bpfrt_map *m)
{
	struct fd_array *fa = m->priv;
	if (!fa)
		return;
	for (uint32_t i = 0; i < m->max_entries; i++)
		fd_release(m, atomic_load(&fa->slots[i].ptr), true);
	pthread_mutex_destroy(&fa->lock);
	free(fa->slots);
	free(fa);
}

static int fd_array_sys_update(struct bpfrt_map *m, const void *key, const void *value,
			       uint64_t flags)
{
	struct fd_array *fa = m->priv;
	uint32_t idx = key_index(key), id;
	void *obj;
	int err = 0;

	if (flags != BPFRT_ANY)
		return -EINVAL;
	if (idx >= m->max_entries)
		return -E2BIG;
	memcpy(&id, value, 4);
	if (m->type == BPFRT_MAP_TYPE_PROG_ARRAY) {
		obj = bpfrt__registry_get(BPFRT_OBJ_PROG, id);
		if (!obj)
			return -EBADF;
	} else {
		obj = bpfrt__map_inner_get(m, id, &err);
		if (!obj)
			return err;
	}
	pthread_mutex_lock(&fa->lock);
	void *old = atomic_exchange(&fa->slots[idx].ptr, obj);
	fa->slots[idx].id = id;
	pthread_mutex_unlock(&fa->lock);
	fd_release(m, old, false);
	return 0;
}

static int fd_array_sys_lookup(struct bpfrt_map *m, const void *key, void *value)
{
	struct fd_array *fa = m->priv;
	uint32_t idx = key_index(key);
	int err = -ENOENT;
	if (idx >= m->max_entries)
		return -ENOENT;
	pthread_mutex_lock(&fa->lock);
	if (atomic_load(&fa->slots[idx].ptr)) {
		memcpy(value, &fa->slots[idx].id, 4);
		err = 0;
	}
	pthread_mutex_unlock(&fa->lock);
	return err;
}

static int fd_array_sys_delete(struct bpfrt_map *m, const void *key)
{
	struct fd_array *fa = m->priv;
	uint32_t idx = key_index(key);
	if (idx >= m->max_entries)
		return -E2BIG;
	pthread_mutex_lock(&fa->lock);
	void *old = atomic_exchange(&fa->slots[idx].ptr, NULL);
	fa->slots[idx].id = 0;
	pthread_mutex_unlock(&fa->lock);
	if (!old)
		return -ENOENT;
	fd_release(m, old, false);
	return 0;
}

static long fd_array_delete(struct bpfrt_map *m, const void *key)
{
	return fd_array_sys_delete(m, key);
}

static void *array_of_maps_lookup(struct bpfrt_map *m, const void *key, unsigned cpu)
{
	struct fd_array *fa = m->priv;
	uint32_t idx = key_index(key);
	(void)cpu;
	return idx < m->max_entries ? atomic_load_explicit(&fa->slots[idx].ptr,
							   memory_order_acquire) : NULL;
}

void *bpfrt__map_prog_array_get(struct bpfrt_map *m, uint32_t index)
{
	if (!m || m->type != BPFRT_MAP_TYPE_PROG_ARRAY || index >= m->max_entries)
		return NULL;
	struct fd_array *fa = m->priv;
	return atomic_load_explicit(&fa->slots[index].ptr, memory_order_acquire);
}

const struct map_ops bpfrt__prog_array_ops = {
	.check = fd_array_check,
	.alloc = fd_array_alloc,
	.free = fd_array_free,
	.delete = fd_array_delete,
	.get_next_key = array_get_next_key,
	.sys_lookup = fd_array_sys_lookup,
	.sys_update = fd_array_sys_update,
	.sys_delete = fd_array_sys_delete,
};

const struct map_ops bpfrt__array_of_maps_ops = {
	.check = array_of_maps_check,
	.alloc = fd_array_alloc,
	.free = fd_array_free,
	.lookup = array_of_maps_lookup,
	.delete = fd_array_delete,
	.get_next_key = array_get_next_key,
	.sys_lookup = fd_array_sys_lookup,
	.sys_update = fd_array_sys_update,
	.sys_delete = fd_array_sys_delete,
};
