/* SPDX-License-Identifier: MIT */
/*
 * Assembler and disassembler: the bpf_conformance programs assemble to the
 * suite's reference bytes, ASM-style disassembly reads back to identical
 * bytes (for every ISA table row and for random slots), KERNEL style matches
 * the verifier log's notation, and bad input fails with a useful message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "isa/isa.h"
#include "lib/t.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static struct bpfrt_insn slot_of(uint64_t v)
{
	struct bpfrt_insn in;
	in.code = (uint8_t)v;
	in.dst_reg = (v >> 8) & 0xf;
	in.src_reg = (v >> 12) & 0xf;
	in.off = (int16_t)(uint16_t)(v >> 16);
	in.imm = (int32_t)(uint32_t)(v >> 32);
	return in;
}

static int same(const struct bpfrt_insn *a, size_t na, const struct bpfrt_insn *b,
		size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

/* The body of section "-- NAME" of a .data file, or NULL.  malloc()ed. */
static char *section(const char *data, const char *name)
{
	char hdr[64];
	snprintf(hdr, sizeof(hdr), "-- %s\n", name);
	const char *p = data;
	while (p && strncmp(p, hdr, strlen(hdr)) != 0) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return NULL;
	p += strlen(hdr);
	const char *e = p;
	while (*e && strncmp(e, "-- ", 3) != 0) {
		const char *nl = strchr(e, '\n');
		e = nl ? nl + 1 : e + strlen(e);
	}
	char *s = malloc((size_t)(e - p) + 1);
	memcpy(s, p, (size_t)(e - p));
	s[e - p] = '\0';
	return s;
}

