/* SPDX-License-Identifier: MIT */
/*
 * Reference tracking: ring buffer reservations must be submitted or
 * discarded on every path; spin locks released before exit.
 */
#include "vinternal.h"

int acquire_ref(struct venv *env, uint32_t insn, int kind)
{
	struct vstate *st = &env->cur;
	if (st->ref_cnt >= MAX_REFS)
		return verr(env, 0, "too many acquired references");
	uint32_t id = ++env->id_gen;
	st->refs[st->ref_cnt++] = (struct vref){ id, insn, (uint8_t)kind };
	return (int)id;
}

struct relarg { uint32_t id; };
static void release_one(struct vreg *r, void *arg)
{
	struct relarg *a = arg;
	if (r->ref_obj_id == a->id && type_is_ptr(r->type))
		mark_unknown(r);
}

void release_reg_refs(struct venv *env, uint32_t ref_obj_id)
{
	struct relarg a = { ref_obj_id };
	for_each_reg(&env->cur, release_one, &a);
	/* released pointers are gone, not scalars a program could use */
	for (int f = 0; f <= env->cur.curframe; f++)
		for (int i = 0; i < 11; i++) {
			struct vreg *r = &env->cur.frame[f]->regs[i];
			if (r->type == SCALAR_VALUE && r->ref_obj_id == ref_obj_id)
				mark_not_init(r);
		}
}

int release_ref(struct venv *env, uint32_t id)
{
	struct vstate *st = &env->cur;
	for (int i = 0; i < st->ref_cnt; i++)
		if (st->refs[i].id == id) {
			st->refs[i] = st->refs[--st->ref_cnt];
			/* mark_unknown cleared ref_obj_id; invalidate copies */
			struct relarg a = { id };
			for_each_reg(st, release_one, &a);
			return 0;
		}
	return verr(env, 0, "release of unacquired reference id=%u", id);
}

int check_refs_at_exit(struct venv *env, bool main_exit)
{
	struct vstate *st = &env->cur;
	if (main_exit && st->lock_id)
		return verr(env, 0, "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region");
	if (!main_exit)
		return 0;
	for (int i = 0; i < st->ref_cnt; i++)
		return verr(env, 0, "Unreleased reference id=%u alloc_insn=%u", st->refs[i].id,
			    st->refs[i].insn);
	return 0;
}
