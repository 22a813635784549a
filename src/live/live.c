/* SPDX-License-Identifier: MIT */
/*
 * Live XDP instance: load the program, open the interfaces, run one worker
 * per RX queue served (frame.c has the per-frame path), swap programs
 * while frames flow.
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

/* ---- programs ------------------------------------------------------------- */

struct reuse_ctx {
	struct bpfrt_object *old;
};

/* The sharing rule of hot swap: a map of the new object is the running
 * map with the same name, type, key size, value size, max_entries and
 * flags (as created: device maps get BPF_F_RDONLY_PROG added).  Global
 * data (.data/.bss/.rodata: names with a '.') is never shared: its layout
 * belongs to the code that was compiled with it, and .rodata is frozen.
 * Prog arrays are not shared either: their slots hold the old object's
 * programs. */
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
		    bpfrt_map__max_entries(m) == max &&
		    bpfrt_map__flags(m) == (flags | bpfrt__map_implied_flags(type)))
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
				   const char *prog_name, bool no_verify,
				   struct bpfrt_object *old, char *err, size_t n, int *errp)
{
	char log[2048] = "";
	struct live_prog *p = calloc(1, sizeof(*p));
	if (!p) {
		*errp = -ENOMEM;
		bpfrt_errf(err, n, "out of memory");
		return NULL;
	}
	snprintf(p->path, sizeof(p->path), "%s", path);
	/* Loads are verifier-strict: a rejected program fails here with the
	 * verifier's message, unless the user opted out (it then runs
	 * checked, which the worker's run state handles). */
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log),
		   .no_verify = no_verify);
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
		e = live_worker_prepare(tw, p);
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

/* Interfaces first: a missing one is the likeliest mistake. */
static int resolve_ports(struct bpfrt_live *lv, const struct bpfrt_live_opts *o)
{
	const char *const *ifaces = OPTS_GET(o, ifaces, NULL);
	for (size_t i = 0; i < lv->nports; i++) {
		struct live_port *p = &lv->ports[i];
		if (strlen(ifaces[i]) >= IF_NAMESIZE || !(p->ifindex = if_nametoindex(ifaces[i]))) {
			set_err(o, ENODEV, "no interface '%s' (%s)", ifaces[i]);
			return -ENODEV;
		}
		snprintf(p->name, sizeof(p->name), "%s", ifaces[i]);
		for (size_t j = 0; j < i; j++)
			if (lv->ports[j].ifindex == p->ifindex) {
				bpfrt_errf(OPTS_GET(o, err_buf, NULL), OPTS_GET(o, err_size, 0),
					   "interface '%s' given twice", p->name);
				return -EINVAL;
			}
	}
	return 0;
}

/*
 * Queues served per interface: `want` (--queues) for each, which may not
 * exceed its RX queue count; by default its RX queue count.  In afpacket
 * mode the default is capped by the online CPUs: the fanout group folds the
 * other queues onto the sockets there are, so no frame is missed.  Not in
 * afxdp mode: a queue without an XSK hands its frames to the kernel's stack,
 * past bpfrt.
 */
static int plan_queues(struct bpfrt_live *lv, unsigned want, char *err, size_t n)
{
	unsigned cpus = live_online_cpus();
	if (want > LIVE_MAX_QUEUES) {
		bpfrt_errf(err, n, "at most %u queues per interface", LIVE_MAX_QUEUES);
		return -EINVAL;
	}
	lv->nworkers = 0;
	for (size_t i = 0; i < lv->nports; i++) {
		struct live_port *p = &lv->ports[i];
		p->rxq = live_rx_queues(p->name);
		if (want > p->rxq) {
			bpfrt_errf(err, n, "%s has %u RX queue%s; %u queues asked for", p->name,
				   p->rxq, p->rxq == 1 ? "" : "s", want);
			return -EINVAL;
		}
		unsigned q = want ? want : p->rxq;
		if (!want && lv->mode == BPFRT_LIVE_AFPACKET && q > cpus)
			q = cpus;
		if (q > LIVE_MAX_QUEUES)
			q = LIVE_MAX_QUEUES;
		if (lv->mode == BPFRT_LIVE_AFXDP && q < p->rxq)
			pr_warn("live: %s: %u of %u RX queues served; frames on the others reach "
				"the kernel's stack without bpfrt\n", p->name, q, p->rxq);
		p->nq = q;
		lv->nworkers += q;
	}
	return 0;
}

