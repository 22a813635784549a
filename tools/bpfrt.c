/* SPDX-License-Identifier: MIT */
/*
 * bpfrt - command-line front end of libbpfrt: run, assemble and disassemble
 * eBPF programs; list and test-run the programs of clang/libbpf ELF objects.
 *
 * Uses only the public API (bpfrt/bpfrt.h) so that it doubles as a check
 * that the API is enough to build a real tool on.  This file has main, the
 * help text, the helpers every command shares and `asm`; the other commands
 * live in cli_*.c (see cli.h).
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
#include "cli.h"

void errmsg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bpfrt: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char usage_text[] =
	"usage: bpfrt COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  run FILE [options]       load and run a program with r1 = memory,\n"
	"                           r2 = its length; print r0\n"
	"      --raw                FILE is raw bytecode whatever it looks like\n"
	"      --prog NAME          ELF: the program (function) or section to run\n"
	"      --type PROGTYPE      ELF: program type for sections whose name does\n"
	"                           not tell it (xdp, tc, socket_filter, ...)\n"
	"      --mem FILE           memory for the program: r1 = a copy of it,\n"
	"                           r2 = its length (default: none, r1 = r2 = 0)\n"
	"      --engine ENGINE      interp, interp-switch or jit (default: fastest)\n"
	"      --repeat N           run N times, report the mean time per run\n"
	"      --json               print {\"retval\": R, \"runs\": N, \"ns_per_run\": T}\n"
	"      --check MODE         auto (default: unchecked exactly when the\n"
	"                           verifier proved it safe), always or never\n"
	"      --insn-limit N       stop a checked run after N instructions\n"
	"                           (default 100000000; 0 = no limit)\n"
	"      --no-verify          ELF: load programs the verifier rejects; they\n"
	"                           run checked\n"
	"  asm IN.asm [-o OUT.bin]  assemble; without -o print the slots as hex\n"
	"  disasm FILE [options]    disassemble a program; for an ELF object the\n"
	"                           instructions after loading (relocated, with\n"
	"                           their subprograms), else as in the section\n"
	"      --style STYLE        asm (reassemblable, default) or kernel\n"
	"      --raw, --prog NAME, --type PROGTYPE   as for run; without --prog\n"
	"                           every program of the object\n"
	"  prog list OBJ [--json] [--type PROGTYPE] [--btf FILE]\n"
	"                           the programs: name, section, type, instructions\n"
	"  map list OBJ [--json] [--type PROGTYPE] [--btf FILE]\n"
	"                           the maps: name, type, key/value size,\n"
	"                           max_entries, flags\n"
	"  test-run OBJ --prog NAME (--pcap FILE | --data FILE) [options]\n"
	"                           run a program over every frame of a capture\n"
	"                           (pcap or pcapng) or over one raw frame, as the\n"
	"                           kernel's BPF_PROG_TEST_RUN; maps persist from\n"
	"                           frame to frame\n"
	"      --pcap FILE          the frames: a pcap or pcapng capture\n"
	"      --data FILE          the frame: the file's bytes\n"
	"      --engine ENGINE      as for run\n"
	"      --check MODE         as for run\n"
	"      --repeat N           run each frame N times and report the mean ns\n"
	"                           per run (the program's effects on maps and\n"
	"                           ring buffers happen N times, as in the kernel)\n"
	"      --json               one JSON line per frame (and per ring buffer\n"
	"                           record, per map entry): docs/corpus.md\n"
	"      --dump-maps          after the frames, every entry of every writable\n"
	"                           keyed map (global data by section name)\n"
	"      --out FILE.pcap      write the frames that leave the program, as the\n"
	"                           program left them: XDP_PASS, XDP_TX,\n"
	"                           XDP_REDIRECT; for tc TC_ACT_OK, TC_ACT_UNSPEC,\n"
	"                           TC_ACT_PIPE, TC_ACT_RECLASSIFY, TC_ACT_REDIRECT\n"
	"                           (not SHOT, STOLEN, QUEUED, REPEAT, TRAP); for\n"
	"                           other types a non-zero return value\n"
	"      --type PROGTYPE      program type for sections whose name does not\n"
	"                           tell it\n"
	"      --btf FILE           target BTF for CO-RE (default: the kernel's)\n"
	"      --cpu N              logical CPU the runs happen on (default 0)\n"
	"      --no-verify          load programs the verifier rejects; they run\n"
	"                           checked (every access and the budget checked)\n"
	"  verify OBJ [--prog NAME] [--type PROGTYPE] [--log-level 0|1|2] [--json]\n"
	"                           prove programs safe: exit 0 all safe, 1 one\n"
	"                           rejected (the reason names the instruction),\n"
	"                           2 the object cannot be loaded\n"
	"  jit-dump FILE [--prog NAME] [--checked] [--no-objdump]\n"
	"                           x86-64 machine code beside each eBPF instruction\n"
	"  xdp attach --iface IF [--iface IF2 ...] OBJ --prog NAME [options]\n"
	"                           run an XDP program on live interfaces until\n"
	"                           SIGINT/SIGTERM (root; docs/live.md)\n"
	"      --mode MODE          afpacket (default) or afxdp (libxdp XSK)\n"
	"      --bridge             bump in the wire: XDP_PASS forwards to the\n"
	"                           other interface(s), XDP_DROP really drops\n"
	"      --pin DIR            control socket, instance description and\n"
	"                           shared maps in DIR (removed on exit)\n"
	"      --engine ENGINE, --check MODE   as for run\n"
	"      --no-verify          run a program the verifier rejects (checked)\n"
	"      --queues N           RX queues served per interface, a worker each\n"
	"                           (default: all; afpacket: at most one per CPU)\n"
	"  xdp status --pin DIR     counters per interface and verdict, pps\n"
	"  prog replace --pin DIR OBJ --prog NAME [--no-verify]\n"
	"                           hot swap: maps with the same name, type and\n"
	"                           sizes are kept; a refused program changes nothing\n"
	"  map dump|lookup|update|delete --pin DIR/NAME [--key HEX] [--value HEX]\n"
	"                           [--flags any|noexist|exist]\n"
	"                           a running instance's map, from another process\n"
	"  events --pin DIR/NAME [--count N] [--timeout S]\n"
	"                           stream a ringbuf / perf buffer as hex lines\n"
	"  version                  print the version\n"
	"  help                     print this text (also -h, --help)\n"
	"\n"
	"FILE is raw bytecode (8-byte slots), assembly text (*.asm, *.s) or an\n"
	"eBPF ELF object.  ELF objects go through the loader (maps, global data,\n"
	"calls, CO-RE); one whose sections have no libbpf SEC() name and no\n"
	"--type runs as raw code if it has no relocations.\n"
	"Set BPFRT_VERBOSE=1 to see the library's own messages.\n"
	"exit status: 0 ok (test-run: also when frames were refused, as the\n"
	"kernel refuses them), 1 run-time failure, 2 bad input or usage\n";

/* ---- shared helpers ------------------------------------------------------ */

