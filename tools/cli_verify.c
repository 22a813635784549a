/* SPDX-License-Identifier: MIT */
/*
 * bpfrt verify OBJ [--prog NAME] [--type PROGTYPE] [--log-level 0|1|2] [--json]
 * Verify every program of an object (or one) as the kernel would.
 * Exit 0: all safe; 1: one or more rejected; 2: cannot load.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "loader/loader.h"
#include "verifier/verifier.h"

int cmd_verify(int argc, char **argv);

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prog", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *prog_name = NULL, *type_s = NULL;
	int level = 1, c;
	bool json = false;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:t:l:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': prog_name = optarg; break;
		case 't': type_s = optarg; break;
		case 'l': level = atoi(optarg); break;
		case 'j': json = true; break;
		case 'h':
			printf("usage: bpfrt verify OBJ [--prog NAME] [--type PROGTYPE] [--log-level 0|1|2] [--json]\n");
			return 0;
		default:
			fprintf(stderr, "bpfrt verify: bad option\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "bpfrt verify: expected one object file\n");
		return 2;
	}
	char lerr[1024] = "";
	enum bpfrt_prog_type forced = BPFRT_PROG_TYPE_UNSPEC;
	if (type_s && bpfrt_prog_type_from_str(type_s, &forced)) {
		fprintf(stderr, "bpfrt verify: unknown program type '%s'\n", type_s);
		return 2;
	}
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = lerr, .log_size = sizeof(lerr),
		   .default_prog_type = forced);
	struct bpfrt_object *obj = bpfrt_object__open_file(argv[optind], &oo);
	if (!obj) {
		fprintf(stderr, "bpfrt verify: %s: %s\n", argv[optind], lerr[0] ? lerr : strerror(errno));
		return 2;
	}
	if (forced)
		for (struct bpfrt_program *p = NULL; (p = bpfrt_object__next_program(obj, p));)
			if (!prog_name || !strcmp(bpfrt_program__name(p), prog_name))
				bpfrt_program__set_type(p, forced);
	if (bpfrt__object_prepare(obj)) {
		fprintf(stderr, "bpfrt verify: %s: %s\n", argv[optind], lerr[0] ? lerr : "cannot load");
		bpfrt_object__close(obj);
		return 2;
	}
	size_t logsz = 1 << 20;
	char *log = malloc(logsz);
	int rc = 0, found = 0;
	if (json)
		printf("[");
	for (struct bpfrt_program *p = NULL; log && (p = bpfrt_object__next_program(obj, p));) {
		if (prog_name && strcmp(bpfrt_program__name(p), prog_name))
			continue;
		struct bpfrt_verifier_env_opts vo = { .sz = sizeof(vo), .log_level = level,
						      .log_buf = log, .log_size = logsz };
		int err = bpfrt__verify_program(obj, p, &vo);
		if (err)
			rc = 1;
		if (json) {
			printf("%s{\"program\":", found ? "," : "");
			json_str(bpfrt_program__name(p));
			printf(",\"type\":\"%s\",\"verdict\":\"%s\",\"insns\":%zu,\"processed\":%u,"
			       "\"error_insn\":%d,\"log\":",
			       bpfrt_prog_type_str(bpfrt_program__type(p)), err ? "reject" : "accept",
			       vo.cnt, vo.processed, vo.err_insn);
			json_str(log);
			printf("}");
		} else {
			printf("%s: %s (%s, %zu insns, %u processed)\n", bpfrt_program__name(p),
			       err ? "REJECTED" : "safe", bpfrt_prog_type_str(bpfrt_program__type(p)),
			       vo.cnt, vo.processed);
			if (err || level >= 2)
				fputs(log, stdout);
		}
		found++;
	}
	if (json)
		printf("]\n");
	free(log);
	bpfrt_object__close(obj);
	if (!found) {
		fprintf(stderr, "bpfrt verify: no program%s%s\n", prog_name ? " named " : "",
			prog_name ? prog_name : "");
		return 2;
	}
	return rc;
}

#ifdef BPFRT_VERIFY_MAIN
int main(int argc, char **argv) { return cmd_verify(argc, argv); }
#endif
