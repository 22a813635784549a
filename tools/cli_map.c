/* SPDX-License-Identifier: MIT */
/*
 * bpfrt map dump|lookup|update|delete --pin DIR/NAME: the maps of a running
 * instance, from another process.  Array-like maps are read and written in
 * shared memory (no round trip to the instance); the others through its
 * control socket.  Keys and values are hex, bytes in memory order.
 *
 * Output: one line per entry, "key=HEX value=HEX"; per-CPU maps print
 * "cpuN=HEX" per CPU instead of value=; 4- and 8-byte values also get
 * "u=N" (little-endian; for per-CPU maps the sum over CPUs).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

static void put_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	if (!n)
		putchar('-');
}

static bool is_percpu(uint32_t t)
{
	return t == BPFRT_MAP_TYPE_PERCPU_ARRAY || t == BPFRT_MAP_TYPE_PERCPU_HASH ||
	       t == BPFRT_MAP_TYPE_LRU_PERCPU_HASH;
}

static void print_entry(const struct bpfrt_pin_hdr *h, const uint8_t *key, const uint8_t *val)
{
	printf("key=");
	put_hex(key, h->key_size);
	uint64_t sum = 0;
	unsigned slots = is_percpu(h->type) ? h->ncpus : 1;
	size_t stride = is_percpu(h->type) ? h->elem_size : h->value_size;
	for (unsigned c = 0; c < slots; c++) {
		const uint8_t *v = val + (size_t)c * stride;
		if (is_percpu(h->type))
			printf(" cpu%u=", c);
		else
			printf(" value=");
		put_hex(v, h->value_size);
		uint64_t x = 0;
		if (h->value_size == 4 || h->value_size == 8)
			memcpy(&x, v, h->value_size);
		sum += x;
	}
	if (h->value_size == 4 || h->value_size == 8)
		printf(" u=%" PRIu64, sum);
	putchar('\n');
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	if (!n)
		return (!*s || !strcmp(s, "-")) ? 0 : -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned b;
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return 0;
}

int cmd_map_pin(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, 'P' },
		{ "key", required_argument, NULL, 'k' },
		{ "value", required_argument, NULL, 'v' },
		{ "flags", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *op = argv[1];
	char cmd[32];
	snprintf(cmd, sizeof(cmd), "map %s", op);
	const char *pin = NULL, *key_s = NULL, *val_s = NULL;
	uint64_t flags = BPFRT_ANY;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, ":P:k:v:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': pin = optarg; break;
		case 'k': key_s = optarg; break;
		case 'v': val_s = optarg; break;
		case 'f':
			if (!strcmp(optarg, "any"))
				flags = BPFRT_ANY;
			else if (!strcmp(optarg, "noexist"))
				flags = BPFRT_NOEXIST;
			else if (!strcmp(optarg, "exist"))
				flags = BPFRT_EXIST;
			else {
				errmsg("%s: unknown flags '%s' (any, noexist, exist)", cmd, optarg);
				return EXIT_INPUT;
			}
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return bad_option(cmd, c, argv);
		}
	}
	if (!pin || optind != argc) {
		errmsg("%s: usage: bpfrt map %s --pin DIR/NAME%s", cmd, op,
		       strcmp(op, "dump") ? " --key HEX" : "");
		return EXIT_INPUT;
	}
	bool dump = !strcmp(op, "dump"), lookup = !strcmp(op, "lookup");
	bool update = !strcmp(op, "update"), del = !strcmp(op, "delete");
	if (!dump && !key_s) {
		errmsg("%s: --key HEX is required", cmd);
		return EXIT_INPUT;
	}
	if (update && !val_s) {
		errmsg("%s: --value HEX is required", cmd);
		return EXIT_INPUT;
	}
	struct bpfrt_pinned_map *pm = bpfrt_pinned_map__open(pin);
	if (!pm) {
		errmsg("%s: %s: %s", cmd, pin, errno == EINVAL ? "not a pinned bpfrt map"
							      : strerror(errno));
		return EXIT_INPUT;
	}
	const struct bpfrt_pin_hdr *h = bpfrt_pinned_map__hdr(pm);
	size_t vs = bpfrt_pinned_map__user_value_size(pm);
	uint8_t *key = calloc(1, h->key_size + 1), *next = calloc(1, h->key_size + 1);
	uint8_t *val = calloc(1, vs + 1);
	int ret = 0, r = 0;
	if (!key || !next || !val) {
		ret = EXIT_INPUT;
		goto out;
	}
	if (key_s && unhex(key_s, key, h->key_size)) {
		errmsg("%s: --key must be %u bytes of hex", cmd, h->key_size);
		ret = EXIT_INPUT;
		goto out;
	}
	if (val_s && unhex(val_s, val, vs)) {
		errmsg("%s: --value must be %zu bytes of hex%s", cmd, vs,
		       is_percpu(h->type) ? " (one value per CPU, 8-byte aligned)" : "");
		ret = EXIT_INPUT;
		goto out;
	}
	if (dump) {
		bool first = true;
		for (unsigned guard = 0; guard < (1u << 24); guard++) {
			r = bpfrt_pinned_map__next_key(pm, first ? NULL : key, next);
			if (r)
				break;
			first = false;
			memcpy(key, next, h->key_size);
			if (!bpfrt_pinned_map__lookup(pm, key, val))
				print_entry(h, key, val);
		}
		r = r == -ENOENT ? 0 : r;
	} else if (lookup) {
		r = bpfrt_pinned_map__lookup(pm, key, val);
		if (!r)
			print_entry(h, key, val);
	} else if (update) {
		r = bpfrt_pinned_map__update(pm, key, val, flags);
	} else if (del) {
		r = bpfrt_pinned_map__delete(pm, key);
	}
	if (r) {
		errmsg("%s: %s: %s", cmd, pin, strerror(-r));
		ret = EXIT_RUNTIME;
	}
out:
	free(key);
	free(next);
	free(val);
	bpfrt_pinned_map__close(pm);
	return ret;
}
