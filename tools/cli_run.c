/* SPDX-License-Identifier: MIT */
/*
 * cli_run.c - `bpfrt run` and `bpfrt disasm`: programs from raw bytecode,
 * assembly text or ELF objects.
 *
 * ELF objects go through the library's loader (maps created, relocations
 * applied, subprograms linked).  Hand-made objects whose code sections have
 * no libbpf SEC() name cannot be typed by the loader; without --type they
 * fall back to elfcode, which takes a relocation-free section as raw code,
 * as the CLI did before the loader existed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"
#include "elfcode.h"

struct code {
	/* Raw bytecode, assembly, or an ELF section taken by elfcode. */
	struct bpfrt_insn *insns;
	size_t cnt;
	char name[128];
	/* An ELF object opened by the loader (not loaded yet); insns unused. */
	struct bpfrt_object *obj;
	/* The loader writes here at open and at load: lives as long as obj. */
	struct cli_log log;
};

/* Read the assembly text in buf (not NUL-terminated) into c. */
static int assemble(const char *path, const uint8_t *buf, size_t len, struct code *c)
{
	if (memchr(buf, '\0', len)) {
		errmsg("%s: not a text file (contains NUL bytes)", path);
		return EXIT_INPUT;
	}
	char *s = malloc(len + 1);
	char err[512] = "";
	if (!s) {
		errmsg("%s: out of memory", path);
		return EXIT_INPUT;
	}
	memcpy(s, buf, len);
	s[len] = '\0';
	int r = bpfrt_asm(s, &c->insns, &c->cnt, err, sizeof(err));
	free(s);
	if (r) {
		errmsg("%s: %s", path, err[0] ? err : strerror(-r));
		return EXIT_INPUT;
	}
	return 0;
}

/*
 * An ELF object: the loader when it can type the sections (or --type says),
 * else elfcode's raw section.  Which message to print when both fail: the
 * loader's when elfcode could not help because the code has relocations
 * (only the loader can run it, given --type) or when the loader failed for
 * another reason than the section name; elfcode's otherwise (it names the
 * code sections and the choice --prog makes).
 */
static int open_elf(const char *path, const uint8_t *buf, size_t len, const char *sel,
		    const struct cli_open *o, struct code *c)
{
	struct cli_log *log = &c->log;
	int e = 0;
	c->obj = cli_open_object(path, o, log, true, &e);
	if (c->obj)
		return 0;
	/* The loader says so when a section's name does not tell the type. */
	bool section_name = strstr(log->buf, "default_prog_type") != NULL;
	if (o->default_type != BPFRT_PROG_TYPE_UNSPEC || !section_name) {
		cli_report_open_error(path, log, e);
		return EXIT_INPUT;
	}
	char err[512];
	int r = elfcode_extract(buf, len, sel, &c->insns, &c->cnt, c->name, sizeof(c->name),
				err, sizeof(err));
	if (!r)
		return 0;
	if (r == -ENOTSUP)
		cli_report_open_error(path, log, e);
	else
		errmsg("%s: %s", path, err);
	return EXIT_INPUT;
}

/*
 * Load the instructions of FILE: an ELF object, assembly text (by extension)
 * or raw bytecode (with --raw, or anything else).  Returns 0, or prints why
 * and returns EXIT_INPUT.
 */
static int load_code(const char *path, bool raw, const char *prog, const struct cli_open *o,
		     struct code *c)
{
	uint8_t *buf;
	size_t len;
	if (read_file(path, &buf, &len))
		return EXIT_INPUT;

	const char *base = strrchr(path, '/');
	snprintf(c->name, sizeof(c->name), "%s", base ? base + 1 : path);
	int ret = 0;
	bool elf = !raw && elfcode_is_elf(buf, len);
	bool text = !raw && !elf && (has_suffix(path, ".asm") || has_suffix(path, ".s"));

	if (prog && !elf) {
		errmsg("%s: --prog applies only to ELF objects", path);
		ret = EXIT_INPUT;
	} else if (o->default_type != BPFRT_PROG_TYPE_UNSPEC && !elf) {
		errmsg("%s: --type applies only to ELF objects", path);
		ret = EXIT_INPUT;
	} else if (elf) {
		ret = open_elf(path, buf, len, prog, o, c);
	} else if (text) {
		ret = assemble(path, buf, len, c);
	} else if (len == 0) {
		errmsg("%s: empty program", path);
		ret = EXIT_INPUT;
	} else if (len % sizeof(struct bpfrt_insn)) {
		errmsg("%s: size %zu is not a multiple of %zu", path, len,
		       sizeof(struct bpfrt_insn));
		ret = EXIT_INPUT;
	} else {
		/* Copy rather than cast: buf has no alignment guarantee for
		 * the instruction struct beyond malloc's, and the slot count
		 * is what the API takes. */
		c->insns = malloc(len);
		if (!c->insns) {
			errmsg("%s: out of memory", path);
			ret = EXIT_INPUT;
		} else {
			memcpy(c->insns, buf, len);
			c->cnt = len / sizeof(struct bpfrt_insn);
		}
	}
	free(buf);
	return ret;
}

