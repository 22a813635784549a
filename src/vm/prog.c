/* SPDX-License-Identifier: MIT */
/*
 * Program loading: validate every slot against the ISA table, check the
 * control flow that needs the whole program (jump and call targets, falling
 * off a function, static call depth), and pre-decode into struct vm_insn.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/registry.h"
#include "ctx/ctx.h"
#include "helpers/helpers.h"
#include "maps/map_internal.h"
#include "jit/jit.h"
#include "verifier/verifier.h"
#include "vm.h"

/* Programs are indexed with int32 displacements; the kernel's own limit is
 * 1M instructions, so this is generous. */
#define VM_MAX_SLOTS	(1u << 24)
/* Above this largest id, callx looks helpers up linearly instead of through
 * a dense table. */
#define VM_DENSE_HELPER_IDS	4096

/* The interpreter dispatches on a byte and keeps slots 16 bytes apart. */
_Static_assert(BPFRT_OP__COUNT < 256, "op ids must fit vm_insn.op");
_Static_assert(sizeof(struct vm_insn) == 16, "vm_insn is one 16-byte slot");

struct loader {
	const struct bpfrt_insn *insns;
	size_t cnt;
	int *ops;		/* decoded op per slot, -1 for lddw's 2nd slot */
	int32_t *func_of;	/* function index of each slot */
	size_t *func_start;	/* start slot of each function, ascending */
	size_t func_cnt;
	/* call-graph walk state per function */
	uint8_t *color;		/* 0 new, 1 on the walk's path, 2 done */
	uint8_t *height;	/* frames used by the function and its callees */
	char *log;
	size_t log_size;
	struct bpfrt_map *const *maps;	/* opts.maps */
	size_t map_cnt;
	enum bpfrt_prog_type type;
};

