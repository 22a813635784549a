/* SPDX-License-Identifier: MIT */
/*
 * Differential test of bpfrt maps against the running kernel's: the same
 * map is created with bpf(2) and with bpfrt_map__create, the same random
 * sequence of operations (with every update flag, bad flags, missing keys,
 * full maps, out-of-range indexes; for device and socket maps, interfaces
 * and sockets that exist and do not) is applied to both, and every return
 * code and value is compared, then the final contents.
 *
 * Needs bpf() (root or CAP_BPF); skips cleanly otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "lib/t.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* kernel-internal; bpfrt answers ENOTSUP */
#endif

static unsigned ncpus;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void rnd_fill(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = (uint8_t)rnd();
}

/* ---- raw bpf(2) ------------------------------------------------------ */

static int sys_bpf(int cmd, union bpf_attr *a)
{
	long r = syscall(__NR_bpf, cmd, a, sizeof(*a));
	if (r < 0)
		return errno == ENOTSUPP ? -ENOTSUP : -errno;
	return (int)r;
}

static int k_create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags,
		    uint64_t extra, int inner_fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.map_extra = extra;
	a.inner_map_fd = inner_fd > 0 ? (uint32_t)inner_fd : 0;
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int k_elem(int cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	int r = sys_bpf(cmd, &a);
	return r > 0 ? 0 : r;
}

static int k_next(int fd, const void *key, void *next)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.next_key = (uint64_t)(uintptr_t)next;
	int r = sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
	return r > 0 ? 0 : r;
}

static int k_freeze(int fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	int r = sys_bpf(BPF_MAP_FREEZE, &a);
	return r > 0 ? 0 : r;
}

static int possible_cpus(void)
{
	char *s = t_read_file("/sys/devices/system/cpu/possible", NULL);
	if (!s)
		return -1;
	/* "0-3" or "0,2-5": count every listed CPU. */
	int n = 0;
	for (char *p = s; *p && *p != '\n';) {
		long a = strtol(p, &p, 10), b = a;
		if (*p == '-')
			b = strtol(p + 1, &p, 10);
		n += (int)(b - a + 1);
		if (*p == ',')
			p++;
	}
	free(s);
	return n;
}

/* ---- create validation ----------------------------------------------- */

struct cc { uint32_t type, ks, vs, max, flags; uint64_t extra; const char *what; };

