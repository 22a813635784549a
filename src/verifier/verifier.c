/* SPDX-License-Identifier: MIT */
/*
 * The verifier's entry point and main loop: every path of the program is
 * walked instruction by instruction on an abstract state (registers,
 * stack, references), branches queued, paths stopped where an explored
 * state covers them, within a complexity limit.
 */
#include <stdlib.h>
#include <string.h>

#include "ctx/ctx.h"
#include "maps/map_internal.h"
#include "vinternal.h"

#define DEFAULT_INSN_LIMIT 1000000

static int init_state(struct venv *env)
{
	memset(&env->cur, 0, sizeof(env->cur));
	struct vframe *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (int i = 0; i < 11; i++)
		mark_not_init(&f->regs[i]);
	mark_known(&f->regs[1], 0);
	f->regs[1].type = PTR_TO_CTX;
	mark_known(&f->regs[10], 0);
	f->regs[10].type = PTR_TO_STACK;
	env->cur.frame[0] = f;
	return 0;
}

static void log_trace(struct venv *env, uint32_t idx)
{
	if (env->level < 2)
		return;
	if (env->o->line_fn) {
		const char *src = env->o->line_fn(env->o->line_arg, idx);
		if (src)
			vlog(env, "; %s\n", src);
	}
	vlog_insn(env, idx);
}

static int do_check(struct venv *env)
{
	uint32_t idx = 0;
	int err;
	for (;;) {
		if (idx >= env->cnt || env->in[idx].op < 0) {
			env->at = env->prev_insn;
			return verr(env, 0, "invalid insn idx %u insn_cnt %zu", idx, env->cnt);
		}
		env->at = idx;
		env->cur.insn_idx = idx;
		if (env->in[idx].flags & VF_PRUNE) {
			err = is_state_visited(env, idx);
			if (err < 0)
				return err;
			if (err == 1)
				goto next_path;
		}
		if (++env->processed > env->insn_limit)
			return verr_code(env, -E2BIG, 0, "BPF program is too large. Processed %u insn",
					 env->processed);
		env->o->aux[idx].flags |= BPFRT_VAUX_SEEN;
		if (env->level >= 2) {
			vlog(env, "%u: ", idx);
			vlog_state(env, &env->cur);
			log_trace(env, idx);
		}
		const struct bpfrt_insn *in = &env->insns[idx];
		int op = env->in[idx].op;
		int fmt = bpfrt_isa_rows[op].fmt;
		uint32_t next = idx + 1;
		env->prev_insn = idx;
		switch (fmt) {
		case ISA_F_ALU_K: case ISA_F_ALU_X: case ISA_F_NEG: case ISA_F_END:
			err = check_alu(env, in, op);
			break;
		case ISA_F_LDX: case ISA_F_ST: case ISA_F_STX:
			err = check_ldx_st(env, in, op);
			break;
		case ISA_F_ATOMIC:
			err = check_atomic(env, in, op);
			break;
		case ISA_F_LDDW:
			err = check_ld_imm64(env, in, op);
			next = idx + 2;
			break;
		case ISA_F_LD_ABS: case ISA_F_LD_IND:
			err = check_ld_abs(env, in, op);
			break;
		case ISA_F_JA: case ISA_F_JA32:
			err = 0;
			next = idx + 1 + (uint32_t)(int32_t)bpfrt_isa_jump_disp(op, in);
			break;
		case ISA_F_JMP_K: case ISA_F_JMP_X:
			err = check_cond_jmp(env, in, op, &next);
			break;
		case ISA_F_CALL:
			if (op == BPFRT_OP_CALL_LOCAL)
				err = check_local_call(env, in, idx, &next);
			else
				err = check_helper_call(env, in, idx, &next);
			break;
		case ISA_F_EXIT: {
			bool done;
			if (env->cur.lock_id && env->cur.curframe == 0) {
				err = verr(env, 0, "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region");
				break;
			}
			err = check_exit(env, &next, &done);
			if (!err && done)
				goto next_path;
			break;
		}
		default:
			err = verr(env, 0, "unknown insn class");
		}
		if (err)
			return err;
		if (next == UINT32_MAX)
			goto next_path;	/* no branch possible: dead path */
		idx = next;
		continue;
next_path:
		update_branch_counts(env, env->cur.parent);
		env->cur.parent = NULL;
		if (pop_branch(env, &idx))
			return 0;
		if (env->level >= 2)
			vlog(env, "from %u to %u: ", env->prev_insn, idx);
		if (env->level >= 2)
			vlog_state(env, &env->cur);
	}
}

