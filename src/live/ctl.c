/* SPDX-License-Identifier: MIT */
/*
 * The control socket (DIR/ctl.sock) and its clients.
 *
 * Protocol: the client sends one request line; the instance answers with
 * data lines and a final "ok" or "err <errno> <message>" line, then closes.
 *   status                          counters per interface, queue and
 *                                   verdict, pps
 *   info                            DIR/instance.json's contents
 *   replace <prog>\t<object path>[\tno_verify]
 *                                   hot swap (maps shared by name and shape);
 *                                   no_verify loads a program the verifier
 *                                   rejects (it runs checked)
 *   map <name> lookup <key>         value as hex
 *   map <name> update <key> <value> <flags>
 *   map <name> delete <key>
 *   map <name> next <key|->         the next key as hex
 *   dump <name>                     "<key> <value>" per entry
 *   events <name>                   ringbuf / perf records as hex lines,
 *                                   until the client goes or the instance stops
 * Keys and values are hex strings of exactly their size ("-" for none).
 * Requests are served one at a time on the serving thread (so a replace
 * never races a map request); events get a thread each.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/common.h"
#include "maps/map_internal.h"
#include "live.h"

static const char *verdict_names[BPFRT_LIVE_NR_VERDICTS] = {
	"aborted", "drop", "pass", "tx", "redirect",
};

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int out_line(void *user, const char *line)
{
	int fd = *(int *)user;
	if (write_all(fd, line, strlen(line)))
		return -1;
	return write_all(fd, "\n", 1);
}

static void replyf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void replyf(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_line(&fd, buf);
}

int live_ctl_listen(struct bpfrt_live *lv, char *err, size_t n)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%.*s/ctl.sock", 90, lv->dir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16)) {
		int e = errno;
		bpfrt_errf(err, n, "cannot listen on %s: %s", a.sun_path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	lv->ctl_fd = fd;
	return 0;
}

static const char *mode_str(const struct bpfrt_live *lv)
{
	return lv->mode == BPFRT_LIVE_AFXDP ? "afxdp" : "afpacket";
}

int live_write_info(struct bpfrt_live *lv)
{
	char tmp[PATH_MAX + 16], path[PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s/.instance.tmp", lv->dir);
	snprintf(path, sizeof(path), "%s/instance.json", lv->dir);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -errno;
	struct live_prog *p = atomic_load(&lv->prog);
	fprintf(f, "{\"pid\": %d, \"mode\": \"%s\", \"bridge\": %s, \"engine\": \"%s\", "
		"\"object\": \"%s\", \"program\": \"%s\", \"generation\": %" PRIu64 ", "
		"\"interfaces\": [", (int)getpid(), mode_str(lv), lv->bridge ? "true" : "false",
		bpfrt_engine_str(lv->engine), p->path, p->prog_name, p->gen);
	for (size_t i = 0; i < lv->nports; i++) {
		const struct live_port *pt = &lv->ports[i];
		fprintf(f, "%s{\"name\": \"%s\", \"ifindex\": %u, \"rx_queues\": %u, "
			"\"queues\": [", i ? ", " : "", pt->name, pt->ifindex, pt->rxq);
		int k = 0;
		for (size_t j = 0; j < lv->nworkers; j++)
			if (lv->workers[j].port == pt)
				fprintf(f, "%s{\"queue\": %u, \"cpu\": %u}", k++ ? ", " : "",
					lv->workers[j].queue, lv->workers[j].cpu);
		fprintf(f, "]}");
	}
	fprintf(f, "], \"maps\": [");
	int k = 0;
	for (struct bpfrt_map *m = bpfrt_object__next_map(p->obj, NULL); m;
	     m = bpfrt_object__next_map(p->obj, m))
		fprintf(f, "%s\"%s\"", k++ ? ", " : "", bpfrt_map__name(m));
	fprintf(f, "]}\n");
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

/* Counters summed over workers (each worker writes only its own). */
struct sums {
	uint64_t rx, rx_bytes, v[BPFRT_LIVE_NR_VERDICTS];
	uint64_t sent, send_err, redirect_err, faults, kernel_drops;
};

