/* SPDX-License-Identifier: MIT */
/*
 * Map helpers: element operations, queues, iteration, ring buffers, perf
 * output, tail calls, bpf_loop and spin locks.  Pointers handed to the
 * program (values, records) become regions a checked run may access.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "hl.h"

#define IS_MAP_IN_MAP(m) ((m)->type == BPFRT_MAP_TYPE_ARRAY_OF_MAPS ||		\
			  (m)->type == BPFRT_MAP_TYPE_HASH_OF_MAPS)

/* Let the program at a value it got from a map. */
static void hand_out_value(struct bpfrt_run_ctx *rc, struct bpfrt_map *m, void *v)
{
	if (!rc->checked || !v)
		return;
	if (IS_MAP_IN_MAP(m)) {
		bpfrt__vm_region_add(rc, v, 0, VM_REG_MAP, false);
		return;
	}
	if (!bpfrt__vm_region_ok(rc, (uintptr_t)v, m->value_size, false))
		bpfrt__vm_region_add(rc, v, m->value_size, VM_REG_MAPVAL,
				     !(m->map_flags & BPFRT_F_RDONLY_PROG));
}

HELPER(map_lookup_elem)
{
	struct bpfrt_map *m = PTR(a1);
	if (!hl_map(rc, "bpf_map_lookup_elem", a1) ||
	    !hl_mem(rc, "bpf_map_lookup_elem", "key", a2, m->key_size, false))
		return 0;
	void *v = bpfrt__map_lookup(m, PTR(a2), rc->cpu);
	hand_out_value(rc, m, v);
	return (uintptr_t)v;
}

HELPER(map_update_elem)
{
	struct bpfrt_map *m = PTR(a1);
	if (!hl_map(rc, "bpf_map_update_elem", a1) ||
	    !hl_mem(rc, "bpf_map_update_elem", "key", a2, m->key_size, false) ||
	    !hl_mem(rc, "bpf_map_update_elem", "value", a3, m->value_size, false))
		return 0;
	return ERR(bpfrt__map_update(m, PTR(a2), PTR(a3), a4, rc->cpu));
}

HELPER(map_delete_elem)
{
	struct bpfrt_map *m = PTR(a1);
	if (!hl_map(rc, "bpf_map_delete_elem", a1) ||
	    !hl_mem(rc, "bpf_map_delete_elem", "key", a2, m->key_size, false))
		return 0;
	return ERR(bpfrt__map_delete(m, PTR(a2), rc->cpu));
}

HELPER(map_push_elem)
{
	struct bpfrt_map *m = PTR(a1);
	if (!hl_map(rc, "bpf_map_push_elem", a1) ||
	    !hl_mem(rc, "bpf_map_push_elem", "value", a2, m->value_size, false))
		return 0;
	return ERR(bpfrt__map_push(m, PTR(a2), a3));
}

HELPER(map_pop_elem)
{
	struct bpfrt_map *m = PTR(a1);
	if (!hl_map(rc, "bpf_map_pop_elem", a1) ||
	    !hl_mem(rc, "bpf_map_pop_elem", "value", a2, m->value_size, true))
		return 0;
	return ERR(bpfrt__map_pop(m, PTR(a2)));
}

HELPER(map_peek_elem)
{
	struct bpfrt_map *m = PTR(a1);
	/* Bloom filters test membership with peek: the value is read. */
	bool wr = m && m->type != BPFRT_MAP_TYPE_BLOOM_FILTER;
	if (!hl_map(rc, "bpf_map_peek_elem", a1) ||
	    !hl_mem(rc, "bpf_map_peek_elem", "value", a2, m->value_size, wr))
		return 0;
	return ERR(bpfrt__map_peek(m, PTR(a2)));
}

struct each_state {
	struct bpfrt_run_ctx *rc;
	uint64_t fn, ctx;
	int err;
};

/* One element: the callback gets (map, key, value, ctx); key read-only
 * and value writable for the duration of the call. */
