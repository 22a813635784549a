/* SPDX-License-Identifier: MIT */
/*
 * Live XDP instance: load the program, open the interfaces, run one worker
 * per interface, act on verdicts, swap programs while frames flow.
 *
 * Verdicts (docs/live.md has the honest version of what each one means in
 * user space):
 *  - DROP / ABORTED: the frame goes nowhere (ABORTED is also counted as a
 *    fault when the program faulted);
 *  - PASS: without --bridge nothing (AF_PACKET saw a copy; the kernel's
 *    own copy is already on its way up the stack); with --bridge the frame
 *    is forwarded out of the other attached interface(s);
 *  - TX: out of the interface it came in on;
 *  - REDIRECT: bpf_redirect(ifindex) out of that attached interface.
 *
 * Hot swap uses a small epoch scheme: workers announce in_batch = 1 before
 * loading the program pointer and count a quiescent point (batches++) after
 * every batch; the swapper publishes the new pointer and waits, per worker,
 * until it is out of a batch or has finished the batch it was in.  Every
 * frame is therefore run by exactly one complete program, and the old one
 * is freed only when no worker can still be using it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/common.h"
#include "maps/map_internal.h"
#include "pin/pin.h"
#include "live.h"

uint64_t live_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define INC(x) atomic_fetch_add_explicit(&(x), 1, memory_order_relaxed)
#define ADD(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)

/* ---- per-frame path ------------------------------------------------------ */

static int worker_prepare(struct live_worker *w, const struct live_prog *p)
{
	if (w->cur)
		bpfrt__vm_regions_free(&w->rc);
	w->cur = NULL;
	memset(&w->rc, 0, sizeof(w->rc));
	struct bpfrt_hook *h = &w->hook;
	memset(h, 0, sizeof(*h));
	h->type = BPFRT_PROG_TYPE_XDP;
	h->shadow.xdp.ingress_ifindex = w->port->ifindex;
	h->shadow.xdp.rx_queue_index = 0;
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
	if (p != w->cur && worker_prepare(w, p)) {
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
	case BPFRT_LIVE_REDIRECT: {
		struct live_port *to = h->redirect_map ? NULL
						       : port_by_ifindex(lv, h->redirect_ifindex);
		if (!to) {
			/* Not one of ours (or a devmap/xskmap target bpfrt
			 * does not have): the kernel drops such frames and
			 * counts an xdp_redirect error. */
			INC(c->redirect_err);
			return;
		}
		live_send(w, to, h->data, out_len);
		return;
	}
	default:
		return;
	}
}

/* ---- programs ------------------------------------------------------------- */

struct reuse_ctx {
	struct bpfrt_object *old;
};

/* The sharing rule of hot swap: a map of the new object is the running
 * map with the same name, type, key size, value size, max_entries and
 * flags.  Global data (.data/.bss/.rodata: names with a '.') is never
 * shared: its layout belongs to the code that was compiled with it, and
 * .rodata is frozen.  Prog arrays are not shared either: their slots hold
 * the old object's programs. */
static struct bpfrt_map *reuse_map(void *user, enum bpfrt_map_type type, const char *name,
				   uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	struct reuse_ctx *r = user;
	if (!r->old || !name[0] || strchr(name, '.') || type == BPFRT_MAP_TYPE_PROG_ARRAY ||
	    type == BPFRT_MAP_TYPE_ARRAY_OF_MAPS || type == BPFRT_MAP_TYPE_HASH_OF_MAPS)
		return NULL;
	for (struct bpfrt_map *m = bpfrt_object__next_map(r->old, NULL); m;
	     m = bpfrt_object__next_map(r->old, m))
		if (!strcmp(bpfrt_map__name(m), name) && bpfrt_map__type(m) == type &&
		    bpfrt_map__key_size(m) == ks && bpfrt_map__value_size(m) == vs &&
		    bpfrt_map__max_entries(m) == max && bpfrt_map__flags(m) == flags)
			return bpfrt_map__get(m);
	return NULL;
}

static pthread_mutex_t g_load_lock = PTHREAD_MUTEX_INITIALIZER;

