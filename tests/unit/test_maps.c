/* SPDX-License-Identifier: MIT */
/*
 * Maps: every type through the public API and the program-side API —
 * create validation, flags, full maps, iteration, LRU, LPM, per-CPU slots,
 * queue/stack, bloom filter, ringbuf and perf reader, prog arrays and
 * map-in-map through registry ids, device and socket maps, reference
 * counting, and a multithreaded stress with exact totals.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "core/registry.h"
#include "lib/t.h"
#include "maps/map_internal.h"

#define NCPU 4

static struct bpfrt_map *mk(enum bpfrt_map_type t, uint32_t ks, uint32_t vs, uint32_t max,
			    uint32_t flags)
{
	BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = flags);
	struct bpfrt_map *m = bpfrt_map__create(t, "t", ks, vs, max, &o);
	T_CHECK(m, "create %s ks %u vs %u max %u flags %#x: %s", bpfrt_map_type_str(t), ks, vs,
		max, flags, strerror(errno));
	return m;
}

static int create_err(enum bpfrt_map_type t, uint32_t ks, uint32_t vs, uint32_t max,
		      uint32_t flags)
{
	BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = flags);
	struct bpfrt_map *m = bpfrt_map__create(t, "t", ks, vs, max, &o);
	if (m) {
		bpfrt_map__put(m);
		return 0;
	}
	return -errno;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- creation ----------------------------------------------------------- */

static void test_create(void)
{
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_ARRAY, 8, 4, 4, 0), -EINVAL, "array key 8");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_ARRAY, 4, 0, 4, 0), -EINVAL, "array value 0");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_ARRAY, 4, 4, 0, 0), -EINVAL, "array max 0");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_HASH, 4, 0, 4, 0), -EINVAL, "hash value 0");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_HASH, 0, 4, 4, 0), -EINVAL, "hash key 0");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_HASH, 4, 4, 4, BPFRT_F_NO_PREALLOC), 0,
		 "hash no_prealloc");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_LPM_TRIE, 8, 4, 4, 0), -EINVAL, "lpm needs no_prealloc");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_LPM_TRIE, 4, 4, 4, BPFRT_F_NO_PREALLOC), -EINVAL,
		 "lpm key 4");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_QUEUE, 4, 4, 4, 0), -EINVAL, "queue key 4");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_STACK, 0, 4, 4, 0), 0, "stack ok");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_RINGBUF, 0, 0, 4096 * 3, 0), -EINVAL, "ringbuf 3 pages");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_RINGBUF, 0, 8, 4096, 0), -EINVAL, "ringbuf value");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_BLOOM_FILTER, 4, 8, 4, 0), -EINVAL, "bloom key");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0), -EINVAL, "prog array vs 8");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0), -EINVAL, "aom no inner");
	T_EQ_U64(create_err((enum bpfrt_map_type)16, 4, 4, 4, 0), -ENOTSUP, "cpumap");
	T_EQ_U64(create_err((enum bpfrt_map_type)99, 4, 4, 4, 0), -EINVAL, "unknown type");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_LRU_HASH, 4, 4, 4, BPFRT_F_NO_PREALLOC), -ENOTSUP,
		 "lru no_prealloc");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_ARRAY, 4, 4, 4, BPFRT_F_RDONLY | BPFRT_F_WRONLY),
		 -EINVAL, "rdonly|wronly");
	T_CHECK(!bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "bad name!", 4, 4, 4, NULL) &&
		errno == EINVAL, "bad name char");
	struct bpfrt_map *m = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "a_very_long_map_name_x",
						4, 4, 4, NULL);
	T_CHECK(m && !strcmp(bpfrt_map__name(m), "a_very_long_map"), "name truncated to 15");
	T_CHECK(m && bpfrt_map__id(m) > 0, "id");
	T_CHECK(!strcmp(bpfrt_map_type_str(BPFRT_MAP_TYPE_LRU_PERCPU_HASH), "lru_percpu_hash"),
		"type str");
	T_EQ_U64(bpfrt_set_num_cpus(NCPU + 1), -EBUSY, "num_cpus fixed while maps exist");
	bpfrt_map__put(m);
}

/* ---- device and socket maps ----------------------------------------------- */

static void collect_ifindex(void *user, uint32_t ifindex)
{
	uint32_t *sum = user;
	*sum += ifindex;
}

static void test_devmap(void)
{
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_DEVMAP, 4, 12, 4, 0), -EINVAL, "devmap value 12");
	T_EQ_U64(create_err(BPFRT_MAP_TYPE_DEVMAP, 4, 4, 4, BPFRT_F_RDONLY_PROG), -EINVAL,
		 "devmap rdonly_prog asked for");
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_DEVMAP, 4, 8, 4, 0);
	if (!m)
		return;
	T_EQ_U64(bpfrt_map__flags(m), BPFRT_F_RDONLY_PROG, "read-only to programs");
	/* ifindex 1 is lo in every network namespace. */
	struct { uint32_t ifindex; int32_t fd; } v = { 1, -1 }, out;
	uint32_t k = 2, k9 = 9, next;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, BPFRT_ANY), 0, "store lo");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, &out), 0, "lookup");
	T_CHECK(out.ifindex == 1 && out.fd == 0, "lookup gives {ifindex, prog id 0}");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, BPFRT_NOEXIST), -EEXIST, "noexist: EEXIST");
	k = 3;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, BPFRT_EXIST), 0, "exist on an empty slot");
	T_EQ_U64(bpfrt_map__update_elem(m, &k9, &v, 0), -E2BIG, "update past the end");
	T_EQ_U64(bpfrt_map__delete_elem(m, &k9), -EINVAL, "delete past the end");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, 3), -EINVAL, "bad flags");
	v.fd = 1;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, 0), -EINVAL, "no devmap programs");
	v.ifindex = 0x7ffffff0;
	v.fd = -1;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, 0), -EINVAL, "no such interface");
	v.ifindex = 0;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, 0), 0, "ifindex 0 empties the slot");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, &out), -ENOENT, "emptied");
	T_EQ_U64(bpfrt_map__delete_elem(m, &k), 0, "delete of an empty slot succeeds");
	T_EQ_U64(bpfrt_map__get_next_key(m, NULL, &next), 0, "next of NULL");
	T_EQ_U64(next, 0, "... is 0 (array order)");
	/* The program side: lookups, no writes; what the live hook asks. */
	k = 2;
	uint32_t *pv = bpfrt__map_lookup(m, &k, 0);
	T_CHECK(pv && *pv == 1, "program lookup points at the ifindex");
	T_EQ_U64(bpfrt__map_delete(m, &k, 0), -EPERM, "programs cannot delete");
	T_EQ_U64(bpfrt__map_update(m, &k, &v, 0, 0), -EPERM, "programs cannot update");
	T_EQ_U64(bpfrt__devmap_ifindex(m, 2), 1, "devmap_ifindex");
	T_EQ_U64(bpfrt__devmap_ifindex(m, 3), 0, "devmap_ifindex of an empty slot");
	uint32_t sum = 0;
	bpfrt__devmap_for_each(m, collect_ifindex, &sum);
	T_EQ_U64(sum, 1, "for_each sees the one entry");
	bpfrt_map__put(m);
}