static void add_counters(struct sums *s, const struct live_counters *c)
{
	s->rx += atomic_load(&c->rx);
	s->rx_bytes += atomic_load(&c->rx_bytes);
	for (int k = 0; k < BPFRT_LIVE_NR_VERDICTS; k++)
		s->v[k] += atomic_load(&c->verdict[k]);
	s->sent += atomic_load(&c->sent);
	s->send_err += atomic_load(&c->send_err);
	s->redirect_err += atomic_load(&c->redirect_err);
	s->faults += atomic_load(&c->faults);
	s->kernel_drops += atomic_load(&c->kernel_drops);
}

/* " rx=.. rx_bytes=.. <verdicts> sent=.." appended at line + n. */
static void put_sums(char *line, size_t size, int n, const struct sums *s)
{
	n += snprintf(line + n, size - (size_t)n, " rx=%" PRIu64 " rx_bytes=%" PRIu64, s->rx,
		      s->rx_bytes);
	for (int k = 0; k < BPFRT_LIVE_NR_VERDICTS; k++)
		n += snprintf(line + n, size - (size_t)n, " %s=%" PRIu64, verdict_names[k], s->v[k]);
	snprintf(line + n, size - (size_t)n, " sent=%" PRIu64 " send_errors=%" PRIu64
		 " redirect_errors=%" PRIu64 " faults=%" PRIu64 " kernel_drops=%" PRIu64, s->sent,
		 s->send_err, s->redirect_err, s->faults, s->kernel_drops);
}

/* instance line; per interface the sums over its workers, then one line
 * per worker (queue); total. */
void live_status(struct bpfrt_live *lv, int (*out)(void *, const char *), void *user)
{
	char line[PATH_MAX + 1024];
	struct live_prog *p = atomic_load(&lv->prog);
	snprintf(line, sizeof(line), "instance pid=%d mode=%s bridge=%s program=%s object=%s "
		 "generation=%" PRIu64 " verified=%s workers=%zu uptime=%.1fs", (int)getpid(),
		 mode_str(lv), lv->bridge ? "yes" : "no", p->prog_name, p->path, p->gen,
		 p->verified ? "yes" : "no", lv->nworkers,
		 (double)(live_now_ns() - lv->t_start) / 1e9);
	out(user, line);
	struct sums tot = { 0 };
	double tot_pps = 0;
	for (size_t i = 0; i < lv->nports; i++) {
		const struct live_port *pt = &lv->ports[i];
		struct sums s = { 0 };
		for (size_t j = 0; j < lv->nworkers; j++)
			if (lv->workers[j].port == pt)
				add_counters(&s, &lv->workers[j].c);
		int n = snprintf(line, sizeof(line), "iface=%s ifindex=%u queues=%u rx_queues=%u "
				 "pps=%.1f", pt->name, pt->ifindex, pt->nq, pt->rxq, pt->pps);
		put_sums(line, sizeof(line), n, &s);
		out(user, line);
		for (size_t j = 0; j < lv->nworkers; j++) {
			const struct live_worker *w = &lv->workers[j];
			if (w->port != pt)
				continue;
			struct sums ws = { 0 };
			add_counters(&ws, &w->c);
			n = snprintf(line, sizeof(line), "queue iface=%s queue=%u cpu=%u", pt->name,
				     w->queue, w->cpu);
			put_sums(line, sizeof(line), n, &ws);
			out(user, line);
		}
		tot_pps += pt->pps;
	}
	for (size_t j = 0; j < lv->nworkers; j++)
		add_counters(&tot, &lv->workers[j].c);
	int n = snprintf(line, sizeof(line), "total pps=%.1f", tot_pps);
	put_sums(line, sizeof(line), n, &tot);
	out(user, line);
}

static struct bpfrt_map *find_map(struct bpfrt_live *lv, const char *name)
{
	struct live_prog *p = atomic_load(&lv->prog);
	for (struct bpfrt_map *m = bpfrt_object__next_map(p->obj, NULL); m;
	     m = bpfrt_object__next_map(p->obj, m))
		if (!strcmp(bpfrt_map__name(m), name))
			return m;
	return NULL;
}

/* ---- events ---------------------------------------------------------- */

struct live_events {
	struct live_events *next;
	struct bpfrt_live *lv;
	struct bpfrt_map *map;	/* referenced */
	int fd;
	pthread_t th;
	bool gone;
};