static void prog_free(struct live_prog *p)
{
	if (!p)
		return;
	bpfrt_object__close(p->obj);
	free(p);
}

/* Open and load path (reusing old's maps), find prog_name, check it fits
 * the XDP hook and the engine; the prepared program or NULL + message. */
static struct live_prog *prog_load(struct bpfrt_live *lv, const char *path,
				   const char *prog_name, struct bpfrt_object *old, char *err,
				   size_t n, int *errp)
{
	char log[2048] = "";
	struct live_prog *p = calloc(1, sizeof(*p));
	if (!p) {
		*errp = -ENOMEM;
		bpfrt_errf(err, n, "out of memory");
		return NULL;
	}
	snprintf(p->path, sizeof(p->path), "%s", path);
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
	p->obj = bpfrt_object__open_file(path, &oo);
	if (!p->obj) {
		*errp = -(errno ? errno : EINVAL);
		bpfrt_errf(err, n, "%s: %s", path, log[0] ? log : strerror(-*errp));
		free(p);
		return NULL;
	}
	struct bpfrt_program *prog = NULL;
	for (struct bpfrt_program *q = bpfrt_object__next_program(p->obj, NULL); q;
	     q = bpfrt_object__next_program(p->obj, q)) {
		bool match = prog_name ? !strcmp(bpfrt_program__name(q), prog_name) ||
						 !strcmp(bpfrt_program__section_name(q), prog_name)
				       : true;
		if (match && !prog)
			prog = q;
	}
	if (!prog) {
		*errp = -ENOENT;
		bpfrt_errf(err, n, "%s: no program '%s'", path, prog_name ? prog_name : "");
		goto fail;
	}
	if (bpfrt_program__type(prog) != BPFRT_PROG_TYPE_XDP) {
		*errp = -EINVAL;
		bpfrt_errf(err, n, "%s: program '%s' is a %s program; the XDP hook runs xdp "
			   "programs only", path, bpfrt_program__name(prog),
			   bpfrt_prog_type_str(bpfrt_program__type(prog)));
		goto fail;
	}
	/* Only the chosen program is loaded (and verified). */
	for (struct bpfrt_program *q = bpfrt_object__next_program(p->obj, NULL); q;
	     q = bpfrt_object__next_program(p->obj, q))
		bpfrt_program__set_autoload(q, q == prog);
	struct reuse_ctx rctx = { old };
	pthread_mutex_lock(&g_load_lock);
	bpfrt__map_set_reuse_hook(reuse_map, &rctx);
	int e = bpfrt_object__load(p->obj);
	bpfrt__map_set_reuse_hook(NULL, NULL);
	pthread_mutex_unlock(&g_load_lock);
	if (e) {
		*errp = e;
		bpfrt_errf(err, n, "%s: %s", path, log[0] ? log : strerror(-e));
		goto fail;
	}
	p->prog = bpfrt_program__prog(prog);
	p->verified = bpfrt_prog__verified(p->prog);
	snprintf(p->prog_name, sizeof(p->prog_name), "%s", bpfrt_program__name(prog));
	/* Prepare once here so that an engine that cannot take the program
	 * (e.g. --engine jit without a JIT) fails the load, not the workers. */
	{
		struct live_worker *tw = calloc(1, sizeof(*tw));
		struct live_port tp = { .ifindex = 1 };
		if (!tw) {
			*errp = -ENOMEM;
			goto fail;
		}
		tw->lv = lv;
		tw->port = &tp;
		e = worker_prepare(tw, p);
		if (e)
			bpfrt_errf(err, n, "%s: %s", path, tw->err);
		else
			bpfrt__vm_regions_free(&tw->rc);
		free(tw);
		if (e) {
			*errp = e;
			goto fail;
		}
	}
	return p;
fail:
	prog_free(p);
	return NULL;
}

/* ---- pin directory ----------------------------------------------------- */

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[PATH_MAX + 256];
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* DIR must be new, or left over by an instance that is gone (its control
 * socket refuses connections): then it is cleaned up and reused. */
