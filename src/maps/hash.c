/* SPDX-License-Identifier: MIT */
/*
 * Hash maps: hash, percpu_hash, lru_hash, lru_percpu_hash, hash_of_maps.
 *
 * Layout: a power-of-two bucket array; each bucket is a singly linked chain
 * with its own spinlock for writers.  Readers (program lookups) take no
 * lock: they follow the chain with acquire loads.
 *
 * Element memory is never freed before the map dies: deleted elements go
 * to a free list and are reused, as the kernel reuses preallocated
 * elements.  A pointer a program got from a lookup therefore stays valid
 * memory even if another thread deletes the element meanwhile.  Reuse means
 * a lock-free reader can be standing on an element when it moves to another
 * chain; to notice that, a chain does not end in NULL but in a marker that
 * names its bucket ((bucket << 1) | 1, the kernel's "nulls" list idea): a
 * reader that ends on another bucket's marker starts over.  A zeroed
 * bucket head means "empty, never used" so the bucket array can come from
 * untouched zero pages.
 *
 * LRU maps never refuse an insert: when no free element is left, a CLOCK
 * sweep (an approximation of LRU) evicts an element whose reference bit is
 * clear, clearing the bits it passes.  Program lookups and updates set the
 * bit, so recently used keys survive a sweep; new elements start with it
 * clear, like the kernel's inactive list.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "core/common.h"
#include "map_internal.h"

enum { E_FREE, E_OWNED, E_LIVE };

struct helem {
	_Atomic uintptr_t next;		/* element or nulls marker */
	atomic_uint hash;
	atomic_uchar state;
	atomic_uchar ref;		/* LRU reference bit */
	struct helem *free_next;
	uint64_t data[];		/* key (round_up 8), then the value(s) */
};

struct bucket {
	_Atomic uintptr_t head;		/* 0: empty and never used */
	struct spin lock;
	uint32_t pad;
};

struct htab {
	struct bucket *buckets;
	size_t buckets_bytes;
	uint32_t mask;
	uint32_t key_sz8;
	size_t elem_sz;			/* sizeof(struct helem) + key + values */
	uint64_t seed;
	bool lru, of_maps;

	struct spin pool_lock;
	struct helem *free_list;
	char **chunks;
	uint32_t *chunk_n;		/* elements in each chunk */
	uint32_t nchunks, chunk_cap;
	char *bump;			/* unused part of the newest chunk */
	uint32_t bump_left;
	uint32_t allocated;		/* elements carved out of chunks */
	atomic_uint count;		/* live elements */

	char *pool;			/* LRU: all elements, for the sweep */
	atomic_uint hand;
};

#define NULLS(b) (((uintptr_t)(b) << 1) | 1)
static inline bool is_nulls(uintptr_t p) { return (p & 1) || !p; }

static inline void *ekey(struct helem *e) { return e->data; }
static inline void *evalue(struct htab *h, struct helem *e)
{
	return (char *)e->data + h->key_sz8;
}

/* Zeroed, page-aligned memory; large blocks ask for transparent huge
 * pages, since random lookups in a big table are dominated by TLB misses. */
static void *big_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (size >= (2u << 20))
		madvise(p, size, MADV_HUGEPAGE);
	return p;
}

static void big_free(void *p, size_t size)
{
	munmap(p, size);
}

static bool is_lru_type(enum bpfrt_map_type t)
{
	return t == BPFRT_MAP_TYPE_LRU_HASH || t == BPFRT_MAP_TYPE_LRU_PERCPU_HASH;
}

/* The kernel's htab_map_alloc_check, same order and errors.  LRU without
 * preallocation is -ENOTSUPP there; here ENOTSUP. */