/* A JSON string field of one vectors.jsonl line; malloc()ed. */
static char *json_str(const char *line, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	const char *p = strstr(line, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	const char *e = strchr(p, '"');
	if (!e)
		return NULL;
	char *s = malloc((size_t)(e - p) + 1);
	memcpy(s, p, (size_t)(e - p));
	s[e - p] = '\0';
	return s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* ASM disassembly of (insns, cnt) assembles back to the same bytes. */
static void check_roundtrip(const struct bpfrt_insn *insns, size_t cnt, const char *what)
{
	char *text = bpfrt_disasm(insns, cnt, BPFRT_DISASM_ASM);
	struct bpfrt_insn *back = NULL;
	size_t nback = 0;
	char err[256];
	T_CHECK(text != NULL, "%s: disasm failed", what);
	if (!text)
		return;
	int rc = bpfrt_asm(text, &back, &nback, err, sizeof(err));
	T_CHECK(rc == 0 && same(insns, cnt, back, nback),
		"%s: round trip differs (rc %d, %s):\n%s", what, rc, rc ? err : "", text);
	free(back);
	free(text);
}

/* (a) + (b): the conformance suite. */
static void test_conformance(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/vectors.jsonl", t_conformance_dir());
	char *vec = t_read_file(path, NULL);
	if (!vec) {
		t_skip("no conformance suite at %s", path);
		return;
	}
	unsigned programs = 0, raws = 0;
	for (char *line = vec, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *name = json_str(line, "name"), *hex = json_str(line, "program");
		if (!name || !hex) {
			free(name);
			free(hex);
			continue;
		}
		snprintf(path, sizeof(path), "%s/tests/%s", t_conformance_dir(), name);
		char *data = t_read_file(path, NULL);
		char *src = data ? section(data, "asm") : NULL;
		T_CHECK(src != NULL, "%s: no -- asm section", name);

		size_t want_n = strlen(hex) / 16;
		struct bpfrt_insn *want = calloc(want_n ? want_n : 1, sizeof(*want));
		for (size_t i = 0; i < want_n * 8; i++)
			((uint8_t *)want)[i] =
				(uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));

		struct bpfrt_insn *got = NULL;
		size_t got_n = 0;
		char err[256] = "";
		int rc = src ? bpfrt_asm(src, &got, &got_n, err, sizeof(err)) : -1;
		T_CHECK(rc == 0, "%s: asm failed: %s", name, err);
		if (rc == 0) {
			programs++;
			T_CHECK(same(got, got_n, want, want_n), "%s: bytes differ", name);
			check_roundtrip(got, got_n, name);
			/* KERNEL style: one numbered line per instruction */
			char *k = bpfrt_disasm(got, got_n, BPFRT_DISASM_KERNEL);
			T_CHECK(k && strncmp(k, "0: (", 4) == 0, "%s: kernel style", name);
			free(k);

			char *raw = data ? section(data, "raw") : NULL;
			if (raw) {
				size_t i = 0;
				int ok = 1;
				for (char *p = raw; *p;) {
					char *e;
					uint64_t v = strtoull(p, &e, 0);
					if (e == p) {
						p++;
						continue;
					}
					struct bpfrt_insn s = slot_of(v);
					ok &= i < got_n && memcmp(&s, &got[i], sizeof(s)) == 0;
					i++;
					p = e;
				}
				T_CHECK(ok && i == got_n, "%s: -- raw section differs", name);
				raws++;
				free(raw);
			}
		}
		free(got);
		free(want);
		free(src);
		free(data);
		free(name);
		free(hex);
	}
	T_CHECK(programs == 313, "assembled %u conformance programs, want 313", programs);
	T_CHECK(raws >= 1, "no -- raw section checked");
	free(vec);
}

/* A valid instance of row op with random free fields, in p[0..1]. */
static void make_row_insn(int op, struct bpfrt_insn p[2], int random)
{
	const struct isa_row *r = &bpfrt_isa_rows[op];
	uint64_t x = random ? rnd() : 0;
	uint8_t dst = (uint8_t)(x % 10), src = (uint8_t)((x >> 8) % 11);
	uint8_t base = (uint8_t)((x >> 16) % 11);
	int16_t off = (int16_t)(x >> 24);
	int32_t imm = (int32_t)(x >> 32);
	memset(p, 0, 2 * sizeof(*p));
	p[0].code = r->code;
	switch (r->fmt) {
	case ISA_F_ALU_K: p[0].dst_reg = dst; p[0].imm = imm; break;
	case ISA_F_ALU_X: p[0].dst_reg = dst; p[0].src_reg = src; break;
	case ISA_F_NEG: case ISA_F_END: p[0].dst_reg = dst; break;
	case ISA_F_LDDW:
		p[0].dst_reg = dst;
		p[0].imm = imm;
		if (r->mval == 0 || r->mval == BPFRT_PSEUDO_MAP_VALUE ||
		    r->mval == BPFRT_PSEUDO_MAP_IDX_VALUE)
			p[1].imm = (int32_t)rnd();
		break;
	case ISA_F_LD_ABS: p[0].imm = imm; break;
	case ISA_F_LD_IND: p[0].src_reg = src; p[0].imm = imm; break;
	case ISA_F_LDX: p[0].dst_reg = dst; p[0].src_reg = src; p[0].off = off; break;
	case ISA_F_ST: p[0].dst_reg = base; p[0].off = off; p[0].imm = imm; break;
	case ISA_F_STX:
	case ISA_F_ATOMIC: p[0].dst_reg = base; p[0].src_reg = src; p[0].off = off; break;
	case ISA_F_JA: p[0].off = off; break;
	case ISA_F_JA32: p[0].imm = imm; break;
	case ISA_F_JMP_K: p[0].dst_reg = base; p[0].imm = imm; p[0].off = off; break;
	case ISA_F_JMP_X: p[0].dst_reg = base; p[0].src_reg = src; p[0].off = off; break;
	case ISA_F_CALL: p[0].imm = imm; break;
	case ISA_F_CALLX: p[0].dst_reg = base; break;
	default: break;
	}
	switch (r->match) {
	case ISA_M_OFF: p[0].off = (int16_t)r->mval; break;
	case ISA_M_IMM: p[0].imm = r->mval; break;
	case ISA_M_SRC: p[0].src_reg = (uint8_t)r->mval; break;
	}
}

/* (c) every row of the table round-trips. */
static void test_rows(void)
{
	for (int op = 0; op < BPFRT_OP__COUNT; op++) {
		for (int k = 0; k < 16; k++) {
			struct bpfrt_insn p[2];
			make_row_insn(op, p, k > 0);
			size_t n = (size_t)bpfrt_isa_slots(op);
			const char *why = "";
			int got = bpfrt_isa_decode(p, n, 0, &why);
			T_CHECK(got == op, "row %s: decodes as %d (%s)", bpfrt_isa_rows[op].id,
				got, got < 0 ? why : "");
			char buf[128];
			bpfrt_disasm_insn(p, n, 0, BPFRT_DISASM_ASM, buf, sizeof(buf));
			T_CHECK(strncmp(buf, ".raw", 4) != 0, "row %s: printed as %s",
				bpfrt_isa_rows[op].id, buf);
			check_roundtrip(p, n, bpfrt_isa_rows[op].id);
			int s = bpfrt_disasm_insn(p, n, 0, BPFRT_DISASM_KERNEL, buf, sizeof(buf));
			T_CHECK(s == (int)n && buf[0] == '(', "row %s: kernel style '%s'",
				bpfrt_isa_rows[op].id, buf);
		}
	}
}

/* Golden strings for both styles. */
static void test_golden(void)
{
	static const struct {
		const char *src, *asm_text, *kernel;
	} g[] = {
		{ "mov %r0, 1", "mov %r0, 1", "(b7) r0 = 1" },
		{ "mov %r1, %r2", "mov %r1, %r2", "(bf) r1 = r2" },
		{ "mov32 %r1, %r2", "mov32 %r1, %r2", "(bc) w1 = w2" },
		{ "add %r1, -8", "add %r1, -8", "(07) r1 += -8" },
		{ "ldxw %r0, [%r1+4]", "ldxw %r0, [%r1+4]", "(61) r0 = *(u32 *)(r1 +4)" },
		{ "stxdw [%r10-8], %r1", "stxdw [%r10-8], %r1", "(7b) *(u64 *)(r10 -8) = r1" },
		{ "stw [%r10-4], 1", "stw [%r10-4], 1", "(62) *(u32 *)(r10 -4) = 1" },
		{ "jeq %r1, 0, +3", "jeq %r1, 0, +3", "(15) if r1 == 0x0 goto pc+3" },
		{ "jeq32 %r1, 0x0, +3", "jeq32 %r1, 0, +3", "(16) if w1 == 0x0 goto pc+3" },
		{ "jsgt %r1, %r2, -1", "jsgt %r1, %r2, -1", "(6d) if r1 s> r2 goto pc-1" },
		{ "ja -2", "ja -2", "(05) goto pc-2" },
		{ "ja32 +70000", "ja32 +70000", "(06) gotol pc+70000" },
		{ "call 5", "call 5", "(85) call #5" },
		{ "call local +5", "call local +5", "(85) call pc+5" },
		{ "call kfunc 77", "call kfunc 77", "(85) call kernel-function#77" },
		{ "call %r2", "call %r2", "(8d) callx r2" },
		{ "exit", "exit", "(95) exit" },
		{ "lddw %r1, 0x1122334455667788", "lddw %r1, 0x1122334455667788",
		  "(18) r1 = 0x1122334455667788" },
		{ "lddw %r1, map_fd 3", "lddw %r1, map_fd 3", "(18) r1 = map[fd:3]" },
		{ "lddw %r1, map_value 3+16", "lddw %r1, map_value 3+16",
		  "(18) r1 = map[fd:3][0]+16" },
		{ "lddw %r2, map_idx_value 1-4", "lddw %r2, map_idx_value 1-4",
		  "(18) r2 = map[idx:1][0]-4" },
		{ "be16 %r0", "be16 %r0", "(dc) r0 = be16 r0" },
		{ "swap16 %r0", "bswap16 %r0", "(d7) r0 = bswap16 r0" },
		{ "lock add [%r10-8], %r1", "lock add [%r10-8], %r1",
		  "(db) lock *(u64 *)(r10 -8) += r1" },
		{ "lock or32 [%r10-8], %r1", "lock or32 [%r10-8], %r1",
		  "(c3) lock *(u32 *)(r10 -8) |= r1" },
		{ "lock fetch add [%r10-8], %r1", "lock fetch add [%r10-8], %r1",
		  "(db) r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)" },
		{ "lock fetch xor32 [%r2+4], %r3", "lock fetch xor32 [%r2+4], %r3",
		  "(c3) r3 = atomic_fetch_xor((u32 *)(r2 +4), r3)" },
		{ "lock xchg [%r10-8], %r1", "lock xchg [%r10-8], %r1",
		  "(db) r1 = atomic64_xchg((u64 *)(r10 -8), r1)" },
		{ "lock cmpxchg [%r10-8], %r1", "lock cmpxchg [%r10-8], %r1",
		  "(db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)" },
		{ "movsx864 %r0, %r1", "movsx864 %r0, %r1", "(bf) r0 = (s8)r1" },
		{ "movsx1632 %r0, %r1", "movsx1632 %r0, %r1", "(bc) w0 = (s16)w1" },
		{ "sdiv %r0, %r1", "sdiv %r0, %r1", "(3f) r0 s/= r1" },
		{ "smod32 %r0, 3", "smod32 %r0, 3", "(94) w0 s%= 3" },
		{ "neg32 %r3", "neg32 %r3", "(84) w3 = -w3" },
		{ "ldxsb %r0, [%r1]", "ldxsb %r0, [%r1+0]", "(91) r0 = *(s8 *)(r1 +0)" },
		{ "ldabsw 12", "ldabsw 12", "(20) r0 = *(u32 *)skb[12]" },
		{ "ldindh %r2, 4", "ldindh %r2, 4", "(48) r0 = *(u16 *)skb[r2 + 4]" },
		{ "mov32 %r0, 0xffffffff", "mov32 %r0, -1", "(b4) w0 = -1" },
		{ ".raw 0x00000000000000ff", ".raw 0x00000000000000ff", ".raw 0x00000000000000ff" },
	};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct bpfrt_insn *p = NULL;
		size_t n = 0;
		char err[256] = "", buf[160];
		int rc = bpfrt_asm(g[i].src, &p, &n, err, sizeof(err));
		T_CHECK(rc == 0 && n >= 1, "'%s': %s", g[i].src, err);
		if (rc == 0 && n >= 1) {
			bpfrt_disasm_insn(p, n, 0, BPFRT_DISASM_ASM, buf, sizeof(buf));
			T_CHECK(strcmp(buf, g[i].asm_text) == 0, "'%s': asm style '%s'",
				g[i].src, buf);
			bpfrt_disasm_insn(p, n, 0, BPFRT_DISASM_KERNEL, buf, sizeof(buf));
			T_CHECK(strcmp(buf, g[i].kernel) == 0, "'%s': kernel style '%s'",
				g[i].src, buf);
		}
		free(p);
	}

	/* Labels, comments, two-slot lddw in displacements, numbered kernel lines. */
	const char *prog =
		"# leading comment\n"
		"start:\n"
		"  lddw %r0, 0x100000000   # two slots\n"
		"\tja32 end\n"
		"  call local f\n"
		"  jne %r0, 15, start\n"
		"end: exit\n"
		"f:\n"
		"  lddw %r1, func f\n"
		"  exit\n";
	struct bpfrt_insn *p = NULL;
	size_t n = 0;
	char err[256] = "";
	int rc = bpfrt_asm(prog, &p, &n, err, sizeof(err));
	T_CHECK(rc == 0 && n == 9, "label program: rc %d n %zu %s", rc, n, err);
	if (rc == 0 && n == 9) {
		T_EQ_U64(p[2].imm, 2, "ja32 end");
		T_EQ_U64(p[3].imm, 2, "call local f");
		T_EQ_U64(p[4].off, -5, "jne start");
		T_EQ_U64(p[6].imm, -1, "lddw func f");
		char *k = bpfrt_disasm(p, n, BPFRT_DISASM_KERNEL);
		T_CHECK(k && strstr(k, "0: (18) r0 = 0x100000000\n2: (06) gotol pc+2\n"),
			"kernel listing:\n%s", k ? k : "(null)");
		T_CHECK(k && strstr(k, "6: (18) r1 = func pc-1\n8: (95) exit\n"),
			"kernel listing:\n%s", k ? k : "(null)");
		free(k);
		check_roundtrip(p, n, "label program");
	}
	free(p);

	/* An empty program is fine. */
	rc = bpfrt_asm("# nothing\n\n", &p, &n, err, sizeof(err));
	T_CHECK(rc == 0 && n == 0, "empty program");
	free(p);
	char one[4];
	struct bpfrt_insn ex = BPFRT_EXIT_INSN();
	T_CHECK(bpfrt_disasm_insn(&ex, 1, 1, BPFRT_DISASM_ASM, one, sizeof(one)) == -EINVAL,
		"idx out of range");
	T_CHECK(bpfrt_disasm_insn(&ex, 1, 0, BPFRT_DISASM_ASM, one, sizeof(one)) == 1 &&
		strcmp(one, "exi") == 0, "truncation");
}