static void test_create_validation(void)
{
	static const struct cc cases[] = {
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0, 0, "array ok" },
		{ BPF_MAP_TYPE_ARRAY, 8, 8, 16, 0, 0, "array key 8" },
		{ BPF_MAP_TYPE_ARRAY, 4, 0, 16, 0, 0, "array value 0" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 0, 0, 0, "array max 0" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_NO_PREALLOC, 0, "array no_prealloc" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_MMAPABLE, 0, "array mmapable" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY, 0, "rdonly|wronly" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0, "prog rd|wr" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 1, "array map_extra" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_MMAPABLE, 0, "percpu array mmapable" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 40000, 4, 0, 0, "percpu array value too big" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 4, 0, 0, "percpu array value max" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 16, 0, 0, "hash ok" },
		{ BPF_MAP_TYPE_HASH, 0, 8, 16, 0, 0, "hash key 0" },
		{ BPF_MAP_TYPE_HASH, 4, 0, 16, 0, 0, "hash value 0" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 0, 0, 0, "hash max 0" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_NO_PREALLOC, 0, "hash no_prealloc" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_NO_COMMON_LRU, 0, "hash no_common_lru" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_MMAPABLE, 0, "hash mmapable" },
		{ BPF_MAP_TYPE_HASH, 1000, 8, 16, 0, 0, "hash key 1000" },
		{ BPF_MAP_TYPE_HASH, 64, 5u << 20, 2, 0, 0, "hash elem too big" },
		{ BPF_MAP_TYPE_PERCPU_HASH, 4, 40000, 4, 0, 0, "percpu hash value too big" },
		{ BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, BPF_F_NO_PREALLOC, 0, "lru no_prealloc" },
		{ BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, BPF_F_NO_COMMON_LRU, 0, "lru no_common_lru" },
		{ BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 16, 0, 0, "lru percpu ok" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16, BPF_F_NO_PREALLOC, 0, "lpm ok" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16, 0, 0, "lpm prealloc" },
		{ BPF_MAP_TYPE_LPM_TRIE, 4, 8, 16, BPF_F_NO_PREALLOC, 0, "lpm key 4" },
		{ BPF_MAP_TYPE_LPM_TRIE, 5, 8, 16, BPF_F_NO_PREALLOC, 0, "lpm key 5" },
		{ BPF_MAP_TYPE_LPM_TRIE, 260, 8, 16, BPF_F_NO_PREALLOC, 0, "lpm key 260" },
		{ BPF_MAP_TYPE_LPM_TRIE, 261, 8, 16, BPF_F_NO_PREALLOC, 0, "lpm key 261" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 0, 16, BPF_F_NO_PREALLOC, 0, "lpm value 0" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 0, BPF_F_NO_PREALLOC, 0, "lpm max 0" },
		{ BPF_MAP_TYPE_QUEUE, 0, 8, 16, 0, 0, "queue ok" },
		{ BPF_MAP_TYPE_QUEUE, 4, 8, 16, 0, 0, "queue key 4" },
		{ BPF_MAP_TYPE_QUEUE, 0, 0, 16, 0, 0, "queue value 0" },
		{ BPF_MAP_TYPE_QUEUE, 0, 8, 0, 0, 0, "queue max 0" },
		{ BPF_MAP_TYPE_STACK, 0, 8, 16, BPF_F_NO_PREALLOC, 0, "stack no_prealloc" },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 16, 0, 0, "bloom ok" },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 4, 8, 16, 0, 0, "bloom key 4" },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 16, 0, 3, "bloom 3 hashes" },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 16, 0, 16, "bloom extra 16" },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 16, BPF_F_NO_PREALLOC, 0, "bloom no_prealloc" },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, "ringbuf ok" },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 3 * 4096, 0, 0, "ringbuf not pow2" },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 1024, 0, 0, "ringbuf < page" },
		{ BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0, 0, "ringbuf key" },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_RDONLY, 0, "ringbuf rdonly" },
		{ BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0, "prog array ok" },
		{ BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0, 0, "prog array value 8" },
		{ BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, 0, "prog array rdonly_prog" },
		{ BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0, 0, "perf array ok" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0, 0, "devmap ok" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0, 0, "devmap bpf_devmap_val" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 12, 4, 0, 0, "devmap value 12" },
		{ BPF_MAP_TYPE_DEVMAP, 8, 4, 4, 0, 0, "devmap key 8" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 0, 0, 0, "devmap max 0" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_NO_PREALLOC, 0, "devmap no_prealloc" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_RDONLY_PROG, 0, "devmap rdonly_prog" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_WRONLY, 0, "devmap wronly" },
		{ BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 4, 0, 0, "devmap_hash ok" },
		{ BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 1u << 31, 0, 0, "devmap_hash max 2^31" },
		{ BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, (1u << 31) + 1, 0, 0, "devmap_hash max 2^31+1" },
		{ BPF_MAP_TYPE_DEVMAP_HASH, 4, 2, 4, 0, 0, "devmap_hash value 2" },
		{ BPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0, 0, "xskmap ok" },
		{ BPF_MAP_TYPE_XSKMAP, 4, 8, 4, 0, 0, "xskmap value 8" },
		{ BPF_MAP_TYPE_XSKMAP, 4, 4, 4, BPF_F_MMAPABLE, 0, "xskmap mmapable" },
		{ 200, 4, 4, 4, 0, 0, "unknown type" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cc *c = &cases[i];
		int kfd = k_create(c->type, c->ks, c->vs, c->max, c->flags, c->extra, -1);
		BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = c->flags, .map_extra = c->extra);
		struct bpfrt_map *m = bpfrt_map__create(c->type, "t", c->ks, c->vs, c->max, &o);
		int ours = m ? 0 : -errno;
		T_CHECK((kfd >= 0 ? 0 : kfd) == ours, "create %s: kernel %d, bpfrt %d", c->what,
			kfd >= 0 ? 0 : kfd, ours);
		/* The flags the map reports, with what the kernel adds.  The
		 * kernel keeps BPF_F_RDONLY/WRONLY on the fd, not the map;
		 * bpfrt has no fds and keeps them on the map. */
		struct bpf_map_info info;
		memset(&info, 0, sizeof(info));
		union bpf_attr ia;
		memset(&ia, 0, sizeof(ia));
		ia.info.bpf_fd = (uint32_t)kfd;
		ia.info.info_len = sizeof(info);
		ia.info.info = (uint64_t)(uintptr_t)&info;
		if (kfd >= 0 && m && sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &ia) >= 0)
			T_CHECK(info.map_flags == (bpfrt_map__flags(m) & ~(BPF_F_RDONLY | BPF_F_WRONLY)),
				"create %s: flags kernel %#x, bpfrt %#x", c->what, info.map_flags,
				bpfrt_map__flags(m));
		if (kfd >= 0)
			close(kfd);
		bpfrt_map__put(m);
	}
}