static int make_dir(const char *dir, char *err, size_t n)
{
	if (!mkdir(dir, 0700))
		return 0;
	if (errno != EEXIST) {
		int e = errno;
		bpfrt_errf(err, n, "cannot create pin directory %s: %s", dir, strerror(e));
		return -e;
	}
	char sock[PATH_MAX + 16];
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%.*s", 100, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive = fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (fd >= 0)
		close(fd);
	if (alive) {
		bpfrt_errf(err, n, "pin directory %s belongs to a running instance", dir);
		return -EEXIST;
	}
	rm_dir(dir);
	if (mkdir(dir, 0700)) {
		int e = errno;
		bpfrt_errf(err, n, "cannot create pin directory %s: %s", dir, strerror(e));
		return -e;
	}
	return 0;
}

static bool obj_has_map(struct bpfrt_object *obj, const struct bpfrt_map *m)
{
	if (!obj)
		return false;
	for (struct bpfrt_map *q = bpfrt_object__next_map(obj, NULL); q;
	     q = bpfrt_object__next_map(obj, q))
		if (q == m)
			return true;
	return false;
}

/* Pin the maps of p that old does not already have pinned. */
static int pin_maps(struct bpfrt_live *lv, struct live_prog *p, struct bpfrt_object *old,
		    char *err, size_t n)
{
	if (!lv->dir[0])
		return 0;
	for (struct bpfrt_map *m = bpfrt_object__next_map(p->obj, NULL); m;
	     m = bpfrt_object__next_map(p->obj, m)) {
		if (obj_has_map(old, m))
			continue;
		int e = bpfrt__pin_map(lv->dir, m, err, n);
		if (e)
			return e;
	}
	return 0;
}

/* After a swap: remove the files of old maps the new object does not use
 * (unless a new map of the same name replaced the file already). */
static void unpin_gone(struct bpfrt_live *lv, struct bpfrt_object *old, struct live_prog *p)
{
	if (!lv->dir[0] || !old)
		return;
	for (struct bpfrt_map *m = bpfrt_object__next_map(old, NULL); m;
	     m = bpfrt_object__next_map(old, m)) {
		if (obj_has_map(p->obj, m) || bpfrt_object__find_map_by_name(p->obj,
									     bpfrt_map__name(m)))
			continue;
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/%s", lv->dir, bpfrt_map__name(m));
		unlink(path);
	}
}

/* ---- instance ----------------------------------------------------------- */

static void set_err(const struct bpfrt_live_opts *o, int e, const char *fmt, const char *a)
{
	bpfrt_errf(OPTS_GET(o, err_buf, NULL), OPTS_GET(o, err_size, 0), fmt, a, strerror(e));
}

