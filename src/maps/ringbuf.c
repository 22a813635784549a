/* SPDX-License-Identifier: MIT */
/*
 * BPF ring buffer (BPF_MAP_TYPE_RINGBUF) and its consumer.
 *
 * Same record format and protocol as the kernel's: positions grow without
 * bound and are masked into the data area; each record starts with an
 * 8-byte header { u32 len; u32 pg_off } where len carries the BUSY bit
 * (reserved, not yet committed) and the DISCARD bit; records are 8-byte
 * aligned.  Producers reserve under a spinlock (reservation order is the
 * order the consumer sees) and commit without it, in any order; the
 * consumer stops at the first busy record and skips discarded ones.
 *
 * The data pages are mapped twice back to back (one memfd, two mappings),
 * as the kernel does, so a record that wraps around the end is still one
 * contiguous span for both the program and the consumer.  The control
 * block sits in the page just before the data; pg_off in a record header
 * is the distance in pages from the header back to it, which is how
 * submit/discard find the ring from the sample pointer alone.
 *
 * Wakeups: an eventfd per ring, written when a commit lands where the
 * consumer currently is (it has caught up and may be sleeping), or always
 * with BPF_RB_FORCE_WAKEUP, never with BPF_RB_NO_WAKEUP.
 */
#include <poll.h>
#include <stdalign.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/common.h"
#include "map_internal.h"

#define RB_MAX_RECORD	(UINT32_MAX / 4)

struct rb_hdr {
	_Atomic uint32_t len;
	uint32_t pg_off;
};

struct rb {
	struct bpfrt_map *map;
	uint8_t *data;
	uint64_t mask;
	size_t region_size;
	int efd;
	struct spin lock;
	uint64_t pending_pos;		/* under lock */
	alignas(64) _Atomic uint64_t consumer_pos;
	alignas(64) _Atomic uint64_t producer_pos;
};

static size_t page_size(void)
{
	static size_t ps;
	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

static int rb_check(const struct map_attr *a)
{
	uint64_t n = a->max_entries;
	if (a->map_flags & ~BPFRT_F_NUMA_NODE)
		return -EINVAL;
	if (a->key_size || a->value_size || !n || (n & (n - 1)) || n % page_size())
		return -EINVAL;
	return 0;
}

static int rb_alloc(struct bpfrt_map *m)
{
	size_t ps = page_size(), size = m->max_entries;
	size_t region = ps + 2 * size;
	int fd = -1;
	uint8_t *base = mmap(NULL, region, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -ENOMEM;
	if (mmap(base, ps, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0) == MAP_FAILED)
		goto fail;
	fd = memfd_create("bpfrt-ringbuf", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size))
		goto fail;
	if (mmap(base + ps, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, fd, 0) ==
		    MAP_FAILED ||
	    mmap(base + ps + size, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, fd, 0) ==
		    MAP_FAILED)
		goto fail;
	close(fd);
	fd = -1;

	_Static_assert(sizeof(struct rb) <= 4096, "control block must fit a page");
	struct rb *r = (struct rb *)base;
	r->map = m;
	r->data = base + ps;
	r->mask = size - 1;
	r->region_size = region;
	spin_init(&r->lock);
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0)
		goto fail;
	m->priv = r;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	munmap(base, region);
	return -ENOMEM;
}

static void rb_free(struct bpfrt_map *m)
{
	struct rb *r = m->priv;
	if (!r)
		return;
	close(r->efd);
	munmap(r, r->region_size);
}

const struct map_ops bpfrt__ringbuf_ops = {
	.check = rb_check,
	.alloc = rb_alloc,
	.free = rb_free,
};

static inline uint64_t rec_size(uint32_t len)
{
	return round_up8((uint64_t)(len & ~(BPFRT_RINGBUF_BUSY_BIT | BPFRT_RINGBUF_DISCARD_BIT)) +
			 BPFRT_RINGBUF_HDR_SZ);
}