/* Read a whole file; "-" is stdin.  Returns 0 or prints why and returns -1. */
int read_file(const char *path, uint8_t **out, size_t *len)
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

bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Decimal or 0x-hex unsigned number, the whole string. */
bool parse_u64(const char *s, uint64_t *v)
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
int bad_option(const char *cmd, int c, char **argv)
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
const char *one_file(const char *cmd, int argc, char **argv)
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

bool parse_engine(const char *cmd, const char *s, enum bpfrt_engine *engine)
{
	if (bpfrt_engine_from_str(s, engine)) {
		errmsg("%s: unknown engine '%s' (interp, interp-switch, jit)", cmd, s);
		return false;
	}
	return true;
}

bool parse_check(const char *cmd, const char *s, enum bpfrt_check_mode *check)
{
	if (!strcmp(s, "auto"))
		*check = BPFRT_CHECK_AUTO;
	else if (!strcmp(s, "always"))
		*check = BPFRT_CHECK_ALWAYS;
	else if (!strcmp(s, "never"))
		*check = BPFRT_CHECK_NEVER;
	else {
		errmsg("%s: unknown check mode '%s' (auto, always, never)", cmd, s);
		return false;
	}
	return true;
}

bool parse_prog_type(const char *cmd, const char *s, enum bpfrt_prog_type *type)
{
	/* "unspec" is a name the library knows, but as a default type it
	 * means "none given", which would silently change nothing. */
	if (bpfrt_prog_type_from_str(s, type) || *type == BPFRT_PROG_TYPE_UNSPEC) {
		errmsg("%s: unknown program type '%s' (xdp, tc, sched_cls, sched_act, "
		       "socket_filter, cgroup_skb, kprobe, tracepoint, ...)", cmd, s);
		return false;
	}
	return true;
}

/* ---- asm -------------------------------------------------------------------- */

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
	if (!strcmp(cmd, "prog") && sub_argc > 1 && !strcmp(sub_argv[1], "replace"))
		return cmd_prog_replace(sub_argc - 1, sub_argv + 1);
	if (!strcmp(cmd, "prog"))
		return cmd_prog(sub_argc, sub_argv);
	if (!strcmp(cmd, "map") && sub_argc > 1 &&
	    (!strcmp(sub_argv[1], "dump") || !strcmp(sub_argv[1], "lookup") ||
	     !strcmp(sub_argv[1], "update") || !strcmp(sub_argv[1], "delete")))
		return cmd_map_pin(sub_argc, sub_argv);
	if (!strcmp(cmd, "map"))
		return cmd_map(sub_argc, sub_argv);
	if (!strcmp(cmd, "xdp"))
		return cmd_xdp(sub_argc, sub_argv);
	if (!strcmp(cmd, "events"))
		return cmd_events(sub_argc, sub_argv);
	if (!strcmp(cmd, "test-run"))
		return cmd_test_run(sub_argc, sub_argv);
	if (!strcmp(cmd, "jit-dump"))
		return cmd_jit_dump(sub_argc, sub_argv);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(sub_argc, sub_argv);
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