BPFRT_API struct bpfrt_live *bpfrt_live__start(const struct bpfrt_live_opts *o)
{
	char *err = OPTS_GET(o, err_buf, NULL);
	size_t errn = OPTS_GET(o, err_size, 0);
	size_t nports = OPTS_GET(o, iface_cnt, 0);
	const char *const *ifaces = OPTS_GET(o, ifaces, NULL);
	const char *path = OPTS_GET(o, obj_path, NULL);
	int e = 0;
	if (!o || !nports || !ifaces || !path) {
		bpfrt_errf(err, errn, "need at least one interface and an object");
		errno = EINVAL;
		return NULL;
	}
	struct bpfrt_live *lv = calloc(1, sizeof(*lv));
	if (!lv) {
		errno = ENOMEM;
		return NULL;
	}
	lv->mode = OPTS_GET(o, mode, BPFRT_LIVE_AFPACKET);
	lv->bridge = OPTS_GET(o, bridge, false);
	lv->engine = OPTS_GET(o, engine, BPFRT_ENGINE_DEFAULT);
	lv->check = OPTS_GET(o, check, BPFRT_CHECK_AUTO);
	lv->ctl_fd = -1;
	pthread_mutex_init(&lv->swap_lock, NULL);
	pthread_mutex_init(&lv->events_lock, NULL);
	lv->nports = nports;
	lv->ports = calloc(nports, sizeof(*lv->ports));
	lv->workers = calloc(nports, sizeof(*lv->workers));
	lv->last_rx = calloc(nports, sizeof(*lv->last_rx));
	lv->pps = calloc(nports, sizeof(*lv->pps));
	if (!lv->ports || !lv->workers || !lv->last_rx || !lv->pps) {
		e = ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < nports; i++)
		lv->ports[i].fd = -1;
	if (lv->mode == BPFRT_LIVE_AFXDP && !lv->bridge) {
		/* An XSK takes the frame away from the kernel; bpfrt cannot
		 * hand it back to the local stack, so PASS would lose it. */
		bpfrt_errf(err, errn, "--mode afxdp needs --bridge: frames an XSK receives never "
			   "reach the local stack, so XDP_PASS could not deliver them");
		e = EINVAL;
		goto fail;
	}
	/* Interfaces first: a missing one is the likeliest mistake. */
	for (size_t i = 0; i < nports; i++) {
		struct live_port *p = &lv->ports[i];
		if (strlen(ifaces[i]) >= IF_NAMESIZE || !(p->ifindex = if_nametoindex(ifaces[i]))) {
			set_err(o, ENODEV, "no interface '%s' (%s)", ifaces[i]);
			e = ENODEV;
			goto fail;
		}
		snprintf(p->name, sizeof(p->name), "%s", ifaces[i]);
		for (size_t j = 0; j < i; j++)
			if (lv->ports[j].ifindex == p->ifindex) {
				bpfrt_errf(err, errn, "interface '%s' given twice", p->name);
				e = EINVAL;
				goto fail;
			}
	}
	/* One logical CPU per worker, so per-CPU maps stay race-free. */
	if (bpfrt_num_cpus() < nports && bpfrt_set_num_cpus((unsigned)nports)) {
		bpfrt_errf(err, errn, "cannot give %zu workers a logical CPU each (maps exist "
			   "already)", nports);
		e = EBUSY;
		goto fail;
	}
	int le = 0;
	struct live_prog *p = prog_load(lv, path, OPTS_GET(o, prog_name, NULL), NULL, err, errn,
					&le);
	if (!p) {
		e = -le;
		goto fail;
	}
	p->gen = 1;
	atomic_store(&lv->prog, p);
	atomic_store(&lv->gen, 1);
	for (size_t i = 0; i < nports; i++) {
		struct live_port *pt = &lv->ports[i];
		int r = live_afpacket_open(lv, pt, err, errn);
		if (!r && lv->mode == BPFRT_LIVE_AFXDP)
			r = live_afxdp_open(lv, pt, err, errn);
		if (r) {
			e = -r;
			goto fail;
		}
	}
	const char *dir = OPTS_GET(o, pin_dir, NULL);
	if (dir) {
		if (strlen(dir) + sizeof("/ctl.sock") > sizeof(((struct sockaddr_un *)0)->sun_path)) {
			bpfrt_errf(err, errn, "pin directory path %s is too long for a unix socket",
				   dir);
			e = ENAMETOOLONG;
			goto fail;
		}
		int r = make_dir(dir, err, errn);
		if (r) {
			e = -r;
			goto fail;
		}
		snprintf(lv->dir, sizeof(lv->dir), "%s", dir);
		r = pin_maps(lv, p, NULL, err, errn);
		if (!r)
			r = live_ctl_listen(lv, err, errn);
		if (!r)
			r = live_write_info(lv);
		if (r) {
			e = -r;
			goto fail;
		}
	}
	lv->t_start = lv->t_last = live_now_ns();
	for (size_t i = 0; i < nports; i++) {
		struct live_worker *w = &lv->workers[i];
		w->lv = lv;
		w->port = &lv->ports[i];
		w->cpu = (unsigned)i;
		w->pages = aligned_alloc(LIVE_PAGE, (size_t)LIVE_PAGE * LIVE_BATCH);
		if (!w->pages) {
			e = ENOMEM;
			goto fail;
		}
		memset(w->pages, 0, (size_t)LIVE_PAGE * LIVE_BATCH);
		void *(*fn)(void *) = lv->mode == BPFRT_LIVE_AFXDP ? live_afxdp_worker
								   : live_afpacket_worker;
		if ((e = pthread_create(&w->th, NULL, fn, w))) {
			bpfrt_errf(err, errn, "cannot start worker: %s", strerror(e));
			goto fail;
		}
		w->started = true;
	}
	return lv;
fail:
	bpfrt_live__stop(lv);
	errno = e ? e : EINVAL;
	return NULL;
}