/* ---- run ----------------------------------------------------------------- */

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "prog", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "mem", required_argument, NULL, 'm' },
		{ "engine", required_argument, NULL, 'e' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "check", required_argument, NULL, 'c' },
		{ "insn-limit", required_argument, NULL, 'l' },
		{ "no-verify", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool raw = false, json = false;
	const char *prog_sel = NULL, *mem_path = NULL;
	struct cli_open o = { 0 };
	enum bpfrt_engine engine = BPFRT_ENGINE_DEFAULT;
	enum bpfrt_check_mode check = BPFRT_CHECK_AUTO;
	uint64_t repeat = 1, limit = DEFAULT_INSN_LIMIT;
	int c;

	while ((c = getopt_long(argc, argv, ":rp:t:m:e:n:jc:l:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': raw = true; break;
		case 'p': prog_sel = optarg; break;
		case 'm': mem_path = optarg; break;
		case 'j': json = true; break;
		case 'V': o.no_verify = true; break;
		case 't':
			if (!parse_prog_type("run", optarg, &o.default_type))
				return EXIT_INPUT;
			break;
		case 'e':
			if (!parse_engine("run", optarg, &engine))
				return EXIT_INPUT;
			break;
		case 'n':
			if (!parse_u64(optarg, &repeat) || repeat == 0 || repeat > UINT32_MAX) {
				errmsg("run: --repeat wants a number from 1 to %" PRIu32
				       ", not '%s'", UINT32_MAX, optarg);
				return EXIT_INPUT;
			}
			break;
		case 'c':
			if (!parse_check("run", optarg, &check))
				return EXIT_INPUT;
			break;
		case 'l':
			if (!parse_u64(optarg, &limit)) {
				errmsg("run: --insn-limit wants a number, not '%s'", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return bad_option("run", c, argv);
		}
	}
	const char *path = one_file("run", argc, argv);
	if (!path)
		return EXIT_INPUT;

	/* Memory first: a bad --mem is a usage error worth reporting before
	 * any work on the program. */
	uint8_t *mem = NULL;
	size_t mem_len = 0;
	if (mem_path && read_file(mem_path, &mem, &mem_len))
		return EXIT_INPUT;

	cli_library_messages();
	struct code code = { 0 };
	int ret = load_code(path, raw, prog_sel, &o, &code);
	if (ret) {
		free(mem);
		return ret;
	}

	/* prog: what runs; owned: whether it is ours to free (an object's
	 * programs belong to the object). */
	struct bpfrt_prog *prog = NULL;
	bool owned = false;
	if (code.obj) {
		struct bpfrt_program *p = cli_find_program(code.obj, path, prog_sel);
		int err = p ? bpfrt_object__load(code.obj) : -ENOENT;
		if (p && err)
			cli_report_load_error(path, &code.log, err);
		if (!p || err) {
			bpfrt_object__close(code.obj);
			free(mem);
			return EXIT_INPUT;
		}
		prog = bpfrt_program__prog(p);
	} else {
		char log[1024] = "";
		BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = code.name, .log_buf = log,
			   .log_size = sizeof(log));
		prog = bpfrt_prog__load_insns(code.insns, code.cnt, &lo);
		free(code.insns);
		if (!prog) {
			errmsg("%s: %s", path, log[0] ? log : strerror(errno));
			free(mem);
			return EXIT_INPUT;
		}
		owned = true;
	}

	char rerr[1024] = "";
	BPFRT_OPTS(bpfrt_run_opts, ro, .ctx = mem, .ctx_size = mem_len,
		   .engine = engine, .check = check, .repeat = (uint32_t)repeat,
		   .insn_limit = limit, .err_buf = rerr, .err_size = sizeof(rerr));
	int r = bpfrt_prog__run(prog, &ro);
	if (r < 0) {
		errmsg("%s: %s", path, rerr[0] ? rerr : strerror(-r));
		/* The engine or the options were refused before running:
		 * that is the caller's input, not the program failing. */
		ret = (r == -ENOTSUP || r == -EINVAL) ? EXIT_INPUT : EXIT_RUNTIME;
	} else if (json) {
		printf("{\"retval\": %" PRIu64 ", \"runs\": %" PRIu64
		       ", \"ns_per_run\": %" PRIu64 "}\n",
		       ro.retval, repeat, ro.duration_ns);
	} else {
		printf("r0 = %" PRIu64 " (0x%" PRIx64 ")", ro.retval, ro.retval);
		if ((int64_t)ro.retval < 0)
			printf(", signed %" PRId64, (int64_t)ro.retval);
		putchar('\n');
		if (repeat > 1) {
			printf("%" PRIu64 " runs, %" PRIu64 " ns/run", repeat, ro.duration_ns);
			if (ro.insn_cnt)
				printf(", %" PRIu64 " insns/run", ro.insn_cnt);
			putchar('\n');
		}
	}
	if (owned)
		bpfrt_prog__free(prog);
	bpfrt_object__close(code.obj);
	free(mem);
	return ret;
}

/* ---- disasm ----------------------------------------------------------------- */

static int print_disasm(const char *path, const struct bpfrt_insn *insns, size_t cnt,
			enum bpfrt_disasm_style style)
{
	char *text = bpfrt_disasm(insns, cnt, style);
	if (!text) {
		errmsg("%s: cannot disassemble: %s", path, strerror(errno));
		return EXIT_INPUT;
	}
	fputs(text, stdout);
	if (text[0] && text[strlen(text) - 1] != '\n')
		putchar('\n');
	free(text);
	return 0;
}

/* A program's instructions as the ELF has them, kept in case loading fails
 * (after a failed load the program's own view is no longer the ELF's). */
struct elf_prog {
	struct bpfrt_program *p;
	struct bpfrt_insn *insns;
	size_t cnt;
};

static int disasm_object(const char *path, struct bpfrt_object *obj,
			 const struct cli_log *log, const char *sel,
			 enum bpfrt_disasm_style style)
{
	size_t n = 0, cap = 0;
	struct elf_prog *ps = NULL;
	int ret = 0;

	if (sel) {
		struct bpfrt_program *p = cli_find_program(obj, path, sel);
		if (!p)
			return EXIT_INPUT;
		ps = calloc(1, sizeof(*ps));
		if (!ps)
			goto oom;
		ps[n++].p = p;
	} else {
		for (struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL); p;
		     p = bpfrt_object__next_program(obj, p)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				struct elf_prog *np = realloc(ps, cap * sizeof(*ps));
				if (!np)
					goto oom;
				ps = np;
			}
			ps[n++] = (struct elf_prog){ .p = p };
		}
		if (!n) {
			errmsg("%s: the object has no programs", path);
			free(ps);
			return EXIT_INPUT;
		}
	}
	for (size_t i = 0; i < n; i++) {
		ps[i].cnt = bpfrt_program__insn_cnt(ps[i].p);
		ps[i].insns = malloc((ps[i].cnt ? ps[i].cnt : 1) * sizeof(struct bpfrt_insn));
		if (!ps[i].insns)
			goto oom;
		memcpy(ps[i].insns, bpfrt_program__insns(ps[i].p),
		       ps[i].cnt * sizeof(struct bpfrt_insn));
	}

	int err = bpfrt_object__load(obj);
	if (err)
		fprintf(stderr, "bpfrt: note: %s; showing the instructions as in the ELF, "
			"not relocated\n", log->buf[0] ? log->buf : strerror(-err));
	for (size_t i = 0; i < n && !ret; i++) {
		const struct bpfrt_insn *insns = ps[i].insns;
		size_t cnt = ps[i].cnt;
		if (!err) {
			insns = bpfrt_program__insns(ps[i].p);
			cnt = bpfrt_program__insn_cnt(ps[i].p);
		}
		/* '#' starts a comment for the assembler, so the output still
		 * reads back with `bpfrt asm`. */
		if (n > 1)
			printf("%s# program %s, section %s, type %s\n", i ? "\n" : "",
			       bpfrt_program__name(ps[i].p), bpfrt_program__section_name(ps[i].p),
			       bpfrt_prog_type_str(bpfrt_program__type(ps[i].p)));
		ret = print_disasm(path, insns, cnt, style);
	}
	for (size_t i = 0; i < n; i++)
		free(ps[i].insns);
	free(ps);
	return ret;
oom:
	for (size_t i = 0; i < n; i++)
		free(ps[i].insns);
	free(ps);
	errmsg("%s: out of memory", path);
	return EXIT_INPUT;
}