/* ---- random operation sequences ------------------------------------- */

enum kind { K_HASH, K_ARRAY, K_LPM, K_QUEUE, K_BLOOM };

/* Device and socket maps store interfaces and sockets, not bytes. */
enum dev_kind { DEV_NONE, DEV_IFINDEX, DEV_XSK };

struct cfg {
	const char *what;
	uint32_t type, ks, vs, max, flags;
	enum kind kind;
	bool lru;
	uint32_t key_domain;	/* distinct keys drawn from */
	int steps;
	enum dev_kind dev;
};

/* Sockets for xskmap values: two AF_XDP sockets (unbound: the kernel
 * takes them), one of another family, a file, and fd 9999 (closed). */
static int xsk_fd[2] = { -1, -1 }, udp_fd = -1, file_fd = -1;

/* A value from a small domain of valid and invalid ones, so that updates
 * succeed as often as they fail.  Interfaces 1 (lo) and 2 may or may not
 * exist here: both maps ask the same network namespace. */
static void dev_value(const struct cfg *c, uint8_t *val)
{
	if (c->dev == DEV_XSK) {
		const int fds[] = { xsk_fd[0], xsk_fd[1], xsk_fd[0], udp_fd, file_fd, 9999 };
		int32_t fd = fds[rnd() % 6];
		memcpy(val, &fd, 4);
		return;
	}
	static const uint32_t ifx[] = { 0, 1, 1, 1, 2, 77777 };
	static const int32_t prog_fd[] = { -1, -1, 0, 1 };
	memcpy(val, &ifx[rnd() % 6], 4);
	if (c->vs == 8)
		memcpy(val + 4, &prog_fd[rnd() % 4], 4);
}

struct pair {
	const struct cfg *c;
	int kfd;
	struct bpfrt_map *m;
	size_t uvs;		/* user value size */
	unsigned fails;
};

#define MAXV 4096

#define CMP(p, step, op, k, o)								\
	do {										\
		if ((k) != (o) && (p)->fails++ < 8)					\
			t_fail(__FILE__, __LINE__, "%s step %d %s: kernel %d, bpfrt %d",\
			       (p)->c->what, step, op, k, o);				\
		else if ((k) == (o))							\
			t_passed++;							\
	} while (0)