static int ev_emit(struct live_events *ev, const void *data, size_t size)
{
	char *line = malloc(2 * size + 2);
	if (!line)
		return -1;
	bpfrt__hex(line, data, size);
	if (out_line(&ev->fd, line))
		ev->gone = true;
	free(line);
	return ev->gone ? -1 : 0;
}

static int ev_ringbuf(void *user, void *data, size_t size)
{
	return ev_emit(user, data, size) ? 1 : 0;
}

static void ev_perf(void *user, int cpu, void *data, uint32_t size)
{
	(void)cpu;
	ev_emit(user, data, size);
}

static void ev_lost(void *user, int cpu, uint64_t lost)
{
	struct live_events *ev = user;
	replyf(ev->fd, "# lost %" PRIu64 " records on cpu %d", lost, cpu);
}

static void *ev_thread(void *arg)
{
	struct live_events *ev = arg;
	struct bpfrt_ringbuf *rb = NULL;
	struct bpfrt_perf_reader *pr = NULL;
	if (bpfrt_map__type(ev->map) == BPFRT_MAP_TYPE_RINGBUF)
		rb = bpfrt_ringbuf__new(ev->map, ev_ringbuf, ev);
	else
		pr = bpfrt_perf_reader__new(ev->map, 8, ev_perf, ev_lost, ev);
	if (!rb && !pr) {
		replyf(ev->fd, "err %d cannot read map '%s': %s", errno, bpfrt_map__name(ev->map),
		       strerror(errno));
		ev->gone = true;
	}
	while (!ev->gone && !atomic_load(&ev->lv->stop)) {
		if (rb)
			bpfrt_ringbuf__poll(rb, 100);
		else
			bpfrt_perf_reader__poll(pr, 100);
		/* The client hung up (EOF or error on its side)? */
		struct pollfd pfd = { .fd = ev->fd, .events = POLLIN | POLLRDHUP };
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)))
			ev->gone = true;
	}
	if (!ev->gone)
		replyf(ev->fd, "ok");
	bpfrt_ringbuf__free(rb);
	bpfrt_perf_reader__free(pr);
	shutdown(ev->fd, SHUT_RDWR);
	return NULL;
}

void live_events_stop_all(struct bpfrt_live *lv)
{
	pthread_mutex_lock(&lv->events_lock);
	struct live_events *ev = lv->events;
	lv->events = NULL;
	pthread_mutex_unlock(&lv->events_lock);
	while (ev) {
		struct live_events *next = ev->next;
		pthread_join(ev->th, NULL);
		close(ev->fd);
		bpfrt_map__put(ev->map);
		free(ev);
		ev = next;
	}
}

static void events_start(struct bpfrt_live *lv, int conn, struct bpfrt_map *m)
{
	enum bpfrt_map_type t = bpfrt_map__type(m);
	if (t != BPFRT_MAP_TYPE_RINGBUF && t != BPFRT_MAP_TYPE_PERF_EVENT_ARRAY) {
		replyf(conn, "err %d map '%s' is a %s, not a ringbuf or perf_event_array", EINVAL,
		       bpfrt_map__name(m), bpfrt_map_type_str(t));
		close(conn);
		return;
	}
	struct live_events *ev = calloc(1, sizeof(*ev));
	if (!ev) {
		close(conn);
		return;
	}
	ev->lv = lv;
	ev->map = bpfrt_map__get(m);
	ev->fd = conn;
	if (pthread_create(&ev->th, NULL, ev_thread, ev)) {
		bpfrt_map__put(m);
		close(conn);
		free(ev);
		return;
	}
	/* Reap the threads of clients that went away, keep the rest. */
	pthread_mutex_lock(&lv->events_lock);
	struct live_events **pp = &lv->events;
	while (*pp) {
		struct live_events *e = *pp;
		if (e->gone) {
			*pp = e->next;
			pthread_join(e->th, NULL);
			close(e->fd);
			bpfrt_map__put(e->map);
			free(e);
		} else {
			pp = &e->next;
		}
	}
	ev->next = lv->events;
	lv->events = ev;
	pthread_mutex_unlock(&lv->events_lock);
}

/* ---- requests -------------------------------------------------------- */