BPFRT_API int bpfrt_live__replace(struct bpfrt_live *lv, const char *path, const char *prog_name,
				  char *err, size_t n)
{
	pthread_mutex_lock(&lv->swap_lock);
	struct live_prog *old = atomic_load(&lv->prog);
	int e = 0;
	struct live_prog *p = prog_load(lv, path, prog_name, old->obj, err, n, &e);
	if (!p)
		goto out;
	e = pin_maps(lv, p, old->obj, err, n);
	if (e) {
		prog_free(p);
		goto out;
	}
	p->gen = atomic_load(&lv->gen) + 1;
	atomic_store(&lv->prog, p);
	atomic_store(&lv->gen, p->gen);
	/* Quiescence: each worker is out of a batch (it will load the new
	 * pointer when it starts the next) or finishes the batch it is in. */
	for (size_t i = 0; i < lv->nports; i++) {
		struct live_worker *w = &lv->workers[i];
		if (!w->started)
			continue;
		uint64_t seen = atomic_load(&w->batches);
		while (atomic_load(&w->in_batch) && atomic_load(&w->batches) == seen)
			usleep(50);
	}
	unpin_gone(lv, old->obj, p);
	prog_free(old);
	if (lv->dir[0])
		live_write_info(lv);
out:
	pthread_mutex_unlock(&lv->swap_lock);
	return e;
}

static void update_pps(struct bpfrt_live *lv)
{
	uint64_t now = live_now_ns();
	if (now - lv->t_last < 1000000000u)
		return;
	double dt = (double)(now - lv->t_last) / 1e9;
	for (size_t i = 0; i < lv->nports; i++) {
		uint64_t rx = atomic_load(&lv->workers[i].c.rx);
		lv->pps[i] = (double)(rx - lv->last_rx[i]) / dt;
		lv->last_rx[i] = rx;
	}
	lv->t_last = now;
}

BPFRT_API int bpfrt_live__serve(struct bpfrt_live *lv, volatile sig_atomic_t *stop)
{
	while (!*stop) {
		update_pps(lv);
		if (lv->ctl_fd < 0) {
			usleep(100000);
			continue;
		}
		struct pollfd pfd = { .fd = lv->ctl_fd, .events = POLLIN };
		int r = poll(&pfd, 1, 100);
		if (r <= 0)
			continue;
		int conn = accept4(lv->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn >= 0)
			live_ctl_handle(lv, conn);
	}
	return 0;
}

BPFRT_API void bpfrt_live__stop(struct bpfrt_live *lv)
{
	if (!lv)
		return;
	atomic_store(&lv->stop, true);
	for (size_t i = 0; i < lv->nports; i++)
		if (lv->workers[i].started)
			pthread_join(lv->workers[i].th, NULL);
	live_events_stop_all(lv);
	if (lv->ctl_fd >= 0)
		close(lv->ctl_fd);
	for (size_t i = 0; lv->ports && i < lv->nports; i++) {
		live_afxdp_close(&lv->ports[i]);
		if (lv->ports[i].fd >= 0)
			close(lv->ports[i].fd);
	}
	for (size_t i = 0; lv->workers && i < lv->nports; i++) {
		struct live_worker *w = &lv->workers[i];
		if (w->cur)
			bpfrt__vm_regions_free(&w->rc);
		free(w->pages);
	}
	if (lv->dir[0])
		rm_dir(lv->dir);
	prog_free(atomic_load(&lv->prog));
	free(lv->ports);
	free(lv->workers);
	free(lv->last_rx);
	free(lv->pps);
	pthread_mutex_destroy(&lv->swap_lock);
	pthread_mutex_destroy(&lv->events_lock);
	free(lv);
}
