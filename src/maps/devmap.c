/* SPDX-License-Identifier: MIT */
/*
 * Device maps, the targets of bpf_redirect_map: devmap (an array of
 * interfaces) and devmap_hash (interfaces under any u32 key).  User space
 * stores an ifindex, or a struct bpf_devmap_val {ifindex, program fd} when
 * value_size is 8; lookups return {ifindex, program id}.  Programs may only
 * look entries up (the maps are BPF_F_RDONLY_PROG, as the kernel makes
 * them) and redirect to them; the live hook (src/live) resolves the entry
 * to an attached interface and sends the frame out of it.
 *
 * Semantics and errors are the kernel's (checked against it by
 * tests/unit/test_maps_kernel.c), quirks included:
 *  - devmap: a slot always "exists", so BPF_NOEXIST fails with EEXIST and
 *    BPF_EXIST is not checked; ifindex 0 empties the slot; deleting an
 *    empty slot succeeds; an index past the end is E2BIG to update but
 *    EINVAL to delete;
 *  - devmap_hash: ifindex 0 is EINVAL; BPF_EXIST on a missing key inserts;
 *  - the ifindex must name an interface of the caller's network namespace
 *    when it is stored (EINVAL otherwise); it is not tracked afterwards;
 *  - devmap programs: bpfrt has no program fds and runs no second program
 *    on redirect, so a program fd > 0 is EINVAL, what the kernel answers
 *    for an fd that is not a devmap program.
 *
 * Programs cannot change entries: BPF_F_RDONLY_PROG makes the program-side
 * update and delete EPERM (the verifier refuses those calls anyway).
 * Program-side lookups take no lock.  A devmap slot publishes its value
 * with a release store of `present`; devmap_hash elements go on a bucket's
 * chain fully written and are never freed while the map lives (deleted
 * ones are reused), so a stale pointer is always valid memory.
 */
#include <net/if.h>
#include <stdlib.h>

#include "core/common.h"
#include "map_internal.h"

#define DEV_CREATE_FLAGS (BPFRT_F_NUMA_NODE | BPFRT_F_RDONLY | BPFRT_F_WRONLY)
/* More buckets than this would cost memory without shortening chains for
 * any realistic number of interfaces. */
#define DH_MAX_BUCKETS (1u << 16)

/* struct bpf_devmap_val as lookups return it (prog id, never an fd). */
struct dev_val {
	uint32_t ifindex;
	uint32_t prog_id;
};

struct dev_slot {
	atomic_uint present;
	struct dev_val val;
};

struct dh_elem {
	struct dh_elem *_Atomic next;	/* bucket chain */
	struct dh_elem *free_next;	/* deleted elements, for reuse */
	struct dh_elem *allocated;	/* every element, to free them all */
	uint32_t key;
	struct dev_val val;
};

struct devmap {
	struct spin lock;		/* writers */
	struct dev_slot *slots;		/* devmap */
	struct dh_elem *_Atomic *buckets;	/* devmap_hash */
	uint32_t nbuckets, items;
	struct dh_elem *free_list;	/* deleted elements, for reuse */
	struct dh_elem *allocated;
};

static bool is_hash(const struct bpfrt_map *m)
{
	return m->type == BPFRT_MAP_TYPE_DEVMAP_HASH;
}

static int dev_check(const struct map_attr *a)
{
	if (!a->max_entries || a->key_size != 4 || (a->value_size != 4 && a->value_size != 8) ||
	    (a->map_flags & ~DEV_CREATE_FLAGS))
		return -EINVAL;
	if (a->type == BPFRT_MAP_TYPE_DEVMAP_HASH && a->max_entries > (1u << 31))
		return -EINVAL;
	return 0;
}

static int dev_alloc(struct bpfrt_map *m)
{
	struct devmap *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	spin_init(&d->lock);
	if (is_hash(m)) {
		d->nbuckets = 1;
		while (d->nbuckets < m->max_entries && d->nbuckets < DH_MAX_BUCKETS)
			d->nbuckets <<= 1;
		d->buckets = calloc(d->nbuckets, sizeof(*d->buckets));
	} else {
		d->slots = calloc(m->max_entries, sizeof(*d->slots));
	}
	if (!d->buckets && !d->slots) {
		free(d);
		return -ENOMEM;
	}
	/* Lookups hand programs a pointer into the map: the kernel makes the
	 * map BPF_F_RDONLY_PROG so that they cannot write through it. */
	m->map_flags |= bpfrt__map_implied_flags(m->type);
	m->priv = d;
	return 0;
}

static void dev_free(struct bpfrt_map *m)
{
	struct devmap *d = m->priv;
	if (!d)
		return;
	for (struct dh_elem *e = d->allocated, *n; e; e = n) {
		n = e->allocated;
		free(e);
	}
	free(d->slots);
	free(d->buckets);
	free(d);
}

/* The value user space gives: 4 bytes (ifindex) or struct bpf_devmap_val,
 * whose program fd defaults to -1 (none). */