static void map_request(struct bpfrt_live *lv, int conn, char *args)
{
	char *save = NULL;
	char *name = strtok_r(args, " ", &save), *op = strtok_r(NULL, " ", &save);
	char *key_s = strtok_r(NULL, " ", &save), *val_s = strtok_r(NULL, " ", &save);
	char *flags_s = strtok_r(NULL, " ", &save);
	struct bpfrt_map *m = name ? find_map(lv, name) : NULL;
	if (!m || !op) {
		replyf(conn, "err %d no map '%s'", ENOENT, name ? name : "");
		return;
	}
	size_t ks = bpfrt_map__key_size(m), vs = bpfrt_map__user_value_size(m);
	uint8_t *key = calloc(1, ks + 1), *val = calloc(1, vs + 1), *nk = calloc(1, ks + 1);
	char *hexbuf = malloc(2 * (ks > vs ? ks : vs) + 2);
	int r;
	bool have_key = key_s && strcmp(key_s, "-");
	if (!key || !val || !nk || !hexbuf) {
		replyf(conn, "err %d out of memory", ENOMEM);
		goto out;
	}
	if (key_s && have_key && bpfrt__unhex(key_s, key, ks)) {
		replyf(conn, "err %d key must be %zu bytes of hex", EINVAL, ks);
		goto out;
	}
	if (!strcmp(op, "lookup")) {
		r = bpfrt_map__lookup_elem(m, key, val);
		if (!r) {
			bpfrt__hex(hexbuf, val, vs);
			out_line(&conn, hexbuf);
		}
	} else if (!strcmp(op, "update")) {
		if (!val_s || bpfrt__unhex(val_s, val, vs)) {
			replyf(conn, "err %d value must be %zu bytes of hex", EINVAL, vs);
			goto out;
		}
		r = bpfrt_map__update_elem(m, key, val, flags_s ? strtoull(flags_s, NULL, 0) : 0);
	} else if (!strcmp(op, "delete")) {
		r = bpfrt_map__delete_elem(m, key);
	} else if (!strcmp(op, "next")) {
		r = bpfrt_map__get_next_key(m, have_key ? key : NULL, nk);
		if (!r) {
			bpfrt__hex(hexbuf, nk, ks);
			out_line(&conn, hexbuf);
		}
	} else {
		replyf(conn, "err %d unknown map operation '%s'", EINVAL, op);
		goto out;
	}
	if (r)
		replyf(conn, "err %d %s", -r, strerror(-r));
	else
		replyf(conn, "ok");
out:
	free(key);
	free(val);
	free(nk);
	free(hexbuf);
}

static void dump_request(struct bpfrt_live *lv, int conn, const char *name)
{
	struct bpfrt_map *m = find_map(lv, name);
	if (!m) {
		replyf(conn, "err %d no map '%s'", ENOENT, name);
		return;
	}
	size_t ks = bpfrt_map__key_size(m), vs = bpfrt_map__user_value_size(m);
	uint8_t *key = calloc(1, ks + 1), *next = calloc(1, ks + 1), *val = calloc(1, vs + 1);
	char *line = malloc(2 * ks + 2 * vs + 4);
	if (!key || !next || !val || !line) {
		replyf(conn, "err %d out of memory", ENOMEM);
		goto out;
	}
	bool first = true;
	for (unsigned guard = 0; guard < 16u << 20; guard++) {
		int r = bpfrt_map__get_next_key(m, first ? NULL : key, next);
		if (r)
			break;
		first = false;
		memcpy(key, next, ks);
		if (bpfrt_map__lookup_elem(m, key, val))
			continue;	/* deleted in between */
		bpfrt__hex(line, key, ks);
		strcat(line, " ");
		bpfrt__hex(line + strlen(line), val, vs);
		if (out_line(&conn, line))
			goto out;
	}
	replyf(conn, "ok");
out:
	free(key);
	free(next);
	free(val);
	free(line);
}