static void test_devmap_hash(void)
{
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, 0);
	if (!m)
		return;
	uint32_t lo = 1, zero = 0, out, k;
	k = 1000;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &zero, 0), -EINVAL, "ifindex 0: EINVAL");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &lo, BPFRT_EXIST), 0, "exist inserts");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &lo, BPFRT_NOEXIST), -EEXIST, "noexist");
	for (k = 1; k <= 3; k++)
		T_EQ_U64(bpfrt_map__update_elem(m, &k, &lo, 0), 0, "fill");
	k = 4;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &lo, 0), -E2BIG, "full");
	k = 1000;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &lo, 0), 0, "replace when full");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, &out), 0, "lookup");
	T_EQ_U64(out, 1, "value");
	/* Every key once by iteration; a missing key restarts it. */
	uint32_t seen = 0, cur, n = 0;
	for (int r = bpfrt_map__get_next_key(m, NULL, &cur); !r && n < 10;
	     r = bpfrt_map__get_next_key(m, &cur, &cur), n++)
		seen += cur;
	T_CHECK(n == 4 && seen == 1000 + 1 + 2 + 3, "iteration: %u keys, sum %u", n, seen);
	k = 77;
	T_EQ_U64(bpfrt_map__get_next_key(m, &k, &cur), 0, "next of a missing key: the first");
	T_EQ_U64(bpfrt_map__delete_elem(m, &k), -ENOENT, "delete missing");
	/* Churn: deleted elements are reused, contents stay exact. */
	for (int i = 0; i < 1000; i++) {
		k = 5000 + (uint32_t)i;
		uint32_t gone = 1 + (uint32_t)i % 3;
		T_CHECK(!bpfrt_map__delete_elem(m, &gone) && !bpfrt_map__update_elem(m, &k, &lo, 0) &&
			!bpfrt_map__delete_elem(m, &k) && !bpfrt_map__update_elem(m, &gone, &lo, 0),
			"churn %d", i);
	}
	uint32_t sum = 0;
	bpfrt__devmap_for_each(m, collect_ifindex, &sum);
	T_EQ_U64(sum, 4, "four entries after churn");
	bpfrt_map__put(m);
}

static void test_xskmap(void)
{
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_XSKMAP, 4, 4, 4, 0);
	if (!m)
		return;
	T_EQ_U64(bpfrt_map__flags(m), 0, "xskmap flags");
	uint32_t k = 1, k9 = 9, fd, out;
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fd = (uint32_t)null_fd;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &fd, 0), -ENOTSOCK, "a file");
	fd = (uint32_t)udp;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &fd, 0), -EOPNOTSUPP, "a UDP socket");
	fd = 9999;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &fd, 0), -EBADF, "a closed fd");
	T_EQ_U64(bpfrt_map__update_elem(m, &k9, &fd, 0), -E2BIG, "past the end first");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, &out), -EOPNOTSUPP, "no user-space lookup");
	T_EQ_U64(bpfrt_map__delete_elem(m, &k), 0, "delete of an empty slot");
	T_EQ_U64(bpfrt_map__delete_elem(m, &k9), -EINVAL, "delete past the end");
	int x1 = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	int x2 = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (x1 < 0 || x2 < 0) {
		t_skip("no AF_XDP sockets here (%s)", strerror(errno));
	} else {
		fd = (uint32_t)x1;
		T_EQ_U64(bpfrt_map__update_elem(m, &k, &fd, BPFRT_EXIST), -ENOENT, "exist, empty");
		T_EQ_U64(bpfrt_map__update_elem(m, &k, &fd, 0), 0, "an AF_XDP socket");
		T_EQ_U64(bpfrt_map__update_elem(m, &k, &fd, BPFRT_NOEXIST), 0,
			 "the same socket again, even noexist");
		fd = (uint32_t)x2;
		T_EQ_U64(bpfrt_map__update_elem(m, &k, &fd, BPFRT_NOEXIST), -EEXIST, "noexist");
		/* The map holds the socket: closing ours does not empty it. */
		close(x1);
		x1 = -1;
		T_CHECK(bpfrt__map_lookup(m, &k, 0) != NULL, "program lookup finds the socket");
		T_EQ_U64(bpfrt__map_delete(m, &k, 0), -ENOTSUP, "programs cannot delete");
		T_EQ_U64(bpfrt_map__update_elem(m, &k, &fd, BPFRT_EXIST), 0, "replace");
		T_EQ_U64(bpfrt_map__delete_elem(m, &k), 0, "delete");
		T_CHECK(bpfrt__map_lookup(m, &k, 0) == NULL, "gone");
	}
	if (x1 >= 0)
		close(x1);
	if (x2 >= 0)
		close(x2);
	close(udp);
	close(null_fd);
	bpfrt_map__put(m);
}

/* ---- arrays -------------------------------------------------------------- */

static long count_cb(struct bpfrt_map *m, void *key, void *value, void *ctx)
{
	(void)m; (void)key; (void)value;
	long *n = ctx;
	return ++*n == 3;	/* stop at the third */
}

static void test_array(void)
{
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_ARRAY, 4, 12, 8, BPFRT_F_MMAPABLE);
	if (!m)
		return;
	uint32_t k = 3, v[3] = { 1, 2, 3 }, out[3];
	T_EQ_U64(bpfrt_map__update_elem(m, &k, v, BPFRT_ANY), 0, "update");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, out), 0, "lookup");
	T_CHECK(!memcmp(out, v, 12), "value");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, v, BPFRT_NOEXIST), -EEXIST, "noexist");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, v, BPFRT_EXIST), 0, "exist");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, v, 3), -EINVAL, "bad flags");
	k = 8;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, v, BPFRT_ANY), -E2BIG, "out of range update");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, out), -ENOENT, "out of range lookup");
	T_EQ_U64(bpfrt_map__delete_elem(m, &k), -EINVAL, "delete");
	T_EQ_U64(bpfrt_map__lookup_and_delete_elem(m, &k, out), -ENOTSUP, "lookup_and_delete");

	uint32_t cur, n = 0;
	int err = bpfrt_map__get_next_key(m, NULL, &cur);
	while (!err) {
		T_EQ_U64(cur, n, "iteration index");
		n++;
		err = bpfrt_map__get_next_key(m, &cur, &cur);
	}
	T_EQ_U64(err, -ENOENT, "end");
	T_EQ_U64(n, 8, "iterated all");
	k = 100;
	T_CHECK(!bpfrt_map__get_next_key(m, &k, &cur) && cur == 0, "out of range key -> 0");

	/* mmap view: values round_up(12, 8) = 16 bytes apart, aligned. */
	uint8_t *base = bpfrt_map__mmap(m);
	T_CHECK(base && ((uintptr_t)base & 7) == 0, "mmap aligned");
	k = 3;
	T_CHECK(base && !memcmp(base + 3 * 16, v, 12), "mmap layout");
	uint64_t *p = bpfrt__map_lookup(m, &k, 0);
	T_CHECK(p == (void *)(base + 48), "program lookup is the mmap slot");
	k = 8;
	T_CHECK(!bpfrt__map_lookup(m, &k, 0), "program lookup out of range");

	long cnt = 0;
	T_EQ_U64(bpfrt__map_for_each(m, count_cb, &cnt, 0), 3, "for_each stops at 1");
	bpfrt_map__put(m);
	m = mk(BPFRT_MAP_TYPE_HASH, 4, 4, 4, 0);
	T_CHECK(!bpfrt_map__mmap(m) && errno == EINVAL, "no mmap for hash");
	bpfrt_map__put(m);

	/* percpu_array: NCPU slots of round_up(12, 8). */
	m = mk(BPFRT_MAP_TYPE_PERCPU_ARRAY, 4, 12, 4, 0);
	if (!m)
		return;
	T_EQ_U64(bpfrt_map__user_value_size(m), NCPU * 16, "percpu user size");
	T_CHECK(bpfrt_map__is_percpu(m), "is percpu");
	uint8_t buf[NCPU * 16];
	for (int c = 0; c < NCPU; c++)
		memset(buf + c * 16, 0x10 + c, 16);
	k = 1;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, buf, 0), 0, "percpu update");
	for (unsigned c = 0; c < NCPU; c++) {
		uint8_t *s = bpfrt__map_lookup(m, &k, c);
		T_CHECK(s && s[0] == 0x10 + c && s[11] == 0x10 + c, "cpu %u slot", c);
	}
	T_CHECK(!bpfrt__map_lookup(m, &k, NCPU), "cpu out of range");
	uint32_t pv[3] = { 7, 7, 7 };
	T_EQ_U64(bpfrt__map_update(m, &k, pv, 0, 2), 0, "program update cpu 2");
	memset(buf, 0, sizeof(buf));
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, buf), 0, "percpu lookup");
	T_CHECK(!memcmp(buf + 32, pv, 12) && buf[0] == 0x10 && buf[48] == 0x13, "slots");
	bpfrt_map__put(m);
}