void *bpfrt__ringbuf_reserve(struct bpfrt_map *m, uint64_t size, uint64_t flags)
{
	if (!m || m->type != BPFRT_MAP_TYPE_RINGBUF || flags || size > RB_MAX_RECORD)
		return NULL;
	struct rb *r = m->priv;
	uint64_t len = round_up8(size + BPFRT_RINGBUF_HDR_SZ);
	if (len > r->mask + 1)
		return NULL;

	spin_lock(&r->lock);
	uint64_t cons = atomic_load_explicit(&r->consumer_pos, memory_order_acquire);
	uint64_t prod = atomic_load_explicit(&r->producer_pos, memory_order_relaxed);
	uint64_t pend = r->pending_pos;
	/* Move past committed records: the oldest uncommitted one bounds how
	 * far ahead producers may run, as in the kernel. */
	while (pend < prod) {
		struct rb_hdr *h = (struct rb_hdr *)(r->data + (pend & r->mask));
		uint32_t l = atomic_load_explicit(&h->len, memory_order_acquire);
		if (l & BPFRT_RINGBUF_BUSY_BIT)
			break;
		pend += rec_size(l);
	}
	r->pending_pos = pend;
	uint64_t new_prod = prod + len;
	if (new_prod - cons > r->mask || new_prod - pend > r->mask) {
		spin_unlock(&r->lock);
		return NULL;
	}
	struct rb_hdr *h = (struct rb_hdr *)(r->data + (prod & r->mask));
	uintptr_t hpage = (uintptr_t)h & ~(uintptr_t)(page_size() - 1);
	h->pg_off = (uint32_t)((hpage - (uintptr_t)r) / page_size());
	atomic_store_explicit(&h->len, (uint32_t)size | BPFRT_RINGBUF_BUSY_BIT,
			      memory_order_relaxed);
	atomic_store_explicit(&r->producer_pos, new_prod, memory_order_release);
	spin_unlock(&r->lock);
	return h + 1;
}

static void wake(struct rb *r)
{
	uint64_t one = 1;
	ssize_t n = write(r->efd, &one, sizeof(one));
	(void)n;	/* EAGAIN: the counter is already non-zero, fine */
}

static void commit(void *sample, uint64_t flags, bool discard)
{
	struct rb_hdr *h = (struct rb_hdr *)sample - 1;
	uintptr_t hpage = (uintptr_t)h & ~(uintptr_t)(page_size() - 1);
	struct rb *r = (struct rb *)(hpage - (uintptr_t)h->pg_off * page_size());
	uint32_t l = atomic_load_explicit(&h->len, memory_order_relaxed) & ~BPFRT_RINGBUF_BUSY_BIT;
	if (discard)
		l |= BPFRT_RINGBUF_DISCARD_BIT;
	/* seq_cst store then load, mirrored by the consumer's store of
	 * consumer_pos then load of the header: one of the two sides sees the
	 * other, so a sleeping consumer is never left without a wakeup. */
	atomic_store(&h->len, l);
	uint64_t rec_pos = (uint64_t)((uint8_t *)h - r->data);
	uint64_t cons = atomic_load(&r->consumer_pos) & r->mask;
	if (flags & BPFRT_RB_FORCE_WAKEUP)
		wake(r);
	else if (cons == rec_pos && !(flags & BPFRT_RB_NO_WAKEUP))
		wake(r);
}

void bpfrt__ringbuf_submit(void *sample, uint64_t flags) { commit(sample, flags, false); }
void bpfrt__ringbuf_discard(void *sample, uint64_t flags) { commit(sample, flags, true); }

long bpfrt__ringbuf_output(struct bpfrt_map *m, const void *data, uint64_t size,
			   uint64_t flags)
{
	if (flags & ~(uint64_t)(BPFRT_RB_NO_WAKEUP | BPFRT_RB_FORCE_WAKEUP))
		return -EINVAL;
	void *p = bpfrt__ringbuf_reserve(m, size, 0);
	if (!p)
		return -EAGAIN;
	memcpy(p, data, size);
	bpfrt__ringbuf_submit(p, flags);
	return 0;
}

uint64_t bpfrt__ringbuf_query(struct bpfrt_map *m, uint64_t flags)
{
	if (!m || m->type != BPFRT_MAP_TYPE_RINGBUF)
		return 0;
	struct rb *r = m->priv;
	uint64_t cons = atomic_load(&r->consumer_pos), prod = atomic_load(&r->producer_pos);
	switch (flags) {
	case BPFRT_RB_AVAIL_DATA: return prod - cons;
	case BPFRT_RB_RING_SIZE: return r->mask + 1;
	case BPFRT_RB_CONS_POS: return cons;
	case BPFRT_RB_PROD_POS: return prod;
	default: return 0;
	}
}