/* Each port's sending socket, each worker's socket or XSK. */
static int open_endpoints(struct bpfrt_live *lv, char *err, size_t n)
{
	size_t wi = 0;
	for (size_t i = 0; i < lv->nports; i++) {
		struct live_port *pt = &lv->ports[i];
		int r = live_afpacket_tx_open(pt, err, n), fanout = -1;
		for (unsigned q = 0; !r && q < pt->nq; q++) {
			struct live_worker *w = &lv->workers[wi++];
			r = lv->mode == BPFRT_LIVE_AFXDP ? live_afxdp_open(w, err, n)
							 : live_afpacket_rx_open(w, &fanout, err, n);
		}
		if (r)
			return r;
	}
	if (lv->mode == BPFRT_LIVE_AFPACKET)
		for (size_t i = 0; i < lv->nworkers; i++)
			live_afpacket_drain(&lv->workers[i]);
	return 0;
}

static int start_workers(struct bpfrt_live *lv, char *err, size_t n)
{
	for (size_t i = 0; i < lv->nworkers; i++) {
		struct live_worker *w = &lv->workers[i];
		w->pages = aligned_alloc(LIVE_PAGE, (size_t)LIVE_PAGE * LIVE_BATCH);
		if (!w->pages)
			return -ENOMEM;
		memset(w->pages, 0, (size_t)LIVE_PAGE * LIVE_BATCH);
		void *(*fn)(void *) = lv->mode == BPFRT_LIVE_AFXDP ? live_afxdp_worker
								   : live_afpacket_worker;
		int e = pthread_create(&w->th, NULL, fn, w);
		if (e) {
			bpfrt_errf(err, n, "cannot start worker: %s", strerror(e));
			return -e;
		}
		w->started = true;
	}
	return 0;
}

static int pin_instance(struct bpfrt_live *lv, const char *dir, struct live_prog *p, char *err,
			size_t n)
{
	if (strlen(dir) + sizeof("/ctl.sock") > sizeof(((struct sockaddr_un *)0)->sun_path)) {
		bpfrt_errf(err, n, "pin directory path %s is too long for a unix socket", dir);
		return -ENAMETOOLONG;
	}
	int r = make_dir(dir, err, n);
	if (r)
		return r;
	snprintf(lv->dir, sizeof(lv->dir), "%s", dir);
	r = pin_maps(lv, p, NULL, err, n);
	if (!r)
		r = live_ctl_listen(lv, err, n);
	if (!r)
		r = live_write_info(lv);
	return r;
}