static void build_metas(struct venv *env)
{
	size_t n = env->o->map_cnt;
	env->meta_cnt = 2 * n;
	for (size_t i = 0; i < n; i++) {
		const struct bpfrt_map *m = env->o->maps[i];
		struct vmap *v = &env->metas[i];
		v->idx = (int)i;
		v->inner = -1;
		if (!m)
			continue;
		v->type = bpfrt_map__type(m);
		v->key_size = bpfrt_map__key_size(m);
		v->value_size = bpfrt_map__value_size(m);
		v->max_entries = bpfrt_map__max_entries(m);
		v->flags = bpfrt_map__flags(m);
		v->name = bpfrt_map__name(m);
		if (v->type == BPFRT_MAP_TYPE_ARRAY_OF_MAPS || v->type == BPFRT_MAP_TYPE_HASH_OF_MAPS) {
			struct vmap *in = &env->metas[n + i];
			in->type = m->inner.type;
			in->key_size = m->inner.key_size;
			in->value_size = m->inner.value_size;
			in->max_entries = m->inner.max_entries;
			in->flags = m->inner.map_flags;
			in->idx = (int)i;
			in->inner = -1;
			in->name = "inner";
			/* inner maps are not the rodata map: never constant */
			in->flags &= ~BPFRT_F_RDONLY_PROG;
			v->inner = (int)(n + i);
		}
	}
}

int bpfrt__verify(struct bpfrt_verifier_env_opts *o)
{
	if (!o || !o->insns)
		return -EINVAL;
	struct venv *env = calloc(1, sizeof(*env));
	if (!env)
		return -ENOMEM;
	struct bpfrt_vaux *own_aux = NULL;
	int err = -ENOMEM;
	env->o = o;
	env->insns = o->insns;
	env->cnt = o->cnt;
	env->log = o->log_buf;
	env->log_size = o->log_size;
	env->level = o->log_level;
	env->err_insn = -1;
	if (env->log && env->log_size)
		env->log[0] = 0;
	env->insn_limit = o->insn_limit ? o->insn_limit : DEFAULT_INSN_LIMIT;
	env->allow_ptr_leaks = !o->unpriv;
	env->allow_uninit_stack = !o->unpriv;
	env->allow_loops = true;
	env->ctx_desc = bpfrt__ctx_desc(o->prog_type);
	o->processed = 0;
	o->err_insn = -1;
	if (!o->aux) {
		own_aux = calloc(o->cnt ? o->cnt : 1, sizeof(*own_aux));
		if (!own_aux)
			goto out;
		o->aux = own_aux;
	} else {
		memset(o->aux, 0, o->cnt * sizeof(*o->aux));
	}
	env->in = calloc(o->cnt ? o->cnt : 1, sizeof(*env->in));
	env->metas = calloc(2 * o->map_cnt + 1, sizeof(*env->metas));
	if (!env->in || !env->metas)
		goto out;
	if (o->cnt > 1000000) {
		err = verr_code(env, -E2BIG, 0, "program of %zu insns is too large", o->cnt);
		goto out;
	}
	build_metas(env);
	err = check_cfg(env);
	if (!err)
		err = compute_liveness(env);
	if (err)
		goto out;
	err = init_state(env);
	if (err)
		goto out;
	err = do_check(env);
	if (!err)
		err = check_max_stack_depth(env);
out:
	if (err == -ENOMEM && !env->err_logged)
		vlog(env, "out of memory\n");
	else if (err && !env->err_logged)
		vlog(env, "verification failed (%d)\n", err);
	if (env->level >= 1 || !err) {
		uint32_t maxd = 0;
		for (int i = 0; i < env->nsub; i++)
			if ((uint32_t)env->subprogs[i].depth > maxd)
				maxd = (uint32_t)env->subprogs[i].depth;
		o->max_stack = maxd;
		if (env->level >= 1) {
			vlog(env, "processed %u insns (limit %u) max_states_per_insn %u total_states %u peak_states %u mark_read 0\n",
			     env->processed, env->insn_limit, 0u, env->total_states, env->peak_states);
		}
	}
	o->processed = env->processed;
	o->total_states = env->total_states;
	o->err_insn = err ? env->err_insn : -1;
	state_free(&env->cur);
	free_explored(env);
	while (env->snaps) {
		struct vsnap *s = env->snaps;
		env->snaps = s->next;
		free(s);
	}
	free(env->in);
	free(env->metas);
	if (own_aux) {
		free(own_aux);
		o->aux = NULL;
	}
	free(env);
	return err;
}
