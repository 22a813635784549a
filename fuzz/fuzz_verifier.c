/* SPDX-License-Identifier: MIT */
/*
 * Verifier fuzzer.  An input picks a valid base program (built in, plus
 * every program of the corpus objects in $BPFRT_FUZZ_CORPUS, default
 * build/corpus) and a list of instruction mutations.  The verifier must
 * neither crash nor hang (its complexity limit bounds it); every program
 * it accepts is then run checked (BPFRT_CHECK_ALWAYS) over packets made
 * from the input, and a checked-mode fault in an accepted program is a
 * soundness finding: abort().
 *
 * Accepted programs then run as verified programs run by default: unchecked,
 * on the context-rewritten code, in the interpreter (instrumented by the
 * sanitizers here, so a stray access is caught) and in the JIT.  When the
 * run is deterministic -- the checked run changed no map, the program calls
 * no clock or random helper, and the unprivileged verifier also accepts it
 * (no uninitialised stack reads, no pointers returned) -- the unchecked
 * runs must give the checked run's result, output packet and ring buffer
 * records exactly; a difference is a finding too.
 *
 * Input: [base][mutation count][frame len] then 4-byte mutations
 * {slot, field, value lo, value hi}, then the frame bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "helpers/helpers.h"
#include "loader/loader.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int bpfrt__prog_test_run(struct bpfrt_prog *prog, struct bpfrt_test_run_opts *opts);

struct base {
	struct bpfrt_insn *insns;
	size_t cnt;
	enum bpfrt_prog_type type;
	struct bpfrt_map **maps;
	size_t map_cnt;
};

static struct base bases[256];
static size_t nbases;
static struct bpfrt_map *own_maps[3];
static struct bpfrt_object *objs[64];
static size_t nobjs;

static const char *const builtin[] = {
	/* packet bounds, every form */
	"ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\nmov %r4, %r2\nadd %r4, 14\n"
	"jgt %r4, %r3, out\nldxh %r0, [%r2+12]\njne %r0, 8, out\nmov %r4, %r2\nadd %r4, 34\n"
	"jlt %r3, %r4, out\nldxb %r5, [%r2+23]\nand %r5, 15\nmov %r6, %r2\nadd %r6, %r5\n"
	"mov %r7, %r6\nadd %r7, 1\njgt %r7, %r3, out\nldxb %r0, [%r6+0]\nexit\nout:\nmov %r0, 2\nexit\n",
	/* map lookup, null check on a copy, variable index */
	"stw [%r10-4], 1\nlddw %r1, map_idx 1\nmov %r2, %r10\nadd %r2, -4\ncall 1\nmov %r7, %r0\n"
	"jeq %r0, 0, out\nldxdw %r0, [%r7+0]\nand %r0, 7\nmov %r4, %r7\nadd %r4, %r0\n"
	"ldxb %r0, [%r4+0]\nstxb [%r4+0], %r0\nexit\nout:\nmov %r0, 0\nexit\n",
	/* ring buffer reserve / submit */
	"mov %r6, %r1\nlddw %r1, map_idx 2\nmov %r2, 16\nmov %r3, 0\ncall 131\njeq %r0, 0, out\n"
	"stdw [%r0+8], 7\nmov %r1, %r0\nmov %r2, 0\ncall 132\nout:\nmov %r0, 2\nexit\n",
	/* stack spills, 32-bit fill, a bounded loop */
	"mov %r1, 0\nstxdw [%r10-8], %r1\nmov %r2, 0\nloop:\nldxdw %r1, [%r10-8]\nadd %r1, %r2\n"
	"stxdw [%r10-8], %r1\nadd %r2, 1\njlt %r2, 10, loop\nldxw %r0, [%r10-8]\nstxw [%r10-16], %r0\n"
	"ldxw %r0, [%r10-16]\nexit\n",
	/* bpf-to-bpf call with a stack pointer argument */
	"stdw [%r10-8], 3\nmov %r1, %r10\nadd %r1, -8\ncall local f\nexit\nf:\nldxdw %r0, [%r1+0]\n"
	"add %r0, 1\nstxdw [%r1+0], %r0\nexit\n",
};

static void add_base(const struct bpfrt_insn *insns, size_t cnt, enum bpfrt_prog_type type,
		     struct bpfrt_map **maps, size_t map_cnt)
{
	if (nbases == sizeof(bases) / sizeof(bases[0]) || !cnt)
		return;
	struct base *b = &bases[nbases++];
	b->insns = malloc(cnt * sizeof(*insns));
	memcpy(b->insns, insns, cnt * sizeof(*insns));
	b->cnt = cnt;
	b->type = type;
	b->maps = maps;
	b->map_cnt = map_cnt;
}

