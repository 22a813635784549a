/* SPDX-License-Identifier: MIT */
/*
 * Relocation and linking of one program.
 *
 * The program's own function is copied first; every function it reaches
 * through a bpf-to-bpf call or a callback address (lddw of a function) is
 * appended once, after it, and processed in turn, so the result is one
 * self-contained instruction stream as the kernel expects: call imm and the
 * callback lddw imm are relative to the next instruction.  Line and func
 * info travel with the code they describe.
 *
 * Symbol arithmetic is the same for clang's old and new relocation ABI:
 * lddw targets are at st_value + the instruction's imm (the imm holds the
 * offset into the section when the relocation is against a section
 * symbol), call targets at st_value / 8 + imm + 1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gelf.h>

#include "core/common.h"
#include "loader.h"

#define LDDW_CODE	(BPFRT_LD | BPFRT_DW | BPFRT_IMM)
#define CALL_CODE	(BPFRT_JMP | BPFRT_CALL)
#define MAX_LINKED	(1u << 20)

struct placed {
	struct lfunc *f;
	size_t base;
};

struct lctx {
	struct bpfrt_object *obj;
	struct bpfrt_insn *buf;
	size_t cnt, cap;
	struct placed *pl;
	size_t npl, plcap;
	struct line_rec *lines;
	size_t nl;
	struct func_rec *funcs;
	size_t nf;
};

static long place(struct lctx *c, struct lfunc *f)
{
	for (size_t i = 0; i < c->npl; i++)
		if (c->pl[i].f == f)
			return (long)c->pl[i].base;
	const struct lsec *sec = &c->obj->secs[f->sec];
	if (c->cnt + f->cnt > MAX_LINKED) {
		lo_err(c->obj, f->sec, f->start, "linked program exceeds %u instructions", MAX_LINKED);
		return -E2BIG;
	}
	if (c->cnt + f->cnt > c->cap) {
		size_t ncap = (c->cnt + f->cnt) * 2;
		struct bpfrt_insn *nb = realloc(c->buf, ncap * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		c->buf = nb;
		c->cap = ncap;
	}
	if (c->npl == c->plcap) {
		size_t ncap = c->plcap ? c->plcap * 2 : 8;
		struct placed *np = realloc(c->pl, ncap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		c->pl = np;
		c->plcap = ncap;
	}
	size_t base = c->cnt;
	memcpy(c->buf + base, sec->work + f->start, f->cnt * sizeof(*c->buf));
	c->cnt += f->cnt;
	c->pl[c->npl++] = (struct placed){ f, base };

	size_t nl = 0, nf = 0;
	for (size_t i = 0; i < sec->line_cnt; i++)
		nl += sec->lines[i].insn >= f->start && sec->lines[i].insn < f->start + f->cnt;
	for (size_t i = 0; i < sec->func_cnt; i++)
		nf += sec->funcs[i].insn >= f->start && sec->funcs[i].insn < f->start + f->cnt;
	if (nl) {
		struct line_rec *n = realloc(c->lines, (c->nl + nl) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->lines = n;
		for (size_t i = 0; i < sec->line_cnt; i++) {
			struct line_rec l = sec->lines[i];
			if (l.insn < f->start || l.insn >= f->start + f->cnt)
				continue;
			l.insn = (uint32_t)(l.insn - f->start + base);
			c->lines[c->nl++] = l;
		}
	}
	if (nf) {
		struct func_rec *n = realloc(c->funcs, (c->nf + nf) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->funcs = n;
		for (size_t i = 0; i < sec->func_cnt; i++) {
			struct func_rec r = sec->funcs[i];
			if (r.insn < f->start || r.insn >= f->start + f->cnt)
				continue;
			r.insn = (uint32_t)(r.insn - f->start + base);
			c->funcs[c->nf++] = r;
		}
	}
	return (long)base;
}

/*
 * Point the call or callback lddw at slot j of placed function k (section
 * slot i) at section slot tidx of section tsec.  Returns 0 or -errno.
 */
