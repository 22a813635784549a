/* SPDX-License-Identifier: MIT */
/*
 * cli_testrun.c - `bpfrt test-run`: BPF_PROG_TEST_RUN over a capture.
 *
 * The object is loaded once, as a libbpf user loads it (every program, so
 * that prog arrays declared with __array are filled); then the program runs
 * once per frame, in capture order, with maps persisting from frame to
 * frame.  With --json the output is line for line the format of the kernel
 * oracle (tests/tools/kernel_testrun.c, docs/corpus.md), so that
 * tests/diff/run.py can compare the two exactly; every choice below that
 * looks arbitrary (out-buffer slack, ring order, map order, names, strerror
 * texts) is there to give the oracle's bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

/* The oracle gives the kernel frame length + 512 bytes of data_out; the
 * kernel fails a run with ENOSPC when the program grew the packet beyond
 * that, so bpfrt must see the same capacity to give the same answer. */
#define OUT_SLACK 512

/* Snap length of --out captures: programs may grow frames past the input's. */
#define OUT_SNAPLEN 262144

struct tr_args {
	const char *obj_path, *prog_name, *pcap_path, *data_path, *out_path;
	struct cli_open open;
	enum bpfrt_engine engine;
	enum bpfrt_check_mode check;
	uint32_t repeat;	/* 0: not given (one run, no timing in JSON) */
	uint32_t cpu;
	bool json, dump_maps;
};

/* ---- output helpers --------------------------------------------------------- */

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
	/* TC_ACT_UNSPEC is -1; retval is the 32-bit value as unsigned. */
	if (r == UINT32_MAX)
		return "TC_ACT_UNSPEC";
	return r < sizeof(names) / sizeof(names[0]) ? names[r] : NULL;
}

static bool is_tc(enum bpfrt_prog_type t)
{
	return t == BPFRT_PROG_TYPE_SCHED_CLS || t == BPFRT_PROG_TYPE_SCHED_ACT;
}

/* The verdict name, or the decimal retval (in num) as the oracle prints it
 * for values without a name and for other program types. */
static const char *verdict(enum bpfrt_prog_type t, uint32_t r, char *num, size_t size)
{
	const char *v = NULL;

	if (t == BPFRT_PROG_TYPE_XDP)
		v = xdp_verdict(r);
	else if (is_tc(t))
		v = tc_verdict(r);
	if (v)
		return v;
	snprintf(num, size, "%" PRIu32, r);
	return num;
}

/* Does the frame leave the program (goes on to the stack or a device), and
 * so belong in --out?  XDP: PASS, TX, REDIRECT.  tc: everything that lets
 * the packet continue (OK, UNSPEC = the default action, PIPE, RECLASSIFY)
 * or sends it on (REDIRECT); SHOT drops it, STOLEN/QUEUED/TRAP consume it,
 * REPEAT re-runs the action.  Other types (socket filters, cgroup skb): a
 * non-zero return keeps the packet. */
static bool leaves(enum bpfrt_prog_type t, uint32_t r)
{
	if (t == BPFRT_PROG_TYPE_XDP)
		return r == 2 || r == 3 || r == 4;
	if (is_tc(t))
		return r == UINT32_MAX || r == 0 || r == 1 || r == 3 || r == 7;
	return r != 0;
}

/* ---- CPUs ------------------------------------------------------------------- */

/*
 * Per-CPU answers list one value per possible CPU, as the kernel's syscall
 * buffer has them (the oracle uses libbpf's count of possible CPUs); the
 * library defaults to the online count, which can be smaller.  The highest
 * CPU number + 1, from the kernel's "0-3,5" list format.
 */
static unsigned possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	char buf[256];
	unsigned max = 0;
	bool any = false;

	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		for (char *s = buf; *s && *s != '\n';) {
			char *end;
			unsigned long a = strtoul(s, &end, 10), b = a;
			if (end == s)
				break;
			if (*end == '-') {
				s = end + 1;
				b = strtoul(s, &end, 10);
				if (end == s)
					break;
			}
			if (b < 4096 && (!any || b > max))
				max = (unsigned)b;
			any = true;
			s = *end == ',' ? end + 1 : end;
		}
	}
	fclose(f);
	return any ? max + 1 : 0;
}