static void user_val(const struct bpfrt_map *m, const void *value, uint32_t *ifindex,
		     int32_t *fd)
{
	memcpy(ifindex, value, 4);
	*fd = -1;
	if (m->value_size == 8)
		memcpy(fd, (const uint8_t *)value + 4, 4);
}

/* The kernel's __dev_map_alloc_node: the device must exist (now, in this
 * namespace) and there is no devmap program bpfrt could attach. */
static int dev_target_ok(uint32_t ifindex, int32_t fd)
{
	char name[IF_NAMESIZE];
	if (!if_indextoname(ifindex, name) || fd > 0)
		return -EINVAL;
	return 0;
}

/* ---- devmap (array) ------------------------------------------------- */

static void *dev_lookup(struct bpfrt_map *m, const void *key, unsigned cpu)
{
	(void)cpu;
	struct devmap *d = m->priv;
	uint32_t i;
	memcpy(&i, key, 4);
	if (i >= m->max_entries || !atomic_load_explicit(&d->slots[i].present,
							  memory_order_acquire))
		return NULL;
	return &d->slots[i].val;
}

static int dev_sys_update(struct bpfrt_map *m, const void *key, const void *value,
			  uint64_t flags)
{
	struct devmap *d = m->priv;
	uint32_t i, ifindex;
	int32_t fd;
	memcpy(&i, key, 4);
	if (flags > BPFRT_EXIST)
		return -EINVAL;
	if (i >= m->max_entries)
		return -E2BIG;
	if (flags == BPFRT_NOEXIST)
		return -EEXIST;
	user_val(m, value, &ifindex, &fd);
	struct dev_slot *s = &d->slots[i];
	if (!ifindex) {
		if (fd > 0)
			return -EINVAL;
		spin_lock(&d->lock);
		atomic_store_explicit(&s->present, 0, memory_order_release);
		spin_unlock(&d->lock);
		return 0;
	}
	int e = dev_target_ok(ifindex, fd);
	if (e)
		return e;
	spin_lock(&d->lock);
	/* A program may be reading the old value: one 4-byte store. */
	__atomic_store_n(&s->val.ifindex, ifindex, __ATOMIC_RELAXED);
	s->val.prog_id = 0;
	atomic_store_explicit(&s->present, 1, memory_order_release);
	spin_unlock(&d->lock);
	return 0;
}

static int dev_sys_delete(struct bpfrt_map *m, const void *key)
{
	struct devmap *d = m->priv;
	uint32_t i;
	memcpy(&i, key, 4);
	if (i >= m->max_entries)
		return -EINVAL;
	spin_lock(&d->lock);
	atomic_store_explicit(&d->slots[i].present, 0, memory_order_release);
	spin_unlock(&d->lock);
	return 0;
}

/* ---- devmap_hash ---------------------------------------------------- */

static struct dh_elem *_Atomic *dh_bucket(struct devmap *d, uint32_t key)
{
	return &d->buckets[bpfrt__hash_bytes(&key, 4, 0) & (d->nbuckets - 1)];
}

static struct dh_elem *dh_find(struct devmap *d, uint32_t key)
{
	for (struct dh_elem *e = atomic_load_explicit(dh_bucket(d, key), memory_order_acquire); e;
	     e = atomic_load_explicit(&e->next, memory_order_acquire))
		if (e->key == key)
			return e;
	return NULL;
}

static void *dh_lookup(struct bpfrt_map *m, const void *key, unsigned cpu)
{
	(void)cpu;
	uint32_t k;
	memcpy(&k, key, 4);
	struct dh_elem *e = dh_find(m->priv, k);
	return e ? &e->val : NULL;
}

/* A free element (reused, else newly allocated); lock held. */
static struct dh_elem *dh_get_elem(struct devmap *d)
{
	struct dh_elem *e = d->free_list;
	if (e) {
		d->free_list = e->free_next;
		return e;
	}
	e = calloc(1, sizeof(*e));
	if (e) {
		e->allocated = d->allocated;
		d->allocated = e;
	}
	return e;
}

static void dh_unlink(struct devmap *d, struct dh_elem *e)
{
	struct dh_elem *_Atomic *pp = dh_bucket(d, e->key);
	while (atomic_load_explicit(pp, memory_order_relaxed) != e)
		pp = &atomic_load_explicit(pp, memory_order_relaxed)->next;
	atomic_store_explicit(pp, atomic_load_explicit(&e->next, memory_order_relaxed),
			      memory_order_release);
}