BPFRT_API struct bpfrt_live *bpfrt_live__start(const struct bpfrt_live_opts *o)
{
	char *err = OPTS_GET(o, err_buf, NULL);
	size_t errn = OPTS_GET(o, err_size, 0);
	size_t nports = OPTS_GET(o, iface_cnt, 0);
	const char *path = OPTS_GET(o, obj_path, NULL);
	int r = 0;
	if (!o || !nports || !OPTS_GET(o, ifaces, NULL) || !path) {
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
	if (!lv->ports) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < nports; i++)
		lv->ports[i].fd = -1;
	if (lv->mode == BPFRT_LIVE_AFXDP && !lv->bridge) {
		/* An XSK takes the frame away from the kernel; bpfrt cannot
		 * hand it back to the local stack, so PASS would lose it. */
		bpfrt_errf(err, errn, "--mode afxdp needs --bridge: frames an XSK receives never "
			   "reach the local stack, so XDP_PASS could not deliver them");
		r = -EINVAL;
		goto fail;
	}
	if ((r = resolve_ports(lv, o)) || (r = plan_queues(lv, OPTS_GET(o, queues, 0), err, errn)))
		goto fail;
	lv->workers = calloc(lv->nworkers, sizeof(*lv->workers));
	if (!lv->workers) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0, wi = 0; i < nports; i++)
		for (unsigned q = 0; q < lv->ports[i].nq; q++, wi++) {
			struct live_worker *w = &lv->workers[wi];
			w->lv = lv;
			w->port = &lv->ports[i];
			w->queue = q;
			w->cpu = (unsigned)wi;
			w->rx_fd = -1;
		}
	/* One logical CPU per worker, so per-CPU maps stay race-free. */
	if (bpfrt_num_cpus() < lv->nworkers && bpfrt_set_num_cpus((unsigned)lv->nworkers)) {
		bpfrt_errf(err, errn, "cannot give %zu workers a logical CPU each (maps exist "
			   "already)", lv->nworkers);
		r = -EBUSY;
		goto fail;
	}
	struct live_prog *p = prog_load(lv, path, OPTS_GET(o, prog_name, NULL),
					OPTS_GET(o, no_verify, false), NULL, err, errn, &r);
	if (!p)
		goto fail;
	p->gen = 1;
	atomic_store(&lv->prog, p);
	atomic_store(&lv->gen, 1);
	const char *dir = OPTS_GET(o, pin_dir, NULL);
	if ((r = open_endpoints(lv, err, errn)) || (dir && (r = pin_instance(lv, dir, p, err,
									     errn))))
		goto fail;
	lv->t_start = lv->t_last = live_now_ns();
	if ((r = start_workers(lv, err, errn)))
		goto fail;
	return lv;
fail:
	bpfrt_live__stop(lv);
	errno = r ? -r : EINVAL;
	return NULL;
}

BPFRT_API int bpfrt_live__replace(struct bpfrt_live *lv, const char *path, const char *prog_name,
				  const struct bpfrt_live_replace_opts *opts, char *err, size_t n)
{
	pthread_mutex_lock(&lv->swap_lock);
	struct live_prog *old = atomic_load(&lv->prog);
	int e = 0;
	struct live_prog *p = prog_load(lv, path, prog_name, OPTS_GET(opts, no_verify, false),
					old->obj, err, n, &e);
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
	for (size_t i = 0; i < lv->nworkers; i++) {
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
		struct live_port *p = &lv->ports[i];
		uint64_t rx = 0;
		for (size_t k = 0; k < lv->nworkers; k++)
			if (lv->workers[k].port == p)
				rx += atomic_load(&lv->workers[k].c.rx);
		p->pps = (double)(rx - p->last_rx) / dt;
		p->last_rx = rx;
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
	for (size_t i = 0; lv->workers && i < lv->nworkers; i++)
		if (lv->workers[i].started)
			pthread_join(lv->workers[i].th, NULL);
	live_events_stop_all(lv);
	if (lv->ctl_fd >= 0)
		close(lv->ctl_fd);
	for (size_t i = 0; lv->workers && i < lv->nworkers; i++) {
		struct live_worker *w = &lv->workers[i];
		live_afxdp_close(w);
		if (w->rx_fd >= 0)
			close(w->rx_fd);
		if (w->cur)
			bpfrt__vm_regions_free(&w->rc);
		free(w->pages);
	}
	for (size_t i = 0; lv->ports && i < lv->nports; i++)
		if (lv->ports[i].fd >= 0)
			close(lv->ports[i].fd);
	if (lv->dir[0])
		rm_dir(lv->dir);
	prog_free(atomic_load(&lv->prog));
	free(lv->ports);
	free(lv->workers);
	pthread_mutex_destroy(&lv->swap_lock);
	pthread_mutex_destroy(&lv->events_lock);
	free(lv);
}