void live_ctl_handle(struct bpfrt_live *lv, int conn)
{
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	size_t cap = 1 << 16, len = 0;
	char *req = malloc(cap + 1);
	if (!req) {
		close(conn);
		return;
	}
	/* One line. */
	while (len < cap) {
		ssize_t r = recv(conn, req + len, cap - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (memchr(req + len - (size_t)r, '\n', (size_t)r))
			break;
	}
	req[len] = '\0';
	char *nl = strchr(req, '\n');
	if (!nl) {
		replyf(conn, "err %d request must be one line", EINVAL);
		goto out;
	}
	*nl = '\0';
	if (!strcmp(req, "status")) {
		live_status(lv, out_line, &conn);
		replyf(conn, "ok");
	} else if (!strcmp(req, "info")) {
		char path[PATH_MAX + 16], line[4096];
		snprintf(path, sizeof(path), "%s/instance.json", lv->dir);
		FILE *f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			out_line(&conn, line);
		}
		if (f)
			fclose(f);
		replyf(conn, "ok");
	} else if (!strncmp(req, "replace ", 8)) {
		char *tab = strchr(req + 8, '\t');
		if (!tab) {
			replyf(conn, "err %d usage: replace <prog>\\t<path>", EINVAL);
			goto out;
		}
		*tab = '\0';
		/* Options follow the path after another tab (the CLI
		 * refuses paths that contain one). */
		BPFRT_OPTS(bpfrt_live_replace_opts, ro);
		char *opt = strchr(tab + 1, '\t');
		if (opt) {
			*opt++ = '\0';
			if (strcmp(opt, "no_verify")) {
				replyf(conn, "err %d unknown replace option '%.40s'", EINVAL, opt);
				goto out;
			}
			ro.no_verify = true;
		}
		char err[2048] = "";
		int r = bpfrt_live__replace(lv, tab + 1, req[8] ? req + 8 : NULL, &ro, err,
					    sizeof(err));
		if (r) {
			/* One line: the loader's message may have several. */
			for (char *c = err; *c; c++)
				if (*c == '\n')
					*c = ' ';
			replyf(conn, "err %d %s", -r, err);
		} else {
			struct live_prog *p = atomic_load(&lv->prog);
			replyf(conn, "replaced: program %s from %s, generation %" PRIu64
			       ", verified %s", p->prog_name, p->path, p->gen,
			       p->verified ? "yes" : "no");
			replyf(conn, "ok");
		}
	} else if (!strncmp(req, "map ", 4)) {
		pthread_mutex_lock(&lv->swap_lock);
		map_request(lv, conn, req + 4);
		pthread_mutex_unlock(&lv->swap_lock);
	} else if (!strncmp(req, "dump ", 5)) {
		pthread_mutex_lock(&lv->swap_lock);
		dump_request(lv, conn, req + 5);
		pthread_mutex_unlock(&lv->swap_lock);
	} else if (!strncmp(req, "events ", 7)) {
		struct bpfrt_map *m = find_map(lv, req + 7);
		if (!m) {
			replyf(conn, "err %d no map '%s'", ENOENT, req + 7);
			goto out;
		}
		free(req);
		events_start(lv, conn, m);
		return;
	} else {
		replyf(conn, "err %d unknown request '%.40s'", EINVAL, req);
	}
out:
	free(req);
	close(conn);
}

/* ---- client ------------------------------------------------------------ */

BPFRT_API int bpfrt_live_ctl(const char *dir, const char *request, bpfrt_live_line_fn fn,
			     void *user, char *err, size_t err_size)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(dir) + sizeof("/ctl.sock") > sizeof(a.sun_path)) {
		bpfrt_errf(err, err_size, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%.*s/ctl.sock", 90, dir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;
		bpfrt_errf(err, err_size, "no instance at %s: %s", dir, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	if (write_all(fd, request, strlen(request)) || write_all(fd, "\n", 1)) {
		int e = errno;
		bpfrt_errf(err, err_size, "%s: %s", a.sun_path, strerror(e));
		close(fd);
		return -e;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int ret = -EPIPE;
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	bpfrt_errf(err, err_size, "instance closed the connection without an answer");
	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			if (!strcmp(buf, "ok")) {
				ret = 0;
				goto done;
			}
			if (!strncmp(buf, "err ", 4)) {
				bpfrt_errf(err, err_size, "%s", buf + 4);
				ret = -EREMOTEIO;
				goto done;
			}
			if (fn && fn(user, buf)) {
				ret = -ECANCELED;
				goto done;
			}
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				ret = -ENOMEM;
				goto done;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + len, cap - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
done:
	free(buf);
	close(fd);
	return ret;
}
