/* SPDX-License-Identifier: MIT */
/*
 * cli_obj.c - `bpfrt prog list` and `bpfrt map list`, and the helpers every
 * command that opens an ELF object shares.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

/* ---- library messages ---------------------------------------------------- */

static int print_verbose(enum bpfrt_print_level level, const char *fmt, va_list ap)
{
	fputs("bpfrt: lib: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void cli_library_messages(void)
{
	const char *v = getenv("BPFRT_VERBOSE");

	bpfrt_set_print(v && *v && strcmp(v, "0") ? print_verbose : NULL);
}

/* ---- opening objects ------------------------------------------------------- */

struct bpfrt_object *cli_open_object(const char *path, const struct cli_open *o,
				     struct cli_log *log, bool quiet, int *err)
{
	BPFRT_OPTS(bpfrt_object_open_opts, oo,
		   .btf_custom_path = o ? o->btf_path : NULL,
		   .default_prog_type = o ? o->default_type : BPFRT_PROG_TYPE_UNSPEC,
		   .no_verify = o ? o->no_verify : false,
		   .log_buf = log->buf, .log_size = sizeof(log->buf));
	log->buf[0] = '\0';
	struct bpfrt_object *obj = bpfrt_object__open_file(path, &oo);
	if (obj)
		return obj;
	int e = errno ? errno : EINVAL;
	if (err)
		*err = e;
	if (!quiet)
		cli_report_open_error(path, log, e);
	return NULL;
}

void cli_report_open_error(const char *path, const struct cli_log *log, int err)
{
	const char *hint;

	if (!log->buf[0])
		errmsg("%s: %s", path, strerror(err));
	else if ((hint = strstr(log->buf, " (set default_prog_type")))
		/* The library names its own option; the CLI's is --type. */
		errmsg("%.*s; give its program type with --type", (int)(hint - log->buf),
		       log->buf);
	else
		errmsg("%s", log->buf);
}

void cli_report_load_error(const char *path, const struct cli_log *log, int err)
{
	if (log->buf[0])
		errmsg("%s", log->buf);
	else
		errmsg("%s: load: %s", path, strerror(err > 0 ? err : -err));
}

/* "a (section), b (section)" of every program, for error messages. */
static void list_programs(const struct bpfrt_object *obj, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL); p;
	     p = bpfrt_object__next_program(obj, p)) {
		int n = snprintf(out + used, size - used, "%s%s (%s)", used ? ", " : "",
				 bpfrt_program__name(p), bpfrt_program__section_name(p));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

struct bpfrt_program *cli_find_program(const struct bpfrt_object *obj, const char *path,
				       const char *sel)
{
	char names[1024];
	size_t cnt = 0;
	struct bpfrt_program *only = NULL, *by_sec = NULL;
	size_t sec_matches = 0;

	for (struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL); p;
	     p = bpfrt_object__next_program(obj, p)) {
		cnt++;
		only = p;
		if (sel && !strcmp(bpfrt_program__section_name(p), sel)) {
			by_sec = p;
			sec_matches++;
		}
	}
	if (sel) {
		struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, sel);
		if (p)
			return p;
		/* A section holding one program names it as well; with several
		 * programs the section name is ambiguous. */
		if (sec_matches == 1)
			return by_sec;
		list_programs(obj, names, sizeof(names));
		if (sec_matches > 1)
			errmsg("%s: section '%s' has %zu programs; choose one by name: %s", path,
			       sel, sec_matches, names);
		else
			errmsg("%s: no program named '%s'; programs: %s", path, sel,
			       cnt ? names : "none");
		return NULL;
	}
	if (cnt == 1)
		return only;
	list_programs(obj, names, sizeof(names));
	if (cnt == 0)
		errmsg("%s: the object has no programs", path);
	else
		errmsg("%s: %zu programs (%s); choose one with --prog NAME", path, cnt, names);
	return NULL;
}

const char *cli_map_report_name(const struct bpfrt_map *map)
{
	const char *n = bpfrt_map__name(map);
	/* Map names from C identifiers have no dot; global data maps are
	 * "<object prefix>.data" or a custom section's own ".data.x". */
	const char *dot = n ? strchr(n, '.') : NULL;

	return dot ? dot : n;
}

