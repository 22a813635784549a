/* SPDX-License-Identifier: MIT */
/*
 * bpfrt - command-line front end of libbpfrt: run, assemble and disassemble
 * eBPF programs.
 *
 * Uses only the public API (bpfrt/bpfrt.h) so that it doubles as a check
 * that the API is enough to build a real tool on.
 *
 * Exit codes: 0 success, 1 the program failed at run time (fault,
 * instruction limit), 2 bad input or usage (unreadable or malformed file,
 * program refused by the loader, unknown option, engine not available).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "elfcode.h"

enum {
	EXIT_RUNTIME = 1,
	EXIT_INPUT = 2,
};

/* An unverified program may loop forever; checked runs stop after this many
 * instructions unless --insn-limit says otherwise. */
#define DEFAULT_INSN_LIMIT 100000000ull

static void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void errmsg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bpfrt: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const char usage_text[] =
	"usage: bpfrt COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  run FILE [options]       load and run a program; print r0\n"
	"      --raw                FILE is raw bytecode whatever it looks like\n"
	"      --prog NAME          ELF: the section or function to run\n"
	"      --mem FILE           memory for the program: r1 = a copy of it,\n"
	"                           r2 = its length (default: none, r1 = r2 = 0)\n"
	"      --engine ENGINE      interp, interp-switch or jit (default: fastest)\n"
	"      --repeat N           run N times, report the mean time per run\n"
	"      --json               print {\"retval\": R, \"runs\": N, \"ns_per_run\": T}\n"
	"      --check MODE         auto, always or never (memory-access checks)\n"
	"      --insn-limit N       stop a checked run after N instructions\n"
	"                           (default 100000000; 0 = no limit)\n"
	"  asm IN.asm [-o OUT.bin]  assemble; without -o print the slots as hex\n"
	"  disasm FILE [options]    disassemble a program\n"
	"      --style STYLE        asm (reassemblable, default) or kernel\n"
	"      --raw, --prog NAME   as for run\n"
	"  version                  print the version\n"
	"  help                     print this text (also -h, --help)\n"
	"\n"
	"FILE is raw bytecode (8-byte slots), assembly text (*.asm, *.s) or an\n"
	"eBPF ELF object without relocations.\n"
	"exit status: 0 ok, 1 run-time failure, 2 bad input or usage\n";

/* ---- input ------------------------------------------------------------ */