static void load_err(struct loader *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void load_err(struct loader *l, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bpfrt_errf(l->log, l->log_size, "%s", msg);
	pr_debug("load: %s\n", msg);
}

static const char *pseudo_name(int src)
{
	switch (src) {
	case BPFRT_PSEUDO_MAP_FD: return "map fd";
	case BPFRT_PSEUDO_MAP_VALUE: return "map value";
	case BPFRT_PSEUDO_BTF_ID: return "btf id";
	case BPFRT_PSEUDO_FUNC: return "func";
	case BPFRT_PSEUDO_MAP_IDX: return "map idx";
	case BPFRT_PSEUDO_MAP_IDX_VALUE: return "map idx value";
	default: return "?";
	}
}

static const struct bpfrt_helper_def *find_helper(const struct bpfrt_helper_def *h,
						  size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (h[i].id == id)
			return &h[i];
	return NULL;
}

int32_t bpfrt_vm_helper_index(const struct bpfrt_prog *prog, uint64_t id)
{
	if (prog->helper_by_id)
		return id < prog->helper_by_id_len ? prog->helper_by_id[id] : -1;
	const struct bpfrt_helper_def *h = find_helper(prog->helpers, prog->helper_cnt, id);
	return h ? (int32_t)(h - prog->helpers) : -1;
}

/* Target slot of a jump or local call at idx, validated. */
static int check_target(struct loader *l, size_t idx, int64_t disp, const char *what,
			size_t *out)
{
	int64_t t = (int64_t)idx + 1 + disp;
	if (t < 0 || t >= (int64_t)l->cnt) {
		load_err(l, "insn %zu: %s out of range (target %lld, program has %zu slots)",
			 idx, what, (long long)t, l->cnt);
		return -EINVAL;
	}
	if (l->ops[t] < 0) {
		load_err(l, "insn %zu: %s into the second slot of lddw at insn %lld",
			 idx, what, (long long)t - 1);
		return -EINVAL;
	}
	*out = (size_t)t;
	return 0;
}

/* Does control continue past the end of [.., end) when it reaches end - 1?
 * The last instruction of a function must be exit or an unconditional jump. */
static int ends_function(struct loader *l, size_t end)
{
	size_t last = end - 1;
	if (last > 0 && l->ops[last] < 0)
		last--;		/* lddw ending a function falls through */
	int op = l->ops[last];
	if (op == BPFRT_OP_EXIT || op == BPFRT_OP_JA || op == BPFRT_OP_JA32)
		return 0;
	if (end == l->cnt)
		load_err(l, "insn %zu: program falls off its end (last instruction "
			 "must be exit or ja) (code 0x%02x)", last, l->insns[last].code);
	else
		load_err(l, "insn %zu: falls through into function at insn %zu (code 0x%02x)",
			 last, end, l->insns[last].code);
	return -EINVAL;
}

/* Frames used by function f and its callees, whose first frame is frame
 * number `depth` (1 for the main program).  Reports the call that makes
 * frame BPFRT_MAX_CALL_FRAMES + 1 or that closes a cycle. */
static int walk_calls(struct loader *l, size_t f, unsigned depth)
{
	size_t start = l->func_start[f];
	size_t end = f + 1 < l->func_cnt ? l->func_start[f + 1] : l->cnt;
	unsigned h = 1;

	l->color[f] = 1;
	for (size_t i = start; i < end; i++) {
		/* A callback (lddw PSEUDO_FUNC) runs on a frame below the
		 * helper's caller, so it counts like a local call. */
		bool cb = l->ops[i] == BPFRT_OP_LDDW_FUNC;
		if (l->ops[i] != BPFRT_OP_CALL_LOCAL && !cb)
			continue;
		size_t t = (size_t)((int64_t)i + 1 + l->insns[i].imm);
		size_t g = (size_t)l->func_of[t];
		if (l->color[g] == 1) {
			load_err(l, "insn %zu: recursive call (function at insn %zu calls "
				 "itself through this call)", i, l->func_start[g]);
			return -EINVAL;
		}
		if (depth + 1 > BPFRT_MAX_CALL_FRAMES) {
			load_err(l, "insn %zu: call depth exceeds %d frames", i,
				 BPFRT_MAX_CALL_FRAMES);
			return -EINVAL;
		}
		/* A function already walked from a shallower depth may still be
		 * too deep from here: walk it again (bounded by the frame limit)
		 * so the message names the innermost offending call. */
		if (l->color[g] == 0 || depth + l->height[g] > BPFRT_MAX_CALL_FRAMES) {
			int err = walk_calls(l, g, depth + 1);
			if (err)
				return err;
		}
		if (1u + l->height[g] > h)
			h = 1u + l->height[g];
	}
	l->color[f] = 2;
	l->height[f] = (uint8_t)h;
	return 0;
}

/* lddw forms: plain 64-bit immediates, and the resolved references the
 * ELF loader emits (map by index, map value by index + offset, callback). */
static int check_lddw(struct loader *l, size_t i)
{
	const struct bpfrt_insn *in = &l->insns[i];
	switch (in->src_reg) {
	case 0:
	case BPFRT_PSEUDO_FUNC:		/* target checked in pass 2 */
		return 0;
	case BPFRT_PSEUDO_MAP_IDX:
	case BPFRT_PSEUDO_MAP_IDX_VALUE:
		if ((uint32_t)in->imm >= l->map_cnt || !l->maps[(uint32_t)in->imm]) {
			load_err(l, "insn %zu: lddw refers to map index %u, but the program "
				 "has %zu maps", i, (uint32_t)in->imm, l->map_cnt);
			return -EINVAL;
		}
		if (in->src_reg == BPFRT_PSEUDO_MAP_IDX_VALUE) {
			struct bpfrt_map *m = l->maps[(uint32_t)in->imm];
			uint32_t off = (uint32_t)in[1].imm;
			/* The kernel's array_map_direct_value_addr: one-element
			 * arrays, offset inside the value. */
			if (m->type != BPFRT_MAP_TYPE_ARRAY || m->max_entries != 1) {
				load_err(l, "insn %zu: direct value access to map '%s', which is "
					 "not a one-element array", i, m->name);
				return -EINVAL;
			}
			if (off >= m->value_size) {
				load_err(l, "insn %zu: direct value offset %u is outside map '%s' "
					 "(value_size %u)", i, off, m->name, m->value_size);
				return -EINVAL;
			}
		}
		return 0;
	default:
		load_err(l, "insn %zu: lddw src_reg=%d (%s) must be resolved by the ELF loader",
			 i, in->src_reg, pseudo_name(in->src_reg));
		return -EINVAL;
	}
}

/* Say which helper the program wanted, by its kernel name when there is one. */
static void unknown_helper(struct loader *l, size_t i, uint32_t id)
{
	const char *name = bpfrt__kernel_helper_name(id);
	/* Raw programs get the caller's helpers, whatever bpfrt implements. */
	if (!name || l->type == BPFRT_PROG_TYPE_UNSPEC) {
		if (name)
			load_err(l, "insn %zu: unknown helper id %u (the kernel's bpf_%s)", i, id,
				 name);
		else
			load_err(l, "insn %zu: unknown helper id %u", i, id);
		return;
	}
	if (bpfrt__helper_implemented(id))
		load_err(l, "insn %zu: calls helper bpf_%s (id %u), which is not available to "
			 "%s programs", i, name, id, bpfrt_prog_type_str(l->type));
	else
		load_err(l, "insn %zu: calls helper bpf_%s (id %u), which bpfrt does not "
			 "implement", i, name, id);
}

static int validate(struct loader *l, const struct bpfrt_helper_def *helpers,
		    size_t helper_cnt)
{
	const struct bpfrt_insn *in = l->insns;
	size_t cnt = l->cnt;
	int err;

	/* Pass 1: decode each slot; mark function starts. */
	for (size_t i = 0; i < cnt; i++)
		l->func_of[i] = 0;
	l->func_of[0] = 1;	/* function-start marks, turned into ids below */
	for (size_t i = 0; i < cnt; i++) {
		const char *why = NULL;
		int op = bpfrt_isa_decode(in, cnt, i, &why);
		if (op < 0) {
			load_err(l, "insn %zu: %s (code 0x%02x)", i, why, in[i].code);
			return -EINVAL;
		}
		l->ops[i] = op;
		if (bpfrt_isa_slots(op) == 2) {
			l->ops[++i] = -1;
			err = check_lddw(l, i - 1);
			if (err)
				return err;
		}
	}

	/* Pass 2: call targets and helpers (function starts are needed before
	 * jumps can be checked against function boundaries). */
	for (size_t i = 0; i < cnt; i++) {
		size_t t;
		switch (l->ops[i]) {
		case BPFRT_OP_CALL_LOCAL:
			err = check_target(l, i, in[i].imm, "call", &t);
			if (err)
				return err;
			l->func_of[t] = 1;
			break;
		case BPFRT_OP_LDDW_FUNC:
			err = check_target(l, i, in[i].imm, "lddw src_reg=4 (func) target", &t);
			if (err)
				return err;
			l->func_of[t] = 1;
			break;
		case BPFRT_OP_CALL:
			if (!find_helper(helpers, helper_cnt, (uint32_t)in[i].imm)) {
				unknown_helper(l, i, (uint32_t)in[i].imm);
				return -EINVAL;
			}
			break;
		case BPFRT_OP_CALL_KFUNC:
			load_err(l, "insn %zu: kfunc calls are not supported (code 0x%02x)", i,
				 in[i].code);
			return -EINVAL;
		default:
			break;
		}
	}
	l->func_cnt = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (l->func_of[i])
			l->func_start[l->func_cnt++] = i;
		l->func_of[i] = (int32_t)l->func_cnt - 1;
	}

	/* Pass 3: jumps stay inside their function (as in the kernel: a frame
	 * belongs to one function); no function falls into the next. */
	for (size_t i = 0; i < cnt; i++) {
		int op = l->ops[i];
		size_t t;
		if (op < 0 || !bpfrt_isa_is_jump(op))
			continue;
		err = check_target(l, i, bpfrt_isa_jump_disp(op, &in[i]), "jump", &t);
		if (err)
			return err;
		if (l->func_of[t] != l->func_of[i]) {
			load_err(l, "insn %zu: jump out of its function to insn %zu (code 0x%02x)",
				 i, t, in[i].code);
			return -EINVAL;
		}
	}
	for (size_t f = 0; f < l->func_cnt; f++) {
		size_t end = f + 1 < l->func_cnt ? l->func_start[f + 1] : cnt;
		err = ends_function(l, end);
		if (err)
			return err;
	}

	/* Pass 4: static call depth and recursion, from the entry point. */
	return walk_calls(l, 0, 1);
}