/* ---- prog list / map list --------------------------------------------------- */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Parse "list OBJ [--json] [--type T] [--btf F]" after "prog"/"map". */
static int parse_list_args(const char *cmd, int argc, char **argv, bool *json,
			   struct cli_open *o, const char **path)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "type", required_argument, NULL, 't' },
		{ "btf", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	if (argc < 2 || strcmp(argv[1], "list")) {
		if (argc >= 2 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
				  !strcmp(argv[1], "-h"))) {
			fputs(usage_text, stdout);
			return -1;
		}
		errmsg("%s: expected 'list', as in 'bpfrt %s list OBJ'", cmd, cmd);
		return EXIT_INPUT;
	}
	/* getopt starts at argv[1] ("list") as its program name. */
	argc--;
	argv++;
	int c;
	char label[16];
	snprintf(label, sizeof(label), "%s list", cmd);
	while ((c = getopt_long(argc, argv, ":jt:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': *json = true; break;
		case 't':
			if (!parse_prog_type(label, optarg, &o->default_type))
				return EXIT_INPUT;
			break;
		case 'b': o->btf_path = optarg; break;
		case 'h': fputs(usage_text, stdout); return -1;
		default: return bad_option(label, c, argv);
		}
	}
	*path = one_file(label, argc, argv);
	return *path ? 0 : EXIT_INPUT;
}

int cmd_prog(int argc, char **argv)
{
	bool json = false;
	struct cli_open o = { 0 };
	const char *path = NULL;
	int r = parse_list_args("prog", argc, argv, &json, &o, &path);
	if (r)
		return r < 0 ? 0 : r;

	cli_library_messages();
	struct cli_log log;
	/* Listing does not load: an object whose programs the loader or the
	 * VM refuses can still be inspected. */
	struct bpfrt_object *obj = cli_open_object(path, &o, &log, false, NULL);
	if (!obj)
		return EXIT_INPUT;
	if (!json)
		printf("%-24s %-24s %-14s %s\n", "NAME", "SECTION", "TYPE", "INSNS");
	for (struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL); p;
	     p = bpfrt_object__next_program(obj, p)) {
		const char *type = bpfrt_prog_type_str(bpfrt_program__type(p));
		size_t n = bpfrt_program__insn_cnt(p);
		if (json) {
			printf("{\"name\": ");
			json_string(bpfrt_program__name(p));
			printf(", \"section\": ");
			json_string(bpfrt_program__section_name(p));
			printf(", \"type\": ");
			json_string(type);
			printf(", \"insns\": %zu}\n", n);
		} else {
			printf("%-24s %-24s %-14s %zu\n", bpfrt_program__name(p),
			       bpfrt_program__section_name(p), type, n);
		}
	}
	bpfrt_object__close(obj);
	return 0;
}

int cmd_map(int argc, char **argv)
{
	bool json = false;
	struct cli_open o = { 0 };
	const char *path = NULL;
	int r = parse_list_args("map", argc, argv, &json, &o, &path);
	if (r)
		return r < 0 ? 0 : r;

	cli_library_messages();
	struct cli_log log;
	struct bpfrt_object *obj = cli_open_object(path, &o, &log, false, NULL);
	if (!obj)
		return EXIT_INPUT;
	/*
	 * The library describes maps through the created map only, which
	 * exists once the object is loaded.  Loading with every program's
	 * autoload off creates the maps (and fills global data) without
	 * running any program through the VM's checks, so objects whose
	 * programs are refused can still be listed.
	 */
	for (struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL); p;
	     p = bpfrt_object__next_program(obj, p))
		bpfrt_program__set_autoload(p, false);
	int err = bpfrt_object__load(obj);
	if (err && !bpfrt_object__next_map(obj, NULL)) {
		cli_report_load_error(path, &log, err);
		bpfrt_object__close(obj);
		return EXIT_INPUT;
	}
	if (!json)
		printf("%-20s %-16s %8s %10s %11s %s\n", "NAME", "TYPE", "KEY", "VALUE",
		       "MAX_ENTRIES", "FLAGS");
	for (struct bpfrt_map *m = bpfrt_object__next_map(obj, NULL); m;
	     m = bpfrt_object__next_map(obj, m)) {
		const char *type = bpfrt_map_type_str(bpfrt_map__type(m));
		if (json) {
			printf("{\"name\": ");
			json_string(bpfrt_map__name(m));
			printf(", \"type\": ");
			json_string(type);
			printf(", \"key_size\": %u, \"value_size\": %u, \"max_entries\": %u, "
			       "\"flags\": %u",
			       bpfrt_map__key_size(m), bpfrt_map__value_size(m),
			       bpfrt_map__max_entries(m), bpfrt_map__flags(m));
			printf(", \"frozen\": %s}\n", bpfrt_map__is_frozen(m) ? "true" : "false");
		} else {
			printf("%-20s %-16s %8u %10u %11u 0x%x%s\n", bpfrt_map__name(m), type,
			       bpfrt_map__key_size(m), bpfrt_map__value_size(m),
			       bpfrt_map__max_entries(m), bpfrt_map__flags(m),
			       bpfrt_map__is_frozen(m) ? " frozen" : "");
		}
	}
	/* Maps created before a later step failed are still worth showing;
	 * say what failed after them. */
	if (err) {
		cli_report_load_error(path, &log, err);
		bpfrt_object__close(obj);
		return EXIT_INPUT;
	}
	bpfrt_object__close(obj);
	return 0;
}
