/* SPDX-License-Identifier: MIT */
/*
 * bpfrt events --pin DIR/NAME [--count N] [--timeout SECONDS]: stream the
 * records of a running instance's ringbuf or perf_event_array map, one hex
 * line per record, until the instance stops, N records came, or the time
 * is up.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

struct ev_state {
	uint64_t left;		/* 0: unlimited */
};

static int on_line(void *user, const char *line)
{
	struct ev_state *st = user;
	puts(line);
	if (line[0] == '#')
		return 0;
	return st->left && --st->left == 0;
}

static void on_alarm(int sig)
{
	(void)sig;
	_exit(0);
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *pin = NULL;
	uint64_t count = 0, timeout = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":P:n:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': pin = optarg; break;
		case 'n':
			if (!parse_u64(optarg, &count)) {
				errmsg("events: bad --count '%s'", optarg);
				return EXIT_INPUT;
			}
			break;
		case 't':
			if (!parse_u64(optarg, &timeout) || timeout > 86400) {
				errmsg("events: bad --timeout '%s'", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return bad_option("events", c, argv);
		}
	}
	if (!pin || optind != argc) {
		errmsg("events: usage: bpfrt events --pin DIR/NAME [--count N] [--timeout S]");
		return EXIT_INPUT;
	}
	char dirbuf[PATH_MAX], namebuf[PATH_MAX];
	snprintf(dirbuf, sizeof(dirbuf), "%s", pin);
	snprintf(namebuf, sizeof(namebuf), "%s", pin);
	const char *dir = dirname(dirbuf), *name = basename(namebuf);
	char req[PATH_MAX + 16];
	snprintf(req, sizeof(req), "events %s", name);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (timeout) {
		signal(SIGALRM, on_alarm);
		alarm((unsigned)timeout);
	}
	struct ev_state st = { count };
	char err[1024] = "";
	int r = bpfrt_live_ctl(dir, req, on_line, &st, err, sizeof(err));
	if (r && r != -ECANCELED) {
		errmsg("events: %s", cli_ctl_msg(err));
		return r == -EREMOTEIO ? EXIT_INPUT : EXIT_RUNTIME;
	}
	return 0;
}