/* (d) errors name the line and the bad token. */
static void test_errors(void)
{
	static const struct {
		const char *src, *msg;
	} e[] = {
		{ "mov32 %r0, 1\nmvo %r0, 1\n", "line 2: unknown mnemonic 'mvo'" },
		{ "mov %r11, 1", "line 1: register out of range '%r11'" },
		{ "mov %rx, 1", "line 1: bad register '%rx'" },
		{ "mov r1, 1", "line 1: bad register 'r1'" },
		{ "mov32 %r0, 0x100000000", "line 1: immediate out of range '0x100000000'" },
		{ "mov32 %r0, -2147483649", "line 1: immediate out of range '-2147483649'" },
		{ "mov %r0, 99999999999999999999999", "immediate out of range" },
		{ "lddw %r0, 0x10000000000000000", "line 1: immediate out of range" },
		{ "mov %r0, 12ab", "line 1: bad number '12ab'" },
		{ "ldxw %r0, [%r1+40000]", "line 1: offset out of range '+40000'" },
				{ "stw [%r1+4] 1", "line 1: expected ',' '1'" },
		{ "exit\nja nowhere\nexit", "line 2: undefined label 'nowhere'" },
		{ "a:\nexit\na:\nexit", "line 3: duplicate label 'a'" },
		{ "exit foo", "line 1: trailing junk 'foo'" },
		{ "mov %r0, 1, 2", "line 1: trailing junk ','" },
		{ "ja +40000", "line 1: jump displacement out of range '+40000'" },
		{ "mov32 %r0,", "line 1: missing operand 'mov32 %r0,'" },
		{ "ldxw %r0, [%r1+4  # no bracket", "line 1: expected ']' at end of line 'ldxw %r0, [%r1+4'" },
		{ "exit\nlock", "line 2: expected atomic operation at end of line 'lock'" },
		{ "lock foo [%r1+0], %r2", "line 1: unknown atomic operation 'foo'" },
		{ "lock fetch cmpxchg [%r1+0], %r2", "unknown atomic operation 'cmpxchg'" },
		{ "add [%r1+0], %r2", "line 1: bad register '[%r1+0'" },
		{ "movsx864 %r0, 5", "line 1: expected register '5'" },
		{ ".raw -1", "line 1: value out of range '-1'" },
		{ "lddw %r1, map_thing 3", "unknown lddw operand kind 'map_thing'" },
		{ "lddw %r1, map_value 3", "expected +offset" },
		{ "call foo", "line 1: bad call operand 'foo'" },
		{ "\n\n  %%%", "line 3: unknown mnemonic '%%%'" },
		{ "mov %r0, 0\nja exit\n", "line 2: undefined label 'exit'" },
		{ "ja32 +2147483648", "jump displacement out of range '+2147483648'" },
		{ "call local -2147483649", "jump displacement out of range '-2147483649'" },
	};
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		struct bpfrt_insn *p = (struct bpfrt_insn *)1;
		size_t n = 0;
		char err[256] = "";
		int rc = bpfrt_asm(e[i].src, &p, &n, err, sizeof(err));
		T_CHECK(rc == -EINVAL && strstr(err, e[i].msg), "'%s': rc %d, '%s', want '%s'",
			e[i].src, rc, err, e[i].msg);
	}

	/* A label too far for a 16-bit jump offset, fine for ja32. */
	size_t len = 40000 * 5 + 64;
	char *big = malloc(len);
	char *w = big + sprintf(big, "jeq %%r0, 0, far\nja32 far\n");
	for (int i = 0; i < 40000; i++)
		w += sprintf(w, "exit\n");
	strcpy(w, "far:\nexit\n");
	struct bpfrt_insn *p = NULL;
	size_t n = 0;
	char err[256] = "";
	int rc = bpfrt_asm(big, &p, &n, err, sizeof(err));
	T_CHECK(rc == -EINVAL && strstr(err, "line 1: jump displacement out of range 'far'"),
		"far label: rc %d '%s'", rc, err);
	big[0] = '#';	/* comment out the jeq: ja32 reaches */
	rc = bpfrt_asm(big, &p, &n, err, sizeof(err));
	T_CHECK(rc == 0 && n == 40002 && p[0].imm == 40000, "far ja32: rc %d '%s'", rc, err);
	free(p);
	free(big);

	/* No err_buf is fine too. */
	T_CHECK(bpfrt_asm("bogus", &p, &n, NULL, 0) == -EINVAL, "NULL err_buf");
}

