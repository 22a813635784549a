/* SPDX-License-Identifier: MIT */
/*
 * perf_event_array and its reader.
 *
 * In the kernel each slot of the map holds a perf event whose ring buffer
 * user space mmaps.  Here the reader creates one buffer per slot
 * (0 .. min(max_entries, num_cpus) - 1, libbpf's perf_buffer layout) and
 * installs it in the map; bpf_perf_event_output(map, BPF_F_CURRENT_CPU)
 * writes to the running CPU's slot.
 *
 * A buffer is a byte ring of page_cnt pages: records { u32 size; u32 pad }
 * followed by the data padded to 8 bytes.  Producers on the same slot are
 * serialised by a spinlock; a record that does not fit is dropped and
 * counted, and the reader reports the count through its lost callback.
 * Each buffer has an eventfd, written when a record lands in a buffer the
 * reader had drained (it may be sleeping in poll).
 */
#include <poll.h>
#include <stdalign.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/common.h"
#include "map_internal.h"

struct pbuf {
	struct spin lock;
	int efd;
	uint8_t *data;
	uint64_t mask;
	_Atomic uint64_t lost;
	alignas(64) _Atomic uint64_t head;	/* producers */
	alignas(64) _Atomic uint64_t tail;	/* reader */
};

struct perf_arr {
	pthread_mutex_t lock;
	bool has_reader;
	struct pbuf *_Atomic *slots;
};

static int perf_alloc(struct bpfrt_map *m)
{
	struct perf_arr *pa = calloc(1, sizeof(*pa));
	if (!pa)
		return -ENOMEM;
	pa->slots = calloc(m->max_entries, sizeof(*pa->slots));
	if (!pa->slots) {
		free(pa);
		return -ENOMEM;
	}
	pthread_mutex_init(&pa->lock, NULL);
	m->priv = pa;
	return 0;
}

static void pbuf_free(void *p)
{
	struct pbuf *b = p;
	close(b->efd);
	free(b->data);
	free(b);
}

static void perf_free(struct bpfrt_map *m)
{
	struct perf_arr *pa = m->priv;
	if (!pa)
		return;
	for (uint32_t i = 0; i < m->max_entries; i++)
		if (pa->slots[i])
			pbuf_free(pa->slots[i]);
	pthread_mutex_destroy(&pa->lock);
	free(pa->slots);
	free(pa);
}

const struct map_ops bpfrt__perf_event_array_ops = {
	.check = bpfrt__fd_array_check,
	.alloc = perf_alloc,
	.free = perf_free,
	.get_next_key = bpfrt__array_get_next_key,
};

static void ring_copy_in(struct pbuf *b, uint64_t pos, const void *src, size_t n)
{
	size_t off = (size_t)(pos & b->mask), first = (size_t)(b->mask + 1) - off;
	if (first > n)
		first = n;
	memcpy(b->data + off, src, first);
	memcpy(b->data, (const uint8_t *)src + first, n - first);
}

long bpfrt__perf_event_output(struct bpfrt_map *m, uint64_t flags, const void *data,
			      uint64_t size, unsigned cpu)
{
	if (!m || m->type != BPFRT_MAP_TYPE_PERF_EVENT_ARRAY)
		return -EINVAL;
	if (flags & ~BPFRT_F_INDEX_MASK)
		return -EINVAL;
	uint64_t index = flags == BPFRT_F_CURRENT_CPU ? cpu : flags;
	if (index >= m->max_entries)
		return -E2BIG;
	struct perf_arr *pa = m->priv;
	struct pbuf *b = atomic_load_explicit(&pa->slots[index], memory_order_acquire);
	if (!b)
		return -ENOENT;
	/* The reader opens slot i's buffer for CPU i, as a perf event is bound
	 * to one CPU; the kernel refuses output into another CPU's event. */
	if (index != cpu)
		return -EOPNOTSUPP;
	uint64_t need = 8 + round_up8(size);
	if (size > UINT32_MAX - 8 || need > b->mask + 1) {
		atomic_fetch_add(&b->lost, 1);
		return -ENOSPC;
	}
	spin_lock(&b->lock);
	uint64_t head = atomic_load_explicit(&b->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&b->tail, memory_order_acquire);
	if (need > b->mask + 1 - (head - tail)) {
		spin_unlock(&b->lock);
		atomic_fetch_add(&b->lost, 1);
		return -ENOSPC;
	}
	uint32_t hdr[2] = { (uint32_t)size, 0 };
	memcpy(b->data + (head & b->mask), hdr, 8);	/* 8-aligned: never wraps */
	ring_copy_in(b, head + 8, data, size);
	/* seq_cst publish, then check where the reader is (it stores tail and
	 * then loads head): either it sees this record or we see that it had
	 * drained everything and wake it. */
	atomic_store(&b->head, head + need);
	spin_unlock(&b->lock);
	if (atomic_load(&b->tail) == head) {
		uint64_t one = 1;
		ssize_t w = write(b->efd, &one, sizeof(one));
		(void)w;
	}
	return 0;
}

/* ---- reader ------------------------------------------------------------ */

struct bpfrt_perf_reader {
	struct bpfrt_map *map;
	uint32_t n;
	struct pbuf **bufs;
	struct pollfd *pfds;
	bpfrt_perf_sample_fn sample;
	bpfrt_perf_lost_fn lost;
	void *user;
	uint8_t *tmp;		/* reassembles records that wrap */
	size_t tmp_size;
};