static int dh_sys_update(struct bpfrt_map *m, const void *key, const void *value,
			 uint64_t flags)
{
	struct devmap *d = m->priv;
	uint32_t k, ifindex;
	int32_t fd;
	memcpy(&k, key, 4);
	user_val(m, value, &ifindex, &fd);
	if (flags > BPFRT_EXIST || !ifindex)
		return -EINVAL;
	/* Asked before the lock (it is a system call); reported in the
	 * kernel's order, after EEXIST. */
	int target_err = dev_target_ok(ifindex, fd);
	spin_lock(&d->lock);
	struct dh_elem *old = dh_find(d, k), *e = NULL;
	int err = 0;
	if (old && flags == BPFRT_NOEXIST)
		err = -EEXIST;
	else if (target_err)
		err = target_err;
	else if (!old && d->items >= m->max_entries)
		err = -E2BIG;
	else if (!(e = dh_get_elem(d)))
		err = -ENOMEM;
	if (err) {
		spin_unlock(&d->lock);
		return err;
	}
	/* A new element replaces the old one, as in the kernel: a program
	 * holding the old value keeps reading it unchanged. */
	e->key = k;
	e->val = (struct dev_val){ ifindex, 0 };
	if (old)
		dh_unlink(d, old);
	else
		d->items++;
	struct dh_elem *_Atomic *b = dh_bucket(d, k);
	atomic_store_explicit(&e->next, atomic_load_explicit(b, memory_order_relaxed),
			      memory_order_relaxed);
	atomic_store_explicit(b, e, memory_order_release);
	if (old) {
		old->free_next = d->free_list;
		d->free_list = old;
	}
	spin_unlock(&d->lock);
	return 0;
}

static int dh_sys_delete(struct bpfrt_map *m, const void *key)
{
	struct devmap *d = m->priv;
	uint32_t k;
	memcpy(&k, key, 4);
	spin_lock(&d->lock);
	struct dh_elem *e = dh_find(d, k);
	if (e) {
		dh_unlink(d, e);
		d->items--;
		/* Its next still leads a concurrent reader along the chain
		 * until the element is reused. */
		e->free_next = d->free_list;
		d->free_list = e;
	}
	spin_unlock(&d->lock);
	return e ? 0 : -ENOENT;
}

/* Bucket order; a missing key restarts from the first (the kernel's). */
static int dh_get_next_key(struct bpfrt_map *m, const void *key, void *next)
{
	struct devmap *d = m->priv;
	uint32_t k = 0, b = 0;
	spin_lock(&d->lock);
	struct dh_elem *e = NULL;
	if (key) {
		memcpy(&k, key, 4);
		e = dh_find(d, k);
	}
	if (e) {
		struct dh_elem *n = atomic_load_explicit(&e->next, memory_order_relaxed);
		if (n) {
			memcpy(next, &n->key, 4);
			spin_unlock(&d->lock);
			return 0;
		}
		b = (uint32_t)((dh_bucket(d, k) - d->buckets) + 1);
	}
	for (; b < d->nbuckets; b++) {
		struct dh_elem *f = atomic_load_explicit(&d->buckets[b], memory_order_relaxed);
		if (f) {
			memcpy(next, &f->key, 4);
			spin_unlock(&d->lock);
			return 0;
		}
	}
	spin_unlock(&d->lock);
	return -ENOENT;
}

/* ---- both ------------------------------------------------------------- */

static int dev_sys_lookup(struct bpfrt_map *m, const void *key, void *value)
{
	const struct dev_val *v = m->ops->lookup(m, key, 0);
	if (!v)
		return -ENOENT;
	struct dev_val copy = { __atomic_load_n(&v->ifindex, __ATOMIC_RELAXED), v->prog_id };
	memcpy(value, &copy, m->value_size);
	return 0;
}

uint32_t bpfrt__devmap_ifindex(struct bpfrt_map *m, uint32_t key)
{
	const struct dev_val *v = m->ops->lookup(m, &key, 0);
	return v ? __atomic_load_n(&v->ifindex, __ATOMIC_RELAXED) : 0;
}

void bpfrt__devmap_for_each(struct bpfrt_map *m, void (*fn)(void *user, uint32_t ifindex),
			    void *user)
{
	struct devmap *d = m->priv;
	if (!is_hash(m)) {
		for (uint32_t i = 0; i < m->max_entries; i++) {
			uint32_t ifindex = bpfrt__devmap_ifindex(m, i);
			if (ifindex)
				fn(user, ifindex);
		}
		return;
	}
	for (uint32_t b = 0; b < d->nbuckets; b++)
		for (struct dh_elem *e = atomic_load_explicit(&d->buckets[b],
							      memory_order_acquire);
		     e; e = atomic_load_explicit(&e->next, memory_order_acquire))
			fn(user, __atomic_load_n(&e->val.ifindex, __ATOMIC_RELAXED));
}

const struct map_ops bpfrt__devmap_ops = {
	.check = dev_check,
	.alloc = dev_alloc,
	.free = dev_free,
	.lookup = dev_lookup,
	.get_next_key = bpfrt__array_get_next_key,
	.sys_lookup = dev_sys_lookup,
	.sys_update = dev_sys_update,
	.sys_delete = dev_sys_delete,
};

const struct map_ops bpfrt__devmap_hash_ops = {
	.check = dev_check,
	.alloc = dev_alloc,
	.free = dev_free,
	.lookup = dh_lookup,
	.get_next_key = dh_get_next_key,
	.sys_lookup = dev_sys_lookup,
	.sys_update = dh_sys_update,
	.sys_delete = dh_sys_delete,
};
