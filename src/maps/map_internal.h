/* SPDX-License-Identifier: MIT */
/*
 * Maps, internal side: the shape every map type shares, the per-family
 * operations table, and the program-side API the helpers call (the C
 * functions behind bpf_map_lookup_elem and friends).
 *
 * A program runs on one logical CPU (0 <= cpu < bpfrt_num_cpus()); per-CPU
 * maps hand it that CPU's slot.  Program-side calls take no global lock:
 * array lookups are plain pointer arithmetic, hash lookups walk a bucket
 * without locking (elements are never freed before the map dies, so a
 * stale pointer always points at valid memory, as with the kernel's
 * preallocated elements).
 */
#ifndef BPFRT_MAP_INTERNAL_H
#define BPFRT_MAP_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "core/registry.h"

/* Kernel constants user space sees (include/uapi/linux/bpf.h). */
#define BPFRT_F_NUMA_NODE	(1u << 2)
#define BPFRT_F_ZERO_SEED	(1u << 6)
#define BPFRT_F_PRESERVE_ELEMS	(1u << 11)
#define BPFRT_F_ACCESS_MASK \
	(BPFRT_F_RDONLY | BPFRT_F_WRONLY | BPFRT_F_RDONLY_PROG | BPFRT_F_WRONLY_PROG)

#define BPFRT_F_INDEX_MASK	0xffffffffULL
#define BPFRT_F_CURRENT_CPU	BPFRT_F_INDEX_MASK

#define BPFRT_RB_NO_WAKEUP	(1u << 0)
#define BPFRT_RB_FORCE_WAKEUP	(1u << 1)
#define BPFRT_RB_AVAIL_DATA	0
#define BPFRT_RB_RING_SIZE	1
#define BPFRT_RB_CONS_POS	2
#define BPFRT_RB_PROD_POS	3
#define BPFRT_RINGBUF_BUSY_BIT		(1u << 31)
#define BPFRT_RINGBUF_DISCARD_BIT	(1u << 30)
#define BPFRT_RINGBUF_HDR_SZ		8

/* The kernel's percpu allocator limit for one value (PCPU_MIN_UNIT_SIZE). */
#define BPFRT_PCPU_MAX_VALUE	(32u * 1024)
/* The kernel's KMALLOC_MAX_SIZE on x86-64 (4 MiB): bound on element size. */
#define BPFRT_KMALLOC_MAX	(4u << 20)

static inline uint64_t round_up8(uint64_t x) { return (x + 7) & ~(uint64_t)7; }

/* ---- small spinlock --------------------------------------------------
 * Critical sections in maps are a few dozen instructions, so spinning beats
 * a futex; yielding after a while keeps oversubscribed machines (more
 * threads than cores) from burning whole time slices on a preempted owner. */
struct spin { atomic_uint v; };

static inline void spin_init(struct spin *s) { atomic_init(&s->v, 0); }
static inline void spin_lock(struct spin *s)
{
	for (unsigned n = 0;; n++) {
		if (!atomic_load_explicit(&s->v, memory_order_relaxed) &&
		    !atomic_exchange_explicit(&s->v, 1, memory_order_acquire))
			return;
		if (n > 64)
			sched_yield();
		else
			__builtin_ia32_pause();
	}
}
static inline void spin_unlock(struct spin *s)
{
	atomic_store_explicit(&s->v, 0, memory_order_release);
}

/* Non-cryptographic 64-bit hash of len bytes, seeded per map so keys do
 * not collide the same way in every map. */
static inline uint64_t hash_rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t hash_rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/*
 * 8-byte words are folded in with multiply-rotate; the last 1..8 bytes are
 * read as two possibly overlapping 4-byte loads (or three single bytes),
 * which is injective for a given length and avoids a variable-length copy:
 * a 4- or 8-byte key costs one multiply plus the final mix.
 */
static inline uint64_t bpfrt__hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *s = p;
	const uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xbf58476d1ce4e5b9ULL;
	uint64_t h = seed ^ (len * 0x94d049bb133111ebULL), w;
	while (len > 8) {
		h = (h ^ hash_rd64(s)) * k1;
		h = (h << 31) | (h >> 33);
		s += 8;
		len -= 8;
	}
	if (len >= 4)
		w = hash_rd32(s) | hash_rd32(s + len - 4) << 32;
	else if (len)
		w = (uint64_t)s[0] | (uint64_t)s[len >> 1] << 8 | (uint64_t)s[len - 1] << 16;
	else
		w = 0;
	h = (h ^ w) * k1;
	h ^= h >> 32;
	h *= k2;
	h ^= h >> 29;
	return h;
}

