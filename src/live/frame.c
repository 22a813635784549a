/* SPDX-License-Identifier: MIT */
/*
 * The per-frame path of a live worker: run the current program on a frame
 * and act on the verdict (send, forward, redirect, drop), with the frames
 * to send batched per port.
 *
 * Verdicts (docs/live.md has the honest version of what each one means in
 * user space):
 *  - DROP / ABORTED: the frame goes nowhere (ABORTED is also counted as a
 *    fault when the program faulted);
 *  - PASS: without --bridge nothing (AF_PACKET saw a copy; the kernel's
 *    own copy is already on its way up the stack); with --bridge the frame
 *    is forwarded out of the other attached interface(s);
 *  - TX: out of the interface it came in on;
 *  - REDIRECT: out of the attached interface bpf_redirect(ifindex) or the
 *    devmap / devmap_hash entry of bpf_redirect_map names.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/common.h"
#include "maps/map_internal.h"
#include "live.h"

#define INC(x) atomic_fetch_add_explicit(&(x), 1, memory_order_relaxed)
#define ADD(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)

int live_worker_prepare(struct live_worker *w, const struct live_prog *p)
{
	if (w->cur)
		bpfrt__vm_regions_free(&w->rc);
	w->cur = NULL;
	memset(&w->rc, 0, sizeof(w->rc));
	struct bpfrt_hook *h = &w->hook;
	memset(h, 0, sizeof(*h));
	h->type = BPFRT_PROG_TYPE_XDP;
	h->shadow.xdp.ingress_ifindex = w->port->ifindex;
	h->shadow.xdp.rx_queue_index = w->queue;
	w->rc.ctx_lo = (uintptr_t)&h->shadow;
	w->rc.ctx_hi = (uintptr_t)&h->shadow + p->prog->ctx_desc->size;
	w->rc.ctx_desc = p->prog->ctx_desc;
	w->rc.hook = h;
	w->rc.cpu = w->cpu;
	w->rc.args[0] = (uintptr_t)&h->shadow;
	w->rc.err_buf = w->err;
	w->rc.err_size = sizeof(w->err);
	/* An unverified program may loop; a frame must not stall the port. */
	w->rc.insn_limit = 1000000;
	int err = bpfrt__vm_prepare(p->prog, &w->rc, w->lv->engine, w->lv->check, w->stack,
				    sizeof(w->stack));
	if (!err)
		w->cur = p;
	return err;
}

void live_batch_begin(struct live_worker *w)
{
	atomic_store(&w->in_batch, 1);
	struct live_prog *p = atomic_load(&w->lv->prog);
	if (p != w->cur && live_worker_prepare(w, p)) {
		/* The swapper prepared the same program on its own thread
		 * before installing it, so this does not happen; if it did,
		 * frames are dropped as ABORTED rather than run half set up. */
		pr_warn("live: %s: cannot prepare program: %s\n", w->port->name, w->err);
	}
}

static void tx_flush(struct live_worker *w)
{
	struct mmsghdr msgs[LIVE_TXQ];
	struct iovec iov[LIVE_TXQ];
	bool done[LIVE_TXQ] = { false };
	for (unsigned i = 0; i < w->txn; i++) {
		if (done[i])
			continue;
		/* One sendmmsg for every queued frame of this port. */
		struct live_port *p = w->txq[i].port;
		unsigned n = 0;
		for (unsigned j = i; j < w->txn; j++) {
			if (done[j] || w->txq[j].port != p)
				continue;
			done[j] = true;
			iov[n] = (struct iovec){ (void *)w->txq[j].data, w->txq[j].len };
			memset(&msgs[n], 0, sizeof(msgs[n]));
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
			n++;
		}
		unsigned off = 0;
		while (off < n) {
			int r = sendmmsg(p->fd, msgs + off, n - off, MSG_DONTWAIT);
			if (r <= 0) {
				/* The frame at off failed (full queue, link down):
				 * count it and go on with the rest. */
				INC(w->c.send_err);
				off++;
				continue;
			}
			ADD(w->c.sent, (uint64_t)r);
			off += (unsigned)r;
		}
	}
	w->txn = 0;
}

void live_batch_end(struct live_worker *w)
{
	tx_flush(w);
	atomic_fetch_add(&w->batches, 1);
	atomic_store(&w->in_batch, 0);
}

void live_send(struct live_worker *w, struct live_port *p, const uint8_t *data, uint32_t len)
{
	if (w->txn == LIVE_TXQ)
		tx_flush(w);
	w->txq[w->txn++] = (struct live_txq){ p, data, len };
}