/* ---- engines ----------------------------------------------------------------- */

/* Is the engine there?  Asked once with a two-instruction program, so that
 * "not available" is a usage error before any frame, not a result per
 * frame. */
static bool engine_available(enum bpfrt_engine engine, char *why, size_t size)
{
	static const struct bpfrt_insn probe[2] = {
		{ .code = 0xb7 },	/* mov r0, 0 */
		{ .code = 0x95 },	/* exit */
	};
	if (engine == BPFRT_ENGINE_DEFAULT)
		return true;
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = "probe");
	struct bpfrt_prog *p = bpfrt_prog__load_insns(probe, 2, &lo);
	if (!p)
		return true;	/* cannot tell; the runs will say */
	BPFRT_OPTS(bpfrt_run_opts, ro, .engine = engine, .err_buf = why, .err_size = size);
	int r = bpfrt_prog__run(p, &ro);
	bpfrt_prog__free(p);
	if (r == -ENOTSUP) {
		if (!why[0])
			snprintf(why, size, "engine %s not available", bpfrt_engine_str(engine));
		return false;
	}
	return true;
}

/* ---- ring buffers --------------------------------------------------------------- */

struct ring {
	struct bpfrt_ringbuf *rb;
	const char *name;
	long frame;
	bool json;
};

static int ring_sample(void *user, void *data, size_t size)
{
	struct ring *r = user;

	if (r->json) {
		printf("{\"frame\": %ld, \"ringbuf\": \"%s\", \"data\": \"", r->frame, r->name);
		print_hex(data, size);
		printf("\"}\n");
	} else {
		printf("        ringbuf %s: %zu bytes: ", r->name, size);
		print_hex(data, size);
		putchar('\n');
	}
	return 0;
}

static int cmp_map_names(const void *a, const void *b)
{
	const struct bpfrt_map *const *x = a, *const *y = b;

	return strcmp(cli_map_report_name(*x), cli_map_report_name(*y));
}

/* Every map of the object of the given kind, sorted by reported name.
 * Returns a malloc()ed array (count in *n) or NULL when out of memory. */
