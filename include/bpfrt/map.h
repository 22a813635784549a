/* SPDX-License-Identifier: MIT */
/*
 * bpfrt/map.h - maps: the state eBPF programs share with each other and
 * with user space.  Included by bpfrt/bpfrt.h.
 *
 * Semantics, flags and error codes are the Linux kernel's (bpf(2) with
 * BPF_MAP_CREATE, BPF_MAP_LOOKUP_ELEM, ...), so code written against libbpf's
 * bpf_map_* calls ports by renaming.  Every function is thread-safe: user
 * space may read and update a map while programs run on other threads.
 *
 * Per-CPU maps: bpfrt has bpfrt_num_cpus() logical CPUs; each program run
 * happens on one of them.  From user space a per-CPU value is read and
 * written as the kernel's syscall does: num_cpus slots, each value_size
 * rounded up to 8 bytes.
 */
#ifndef BPFRT_MAP_H
#define BPFRT_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef BPFRT_API
#define BPFRT_API __attribute__((visibility("default")))
#endif

/* Map types: the kernel's enum bpf_map_type values. */
enum bpfrt_map_type {
	BPFRT_MAP_TYPE_HASH = 1,
	BPFRT_MAP_TYPE_ARRAY = 2,
	BPFRT_MAP_TYPE_PROG_ARRAY = 3,
	BPFRT_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPFRT_MAP_TYPE_PERCPU_HASH = 5,
	BPFRT_MAP_TYPE_PERCPU_ARRAY = 6,
	BPFRT_MAP_TYPE_LRU_HASH = 9,
	BPFRT_MAP_TYPE_LRU_PERCPU_HASH = 10,
	BPFRT_MAP_TYPE_LPM_TRIE = 11,
	BPFRT_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPFRT_MAP_TYPE_HASH_OF_MAPS = 13,
	BPFRT_MAP_TYPE_DEVMAP = 14,
	BPFRT_MAP_TYPE_XSKMAP = 17,
	BPFRT_MAP_TYPE_QUEUE = 22,
	BPFRT_MAP_TYPE_STACK = 23,
	BPFRT_MAP_TYPE_DEVMAP_HASH = 25,
	BPFRT_MAP_TYPE_RINGBUF = 27,
	BPFRT_MAP_TYPE_BLOOM_FILTER = 30,
};

/* Update flags (the kernel's BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK). */
#define BPFRT_ANY	0
#define BPFRT_NOEXIST	1
#define BPFRT_EXIST	2
#define BPFRT_F_LOCK	4

/* Creation flags (map_flags), the kernel's values. */
#define BPFRT_F_NO_PREALLOC	(1u << 0)
#define BPFRT_F_NO_COMMON_LRU	(1u << 1)
#define BPFRT_F_RDONLY		(1u << 3)
#define BPFRT_F_WRONLY		(1u << 4)
#define BPFRT_F_RDONLY_PROG	(1u << 7)
#define BPFRT_F_WRONLY_PROG	(1u << 8)
#define BPFRT_F_MMAPABLE	(1u << 10)
/* On a map-in-map template: inner maps may differ in max_entries. */
#define BPFRT_F_INNER_MAP	(1u << 12)

struct bpfrt_map;

/* Number of logical CPUs per-CPU maps have (default: the host's CPU count,
 * at least 1).  Set it before creating any map; -EBUSY afterwards. */
BPFRT_API int bpfrt_set_num_cpus(unsigned int n);
BPFRT_API unsigned int bpfrt_num_cpus(void);

struct bpfrt_map_create_opts {
	size_t sz;
	uint32_t map_flags;		/* BPFRT_F_* */
	/* Map-in-map: the inner map the outer map's values must look like
	 * (type, key/value size, max_entries unless BPF_F_INNER_MAP); borrowed. */
	const struct bpfrt_map *inner_map;
	/* Bloom filter: number of hash functions (the kernel's map_extra),
	 * 0 means the kernel's default of 5. */
	uint64_t map_extra;
};

/*
 * Create a map.  Sizes are checked as the kernel does (e.g. an array's key
 * must be 4 bytes, a queue has key_size 0, a ringbuf's max_entries a power
 * of two multiple of the page size).  name is copied (up to 15 chars are
 * significant, as the kernel's BPF_OBJ_NAME_LEN).
 * Returns the map with one reference, or NULL with errno (EINVAL, E2BIG,
 * ENOMEM, ENOTSUP for a type bpfrt does not have).
 */
BPFRT_API struct bpfrt_map *
bpfrt_map__create(enum bpfrt_map_type type, const char *name, uint32_t key_size,
		  uint32_t value_size, uint32_t max_entries,
		  const struct bpfrt_map_create_opts *opts);

/* Reference counting: programs and outer maps hold references too.
 * bpfrt_map__put frees the map with its last reference; NULL is a no-op. */
BPFRT_API struct bpfrt_map *bpfrt_map__get(struct bpfrt_map *map);
BPFRT_API void bpfrt_map__put(struct bpfrt_map *map);