/* ---- hashes -------------------------------------------------------------- */

static void test_hash_type(enum bpfrt_map_type t, uint32_t flags)
{
	const uint32_t max = 100;
	struct bpfrt_map *m = mk(t, 8, 8, max, flags);
	if (!m)
		return;
	size_t uvs = bpfrt_map__user_value_size(m);
	uint64_t *val = calloc(1, uvs), *out = calloc(1, uvs);
	for (uint64_t k = 0; k < max; k++) {
		val[0] = k * 3;
		T_EQ_U64(bpfrt_map__update_elem(m, &k, val, BPFRT_NOEXIST), 0, "insert");
	}
	uint64_t k = max;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, val, BPFRT_ANY), -E2BIG, "full");
	k = 5;
	val[0] = 555;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, val, BPFRT_ANY), 0, "replace when full");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, val, BPFRT_NOEXIST), -EEXIST, "noexist");
	k = 1000;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, val, BPFRT_EXIST), -ENOENT, "exist");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, val, 4), -EINVAL, "F_LOCK");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, out), -ENOENT, "missing");
	T_EQ_U64(bpfrt_map__delete_elem(m, &k), -ENOENT, "delete missing");
	k = 5;
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, out), 0, "lookup");
	T_EQ_U64(out[0], 555, "value");

	/* Every key exactly once. */
	uint8_t seen[100] = { 0 };
	uint64_t cur;
	int n = 0, err = bpfrt_map__get_next_key(m, NULL, &cur);
	while (!err) {
		T_CHECK(cur < max && !seen[cur], "key %llu once", (unsigned long long)cur);
		if (cur < max)
			seen[cur] = 1;
		n++;
		err = bpfrt_map__get_next_key(m, &cur, &cur);
	}
	T_EQ_U64(n, max, "iterated all");
	k = 4242;
	T_CHECK(!bpfrt_map__get_next_key(m, &k, &cur) && cur < max, "missing key restarts");

	T_EQ_U64(bpfrt_map__lookup_and_delete_elem(m, &k, out), -ENOENT, "l&d missing");
	k = 7;
	T_EQ_U64(bpfrt_map__lookup_and_delete_elem(m, &k, out), 0, "l&d");
	T_EQ_U64(out[0], 21, "l&d value");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, out), -ENOENT, "gone");
	k = max + 1;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, val, BPFRT_ANY), 0, "room again");

	/* Program side: pointer into the element, 8-byte aligned, stays valid
	 * memory after a delete. */
	uint64_t *pv = bpfrt__map_lookup(m, &k, 1);
	T_CHECK(pv && ((uintptr_t)pv & 7) == 0, "aligned value");
	if (pv) {
		__atomic_fetch_add(pv, 1, __ATOMIC_SEQ_CST);
		T_EQ_U64(bpfrt_map__delete_elem(m, &k), 0, "delete");
		*pv = 1;	/* ASan: still mapped */
	}
	if (bpfrt_map__is_percpu(m)) {
		/* A new element from a program: other CPUs' slots are zero. */
		k = 777;
		uint64_t one = 0x77;
		bpfrt_map__delete_elem(m, &(uint64_t){ 8 });
		T_EQ_U64(bpfrt__map_update(m, &k, &one, BPFRT_ANY, 2), 0, "prog insert");
		T_EQ_U64(bpfrt_map__lookup_elem(m, &k, out), 0, "lookup");
		T_CHECK(out[0] == 0 && out[2] == 0x77 && out[3] == 0, "only cpu 2 set");
	}
	long cnt = 0;
	T_EQ_U64(bpfrt__map_for_each(m, count_cb, &cnt, 0), 3, "hash for_each stops");
	free(val);
	free(out);
	bpfrt_map__put(m);
}

static void test_lru(enum bpfrt_map_type t, uint32_t flags)
{
	const uint32_t max = 128;
	struct bpfrt_map *m = mk(t, 4, 8, max, flags);
	if (!m)
		return;
	size_t uvs = bpfrt_map__user_value_size(m);
	uint64_t *val = calloc(1, uvs);
	uint32_t k;
	for (k = 0; k < max; k++)
		T_EQ_U64(bpfrt_map__update_elem(m, &k, val, BPFRT_NOEXIST), 0, "fill");
	/* Use 0..31, then insert 64 new keys: the used ones survive. */
	for (k = 0; k < 32; k++)
		T_CHECK(bpfrt__map_lookup(m, &k, 0), "hot key present");
	for (k = 1000; k < 1064; k++)
		T_EQ_U64(bpfrt_map__update_elem(m, &k, val, BPFRT_ANY), 0, "insert into full lru");
	unsigned alive = 0;
	for (k = 0; k < 32; k++)
		alive += !bpfrt_map__lookup_elem(m, &k, val);
	T_EQ_U64(alive, 32, "recently used keys survive");
	for (k = 1000; k < 1064; k++)
		T_EQ_U64(bpfrt_map__lookup_elem(m, &k, val), 0, "new keys present");
	/* Lots more: never E2BIG, never more than max. */
	for (k = 5000; k < 9000; k++)
		if (bpfrt_map__update_elem(m, &k, val, BPFRT_ANY))
			break;
	T_EQ_U64(k, 9000, "lru inserts never fail");
	uint32_t cur, n = 0;
	for (int err = bpfrt_map__get_next_key(m, NULL, &cur); !err;
	     err = bpfrt_map__get_next_key(m, &cur, &cur))
		n++;
	T_CHECK(n <= bpfrt_map__max_entries(m) && n >= max / 2, "lru count %u", n);
	free(val);
	bpfrt_map__put(m);
}