/* Key equality with the common 4- and 8-byte keys compared inline. */
static inline bool bpfrt__key_eq(const void *a, const void *b, uint32_t ks)
{
	if (ks == 4)
		return hash_rd32(a) == hash_rd32(b);
	if (ks == 8)
		return hash_rd64(a) == hash_rd64(b);
	return !memcmp(a, b, ks);
}

/* ---- the map -------------------------------------------------------- */

struct map_attr {
	enum bpfrt_map_type type;
	uint32_t key_size, value_size, max_entries, map_flags;
	uint64_t map_extra;
	const struct bpfrt_map *inner_map;
};

typedef long (*bpfrt_map_cb)(struct bpfrt_map *m, void *key, void *value, void *ctx);

/*
 * Per-family operations.  NULL entries mean "this type has no such
 * operation" and map.c answers with the kernel's error for that case.
 * "sys_" entries are the user-space (syscall) forms, whose value buffers
 * are bpfrt_map__user_value_size() bytes; the others are program-side.
 */
struct map_ops {
	int (*check)(const struct map_attr *a);	/* create-time validation */
	int (*alloc)(struct bpfrt_map *m);
	void (*free)(struct bpfrt_map *m);

	void *(*lookup)(struct bpfrt_map *m, const void *key, unsigned cpu);
	long (*update)(struct bpfrt_map *m, const void *key, const void *value,
		       uint64_t flags, unsigned cpu);
	long (*delete)(struct bpfrt_map *m, const void *key);
	int (*get_next_key)(struct bpfrt_map *m, const void *key, void *next);
	int (*sys_lookup)(struct bpfrt_map *m, const void *key, void *value);
	int (*sys_update)(struct bpfrt_map *m, const void *key, const void *value,
			  uint64_t flags);
	int (*sys_delete)(struct bpfrt_map *m, const void *key);
	int (*sys_lookup_and_delete)(struct bpfrt_map *m, const void *key, void *value);
	long (*push)(struct bpfrt_map *m, const void *value, uint64_t flags);
	long (*pop)(struct bpfrt_map *m, void *value);
	long (*peek)(struct bpfrt_map *m, void *value);
	long (*for_each)(struct bpfrt_map *m, bpfrt_map_cb cb, void *ctx, unsigned cpu);
};

/* A reference or allocation released only when the map dies: what a
 * running program may still be using after user space replaced it. */
struct map_grave {
	struct map_grave *next;
	void *obj;
	void (*release)(void *obj);
};

struct map_meta {
	enum bpfrt_map_type type;
	uint32_t key_size, value_size, max_entries, map_flags;
};

struct bpfrt_map {
	const struct map_ops *ops;
	enum bpfrt_map_type type;
	uint32_t key_size, value_size, max_entries, map_flags;
	uint64_t map_extra;
	uint32_t id;
	bool percpu;
	unsigned ncpus;		/* bpfrt_num_cpus() at creation */
	uint32_t elem_size;	/* round_up(value_size, 8) */
	atomic_long refcnt;
	atomic_bool frozen;
	char name[16];
	struct map_meta inner;	/* map-in-map: what inner maps must look like */
	pthread_mutex_t grave_lock;
	struct map_grave *graves;
	void *priv;		/* the family's state */
};

/* Park obj until the map is freed, then call release(obj). On allocation
 * failure release is called at once (a leak would be worse than the tiny
 * window it reopens). */
void bpfrt__map_defer_release(struct bpfrt_map *m, void *obj, void (*release)(void *));

/* Families. */
extern const struct map_ops bpfrt__array_ops, bpfrt__percpu_array_ops,
	bpfrt__prog_array_ops, bpfrt__array_of_maps_ops, bpfrt__perf_event_array_ops,
	bpfrt__hash_ops, bpfrt__hash_of_maps_ops, bpfrt__lpm_trie_ops,
	bpfrt__queue_ops, bpfrt__stack_ops, bpfrt__ringbuf_ops, bpfrt__bloom_ops,
	bpfrt__devmap_ops, bpfrt__devmap_hash_ops, bpfrt__xskmap_ops;

/* Common create-time checks shared by families (the kernel's
 * bpf_map_flags_access_ok). */
static inline bool map_flags_access_ok(uint32_t f)
{
	return (f & (BPFRT_F_RDONLY_PROG | BPFRT_F_WRONLY_PROG)) !=
	       (BPFRT_F_RDONLY_PROG | BPFRT_F_WRONLY_PROG);
}

/* Shared pieces of the array family (array.c). */
int bpfrt__array_get_next_key(struct bpfrt_map *m, const void *key, void *next);
int bpfrt__fd_array_check(const struct map_attr *a);
/* Map-in-map template checks: present, one level deep, a type that can be
 * an inner map. */
int bpfrt__map_in_map_check_inner(const struct map_attr *a);