static int link_target(struct lctx *c, size_t k, size_t j, uint32_t tsec, int64_t tidx,
		       const char *what)
{
	struct bpfrt_object *obj = c->obj;
	struct lfunc *f = c->pl[k].f;
	size_t i = f->start + j;
	const struct lsec *ts = &obj->secs[tsec];
	if (tidx < 0 || (uint64_t)tidx >= ts->insn_cnt) {
		lo_err(obj, f->sec, i, "%s target %lld outside section '%s'", what,
		       (long long)tidx, ts->name);
		return -EINVAL;
	}
	struct lfunc *tf = lo_find_func(obj, tsec, (size_t)tidx);
	long tbase;
	if (!tf) {
		/* A target inside this very function without its own symbol
		 * (hand-written code): the displacement is already right. */
		if (tsec == f->sec && (size_t)tidx >= f->start && (size_t)tidx < f->start + f->cnt) {
			tbase = (long)(c->pl[k].base + ((size_t)tidx - f->start));
		} else {
			lo_err(obj, f->sec, i, "%s target insn %lld of section '%s' is not the start of a function",
			       what, (long long)tidx, ts->name);
			return -EINVAL;
		}
	} else {
		tbase = place(c, tf);
		if (tbase < 0)
			return (int)tbase;
	}
	int64_t disp = (int64_t)tbase - (int64_t)(c->pl[k].base + j) - 1;
	c->buf[c->pl[k].base + j].imm = (int32_t)disp;
	return 0;
}

static int reloc_lddw(struct lctx *c, size_t k, size_t j, const struct lrel *r)
{
	struct bpfrt_object *obj = c->obj;
	struct lfunc *f = c->pl[k].f;
	size_t i = f->start + j;
	const struct lsym *s = &obj->syms[r->sym];
	if (r->type != R_BPF_64_64) {
		lo_err(obj, f->sec, i, "relocation type %u on lddw (want R_BPF_64_64) against '%s'",
		       r->type, s->name);
		return -EINVAL;
	}
	if (s->shndx == SHN_UNDEF || s->shndx >= obj->sec_cnt) {
		lo_err(obj, f->sec, i, "relocation against unknown symbol '%s'", s->name);
		return -EINVAL;
	}
	const struct lsec *ts = &obj->secs[s->shndx];
	struct bpfrt_insn *in = &c->buf[c->pl[k].base + j];
	switch (ts->kind) {
	case LSEC_MAPS:
	case LSEC_LEGACY_MAPS: {
		int idx = lo_map_index_by_sym(obj, s, in->imm);
		if (idx < 0) {
			lo_err(obj, f->sec, i, "relocation against '%s' which is not a map", s->name);
			return -EINVAL;
		}
		in[0].src_reg = BPFRT_PSEUDO_MAP_IDX;
		in[0].imm = idx;
		in[1].imm = 0;
		return 0;
	}
	case LSEC_DATA:
	case LSEC_RODATA:
	case LSEC_BSS: {
		uint64_t off = s->value + (uint64_t)(int64_t)in->imm;
		int idx = ts->data_map ? lo_map_index_by_sym(obj, s, 0) : -1;
		if (idx < 0 || off > ts->size) {
			lo_err(obj, f->sec, i, "relocation against '%s' at offset %lld outside '%s'",
			       s->name, (long long)off, ts->name);
			return -EINVAL;
		}
		in[0].src_reg = BPFRT_PSEUDO_MAP_IDX_VALUE;
		in[0].imm = idx;
		in[1].imm = (int32_t)off;
		return 0;
	}
	case LSEC_PROG:
	case LSEC_TEXT: {
		uint64_t off = s->value + (uint64_t)(int64_t)in->imm;
		if (off % 8) {
			lo_err(obj, f->sec, i, "callback address '%s'+%d is not instruction aligned",
			       s->name, in->imm);
			return -EINVAL;
		}
		in[0].src_reg = BPFRT_PSEUDO_FUNC;
		in[1].imm = 0;
		return link_target(c, k, j, s->shndx, (int64_t)(off / 8), "callback");
	}
	default:
		lo_err(obj, f->sec, i, "relocation against '%s' in section '%s' that bpfrt cannot resolve",
		       s->name, ts->name);
		return -ENOTSUP;
	}
}

