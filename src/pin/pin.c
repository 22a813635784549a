/* SPDX-License-Identifier: MIT */
/*
 * Pinned maps, both sides.
 *
 * Instance side (bpfrt__pin_map): a file per map, header in the first page.
 * For array and percpu_array maps (global data included) the values follow
 * at values_off and the instance maps that part of the file MAP_SHARED over
 * the map's own storage with MAP_FIXED: the address programs hold (lookup
 * results, global data baked into the code as lddw map-value pointers) stays
 * the same, only the pages behind it become file pages.  Another process
 * mapping the same file sees every counter as it changes, with no round
 * trip, and its writes are what the next packet reads.
 *
 * Client side (bpfrt_pinned_map__*): shared maps are read and written
 * through the mapping with the kernel's array semantics; other maps (hash
 * families, LPM, queues...) go to the instance's control socket, whose
 * handler calls the library's own map functions (docs/live.md says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common.h"
#include "maps/map_internal.h"
#include "pin.h"

static size_t page_up(size_t n)
{
	return (n + BPFRT_PIN_PAGE - 1) & ~(size_t)(BPFRT_PIN_PAGE - 1);
}

bool bpfrt__pin_is_shared(const struct bpfrt_map *m)
{
	return m->type == BPFRT_MAP_TYPE_ARRAY || m->type == BPFRT_MAP_TYPE_PERCPU_ARRAY;
}

int bpfrt__pin_map(const char *dir, struct bpfrt_map *m, char *err, size_t err_size)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 32];
	const char *name = bpfrt_map__name(m);
	if (!name[0] || strchr(name, '/')) {
		bpfrt_errf(err, err_size, "map without a usable name cannot be pinned");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);

	struct bpfrt_pin_hdr h = { 0 };
	memcpy(h.magic, BPFRT_PIN_MAGIC, 8);
	h.version = BPFRT_PIN_VERSION;
	h.hdr_size = sizeof(h);
	h.type = m->type;
	h.key_size = m->key_size;
	h.value_size = m->value_size;
	h.max_entries = m->max_entries;
	h.map_flags = m->map_flags;
	h.ncpus = m->percpu ? m->ncpus : 1;
	h.elem_size = m->elem_size;
	h.frozen = atomic_load(&m->frozen) || (m->map_flags & BPFRT_F_RDONLY);
	h.owner_pid = (uint32_t)getpid();
	memcpy(h.name, m->name, sizeof(h.name));

	size_t bytes = 0;
	void *values = bpfrt__pin_is_shared(m) ? bpfrt__array_values(m, &bytes) : NULL;
	h.storage = values ? BPFRT_PIN_SHARED : BPFRT_PIN_SOCKET;
	if (values) {
		h.values_off = BPFRT_PIN_PAGE;
		h.values_size = bytes;
	}

	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		bpfrt_errf(err, err_size, "cannot create %s: %s", tmp, strerror(e));
		return -e;
	}
	int ret = 0;
	size_t map_len = page_up(bytes);
	if (ftruncate(fd, (off_t)(BPFRT_PIN_PAGE + map_len)) ||
	    pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    (values && pwrite(fd, values, bytes, BPFRT_PIN_PAGE) != (ssize_t)bytes)) {
		ret = -errno;
		bpfrt_errf(err, err_size, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (values) {
		/* Same address, file pages behind it: the copy above carried
		 * the current contents (initial global data) over. */
		void *p = mmap(values, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			       fd, BPFRT_PIN_PAGE);
		if (p == MAP_FAILED) {
			ret = -errno;
			bpfrt_errf(err, err_size, "cannot map %s: %s", tmp, strerror(errno));
			goto out;
		}
	}
	if (rename(tmp, path)) {
		ret = -errno;
		bpfrt_errf(err, err_size, "cannot rename %s: %s", tmp, strerror(errno));
	}
out:
	if (ret)
		unlink(tmp);
	close(fd);
	return ret;
}