static void predecode(struct bpfrt_prog *p, const int *ops)
{
	for (size_t i = 0; i < p->cnt; i++)
		if (ops[i] == BPFRT_OP_CALL_LOCAL ||
		    ops[i] == BPFRT_OP_LDDW_FUNC) {
			size_t t = (size_t)((int64_t)i + 1 + p->insns[i].imm);
			p->func_start[t / 8] |= (uint8_t)(1u << (t % 8));
		}
	p->func_start[0] |= 1;
	for (size_t i = 0; i < p->cnt; i++) {
		const struct bpfrt_insn *in = &p->insns[i];
		struct vm_insn *v = &p->code[i];
		memset(v, 0, sizeof(*v));
		if (ops[i] < 0) {
			v->op = BPFRT_OP__COUNT;	/* never reached: checked above */
			continue;
		}
		int op = ops[i];
		v->op = (uint8_t)op;
		v->dst = in->dst_reg;
		v->src = in->src_reg;
		v->off = in->off;
		v->imm = (uint64_t)(int64_t)in->imm;
		if (bpfrt_isa_is_jump(op))
			v->off = (int32_t)(1 + bpfrt_isa_jump_disp(op, in));
		switch (op) {
		case BPFRT_OP_CALL_LOCAL:
			v->off = 1 + in->imm;
			break;
		case BPFRT_OP_CALL:
			v->imm = (uint64_t)bpfrt_vm_helper_index(p, (uint32_t)in->imm);
			break;
		case BPFRT_OP_LDDW:
		case BPFRT_OP_LDDW_MAP_IDX:
		case BPFRT_OP_LDDW_MAP_IDX_VALUE:
		case BPFRT_OP_LDDW_FUNC:
			switch (in->src_reg) {
			case BPFRT_PSEUDO_MAP_IDX:	/* the map handle helpers take */
				v->imm = (uint64_t)(uintptr_t)p->maps[(uint32_t)in->imm];
				break;
			case BPFRT_PSEUDO_MAP_IDX_VALUE:
				v->imm = (uint64_t)(uintptr_t)bpfrt_map__mmap(
						 p->maps[(uint32_t)in->imm]) + (uint32_t)in[1].imm;
				break;
			case BPFRT_PSEUDO_FUNC:	/* callback: address of its first slot */
				v->imm = (uint64_t)(uintptr_t)&p->code[(int64_t)i + 1 + in->imm];
				break;
			default:
				v->imm = (uint64_t)(uint32_t)in->imm |
					 (uint64_t)(uint32_t)in[1].imm << 32;
				break;
			}
			break;
		default:
			break;
		}
	}
}