static void gen_key(const struct cfg *c, uint8_t *key)
{
	memset(key, 0, c->ks);
	uint32_t r = (uint32_t)(rnd() % c->key_domain);
	switch (c->kind) {
	case K_ARRAY: {
		uint32_t idx = r;	/* domain slightly beyond max_entries */
		memcpy(key, &idx, 4);
		break;
	}
	case K_LPM: {
		uint32_t maxp = (c->ks - 4) * 8;
		uint32_t plen = (uint32_t)(rnd() % (maxp + 2));	/* maxp + 1: invalid */
		memcpy(key, &plen, 4);
		/* A few distinct data patterns, so prefixes nest and collide. */
		for (uint32_t i = 4; i < c->ks; i++)
			key[i] = (uint8_t)((r * 37 + i * 11) & (rnd() % 2 ? 0xf0 : 0xff));
		if (rnd() % 2) {	/* mostly canonical keys: zero the host bits */
			for (uint32_t b = plen; b < maxp; b++)
				key[4 + b / 8] &= (uint8_t)~(0x80u >> (b % 8));
		}
		break;
	}
	default:
		for (uint32_t i = 0; i < c->ks; i++)
			key[i] = (uint8_t)(r >> (8 * (i % 4))) ^ (uint8_t)(i * 7);
		break;
	}
}

/* Collect every key by get_next_key from NULL; returns count or -1. */
static int collect_k(int fd, uint32_t ks, uint8_t *keys, int cap)
{
	uint8_t cur[300];
	int n = 0;
	if (k_next(fd, NULL, cur))
		return 0;
	do {
		if (n == cap)
			return -1;
		memcpy(keys + (size_t)n * ks, cur, ks);
		n++;
	} while (!k_next(fd, keys + (size_t)(n - 1) * ks, cur));
	return n;
}

static int collect_b(struct bpfrt_map *m, uint32_t ks, uint8_t *keys, int cap)
{
	uint8_t cur[300];
	int n = 0;
	if (bpfrt_map__get_next_key(m, NULL, cur))
		return 0;
	do {
		if (n == cap)
			return -1;
		memcpy(keys + (size_t)n * ks, cur, ks);
		n++;
	} while (!bpfrt_map__get_next_key(m, keys + (size_t)(n - 1) * ks, cur));
	return n;
}

static int key_in(const uint8_t *keys, int n, uint32_t ks, const uint8_t *k)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(keys + (size_t)i * ks, k, ks))
			return i;
	return -1;
}

static void compare_contents(struct pair *p)
{
	const struct cfg *c = p->c;
	int cap = (int)c->max + 8;
	uint8_t *kk = calloc((size_t)cap, c->ks), *bk = calloc((size_t)cap, c->ks);
	uint8_t kv[MAXV], bv[MAXV];
	int nk = collect_k(p->kfd, c->ks, kk, cap), nb = collect_b(p->m, c->ks, bk, cap);
	T_CHECK(nk >= 0 && nb >= 0, "%s: iteration did not end", c->what);
	if (c->lru) {
		T_CHECK(nb <= (int)c->max && nk <= (int)c->max, "%s: lru holds %d / %d > %u",
			c->what, nb, nk, c->max);
		goto out;
	}
	T_CHECK(nk == nb, "%s: final count kernel %d, bpfrt %d", c->what, nk, nb);
	/* Arrays and tries iterate in the same order; hashes in any order. */
	bool ordered = c->kind == K_ARRAY || c->kind == K_LPM;
	if (ordered && nk == nb)
		T_CHECK(!memcmp(kk, bk, (size_t)nk * c->ks), "%s: iteration order differs", c->what);
	for (int i = 0; i < nk; i++) {
		const uint8_t *k = kk + (size_t)i * c->ks;
		int j = key_in(bk, nb, c->ks, k);
		T_CHECK(j >= 0, "%s: kernel key #%d missing in bpfrt", c->what, i);
		if (j < 0)
			continue;
		/* Each key exactly once. */
		T_CHECK(key_in(bk + (size_t)(j + 1) * c->ks, nb - j - 1, c->ks, k) < 0,
			"%s: key twice in bpfrt iteration", c->what);
		memset(kv, 0, sizeof(kv));
		memset(bv, 0, sizeof(bv));
		int kr = k_elem(BPF_MAP_LOOKUP_ELEM, p->kfd, k, kv, 0);
		int br = bpfrt_map__lookup_elem(p->m, k, bv);
		/* Both may fail alike: a devmap iterates over empty slots, an
		 * xskmap cannot be read from user space. */
		T_CHECK(kr == br && (kr || !memcmp(kv, bv, p->uvs)), "%s: final value of key #%d "
			"(kernel %d, bpfrt %d)", c->what, i, kr, br);
	}
out:
	free(kk);
	free(bk);
}

