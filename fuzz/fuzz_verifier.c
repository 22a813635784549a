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

static int quiet(enum bpfrt_print_level l, const char *f, va_list a) { return 0; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	bpfrt_set_print(quiet);
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
	if (!err) {
		BPFRT_OPTS(bpfrt_prog_load_opts, lo, .helpers = defs, .helper_cnt = hn,
			   .maps = b->maps, .map_cnt = b->map_cnt, .prog_type = b->type);
		struct bpfrt_prog *p = bpfrt_prog__load_insns(insns, b->cnt, &lo);
		if (p) {
			uint8_t frame[256];
			memset(frame, 0, sizeof(frame));
			memcpy(frame, data, size < flen ? size : flen);
			static char ebuf[512];
			uint8_t out[4096];
			for (int run = 0; run < 2; run++) {
				if (run)
					frame[12] = 0x08, frame[13] = 0, frame[14] = 0x45;
				ebuf[0] = 0;
				BPFRT_OPTS(bpfrt_test_run_opts, to, .data_in = frame,
					   .data_size_in = (uint32_t)flen, .data_out = out,
					   .data_size_out = sizeof(out), .check = BPFRT_CHECK_ALWAYS,
					   .engine = BPFRT_ENGINE_INTERP, .err_buf = ebuf,
					   .err_size = sizeof(ebuf));
				int r = bpfrt__prog_test_run(p, &to);
				if (r == -EFAULT) {
					char *dis = bpfrt_disasm(insns, b->cnt, BPFRT_DISASM_KERNEL);
					fprintf(stderr, "SOUNDNESS: accepted program faulted: %s\n%s\n", ebuf,
						dis ? dis : "");
					free(dis);
					abort();
				}
			}
			bpfrt_prog__free(p);
		}
	}
	free(insns);
	return 0;
}
