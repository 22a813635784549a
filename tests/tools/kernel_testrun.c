/* SPDX-License-Identifier: MIT */
/*
 * kernel_testrun - the kernel side of the differential corpus.
 *
 *   kernel_testrun OBJ PROG --pcap FILE [--dump-maps]
 *
 * Loads OBJ with libbpf exactly as a user would (every program, so that
 * prog arrays declared with __array are filled), runs PROG once per frame of
 * FILE with BPF_PROG_TEST_RUN and prints JSON lines that tests/diff/run.py
 * compares with `bpfrt test-run ... --json --dump-maps`.  The format is
 * described in docs/corpus.md.
 *
 * Exit: 0 done, 77 bpf() unavailable (EPERM/ENOSYS), 2 any other error.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* libpcap's <pcap/bpf.h> defines its own (classic BPF) struct bpf_insn,
 * which clashes with <linux/bpf.h>.  We use none of it: claim its include
 * guard and provide the one typedef <pcap/pcap.h> needs from it. */
#define lib_pcap_bpf_h
typedef unsigned int bpf_u_int32;
struct bpf_program;
#include <pcap/pcap.h>

/* Room for bpf_xdp_adjust_head/tail growth: the kernel fails the run with
 * ENOSPC if data_out is smaller than the resulting packet. */
#define OUT_SLACK 512

/* A fixed object name makes libbpf's internal map names "kt.data",
 * "kt.bss", ... (custom sections keep their own ".data.foo" name), so the
 * ELF section name is the part from the first dot. */
#define OBJ_NAME "kt"

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("kernel_testrun: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Warnings carry the verifier log when a load fails; keep them. */
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void print_hex(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
}

static const char *xdp_verdict(uint32_t r)
{
	static const char *const names[] = {
		"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT",
	};
	return r < sizeof(names) / sizeof(names[0]) ? names[r] : NULL;
}

static const char *tc_verdict(uint32_t r)
{
	static const char *const names[] = {
		"TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE",
		"TC_ACT_STOLEN", "TC_ACT_QUEUED", "TC_ACT_REPEAT",
		"TC_ACT_REDIRECT", "TC_ACT_TRAP",
	};
	if (r == UINT32_MAX)
		return "TC_ACT_UNSPEC";
	return r < sizeof(names) / sizeof(names[0]) ? names[r] : NULL;
}

/* ---- ring buffers -------------------------------------------------- */

struct rb_ctx {
	const char *name;
	long frame;
};

static int rb_sample(void *user, void *data, size_t size)
{
	struct rb_ctx *c = user;

	printf("{\"frame\": %ld, \"ringbuf\": \"%s\", \"data\": \"", c->frame, c->name);
	print_hex(data, size);
	printf("\"}\n");
	return 0;
}

/* ---- map dump ------------------------------------------------------ */

/* The name maps are reported under: the ELF section for global data. */
static const char *report_name(const struct bpf_map *map)
{
	const char *n = bpf_map__name(map);

	if (bpf_map__is_internal(map)) {
		const char *dot = strchr(n, '.');
		return dot ? dot : n;
	}
	return n;
}

static bool dumpable(const struct bpf_map *map)
{
	if (bpf_map__is_internal(map)) {
		const char *n = report_name(map);
		/* .rodata is frozen and .kconfig read-only: not program state. */
		return strncmp(n, ".data", 5) == 0 || strncmp(n, ".bss", 4) == 0;
	}
	switch (bpf_map__type(map)) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_LPM_TRIE:
		return true;
	default:
		return false;
	}
}

static bool is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static size_t g_key_size;

static int cmp_keys(const void *a, const void *b)
{
	return memcmp(a, b, g_key_size);
}