/* ---- LPM ----------------------------------------------------------------- */

struct v4 { uint32_t plen; uint8_t a[4]; };
struct v6 { uint32_t plen; uint8_t a[16]; };

static int lpm4(struct bpfrt_map *m, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct v4 k = { 32, { a, b, c, d } };
	uint32_t v;
	int err = bpfrt_map__lookup_elem(m, &k, &v);
	return err ? err : (int)v;
}

static void test_lpm(void)
{
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_LPM_TRIE, 8, 4, 7, BPFRT_F_NO_PREALLOC);
	if (!m)
		return;
	struct { struct v4 k; uint32_t v; } routes[] = {
		{ { 0, { 0 } }, 1 },
		{ { 8, { 10 } }, 2 },
		{ { 16, { 10, 1 } }, 3 },
		{ { 24, { 10, 1, 2 } }, 4 },
		{ { 16, { 192, 168 } }, 5 },
		{ { 32, { 10, 1, 2, 3 } }, 6 },
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		T_EQ_U64(bpfrt_map__update_elem(m, &routes[i].k, &routes[i].v, 0), 0, "add route");
	T_EQ_U64(lpm4(m, 10, 1, 2, 3), 6, "/32");
	T_EQ_U64(lpm4(m, 10, 1, 2, 4), 4, "/24");
	T_EQ_U64(lpm4(m, 10, 1, 3, 1), 3, "/16");
	T_EQ_U64(lpm4(m, 10, 2, 0, 0), 2, "/8");
	T_EQ_U64(lpm4(m, 8, 8, 8, 8), 1, "default route");
	T_EQ_U64(lpm4(m, 192, 168, 9, 9), 5, "192.168/16");
	struct v4 q = { 20, { 10, 1, 2, 3 } };
	uint32_t *pv = bpfrt__map_lookup(m, &q, 0);
	T_CHECK(pv && *pv == 3, "query prefix bounds the match");

	/* Post-order: the more specific prefix comes first. */
	struct v4 cur;
	T_EQ_U64(bpfrt_map__get_next_key(m, NULL, &cur), 0, "first");
	T_CHECK(cur.plen == 32 && cur.a[3] == 3, "first key is the /32");
	int n = 1;
	while (!bpfrt_map__get_next_key(m, &cur, &cur))
		n++;
	T_EQ_U64(n, 6, "iterated all");
	T_CHECK(cur.plen == 0, "last key is the default route");

	struct v4 full = { 32, { 1, 1, 1, 1 } }, full2 = { 32, { 1, 1, 1, 2 } };
	uint32_t v = 9;
	T_EQ_U64(bpfrt_map__update_elem(m, &full, &v, 0), 0, "8th");
	T_EQ_U64(bpfrt_map__update_elem(m, &full2, &v, 0), -ENOSPC, "full");
	T_EQ_U64(bpfrt_map__update_elem(m, &full, &v, BPFRT_NOEXIST), -EEXIST, "noexist");
	T_EQ_U64(bpfrt_map__update_elem(m, &full2, &v, BPFRT_EXIST), -ENOENT, "exist");
	struct v4 bad = { 33, { 0 } };
	T_EQ_U64(bpfrt_map__update_elem(m, &bad, &v, 0), -EINVAL, "prefixlen > 32");
	T_EQ_U64(bpfrt_map__delete_elem(m, &routes[0].k), 0, "delete default");
	T_EQ_U64(lpm4(m, 8, 8, 8, 8), -ENOENT, "no default route");
	struct v4 nope = { 12, { 10 } };
	T_EQ_U64(bpfrt_map__delete_elem(m, &nope), -ENOENT, "delete missing prefix");
	T_EQ_U64(bpfrt_map__delete_elem(m, &routes[2].k), 0, "delete /16");
	T_EQ_U64(lpm4(m, 10, 1, 3, 1), 2, "falls back to /8");
	bpfrt_map__put(m);

	m = mk(BPFRT_MAP_TYPE_LPM_TRIE, sizeof(struct v6), 4, 16, BPFRT_F_NO_PREALLOC);
	if (!m)
		return;
	struct v6 d = { 0, { 0 } }, doc = { 32, { 0x20, 0x01, 0x0d, 0xb8 } },
		  sub = { 48, { 0x20, 0x01, 0x0d, 0xb8, 0, 1 } };
	v = 1;
	bpfrt_map__update_elem(m, &d, &v, 0);
	v = 2;
	bpfrt_map__update_elem(m, &doc, &v, 0);
	v = 3;
	bpfrt_map__update_elem(m, &sub, &v, 0);
	struct v6 a = { 128, { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } };
	T_CHECK(!bpfrt_map__lookup_elem(m, &a, &v) && v == 3, "v6 /48");
	a.a[5] = 2;
	T_CHECK(!bpfrt_map__lookup_elem(m, &a, &v) && v == 2, "v6 /32");
	a.a[0] = 0xfe;
	T_CHECK(!bpfrt_map__lookup_elem(m, &a, &v) && v == 1, "v6 ::/0");
	bpfrt_map__put(m);
}

/* ---- queue / stack / bloom ------------------------------------------------- */

static void test_queue_stack(void)
{
	for (int st = 0; st < 2; st++) {
		struct bpfrt_map *m = mk(st ? BPFRT_MAP_TYPE_STACK : BPFRT_MAP_TYPE_QUEUE, 0, 4, 3, 0);
		if (!m)
			return;
		uint32_t v, out;
		T_EQ_U64(bpfrt_map__lookup_and_delete_elem(m, NULL, &out), -ENOENT, "pop empty");
		T_EQ_U64(bpfrt_map__lookup_elem(m, NULL, &out), -ENOENT, "peek empty");
		for (v = 1; v <= 3; v++)
			T_EQ_U64(bpfrt_map__update_elem(m, NULL, &v, 0), 0, "push");
		T_EQ_U64(bpfrt_map__update_elem(m, NULL, &v, 0), -E2BIG, "push full");
		T_EQ_U64(bpfrt_map__update_elem(m, NULL, &v, BPFRT_NOEXIST), -EINVAL, "noexist");
		T_EQ_U64(bpfrt__map_push(m, &v, BPFRT_EXIST), 0, "overwrite oldest"); /* 2 3 4 */
		T_EQ_U64(bpfrt_map__lookup_elem(m, NULL, &out), 0, "peek");
		T_EQ_U64(out, st ? 4 : 2, "peek value");
		uint32_t want_q[] = { 2, 3, 4 }, want_s[] = { 4, 3, 2 };
		for (int i = 0; i < 3; i++) {
			T_EQ_U64(bpfrt__map_pop(m, &out), 0, "pop");
			T_EQ_U64(out, st ? want_s[i] : want_q[i], "order");
		}
		T_EQ_U64(bpfrt__map_pop(m, &out), -ENOENT, "empty again");
		T_EQ_U64(bpfrt_map__delete_elem(m, NULL), -EINVAL, "delete");
		T_EQ_U64(bpfrt_map__get_next_key(m, NULL, &out), -EINVAL, "get_next_key");
		bpfrt_map__put(m);
	}

	BPFRT_OPTS(bpfrt_map_create_opts, o, .map_extra = 3);
	struct bpfrt_map *b = bpfrt_map__create(BPFRT_MAP_TYPE_BLOOM_FILTER, "bl", 0, 8, 1000, &o);
	T_CHECK(b, "bloom");
	if (!b)
		return;
	for (uint64_t v = 0; v < 1000; v++)
		T_EQ_U64(bpfrt_map__update_elem(b, NULL, &v, 0), 0, "bloom add");
	unsigned missing = 0, fp = 0;
	for (uint64_t v = 0; v < 1000; v++)
		missing += bpfrt_map__lookup_elem(b, NULL, &v) != 0;
	for (uint64_t v = 1u << 20; v < (1u << 20) + 10000; v++)
		fp += bpfrt__map_peek(b, &v) == 0;
	T_EQ_U64(missing, 0, "no false negatives");
	T_CHECK(fp < 1500, "false positive rate %u / 10000", fp);
	uint64_t v = 1;
	T_EQ_U64(bpfrt_map__update_elem(b, NULL, &v, BPFRT_EXIST), -EINVAL, "bloom flags");
	T_EQ_U64(bpfrt_map__delete_elem(b, NULL), -EOPNOTSUPP, "bloom delete");
	bpfrt_map__put(b);
}