static struct bpfrt_map **collect_maps(struct bpfrt_object *obj, bool (*want)(struct bpfrt_map *),
				       size_t *n)
{
	size_t cnt = 0, i = 0;

	for (struct bpfrt_map *m = bpfrt_object__next_map(obj, NULL); m;
	     m = bpfrt_object__next_map(obj, m))
		cnt++;
	struct bpfrt_map **v = malloc((cnt ? cnt : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (struct bpfrt_map *m = bpfrt_object__next_map(obj, NULL); m;
	     m = bpfrt_object__next_map(obj, m))
		if (want(m))
			v[i++] = m;
	qsort(v, i, sizeof(*v), cmp_map_names);
	*n = i;
	return v;
}

static bool is_ringbuf(struct bpfrt_map *m)
{
	return bpfrt_map__type(m) == BPFRT_MAP_TYPE_RINGBUF;
}

/* ---- map dump -------------------------------------------------------------------- */

/* Writable keyed maps: what a program's effects on state show in.  Global
 * data: .data, .bss and custom .data.* sections (.rodata is frozen, .kconfig
 * read-only).  Prog arrays and map-in-map hold ids, not state; ring, perf,
 * queue and stack maps have no keys to list. */
static bool dumpable(struct bpfrt_map *m)
{
	const char *name = bpfrt_map__name(m);

	if (name && strchr(name, '.')) {
		const char *n = cli_map_report_name(m);
		return !bpfrt_map__is_frozen(m) &&
		       (!strncmp(n, ".data", 5) || !strncmp(n, ".bss", 4));
	}
	if (bpfrt_map__is_frozen(m))
		return false;
	switch (bpfrt_map__type(m)) {
	case BPFRT_MAP_TYPE_ARRAY:
	case BPFRT_MAP_TYPE_PERCPU_ARRAY:
	case BPFRT_MAP_TYPE_HASH:
	case BPFRT_MAP_TYPE_PERCPU_HASH:
	case BPFRT_MAP_TYPE_LRU_HASH:
	case BPFRT_MAP_TYPE_LRU_PERCPU_HASH:
	case BPFRT_MAP_TYPE_LPM_TRIE:
		return true;
	default:
		return false;
	}
}

static size_t g_key_size;

static int cmp_keys(const void *a, const void *b)
{
	return memcmp(a, b, g_key_size);
}

/* One map's entries, sorted by key bytes (hash iteration order is an
 * implementation detail, not an answer).  Returns 0 or -errno. */
static int dump_map(struct bpfrt_map *map, bool json)
{
	const char *name = cli_map_report_name(map);
	size_t ks = bpfrt_map__key_size(map), vs = bpfrt_map__value_size(map);
	size_t slot = (vs + 7) / 8 * 8, ubuf = bpfrt_map__user_value_size(map);
	bool pcpu = bpfrt_map__is_percpu(map);
	unsigned ncpus = pcpu ? (unsigned)(ubuf / (slot ? slot : 1)) : 1;
	size_t cap = 64, n = 0;
	unsigned char *keys = malloc(cap * (ks ? ks : 1)), *val = malloc(ubuf ? ubuf : 1);
	const unsigned char *prev = NULL;
	int err = 0;

	if (!keys || !val) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (n == cap) {
			unsigned char *nk = realloc(keys, cap * 2 * ks);
			if (!nk) {
				err = -ENOMEM;
				goto out;
			}
			if (prev)	/* it pointed into the old buffer */
				prev = nk + (n - 1) * ks;
			keys = nk;
			cap *= 2;
		}
		int r = bpfrt_map__get_next_key(map, prev, keys + n * ks);
		if (r == -ENOENT)
			break;
		if (r) {
			errmsg("map %s: get_next_key: %s", name, strerror(-r));
			err = r;
			goto out;
		}
		prev = keys + n * ks;
		n++;
		/* get_next_key of a key that vanished restarts at the first;
		 * nothing runs now, but never loop forever on a bug. */
		if (n > (size_t)bpfrt_map__max_entries(map) + 1) {
			errmsg("map %s: get_next_key lists more than max_entries keys", name);
			err = -EINVAL;
			goto out;
		}
	}
	g_key_size = ks;
	qsort(keys, n, ks, cmp_keys);
	if (!json && n)
		printf("map %s:\n", name);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *k = keys + i * ks;
		int r = bpfrt_map__lookup_elem(map, k, val);
		if (r) {
			errmsg("map %s: lookup: %s", name, strerror(-r));
			err = r;
			continue;
		}
		if (json)
			printf("{\"map\": \"%s\", \"key\": \"", name);
		else
			printf("  key ");
		print_hex(k, ks);
		if (pcpu) {
			printf(json ? "\", \"values\": [" : ": values [");
			for (unsigned c = 0; c < ncpus; c++) {
				printf(json ? "%s\"" : "%s", c ? ", " : "");
				print_hex(val + (size_t)c * slot, vs);
				if (json)
					putchar('"');
			}
			printf(json ? "]}\n" : "]\n");
		} else {
			printf(json ? "\", \"value\": \"" : ": value ");
			print_hex(val, vs);
			printf(json ? "\"}\n" : "\n");
		}
	}
out:
	if (err == -ENOMEM)
		errmsg("map %s: out of memory", name);
	free(keys);
	free(val);
	return err;
}

/* ---- frames ------------------------------------------------------------------------ */

/* Where frames come from: a capture, or one raw frame from --data. */
struct source {
	pcap_t *pc;
	uint8_t *data;
	size_t data_len;
	bool data_done;
};

