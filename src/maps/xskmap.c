/* SPDX-License-Identifier: MIT */
/*
 * xskmap: an array of AF_XDP sockets, the other target of bpf_redirect_map.
 * User space stores a socket fd; the map keeps a duplicate of it, as the
 * kernel keeps a reference on the socket, so the socket lives while it is
 * in the map.  User-space lookups are EOPNOTSUPP (the kernel's answer).
 *
 * A program's lookup gets a pointer to 4 bytes (a copy of the fd the entry
 * was stored under) where the kernel gives a struct xdp_sock *: programs use
 * it as "is there a socket for this queue", and writes through it change
 * nothing.  Redirecting to an XSK means handing the frame to the process
 * that reads the socket's RX ring, which only the kernel can fill, so the
 * live hook counts such redirects as errors (docs/live.md).
 *
 * Errors in the kernel's order (net/xdp/xskmap.c): flags, index (E2BIG),
 * the fd (EBADF, ENOTSOCK, EOPNOTSUPP when not AF_XDP), storing the socket
 * already there succeeds, then BPF_NOEXIST / BPF_EXIST.  Delete: EINVAL past
 * the end, 0 on an empty slot.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common.h"
#include "map_internal.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

struct xsk_slot {
	atomic_uint present;
	uint32_t view;		/* what a program's lookup points at */
	int fd;			/* our duplicate; -1 when empty */
	dev_t dev;		/* the socket's identity */
	ino_t ino;
};

struct xskmap {
	struct spin lock;
	struct xsk_slot *slots;
};

static int xsk_check(const struct map_attr *a)
{
	if (!a->max_entries || a->key_size != 4 || a->value_size != 4 ||
	    (a->map_flags & ~(BPFRT_F_NUMA_NODE | BPFRT_F_RDONLY | BPFRT_F_WRONLY)))
		return -EINVAL;
	return 0;
}

static int xsk_alloc(struct bpfrt_map *m)
{
	struct xskmap *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->slots = calloc(m->max_entries, sizeof(*x->slots));
	if (!x->slots) {
		free(x);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < m->max_entries; i++)
		x->slots[i].fd = -1;
	spin_init(&x->lock);
	m->priv = x;
	return 0;
}

static void xsk_free(struct bpfrt_map *m)
{
	struct xskmap *x = m->priv;
	if (!x)
		return;
	for (uint32_t i = 0; i < m->max_entries; i++)
		if (x->slots[i].fd >= 0)
			close(x->slots[i].fd);
	free(x->slots);
	free(x);
}

static void *xsk_lookup(struct bpfrt_map *m, const void *key, unsigned cpu)
{
	(void)cpu;
	struct xskmap *x = m->priv;
	uint32_t i;
	memcpy(&i, key, 4);
	if (i >= m->max_entries ||
	    !atomic_load_explicit(&x->slots[i].present, memory_order_acquire))
		return NULL;
	return &x->slots[i].view;
}

static int xsk_sys_lookup(struct bpfrt_map *m, const void *key, void *value)
{
	(void)m;
	(void)key;
	(void)value;
	return -EOPNOTSUPP;
}

/* The kernel's sockfd_lookup + family check. */
static int xsk_socket_ok(uint32_t fd, struct stat *st)
{
	int domain;
	socklen_t len = sizeof(domain);
	if (fd > INT32_MAX || fstat((int)fd, st))
		return -EBADF;
	if (!S_ISSOCK(st->st_mode))
		return -ENOTSOCK;
	if (getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) || domain != AF_XDP)
		return -EOPNOTSUPP;
	return 0;
}

static int xsk_sys_update(struct bpfrt_map *m, const void *key, const void *value,
			  uint64_t flags)
{
	struct xskmap *x = m->priv;
	uint32_t i, fd;
	memcpy(&i, key, 4);
	memcpy(&fd, value, 4);
	if (flags > BPFRT_EXIST)
		return -EINVAL;
	if (i >= m->max_entries)
		return -E2BIG;
	struct stat st;
	int err = xsk_socket_ok(fd, &st);
	if (err)
		return err;
	int dup_fd = fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	struct xsk_slot *s = &x->slots[i];
	spin_lock(&x->lock);
	bool had = s->fd >= 0;
	int old = -1;
	if (had && s->dev == st.st_dev && s->ino == st.st_ino)
		err = 0;	/* the same socket again */
	else if (had && flags == BPFRT_NOEXIST)
		err = -EEXIST;
	else if (!had && flags == BPFRT_EXIST)
		err = -ENOENT;
	else {
		old = s->fd;
		s->fd = dup_fd;
		dup_fd = -1;
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		__atomic_store_n(&s->view, fd, __ATOMIC_RELAXED);
		atomic_store_explicit(&s->present, 1, memory_order_release);
	}
	spin_unlock(&x->lock);
	if (dup_fd >= 0)
		close(dup_fd);
	if (old >= 0)
		close(old);
	return err;
}

static int xsk_sys_delete(struct bpfrt_map *m, const void *key)
{
	struct xskmap *x = m->priv;
	uint32_t i;
	memcpy(&i, key, 4);
	if (i >= m->max_entries)
		return -EINVAL;
	struct xsk_slot *s = &x->slots[i];
	spin_lock(&x->lock);
	int old = s->fd;
	s->fd = -1;
	atomic_store_explicit(&s->present, 0, memory_order_release);
	spin_unlock(&x->lock);
	if (old >= 0)
		close(old);
	return 0;
}

/* Programs may not change an xskmap (the verifier refuses the calls);
 * without this, the program-side delete would fall back to sys_delete. */
static long xsk_no_prog_delete(struct bpfrt_map *m, const void *key)
{
	(void)m;
	(void)key;
	return -ENOTSUP;
}

const struct map_ops bpfrt__xskmap_ops = {
	.check = xsk_check,
	.alloc = xsk_alloc,
	.free = xsk_free,
	.lookup = xsk_lookup,
	.delete = xsk_no_prog_delete,
	.get_next_key = bpfrt__array_get_next_key,
	.sys_lookup = xsk_sys_lookup,
	.sys_update = xsk_sys_update,
	.sys_delete = xsk_sys_delete,
};
