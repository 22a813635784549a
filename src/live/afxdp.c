/* SPDX-License-Identifier: MIT */
/*
 * AF_XDP backend (libxdp): an XSK per worker, bound to its RX queue, each
 * with a UMEM of its own (no ring is shared between threads).  libxdp loads
 * its redirect program on the interface once (native mode where the driver
 * has it, as veth does) and redirects queue q to the XSK in slot q of its
 * xskmap, so frames go from the driver straight to the socket's RX ring and
 * never reach the kernel's stack: DROP is real.
 * Zero-copy is asked for first and copy mode used when the driver cannot
 * (veth cannot).  Each received frame is copied into the worker's XDP
 * buffer (256 bytes of headroom, room to grow) and its UMEM frame goes
 * straight back to the fill ring; frames leave through the port's packet
 * socket, which keeps TX out of the single-producer XSK rings that several
 * workers would otherwise share.
 *
 * The UMEM has exactly as many frames as the fill ring holds: every frame
 * is either there or in the RX ring being handled (no frame is ever on a
 * TX ring), and the kernel pins UMEM pages, so more would only lock memory.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "core/common.h"
#include "live.h"

#define XSK_RING 2048u
#define XSK_FRAMES XSK_RING
#define XSK_FRAME_SIZE 4096u

struct live_xsk {
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_ring_cons rx;
	bool zerocopy;
};

static int libxdp_quiet(enum libxdp_print_level level, const char *fmt, va_list args)
{
	if (level == LIBXDP_WARN && getenv("BPFRT_VERBOSE"))
		return vfprintf(stderr, fmt, args);
	return 0;
}

void live_afxdp_close(struct live_worker *w)
{
	struct live_xsk *x = w->xsk;
	if (!x)
		return;
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area)
		munmap(x->area, (size_t)XSK_FRAMES * XSK_FRAME_SIZE);
	free(x);
	w->xsk = NULL;
}

int live_afxdp_open(struct live_worker *w, char *err, size_t n)
{
	struct live_port *p = w->port;
	libxdp_set_print(libxdp_quiet);
	struct live_xsk *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	w->xsk = x;
	x->area = mmap(NULL, (size_t)XSK_FRAMES * XSK_FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		live_afxdp_close(w);
		return -ENOMEM;
	}
	struct xsk_umem_config uc = {
		.fill_size = XSK_RING,
		.comp_size = XSK_RING,
		.frame_size = XSK_FRAME_SIZE,
		.frame_headroom = 0,
	};
	int e = xsk_umem__create(&x->umem, x->area, (uint64_t)XSK_FRAMES * XSK_FRAME_SIZE, &x->fq,
				 &x->cq, &uc);
	if (e) {
		bpfrt_errf(err, n, "%s: queue %u: cannot create an AF_XDP UMEM: %s", p->name,
			   w->queue, strerror(-e));
		live_afxdp_close(w);
		return e;
	}
	struct xsk_socket_config sc = {
		.rx_size = XSK_RING,
		.tx_size = XSK_RING,
		.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP,
	};
	e = xsk_socket__create(&x->xsk, p->name, w->queue, x->umem, &x->rx, NULL, &sc);
	if (e) {
		sc.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
		e = xsk_socket__create(&x->xsk, p->name, w->queue, x->umem, &x->rx, NULL, &sc);
	} else {
		x->zerocopy = true;
	}
	if (e) {
		bpfrt_errf(err, n, "%s: queue %u: cannot create an AF_XDP socket (libxdp): %s%s",
			   p->name, w->queue, strerror(-e),
			   e == -EPERM ? " (needs root or CAP_NET_ADMIN)" :
			   e == -EBUSY ? " (another XDP program is attached?)" : "");
		x->xsk = NULL;
		live_afxdp_close(w);
		return e;
	}
	/* Every frame starts on the fill ring. */
	uint32_t idx = 0, cnt = XSK_RING;
	if (xsk_ring_prod__reserve(&x->fq, cnt, &idx) != cnt) {
		bpfrt_errf(err, n, "%s: cannot fill the AF_XDP fill ring", p->name);
		live_afxdp_close(w);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cnt; i++)
		*xsk_ring_prod__fill_addr(&x->fq, idx + i) = (uint64_t)i * XSK_FRAME_SIZE;
	xsk_ring_prod__submit(&x->fq, cnt);
	return 0;
}

void *live_afxdp_worker(void *arg)
{
	struct live_worker *w = arg;
	struct bpfrt_live *lv = w->lv;
	struct live_xsk *x = w->xsk;
	int fd = xsk_socket__fd(x->xsk);

	while (!atomic_load_explicit(&lv->stop, memory_order_relaxed)) {
		uint32_t idx = 0;
		uint32_t cnt = xsk_ring_cons__peek(&x->rx, LIVE_BATCH, &idx);
		if (!cnt) {
			if (xsk_ring_prod__needs_wakeup(&x->fq))
				recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			poll(&pfd, 1, 100);
			continue;
		}
		uint64_t addrs[LIVE_BATCH];
		live_batch_begin(w);
		for (uint32_t i = 0; i < cnt; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i);
			uint8_t *page = w->pages + (size_t)i * LIVE_PAGE;
			uint32_t len = d->len;
			addrs[i] = xsk_umem__extract_addr(d->addr) & ~(uint64_t)(XSK_FRAME_SIZE - 1);
			if (len <= LIVE_MAX_DATA)
				memcpy(page + LIVE_HEADROOM, xsk_umem__get_data(x->area, d->addr), len);
			live_frame(w, page, len);
		}
		live_batch_end(w);
		xsk_ring_cons__release(&x->rx, cnt);
		uint32_t fidx = 0;
		/* The fill ring has room: every frame is either there or was
		 * just taken from the RX ring. */
		while (xsk_ring_prod__reserve(&x->fq, cnt, &fidx) != cnt)
			if (atomic_load(&lv->stop))
				return NULL;
		for (uint32_t i = 0; i < cnt; i++)
			*xsk_ring_prod__fill_addr(&x->fq, fidx + i) = addrs[i];
		xsk_ring_prod__submit(&x->fq, cnt);
	}
	return NULL;
}
