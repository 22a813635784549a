/* SPDX-License-Identifier: MIT */
/*
 * Control-flow checks before the path analysis: every slot decodes, jump
 * targets stay inside their function and never land in the second slot of
 * lddw, every instruction is reachable, functions end in exit or jump,
 * loops only for privileged loaders; prune points.  After the analysis:
 * the static call graph's depth and combined stack size.
 */
#include <stdlib.h>
#include <string.h>

#include "vinternal.h"

static int add_subprog(struct venv *env, int64_t start)
{
	if (start < 0 || (size_t)start >= env->cnt)
		return verr(env, 0, "function offset %lld is out of range", (long long)start);
	if (env->in[start].op < 0)
		return verr(env, 0, "jump into the middle of ldimm64 insn %lld", (long long)start);
	if (find_subprog(env, (uint32_t)start) >= 0)
		return 0;
	if (env->nsub >= (int)(sizeof(env->subprogs) / sizeof(env->subprogs[0])))
		return verr(env, 0, "too many subprograms");
	env->subprogs[env->nsub++] = (struct vsubprog){ .start = (uint32_t)start };
	return 0;
}

static int cmp_sub(const void *a, const void *b)
{
	const struct vsubprog *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

int check_cfg(struct venv *env)
{
	size_t cnt = env->cnt;
	int err;
	if (cnt == 0)
		return verr(env, 0, "empty program");
	/* decode */
	for (size_t i = 0; i < cnt; i++) {
		env->at = (uint32_t)i;
		const char *why = NULL;
		int op = bpfrt_isa_decode(env->insns, cnt, i, &why);
		if (op < 0) {
			const struct bpfrt_insn *in = &env->insns[i];
			if (in->dst_reg == 10 && why && strstr(why, "r10"))
				return verr(env, 0, "frame pointer is read only");
			if (in->dst_reg > 10 || in->src_reg > 10)
				return verr(env, 0, "R%d is invalid", in->dst_reg > 10 ? in->dst_reg : in->src_reg);
			return verr(env, 0, "invalid insn: %s (opcode %02x)", why ? why : "?", in->code);
		}
		env->in[i].op = op;
		env->in[i].subprog = -1;
		if (bpfrt_isa_slots(op) == 2) {
			env->in[i + 1].op = -1;
			env->in[i + 1].flags |= VF_LDDW2;
			env->in[i + 1].subprog = -1;
			i++;
		}
	}
	/* subprograms */
	env->nsub = 0;
	if ((err = add_subprog(env, 0)))
		return err;
	for (size_t i = 0; i < env->o->func_cnt; i++)
		if ((err = add_subprog(env, env->o->func_starts[i])))
			return err;
	for (size_t i = 0; i < cnt; i++) {
		int op = env->in[i].op;
		if (op < 0)
			continue;
		env->at = (uint32_t)i;
		if (op == BPFRT_OP_CALL_LOCAL || op == BPFRT_OP_LDDW_FUNC) {
			if ((err = add_subprog(env, (int64_t)i + 1 + env->insns[i].imm)))
				return err;
		}
		if (op == BPFRT_OP_CALL_KFUNC)
			return verr(env, 0, "calling kernel function is not supported");
		if (op == BPFRT_OP_CALLX)
			return verr(env, 0, "unknown opcode %02x", env->insns[i].code);
		if (op == BPFRT_OP_LDDW_BTF_ID)
			return verr(env, 0, "unsupported lddw with BTF id");
	}
	qsort(env->subprogs, (size_t)env->nsub, sizeof(env->subprogs[0]), cmp_sub);
	for (int s = 0; s < env->nsub; s++) {
		size_t start = env->subprogs[s].start;
		size_t end = s + 1 < env->nsub ? env->subprogs[s + 1].start : cnt;
		for (size_t i = start; i < end; i++)
			env->in[i].subprog = s;
		/* last slot: exit or unconditional jump */
		size_t last = end - 1;
		if (env->in[last].op < 0 && last > start)
			last--;
		int op = env->in[last].op;
		env->at = (uint32_t)last;
		if (op < 0 || (op != BPFRT_OP_EXIT && op != BPFRT_OP_JA && op != BPFRT_OP_JA32))
			return verr(env, 0, "last insn is not an exit or jmp");
	}
	/* jumps */
	for (size_t i = 0; i < cnt; i++) {
		int op = env->in[i].op;
		if (op < 0)
			continue;
		env->at = (uint32_t)i;
		if (bpfrt_isa_is_jump(op)) {
			int64_t t = (int64_t)i + 1 + bpfrt_isa_jump_disp(op, &env->insns[i]);
			if (t < 0 || (size_t)t >= cnt || env->in[t].subprog != env->in[i].subprog)
				return verr(env, 0, "jump out of range from insn %zu to %lld", i, (long long)t);
			/* a target in the middle of lddw is refused after the
			 * reachability walk, as the kernel does */
			env->in[t].flags |= VF_PRUNE | VF_JMP_DST;
			if (op != BPFRT_OP_JA && op != BPFRT_OP_JA32)
				env->in[i + 1].flags |= VF_PRUNE;
		}
		if (op == BPFRT_OP_CALL_LOCAL || op == BPFRT_OP_CALL) {
			if (i + 1 < cnt)
				env->in[i + 1].flags |= VF_PRUNE;
		}
		if (op == BPFRT_OP_CALL && (env->insns[i].imm == 181 || env->insns[i].imm == 164))
			env->in[i].flags |= VF_PRUNE | VF_CB_CALL;
	}
	for (int s = 0; s < env->nsub; s++)
		env->in[env->subprogs[s].start].flags |= VF_PRUNE;

	/* reachability and back-edges: iterative DFS */
	uint8_t *color = calloc(cnt, 1);	/* 0 white, 1 on stack, 2 done */
	uint32_t *stk = malloc(cnt * sizeof(*stk));
	uint8_t *edge = calloc(cnt, 1);		/* next edge to try */
	if (!color || !stk || !edge) {
		free(color); free(stk); free(edge);
		return -ENOMEM;
	}
	size_t sp = 0;
	stk[sp++] = 0;
	color[0] = 1;
	err = 0;
	while (sp && !err) {
		uint32_t t = stk[sp - 1];
		int op = env->in[t].op;
		const struct bpfrt_insn *in = &env->insns[t];
		int64_t succ[2];
		int ns = 0;
		int fmt = op < 0 ? ISA_F_EXIT : bpfrt_isa_rows[op].fmt;
		size_t w = op < 0 ? 1 : (size_t)bpfrt_isa_slots(op);
		if (fmt == ISA_F_EXIT) {
			ns = 0;
		} else if (fmt == ISA_F_JA || fmt == ISA_F_JA32) {
			succ[ns++] = (int64_t)t + 1 + bpfrt_isa_jump_disp(op, in);
		} else if (bpfrt_isa_is_jump(op)) {
			succ[ns++] = (int64_t)t + 1;
			succ[ns++] = (int64_t)t + 1 + bpfrt_isa_jump_disp(op, in);
		} else if (op == BPFRT_OP_CALL_LOCAL || op == BPFRT_OP_LDDW_FUNC) {
			succ[ns++] = (int64_t)t + (int64_t)w;
			succ[ns++] = (int64_t)t + 1 + in->imm;
		} else {
			succ[ns++] = (int64_t)t + (int64_t)w;
		}
		if (edge[t] >= ns) {
			color[t] = 2;
			sp--;
			continue;
		}
		int64_t s = succ[edge[t]++];
		bool is_call_edge = (op == BPFRT_OP_CALL_LOCAL || op == BPFRT_OP_LDDW_FUNC) && edge[t] == 2;
		env->at = t;
		if (s < 0 || (size_t)s >= cnt) {
			err = verr(env, 0, "jump out of range from insn %u to %lld", t, (long long)s);
			break;
		}
		if (color[s] == 1) {
			if (!env->allow_loops || is_call_edge) {
				if (is_call_edge)
					err = verr(env, 0, "recursive call from insn %u to %lld", t, (long long)s);
				else
					err = verr(env, 0, "back-edge from insn %u to %lld", t, (long long)s);
				break;
			}
			env->in[s].flags |= VF_PRUNE;
			continue;
		}
		if (color[s] == 2)
			continue;
		color[s] = 1;
		stk[sp++] = (uint32_t)s;
	}
	if (!err)
		for (size_t i = 0; i < cnt; i++) {
			if (env->in[i].op < 0)
				continue;
			if (!color[i]) {
				env->at = (uint32_t)i;
				err = verr(env, 0, "unreachable insn %zu", i);
				break;
			}
		}
	if (!err)
		for (size_t i = 0; i + 1 < cnt; i++)
			if (env->in[i].op >= 0 && bpfrt_isa_slots(env->in[i].op) == 2 && color[i + 1]) {
				env->at = (uint32_t)i;
				err = verr(env, 0, "jump into the middle of ldimm64 insn %zu", i);
				break;
			}
	free(color);
	free(stk);
	free(edge);
	return err;
}

/* ---- static call graph: depth and combined stack ---- */

static int round_depth(int32_t d)
{
	if (d < 1)
		d = 1;
	return (d + 31) / 32 * 32;
}

static int walk(struct venv *env, int sub, int frames, int sum)
{
	sum += round_depth(env->subprogs[sub].depth);
	if (frames > MAX_CALL_FRAMES)
		return verr_code(env, -E2BIG, 0, "the call stack of %d frames is too deep !", frames);
	if (sum > MAX_BPF_STACK)
		return verr_code(env, -EACCES, 0, "combined stack size of %d calls is %d. Too large",
				 frames, sum);
	uint32_t start = env->subprogs[sub].start;
	uint32_t end = sub + 1 < env->nsub ? env->subprogs[sub + 1].start : (uint32_t)env->cnt;
	for (uint32_t i = start; i < end; i++) {
		int op = env->in[i].op;
		if (op != BPFRT_OP_CALL_LOCAL && op != BPFRT_OP_LDDW_FUNC)
			continue;
		if (!(env->o->aux[i].flags & BPFRT_VAUX_SEEN))
			continue;
		int callee = find_subprog(env, i + 1 + (uint32_t)env->insns[i].imm);
		if (callee < 0)
			continue;
		env->at = i;
		int err = walk(env, callee, frames + 1, sum);
		if (err)
			return err;
	}
	return 0;
}

int check_max_stack_depth(struct venv *env)
{
	return walk(env, 0, 1, 0);
}