static void run_seq(const struct cfg *c)
{
	struct pair P = { .c = c };
	struct pair *p = &P;
	p->kfd = k_create(c->type, c->ks, c->vs, c->max, c->flags, 0, -1);
	BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = c->flags);
	p->m = bpfrt_map__create(c->type, "diff", c->ks, c->vs, c->max, &o);
	T_CHECK(p->kfd >= 0 && p->m, "%s: create kernel %d bpfrt %d", c->what, p->kfd,
		p->m ? 0 : -errno);
	if (p->kfd < 0 || !p->m)
		goto out;
	p->uvs = bpfrt_map__user_value_size(p->m);
	T_CHECK(p->uvs <= MAXV, "value size");

	uint8_t key[300], key2[300], kn[300], bn[300];
	uint8_t val[MAXV], kv[MAXV], bv[MAXV];
	static const uint64_t flagset[] = { BPF_ANY, BPF_NOEXIST, BPF_EXIST, 3, BPF_F_LOCK, 8 };
	/* Bloom filter: what was added, to require "maybe present". */
	uint8_t added[64][64];
	int nadded = 0;

	for (int s = 0; s < c->steps * 4; s++) {
		unsigned op = (unsigned)(rnd() % 100);
		gen_key(c, key);
		rnd_fill(val, p->uvs);
		if (c->dev)
			dev_value(c, val);
		memset(kv, 0xaa, sizeof(kv));
		memset(bv, 0xaa, sizeof(bv));
		int kr, br;
		if (c->kind == K_QUEUE || c->kind == K_BLOOM) {
			if (c->kind == K_BLOOM && op < 40) {
				/* The filter's input is a value: keep it small. */
				memset(val, 0, p->uvs);
				val[0] = (uint8_t)(rnd() % 64);
			}
			if (op < 40) {
				uint64_t f = flagset[rnd() % 4];
				kr = k_elem(BPF_MAP_UPDATE_ELEM, p->kfd, NULL, val, f);
				br = bpfrt_map__update_elem(p->m, NULL, val, f);
				CMP(p, s, "push", kr, br);
				if (c->kind == K_BLOOM && !br && nadded < 64)
					memcpy(added[nadded++], val, p->uvs);
			} else if (op < 60) {
				if (c->kind == K_BLOOM && nadded && rnd() % 2)
					memcpy(val, added[rnd() % (unsigned)nadded], p->uvs);
				memcpy(kv, val, p->uvs);
				memcpy(bv, val, p->uvs);
				kr = k_elem(BPF_MAP_LOOKUP_ELEM, p->kfd, NULL, kv, 0);
				br = bpfrt_map__lookup_elem(p->m, NULL, bv);
				if (c->kind == K_BLOOM) {
					/* False positives may differ; added values
					 * must be found by both. */
					bool was = false;
					for (int i = 0; i < nadded; i++)
						was |= !memcmp(added[i], val, p->uvs);
					if (was)
						T_CHECK(kr == 0 && br == 0, "%s: bloom lost a value",
							c->what);
				} else {
					CMP(p, s, "peek", kr, br);
					T_CHECK(kr || !memcmp(kv, bv, p->uvs), "%s: peek value",
						c->what);
				}
			} else if (op < 85) {
				kr = k_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, p->kfd, NULL, kv, 0);
				br = bpfrt_map__lookup_and_delete_elem(p->m, NULL, bv);
				CMP(p, s, "pop", kr, br);
				T_CHECK(kr || !memcmp(kv, bv, p->uvs), "%s: pop value", c->what);
			} else if (op < 92) {
				kr = k_elem(BPF_MAP_DELETE_ELEM, p->kfd, NULL, NULL, 0);
				br = bpfrt_map__delete_elem(p->m, NULL);
				CMP(p, s, "delete", kr, br);
			} else {
				kr = k_next(p->kfd, NULL, kn);
				br = bpfrt_map__get_next_key(p->m, NULL, bn);
				CMP(p, s, "get_next_key", kr, br);
			}
			continue;
		}
		if (op < 40) {
			uint64_t f = flagset[rnd() % 6];
			kr = k_elem(BPF_MAP_UPDATE_ELEM, p->kfd, key, val, f);
			br = bpfrt_map__update_elem(p->m, key, val, f);
			if (c->lru) {
				/* Eviction choices differ: flags errors must
				 * match, and inserts never fail. */
				if (f > BPF_EXIST)
					CMP(p, s, "update(bad flags)", kr, br);
				T_CHECK(br != -E2BIG, "%s: lru refused an insert", c->what);
			} else {
				CMP(p, s, "update", kr, br);
			}
		} else if (op < 60) {
			kr = k_elem(BPF_MAP_LOOKUP_ELEM, p->kfd, key, kv, 0);
			br = bpfrt_map__lookup_elem(p->m, key, bv);
			if (!c->lru) {
				CMP(p, s, "lookup", kr, br);
				if (!kr && !br && memcmp(kv, bv, p->uvs) && p->fails++ < 8)
					t_fail(__FILE__, __LINE__, "%s step %d: lookup value differs",
					       c->what, s);
			}
		} else if (op < 75) {
			kr = k_elem(BPF_MAP_DELETE_ELEM, p->kfd, key, NULL, 0);
			br = bpfrt_map__delete_elem(p->m, key);
			if (!c->lru)
				CMP(p, s, "delete", kr, br);
		} else if (op < 85) {
			kr = k_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, p->kfd, key, kv, 0);
			br = bpfrt_map__lookup_and_delete_elem(p->m, key, bv);
			if (!c->lru) {
				CMP(p, s, "lookup_and_delete", kr, br);
				if (!kr && !br && memcmp(kv, bv, p->uvs) && p->fails++ < 8)
					t_fail(__FILE__, __LINE__, "%s step %d: l&d value differs",
					       c->what, s);
			}
		} else {
			/* get_next_key from NULL, from a present key, from a
			 * (probably) missing one. */
			const void *from = NULL;
			unsigned how = (unsigned)(rnd() % 3);
			if (how == 1 && !k_next(p->kfd, NULL, key2))
				from = key2;	/* present in the kernel's map */
			else if (how == 2)
				from = key;
			kr = k_next(p->kfd, from, kn);
			br = bpfrt_map__get_next_key(p->m, from, bn);
			bool ordered = c->kind == K_ARRAY || c->kind == K_LPM;
			if (ordered) {
				CMP(p, s, "get_next_key", kr, br);
				if (!kr && !br && memcmp(kn, bn, c->ks) && p->fails++ < 8)
					t_fail(__FILE__, __LINE__, "%s step %d: next key differs",
					       c->what, s);
			} else if (!c->lru) {
				/* Hash order is ours to pick: from NULL both
				 * answer alike; any key returned must exist. */
				if (!from)
					CMP(p, s, "get_next_key(NULL)", kr, br);
				if (!br)
					T_CHECK(!bpfrt_map__lookup_elem(p->m, bn, bv),
						"%s: next key not in map", c->what);
			}
		}
	}
	if (c->kind != K_QUEUE && c->kind != K_BLOOM)
		compare_contents(p);
