/* SPDX-License-Identifier: MIT */
/*
 * Queue (FIFO) and stack (LIFO): a ring of max_entries + 1 value slots
 * (one always empty, to tell full from empty) under a spinlock.  Values
 * are copied in and out, never handed out by pointer.
 */
#include <stdlib.h>

#include "core/common.h"
#include "map_internal.h"

struct qs {
	struct spin lock;
	uint32_t head, tail, size;	/* head: next write; tail: oldest */
	uint8_t *elems;
};

static int qs_check(const struct map_attr *a)
{
	if (!a->max_entries || a->key_size || !a->value_size ||
	    (a->map_flags & ~(BPFRT_F_NUMA_NODE | BPFRT_F_ACCESS_MASK)) ||
	    !map_flags_access_ok(a->map_flags))
		return -EINVAL;
	if (a->value_size > BPFRT_KMALLOC_MAX)
		return -E2BIG;
	return 0;
}

static int qs_alloc(struct bpfrt_map *m)
{
	struct qs *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->size = m->max_entries + 1;
	if (!q->size || !(q->elems = calloc(q->size, m->value_size))) {
		free(q);
		return -ENOMEM;
	}
	spin_init(&q->lock);
	m->priv = q;
	return 0;
}

static void qs_free(struct bpfrt_map *m)
{
	struct qs *q = m->priv;
	if (q) {
		free(q->elems);
		free(q);
	}
}

static bool is_full(struct qs *q)
{
	uint32_t h = q->head + 1;
	if (h >= q->size)
		h = 0;
	return h == q->tail;
}

static long qs_push(struct bpfrt_map *m, const void *value, uint64_t flags)
{
	struct qs *q = m->priv;
	long err = 0;
	if ((flags & BPFRT_NOEXIST) || flags > BPFRT_EXIST)
		return -EINVAL;
	spin_lock(&q->lock);
	if (is_full(q)) {
		if (flags != BPFRT_EXIST) {
			err = -E2BIG;
			goto out;
		}
		/* BPF_EXIST: make room by dropping the oldest element. */
		if (++q->tail >= q->size)
			q->tail = 0;
	}
	memcpy(q->elems + (size_t)q->head * m->value_size, value, m->value_size);
	if (++q->head >= q->size)
		q->head = 0;
out:
	spin_unlock(&q->lock);
	return err;
}

static long queue_get(struct bpfrt_map *m, void *value, bool remove)
{
	struct qs *q = m->priv;
	long err = 0;
	spin_lock(&q->lock);
	if (q->head == q->tail) {
		err = -ENOENT;
		goto out;
	}
	memcpy(value, q->elems + (size_t)q->tail * m->value_size, m->value_size);
	if (remove && ++q->tail >= q->size)
		q->tail = 0;
out:
	spin_unlock(&q->lock);
	return err;
}

static long stack_get(struct bpfrt_map *m, void *value, bool remove)
{
	struct qs *q = m->priv;
	long err = 0;
	spin_lock(&q->lock);
	if (q->head == q->tail) {
		err = -ENOENT;
		goto out;
	}
	uint32_t i = q->head ? q->head - 1 : q->size - 1;
	memcpy(value, q->elems + (size_t)i * m->value_size, m->value_size);
	if (remove)
		q->head = i;
out:
	spin_unlock(&q->lock);
	return err;
}

static long queue_pop(struct bpfrt_map *m, void *v) { return queue_get(m, v, true); }
static long queue_peek(struct bpfrt_map *m, void *v) { return queue_get(m, v, false); }
static long stack_pop(struct bpfrt_map *m, void *v) { return stack_get(m, v, true); }
static long stack_peek(struct bpfrt_map *m, void *v) { return stack_get(m, v, false); }

/* The kernel answers these for queues and stacks with -EINVAL. */
static long qs_delete(struct bpfrt_map *m, const void *key)
{
	(void)m; (void)key;
	return -EINVAL;
}

static int qs_get_next_key(struct bpfrt_map *m, const void *key, void *next)
{
	(void)m; (void)key; (void)next;
	return -EINVAL;
}

const struct map_ops bpfrt__queue_ops = {
	.check = qs_check,
	.alloc = qs_alloc,
	.free = qs_free,
	.delete = qs_delete,
	.get_next_key = qs_get_next_key,
	.push = qs_push,
	.pop = queue_pop,
	.peek = queue_peek,
};

const struct map_ops bpfrt__stack_ops = {
	.check = qs_check,
	.alloc = qs_alloc,
	.free = qs_free,
	.delete = qs_delete,
	.get_next_key = qs_get_next_key,
	.push = qs_push,
	.pop = stack_pop,
	.peek = stack_peek,
};