/* ---- ringbuf --------------------------------------------------------------- */

struct rb_seen {
	uint32_t n;
	uint32_t vals[4096];
	uint32_t stop_at;
};

static int rb_cb(void *user, void *data, size_t size)
{
	struct rb_seen *s = user;
	uint32_t v;
	memcpy(&v, data, 4);
	/* Records carry their own length in the first word's high bits. */
	if (size >= 8) {
		uint32_t len;
		memcpy(&len, (char *)data + 4, 4);
		if (len != size)
			return -1000;
		for (size_t i = 8; i < size; i++)
			if (((uint8_t *)data)[i] != (uint8_t)(v + i))
				return -1001;
	}
	if (s->n < 4096)
		s->vals[s->n] = v;
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 77 : 0;
}

static void put_rec(void *p, uint32_t v, uint32_t size)
{
	memcpy(p, &v, 4);
	if (size >= 8) {
		memcpy((char *)p + 4, &size, 4);
		for (uint32_t i = 8; i < size; i++)
			((uint8_t *)p)[i] = (uint8_t)(v + i);
	}
}

struct rb_prod {
	struct bpfrt_map *m;
	uint32_t n;
};

static void *rb_producer(void *arg)
{
	struct rb_prod *p = arg;
	for (uint32_t i = 0; i < p->n;) {
		uint32_t size = 8 + i % 50;
		void *r = bpfrt__ringbuf_reserve(p->m, size, 0);
		if (!r) {
			sched_yield();	/* full: let the consumer catch up */
			continue;
		}
		put_rec(r, i, size);
		bpfrt__ringbuf_submit(r, 0);
		i++;
	}
	return NULL;
}

static void test_ringbuf(void)
{
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	if (!m)
		return;
	static struct rb_seen s;
	memset(&s, 0, sizeof(s));
	struct bpfrt_ringbuf *rb = bpfrt_ringbuf__new(m, rb_cb, &s);
	T_CHECK(rb, "consumer");
	if (!rb)
		return;
	T_EQ_U64(bpfrt_map__lookup_elem(m, NULL, NULL), -ENOTSUP, "no lookup");

	/* Commit out of order: the consumer waits for the oldest. */
	void *a = bpfrt__ringbuf_reserve(m, 4, 0), *b = bpfrt__ringbuf_reserve(m, 4, 0),
	     *c = bpfrt__ringbuf_reserve(m, 4, 0);
	T_CHECK(a && b && c && ((uintptr_t)a & 7) == 0, "reserve aligned");
	T_EQ_U64((char *)b - (char *)a, 16, "8-byte header + padded record");
	put_rec(a, 1, 4);
	put_rec(b, 2, 4);
	put_rec(c, 3, 4);
	bpfrt__ringbuf_submit(c, 0);
	bpfrt__ringbuf_discard(b, 0);
	T_EQ_U64(bpfrt_ringbuf__consume(rb), 0, "oldest still busy");
	bpfrt__ringbuf_submit(a, BPFRT_RB_NO_WAKEUP);
	T_EQ_U64(bpfrt_ringbuf__consume(rb), 2, "two records (one discarded)");
	T_CHECK(s.n == 2 && s.vals[0] == 1 && s.vals[1] == 3, "order, discard skipped");
	T_EQ_U64(bpfrt__ringbuf_query(m, BPFRT_RB_AVAIL_DATA), 0, "drained");
	T_EQ_U64(bpfrt__ringbuf_query(m, BPFRT_RB_RING_SIZE), 4096, "ring size");
	T_EQ_U64(bpfrt__ringbuf_query(m, BPFRT_RB_PROD_POS), 48, "prod pos");

	/* No room: reserve fails, output says -EAGAIN. */
	T_CHECK(!bpfrt__ringbuf_reserve(m, 4096, 0), "larger than ring");
	T_CHECK(!bpfrt__ringbuf_reserve(m, 8, 1), "bad flags");
	void *big = bpfrt__ringbuf_reserve(m, 3000, 0);
	T_CHECK(big, "big reserve");
	T_CHECK(!bpfrt__ringbuf_reserve(m, 2000, 0), "no room");
	uint32_t x = 5;
	T_EQ_U64(bpfrt__ringbuf_output(m, &x, 2000, 0), -EAGAIN, "output no room");
	T_EQ_U64(bpfrt__ringbuf_output(m, &x, 4, 4), -EINVAL, "output bad flags");
	bpfrt__ringbuf_discard(big, 0);
	T_EQ_U64(bpfrt_ringbuf__consume(rb), 0, "discarded big");

	/* Wraparound: records straddle the end and read back contiguous. */
	s.n = 0;
	uint32_t total = 0;
	for (uint32_t i = 0; i < 2000; i++) {
		uint32_t size = 8 + (i * 13) % 300;
		void *r = bpfrt__ringbuf_reserve(m, size, 0);
		if (!r) {
			bpfrt_ringbuf__consume(rb);
			r = bpfrt__ringbuf_reserve(m, size, 0);
		}
		T_CHECK(r, "reserve after consume");
		if (!r)
			break;
		put_rec(r, i, size);
		bpfrt__ringbuf_submit(r, 0);
		total++;
	}
	T_CHECK(bpfrt_ringbuf__consume(rb) >= 0, "consume");
	T_EQ_U64(s.n, total, "every record across wraparounds");
	bool inorder = true;
	for (uint32_t i = 0; i < s.n && i < 4096; i++)
		inorder &= s.vals[i] == i;
	T_CHECK(inorder, "in reservation order, contents intact");

	/* Callback's non-zero return stops and is returned. */
	s.n = 0;
	s.stop_at = 2;
	for (uint32_t i = 0; i < 4; i++)
		bpfrt__ringbuf_output(m, &i, 4, 0);
	T_EQ_U64(bpfrt_ringbuf__consume(rb), 77, "stop value");
	s.stop_at = 0;
	T_EQ_U64(bpfrt_ringbuf__consume(rb), 2, "rest");

	/* A producer thread and a polling consumer. */
	s.n = 0;
	struct rb_prod prod = { m, 20000 };
	pthread_t th;
	pthread_create(&th, NULL, rb_producer, &prod);
	uint64_t t0 = now_ns();
	while (s.n < prod.n && now_ns() - t0 < 10000000000ull) {
		int r = bpfrt_ringbuf__poll(rb, 100);
		if (r < 0) {
			T_CHECK(0, "poll: %d", r);
			break;
		}
	}
	pthread_join(th, NULL);
	T_EQ_U64(s.n, prod.n, "all records through poll");
	inorder = true;
	for (uint32_t i = 0; i < 4096; i++)
		inorder &= s.vals[i] == i;
	T_CHECK(inorder, "poll order");
	T_EQ_U64(bpfrt_ringbuf__poll(rb, 10), 0, "poll timeout");

	/* One consumer over two rings. */
	struct bpfrt_map *m2 = mk(BPFRT_MAP_TYPE_RINGBUF, 0, 0, 8192, 0);
	static struct rb_seen s2;
	memset(&s2, 0, sizeof(s2));
	T_EQ_U64(bpfrt_ringbuf__add(rb, m2, rb_cb, &s2), 0, "add ring");
	T_EQ_U64(bpfrt_ringbuf__add(rb, m, NULL, &s2), -EINVAL, "add needs a callback");
	s.n = 0;
	for (uint32_t i = 0; i < 3; i++) {
		bpfrt__ringbuf_output(m, &i, 4, 0);
		bpfrt__ringbuf_output(m2, &i, 4, BPFRT_RB_FORCE_WAKEUP);
	}
	T_EQ_U64(bpfrt_ringbuf__poll(rb, 100), 6, "both rings");
	T_CHECK(s.n == 3 && s2.n == 3, "each ring's callback");
	bpfrt_ringbuf__free(rb);
	bpfrt_map__put(m2);
	bpfrt_map__put(m);
}