out:
	if (p->kfd >= 0)
		close(p->kfd);
	bpfrt_map__put(p->m);
}

/* ---- access flags and freezing -------------------------------------- */

static void test_access(void)
{
	uint32_t key = 1, v = 7, out;
	static const uint32_t flags[] = { BPF_F_RDONLY, BPF_F_WRONLY, 0 };
	for (int i = 0; i < 3; i++) {
		int kfd = k_create(BPF_MAP_TYPE_HASH, 4, 4, 8, flags[i], 0, -1);
		BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = flags[i]);
		struct bpfrt_map *m = bpfrt_map__create(BPFRT_MAP_TYPE_HASH, "acc", 4, 4, 8, &o);
		T_CHECK(kfd >= 0 && m, "access create");
		if (kfd < 0 || !m)
			return;
		struct pair P = { .c = &(struct cfg){ .what = "access" } };
		int kr, br;
		for (int round = 0; round < 2; round++) {
			kr = k_elem(BPF_MAP_UPDATE_ELEM, kfd, &key, &v, 0);
			br = bpfrt_map__update_elem(m, &key, &v, 0);
			CMP(&P, i * 10 + round, "update", kr, br);
			kr = k_elem(BPF_MAP_LOOKUP_ELEM, kfd, &key, &out, 0);
			br = bpfrt_map__lookup_elem(m, &key, &out);
			CMP(&P, i * 10 + round, "lookup", kr, br);
			kr = k_next(kfd, NULL, &out);
			br = bpfrt_map__get_next_key(m, NULL, &out);
			CMP(&P, i * 10 + round, "get_next_key", kr, br);
			kr = k_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, kfd, &key, &out, 0);
			br = bpfrt_map__lookup_and_delete_elem(m, &key, &out);
			CMP(&P, i * 10 + round, "lookup_and_delete", kr, br);
			kr = k_elem(BPF_MAP_DELETE_ELEM, kfd, &key, NULL, 0);
			br = bpfrt_map__delete_elem(m, &key);
			CMP(&P, i * 10 + round, "delete", kr, br);
			kr = k_freeze(kfd);
			br = bpfrt_map__freeze(m);
			CMP(&P, i * 10 + round, "freeze", kr, br);
		}
		close(kfd);
		bpfrt_map__put(m);
	}
	/* Operations a type lacks. */
	int kfd = k_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, 0, -1);
	struct bpfrt_map *m = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "a", 4, 4, 4, NULL);
	struct pair P = { .c = &(struct cfg){ .what = "array ops" } };
	int kr = k_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, kfd, &key, &out, 0);
	int br = bpfrt_map__lookup_and_delete_elem(m, &key, &out);
	CMP(&P, 0, "lookup_and_delete", kr, br);
	kr = k_elem(BPF_MAP_DELETE_ELEM, kfd, &key, NULL, 0);
	br = bpfrt_map__delete_elem(m, &key);
	CMP(&P, 0, "delete", kr, br);
	close(kfd);
	bpfrt_map__put(m);
}

