/* SPDX-License-Identifier: MIT */
/*
 * LPM trie: longest-prefix match over keys { u32 prefixlen; u8 data[] }
 * (data in network order, bits compared most significant first).
 *
 * A binary path-compressed trie with the same shape rules as the kernel's
 * (so get_next_key walks keys in the same order): each node holds a prefix;
 * "intermediate" nodes exist only to join two subtrees that diverge at a
 * bit, always have two children and carry no value.  get_next_key is a
 * post-order walk (more specific prefixes before less specific ones).
 *
 * Writers take the write side of a rwlock, lookups the read side.  Nodes
 * are recycled through a free list and only freed with the map, so a value
 * pointer a program holds stays valid memory.
 */
#include <stdlib.h>

#include "core/common.h"
#include "map_internal.h"

#define LPM_IM 1u	/* intermediate node */

struct lpm_node {
	struct lpm_node *child[2];
	struct lpm_node *all_next;	/* every node ever allocated */
	uint32_t prefixlen;
	uint32_t flags;
	uint8_t mem[];			/* value (round_up 8), then data */
};

struct lpm {
	pthread_rwlock_t lock;
	struct lpm_node *root;
	struct lpm_node *free_list;	/* linked through child[0] */
	struct lpm_node *all;
	uint32_t n_entries;
	uint32_t data_size, max_prefixlen;
};

static inline uint8_t *ndata(struct bpfrt_map *m, struct lpm_node *n)
{
	return n->mem + m->elem_size;
}

static int lpm_check(const struct map_attr *a)
{
	const uint32_t mask = BPFRT_F_NO_PREALLOC | BPFRT_F_NUMA_NODE | BPFRT_F_ACCESS_MASK;
	if (!a->max_entries || !(a->map_flags & BPFRT_F_NO_PREALLOC) ||
	    (a->map_flags & ~mask) || !map_flags_access_ok(a->map_flags) ||
	    a->key_size < 5 || a->key_size > 4 + 256 || !a->value_size ||
	    a->value_size > BPFRT_KMALLOC_MAX - 256 - sizeof(struct lpm_node))
		return -EINVAL;
	return 0;
}

static int lpm_alloc(struct bpfrt_map *m)
{
	struct lpm *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	pthread_rwlock_init(&t->lock, NULL);
	t->data_size = m->key_size - 4;
	t->max_prefixlen = t->data_size * 8;
	m->priv = t;
	return 0;
}

static void lpm_free(struct bpfrt_map *m)
{
	struct lpm *t = m->priv;
	if (!t)
		return;
	for (struct lpm_node *n = t->all, *nx; n; n = nx) {
		nx = n->all_next;
		free(n);
	}
	pthread_rwlock_destroy(&t->lock);
	free(t);
}

static struct lpm_node *node_new(struct bpfrt_map *m, struct lpm *t)
{
	struct lpm_node *n = t->free_list;
	if (n) {
		t->free_list = n->child[0];
	} else {
		n = aligned_alloc(8, round_up8(sizeof(*n) + m->elem_size + t->data_size));
		if (!n)
			return NULL;
		n->all_next = t->all;
		t->all = n;
	}
	n->child[0] = n->child[1] = NULL;
	n->flags = 0;
	return n;
}

static void node_recycle(struct lpm *t, struct lpm_node *n)
{
	n->child[0] = t->free_list;
	n->child[1] = NULL;
	t->free_list = n;
}

static inline unsigned extract_bit(const uint8_t *data, uint32_t i)
{
	return (data[i / 8] >> (7 - i % 8)) & 1;
}

/* Number of leading bits node and key share, at most the shorter prefix. */
static uint32_t match_len(struct bpfrt_map *m, struct lpm_node *n, uint32_t kplen,
			  const uint8_t *kdata)
{
	uint32_t limit = n->prefixlen < kplen ? n->prefixlen : kplen, i = 0;
	const uint8_t *nd = ndata(m, n);
	while (i < limit) {
		uint8_t diff = nd[i / 8] ^ kdata[i / 8];
		if (!diff) {
			i += 8;
			continue;
		}
		i += (uint32_t)__builtin_clz((unsigned)diff) - 24;
		break;
	}
	return i < limit ? i : limit;
}

static void key_parts(const void *key, uint32_t *plen, const uint8_t **data)
{
	memcpy(plen, key, 4);
	*data = (const uint8_t *)key + 4;
}