static void dump_map(const struct bpf_map *map, int ncpus)
{
	int fd = bpf_map__fd(map);
	enum bpf_map_type type = bpf_map__type(map);
	size_t ks = bpf_map__key_size(map), vs = bpf_map__value_size(map);
	size_t slot = (vs + 7) / 8 * 8;
	bool pcpu = is_percpu(type);
	size_t ubuf = pcpu ? slot * (size_t)ncpus : vs;
	size_t cap = 64, n = 0;
	unsigned char *keys = malloc(cap * ks), *val = malloc(ubuf), *prev = NULL;
	const char *name = report_name(map);

	if (!keys || !val)
		die(2, "out of memory");
	/* Collect every key, then sort by bytes: the kernel's hash iteration
	 * order is an implementation detail, not an answer. */
	for (;;) {
		if (n == cap) {
			cap *= 2;
			keys = realloc(keys, cap * ks);
			if (!keys)
				die(2, "out of memory");
		}
		if (bpf_map_get_next_key(fd, prev, keys + n * ks) != 0) {
			if (errno != ENOENT)
				die(2, "%s: get_next_key: %s", name, strerror(errno));
			break;
		}
		prev = keys + n * ks;
		n++;
	}
	g_key_size = ks;
	qsort(keys, n, ks, cmp_keys);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *k = keys + i * ks;

		if (bpf_map_lookup_elem(fd, k, val) != 0) {
			/* LRU maps may not lose entries here (nothing runs). */
			die(2, "%s: lookup: %s", name, strerror(errno));
		}
		printf("{\"map\": \"%s\", \"key\": \"", name);
		print_hex(k, ks);
		if (pcpu) {
			printf("\", \"values\": [");
			for (int c = 0; c < ncpus; c++) {
				printf("%s\"", c ? ", " : "");
				print_hex(val + (size_t)c * slot, vs);
				printf("\"");
			}
			printf("]}\n");
		} else {
			printf("\", \"value\": \"");
			print_hex(val, vs);
			printf("\"}\n");
		}
	}
	free(keys);
	free(val);
}

static int cmp_maps(const void *a, const void *b)
{
	const struct bpf_map *const *x = a, *const *y = b;

	return strcmp(report_name(*x), report_name(*y));
}

static void dump_maps(struct bpf_object *obj)
{
	const struct bpf_map *maps[256];
	size_t n = 0;
	struct bpf_map *m;
	int ncpus = libbpf_num_possible_cpus();

	if (ncpus <= 0)
		die(2, "cannot count possible CPUs");
	bpf_object__for_each_map(m, obj) {
		if (dumpable(m) && n < sizeof(maps) / sizeof(maps[0]))
			maps[n++] = m;
	}
	qsort(maps, n, sizeof(maps[0]), cmp_maps);
	for (size_t i = 0; i < n; i++)
		dump_map(maps[i], ncpus);
}