/* ---- consumer -------------------------------------------------------- */

struct ring {
	struct bpfrt_map *map;	/* referenced */
	struct rb *rb;
	bpfrt_ringbuf_sample_fn fn;
	void *user;
};

struct bpfrt_ringbuf {
	struct ring *rings;
	size_t n;
	struct pollfd *pfds;
};

BPFRT_API struct bpfrt_ringbuf *
bpfrt_ringbuf__new(struct bpfrt_map *map, bpfrt_ringbuf_sample_fn fn, void *user)
{
	struct bpfrt_ringbuf *c = calloc(1, sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	int err = bpfrt_ringbuf__add(c, map, fn, user);
	if (err) {
		free(c);
		errno = -err;
		return NULL;
	}
	return c;
}

BPFRT_API int bpfrt_ringbuf__add(struct bpfrt_ringbuf *c, struct bpfrt_map *map,
				 bpfrt_ringbuf_sample_fn fn, void *user)
{
	if (!c || !map || !fn || map->type != BPFRT_MAP_TYPE_RINGBUF)
		return -EINVAL;
	struct ring *r = realloc(c->rings, (c->n + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	c->rings = r;
	struct pollfd *p = realloc(c->pfds, (c->n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->pfds = p;
	c->rings[c->n] = (struct ring){ bpfrt_map__get(map), map->priv, fn, user };
	c->pfds[c->n] = (struct pollfd){ .fd = ((struct rb *)map->priv)->efd, .events = POLLIN };
	c->n++;
	return 0;
}

/* Consume one ring: records consumed; *stop gets a callback's non-zero
 * return, which ends consumption. */
static int64_t consume_ring(struct ring *ring, int *stop)
{
	struct rb *r = ring->rb;
	uint64_t cons = atomic_load_explicit(&r->consumer_pos, memory_order_acquire);
	int64_t cnt = 0;
	for (;;) {
		bool progress = false;
		uint64_t prod = atomic_load_explicit(&r->producer_pos, memory_order_acquire);
		while (cons < prod) {
			struct rb_hdr *h = (struct rb_hdr *)(r->data + (cons & r->mask));
			uint32_t l = atomic_load(&h->len);
			if (l & BPFRT_RINGBUF_BUSY_BIT)
				return cnt;
			progress = true;
			cons += rec_size(l);
			int ret = 0;
			if (!(l & BPFRT_RINGBUF_DISCARD_BIT)) {
				ret = ring->fn(ring->user, h + 1,
					       l & ~(BPFRT_RINGBUF_BUSY_BIT | BPFRT_RINGBUF_DISCARD_BIT));
				cnt++;
			}
			atomic_store(&r->consumer_pos, cons);
			if (ret) {
				*stop = ret;
				return cnt;
			}
		}
		if (!progress)
			return cnt;
	}
}

BPFRT_API int bpfrt_ringbuf__consume(struct bpfrt_ringbuf *c)
{
	if (!c)
		return -EINVAL;
	int64_t total = 0;
	int stop = 0;
	for (size_t i = 0; i < c->n && !stop; i++)
		total += consume_ring(&c->rings[i], &stop);
	if (stop)
		return stop;
	return total > INT32_MAX ? INT32_MAX : (int)total;
}

BPFRT_API int bpfrt_ringbuf__poll(struct bpfrt_ringbuf *c, int timeout_ms)
{
	if (!c)
		return -EINVAL;
	int n = bpfrt_ringbuf__consume(c);
	if (n)
		return n;
	int pr = poll(c->pfds, c->n, timeout_ms);
	if (pr < 0)
		return errno == EINTR ? 0 : -errno;
	for (size_t i = 0; i < c->n; i++) {
		uint64_t v;
		if (c->pfds[i].revents & POLLIN) {
			ssize_t rd = read(c->pfds[i].fd, &v, sizeof(v));
			(void)rd;
		}
	}
	return bpfrt_ringbuf__consume(c);
}

BPFRT_API void bpfrt_ringbuf__free(struct bpfrt_ringbuf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		bpfrt_map__put(c->rings[i].map);
	free(c->rings);
	free(c->pfds);
	free(c);
}