int cmd_disasm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "style", required_argument, NULL, 's' },
		{ "raw", no_argument, NULL, 'r' },
		{ "prog", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum bpfrt_disasm_style style = BPFRT_DISASM_ASM;
	bool raw = false;
	const char *prog_sel = NULL;
	struct cli_open o = { .no_verify = true };	/* shows code, runs none */
	int c;
	while ((c = getopt_long(argc, argv, ":s:rp:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!strcmp(optarg, "asm"))
				style = BPFRT_DISASM_ASM;
			else if (!strcmp(optarg, "kernel"))
				style = BPFRT_DISASM_KERNEL;
			else {
				errmsg("disasm: unknown style '%s' (asm, kernel)", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'r': raw = true; break;
		case 'p': prog_sel = optarg; break;
		case 't':
			if (!parse_prog_type("disasm", optarg, &o.default_type))
				return EXIT_INPUT;
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return bad_option("disasm", c, argv);
		}
	}
	const char *path = one_file("disasm", argc, argv);
	if (!path)
		return EXIT_INPUT;

	cli_library_messages();
	struct code code = { 0 };
	int ret = load_code(path, raw, prog_sel, &o, &code);
	if (ret)
		return ret;
	if (code.obj) {
		ret = disasm_object(path, code.obj, &code.log, prog_sel, style);
		bpfrt_object__close(code.obj);
		return ret;
	}
	ret = print_disasm(path, code.insns, code.cnt, style);
	free(code.insns);
	return ret;
}
