/* SPDX-License-Identifier: MIT */
/*
 * bpfrt xdp attach | status: live XDP on real interfaces (bpfrt/live.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int xdp_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "prog", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "bridge", no_argument, NULL, 'b' },
		{ "pin", required_argument, NULL, 'P' },
		{ "engine", required_argument, NULL, 'e' },
		{ "check", required_argument, NULL, 'c' },
		{ "no-verify", no_argument, NULL, 'V' },
		{ "queues", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *ifaces[64];
	size_t nif = 0;
	const char *prog = NULL, *pin = NULL;
	enum bpfrt_live_mode mode = BPFRT_LIVE_AFPACKET;
	enum bpfrt_engine engine = BPFRT_ENGINE_DEFAULT;
	enum bpfrt_check_mode check = BPFRT_CHECK_AUTO;
	bool bridge = false, no_verify = false;
	uint64_t queues = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":i:p:m:bP:e:c:Vq:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (nif == 64) {
				errmsg("xdp attach: at most 64 interfaces");
				return EXIT_INPUT;
			}
			ifaces[nif++] = optarg;
			break;
		case 'p': prog = optarg; break;
		case 'm':
			if (!strcmp(optarg, "afpacket"))
				mode = BPFRT_LIVE_AFPACKET;
			else if (!strcmp(optarg, "afxdp"))
				mode = BPFRT_LIVE_AFXDP;
			else {
				errmsg("xdp attach: unknown mode '%s' (afpacket, afxdp)", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'b': bridge = true; break;
		case 'P': pin = optarg; break;
		case 'e':
			if (!parse_engine("xdp attach", optarg, &engine))
				return EXIT_INPUT;
			break;
		case 'c':
			if (!parse_check("xdp attach", optarg, &check))
				return EXIT_INPUT;
			break;
		case 'V': no_verify = true; break;
		case 'q':
			if (!parse_u64(optarg, &queues) || !queues || queues > 64) {
				errmsg("xdp attach: --queues takes 1 to 64, not '%s'", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return bad_option("xdp attach", c, argv);
		}
	}
	const char *obj = one_file("xdp attach", argc, argv);
	if (!obj)
		return EXIT_INPUT;
	if (!nif) {
		errmsg("xdp attach: give at least one --iface");
		return EXIT_INPUT;
	}
	if (bridge && nif < 2) {
		errmsg("xdp attach: --bridge needs two interfaces or more");
		return EXIT_INPUT;
	}
	cli_library_messages();
	char err[2048] = "";
	BPFRT_OPTS(bpfrt_live_opts, lo, .ifaces = ifaces, .iface_cnt = nif, .obj_path = obj,
		   .prog_name = prog, .mode = mode, .bridge = bridge, .pin_dir = pin,
		   .engine = engine, .check = check, .err_buf = err, .err_size = sizeof(err),
		   .no_verify = no_verify, .queues = (unsigned)queues);
	/* Signals first: a stop that arrives while starting still detaches. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct bpfrt_live *lv = bpfrt_live__start(&lo);
	if (!lv) {
		errmsg("xdp attach: %s", err[0] ? err : strerror(errno));
		return EXIT_INPUT;
	}
	fprintf(stderr, "bpfrt: attached %s to", prog ? prog : obj);
	for (size_t i = 0; i < nif; i++)
		fprintf(stderr, " %s", ifaces[i]);
	fprintf(stderr, " (%s%s)%s%s; stop with SIGINT/SIGTERM\n",
		mode == BPFRT_LIVE_AFXDP ? "afxdp" : "afpacket", bridge ? ", bridge" : "",
		pin ? ", pinned at " : "", pin ? pin : "");
	bpfrt_live__serve(lv, &g_stop);
	bpfrt_live__stop(lv);
	fprintf(stderr, "bpfrt: detached\n");
	return 0;
}

static int print_line(void *user, const char *line)
{
	(void)user;
	puts(line);
	return 0;
}

/* The instance's message after "err ": "<errno> <text>"; print the text. */
const char *cli_ctl_msg(const char *err)
{
	const char *s = err;
	while (*s >= '0' && *s <= '9')
		s++;
	return s != err && *s == ' ' ? s + 1 : err;
}

static int xdp_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *pin = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":P:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': pin = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return bad_option("xdp status", c, argv);
		}
	}
	if (!pin || optind != argc) {
		errmsg("xdp status: usage: bpfrt xdp status --pin DIR");
		return EXIT_INPUT;
	}
	char err[1024] = "";
	int r = bpfrt_live_ctl(pin, "status", print_line, NULL, err, sizeof(err));
	if (r) {
		errmsg("xdp status: %s", cli_ctl_msg(err));
		return EXIT_RUNTIME;
	}
	return 0;
}

int cmd_xdp(int argc, char **argv)
{
	if (argc < 2) {
		errmsg("xdp: usage: bpfrt xdp attach|status ...");
		return EXIT_INPUT;
	}
	if (!strcmp(argv[1], "attach"))
		return xdp_attach(argc - 1, argv + 1);
	if (!strcmp(argv[1], "status"))
		return xdp_status(argc - 1, argv + 1);
	errmsg("xdp: unknown subcommand '%s' (attach, status)", argv[1]);
	return EXIT_INPUT;
}