static struct lpm_node *lpm_find(struct bpfrt_map *m, struct lpm *t, const void *key)
{
	uint32_t plen;
	const uint8_t *kd;
	struct lpm_node *found = NULL;
	key_parts(key, &plen, &kd);
	if (plen > t->max_prefixlen)
		return NULL;
	for (struct lpm_node *n = t->root; n;) {
		uint32_t ml = match_len(m, n, plen, kd);
		if (ml == t->max_prefixlen) {
			found = n;
			break;
		}
		if (ml < n->prefixlen)
			break;
		if (!(n->flags & LPM_IM))
			found = n;
		n = n->child[extract_bit(kd, n->prefixlen)];
	}
	return found;
}

static void *lpm_lookup(struct bpfrt_map *m, const void *key, unsigned cpu)
{
	struct lpm *t = m->priv;
	(void)cpu;
	pthread_rwlock_rdlock(&t->lock);
	struct lpm_node *n = lpm_find(m, t, key);
	pthread_rwlock_unlock(&t->lock);
	return n ? n->mem : NULL;
}

static int lpm_sys_lookup(struct bpfrt_map *m, const void *key, void *value)
{
	struct lpm *t = m->priv;
	pthread_rwlock_rdlock(&t->lock);
	struct lpm_node *n = lpm_find(m, t, key);
	if (n)
		memcpy(value, n->mem, m->value_size);
	pthread_rwlock_unlock(&t->lock);
	return n ? 0 : -ENOENT;
}

/* The kernel's rule for taking one more entry. */
static int check_add(struct bpfrt_map *m, struct lpm *t, uint64_t flags)
{
	if (flags == BPFRT_EXIST)
		return -ENOENT;
	if (t->n_entries == m->max_entries)
		return -ENOSPC;
	t->n_entries++;
	return 0;
}

static void fill(struct bpfrt_map *m, struct lpm_node *n, uint32_t plen, const uint8_t *kd,
		 const void *value)
{
	n->prefixlen = plen;
	memcpy(ndata(m, n), kd, m->key_size - 4);
	memcpy(n->mem, value, m->value_size);
	memset(n->mem + m->value_size, 0, m->elem_size - m->value_size);
}

static long lpm_update(struct bpfrt_map *m, const void *key, const void *value,
		       uint64_t flags, unsigned cpu)
{
	struct lpm *t = m->priv;
	uint32_t plen;
	const uint8_t *kd;
	long err = 0;
	(void)cpu;

	if (flags > BPFRT_EXIST)
		return -EINVAL;
	key_parts(key, &plen, &kd);
	if (plen > t->max_prefixlen)
		return -EINVAL;

	pthread_rwlock_wrlock(&t->lock);
	struct lpm_node **slot = &t->root, *n, *nn, *im;
	uint32_t ml = 0;
	while ((n = *slot)) {
		ml = match_len(m, n, plen, kd);
		if (n->prefixlen != ml || n->prefixlen == plen)
			break;
		slot = &n->child[extract_bit(kd, n->prefixlen)];
	}
	if (!n) {		/* empty slot */
		if ((err = check_add(m, t, flags)))
			goto out;
		if (!(nn = node_new(m, t))) {
			t->n_entries--;
			err = -ENOMEM;
			goto out;
		}
		fill(m, nn, plen, kd, value);
		*slot = nn;
		goto out;
	}
	if (n->prefixlen == ml) {	/* same prefix: replace in place */
		if (!(n->flags & LPM_IM)) {
			if (flags == BPFRT_NOEXIST) {
				err = -EEXIST;
				goto out;
			}
		} else if ((err = check_add(m, t, flags))) {
			goto out;
		}
		fill(m, n, plen, kd, value);
		n->flags = 0;
		goto out;
	}
	if ((err = check_add(m, t, flags)))
		goto out;
	if (!(nn = node_new(m, t))) {
		t->n_entries--;
		err = -ENOMEM;
		goto out;
	}
	fill(m, nn, plen, kd, value);
	if (ml == plen) {	/* the new prefix contains n: becomes its parent */
		nn->child[extract_bit(ndata(m, n), ml)] = n;
		*slot = nn;
		goto out;
	}
	/* They diverge at bit ml: join them under an intermediate node. */
	if (!(im = node_new(m, t))) {
		node_recycle(t, nn);
		t->n_entries--;
		err = -ENOMEM;
		goto out;
	}
	im->prefixlen = ml;
	im->flags = LPM_IM;
	memcpy(ndata(m, im), ndata(m, n), t->data_size);
	if (extract_bit(kd, ml)) {
		im->child[0] = n;
		im->child[1] = nn;
	} else {
		im->child[0] = nn;
		im->child[1] = n;
	}
	*slot = im;
out:
	pthread_rwlock_unlock(&t->lock);
	return err;
}