static int copy_helpers(struct bpfrt_prog *p, const struct bpfrt_helper_def *h,
			size_t n, struct loader *l)
{
	uint32_t max_id = 0;
	if (n && !h) {
		load_err(l, "helper_cnt is %zu but helpers is NULL", n);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!h[i].fn) {
			load_err(l, "helper id %u has no function", h[i].id);
			return -EINVAL;
		}
		if (find_helper(h, i, h[i].id)) {
			load_err(l, "helper id %u is defined twice", h[i].id);
			return -EINVAL;
		}
		if (h[i].id > max_id)
			max_id = h[i].id;
	}
	if (n) {
		p->helpers = malloc(n * sizeof(*h));
		if (!p->helpers)
			return -ENOMEM;
		memcpy(p->helpers, h, n * sizeof(*h));
		p->helper_cnt = n;
		if (max_id < VM_DENSE_HELPER_IDS) {
			p->helper_by_id_len = max_id + 1;
			p->helper_by_id = malloc(p->helper_by_id_len * sizeof(int32_t));
			if (!p->helper_by_id)
				return -ENOMEM;
			for (uint32_t i = 0; i <= max_id; i++)
				p->helper_by_id[i] = -1;
			for (size_t i = 0; i < n; i++)
				p->helper_by_id[h[i].id] = (int32_t)i;
		}
	}
	return 0;
}