/* (e) random slots, valid or not, survive disasm -> asm. */
static void test_random_slots(void)
{
	struct bpfrt_insn prog[6];
	for (int iter = 0; iter < 40000; iter++) {
		size_t n = 1 + rnd() % 6;
		for (size_t i = 0; i < n; i++) {
			uint64_t v = rnd();
			prog[i] = slot_of(v);
			switch (rnd() % 4) {
			case 0:	/* a table opcode with random fields */
				prog[i].code = bpfrt_isa_rows[rnd() % BPFRT_OP__COUNT].code;
				break;
			case 1: {	/* a valid row instance */
				struct bpfrt_insn two[2];
				make_row_insn((int)(rnd() % BPFRT_OP__COUNT), two, 1);
				prog[i] = two[0];
				if (two[0].code == 0x18 && i + 1 < n)
					prog[++i] = two[1];
				break;
			}
			case 2:	/* small register numbers, small fields */
				prog[i].dst_reg &= 7;
				prog[i].src_reg &= 7;
				prog[i].off = (int16_t)(prog[i].off % 64);
				break;
			default:
				break;
			}
		}
		check_roundtrip(prog, n, "random slots");
		char *k = bpfrt_disasm(prog, n, BPFRT_DISASM_KERNEL);
		T_CHECK(k != NULL, "kernel style of random slots");
		free(k);
	}
}

