/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the assembler and the disassembler.
 *
 * Every input is used twice:
 *  1. as assembler text: whatever bpfrt_asm() accepts must survive
 *     disassembly in ASM style and reassembly bit for bit;
 *  2. as raw instruction slots: bpfrt_disasm() must print anything in both
 *     styles, and its ASM output must reassemble to the very same slots
 *     (invalid slots print as ".raw", which is defined to read back).
 * bpfrt_disasm_insn() is also called with small buffers, which must hold a
 * NUL-terminated prefix of the full text.
 * Sanitizers catch memory errors and leaks; a broken round trip aborts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"

#define MAX_TEXT	(64 * 1024)
#define MAX_SLOTS	1024

static void dump(const char *what, const struct bpfrt_insn *insns, size_t cnt)
{
	fprintf(stderr, "%s (%zu slots):\n", what, cnt);
	for (size_t i = 0; i < cnt; i++) {
		uint64_t raw;
		memcpy(&raw, &insns[i], sizeof(raw));
		fprintf(stderr, "  %4zu: %016" PRIx64 "\n", i, raw);
	}
}

/* insns must reassemble from their ASM-style disassembly to the same bytes. */
static void round_trip(const struct bpfrt_insn *insns, size_t cnt, const char *origin)
{
	char *text = bpfrt_disasm(insns, cnt, BPFRT_DISASM_ASM);
	if (!text) {
		fprintf(stderr, "bpfrt_disasm(ASM) failed on %s\n", origin);
		dump("input", insns, cnt);
		abort();
	}
	struct bpfrt_insn *again = NULL;
	size_t again_cnt = 0;
	char err[256] = "";
	int rc = bpfrt_asm(text, &again, &again_cnt, err, sizeof(err));
	if (rc || again_cnt != cnt || (cnt && memcmp(again, insns, cnt * sizeof(*insns)))) {
		fprintf(stderr, "round trip of %s broken: bpfrt_asm rc %d (%s)\n"
				"disassembly:\n%s\n", origin, rc, err, text);
		dump("original", insns, cnt);
		if (!rc)
			dump("reassembled", again, again_cnt);
		abort();
	}
	free(again);
	free(text);
}

/* Truncated output must be a NUL-terminated prefix of the full line. */
static void small_buffers(const struct bpfrt_insn *insns, size_t cnt, size_t idx,
			  enum bpfrt_disasm_style style)
{
	char full[512], small[16];
	int n = bpfrt_disasm_insn(insns, cnt, idx, style, full, sizeof(full));
	if (n != 1 && n != 2) {
		fprintf(stderr, "bpfrt_disasm_insn(idx %zu of %zu) = %d\n", idx, cnt, n);
		abort();
	}
	for (size_t sz = 1; sz <= sizeof(small); sz += 5) {
		memset(small, 'x', sizeof(small));
		int m = bpfrt_disasm_insn(insns, cnt, idx, style, small, sz);
		if (m != n || memchr(small, '\0', sz) == NULL ||
		    strncmp(small, full, sz - 1) != 0) {
			fprintf(stderr, "bpfrt_disasm_insn with a %zu-byte buffer: '%.*s' vs '%s'\n",
				sz, (int)sz, small, full);
			abort();
		}
	}
	/* Out of range is an error, not a read past the end. */
	if (bpfrt_disasm_insn(insns, cnt, cnt, style, full, sizeof(full)) != -22) {
		fprintf(stderr, "bpfrt_disasm_insn(idx == cnt) did not fail with -EINVAL\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[MAX_TEXT + 1];
	static struct bpfrt_insn slots[MAX_SLOTS];

	/* 1: text. */
	size_t tlen = size < MAX_TEXT ? size : MAX_TEXT;
	memcpy(text, data, tlen);
	text[tlen] = '\0';
	struct bpfrt_insn *insns = NULL;
	size_t cnt = 0;
	char err[256];
	if (bpfrt_asm(text, &insns, &cnt, err, sizeof(err)) == 0) {
		round_trip(insns, cnt, "assembled text");
		char *k = bpfrt_disasm(insns, cnt, BPFRT_DISASM_KERNEL);
		free(k);
		free(insns);
	} else if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
		fprintf(stderr, "bpfrt_asm failed without a message\n");
		abort();
	}

	/* 2: slots. */
	cnt = size / sizeof(struct bpfrt_insn);
	if (cnt > MAX_SLOTS)
		cnt = MAX_SLOTS;
	if (!cnt)
		return 0;
	memcpy(slots, data, cnt * sizeof(struct bpfrt_insn));
	char *k = bpfrt_disasm(slots, cnt, BPFRT_DISASM_KERNEL);
	if (!k) {
		fprintf(stderr, "bpfrt_disasm(KERNEL) failed\n");
		abort();
	}
	free(k);
	round_trip(slots, cnt, "raw slots");
	/* A few positions, not all: the quadratic cost would slow the fuzzer. */
	for (size_t idx = 0; idx < cnt && idx < 8; idx++) {
		small_buffers(slots, cnt, idx, BPFRT_DISASM_ASM);
		small_buffers(slots, cnt, idx, BPFRT_DISASM_KERNEL);
	}
	return 0;
}