static void *prog_ref_get(void *p) { return bpfrt__prog_get(p); }
static void prog_ref_put(void *p) { bpfrt__prog_put(p); }
static const struct bpfrt_obj_ref_ops prog_ref_ops = { prog_ref_get, prog_ref_put };

/* Prog arrays drop their program references through these ops. */
static pthread_once_t ref_ops_once = PTHREAD_ONCE_INIT;
static void set_ref_ops(void) { bpfrt__map_set_prog_ref_ops(&prog_ref_ops); }

/* Copy opts.maps with references, and note the value memory of each map
 * that has it so checked runs let the program at it. */
static int take_maps(struct bpfrt_prog *p, struct bpfrt_map *const *maps, size_t n)
{
	if (!n)
		return 0;
	p->maps = calloc(n, sizeof(*p->maps));
	p->map_held = calloc(n, sizeof(*p->map_held));
	p->static_regions = calloc(n, sizeof(*p->static_regions));
	if (!p->maps || !p->map_held || !p->static_regions)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct bpfrt_map *m = maps[i];
		if (!m)
			continue;
		p->map_held[i] = m->type != BPFRT_MAP_TYPE_PROG_ARRAY;
		if (p->map_held[i])
			bpfrt_map__get(m);
		p->maps[i] = m;	/* indices are the lddw's: keep holes */
		p->map_cnt = i + 1;
		if (m->type == BPFRT_MAP_TYPE_ARRAY) {
			uint8_t *v = bpfrt_map__mmap(m);
			if (v)
				p->static_regions[p->static_cnt++] = (struct vm_region){
					.lo = (uintptr_t)v,
					.hi = (uintptr_t)v + (uint64_t)m->max_entries * m->elem_size,
					.kind = VM_REG_MAPVAL,
					.writable = !(m->map_flags & BPFRT_F_RDONLY_PROG),
				};
		}
	}
	return 0;
}

/* The verifier (src/verifier), when opts ask for it: STRICT refuses a
 * rejected program, RECORD only records the verdict. */