/* Mangled programs never crash the assembler and fail cleanly. */
static void test_mangled(void)
{
	static const char *const base[] = {
		"mov32 %r0, 1\nldxw %r1, [%r2+4]\nstxdw [%r10-8], %r1\nL1:\njeq %r1, 0x5, L1\n",
		"lock fetch add32 [%r10-4], %r1\ncall local f\nf:\nlddw %r1, map_value 3+16\n",
		"lddw %r0, 0x1122334455667788\nja32 +1\n.raw 0x0000000000000095\nexit\n",
	};
	static const char junk[] = "%r[]+-,:#x0123456789 \n\tabcdefl.";
	char buf[256], err[64];
	for (int iter = 0; iter < 30000; iter++) {
		const char *b = base[rnd() % 3];
		size_t len = strlen(b);
		memcpy(buf, b, len + 1);
		for (int k = 0; k < 1 + (int)(rnd() % 4); k++) {
			size_t at = rnd() % len;
			switch (rnd() % 3) {
			case 0: buf[at] = junk[rnd() % (sizeof(junk) - 1)]; break;
			case 1: buf[at] = (char)(1 + rnd() % 255); break;
			default: buf[at] = '\0'; len = at ? at : 1; break;
			}
		}
		struct bpfrt_insn *p = NULL;
		size_t n = 0;
		int rc = bpfrt_asm(buf, &p, &n, err, sizeof(err));
		if (rc == 0)
			free(p);
		else if (rc != -EINVAL || strncmp(err, "line ", 5) != 0)
			T_CHECK(0, "mangled input: rc %d '%s'", rc, err);
	}
	t_passed++;
}

int main(void)
{
	test_conformance();
	test_rows();
	test_golden();
	test_errors();
	test_random_slots();
	test_mangled();
	return t_done("asm");
}