static long each_cb(struct bpfrt_map *m, void *key, void *value, void *c)
{
	struct each_state *st = c;
	struct bpfrt_run_ctx *rc = st->rc;
	bool had_val = !rc->checked ||
		       bpfrt__vm_region_ok(rc, (uintptr_t)value, m->value_size, false);
	bool had_key = !rc->checked ||
		       bpfrt__vm_region_ok(rc, (uintptr_t)key, m->key_size, false);
	if (!had_key)
		bpfrt__vm_region_add(rc, key, m->key_size, VM_REG_KEY, false);
	if (!had_val)
		bpfrt__vm_region_add(rc, value, m->value_size, VM_REG_MAPVAL,
				     !(m->map_flags & BPFRT_F_RDONLY_PROG));
	uint64_t args[5] = { (uintptr_t)m, (uintptr_t)key, (uintptr_t)value, st->ctx, 0 }, ret;
	int err = bpfrt__vm_callback(rc, st->fn, args, &ret);
	if (!had_key)
		bpfrt__vm_region_del(rc, key, VM_REG_KEY);
	if (!had_val)
		bpfrt__vm_region_del(rc, value, VM_REG_MAPVAL);
	if (err) {
		st->err = err;
		return 1;
	}
	return ret ? 1 : 0;
}

HELPER(for_each_map_elem)
{
	struct bpfrt_map *m = PTR(a1);
	if (!hl_map(rc, "bpf_for_each_map_elem", a1))
		return 0;
	if (a4)
		return ERR(-EINVAL);
	struct each_state st = { rc, a2, a3, 0 };
	long n = bpfrt__map_for_each(m, each_cb, &st, rc->cpu);
	return st.err ? 0 : ERR(n);
}

/* The kernel's BPF_MAX_LOOPS. */
#define MAX_LOOPS (1u << 23)

HELPER(loop)
{
	if (a4)
		return ERR(-EINVAL);
	if (a1 > MAX_LOOPS)
		return ERR(-E2BIG);
	for (uint64_t i = 0; i < a1; i++) {
		uint64_t args[5] = { i, a3, 0, 0, 0 }, ret;
		if (bpfrt__vm_callback(rc, a2, args, &ret))
			return 0;
		if (ret)
			return i + 1;
	}
	return a1;
}

/* The kernel checks the index, then the count (counting also calls that
 * find an empty slot), then the slot.  Any failure falls through to the
 * next instruction. */
HELPER(tail_call)
{
	struct bpfrt_map *m = PTR(a2);
	if (!hl_map(rc, "bpf_tail_call", a2))
		return 0;
	if (m->type != BPFRT_MAP_TYPE_PROG_ARRAY) {
		bpfrt__vm_helper_fault(rc, "bpf_tail_call", "map '%s' is not a prog array",
				       m->name);
		return 0;
	}
	if (rc->nested)		/* the kernel refuses tail calls in callbacks */
		return ERR(-EINVAL);
	uint32_t idx = (uint32_t)a3;
	if (idx >= m->max_entries || rc->tail_cnt >= VM_MAX_TAIL_CALLS)
		return ERR(-ENOENT);
	rc->tail_cnt++;
	const struct bpfrt_prog *p = bpfrt__map_prog_array_get(m, idx);
	if (!p)
		return ERR(-ENOENT);
	/* An unchecked run may only continue in code that is as safe: a
	 * verified program never runs an unverified one unchecked. */
	if (!rc->checked && (!p->ctx_native || (rc->prog->verified && !p->verified))) {
		bpfrt__vm_helper_fault(rc, "bpf_tail_call", "program '%s' in slot %u is not "
				       "verified: it cannot run unchecked", p->name, idx);
		return 0;
	}
	rc->tail_prog = p;
	rc->tail_ctx = a1;
	rc->pending = 1;
	return 0;
}