static int lpm_sys_update(struct bpfrt_map *m, const void *key, const void *value,
			  uint64_t flags)
{
	return (int)lpm_update(m, key, value, flags, 0);
}

static long lpm_delete(struct bpfrt_map *m, const void *key)
{
	struct lpm *t = m->priv;
	uint32_t plen;
	const uint8_t *kd;
	long err = 0;

	key_parts(key, &plen, &kd);
	if (plen > t->max_prefixlen)
		return -EINVAL;
	pthread_rwlock_wrlock(&t->lock);
	struct lpm_node **trim = &t->root, **trim2 = trim, *n, *parent = NULL;
	uint32_t ml = 0;
	while ((n = *trim)) {
		ml = match_len(m, n, plen, kd);
		if (n->prefixlen != ml || n->prefixlen == plen)
			break;
		parent = n;
		trim2 = trim;
		trim = &n->child[extract_bit(kd, n->prefixlen)];
	}
	if (!n || n->prefixlen != plen || n->prefixlen != ml || (n->flags & LPM_IM)) {
		err = -ENOENT;
		goto out;
	}
	t->n_entries--;
	if (n->child[0] && n->child[1]) {
		/* Still needed as a junction. */
		n->flags |= LPM_IM;
		goto out;
	}
	if (parent && (parent->flags & LPM_IM) && !n->child[0] && !n->child[1]) {
		/* The junction above loses its purpose: its other child
		 * takes its place. */
		*trim2 = parent->child[n == parent->child[0] ? 1 : 0];
		node_recycle(t, parent);
		node_recycle(t, n);
		goto out;
	}
	*trim = n->child[0] ? n->child[0] : n->child[1];
	node_recycle(t, n);
out:
	pthread_rwlock_unlock(&t->lock);
	return err;
}

static int lpm_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
	struct lpm *t = m->priv;
	struct lpm_node *n, *next = NULL, *search_root, **stack = NULL;
	int err = 0, sp = -1;

	pthread_rwlock_rdlock(&t->lock);
	search_root = t->root;
	if (!search_root) {
		err = -ENOENT;
		goto out;
	}
	uint32_t plen = 0;
	const uint8_t *kd = NULL;
	if (key)
		key_parts(key, &plen, &kd);
	if (!key || plen > t->max_prefixlen)
		goto leftmost;

	stack = malloc((t->max_prefixlen + 1) * sizeof(*stack));
	if (!stack) {
		err = -ENOMEM;
		goto out;
	}
	uint32_t ml = 0;
	for (n = search_root; n;) {
		stack[++sp] = n;
		ml = match_len(m, n, plen, kd);
		if (n->prefixlen != ml || n->prefixlen == plen)
			break;
		n = n->child[extract_bit(kd, n->prefixlen)];
	}
	if (!n || n->prefixlen != ml || (n->flags & LPM_IM))
		goto leftmost;	/* not in the trie: start from the first key */

	/* Post-order successor: the right sibling subtree's first node, else
	 * the first real ancestor. */
	n = stack[sp];
	while (sp > 0) {
		struct lpm_node *p = stack[sp - 1];
		if (p->child[0] == n && p->child[1]) {
			search_root = p->child[1];
			goto leftmost;
		}
		if (!(p->flags & LPM_IM)) {
			next = p;
			goto copy;
		}
		n = p;
		sp--;
	}
	err = -ENOENT;
	goto out;

leftmost:
	for (n = search_root; n;) {
		if (n->flags & LPM_IM) {
			n = n->child[0];
		} else {
			next = n;
			n = n->child[0] ? n->child[0] : n->child[1];
		}
	}
copy:
	memcpy(next_key, &next->prefixlen, 4);
	memcpy((uint8_t *)next_key + 4, ndata(m, next), t->data_size);
out:
	pthread_rwlock_unlock(&t->lock);
	free(stack);
	return err;
}

const struct map_ops bpfrt__lpm_trie_ops = {
	.check = lpm_check,
	.alloc = lpm_alloc,
	.free = lpm_free,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.delete = lpm_delete,
	.get_next_key = lpm_get_next_key,
	.sys_lookup = lpm_sys_lookup,
	.sys_update = lpm_sys_update,
};