/* ---- perf event array ------------------------------------------------------- */

struct perf_seen {
	uint32_t n, per_cpu[NCPU], bad;
	uint64_t lost;
};

static void perf_sample(void *user, int cpu, void *data, uint32_t size)
{
	struct perf_seen *s = user;
	uint32_t v;
	memcpy(&v, data, 4);
	if (cpu < 0 || cpu >= NCPU || v != (uint32_t)cpu || size != 4 + (v % 3) * 100)
		s->bad++;
	else
		s->per_cpu[cpu]++;
	s->n++;
}

static void perf_lost(void *user, int cpu, uint64_t lost)
{
	(void)cpu;
	((struct perf_seen *)user)->lost += lost;
}

static void test_perf(void)
{
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, NCPU, 0);
	if (!m)
		return;
	uint8_t data[512] = { 0 };
	T_EQ_U64(bpfrt__perf_event_output(m, BPFRT_F_CURRENT_CPU, data, 4, 0), -ENOENT,
		 "no reader yet");
	struct perf_seen s = { 0 };
	struct bpfrt_perf_reader *r = bpfrt_perf_reader__new(m, 1, perf_sample, perf_lost, &s);
	T_CHECK(r, "reader");
	if (!r)
		return;
	T_CHECK(!bpfrt_perf_reader__new(m, 1, perf_sample, perf_lost, &s) && errno == EBUSY,
		"one reader");
	T_CHECK(!bpfrt_perf_reader__new(m, 3, perf_sample, perf_lost, &s) && errno == EINVAL,
		"page_cnt power of 2");
	for (uint32_t i = 0; i < 40; i++) {
		uint32_t cpu = i % NCPU, size = 4 + (cpu % 3) * 100;
		memcpy(data, &cpu, 4);
		long e = i % 2 ? bpfrt__perf_event_output(m, BPFRT_F_CURRENT_CPU, data, size, cpu)
			       : bpfrt__perf_event_output(m, cpu, data, size, cpu);
		T_EQ_U64(e, 0, "output");
	}
	T_EQ_U64(bpfrt__perf_event_output(m, NCPU, data, 4, 0), -E2BIG, "index out of range");
	T_EQ_U64(bpfrt__perf_event_output(m, 1, data, 4, 0), -EOPNOTSUPP,
		 "another CPU's buffer (the kernel: event->oncpu != cpu)");
	T_EQ_U64(bpfrt__perf_event_output(m, 1ull << 40, data, 4, 0), -EINVAL, "bad flags");
	T_EQ_U64(bpfrt_perf_reader__poll(r, 100), 40, "poll samples");
	T_CHECK(s.n == 40 && !s.bad && s.per_cpu[3] == 10, "per-cpu samples");
	/* Overflow one CPU's single page: some are lost and reported. */
	uint32_t cpu1 = 1, ok = 0;
	memcpy(data, &cpu1, 4);
	for (int i = 0; i < 100; i++)
		ok += bpfrt__perf_event_output(m, 1, data, 104, 1) == 0;
	T_CHECK(ok > 0 && ok < 100, "some fit (%u)", ok);
	s.n = 0;
	bpfrt_perf_reader__poll(r, 0);
	T_EQ_U64(s.n, ok, "kept samples");
	T_EQ_U64(s.lost, 100 - ok, "lost count");
	/* Wraparound across many rounds. */
	s.n = 0;
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 7; i++)
			bpfrt__perf_event_output(m, 1, data, 104, 1);
		bpfrt_perf_reader__poll(r, 0);
	}
	T_EQ_U64(s.n, 350, "wraparound samples");
	T_EQ_U64(s.bad, 0, "intact");
	bpfrt_perf_reader__free(r);
	T_EQ_U64(bpfrt__perf_event_output(m, 0, data, 4, 0), -ENOENT, "reader gone");
	bpfrt_map__put(m);
}

/* ---- prog arrays and map-in-map ----------------------------------------------- */

struct fake_prog { atomic_int ref; };
static void *fp_get(void *o) { atomic_fetch_add(&((struct fake_prog *)o)->ref, 1); return o; }
static void fp_put(void *o) { atomic_fetch_sub(&((struct fake_prog *)o)->ref, 1); }
static const struct bpfrt_obj_ref_ops fp_ops = { fp_get, fp_put };