/* ---- main ---------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: kernel_testrun OBJ PROG --pcap FILE [--dump-maps]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *obj_path = NULL, *prog_name = NULL, *pcap_path = NULL;
	bool dump = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pcap") == 0 && i + 1 < argc)
			pcap_path = argv[++i];
		else if (strcmp(argv[i], "--dump-maps") == 0)
			dump = true;
		else if (argv[i][0] == '-')
			usage();
		else if (!obj_path)
			obj_path = argv[i];
		else if (!prog_name)
			prog_name = argv[i];
		else
			usage();
	}
	if (!obj_path || !prog_name || !pcap_path)
		usage();

	/* Per-CPU answers land in slot 0 and bpfrt runs as CPU 0 too. */
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		die(2, "sched_setaffinity(CPU 0): %s", strerror(errno));

	libbpf_set_print(libbpf_quiet);

	/* Probe bpf() itself first, so "unavailable" is told apart from a
	 * program the verifier rejects. */
	{
		union bpf_attr attr;
		memset(&attr, 0, sizeof(attr));
		attr.map_type = BPF_MAP_TYPE_ARRAY;
		attr.key_size = 4;
		attr.value_size = 4;
		attr.max_entries = 1;
		long fd = syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
		if (fd < 0 && (errno == EPERM || errno == ENOSYS || errno == EACCES)) {
			fprintf(stderr, "kernel_testrun: bpf() unavailable: %s\n", strerror(errno));
			return 77;
		}
		if (fd >= 0)
			close((int)fd);
	}

	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(pcap_path, errbuf);
	if (!pc)
		die(2, "%s: %s", pcap_path, errbuf);

	LIBBPF_OPTS(bpf_object_open_opts, oopts, .object_name = OBJ_NAME);
	struct bpf_object *obj = bpf_object__open_file(obj_path, &oopts);
	if (!obj)
		die(2, "%s: open: %s", obj_path, strerror(errno));
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog)
		die(2, "%s: no program named %s", obj_path, prog_name);
	int err = bpf_object__load(obj);
	if (err) {
		if (err == -EPERM || err == -ENOSYS) {
			fprintf(stderr, "kernel_testrun: bpf() unavailable: %s\n", strerror(-err));
			return 77;
		}
		die(2, "%s: load: %s", obj_path, strerror(-err));
	}
	int prog_fd = bpf_program__fd(prog);
	enum bpf_prog_type ptype = bpf_program__type(prog);

	/* One consumer per ringbuf, in map name order, so that records of
	 * different ringbufs are printed in a fixed order. */
	struct rb {
		struct ring_buffer *rb;
		struct rb_ctx ctx;
	} rbs[16];
	size_t nrb = 0;
	{
		const struct bpf_map *rmaps[16];
		struct bpf_map *m;
		bpf_object__for_each_map(m, obj) {
			if (bpf_map__type(m) == BPF_MAP_TYPE_RINGBUF && nrb < 16)
				rmaps[nrb++] = m;
		}
		qsort(rmaps, nrb, sizeof(rmaps[0]), cmp_maps);
		for (size_t i = 0; i < nrb; i++) {
			rbs[i].ctx.name = bpf_map__name(rmaps[i]);
			rbs[i].ctx.frame = 0;
			rbs[i].rb = ring_buffer__new(bpf_map__fd(rmaps[i]), rb_sample,
						     &rbs[i].ctx, NULL);
			if (!rbs[i].rb)
				die(2, "ring_buffer__new(%s): %s", rbs[i].ctx.name, strerror(errno));
		}
	}

	struct pcap_pkthdr *h;
	const unsigned char *pkt;
	long frame = 0;
	int rc;
	while ((rc = pcap_next_ex(pc, &h, &pkt)) == 1) {
		size_t outsz = h->caplen + OUT_SLACK;
		unsigned char *out = calloc(1, outsz);
		if (!out)
			die(2, "out of memory");
		LIBBPF_OPTS(bpf_test_run_opts, topts,
			    .data_in = pkt,
			    .data_size_in = h->caplen,
			    .data_out = out,
			    .data_size_out = (uint32_t)outsz,
			    .repeat = 1);
		if (bpf_prog_test_run_opts(prog_fd, &topts) != 0) {
			int e = errno;
			printf("{\"frame\": %ld, \"error\": \"%s\", \"errno\": %d}\n",
			       frame, strerror(e), e);
		} else {
			const char *v = NULL;
			char num[16];
			if (ptype == BPF_PROG_TYPE_XDP)
				v = xdp_verdict(topts.retval);
			else if (ptype == BPF_PROG_TYPE_SCHED_CLS || ptype == BPF_PROG_TYPE_SCHED_ACT)
				v = tc_verdict(topts.retval);
			if (!v) {
				snprintf(num, sizeof(num), "%u", topts.retval);
				v = num;
			}
			printf("{\"frame\": %ld, \"retval\": %u, \"verdict\": \"%s\", \"data\": \"",
			       frame, topts.retval, v);
			print_hex(out, topts.data_size_out);
			printf("\"}\n");
		}
		free(out);
		for (size_t i = 0; i < nrb; i++) {
			rbs[i].ctx.frame = frame;
			if (ring_buffer__consume(rbs[i].rb) < 0)
				die(2, "ring_buffer__consume(%s) failed", rbs[i].ctx.name);
		}
		frame++;
	}
	if (rc == PCAP_ERROR)
		die(2, "%s: %s", pcap_path, pcap_geterr(pc));
	pcap_close(pc);

	if (dump)
		dump_maps(obj);
	for (size_t i = 0; i < nrb; i++)
		ring_buffer__free(rbs[i].rb);
	bpf_object__close(obj);
	fflush(stdout);
	return 0;
}