HELPER(ringbuf_reserve)
{
	struct bpfrt_map *m = PTR(a1);
	if (!hl_map(rc, "bpf_ringbuf_reserve", a1))
		return 0;
	void *p = bpfrt__ringbuf_reserve(m, a2, a3);
	if (p)
		bpfrt__vm_region_add(rc, p, a2, VM_REG_RINGBUF, true);
	return (uintptr_t)p;
}

static bool record_ok(struct bpfrt_run_ctx *rc, const char *h, uint64_t p)
{
	if (!rc->checked || bpfrt__vm_region_del(rc, PTR(p), VM_REG_RINGBUF))
		return true;
	bpfrt__vm_helper_fault(rc, h, "0x%llx is not a record reserved in this run",
			       (unsigned long long)p);
	return false;
}

HELPER(ringbuf_submit)
{
	if (record_ok(rc, "bpf_ringbuf_submit", a1))
		bpfrt__ringbuf_submit(PTR(a1), a2);
	return 0;
}

HELPER(ringbuf_discard)
{
	if (record_ok(rc, "bpf_ringbuf_discard", a1))
		bpfrt__ringbuf_discard(PTR(a1), a2);
	return 0;
}

HELPER(ringbuf_output)
{
	if (!hl_map(rc, "bpf_ringbuf_output", a1) ||
	    !hl_mem(rc, "bpf_ringbuf_output", "data", a2, a3, false))
		return 0;
	return ERR(bpfrt__ringbuf_output(PTR(a1), PTR(a2), a3, a4));
}

HELPER(ringbuf_query)
{
	if (!hl_map(rc, "bpf_ringbuf_query", a1))
		return 0;
	return bpfrt__ringbuf_query(PTR(a1), a2);
}

#define F_INDEX_MASK	0xffffffffULL
#define F_CTXLEN_MASK	(0xfffffULL << 32)

/* perf_event_output(ctx, map, flags, data, size): for packet programs the
 * upper half of flags asks for that many packet bytes after the data. */
HELPER(perf_event_output)
{
	if (!hl_map(rc, "bpf_perf_event_output", a2) ||
	    !hl_mem(rc, "bpf_perf_event_output", "data", a4, a5, false))
		return 0;
	if (a3 & ~(F_INDEX_MASK | F_CTXLEN_MASK))
		return ERR(-EINVAL);
	uint64_t ctxlen = (a3 & F_CTXLEN_MASK) >> 32;
	uint64_t flags = a3 & F_INDEX_MASK;
	if (!ctxlen)
		return ERR(bpfrt__perf_event_output(PTR(a2), flags, PTR(a4), a5, rc->cpu));
	struct bpfrt_hook *h = rc->hook;
	if (!h || ctxlen > (uint64_t)(h->end - h->data))
		return ERR(-EFAULT);
	uint8_t *buf = malloc(a5 + ctxlen);
	if (!buf)
		return ERR(-ENOMEM);
	memcpy(buf, PTR(a4), a5);
	memcpy(buf + a5, h->data, ctxlen);
	long r = bpfrt__perf_event_output(PTR(a2), flags, buf, a5 + ctxlen, rc->cpu);
	free(buf);
	return ERR(r);
}

/* struct bpf_spin_lock is one u32 inside a map value: a real lock, since
 * several threads may run programs on the same value. */
HELPER(spin_lock)
{
	if (!hl_mem(rc, "bpf_spin_lock", "lock", a1, 4, true))
		return 0;
	_Atomic uint32_t *l = PTR(a1);
	for (unsigned n = 0;; n++) {
		uint32_t z = 0;
		if (atomic_compare_exchange_weak_explicit(l, &z, 1, memory_order_acquire,
							  memory_order_relaxed))
			return 0;
		if (n > 64)
			sched_yield();
		else
			__builtin_ia32_pause();
	}
}

HELPER(spin_unlock)
{
	if (!hl_mem(rc, "bpf_spin_unlock", "lock", a1, 4, true))
		return 0;
	atomic_store_explicit((_Atomic uint32_t *)PTR(a1), 0, memory_order_release);
	return 0;
}