BPFRT_API struct bpfrt_perf_reader *
bpfrt_perf_reader__new(struct bpfrt_map *map, size_t page_cnt,
		       bpfrt_perf_sample_fn sample, bpfrt_perf_lost_fn lost, void *user)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	if (!map || map->type != BPFRT_MAP_TYPE_PERF_EVENT_ARRAY || !sample || !page_cnt ||
	    (page_cnt & (page_cnt - 1)) || page_cnt > (1u << 20)) {
		errno = EINVAL;
		return NULL;
	}
	struct perf_arr *pa = map->priv;
	struct bpfrt_perf_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->n = map->max_entries < map->ncpus ? map->max_entries : map->ncpus;
	r->sample = sample;
	r->lost = lost;
	r->user = user;
	r->tmp_size = page_cnt * ps;
	r->bufs = calloc(r->n, sizeof(*r->bufs));
	r->pfds = calloc(r->n, sizeof(*r->pfds));
	r->tmp = malloc(r->tmp_size);
	if (!r->bufs || !r->pfds || !r->tmp)
		goto enomem;
	for (uint32_t i = 0; i < r->n; i++) {
		struct pbuf *b = calloc(1, sizeof(*b));
		if (!b)
			goto enomem;
		r->bufs[i] = b;
		b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		b->data = malloc(page_cnt * ps);
		b->mask = page_cnt * ps - 1;
		spin_init(&b->lock);
		if (b->efd < 0 || !b->data)
			goto enomem;
		r->pfds[i] = (struct pollfd){ .fd = b->efd, .events = POLLIN };
	}
	pthread_mutex_lock(&pa->lock);
	if (pa->has_reader) {
		pthread_mutex_unlock(&pa->lock);
		errno = EBUSY;
		goto fail;
	}
	pa->has_reader = true;
	for (uint32_t i = 0; i < r->n; i++)
		atomic_store_explicit(&pa->slots[i], r->bufs[i], memory_order_release);
	pthread_mutex_unlock(&pa->lock);
	r->map = bpfrt_map__get(map);
	return r;
enomem:
	errno = ENOMEM;
fail:
	for (uint32_t i = 0; r->bufs && i < r->n; i++)
		if (r->bufs[i]) {
			if (r->bufs[i]->efd >= 0)
				close(r->bufs[i]->efd);
			free(r->bufs[i]->data);
			free(r->bufs[i]);
		}
	free(r->bufs);
	free(r->pfds);
	free(r->tmp);
	free(r);
	return NULL;
}

static int read_buf(struct bpfrt_perf_reader *r, uint32_t cpu)
{
	struct pbuf *b = r->bufs[cpu];
	uint64_t tail = atomic_load_explicit(&b->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&b->head, memory_order_acquire);
	int cnt = 0;
	while (tail < head) {
		uint32_t hdr[2];
		memcpy(hdr, b->data + (tail & b->mask), 8);
		size_t off = (size_t)((tail + 8) & b->mask), size = hdr[0];
		void *p = b->data + off;
		if (off + size > b->mask + 1) {
			size_t first = (size_t)(b->mask + 1) - off;
			memcpy(r->tmp, p, first);
			memcpy(r->tmp + first, b->data, size - first);
			p = r->tmp;
		}
		r->sample(r->user, (int)cpu, p, (uint32_t)size);
		cnt++;
		tail += 8 + round_up8(size);
		atomic_store(&b->tail, tail);
		head = atomic_load(&b->head);
	}
	uint64_t lost = atomic_exchange(&b->lost, 0);
	if (lost && r->lost)
		r->lost(r->user, (int)cpu, lost);
	return cnt;
}

static int consume_all(struct bpfrt_perf_reader *r)
{
	int n = 0;
	for (uint32_t i = 0; i < r->n; i++)
		n += read_buf(r, i);
	return n;
}

BPFRT_API int bpfrt_perf_reader__poll(struct bpfrt_perf_reader *r, int timeout_ms)
{
	if (!r)
		return -EINVAL;
	int n = consume_all(r);
	if (n)
		return n;
	int pr = poll(r->pfds, r->n, timeout_ms);
	if (pr < 0)
		return errno == EINTR ? 0 : -errno;
	for (uint32_t i = 0; i < r->n; i++) {
		uint64_t v;
		if (r->pfds[i].revents & POLLIN) {
			ssize_t rd = read(r->pfds[i].fd, &v, sizeof(v));
			(void)rd;
		}
	}
	return consume_all(r);
}

BPFRT_API void bpfrt_perf_reader__free(struct bpfrt_perf_reader *r)
{
	if (!r)
		return;
	struct bpfrt_map *m = r->map;
	struct perf_arr *pa = m->priv;
	pthread_mutex_lock(&pa->lock);
	for (uint32_t i = 0; i < r->n; i++) {
		atomic_store(&pa->slots[i], NULL);
		/* A program may be writing into it right now. */
		bpfrt__map_defer_release(m, r->bufs[i], pbuf_free);
	}
	pa->has_reader = false;
	pthread_mutex_unlock(&pa->lock);
	free(r->bufs);
	free(r->pfds);
	free(r->tmp);
	free(r);
	bpfrt_map__put(m);
}