static void print_counts(void);

static int quiet(enum bpfrt_print_level l, const char *f, va_list a) { return 0; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	bpfrt_set_print(quiet);
	atexit(print_counts);
	own_maps[0] = bpfrt_map__create(BPFRT_MAP_TYPE_HASH, "h", 4, 8, 16, NULL);
	own_maps[1] = bpfrt_map__create(BPFRT_MAP_TYPE_ARRAY, "a", 4, 8, 4, NULL);
	own_maps[2] = bpfrt_map__create(BPFRT_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL);
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		struct bpfrt_insn *insns;
		size_t cnt;
		char err[128];
		if (bpfrt_asm(builtin[i], &insns, &cnt, err, sizeof(err))) {
			fprintf(stderr, "fuzz_verifier: builtin %zu: %s\n", i, err);
			abort();
		}
		add_base(insns, cnt, BPFRT_PROG_TYPE_XDP, own_maps, 3);
		add_base(insns, cnt, BPFRT_PROG_TYPE_SCHED_CLS, own_maps, 3);
		free(insns);
	}
	const char *dir = getenv("BPFRT_FUZZ_CORPUS");
	if (!dir)
		dir = "build/corpus";
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) && nobjs < sizeof(objs) / sizeof(objs[0])) {
		if (!strstr(e->d_name, ".bpf.o"))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct bpfrt_object *o = bpfrt_object__open_file(path, NULL);
		if (!o)
			continue;
		if (bpfrt__object_prepare(o)) {
			bpfrt_object__close(o);
			continue;
		}
		objs[nobjs++] = o;
		struct bpfrt_map **maps = calloc(o->map_cnt + 1, sizeof(*maps));
		for (size_t i = 0; i < o->map_cnt; i++)
			maps[i] = o->maps[i]->map;
		size_t before = nbases;
		for (size_t i = 0; i < o->prog_cnt; i++) {
			struct bpfrt_program *p = o->progs[i];
			if (p->type == BPFRT_PROG_TYPE_XDP || p->type == BPFRT_PROG_TYPE_SCHED_CLS ||
			    p->type == BPFRT_PROG_TYPE_SOCKET_FILTER)
				add_base(p->insns, p->insn_cnt, p->type, maps, o->map_cnt);
		}
		/* Bases keep the map array for the fuzzer's lifetime; an object
		 * that contributed none must not leak it. */
		if (nbases == before)
			free(maps);
	}
	if (d)
		closedir(d);
	return 0;
}

/* Helpers for the fuzzed programs: those of the type except bpf_loop and
 * tail calls (a loop of 8M iterations is legal but too slow to fuzz). */
static size_t helper_ids(enum bpfrt_prog_type t, uint32_t *ids, struct bpfrt_helper_def *defs)
{
	size_t n = 0, k = 0;
	const struct bpfrt_helper_def *h = bpfrt__helpers_for_type(t, &n);
	for (size_t i = 0; i < n; i++) {
		if (h[i].id == 181 || h[i].id == 12 || h[i].id == 164)
			continue;
		defs[k] = h[i];
		ids[k++] = h[i].id;
	}
	return k;
}

/* ---- running accepted programs ---------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static int rb_sample(void *user, void *data, size_t size)
{
	/* Sizes only: reserved memory is not cleared (as in the kernel), so
	 * bytes a program leaves unwritten hold whatever an earlier lap left. */
	uint64_t *h = user;
	(void)data;
	*h = fnv(*h, &size, sizeof(size));
	return 0;
}

/* Ring buffer records since the last call, as a digest (also empties them,
 * so every run starts with empty rings). */
static uint64_t rings_digest(const struct base *b)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < b->map_cnt; i++) {
		if (!b->maps[i] || bpfrt_map__type(b->maps[i]) != BPFRT_MAP_TYPE_RINGBUF)
			continue;
		struct bpfrt_ringbuf *rb = bpfrt_ringbuf__new(b->maps[i], rb_sample, &h);
		if (rb) {
			bpfrt_ringbuf__consume(rb);
			bpfrt_ringbuf__free(rb);
		}
	}
	return h;
}