static void test_prog_array(void)
{
	static struct fake_prog p1, p2;
	atomic_init(&p1.ref, 1);
	atomic_init(&p2.ref, 1);
	bpfrt__map_set_prog_ref_ops(&fp_ops);
	uint32_t id1 = bpfrt__registry_add(BPFRT_OBJ_PROG, &p1, &fp_ops);
	uint32_t id2 = bpfrt__registry_add(BPFRT_OBJ_PROG, &p2, &fp_ops);
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	if (!m)
		return;
	uint32_t k = 1, out;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &id1, 0), 0, "store prog id");
	T_CHECK(bpfrt__map_prog_array_get(m, 1) == &p1, "tail call target");
	T_CHECK(!bpfrt__map_prog_array_get(m, 0) && !bpfrt__map_prog_array_get(m, 9), "empty");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, &out), 0, "lookup");
	T_EQ_U64(out, id1, "lookup gives the id");
	T_EQ_U64(atomic_load(&p1.ref), 2, "prog array holds a reference");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &id2, 0), 0, "replace");
	T_CHECK(bpfrt__map_prog_array_get(m, 1) == &p2, "replaced");
	uint32_t bad = 999999;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &bad, 0), -EBADF, "unknown id");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &id1, BPFRT_NOEXIST), -EINVAL, "flags");
	k = 4;
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &id1, 0), -E2BIG, "index");
	k = 2;
	T_EQ_U64(bpfrt_map__delete_elem(m, &k), -ENOENT, "delete empty");
	k = 1;
	T_EQ_U64(bpfrt_map__delete_elem(m, &k), 0, "delete");
	T_CHECK(!bpfrt__map_prog_array_get(m, 1), "deleted");
	bpfrt_map__put(m);
	T_EQ_U64(atomic_load(&p1.ref), 1, "p1 references dropped");
	T_EQ_U64(atomic_load(&p2.ref), 1, "p2 references dropped");
	bpfrt__registry_remove(id1);
	bpfrt__registry_remove(id2);
}

static void test_map_in_map(void)
{
	struct bpfrt_map *tmpl = mk(BPFRT_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	if (!tmpl)
		return;
	for (int h = 0; h < 2; h++) {
		BPFRT_OPTS(bpfrt_map_create_opts, o, .inner_map = tmpl);
		struct bpfrt_map *outer = bpfrt_map__create(
			h ? BPFRT_MAP_TYPE_HASH_OF_MAPS : BPFRT_MAP_TYPE_ARRAY_OF_MAPS, "outer", 4,
			4, 4, &o);
		T_CHECK(outer, "outer");
		if (!outer)
			return;
		struct bpfrt_map *inner = mk(BPFRT_MAP_TYPE_ARRAY, 4, 8, 4, 0);
		struct bpfrt_map *wrong = mk(BPFRT_MAP_TYPE_ARRAY, 4, 16, 4, 0);
		uint32_t inner_id = bpfrt_map__id(inner), wrong_id = bpfrt_map__id(wrong);
		uint32_t k = 2, out;
		T_EQ_U64(bpfrt_map__update_elem(outer, &k, &wrong_id, 0), -EINVAL, "shape mismatch");
		T_EQ_U64(bpfrt_map__update_elem(outer, &k, &inner_id, 0), 0, "store map id");
		T_EQ_U64(bpfrt_map__lookup_elem(outer, &k, &out), 0, "lookup");
		T_EQ_U64(out, inner_id, "lookup gives the id");
		uint32_t ik = 1;
		uint64_t val = 0xabc;
		bpfrt_map__update_elem(inner, &ik, &val, 0);
		bpfrt_map__put(inner);	/* only the outer map holds it now */
		bpfrt_map__put(wrong);
		struct bpfrt_map *got = bpfrt__map_lookup(outer, &k, 0);
		T_CHECK(got == inner, "program lookup gives the inner map");
		uint64_t *pv = got ? bpfrt__map_lookup(got, &ik, 0) : NULL;
		T_CHECK(pv && *pv == 0xabc, "inner map alive through the outer");
		struct bpfrt_map *again = bpfrt__registry_get(BPFRT_OBJ_MAP, inner_id);
		T_CHECK(again == inner, "still registered");
		bpfrt_map__put(again);
		T_EQ_U64(bpfrt_map__delete_elem(outer, &k), 0, "delete");
		T_CHECK(!bpfrt__map_lookup(outer, &k, 0), "gone from outer");
		bpfrt_map__put(outer);
		T_CHECK(!bpfrt__registry_get(BPFRT_OBJ_MAP, inner_id), "inner freed with outer");
	}
	/* BPF_F_INNER_MAP: inner maps may have any max_entries. */
	struct bpfrt_map *flex = mk(BPFRT_MAP_TYPE_ARRAY, 4, 8, 1, BPFRT_F_INNER_MAP);
	BPFRT_OPTS(bpfrt_map_create_opts, of, .inner_map = flex);
	struct bpfrt_map *fo = bpfrt_map__create(BPFRT_MAP_TYPE_HASH_OF_MAPS, "fo", 4, 4, 4, &of);
	struct bpfrt_map *big = mk(BPFRT_MAP_TYPE_ARRAY, 4, 8, 100, BPFRT_F_INNER_MAP);
	struct bpfrt_map *plain = mk(BPFRT_MAP_TYPE_ARRAY, 4, 8, 100, 0);
	uint32_t fk = 1, big_id = bpfrt_map__id(big), plain_id = bpfrt_map__id(plain);
	T_EQ_U64(bpfrt_map__update_elem(fo, &fk, &big_id, 0), 0, "inner_map: any size");
	T_EQ_U64(bpfrt_map__update_elem(fo, &fk, &plain_id, 0), -EINVAL, "flags must match");
	T_EQ_U64(bpfrt_map__update_elem(fo, &fk, &big_id, BPFRT_NOEXIST), -EEXIST, "noexist");
	bpfrt_map__put(big);
	bpfrt_map__put(plain);
	bpfrt_map__put(fo);
	bpfrt_map__put(flex);

	BPFRT_OPTS(bpfrt_map_create_opts, o2, .inner_map = tmpl);
	struct bpfrt_map *outer = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY_OF_MAPS, "o", 4, 4, 2, &o2);
	BPFRT_OPTS(bpfrt_map_create_opts, o3, .inner_map = outer);
	T_CHECK(!bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY_OF_MAPS, "oo", 4, 4, 2, &o3) &&
		errno == EINVAL, "one level only");
	bpfrt_map__put(outer);
	bpfrt_map__put(tmpl);
}

/* ---- access flags, freezing ------------------------------------------------ */

static void test_access(void)
{
	uint32_t k = 0, v = 1;
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_ARRAY, 4, 4, 2, BPFRT_F_RDONLY);
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, 0), -EPERM, "rdonly update");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, &v), 0, "rdonly lookup");
	T_EQ_U64(bpfrt__map_update(m, &k, &v, 0, 0), 0, "programs may write");
	bpfrt_map__put(m);
	m = mk(BPFRT_MAP_TYPE_ARRAY, 4, 4, 2, BPFRT_F_WRONLY);
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, &v), -EPERM, "wronly lookup");
	T_EQ_U64(bpfrt_map__get_next_key(m, NULL, &k), -EPERM, "wronly next");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, 0), 0, "wronly update");
	bpfrt_map__put(m);
	m = mk(BPFRT_MAP_TYPE_HASH, 4, 4, 2, BPFRT_F_RDONLY_PROG);
	T_EQ_U64(bpfrt__map_update(m, &k, &v, 0, 0), -EPERM, "rdonly_prog");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, 0), 0, "user may write");
	T_EQ_U64(bpfrt_map__freeze(m), 0, "freeze");
	T_CHECK(bpfrt_map__is_frozen(m), "frozen");
	T_EQ_U64(bpfrt_map__freeze(m), -EPERM, "freeze twice");
	T_EQ_U64(bpfrt_map__update_elem(m, &k, &v, 0), -EPERM, "frozen update");
	T_EQ_U64(bpfrt_map__delete_elem(m, &k), -EPERM, "frozen delete");
	T_EQ_U64(bpfrt_map__lookup_elem(m, &k, &v), 0, "frozen lookup");
	bpfrt_map__put(m);
}