static struct live_port *port_by_ifindex(struct bpfrt_live *lv, uint32_t ifindex)
{
	for (size_t i = 0; i < lv->nports; i++)
		if (lv->ports[i].ifindex == ifindex)
			return &lv->ports[i];
	return NULL;
}

/* Send the frame out of the attached interface ifindex.  Any other target
 * cannot be served: the kernel drops a frame whose redirect fails and
 * counts an xdp_redirect error, and so does bpfrt. */
static void redirect_to(struct live_worker *w, uint32_t ifindex, const uint8_t *data,
			uint32_t len)
{
	struct live_port *to = ifindex ? port_by_ifindex(w->lv, ifindex) : NULL;
	if (to)
		live_send(w, to, data, len);
	else
		INC(w->c.redirect_err);
}

struct bcast {
	struct live_worker *w;
	const uint8_t *data;
	uint32_t len, skip;	/* skip: the ingress ifindex, or 0 */
};

static void bcast_one(void *user, uint32_t ifindex)
{
	struct bcast *b = user;
	if (ifindex != b->skip)
		redirect_to(b->w, ifindex, b->data, b->len);
}

/* XDP_REDIRECT: to bpf_redirect's ifindex, or through the device map
 * bpf_redirect_map named: its entry, or with BPF_F_BROADCAST every entry
 * (but the ingress interface with BPF_F_EXCLUDE_INGRESS).  An xskmap target
 * is an AF_XDP socket whose RX ring only the kernel can fill: an error. */
static void redirect(struct live_worker *w, const struct bpfrt_hook *h, uint32_t len)
{
	struct bpfrt_map *m = (struct bpfrt_map *)h->redirect_map;
	if (!m) {
		redirect_to(w, h->redirect_ifindex, h->data, len);
		return;
	}
	if (m->type != BPFRT_MAP_TYPE_DEVMAP && m->type != BPFRT_MAP_TYPE_DEVMAP_HASH) {
		INC(w->c.redirect_err);
		return;
	}
	if (h->redirect_flags & BPF_F_BROADCAST) {
		struct bcast b = { w, h->data, len,
				   h->redirect_flags & BPF_F_EXCLUDE_INGRESS ? w->port->ifindex : 0 };
		bpfrt__devmap_for_each(m, bcast_one, &b);
		return;
	}
	redirect_to(w, bpfrt__devmap_ifindex(m, h->redirect_key), h->data, len);
}

void live_frame(struct live_worker *w, uint8_t *page, uint32_t len)
{
	struct bpfrt_live *lv = w->lv;
	struct live_counters *c = &w->c;
	INC(c->rx);
	ADD(c->rx_bytes, len);
	if (!w->cur || len < 14 || len > LIVE_MAX_DATA) {
		/* No usable program, or a frame XDP would not see in one
		 * buffer (bpfrt has no multi-buffer XDP). */
		INC(c->verdict[BPFRT_LIVE_ABORTED]);
		return;
	}
	struct bpfrt_hook *h = &w->hook;
	h->buf = page;
	h->hard_start = page + LIVE_FRAME_SZ;
	h->hard_end = page + LIVE_PAGE - LIVE_SHINFO;
	h->meta = h->data = page + LIVE_HEADROOM;
	h->end = h->data + len;
	h->redirect = false;
	h->redirect_map = NULL;
	bpfrt__hook_sync(&w->rc);
	int err = bpfrt__vm_run_once(w->cur->prog, &w->rc, w->stack, sizeof(w->stack));
	uint64_t v = w->rc.retval;
	if (err || v >= BPFRT_LIVE_NR_VERDICTS) {
		uint64_t n = atomic_fetch_add_explicit(&c->faults, 1, memory_order_relaxed);
		if (n < 10 || n % 100000 == 0)
			pr_warn("live: %s: %s (frame %llu, counted as XDP_ABORTED)\n",
				w->port->name, err ? w->err : "unknown XDP verdict",
				(unsigned long long)atomic_load(&c->rx));
		v = BPFRT_LIVE_ABORTED;
	}
	INC(c->verdict[v]);
	uint32_t out_len = (uint32_t)(h->end - h->data);
	switch (v) {
	case BPFRT_LIVE_PASS:
		if (!lv->bridge)
			return;
		/* A bump in the wire: hand the frame on as the stack would
		 * have received it (with the program's changes). */
		for (size_t i = 0; i < lv->nports; i++)
			if (&lv->ports[i] != w->port)
				live_send(w, &lv->ports[i], h->data, out_len);
		return;
	case BPFRT_LIVE_TX:
		live_send(w, w->port, h->data, out_len);
		return;
	case BPFRT_LIVE_REDIRECT:
		redirect(w, h, out_len);
		return;
	default:
		return;
	}
}
