/* SPDX-License-Identifier: MIT */
/*
 * Bloom filter: push adds a value, peek answers "maybe present" (0) or
 * "definitely absent" (-ENOENT).  k = map_extra & 0xf hash functions (the
 * kernel's default 5 when 0); the bit array is sized as the kernel does,
 * about max_entries * k / ln 2 bits rounded up to a power of two, so the
 * false-positive rate is comparable.  Bits are set with atomic OR: no lock.
 */
#include <stdlib.h>

#include "core/common.h"
#include "map_internal.h"

struct bloom {
	uint32_t nr_hash;
	uint64_t bit_mask;
	uint64_t seed;
	_Atomic uint64_t *bits;
};

static int bloom_check(const struct map_attr *a)
{
	const uint32_t mask = BPFRT_F_NUMA_NODE | BPFRT_F_ZERO_SEED | BPFRT_F_ACCESS_MASK;
	if (a->key_size || !a->value_size || !a->max_entries || (a->map_flags & ~mask) ||
	    !map_flags_access_ok(a->map_flags) || (a->map_extra & ~0xfULL))
		return -EINVAL;
	return 0;
}

static int bloom_alloc(struct bpfrt_map *m)
{
	struct bloom *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->nr_hash = (uint32_t)(m->map_extra & 0xf);
	if (!b->nr_hash)
		b->nr_hash = 5;
	/* bits = max_entries * k / ln2 (7/5 > 1/ln2 ~ 1.44 is close enough),
	 * at least one word, power of two for cheap masking. */
	uint64_t want = (uint64_t)m->max_entries * b->nr_hash * 7 / 5, nbits = 64;
	while (nbits < want && nbits < (1ULL << 35))
		nbits <<= 1;
	b->bit_mask = nbits - 1;
	b->bits = calloc(nbits / 64, sizeof(uint64_t));
	if (!b->bits) {
		free(b);
		return -ENOMEM;
	}
	if (!(m->map_flags & BPFRT_F_ZERO_SEED))
		b->seed = bpfrt__hash_bytes(&b, sizeof(b), (uintptr_t)m);
	m->priv = b;
	return 0;
}

static void bloom_free(struct bpfrt_map *m)
{
	struct bloom *b = m->priv;
	if (b) {
		free(b->bits);
		free(b);
	}
}

/* Bit i for the value: double hashing h1 + i*h2 from one 64-bit hash. */
static inline uint64_t bit_of(struct bloom *b, uint64_t h, uint32_t i)
{
	uint32_t h1 = (uint32_t)h, h2 = (uint32_t)(h >> 32) | 1;
	return ((uint64_t)h1 + (uint64_t)i * h2 * 0x9e3779b1u) & b->bit_mask;
}

static long bloom_push(struct bpfrt_map *m, const void *value, uint64_t flags)
{
	struct bloom *b = m->priv;
	if (flags != BPFRT_ANY)
		return -EINVAL;
	uint64_t h = bpfrt__hash_bytes(value, m->value_size, b->seed);
	for (uint32_t i = 0; i < b->nr_hash; i++) {
		uint64_t bit = bit_of(b, h, i);
		atomic_fetch_or_explicit(&b->bits[bit / 64], 1ULL << (bit % 64),
					 memory_order_relaxed);
	}
	return 0;
}

static long bloom_peek(struct bpfrt_map *m, void *value)
{
	struct bloom *b = m->priv;
	uint64_t h = bpfrt__hash_bytes(value, m->value_size, b->seed);
	for (uint32_t i = 0; i < b->nr_hash; i++) {
		uint64_t bit = bit_of(b, h, i);
		if (!(atomic_load_explicit(&b->bits[bit / 64], memory_order_relaxed) &
		      (1ULL << (bit % 64))))
			return -ENOENT;
	}
	return 0;
}

/* The kernel answers delete and get_next_key with -EOPNOTSUPP. */
static long bloom_delete(struct bpfrt_map *m, const void *key)
{
	(void)m; (void)key;
	return -EOPNOTSUPP;
}

static int bloom_get_next_key(struct bpfrt_map *m, const void *key, void *next)
{
	(void)m; (void)key; (void)next;
	return -EOPNOTSUPP;
}

const struct map_ops bpfrt__bloom_ops = {
	.check = bloom_check,
	.alloc = bloom_alloc,
	.free = bloom_free,
	.delete = bloom_delete,
	.get_next_key = bloom_get_next_key,
	.push = bloom_push,
	.peek = bloom_peek,
};