static int process(struct lctx *c, size_t k)
{
	struct bpfrt_object *obj = c->obj;
	struct lfunc *f = c->pl[k].f;
	const struct lsec *sec = &obj->secs[f->sec];
	for (size_t j = 0; j < f->cnt; j++) {
		size_t i = f->start + j;
		/* c->buf may move as functions are appended: index afresh. */
		struct bpfrt_insn in = c->buf[c->pl[k].base + j];
		const struct lrel *r = sec->rel_at[i] >= 0 ? &sec->rels[sec->rel_at[i]] : NULL;
		bool lddw = in.code == LDDW_CODE;
		int err = 0;
		if (lddw && j + 1 >= f->cnt) {
			lo_err(obj, f->sec, i, "lddw without its second slot at the end of '%s'", f->name);
			return -EINVAL;
		}
		if (r && lddw) {
			err = reloc_lddw(c, k, j, r);
		} else if (r && in.code == CALL_CODE) {
			const struct lsym *s = &obj->syms[r->sym];
			if (in.src_reg != BPFRT_PSEUDO_CALL || s->shndx == SHN_UNDEF ||
			    s->shndx >= obj->sec_cnt) {
				lo_err(obj, f->sec, i, "call to extern or kernel function '%s' is not supported",
				       s->name);
				return -ENOTSUP;
			}
			if (r->type != R_BPF_64_32) {
				lo_err(obj, f->sec, i, "relocation type %u on call (want R_BPF_64_32) against '%s'",
				       r->type, s->name);
				return -EINVAL;
			}
			const struct lsec *ts = &obj->secs[s->shndx];
			if (ts->kind != LSEC_TEXT && ts->kind != LSEC_PROG) {
				lo_err(obj, f->sec, i, "call to '%s' in non-code section '%s'", s->name,
				       ts->name);
				return -EINVAL;
			}
			if (s->value % 8) {
				lo_err(obj, f->sec, i, "call to misaligned symbol '%s'", s->name);
				return -EINVAL;
			}
			err = link_target(c, k, j, s->shndx,
					  (int64_t)(s->value / 8) + in.imm + 1, "call");
		} else if (r) {
			lo_err(obj, f->sec, i,
			       "relocation against '%s' on an instruction that is neither lddw nor call (opcode 0x%02x)",
			       lo_sym_name(obj, r->sym), in.code);
			return -EINVAL;
		} else if (in.code == CALL_CODE && in.src_reg == BPFRT_PSEUDO_CALL) {
			err = link_target(c, k, j, f->sec, (int64_t)i + in.imm + 1, "call");
		} else if (lddw && in.src_reg == BPFRT_PSEUDO_FUNC) {
			err = link_target(c, k, j, f->sec, (int64_t)i + in.imm + 1, "callback");
		}
		if (err)
			return err;
		if (lddw)
			j++;
	}
	return 0;
}

int lo_link_program(struct bpfrt_object *obj, struct bpfrt_program *prog)
{
	struct lctx c = { .obj = obj };
	long b = place(&c, prog->func);
	int err = b < 0 ? (int)b : 0;
	for (size_t k = 0; !err && k < c.npl; k++)
		err = process(&c, k);
	free(c.pl);
	if (err) {
		free(c.buf);
		free(c.lines);
		free(c.funcs);
		return err;
	}
	free(prog->insns);
	free(prog->lines);
	free(prog->funcs);
	prog->insns = c.buf;
	prog->insn_cnt = c.cnt;
	prog->lines = c.lines;
	prog->line_cnt = c.nl;
	prog->funcs = c.funcs;
	prog->func_cnt = c.nf;
	prog->linked = true;
	return 0;
}