/* Every key and value of the keyed maps. */
static uint64_t maps_digest(const struct base *b)
{
	uint64_t h = 0xcbf29ce484222325ull;
	static uint8_t key[512], next[512], val[1 << 16];
	for (size_t i = 0; i < b->map_cnt; i++) {
		struct bpfrt_map *m = b->maps[i];
		if (!m || bpfrt_map__key_size(m) > sizeof(key) ||
		    bpfrt_map__user_value_size(m) > sizeof(val))
			continue;
		enum bpfrt_map_type t = bpfrt_map__type(m);
		if (t == BPFRT_MAP_TYPE_RINGBUF || t == BPFRT_MAP_TYPE_PERF_EVENT_ARRAY)
			continue;
		const void *k = NULL;
		for (int n = 0; n < 4096 && !bpfrt_map__get_next_key(m, k, next); n++) {
			memcpy(key, next, bpfrt_map__key_size(m));
			k = key;
			h = fnv(h, key, bpfrt_map__key_size(m));
			if (!bpfrt_map__lookup_elem(m, key, val))
				h = fnv(h, val, bpfrt_map__user_value_size(m));
		}
	}
	return h;
}

/* Clocks, random numbers, the CPU's time: results that differ run to run. */
static bool calls_nondeterministic(const struct bpfrt_insn *insns, size_t cnt)
{
	static const int32_t ids[] = { 5, 7, 118, 125, 160, 208 };
	for (size_t i = 0; i < cnt; i++)
		if (insns[i].code == (BPFRT_JMP | BPFRT_CALL) && insns[i].src_reg == 0)
			for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
				if (insns[i].imm == ids[k])
					return true;
	return false;
}

/* What the run did, printed at exit for the closing notes. */
static unsigned long n_accepted, n_compared, n_crash_only;

static void print_counts(void)
{
	fprintf(stderr, "fuzz_verifier: %lu accepted programs; unchecked runs: %lu compared "
		"with the checked run, %lu run for faults only\n", n_accepted, n_compared,
		n_crash_only);
}

struct outcome {
	int err;
	uint32_t retval, out_len;
	uint64_t rings;
	uint8_t out[4096];
};

static void run_one(const struct base *b, struct bpfrt_prog *p, const uint8_t *frame,
		    size_t flen, enum bpfrt_engine eng, enum bpfrt_check_mode chk,
		    struct outcome *o)
{
	static char ebuf[512];
	ebuf[0] = 0;
	rings_digest(b);
	BPFRT_OPTS(bpfrt_test_run_opts, to, .data_in = frame, .data_size_in = (uint32_t)flen,
		   .data_out = o->out, .data_size_out = sizeof(o->out), .check = chk,
		   .engine = eng, .err_buf = ebuf, .err_size = sizeof(ebuf));
	o->err = bpfrt__prog_test_run(p, &to);
	o->retval = to.retval;
	o->out_len = to.data_size_out;
	o->rings = rings_digest(b);
	if (o->err == -EFAULT) {
		fprintf(stderr, "SOUNDNESS: accepted program faulted (engine %d, check %d): %s\n",
			(int)eng, (int)chk, ebuf);
		abort();
	}
}

static void finding(const struct bpfrt_insn *insns, size_t cnt, const char *what,
		    const struct outcome *a, const struct outcome *u)
{
	char *dis = bpfrt_disasm(insns, cnt, BPFRT_DISASM_KERNEL);
	fprintf(stderr, "SOUNDNESS: %s: checked err %d retval %u len %u rings %016llx, "
		"unchecked err %d retval %u len %u rings %016llx\n%s\n", what, a->err, a->retval,
		a->out_len, (unsigned long long)a->rings, u->err, u->retval, u->out_len,
		(unsigned long long)u->rings, dis ? dis : "");
	free(dis);
	abort();
}

