/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what the bpfrt command's source files share: exit codes, messages,
 * option parsing and opening ELF objects through the public loader API.
 *
 * The command is split by subcommand: bpfrt.c (main, help, asm), cli_run.c
 * (run, disasm), cli_obj.c (prog list, map list, shared object helpers),
 * cli_testrun.c (test-run).
 */
#ifndef BPFRT_TOOLS_CLI_H
#define BPFRT_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"

enum {
	EXIT_RUNTIME = 1,	/* the program failed at run time */
	EXIT_INPUT = 2,		/* bad input, usage, or something refused */
};

/* An unverified program may loop forever; checked runs stop after this many
 * instructions unless --insn-limit says otherwise. */
#define DEFAULT_INSN_LIMIT 100000000ull

extern const char usage_text[];

/* "bpfrt: " + message + newline on stderr. */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a whole file; "-" is stdin.  Returns 0 or prints why and returns -1. */
int read_file(const char *path, uint8_t **out, size_t *len);
bool has_suffix(const char *s, const char *suf);
/* Decimal or 0x-hex unsigned number, the whole string. */
bool parse_u64(const char *s, uint64_t *v);
/* Report a getopt_long() failure ('?' or ':'); returns EXIT_INPUT. */
int bad_option(const char *cmd, int c, char **argv);
/* Exactly one positional argument left after the options, or NULL after
 * printing why. */
const char *one_file(const char *cmd, int argc, char **argv);

/* Option values shared by several commands; each prints "<cmd>: ..." and
 * returns false on a bad value. */
bool parse_engine(const char *cmd, const char *s, enum bpfrt_engine *engine);
bool parse_check(const char *cmd, const char *s, enum bpfrt_check_mode *check);
bool parse_prog_type(const char *cmd, const char *s, enum bpfrt_prog_type *type);

/* ---- ELF objects (cli_obj.c) --------------------------------------------- */

/* The library reports loader errors both through log_buf and its print
 * callback; the CLI prints the log_buf copy, so the callback stays quiet
 * unless BPFRT_VERBOSE is set in the environment. */
void cli_library_messages(void);

/* How to open an object: --type, --btf and --no-verify. */
struct cli_open {
	enum bpfrt_prog_type default_type;	/* UNSPEC: not given */
	const char *btf_path;			/* NULL: the library's default */
	/* Load programs the verifier rejects (they run checked); commands
	 * that only inspect code (disasm, jit-dump) always set it. */
	bool no_verify;
};

/* Holds the loader's message; must outlive bpfrt_object__load(). */
struct cli_log {
	char buf[2048];
};

/*
 * Open path with the loader.  On failure prints "bpfrt: <loader message>"
 * (with a hint about --type when the section name was the problem, unless
 * quiet) and returns NULL; *err gets the errno.
 */
struct bpfrt_object *cli_open_object(const char *path, const struct cli_open *o,
				     struct cli_log *log, bool quiet, int *err);
/* What cli_open_object prints when not quiet; err is an errno. */
void cli_report_open_error(const char *path, const struct cli_log *log, int err);
/* Print "bpfrt: <loader message>" after a failed load; err is -errno. */
void cli_report_load_error(const char *path, const struct cli_log *log, int err);

/*
 * The program --prog names: a program (function) name first, else a unique
 * section name.  NULL sel: the object's only program.  Prints an error
 * listing the programs and returns NULL when there is no such program.
 */
struct bpfrt_program *cli_find_program(const struct bpfrt_object *obj, const char *path,
				       const char *sel);

/* Name a map is reported under: the ELF section name (".data", ".bss",
 * ".data.stats") for global data maps, whose library name carries an
 * object-dependent prefix; the map's own name otherwise. */
const char *cli_map_report_name(const struct bpfrt_map *map);

/* ---- commands ------------------------------------------------------------ */

int cmd_run(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_prog(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_test_run(int argc, char **argv);
int cmd_jit_dump(int argc, char **argv);
int cmd_verify(int argc, char **argv);
/* Live XDP (cli_xdp.c, cli_prog.c, cli_map.c, cli_events.c). */
int cmd_xdp(int argc, char **argv);
int cmd_prog_replace(int argc, char **argv);
int cmd_map_pin(int argc, char **argv);
int cmd_events(int argc, char **argv);
/* The text of a control-socket error ("<errno> <text>" -> "<text>"). */
const char *cli_ctl_msg(const char *err);

#endif /* BPFRT_TOOLS_CLI_H */
