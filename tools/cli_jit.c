/* SPDX-License-Identifier: MIT */
/*
 * bpfrt jit-dump FILE [--prog NAME] [--checked] [--no-objdump]
 *
 * The JIT's machine code beside each eBPF instruction (kernel-style
 * disassembly).  FILE is an ELF object, assembly text (.asm/.s) or raw
 * bytecode.  The x86 mnemonics come from objdump when it is installed
 * (objdump -D -b binary -mi386:x86-64 -M intel over the image); without it
 * only the bytes are shown.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"
#include "elfcode.h"

int cmd_jit_dump(int argc, char **argv);

/* objdump's text per image offset (NULL where it said nothing). */
struct mnem {
	char **at;
	size_t len;
};

static void mnem_free(struct mnem *m)
{
	for (size_t i = 0; m->at && i < m->len; i++)
		free(m->at[i]);
	free(m->at);
}

/* Run objdump over the image; false when it is not available. */
static bool mnem_load(const uint8_t *image, size_t len, struct mnem *m)
{
	char path[] = "/tmp/bpfrt-jit-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	bool ok = write(fd, image, len) == (ssize_t)len;
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
		 "objdump -D -b binary -mi386:x86-64 -M intel '%s' 2>/dev/null", path);
	FILE *p = ok ? popen(cmd, "r") : NULL;
	m->at = p ? calloc(len, sizeof(*m->at)) : NULL;
	m->len = len;
	char line[512];
	while (p && m->at && fgets(line, sizeof(line), p)) {
		/* "  4f:\t48 89 c7             \tmov    rdi,rax" */
		char *colon = strchr(line, ':'), *end;
		unsigned long off = strtoul(line, &end, 16);
		if (!colon || end != colon || off >= len)
			continue;
		char *tab2 = strchr(colon + 2, '\t');
		if (!tab2)
			continue;
		tab2++;
		tab2[strcspn(tab2, "\n")] = '\0';
		free(m->at[off]);
		m->at[off] = strdup(tab2);
	}
	int st = p ? pclose(p) : -1;
	unlink(path);
	if (st != 0 || !m->at) {
		mnem_free(m);
		m->at = NULL;
		return false;
	}
	return true;
}

/* Bytes [lo, hi) of the image, one machine instruction per line when the
 * mnemonics are known, else 8 bytes per line. */
static void dump_range(const uint8_t *img, uint32_t lo, uint32_t hi, const struct mnem *m)
{
	uint32_t o = lo;
	while (o < hi) {
		uint32_t n = 1;
		if (m->at) {
			while (o + n < hi && !m->at[o + n])
				n++;
		} else {
			n = hi - o < 8 ? hi - o : 8;
		}
		char bytes[64] = "";
		size_t bl = 0;
		for (uint32_t i = 0; i < n && bl + 4 < sizeof(bytes); i++)
			bl += (size_t)snprintf(bytes + bl, sizeof(bytes) - bl, "%02x ", img[o + i]);
		printf("    %04" PRIx32 ":  %-33s %s\n", o, bytes, m->at && m->at[o] ? m->at[o] : "");
		o += n;
	}
}

