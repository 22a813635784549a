/* SPDX-License-Identifier: MIT */
/*
 * bpfrt prog replace --pin DIR OBJ --prog NAME [--no-verify]: hot swap in
 * a running instance.  The instance loads and verifies the object itself
 * (the path is made absolute here), shares the running maps by name and
 * shape, and keeps the old program when the new one is refused (--no-verify:
 * a program the verifier rejects is installed anyway and runs checked).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

static int print_line(void *user, const char *line)
{
	(void)user;
	puts(line);
	return 0;
}

int cmd_prog_replace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, 'P' },
		{ "prog", required_argument, NULL, 'p' },
		{ "no-verify", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *pin = NULL, *prog = "";
	bool no_verify = false;
	int c;
	while ((c = getopt_long(argc, argv, ":P:p:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'P': pin = optarg; break;
		case 'p': prog = optarg; break;
		case 'V': no_verify = true; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return bad_option("prog replace", c, argv);
		}
	}
	const char *obj = one_file("prog replace", argc, argv);
	if (!obj)
		return EXIT_INPUT;
	if (!pin) {
		errmsg("prog replace: --pin DIR is required");
		return EXIT_INPUT;
	}
	if (strchr(prog, '\t') || strchr(prog, '\n')) {
		errmsg("prog replace: bad program name");
		return EXIT_INPUT;
	}
	char abs[PATH_MAX];
	if (!realpath(obj, abs)) {
		errmsg("prog replace: %s: %s", obj, strerror(errno));
		return EXIT_INPUT;
	}
	/* The request is one line of tab-separated fields. */
	if (strchr(abs, '\t') || strchr(abs, '\n')) {
		errmsg("prog replace: %s: a path with a tab or newline cannot be sent", abs);
		return EXIT_INPUT;
	}
	char *req = malloc(strlen(prog) + strlen(abs) + 32);
	if (!req)
		return EXIT_INPUT;
	sprintf(req, "replace %s\t%s%s", prog, abs, no_verify ? "\tno_verify" : "");
	char err[2048] = "";
	int r = bpfrt_live_ctl(pin, req, print_line, NULL, err, sizeof(err));
	free(req);
	if (r == -EREMOTEIO) {
		errmsg("prog replace: refused, the old program keeps running: %s",
		       cli_ctl_msg(err));
		return EXIT_INPUT;
	}
	if (r) {
		errmsg("prog replace: %s", err);
		return EXIT_RUNTIME;
	}
	return 0;
}