/* Map-in-map: resolve a user-space map id into a referenced inner map
 * that matches m->inner, or NULL with *err set (-EBADF unknown id, -EINVAL
 * mismatch). */
struct bpfrt_map *bpfrt__map_inner_get(struct bpfrt_map *outer, uint32_t id, int *err);
/* Reference ops the registry uses for maps (get refuses a dying map). */
extern const struct bpfrt_obj_ref_ops bpfrt__map_ref_ops;

/*
 * Programs stored in prog arrays are resolved through the registry
 * (BPFRT_OBJ_PROG), which takes a reference with the ops the VM registered.
 * To drop that reference the maps need the matching put: the VM (or a test)
 * hands the same ops here once.  Without it, prog arrays keep their
 * references until the process ends.
 */
void bpfrt__map_set_prog_ref_ops(const struct bpfrt_obj_ref_ops *ops);
void bpfrt__map_prog_put(void *prog);

/* Array and percpu_array value storage (page-aligned, *bytes long): what
 * src/pin maps a shared file over.  NULL for other types. */
void *bpfrt__array_values(struct bpfrt_map *m, size_t *bytes);

/*
 * Map creation hook (live hot swap): while set, bpfrt_map__create first asks
 * fn whether an existing map should be used instead; fn returns that map
 * with a reference taken, or NULL to create a new one.  Process-wide: the
 * caller serialises loads while it is set.
 */
typedef struct bpfrt_map *(*bpfrt_map_reuse_fn)(void *user, enum bpfrt_map_type type,
						 const char *name, uint32_t key_size,
						 uint32_t value_size, uint32_t max_entries,
						 uint32_t map_flags);
void bpfrt__map_set_reuse_hook(bpfrt_map_reuse_fn fn, void *user);

/* ---- program-side API (behind the helpers) --------------------------- */

/* Pointer to the value (this cpu's slot for per-CPU maps), NULL if absent.
 * For array_of_maps/hash_of_maps: the inner struct bpfrt_map *. */
void *bpfrt__map_lookup(struct bpfrt_map *m, const void *key, unsigned cpu);
long bpfrt__map_update(struct bpfrt_map *m, const void *key, const void *value,
		       uint64_t flags, unsigned cpu);
long bpfrt__map_delete(struct bpfrt_map *m, const void *key, unsigned cpu);
/* Queue/stack (and bloom filter: push adds, peek tests membership).
 * BPF_EXIST on a full queue/stack overwrites the oldest element. */
long bpfrt__map_push(struct bpfrt_map *m, const void *value, uint64_t flags);
long bpfrt__map_pop(struct bpfrt_map *m, void *value);
long bpfrt__map_peek(struct bpfrt_map *m, void *value);
/* bpf_for_each_map_elem: number of elements visited; cb returning 1 stops. */
long bpfrt__map_for_each(struct bpfrt_map *m, bpfrt_map_cb cb, void *ctx, unsigned cpu);

void *bpfrt__ringbuf_reserve(struct bpfrt_map *m, uint64_t size, uint64_t flags);
void bpfrt__ringbuf_submit(void *sample, uint64_t flags);
void bpfrt__ringbuf_discard(void *sample, uint64_t flags);
long bpfrt__ringbuf_output(struct bpfrt_map *m, const void *data, uint64_t size,
			   uint64_t flags);
uint64_t bpfrt__ringbuf_query(struct bpfrt_map *m, uint64_t flags);

/* flags: an index or BPF_F_CURRENT_CPU (then the index is cpu). */
long bpfrt__perf_event_output(struct bpfrt_map *m, uint64_t flags, const void *data,
			      uint64_t size, unsigned cpu);

/* Tail calls: the program stored at index (the pointer the VM registered
 * under BPFRT_OBJ_PROG), or NULL. */
void *bpfrt__map_prog_array_get(struct bpfrt_map *m, uint32_t index);

/* Device maps (devmap, devmap_hash) for the hooks that act on redirects:
 * the ifindex stored under key (0: none), and every stored ifindex. */
uint32_t bpfrt__devmap_ifindex(struct bpfrt_map *m, uint32_t key);
void bpfrt__devmap_for_each(struct bpfrt_map *m, void (*fn)(void *user, uint32_t ifindex),
			    void *user);
/* Flags the kernel adds when it creates a map of this type: device maps
 * are read-only to programs. */
static inline uint32_t bpfrt__map_implied_flags(enum bpfrt_map_type t)
{
	return t == BPFRT_MAP_TYPE_DEVMAP || t == BPFRT_MAP_TYPE_DEVMAP_HASH ?
		       BPFRT_F_RDONLY_PROG : 0;
}

#endif /* BPFRT_MAP_INTERNAL_H */