int cmd_jit_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prog", required_argument, NULL, 'p' },
		{ "checked", no_argument, NULL, 'c' },
		{ "no-objdump", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *sel = NULL;
	bool checked = false, use_objdump = true;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":p:cnh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': sel = optarg; break;
		case 'c': checked = true; break;
		case 'n': use_objdump = false; break;
		case 'h':
			puts("usage: bpfrt jit-dump FILE [--prog NAME] [--checked] [--no-objdump]");
			return 0;
		default: return bad_option("jit-dump", c, argv);
		}
	}
	const char *path = one_file("jit-dump", argc, argv);
	if (!path)
		return EXIT_INPUT;
	cli_library_messages();

	uint8_t *buf;
	size_t len;
	if (read_file(path, &buf, &len))
		return EXIT_INPUT;
	struct bpfrt_object *obj = NULL;
	struct bpfrt_prog *prog = NULL, *own = NULL;
	struct bpfrt_insn *insns = NULL;
	const char *name = path;
	int ret = EXIT_INPUT;
	char log[1024] = "";

	if (elfcode_is_elf(buf, len)) {
		struct cli_open o = { .no_verify = true };	/* shows code, runs none */
		static struct cli_log clog;
		int e = 0;
		obj = cli_open_object(path, &o, &clog, false, &e);
		if (!obj)
			goto out;
		struct bpfrt_program *p = cli_find_program(obj, path, sel);
		if (!p)
			goto out;
		for (struct bpfrt_program *q = NULL; (q = bpfrt_object__next_program(obj, q));)
			bpfrt_program__set_autoload(q, q == p);
		e = bpfrt_object__load(obj);
		if (e) {
			cli_report_load_error(path, &clog, e);
			goto out;
		}
		prog = bpfrt_program__prog(p);
		name = bpfrt_program__name(p);
	} else {
		size_t cnt = 0;
		if (sel) {
			errmsg("%s: --prog applies only to ELF objects", path);
			goto out;
		}
		if (has_suffix(path, ".asm") || has_suffix(path, ".s")) {
			char *text = malloc(len + 1);
			if (!text)
				goto out;
			memcpy(text, buf, len);
			text[len] = '\0';
			int e = bpfrt_asm(text, &insns, &cnt, log, sizeof(log));
			free(text);
			if (e) {
				errmsg("%s: %s", path, log);
				goto out;
			}
		} else {
			if (!len || len % sizeof(struct bpfrt_insn)) {
				errmsg("%s: size %zu is not a multiple of %zu", path, len,
				       sizeof(struct bpfrt_insn));
				goto out;
			}
			insns = malloc(len);
			if (!insns)
				goto out;
			memcpy(insns, buf, len);
			cnt = len / sizeof(struct bpfrt_insn);
		}
		BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = path, .log_buf = log,
			   .log_size = sizeof(log));
		own = prog = bpfrt_prog__load_insns(insns, cnt, &lo);
		if (!prog) {
			errmsg("%s: %s", path, log);
			goto out;
		}
	}

	BPFRT_OPTS(bpfrt_jit_info, ji);
	int e = bpfrt_prog__jit_info(prog, checked, &ji);
	if (e) {
		errmsg("%s: cannot compile: %s", path, strerror(-e));
		ret = EXIT_RUNTIME;
		goto out;
	}
	size_t icnt = 0;
	const struct bpfrt_insn *pi = bpfrt_prog__insns(prog, &icnt);
	struct mnem m = { 0 };
	if (use_objdump)
		mnem_load(ji.image, ji.image_len, &m);
	printf("%s: %zu bytes of x86-64 for %zu slots (%s)%s\n", name, ji.image_len, icnt,
	       ji.checked ? "checked" : "unchecked",
	       m.at ? "" : use_objdump ? "; objdump not found, bytes only" : "");
	printf("entry and exits:\n");
	dump_range(ji.image, 0, ji.insn_cnt ? ji.insn_off[0] : (uint32_t)ji.image_len, &m);
	for (size_t i = 0; i < ji.insn_cnt;) {
		char text[128];
		int n = bpfrt_disasm_insn(pi, icnt, i, BPFRT_DISASM_KERNEL, text, sizeof(text));
		if (n < 1)
			n = 1;
		printf("%4zu: %s\n", i, text);
		dump_range(ji.image, ji.insn_off[i], ji.insn_off[i + (size_t)n], &m);
		i += (size_t)n;
	}
	if (ji.insn_cnt && ji.insn_off[ji.insn_cnt] < ji.image_len) {
		printf("per-instruction copies of the blocks (run when the budget is low):\n");
		dump_range(ji.image, ji.insn_off[ji.insn_cnt], (uint32_t)ji.image_len, &m);
	}
	mnem_free(&m);
	ret = 0;
out:
	bpfrt_prog__free(own);
	bpfrt_object__close(obj);
	free(insns);
	free(buf);
	return ret;
}