static int htab_check(const struct map_attr *a)
{
	const uint32_t mask = BPFRT_F_NO_PREALLOC | BPFRT_F_NO_COMMON_LRU | BPFRT_F_NUMA_NODE |
			      BPFRT_F_ACCESS_MASK | BPFRT_F_ZERO_SEED;
	bool percpu = a->type == BPFRT_MAP_TYPE_PERCPU_HASH ||
		      a->type == BPFRT_MAP_TYPE_LRU_PERCPU_HASH;
	bool lru = is_lru_type(a->type);
	bool percpu_lru = a->map_flags & BPFRT_F_NO_COMMON_LRU;
	bool prealloc = !(a->map_flags & BPFRT_F_NO_PREALLOC);

	if ((a->map_flags & ~mask) || !map_flags_access_ok(a->map_flags))
		return -EINVAL;
	if (!lru && percpu_lru)
		return -EINVAL;
	if (lru && !prealloc)
		return -ENOTSUP;
	if ((a->map_flags & BPFRT_F_NUMA_NODE) && (percpu || percpu_lru))
		return -EINVAL;
	if (!a->max_entries || !a->key_size || !a->value_size)
		return -EINVAL;
	if ((uint64_t)a->key_size + a->value_size >= BPFRT_KMALLOC_MAX - 48)
		return -E2BIG;
	if (percpu && round_up8(a->value_size) > BPFRT_PCPU_MAX_VALUE)
		return -E2BIG;
	return 0;
}

static int hash_of_maps_check(const struct map_attr *a)
{
	if (a->value_size != 4)
		return -EINVAL;
	int err = htab_check(a);
	if (err)
		return err;
	return bpfrt__map_in_map_check_inner(a);
}