/* ---- for_each with deletion ------------------------------------------------- */

static long del_cb(struct bpfrt_map *m, void *key, void *value, void *ctx)
{
	(void)value; (void)ctx;
	uint32_t k;
	memcpy(&k, key, 4);
	if (k % 2)
		bpfrt__map_delete(m, &k, 0);
	return 0;
}

static void test_for_each(void)
{
	struct bpfrt_map *m = mk(BPFRT_MAP_TYPE_HASH, 4, 4, 64, 0);
	if (!m)
		return;
	for (uint32_t k = 0; k < 50; k++)
		bpfrt_map__update_elem(m, &k, &k, 0);
	T_EQ_U64(bpfrt__map_for_each(m, del_cb, NULL, 0), 50, "visited all");
	uint32_t cur, n = 0;
	for (int e = bpfrt_map__get_next_key(m, NULL, &cur); !e;
	     e = bpfrt_map__get_next_key(m, &cur, &cur)) {
		n++;
		T_CHECK(cur % 2 == 0, "odd keys deleted");
	}
	T_EQ_U64(n, 25, "remaining");
	bpfrt_map__put(m);
}

/* ---- multithreaded stress ---------------------------------------------------- */

#define THREADS 4
#define ITERS 100000

struct stress {
	struct bpfrt_map *h, *a;
	int id;
	unsigned bad;
};

static void *stress_fn(void *arg)
{
	struct stress *s = arg;
	uint64_t rng = 0x1234567 + (uint64_t)s->id * 7919;
	uint32_t zero = 0, shared = 0xffff;
	for (int i = 0; i < ITERS; i++) {
		rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
		/* Own keys: insert / check / delete with exact expectations. */
		uint32_t k = (uint32_t)s->id << 16 | (uint32_t)(rng % 200);
		uint64_t v[2] = { k, ~(uint64_t)k };
		switch (rng >> 60 & 3) {
		case 0:
			bpfrt_map__update_elem(s->h, &k, v, BPFRT_ANY);
			break;
		case 1: {
			uint64_t *p = bpfrt__map_lookup(s->h, &k, (unsigned)s->id);
			if (p && p[0] != k)
				s->bad++;
			break;
		}
		case 2:
			bpfrt_map__delete_elem(s->h, &k);
			break;
		default: {
			/* Another thread's key: just must not crash. */
			uint32_t o = (uint32_t)((s->id + 1) % THREADS) << 16 | (uint32_t)(rng % 200);
			volatile uint64_t *p = bpfrt__map_lookup(s->h, &o, 0);
			if (p)
				(void)p[1];
		}
		}
		uint64_t *cnt = bpfrt__map_lookup(s->a, &zero, 0);
		__atomic_fetch_add(cnt, 1, __ATOMIC_RELAXED);
		uint64_t *sh = bpfrt__map_lookup(s->h, &shared, 0);
		if (sh)
			__atomic_fetch_add(sh, 1, __ATOMIC_RELAXED);
		else
			s->bad++;
	}
	return NULL;
}

static void test_stress(void)
{
	struct bpfrt_map *h = mk(BPFRT_MAP_TYPE_HASH, 4, 16, 1024, 0);
	struct bpfrt_map *a = mk(BPFRT_MAP_TYPE_ARRAY, 4, 8, 1, 0);
	if (!h || !a)
		return;
	uint32_t shared = 0xffff;
	uint64_t zero[2] = { 0 };
	bpfrt_map__update_elem(h, &shared, zero, 0);
	struct stress st[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		st[i] = (struct stress){ h, a, i, 0 };
		pthread_create(&th[i], NULL, stress_fn, &st[i]);
	}
	unsigned bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		bad += st[i].bad;
	}
	T_EQ_U64(bad, 0, "stress: every lookup saw its own value");
	uint32_t k0 = 0;
	uint64_t total, sh[2];
	bpfrt_map__lookup_elem(a, &k0, &total);
	T_EQ_U64(total, (uint64_t)THREADS * ITERS, "atomic increments on array value");
	bpfrt_map__lookup_elem(h, &shared, sh);
	T_EQ_U64(sh[0], (uint64_t)THREADS * ITERS, "atomic increments on hash value");
	/* Contents are what the threads left: every key once, values right. */
	uint32_t cur, n = 0;
	unsigned wrong = 0;
	for (int e = bpfrt_map__get_next_key(h, NULL, &cur); !e;
	     e = bpfrt_map__get_next_key(h, &cur, &cur)) {
		uint64_t v[2];
		n++;
		if (bpfrt_map__lookup_elem(h, &cur, v) || (cur != shared && v[0] != cur))
			wrong++;
	}
	T_EQ_U64(wrong, 0, "final contents consistent");
	T_CHECK(n >= 1 && n <= 1024, "count %u", n);
	bpfrt_map__put(h);
	bpfrt_map__put(a);
}

static void bench_hash_lookup(uint32_t n)
{
	struct bpfrt_map *h = mk(BPFRT_MAP_TYPE_HASH, 4, 8, n, 0);
	if (!h)
		return;
	for (uint32_t k = 0; k < n; k++)
		bpfrt_map__update_elem(h, &k, &(uint64_t){ k + 1 }, 0);
	uint64_t sum = 0, t0 = now_ns();
	const uint32_t iters = 2000000;
	for (uint32_t i = 0; i < iters; i++) {
		uint32_t k = (i * 2654435761u) & (n - 1);
		uint64_t *p = bpfrt__map_lookup(h, &k, 0);
		sum += p ? *p : 0;
	}
	uint64_t dt = now_ns() - t0;
	printf("maps: hash lookup %.1f ns (%u entries, 4-byte keys, random order)\n",
	       (double)dt / iters, n);
	T_CHECK(sum > 0, "bench");
	bpfrt_map__put(h);
}

int main(void)
{
	T_EQ_U64(bpfrt_set_num_cpus(NCPU), 0, "set_num_cpus");
	T_EQ_U64(bpfrt_num_cpus(), NCPU, "num_cpus");
	test_create();
	test_array();
	test_hash_type(BPFRT_MAP_TYPE_HASH, 0);
	test_hash_type(BPFRT_MAP_TYPE_HASH, BPFRT_F_NO_PREALLOC);
	test_hash_type(BPFRT_MAP_TYPE_PERCPU_HASH, 0);
	test_lru(BPFRT_MAP_TYPE_LRU_HASH, 0);
	test_lru(BPFRT_MAP_TYPE_LRU_PERCPU_HASH, 0);
	test_lru(BPFRT_MAP_TYPE_LRU_HASH, BPFRT_F_NO_COMMON_LRU);
	test_lpm();
	test_queue_stack();
	test_ringbuf();
	test_perf();
	test_prog_array();
	test_map_in_map();
	test_access();
	test_for_each();
	test_devmap();
	test_devmap_hash();
	test_xskmap();
	test_stress();
	bench_hash_lookup(1024);
	bench_hash_lookup(1 << 16);
	bench_hash_lookup(1 << 20);
	return t_done("maps");
}