int main(void)
{
	int pc = possible_cpus();
	int probe = k_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, -1);
	if (probe < 0 || pc <= 0) {
		t_skip("bpf() unavailable (%s): kernel differential test not run",
		       probe < 0 ? strerror(-probe) : "no /sys/devices/system/cpu/possible");
		return t_done("maps-kernel");
	}
	close(probe);
	ncpus = (unsigned)pc;
	const char *seed = getenv("BPFRT_SEED");
	if (seed && *seed)
		rng = strtoull(seed, NULL, 0) | 1;
	printf("maps-kernel: seed 0x%llx, %u possible cpus\n", (unsigned long long)rng, ncpus);
	T_CHECK(bpfrt_set_num_cpus(ncpus) == 0, "set_num_cpus(%u)", ncpus);

	test_create_validation();
	test_access();
	xsk_fd[0] = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	xsk_fd[1] = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	file_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	const struct cfg cfgs[] = {
		{ "hash", BPF_MAP_TYPE_HASH, 4, 12, 32, 0, K_HASH, false, 64, 4000, DEV_NONE },
		{ "hash-odd-key", BPF_MAP_TYPE_HASH, 7, 5, 16, 0, K_HASH, false, 40, 3000, DEV_NONE },
		{ "hash-noprealloc", BPF_MAP_TYPE_HASH, 8, 16, 24, BPF_F_NO_PREALLOC, K_HASH,
		  false, 48, 3000, DEV_NONE },
		{ "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 16, 0, K_HASH, false, 32, 3000,
		  DEV_NONE },
		{ "lru_hash", BPF_MAP_TYPE_LRU_HASH, 4, 8, 64, 0, K_HASH, true, 256, 4000, DEV_NONE },
		{ "lru_hash-percpu-lru", BPF_MAP_TYPE_LRU_HASH, 4, 8, 64, BPF_F_NO_COMMON_LRU,
		  K_HASH, true, 256, 2000, DEV_NONE },
		{ "lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 12, 32, 0, K_HASH, true,
		  128, 2000, DEV_NONE },
		{ "array", BPF_MAP_TYPE_ARRAY, 4, 12, 16, 0, K_ARRAY, false, 19, 3000, DEV_NONE },
		{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 8, 0, K_ARRAY, false, 10, 2000,
		  DEV_NONE },
		{ "lpm-v4", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 48, BPF_F_NO_PREALLOC, K_LPM, false, 24,
		  5000, DEV_NONE },
		{ "lpm-16bit", BPF_MAP_TYPE_LPM_TRIE, 6, 4, 20, BPF_F_NO_PREALLOC, K_LPM, false, 16,
		  5000, DEV_NONE },
		{ "lpm-v6", BPF_MAP_TYPE_LPM_TRIE, 20, 8, 40, BPF_F_NO_PREALLOC, K_LPM, false, 32,
		  3000, DEV_NONE },
		{ "queue", BPF_MAP_TYPE_QUEUE, 0, 12, 8, 0, K_QUEUE, false, 1, 3000, DEV_NONE },
		{ "stack", BPF_MAP_TYPE_STACK, 0, 12, 8, 0, K_QUEUE, false, 1, 3000, DEV_NONE },
		{ "bloom", BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 64, 0, K_BLOOM, false, 1, 2000, DEV_NONE },
		{ "devmap", BPF_MAP_TYPE_DEVMAP, 4, 4, 8, 0, K_ARRAY, false, 10, 2000, DEV_IFINDEX },
		{ "devmap-val8", BPF_MAP_TYPE_DEVMAP, 4, 8, 8, 0, K_ARRAY, false, 10, 2000,
		  DEV_IFINDEX },
		{ "devmap_hash", BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 8, 0, K_HASH, false, 16, 2000,
		  DEV_IFINDEX },
		{ "devmap_hash-val8", BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 4, 0, K_HASH, false, 8, 2000,
		  DEV_IFINDEX },
		{ "xskmap", BPF_MAP_TYPE_XSKMAP, 4, 4, 8, 0, K_ARRAY, false, 10, 2000, DEV_XSK },
	};
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		if (cfgs[i].dev == DEV_XSK && (xsk_fd[0] < 0 || xsk_fd[1] < 0)) {
			t_skip("no AF_XDP sockets (%s): xskmap not compared", strerror(errno));
			continue;
		}
		run_seq(&cfgs[i]);
	}
	return t_done("maps-kernel");
}