/* Read a whole file; "-" is stdin.  Returns 0 or prints why and returns -1. */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		errmsg("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	int ret = 0;
	while (buf) {
		if (n == cap) {
			uint8_t *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (!buf) {
		errmsg("%s: out of memory", path);
		ret = -1;
	} else if (ferror(f)) {
		errmsg("cannot read %s: %s", path, strerror(errno));
		ret = -1;
	}
	if (f != stdin)
		fclose(f);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*len = n;
	return 0;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

struct code {
	struct bpfrt_insn *insns;
	size_t cnt;
	char name[128];
};

/*
 * Load the instructions of FILE: an ELF object, assembly text (by extension)
 * or raw bytecode (with --raw, or anything else).  Returns 0, or prints why
 * and returns EXIT_INPUT.
 */
static int load_code(const char *path, bool raw, const char *prog, struct code *c)
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
	} else if (elf) {
		char err[512];
		if (elfcode_extract(buf, len, prog, &c->insns, &c->cnt,
				    c->name, sizeof(c->name), err, sizeof(err))) {
			errmsg("%s: %s", path, err);
			ret = EXIT_INPUT;
		}
	} else if (text) {
		if (memchr(buf, '\0', len)) {
			errmsg("%s: not a text file (contains NUL bytes)", path);
			ret = EXIT_INPUT;
		} else {
			char *s = malloc(len + 1);
			char err[512] = "";
			if (!s) {
				errmsg("%s: out of memory", path);
				ret = EXIT_INPUT;
			} else {
				memcpy(s, buf, len);
				s[len] = '\0';
				int r = bpfrt_asm(s, &c->insns, &c->cnt, err, sizeof(err));
				if (r) {
					errmsg("%s: %s", path, err[0] ? err : strerror(-r));
					ret = EXIT_INPUT;
				}
				free(s);
			}
		}
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

/* ---- option parsing ----------------------------------------------------- */

/* Decimal or 0x-hex unsigned number, the whole string. */
static bool parse_u64(const char *s, uint64_t *v)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

/* Report a getopt_long() failure ('?' or ':') on argv. */
static int bad_option(const char *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1];
	if (c == ':')
		errmsg("%s: option '%s' needs an argument", cmd, arg);
	else if (!strncmp(arg, "--", 2))
		/* Also "--json=1": optopt is then set, but the whole word
		 * says better what was wrong. */
		errmsg("%s: unknown option '%s'", cmd, arg);
	else
		errmsg("%s: unknown option '-%c'", cmd, optopt);
	fprintf(stderr, "try 'bpfrt help'\n");
	return EXIT_INPUT;
}

/* Exactly one positional argument left after the options. */
static const char *one_file(const char *cmd, int argc, char **argv)
{
	if (optind >= argc) {
		errmsg("%s: missing FILE; try 'bpfrt help'", cmd);
		return NULL;
	}
	if (optind + 1 < argc) {
		errmsg("%s: unexpected argument '%s'", cmd, argv[optind + 1]);
		return NULL;
	}
	return argv[optind];
}

/* ---- commands ----------------------------------------------------------- */

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "prog", required_argument, NULL, 'p' },
		{ "mem", required_argument, NULL, 'm' },
		{ "engine", required_argument, NULL, 'e' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "check", required_argument, NULL, 'c' },
		{ "insn-limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool raw = false, json = false;
	const char *prog_sel = NULL, *mem_path = NULL;
	enum bpfrt_engine engine = BPFRT_ENGINE_DEFAULT;
	enum bpfrt_check_mode check = BPFRT_CHECK_AUTO;
	uint64_t repeat = 1, limit = DEFAULT_INSN_LIMIT;
	int c;

	while ((c = getopt_long(argc, argv, ":rp:m:e:n:jc:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': raw = true; break;
		case 'p': prog_sel = optarg; break;
		case 'm': mem_path = optarg; break;
		case 'j': json = true; break;
		case 'e':
			if (bpfrt_engine_from_str(optarg, &engine)) {
				errmsg("run: unknown engine '%s' (interp, interp-switch, jit)",
				       optarg);
				return EXIT_INPUT;
			}
			break;
		case 'n':
			if (!parse_u64(optarg, &repeat) || repeat == 0 || repeat > UINT32_MAX) {
				errmsg("run: --repeat wants a number from 1 to %" PRIu32
				       ", not '%s'", UINT32_MAX, optarg);
				return EXIT_INPUT;
			}
			break;
		case 'c':
			if (!strcmp(optarg, "auto"))
				check = BPFRT_CHECK_AUTO;
			else if (!strcmp(optarg, "always"))
				check = BPFRT_CHECK_ALWAYS;
			else if (!strcmp(optarg, "never"))
				check = BPFRT_CHECK_NEVER;
			else {
				errmsg("run: unknown check mode '%s' (auto, always, never)",
				       optarg);
				return EXIT_INPUT;
			}
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

	struct code code = { 0 };
	int ret = load_code(path, raw, prog_sel, &code);
	if (ret) {
		free(mem);
		return ret;
	}

	char log[1024] = "";
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = code.name, .log_buf = log,
		   .log_size = sizeof(log));
	struct bpfrt_prog *prog = bpfrt_prog__load_insns(code.insns, code.cnt, &lo);
	free(code.insns);
	if (!prog) {
		errmsg("%s: %s", path, log[0] ? log : strerror(errno));
		free(mem);
		return EXIT_INPUT;
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
	bpfrt_prog__free(prog);
	free(mem);
	return ret;
}

static int cmd_asm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return bad_option("asm", c, argv);
		}
	}
	const char *path = one_file("asm", argc, argv);
	if (!path)
		return EXIT_INPUT;

	uint8_t *buf;
	size_t len;
	if (read_file(path, &buf, &len))
		return EXIT_INPUT;
	if (memchr(buf, '\0', len)) {
		errmsg("%s: not a text file (contains NUL bytes)", path);
		free(buf);
		return EXIT_INPUT;
	}
	char *text = malloc(len + 1);
	if (!text) {
		errmsg("%s: out of memory", path);
		free(buf);
		return EXIT_INPUT;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	free(buf);

	struct bpfrt_insn *insns = NULL;
	size_t cnt = 0;
	char err[512] = "";
	int r = bpfrt_asm(text, &insns, &cnt, err, sizeof(err));
	free(text);
	if (r) {
		errmsg("%s: %s", path, err[0] ? err : strerror(-r));
		return EXIT_INPUT;
	}

	int ret = 0;
	size_t bytes = cnt * sizeof(*insns);
	if (out) {
		FILE *f = fopen(out, "wb");
		if (!f || fwrite(insns, 1, bytes, f) != bytes) {
			errmsg("cannot write %s: %s", out, strerror(errno));
			ret = EXIT_INPUT;
		}
		if (f && fclose(f) && !ret) {
			errmsg("cannot write %s: %s", out, strerror(errno));
			ret = EXIT_INPUT;
		}
	} else {
		/* One slot per line, bytes in file order: the same bytes -o
		 * would write, easy to diff and to feed to xxd -r -p. */
		const uint8_t *p = (const uint8_t *)insns;
		for (size_t i = 0; i < cnt; i++) {
			for (size_t j = 0; j < sizeof(*insns); j++)
				printf("%s%02x", j ? " " : "", p[i * sizeof(*insns) + j]);
			putchar('\n');
		}
	}
	free(insns);
	return ret;
}

static int cmd_disasm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "style", required_argument, NULL, 's' },
		{ "raw", no_argument, NULL, 'r' },
		{ "prog", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum bpfrt_disasm_style style = BPFRT_DISASM_ASM;
	bool raw = false;
	const char *prog_sel = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":s:rp:h", opts, NULL)) != -1) {
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
		case 'h': fputs(usage_text, stdout); return 0;
		default: return bad_option("disasm", c, argv);
		}
	}
	const char *path = one_file("disasm", argc, argv);
	if (!path)
		return EXIT_INPUT;

	struct code code = { 0 };
	int ret = load_code(path, raw, prog_sel, &code);
	if (ret)
		return ret;
	char *text = bpfrt_disasm(code.insns, code.cnt, style);
	free(code.insns);
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

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_INPUT;
	}
	const char *cmd = argv[1];
	/* Each subcommand parses its own argv, starting at its name, so that
	 * getopt's messages and indexes are relative to it. */
	opterr = 0;
	int sub_argc = argc - 1;
	char **sub_argv = argv + 1;

	if (!strcmp(cmd, "run"))
		return cmd_run(sub_argc, sub_argv);
	if (!strcmp(cmd, "asm"))
		return cmd_asm(sub_argc, sub_argv);
	if (!strcmp(cmd, "disasm"))
		return cmd_disasm(sub_argc, sub_argv);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("bpfrt %s\n", bpfrt_version());
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	errmsg("unknown command '%s'; try 'bpfrt help'", cmd);
	return EXIT_INPUT;
}