/* Accessors; strings are owned by the map. */
BPFRT_API const char *bpfrt_map__name(const struct bpfrt_map *map);
BPFRT_API enum bpfrt_map_type bpfrt_map__type(const struct bpfrt_map *map);
BPFRT_API uint32_t bpfrt_map__key_size(const struct bpfrt_map *map);
BPFRT_API uint32_t bpfrt_map__value_size(const struct bpfrt_map *map);
BPFRT_API uint32_t bpfrt_map__max_entries(const struct bpfrt_map *map);
BPFRT_API uint32_t bpfrt_map__flags(const struct bpfrt_map *map);
/* A process-unique id (never 0), as the kernel's map id. */
BPFRT_API uint32_t bpfrt_map__id(const struct bpfrt_map *map);
/* Is it per-CPU (user-space values are num_cpus slots of round_up(vs, 8))? */
BPFRT_API bool bpfrt_map__is_percpu(const struct bpfrt_map *map);
/* Size of the value buffer user-space calls take. */
BPFRT_API size_t bpfrt_map__user_value_size(const struct bpfrt_map *map);
/* Name of a map type ("hash", "percpu_array", ...), "unknown" otherwise. */
BPFRT_API const char *bpfrt_map_type_str(enum bpfrt_map_type type);

/*
 * User-space element operations, the kernel's BPF_MAP_*_ELEM commands.
 * value buffers are bpfrt_map__user_value_size() bytes.  Return 0 or
 * -ENOENT, -EEXIST, -E2BIG (full), -EINVAL (bad flags), -EPERM (frozen or
 * read-only), -ENOTSUP (operation the type lacks).  For prog arrays a value
 * is a program id (u32); for map-in-map, a map id (u32); lookups return ids.
 */
BPFRT_API int bpfrt_map__lookup_elem(struct bpfrt_map *map, const void *key, void *value);
BPFRT_API int bpfrt_map__update_elem(struct bpfrt_map *map, const void *key,
				     const void *value, uint64_t flags);
BPFRT_API int bpfrt_map__delete_elem(struct bpfrt_map *map, const void *key);
/* key NULL (or a key not in the map) gives the first key; -ENOENT after
 * the last. */
BPFRT_API int bpfrt_map__get_next_key(struct bpfrt_map *map, const void *key,
				      void *next_key);
/* Queue/stack pop, hash lookup-and-delete. */
BPFRT_API int bpfrt_map__lookup_and_delete_elem(struct bpfrt_map *map, const void *key,
						void *value);
/* Make the map read-only for user space from now on (programs may still
 * write unless BPFRT_F_RDONLY_PROG).  .rodata maps are frozen at load. */
BPFRT_API int bpfrt_map__freeze(struct bpfrt_map *map);
BPFRT_API bool bpfrt_map__is_frozen(const struct bpfrt_map *map);

/* Array-like maps (array, .data/.bss/.rodata): a pointer to the values
 * themselves, max_entries * round_up(value_size, 8) bytes; owned by the map. */
BPFRT_API void *bpfrt_map__mmap(struct bpfrt_map *map);

/* ---- ring buffer consumer ------------------------------------------- */

struct bpfrt_ringbuf;
/* Called for each submitted record, in order.  Return non-zero to stop
 * consuming; that value is returned by the poll/consume call. */
typedef int (*bpfrt_ringbuf_sample_fn)(void *user, void *data, size_t size);

/* A consumer over one or more ringbuf maps (the first given here). NULL +
 * errno on error. */
BPFRT_API struct bpfrt_ringbuf *
bpfrt_ringbuf__new(struct bpfrt_map *map, bpfrt_ringbuf_sample_fn fn, void *user);
BPFRT_API int bpfrt_ringbuf__add(struct bpfrt_ringbuf *rb, struct bpfrt_map *map,
				 bpfrt_ringbuf_sample_fn fn, void *user);
/* Consume what is available now; returns records consumed or -errno. */
BPFRT_API int bpfrt_ringbuf__consume(struct bpfrt_ringbuf *rb);
/* Wait up to timeout_ms (-1: forever) for data, then consume. */
BPFRT_API int bpfrt_ringbuf__poll(struct bpfrt_ringbuf *rb, int timeout_ms);
BPFRT_API void bpfrt_ringbuf__free(struct bpfrt_ringbuf *rb);

/* ---- perf event array reader ----------------------------------------- */

struct bpfrt_perf_reader;
typedef void (*bpfrt_perf_sample_fn)(void *user, int cpu, void *data, uint32_t size);
typedef void (*bpfrt_perf_lost_fn)(void *user, int cpu, uint64_t lost);

/* Reader for a perf_event_array map; each CPU slot has a buffer of
 * page_cnt pages. NULL + errno on error. */
BPFRT_API struct bpfrt_perf_reader *
bpfrt_perf_reader__new(struct bpfrt_map *map, size_t page_cnt,
		       bpfrt_perf_sample_fn sample, bpfrt_perf_lost_fn lost, void *user);
BPFRT_API int bpfrt_perf_reader__poll(struct bpfrt_perf_reader *pr, int timeout_ms);
BPFRT_API void bpfrt_perf_reader__free(struct bpfrt_perf_reader *pr);

#ifdef __cplusplus
}
#endif
#endif /* BPFRT_MAP_H */