/* 1 and the next frame, 0 at the end, -1 on a read error (printed). */
static int next_frame(struct source *s, const char *path, struct pcap_pkthdr *hdr,
		      const unsigned char **pkt)
{
	if (!s->pc) {
		if (s->data_done)
			return 0;
		s->data_done = true;
		memset(hdr, 0, sizeof(*hdr));
		hdr->caplen = hdr->len = (bpf_u_int32)s->data_len;
		*pkt = s->data;
		return 1;
	}
	struct pcap_pkthdr *h;
	int rc = pcap_next_ex(s->pc, &h, pkt);
	if (rc == 1) {
		*hdr = *h;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	errmsg("%s: %s", path, pcap_geterr(s->pc));
	return -1;
}

struct tally {
	char name[24];
	unsigned long n;
};

static void count_verdict(struct tally *t, size_t *nt, size_t max, const char *name)
{
	for (size_t i = 0; i < *nt; i++) {
		if (!strcmp(t[i].name, name)) {
			t[i].n++;
			return;
		}
	}
	if (*nt < max) {
		snprintf(t[*nt].name, sizeof(t[*nt].name), "%s", name);
		t[(*nt)++].n = 1;
	}
}

/* ---- the command ---------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct tr_args *a)
{
	static const struct option opts[] = {
		{ "prog", required_argument, NULL, 'p' },
		{ "pcap", required_argument, NULL, 'P' },
		{ "data", required_argument, NULL, 'd' },
		{ "engine", required_argument, NULL, 'e' },
		{ "check", required_argument, NULL, 'c' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "dump-maps", no_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'o' },
		{ "type", required_argument, NULL, 't' },
		{ "btf", required_argument, NULL, 'b' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "no-verify", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, ":p:P:d:e:c:n:jDo:t:b:C:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a->prog_name = optarg; break;
		case 'P': a->pcap_path = optarg; break;
		case 'd': a->data_path = optarg; break;
		case 'j': a->json = true; break;
		case 'D': a->dump_maps = true; break;
		case 'o': a->out_path = optarg; break;
		case 'V': a->open.no_verify = true; break;
		case 'b': a->open.btf_path = optarg; break;
		case 'e':
			if (!parse_engine("test-run", optarg, &a->engine))
				return EXIT_INPUT;
			break;
		case 'c':
			if (!parse_check("test-run", optarg, &a->check))
				return EXIT_INPUT;
			break;
		case 't':
			if (!parse_prog_type("test-run", optarg, &a->open.default_type))
				return EXIT_INPUT;
			break;
		case 'n':
			/* The kernel's repeat is a u32 too. */
			if (!parse_u64(optarg, &v) || v == 0 || v > UINT32_MAX) {
				errmsg("test-run: --repeat wants a number from 1 to %" PRIu32
				       ", not '%s'", UINT32_MAX, optarg);
				return EXIT_INPUT;
			}
			a->repeat = (uint32_t)v;
			break;
		case 'C':
			if (!parse_u64(optarg, &v) || v >= 4096) {
				errmsg("test-run: --cpu wants a CPU number, not '%s'", optarg);
				return EXIT_INPUT;
			}
			a->cpu = (uint32_t)v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			return bad_option("test-run", c, argv);
		}
	}
	a->obj_path = one_file("test-run", argc, argv);
	if (!a->obj_path)
		return EXIT_INPUT;
	if (!a->pcap_path == !a->data_path) {
		errmsg("test-run: give the frames with either --pcap FILE or --data FILE");
		return EXIT_INPUT;
	}
	return 0;
}