static void run_accepted(const struct base *b, const struct bpfrt_insn *insns,
			 const struct bpfrt_helper_def *defs, size_t hn, const uint8_t *data,
			 size_t size, size_t flen, const uint32_t *ids)
{
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .helpers = defs, .helper_cnt = hn, .maps = b->maps,
		   .map_cnt = b->map_cnt, .prog_type = b->type, .verify = BPFRT_VERIFY_STRICT);
	struct bpfrt_prog *p = bpfrt_prog__load_insns(insns, b->cnt, &lo);
	if (!p)
		return;
	n_accepted++;
	/* Comparable only when the outcome cannot depend on uninitialised
	 * stack or on addresses: the unprivileged rules exclude both. */
	struct bpfrt_verifier_env_opts uo = {
		.sz = sizeof(uo), .insns = insns, .cnt = b->cnt, .prog_type = b->type,
		.maps = b->maps, .map_cnt = b->map_cnt, .helper_ids = ids, .helper_cnt = hn,
		.insn_limit = 10000, .unpriv = true,
	};
	bool comparable = !calls_nondeterministic(insns, b->cnt) && bpfrt__verify(&uo) == 0;
	uint8_t frame[256];
	memset(frame, 0, sizeof(frame));
	memcpy(frame, data, size < flen ? size : flen);
	static struct outcome a, u;
	for (int run = 0; run < 2; run++) {
		if (run)
			frame[12] = 0x08, frame[13] = 0, frame[14] = 0x45;
		uint64_t before = maps_digest(b);
		run_one(b, p, frame, flen, BPFRT_ENGINE_INTERP, BPFRT_CHECK_ALWAYS, &a);
		bool same = comparable && maps_digest(b) == before;
		for (int e = 0; e < 2; e++) {
			run_one(b, p, frame, flen, e ? BPFRT_ENGINE_DEFAULT : BPFRT_ENGINE_INTERP,
				BPFRT_CHECK_AUTO, &u);
			if (!same) {
				n_crash_only++;
				continue;
			}
			n_compared++;
			if (u.err != a.err || u.retval != a.retval || u.rings != a.rings)
				finding(insns, b->cnt, e ? "JIT differs" : "unchecked interpreter differs",
					&a, &u);
			if (!a.err && (u.out_len != a.out_len ||
				       memcmp(u.out, a.out, a.out_len < sizeof(a.out) ? a.out_len
										 : sizeof(a.out))))
				finding(insns, b->cnt, "output packet differs", &a, &u);
			if (maps_digest(b) != before)
				finding(insns, b->cnt, "unchecked run changed maps", &a, &u);
		}
	}
	bpfrt_prog__free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || !nbases)
		return 0;
	/* the small built-in programs three times out of four: they verify
	 * fast, so most of the time goes to mutations */
	size_t nb = sizeof(builtin) / sizeof(builtin[0]) * 2;
	const struct base *b = (data[0] & 3) || nbases <= nb ? &bases[(data[0] >> 2) % nb]
							      : &bases[nb + (data[0] >> 2) % (nbases - nb)];
	size_t nmut = data[1] % 16, flen = 14 + data[2] % 200;
	data += 3;
	size -= 3;
	struct bpfrt_insn *insns = malloc(b->cnt * sizeof(*insns));
	memcpy(insns, b->insns, b->cnt * sizeof(*insns));
	for (size_t m = 0; m < nmut && size >= 4; m++, data += 4, size -= 4) {
		struct bpfrt_insn *in = &insns[data[0] % b->cnt];
		int16_t v = (int16_t)(data[2] | data[3] << 8);
		switch (data[1] % 8) {
		case 0: in->code = data[2]; break;
		case 1: in->dst_reg = data[2] & 0xf; break;
		case 2: in->src_reg = data[2] & 0xf; break;
		case 3: in->off = v; break;
		case 4: in->imm = v; break;
		case 5: in->off = (int16_t)(in->off + (int8_t)data[2]); break;
		case 6: in->imm += (int8_t)data[2]; break;
		default: { /* swap with another slot */
			struct bpfrt_insn t = *in;
			*in = insns[data[2] % b->cnt];
			insns[data[2] % b->cnt] = t;
		}
		}
	}
	uint32_t ids[64];
	struct bpfrt_helper_def defs[64];
	size_t hn = helper_ids(b->type, ids, defs);
	static char log[4096];
	struct bpfrt_verifier_env_opts vo = {
		.sz = sizeof(vo), .insns = insns, .cnt = b->cnt, .prog_type = b->type,
		.maps = b->maps, .map_cnt = b->map_cnt, .helper_ids = ids, .helper_cnt = hn,
		.log_buf = log, .log_size = sizeof(log), .insn_limit = 10000,
	};
	int err = bpfrt__verify(&vo);
	if (getenv("FUZZ_DUMP")) {
		char *dis = bpfrt_disasm(insns, b->cnt, BPFRT_DISASM_KERNEL);
		fprintf(stderr, "verdict %d type %d\n%s\n%s\n", err, b->type, dis ? dis : "", log);
		free(dis);
	}
	if (!err)
		run_accepted(b, insns, defs, hn, data, size, flen, ids);
	free(insns);
	return 0;
}