static int add_chunk(struct htab *h, uint32_t n)
{
	if (h->nchunks == h->chunk_cap) {
		uint32_t cap = h->chunk_cap ? h->chunk_cap * 2 : 8;
		char **c = realloc(h->chunks, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		h->chunks = c;
		uint32_t *cn = realloc(h->chunk_n, cap * sizeof(*cn));
		if (!cn)
			return -ENOMEM;
		h->chunk_n = cn;
		h->chunk_cap = cap;
	}
	char *mem = big_alloc((size_t)n * h->elem_sz);
	if (!mem)
		return -ENOMEM;
	h->chunk_n[h->nchunks] = n;
	h->chunks[h->nchunks++] = mem;
	h->bump = mem;
	h->bump_left = n;
	return 0;
}

static int htab_alloc(struct bpfrt_map *m)
{
	struct htab *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	m->priv = h;
	h->lru = is_lru_type(m->type);
	h->of_maps = m->type == BPFRT_MAP_TYPE_HASH_OF_MAPS;
	if (h->lru && (m->map_flags & BPFRT_F_NO_COMMON_LRU)) {
		/* The kernel gives each CPU's LRU list the same number of
		 * elements, rounding max_entries to a multiple of the CPUs. */
		uint64_t r = ((uint64_t)m->max_entries + m->ncpus - 1) / m->ncpus * m->ncpus;
		m->max_entries = r <= UINT32_MAX ? (uint32_t)r
						 : m->max_entries / m->ncpus * m->ncpus;
	}
	h->key_sz8 = (uint32_t)round_up8(m->key_size);
	size_t vstore = h->of_maps ? 8 : m->percpu ? (size_t)m->ncpus * m->elem_size
						  : m->elem_size;
	h->elem_sz = sizeof(struct helem) + h->key_sz8 + vstore;

	uint64_t nb = 1;
	while (nb < m->max_entries && nb < (1u << 22))
		nb <<= 1;
	h->mask = (uint32_t)nb - 1;
	h->buckets_bytes = nb * sizeof(struct bucket);
	h->buckets = big_alloc(h->buckets_bytes);
	if (!h->buckets)
		goto enomem;
	spin_init(&h->pool_lock);
	atomic_init(&h->count, 0);
	atomic_init(&h->hand, 0);
	if (!(m->map_flags & BPFRT_F_ZERO_SEED)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		h->seed = bpfrt__hash_bytes(&ts, sizeof(ts), (uintptr_t)h);
	}
	/* Preallocated maps (and every LRU map) get all their elements now,
	 * so inserts cannot fail for lack of memory later. */
	if (h->lru || !(m->map_flags & BPFRT_F_NO_PREALLOC)) {
		if (add_chunk(h, m->max_entries))
			goto enomem;
		h->pool = h->chunks[0];
	}
	return 0;
enomem:
	m->ops->free(m);
	m->priv = NULL;
	return -ENOMEM;
}

static void htab_free(struct bpfrt_map *m)
{
	struct htab *h = m->priv;
	if (!h)
		return;
	if (h->of_maps && h->buckets) {
		for (uint32_t b = 0; b <= h->mask; b++)
			for (uintptr_t p = h->buckets[b].head; !is_nulls(p);
			     p = ((struct helem *)p)->next) {
				struct bpfrt_map *im;
				memcpy(&im, evalue(h, (struct helem *)p), sizeof(im));
				bpfrt_map__put(im);
			}
	}
	for (uint32_t i = 0; i < h->nchunks; i++)
		big_free(h->chunks[i], (size_t)h->chunk_n[i] * h->elem_sz);
	free(h->chunks);
	free(h->chunk_n);
	if (h->buckets)
		big_free(h->buckets, h->buckets_bytes);
	free(h);
}

static inline uint32_t key_hash(struct htab *h, const void *key, uint32_t ks)
{
	return (uint32_t)bpfrt__hash_bytes(key, ks, h->seed);
}

/* Lock-free chain walk (see the header comment for the restart rule). */
static struct helem *find_lockless(struct htab *h, const void *key, uint32_t ks,
				   uint32_t hash)
{
	uint32_t b = hash & h->mask;
again:;
	uintptr_t p = atomic_load_explicit(&h->buckets[b].head, memory_order_acquire);
	while (!is_nulls(p)) {
		struct helem *e = (struct helem *)p;
		if (atomic_load_explicit(&e->hash, memory_order_relaxed) == hash &&
		    bpfrt__key_eq(ekey(e), key, ks))
			return e;
		p = atomic_load_explicit(&e->next, memory_order_acquire);
	}
	if (p && (p >> 1) != b)
		goto again;
	return NULL;
}

/* Under the bucket lock: the element and the link that points to it. */
static struct helem *find_locked(struct htab *h, struct bucket *bk, const void *key,
				 uint32_t ks, uint32_t hash, _Atomic uintptr_t **link)
{
	_Atomic uintptr_t *l = &bk->head;
	uintptr_t p = atomic_load_explicit(l, memory_order_relaxed);
	while (!is_nulls(p)) {
		struct helem *e = (struct helem *)p;
		if (atomic_load_explicit(&e->hash, memory_order_relaxed) == hash &&
		    bpfrt__key_eq(ekey(e), key, ks)) {
			if (link)
				*link = l;
			return e;
		}
		l = &e->next;
		p = atomic_load_explicit(l, memory_order_relaxed);
	}
	return NULL;
}

static void link_elem(struct htab *h, struct bucket *bk, uint32_t b, struct helem *e)
{
	uintptr_t head = atomic_load_explicit(&bk->head, memory_order_relaxed);
	atomic_store_explicit(&e->next, head ? head : NULLS(b), memory_order_relaxed);
	atomic_store_explicit(&e->state, E_LIVE, memory_order_relaxed);
	/* Release: key and value are visible before the element is. */
	atomic_store_explicit(&bk->head, (uintptr_t)e, memory_order_release);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

static void unlink_elem(struct htab *h, _Atomic uintptr_t *link, struct helem *e)
{
	/* e->next is left as is: a reader standing on e still reaches the
	 * rest of the chain. */
	atomic_store_explicit(link, atomic_load_explicit(&e->next, memory_order_relaxed),
			      memory_order_release);
	atomic_store_explicit(&e->state, E_OWNED, memory_order_relaxed);
	atomic_fetch_sub_explicit(&h->count, 1, memory_order_relaxed);
}

static void pool_put(struct htab *h, struct helem *e)
{
	atomic_store_explicit(&e->state, E_FREE, memory_order_relaxed);
	spin_lock(&h->pool_lock);
	e->free_next = h->free_list;
	h->free_list = e;
	spin_unlock(&h->pool_lock);
}

/* A free element, or NULL with *err (-E2BIG when max_entries are in use). */
static struct helem *pool_get(struct bpfrt_map *m, struct htab *h, int *err)
{
	struct helem *e = NULL;
	spin_lock(&h->pool_lock);
	if (h->free_list) {
		e = h->free_list;
		h->free_list = e->free_next;
	} else {
		if (!h->bump_left && h->allocated < m->max_entries) {
			/* NO_PREALLOC: grow geometrically, never past
			 * max_entries in total. */
			uint32_t left = m->max_entries - h->allocated;
			uint32_t n = h->allocated < 16 ? 16 : h->allocated;
			if (n > left)
				n = left;
			if (add_chunk(h, n)) {
				spin_unlock(&h->pool_lock);
				*err = -ENOMEM;
				return NULL;
			}
		}
		if (h->bump_left) {
			e = (struct helem *)h->bump;
			h->bump += h->elem_sz;
			h->bump_left--;
			h->allocated++;
		}
	}
	spin_unlock(&h->pool_lock);
	if (!e) {
		*err = -E2BIG;
		return NULL;
	}
	atomic_store_explicit(&e->state, E_OWNED, memory_order_relaxed);
	return e;
}

/* LRU: a free element, evicting one if needed; never fails. */
static struct helem *lru_get(struct bpfrt_map *m, struct htab *h)
{
	int err;
	struct helem *e = pool_get(m, h, &err);
	if (e)
		return e;
	uint32_t n = m->max_entries;
	for (uint64_t tries = 0;; tries++) {
		if (tries && tries % (2ull * n + 2) == 0) {
			/* Every element is busy being inserted elsewhere: let
			 * those threads finish, then take what they free. */
			sched_yield();
			if ((e = pool_get(m, h, &err)))
				return e;
		}
		uint32_t i = atomic_fetch_add_explicit(&h->hand, 1, memory_order_relaxed) % n;
		struct helem *c = (struct helem *)(h->pool + (size_t)i * h->elem_sz);
		if (atomic_load_explicit(&c->state, memory_order_relaxed) != E_LIVE)
			continue;
		if (atomic_load_explicit(&c->ref, memory_order_relaxed)) {
			atomic_store_explicit(&c->ref, 0, memory_order_relaxed);
			continue;
		}
		uint32_t hash = atomic_load_explicit(&c->hash, memory_order_relaxed);
		struct bucket *bk = &h->buckets[hash & h->mask];
		spin_lock(&bk->lock);
		/* Re-check under the lock: still in this chain, still cold. */
		_Atomic uintptr_t *l = &bk->head;
		uintptr_t p = atomic_load_explicit(l, memory_order_relaxed);
		while (!is_nulls(p) && p != (uintptr_t)c) {
			l = &((struct helem *)p)->next;
			p = atomic_load_explicit(l, memory_order_relaxed);
		}
		bool ok = p == (uintptr_t)c && !atomic_load_explicit(&c->ref, memory_order_relaxed);
		if (ok)
			unlink_elem(h, l, c);
		spin_unlock(&bk->lock);
		if (ok)
			return c;
	}
}

enum upd_mode { UPD_PROG, UPD_SYS, UPD_PTR };

/* Write a value into e.  fresh: e is a new element (zero what the caller
 * does not provide, as the kernel does for other CPUs' slots). */
static void write_value(struct bpfrt_map *m, struct htab *h, struct helem *e,
			const void *value, enum upd_mode mode, unsigned cpu, bool fresh)
{
	char *v = evalue(h, e);
	if (mode == UPD_PTR) {
		memcpy(v, value, sizeof(void *));
	} else if (!m->percpu) {
		memcpy(v, value, m->value_size);
		if (fresh)
			memset(v + m->value_size, 0, m->elem_size - m->value_size);
	} else if (mode == UPD_SYS) {
		memcpy(v, value, (size_t)m->ncpus * m->elem_size);
	} else {
		if (fresh)
			memset(v, 0, (size_t)m->ncpus * m->elem_size);
		memcpy(v + (size_t)cpu * m->elem_size, value, m->value_size);
	}
}

static long htab_update_common(struct bpfrt_map *m, const void *key, const void *value,
			       uint64_t flags, unsigned cpu, enum upd_mode mode,
			       void **old_ptr)
{
	struct htab *h = m->priv;
	uint32_t ks = m->key_size;
	struct helem *e, *n = NULL;
	int err;

	/* BPF_F_LOCK needs a bpf_spin_lock in the value, which needs BTF. */
	if ((flags & ~(uint64_t)BPFRT_F_LOCK) > BPFRT_EXIST || (flags & BPFRT_F_LOCK))
		return -EINVAL;
	if (m->percpu && mode == UPD_PROG && cpu >= m->ncpus)
		return -EINVAL;

	uint32_t hash = key_hash(h, key, ks);
	uint32_t b = hash & h->mask;
	struct bucket *bk = &h->buckets[b];
	for (;;) {
		spin_lock(&bk->lock);
		e = find_locked(h, bk, key, ks, hash, NULL);
		if (e && flags == BPFRT_NOEXIST) {
			err = -EEXIST;
			goto unlock;
		}
		if (!e && flags == BPFRT_EXIST) {
			err = -ENOENT;
			goto unlock;
		}
		if (e) {
			if (old_ptr)
				memcpy(old_ptr, evalue(h, e), sizeof(void *));
			write_value(m, h, e, value, mode, cpu, false);
			if (h->lru)
				atomic_store_explicit(&e->ref, 1, memory_order_relaxed);
			err = 0;
			goto unlock;
		}
		if (n || !h->lru)
			break;
		/* Evicting takes another bucket's lock: never while holding
		 * ours.  Get the element first, then look again. */
		spin_unlock(&bk->lock);
		n = lru_get(m, h);
	}
	if (!n) {
		n = pool_get(m, h, &err);
		if (!n)
			goto unlock;
	}
	memcpy(ekey(n), key, ks);
	atomic_store_explicit(&n->hash, hash, memory_order_relaxed);
	atomic_store_explicit(&n->ref, 0, memory_order_relaxed);
	write_value(m, h, n, value, mode, cpu, true);
	link_elem(h, bk, b, n);
	n = NULL;
	err = 0;
unlock:
	spin_unlock(&bk->lock);
	if (n)
		pool_put(h, n);
	return err;
}

static void *htab_lookup(struct bpfrt_map *m, const void *key, unsigned cpu)
{
	struct htab *h = m->priv;
	uint32_t hash = key_hash(h, key, m->key_size);
	struct helem *e = find_lockless(h, key, m->key_size, hash);
	if (!e)
		return NULL;
	if (h->lru && !atomic_load_explicit(&e->ref, memory_order_relaxed))
		atomic_store_explicit(&e->ref, 1, memory_order_relaxed);
	if (h->of_maps) {
		void *im;
		memcpy(&im, evalue(h, e), sizeof(im));
		return im;
	}
	if (m->percpu) {
		if (cpu >= m->ncpus)
			return NULL;
		return (char *)evalue(h, e) + (size_t)cpu * m->elem_size;
	}
	return evalue(h, e);
}

static long htab_update(struct bpfrt_map *m, const void *key, const void *value,
			uint64_t flags, unsigned cpu)
{
	if (m->type == BPFRT_MAP_TYPE_HASH_OF_MAPS)
		return -ENOTSUP;	/* programs cannot store maps */
	return htab_update_common(m, key, value, flags, cpu, UPD_PROG, NULL);
}

static int htab_sys_update(struct bpfrt_map *m, const void *key, const void *value,
			   uint64_t flags)
{
	return (int)htab_update_common(m, key, value, flags, 0, UPD_SYS, NULL);
}

static void copy_out(struct bpfrt_map *m, struct htab *h, struct helem *e, void *value)
{
	if (h->of_maps) {
		struct bpfrt_map *im;
		memcpy(&im, evalue(h, e), sizeof(im));
		uint32_t id = im->id;
		memcpy(value, &id, 4);
	} else {
		memcpy(value, evalue(h, e),
		       m->percpu ? (size_t)m->ncpus * m->elem_size : m->value_size);
	}
}

static int htab_sys_lookup(struct bpfrt_map *m, const void *key, void *value)
{
	struct htab *h = m->priv;
	uint32_t hash = key_hash(h, key, m->key_size);
	struct bucket *bk = &h->buckets[hash & h->mask];
	/* Locked so a concurrent user-space update is not seen half done. */
	spin_lock(&bk->lock);
	struct helem *e = find_locked(h, bk, key, m->key_size, hash, NULL);
	if (e)
		copy_out(m, h, e, value);
	spin_unlock(&bk->lock);
	return e ? 0 : -ENOENT;
}

static void release_map(void *p) { bpfrt_map__put(p); }

static int delete_common(struct bpfrt_map *m, const void *key, void *value)
{
	struct htab *h = m->priv;
	uint32_t hash = key_hash(h, key, m->key_size);
	struct bucket *bk = &h->buckets[hash & h->mask];
	_Atomic uintptr_t *link;
	spin_lock(&bk->lock);
	struct helem *e = find_locked(h, bk, key, m->key_size, hash, &link);
	if (e) {
		if (value)
			copy_out(m, h, e, value);
		unlink_elem(h, link, e);
	}
	spin_unlock(&bk->lock);
	if (!e)
		return -ENOENT;
	if (h->of_maps) {
		void *im;
		memcpy(&im, evalue(h, e), sizeof(im));
		bpfrt__map_defer_release(m, im, release_map);
	}
	pool_put(h, e);
	return 0;
}

static long htab_delete(struct bpfrt_map *m, const void *key)
{
	return delete_common(m, key, NULL);
}

static int htab_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value)
{
	if (m->type == BPFRT_MAP_TYPE_HASH_OF_MAPS)
		return -ENOTSUP;
	return delete_common(m, key, value);
}

static int htab_get_next_key(struct bpfrt_map *m, const void *key, void *next)
{
	struct htab *h = m->priv;
	uint32_t ks = m->key_size, b = 0;
	if (key) {
		uint32_t hash = key_hash(h, key, ks);
		struct bucket *bk = &h->buckets[hash & h->mask];
		spin_lock(&bk->lock);
		struct helem *e = find_locked(h, bk, key, ks, hash, NULL);
		if (e) {
			uintptr_t p = atomic_load_explicit(&e->next, memory_order_relaxed);
			if (!is_nulls(p)) {
				memcpy(next, ekey((struct helem *)p), ks);
				spin_unlock(&bk->lock);
				return 0;
			}
			b = (hash & h->mask) + 1;
		}
		/* A key not in the map restarts from the first key, as the
		 * kernel does. */
		spin_unlock(&bk->lock);
	}
	for (; b <= h->mask; b++) {
		struct bucket *bk = &h->buckets[b];
		if (is_nulls(atomic_load_explicit(&bk->head, memory_order_relaxed)))
			continue;
		spin_lock(&bk->lock);
		uintptr_t p = atomic_load_explicit(&bk->head, memory_order_relaxed);
		if (!is_nulls(p)) {
			memcpy(next, ekey((struct helem *)p), ks);
			spin_unlock(&bk->lock);
			return 0;
		}
		spin_unlock(&bk->lock);
	}
	return -ENOENT;
}

static long htab_for_each(struct bpfrt_map *m, bpfrt_map_cb cb, void *ctx, unsigned cpu)
{
	struct htab *h = m->priv;
	long n = 0;
	if (m->percpu && cpu >= m->ncpus)
		return -EINVAL;
	/* Lock-free like lookups, so the callback may update or delete
	 * elements of this map. */
	for (uint32_t b = 0; b <= h->mask; b++) {
		uintptr_t p = atomic_load_explicit(&h->buckets[b].head, memory_order_acquire);
		while (!is_nulls(p)) {
			struct helem *e = (struct helem *)p;
			p = atomic_load_explicit(&e->next, memory_order_acquire);
			if (atomic_load_explicit(&e->state, memory_order_relaxed) != E_LIVE)
				continue;
			void *v = (char *)evalue(h, e) + (m->percpu ? (size_t)cpu * m->elem_size : 0);
			n++;
			if (cb(m, ekey(e), v, ctx))
				return n;
		}
	}
	return n;
}

/* hash_of_maps: user space stores map ids, the map stores referenced
 * pointers. */
static int hom_sys_update(struct bpfrt_map *m, const void *key, const void *value,
			  uint64_t flags)
{
	uint32_t id;
	int err = 0;
	if ((flags & ~(uint64_t)BPFRT_F_LOCK) > BPFRT_EXIST || (flags & BPFRT_F_LOCK))
		return -EINVAL;
	memcpy(&id, value, 4);
	struct bpfrt_map *im = bpfrt__map_inner_get(m, id, &err);
	if (!im)
		return err;
	void *old = NULL;
	err = (int)htab_update_common(m, key, &im, flags, 0, UPD_PTR, &old);
	if (err)
		bpfrt_map__put(im);
	else if (old)
		bpfrt__map_defer_release(m, old, release_map);
	return err;
}

const struct map_ops bpfrt__hash_ops = {
	.check = htab_check,
	.alloc = htab_alloc,
	.free = htab_free,
	.lookup = htab_lookup,
	.update = htab_update,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
	.sys_lookup = htab_sys_lookup,
	.sys_update = htab_sys_update,
	.sys_lookup_and_delete = htab_sys_lookup_and_delete,
	.for_each = htab_for_each,
};

const struct map_ops bpfrt__hash_of_maps_ops = {
	.check = hash_of_maps_check,
	.alloc = htab_alloc,
	.free = htab_free,
	.lookup = htab_lookup,
	.update = htab_update,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
	.sys_lookup = htab_sys_lookup,
	.sys_update = hom_sys_update,
	.sys_lookup_and_delete = htab_sys_lookup_and_delete,
};