static int verify(struct bpfrt_prog *p, const struct bpfrt_insn *insns, size_t cnt,
		  const struct bpfrt_prog_load_opts *opts, struct loader *l)
{
	int mode = OPTS_GET(opts, verify, BPFRT_VERIFY_OFF);
	if (mode == BPFRT_VERIFY_OFF)
		return 0;
	uint32_t *ids = calloc(p->helper_cnt + 1, sizeof(*ids));
	p->vaux = calloc(cnt, sizeof(*p->vaux));
	if (!ids || !p->vaux) {
		free(ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->helper_cnt; i++)
		ids[i] = p->helpers[i].id;
	struct bpfrt_verifier_env_opts vo = {
		.sz = sizeof(vo), .insns = insns, .cnt = cnt,
		.prog_type = OPTS_GET(opts, prog_type, BPFRT_PROG_TYPE_UNSPEC),
		.maps = OPTS_GET(opts, maps, NULL), .map_cnt = OPTS_GET(opts, map_cnt, 0),
		.helper_ids = ids, .helper_cnt = p->helper_cnt,
		.func_starts = OPTS_GET(opts, func_starts, NULL),
		.func_cnt = OPTS_GET(opts, func_cnt, 0),
		.line_fn = OPTS_GET(opts, source_line, NULL),
		.line_arg = OPTS_GET(opts, source_line_arg, NULL),
		.log_level = OPTS_GET(opts, verify_log_level, 0),
		.log_buf = mode == BPFRT_VERIFY_STRICT ? l->log : NULL,
		.log_size = mode == BPFRT_VERIFY_STRICT ? l->log_size : 0,
		.aux = p->vaux,
	};
	if (!vo.maps)
		vo.map_cnt = 0;
	int err = bpfrt__verify(&vo);
	free(ids);
	p->verified = err == 0;
	if (err && mode == BPFRT_VERIFY_STRICT)
		return err == -ENOMEM ? err : -EACCES;
	return err == -ENOMEM ? err : 0;
}

BPFRT_API bool bpfrt_prog__verified(const struct bpfrt_prog *prog)
{
	return prog && prog->verified;
}

BPFRT_API bool bpfrt_prog__runs_unchecked(const struct bpfrt_prog *prog)
{
	return prog && bpfrt__prog_unchecked_ok(prog);
}

struct bpfrt_prog *bpfrt_prog__load_insns(const struct bpfrt_insn *insns, size_t cnt,
					  const struct bpfrt_prog_load_opts *opts)
{
	struct loader l = {
		.insns = insns,
		.cnt = cnt,
		.log = OPTS_GET(opts, log_buf, NULL),
		.log_size = OPTS_GET(opts, log_size, 0),
	};
	const struct bpfrt_helper_def *helpers = OPTS_GET(opts, helpers, NULL);
	size_t helper_cnt = OPTS_GET(opts, helper_cnt, 0);
	const char *name = OPTS_GET(opts, name, NULL);
	struct bpfrt_map *const *maps = OPTS_GET(opts, maps, NULL);
	size_t map_cnt = maps ? OPTS_GET(opts, map_cnt, 0) : 0;
	struct bpfrt_prog *p = NULL;
	int err = -ENOMEM;

	if (opts && opts->sz < sizeof(size_t)) {
		load_err(&l, "bad opts size %zu", opts->sz);
		errno = EINVAL;
		return NULL;
	}
	if (!insns || cnt == 0) {
		load_err(&l, "empty program");
		errno = EINVAL;
		return NULL;
	}
	if (cnt > VM_MAX_SLOTS) {
		load_err(&l, "program of %zu slots is too large (limit %u)", cnt, VM_MAX_SLOTS);
		errno = E2BIG;
		return NULL;
	}

	l.maps = maps;
	l.map_cnt = map_cnt;
	l.type = OPTS_GET(opts, prog_type, BPFRT_PROG_TYPE_UNSPEC);

	l.ops = malloc(cnt * sizeof(*l.ops));
	l.func_of = malloc(cnt * sizeof(*l.func_of));
	l.func_start = malloc(cnt * sizeof(*l.func_start));
	l.color = calloc(cnt, 1);
	l.height = calloc(cnt, 1);
	p = calloc(1, sizeof(*p));
	if (!l.ops || !l.func_of || !l.func_start || !l.color || !l.height || !p)
		goto out;
	atomic_init(&p->refcnt, 1);

	err = copy_helpers(p, helpers, helper_cnt, &l);
	if (err)
		goto out;
	err = validate(&l, helpers, helper_cnt);
	if (err)
		goto out;
	err = verify(p, insns, cnt, opts, &l);
	if (err)
		goto out;

	err = -ENOMEM;
	p->cnt = cnt;
	p->insns = malloc(cnt * sizeof(*insns));
	p->code = malloc(cnt * sizeof(*p->code));
	p->name = strdup(name ? name : "prog");
	p->func_start = calloc((cnt + 7) / 8, 1);
	if (!p->insns || !p->code || !p->name || !p->func_start)
		goto out;
	memcpy(p->insns, insns, cnt * sizeof(*insns));
	p->type = l.type;
	p->ctx_desc = bpfrt__ctx_desc(l.type);
	err = take_maps(p, maps, map_cnt);
	if (err)
		goto out;
	predecode(p, l.ops);
	err = bpfrt__ctx_rewrite(p);
	if (err)
		goto out;
	pthread_once(&ref_ops_once, set_ref_ops);
	p->id = bpfrt__registry_add(BPFRT_OBJ_PROG, p, &prog_ref_ops);
	err = p->id ? 0 : -ENOMEM;
out:
	free(l.ops);
	free(l.func_of);
	free(l.func_start);
	free(l.color);
	free(l.height);
	if (err) {
		if (err == -ENOMEM)
			load_err(&l, "out of memory");
		bpfrt_prog__free(p);
		errno = -err;
		return NULL;
	}
	return p;
}

/* The last reference is gone: nobody can reach the program any more (the
 * registry refuses a program whose count is 0). */
static void prog_destroy(struct bpfrt_prog *prog)
{
	if (prog->id)
		bpfrt__registry_remove(prog->id);
	/* A prog array the program holds no reference on may be gone
	 * already: decide from what take_maps recorded, never from the map. */
	for (size_t i = 0; i < prog->map_cnt; i++)
		if (prog->maps[i] && prog->map_held[i])
			bpfrt_map__put(prog->maps[i]);
	free(prog->maps);
	free(prog->map_held);
	free(prog->static_regions);
	bpfrt__jit_prog_free(prog);
	free(prog->func_start);
	free(prog->vaux);
	free(prog->name);
	free(prog->insns);
	free(prog->code);
	free(prog->ucode);
	free(prog->helpers);
	free(prog->helper_by_id);
	free(prog);
}

struct bpfrt_prog *bpfrt__prog_get(struct bpfrt_prog *prog)
{
	long n = atomic_load(&prog->refcnt);
	do {
		if (n <= 0)
			return NULL;	/* dying */
	} while (!atomic_compare_exchange_weak(&prog->refcnt, &n, n + 1));
	return prog;
}

void bpfrt__prog_put(struct bpfrt_prog *prog)
{
	if (prog && atomic_fetch_sub(&prog->refcnt, 1) == 1)
		prog_destroy(prog);
}

uint32_t bpfrt__prog_id(const struct bpfrt_prog *prog)
{
	return prog ? prog->id : 0;
}

/* Free drops the caller's reference: prog arrays may keep the program
 * alive (and runnable through tail calls) after its owner is done. */
void bpfrt_prog__free(struct bpfrt_prog *prog)
{
	if (prog)
		bpfrt__prog_put(prog);
}

const struct bpfrt_insn *bpfrt_prog__insns(const struct bpfrt_prog *prog, size_t *cnt)
{
	if (cnt)
		*cnt = prog ? prog->cnt : 0;
	return prog ? prog->insns : NULL;
}

static const char *const engine_names[] = {
	[BPFRT_ENGINE_DEFAULT] = "default",
	[BPFRT_ENGINE_INTERP] = "interp",
	[BPFRT_ENGINE_INTERP_SWITCH] = "interp-switch",
	[BPFRT_ENGINE_JIT] = "jit",
};

int bpfrt_engine_from_str(const char *s, enum bpfrt_engine *engine)
{
	if (!s || !engine)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(engine_names); i++) {
		if (!strcmp(s, engine_names[i])) {
			*engine = (enum bpfrt_engine)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *bpfrt_engine_str(enum bpfrt_engine engine)
{
	if ((unsigned)engine < ARRAY_SIZE(engine_names))
		return engine_names[engine];
	return "unknown";
}