int cmd_test_run(int argc, char **argv)
{
	struct tr_args a = { 0 };
	int ret = parse_args(argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;

	cli_library_messages();
	/* Before any map exists: per-CPU maps size their storage at creation. */
	unsigned ncpus = possible_cpus();
	if (ncpus)
		bpfrt_set_num_cpus(ncpus);
	if (a.cpu >= bpfrt_num_cpus()) {
		errmsg("test-run: --cpu %u: there are %u CPUs (0-%u)", a.cpu, bpfrt_num_cpus(),
		       bpfrt_num_cpus() - 1);
		return EXIT_INPUT;
	}
	char why[512] = "";
	if (!engine_available(a.engine, why, sizeof(why))) {
		errmsg("test-run: %s", why);
		return EXIT_INPUT;
	}

	/* The frames first: a bad capture is reported before any loading. */
	struct source src = { 0 };
	const char *frames_path = a.pcap_path ? a.pcap_path : a.data_path;
	int linktype = DLT_EN10MB;
	if (a.pcap_path) {
		char pe[PCAP_ERRBUF_SIZE] = "";
		src.pc = pcap_open_offline(a.pcap_path, pe);
		if (!src.pc) {
			errmsg("%s: %s", a.pcap_path, pe);
			return EXIT_INPUT;
		}
		linktype = pcap_datalink(src.pc);
	} else if (read_file(a.data_path, &src.data, &src.data_len)) {
		return EXIT_INPUT;
	}

	struct bpfrt_object *obj = NULL;
	struct bpfrt_map **rmaps = NULL, **dmaps = NULL;
	struct ring *rings = NULL;
	size_t nrings = 0, ndmaps = 0;
	pcap_t *dead = NULL;
	pcap_dumper_t *dumper = NULL;
	unsigned char *out = NULL;
	struct cli_log log;

	ret = EXIT_INPUT;
	obj = cli_open_object(a.obj_path, &a.open, &log, false, NULL);
	if (!obj)
		goto done;
	struct bpfrt_program *program = cli_find_program(obj, a.obj_path, a.prog_name);
	if (!program)
		goto done;
	int err = bpfrt_object__load(obj);
	if (err) {
		cli_report_load_error(a.obj_path, &log, err);
		goto done;
	}
	enum bpfrt_prog_type ptype = bpfrt_program__type(program);

	/* One consumer per ring, drained in name order after each frame, so
	 * records of different rings come out in a fixed order. */
	rmaps = collect_maps(obj, is_ringbuf, &nrings);
	rings = calloc(nrings ? nrings : 1, sizeof(*rings));
	if (!rmaps || !rings) {
		errmsg("out of memory");
		goto done;
	}
	for (size_t i = 0; i < nrings; i++) {
		rings[i].name = bpfrt_map__name(rmaps[i]);
		rings[i].json = a.json;
		rings[i].rb = bpfrt_ringbuf__new(rmaps[i], ring_sample, &rings[i]);
		if (!rings[i].rb) {
			errmsg("ringbuf %s: %s", rings[i].name, strerror(errno));
			goto done;
		}
	}

	if (a.out_path) {
		dead = pcap_open_dead(linktype, OUT_SNAPLEN);
		dumper = dead ? pcap_dump_open(dead, a.out_path) : NULL;
		if (!dumper) {
			errmsg("cannot write %s: %s", a.out_path,
			       dead ? pcap_geterr(dead) : "out of memory");
			goto done;
		}
	}

	if (!a.json)
		printf("%5s %6s  %-14s %10s %6s%s\n", "FRAME", "LEN", "VERDICT", "RETVAL", "OUT",
		       a.repeat ? "  NS/RUN" : "");

	struct tally tally[32];
	size_t ntally = 0;
	unsigned long refused = 0;
	long frame = 0;
	struct pcap_pkthdr hdr;
	const unsigned char *pkt;
	int rc;
	ret = 0;
	while ((rc = next_frame(&src, frames_path, &hdr, &pkt)) == 1) {
		size_t outsz = (size_t)hdr.caplen + OUT_SLACK;
		free(out);
		out = calloc(1, outsz);
		if (!out) {
			errmsg("out of memory");
			ret = EXIT_INPUT;
			break;
		}
		char rerr[1024] = "";
		BPFRT_OPTS(bpfrt_test_run_opts, t,
			   .data_in = pkt, .data_size_in = hdr.caplen,
			   .data_out = out, .data_size_out = (uint32_t)outsz,
			   .repeat = a.repeat ? (int)a.repeat : 1,
			   .cpu = a.cpu, .engine = a.engine, .check = a.check,
			   .err_buf = rerr, .err_size = sizeof(rerr));
		int r = bpfrt_program__test_run(program, &t);
		if (r == -EFAULT) {
			/* The kernel never refuses a frame with EFAULT: this is
			 * a fault the checked run caught, naming the insn. */
			fflush(stdout);
			errmsg("%s: frame %ld: %s", a.obj_path, frame,
			       rerr[0] ? rerr : strerror(-r));
			ret = EXIT_RUNTIME;
			break;
		}
		if (r < 0) {
			/* A refused frame is a result: the oracle prints the
			 * kernel's errno with its strerror text. */
			int e = -r;
			refused++;
			if (a.json)
				printf("{\"frame\": %ld, \"error\": \"%s\", \"errno\": %d}\n", frame,
				       strerror(e), e);
			else
				printf("%5ld %6u  error: %s (errno %d)%s%s\n", frame, hdr.caplen,
				       strerror(e), e, rerr[0] ? ": " : "", rerr);
		} else {
			char num[16];
			const char *v = verdict(ptype, t.retval, num, sizeof(num));
			size_t olen = t.data_size_out < outsz ? t.data_size_out : outsz;
			count_verdict(tally, &ntally, sizeof(tally) / sizeof(tally[0]), v);
			if (a.json) {
				printf("{\"frame\": %ld, \"retval\": %" PRIu32 ", \"verdict\": \"%s\", "
				       "\"data\": \"", frame, t.retval, v);
				print_hex(out, olen);
				if (a.repeat)
					printf("\", \"ns_per_run\": %" PRIu32 "}\n", t.duration);
				else
					printf("\"}\n");
			} else {
				printf("%5ld %6u  %-14s %10" PRIu32 " %6zu", frame, hdr.caplen, v,
				       t.retval, olen);
				if (a.repeat)
					printf("  %6" PRIu32, t.duration);
				putchar('\n');
			}
			if (dumper && leaves(ptype, t.retval)) {
				struct pcap_pkthdr oh = hdr;
				oh.caplen = oh.len = (bpf_u_int32)olen;
				pcap_dump((u_char *)dumper, &oh, out);
			}
		}
		for (size_t i = 0; i < nrings; i++) {
			rings[i].frame = frame;
			int c = bpfrt_ringbuf__consume(rings[i].rb);
			if (c < 0) {
				errmsg("ringbuf %s: consume: %s", rings[i].name, strerror(-c));
				ret = EXIT_INPUT;
			}
		}
		frame++;
	}
	if (rc < 0)
		ret = EXIT_INPUT;

	if (!a.json && ret != EXIT_RUNTIME) {
		printf("%ld frame%s:", frame, frame == 1 ? "" : "s");
		for (size_t i = 0; i < ntally; i++)
			printf("%s %s %lu", i ? "," : "", tally[i].name, tally[i].n);
		if (refused)
			printf("%s refused %lu", ntally ? "," : "", refused);
		putchar('\n');
	}
	if (a.dump_maps && ret != EXIT_RUNTIME) {
		dmaps = collect_maps(obj, dumpable, &ndmaps);
		if (!dmaps) {
			errmsg("out of memory");
			ret = EXIT_INPUT;
		}
		for (size_t i = 0; dmaps && i < ndmaps; i++)
			if (dump_map(dmaps[i], a.json) && !ret)
				ret = EXIT_INPUT;
	}

done:
	fflush(stdout);
	if (dumper)
		pcap_dump_close(dumper);
	if (dead)
		pcap_close(dead);
	for (size_t i = 0; rings && i < nrings; i++)
		bpfrt_ringbuf__free(rings[i].rb);
	free(rings);
	free(rmaps);
	free(dmaps);
	free(out);
	bpfrt_object__close(obj);
	if (src.pc)
		pcap_close(src.pc);
	free(src.data);
	return ret;
}