/* ---- client side ------------------------------------------------------ */

struct bpfrt_pinned_map {
	struct bpfrt_pin_hdr h;
	char dir[PATH_MAX];
	uint8_t *base;		/* shared: the whole file mapping */
	size_t len;
	uint8_t *values;
};

BPFRT_API struct bpfrt_pinned_map *bpfrt_pinned_map__open(const char *path)
{
	struct bpfrt_pinned_map *pm = calloc(1, sizeof(*pm));
	if (!pm) {
		errno = ENOMEM;
		return NULL;
	}
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	struct stat st;
	if (fstat(fd, &st) || pread(fd, &pm->h, sizeof(pm->h), 0) != (ssize_t)sizeof(pm->h) ||
	    memcmp(pm->h.magic, BPFRT_PIN_MAGIC, 8) || pm->h.version != BPFRT_PIN_VERSION) {
		close(fd);
		errno = EINVAL;
		goto fail;
	}
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(pm->dir, sizeof(pm->dir), "%s", dirname(tmp));
	if (pm->h.storage == BPFRT_PIN_SHARED) {
		if ((uint64_t)st.st_size < pm->h.values_off + pm->h.values_size) {
			close(fd);
			errno = EINVAL;
			goto fail;
		}
		pm->len = (size_t)st.st_size;
		pm->base = mmap(NULL, pm->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (pm->base == MAP_FAILED)
			pm->base = mmap(NULL, pm->len, PROT_READ, MAP_SHARED, fd, 0);
		if (pm->base == MAP_FAILED) {
			int e = errno;
			close(fd);
			errno = e;
			goto fail;
		}
		pm->values = pm->base + pm->h.values_off;
	}
	close(fd);
	return pm;
fail:
	free(pm);
	return NULL;
}

BPFRT_API void bpfrt_pinned_map__close(struct bpfrt_pinned_map *pm)
{
	if (!pm)
		return;
	if (pm->base)
		munmap(pm->base, pm->len);
	free(pm);
}

BPFRT_API const struct bpfrt_pin_hdr *bpfrt_pinned_map__hdr(const struct bpfrt_pinned_map *pm)
{
	return &pm->h;
}

static bool hdr_percpu(const struct bpfrt_pin_hdr *h)
{
	return h->type == BPFRT_MAP_TYPE_PERCPU_ARRAY || h->type == BPFRT_MAP_TYPE_PERCPU_HASH ||
	       h->type == BPFRT_MAP_TYPE_LRU_PERCPU_HASH;
}

BPFRT_API size_t bpfrt_pinned_map__user_value_size(const struct bpfrt_pinned_map *pm)
{
	return hdr_percpu(&pm->h) ? (size_t)pm->h.ncpus * pm->h.elem_size : pm->h.value_size;
}

/* ---- socket-served maps: "map NAME OP [KEYHEX [VALHEX FLAGS]]" -------- */

static void hex(char *out, const void *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
	if (!n)
		strcpy(out, "-");
}

static int unhex1(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Parse exactly n bytes of hex ("-" for zero bytes); internal, also used
 * by the control socket. */
int bpfrt__unhex(const char *s, void *out, size_t n);
int bpfrt__unhex(const char *s, void *out, size_t n)
{
	if (!n)
		return strcmp(s, "-") && *s ? -EINVAL : 0;
	if (strlen(s) != 2 * n)
		return -EINVAL;
	uint8_t *b = out;
	for (size_t i = 0; i < n; i++) {
		int hi = unhex1(s[2 * i]), lo = unhex1(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
void bpfrt__hex(char *out, const void *p, size_t n);
void bpfrt__hex(char *out, const void *p, size_t n) { hex(out, p, n); }

struct sock_reply {
	void *out;
	size_t n;
	int got;
};

static int reply_line(void *user, const char *line)
{
	struct sock_reply *r = user;
	if (r->out && !r->got && !bpfrt__unhex(line, r->out, r->n))
		r->got = 1;
	return 0;
}

/* "err <errno> <message>": the errno comes back as the return value. */
static int sock_op(struct bpfrt_pinned_map *pm, const char *op, const void *key,
		   const void *value, uint64_t flags, void *out, size_t out_n)
{
	size_t ks = pm->h.key_size, vs = bpfrt_pinned_map__user_value_size(pm);
	char *req = malloc(64 + 2 * ks + 2 * vs + 40);
	if (!req)
		return -ENOMEM;
	int n = sprintf(req, "map %s %s ", pm->h.name, op);
	hex(req + n, key, key ? ks : 0);
	if (value) {
		strcat(req, " ");
		hex(req + strlen(req), value, vs);
		sprintf(req + strlen(req), " %llu", (unsigned long long)flags);
	}
	char err[256] = "";
	struct sock_reply r = { out, out_n, 0 };
	int ret = bpfrt_live_ctl(pm->dir, req, reply_line, &r, err, sizeof(err));
	free(req);
	if (ret == -EREMOTEIO) {
		int e = atoi(err);
		return e > 0 ? -e : -EIO;
	}
	if (!ret && out && !r.got)
		return -EIO;
	return ret;
}

BPFRT_API int bpfrt_pinned_map__lookup(struct bpfrt_pinned_map *pm, const void *key,
				       void *value)
{
	if (pm->h.storage == BPFRT_PIN_SOCKET)
		return sock_op(pm, "lookup", key, NULL, 0, value,
			       bpfrt_pinned_map__user_value_size(pm));
	uint32_t i;
	memcpy(&i, key, 4);
	if (i >= pm->h.max_entries)
		return -ENOENT;
	size_t per = bpfrt_pinned_map__user_value_size(pm);
	size_t stride = hdr_percpu(&pm->h) ? per : pm->h.elem_size;
	memcpy(value, pm->values + (size_t)i * stride, per);
	return 0;
}

BPFRT_API int bpfrt_pinned_map__update(struct bpfrt_pinned_map *pm, const void *key,
				       const void *value, uint64_t flags)
{
	if (pm->h.storage == BPFRT_PIN_SOCKET)
		return sock_op(pm, "update", key, value, flags, NULL, 0);
	if (pm->h.frozen)
		return -EPERM;
	uint32_t i;
	memcpy(&i, key, 4);
	/* The kernel's array_map_update_elem, in its order. */
	if ((flags & ~(uint64_t)BPFRT_F_LOCK) > BPFRT_EXIST)
		return -EINVAL;
	if (i >= pm->h.max_entries)
		return -E2BIG;
	if (flags & BPFRT_NOEXIST)
		return -EEXIST;
	if (flags & BPFRT_F_LOCK)
		return -EINVAL;
	size_t per = bpfrt_pinned_map__user_value_size(pm);
	size_t stride = hdr_percpu(&pm->h) ? per : pm->h.elem_size;
	memcpy(pm->values + (size_t)i * stride, value, per);
	return 0;
}

BPFRT_API int bpfrt_pinned_map__delete(struct bpfrt_pinned_map *pm, const void *key)
{
	if (pm->h.storage == BPFRT_PIN_SOCKET)
		return sock_op(pm, "delete", key, NULL, 0, NULL, 0);
	return pm->h.frozen ? -EPERM : -EINVAL;	/* arrays: the kernel's answer */
}

BPFRT_API int bpfrt_pinned_map__next_key(struct bpfrt_pinned_map *pm, const void *key,
					 void *next)
{
	if (pm->h.storage == BPFRT_PIN_SOCKET)
		return sock_op(pm, "next", key, NULL, 0, next, pm->h.key_size);
	uint32_t i = UINT32_MAX, n;
	if (key)
		memcpy(&i, key, 4);
	if (i >= pm->h.max_entries)
		n = 0;
	else if (i == pm->h.max_entries - 1)
		return -ENOENT;
	else
		n = i + 1;
	memcpy(next, &n, 4);
	return 0;
}
