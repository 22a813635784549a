/* SPDX-License-Identifier: MIT */
/*
 * Verifier states: copies, the stack of branches still to explore, the
 * explored states (checkpoints) at prune points and the equivalence check
 * that lets a path stop where an explored state already covers it;
 * infinite-loop detection against checkpoints still being explored.
 */
#include <stdlib.h>
#include <string.h>

#include "vinternal.h"

struct vstate *state_dup(const struct vstate *s, struct vstate *dst)
{
	*dst = *s;
	for (int i = 0; i <= s->curframe; i++) {
		dst->frame[i] = malloc(sizeof(struct vframe));
		if (!dst->frame[i]) {
			for (int j = 0; j < i; j++)
				free(dst->frame[j]);
			memset(dst->frame, 0, sizeof(dst->frame));
			return NULL;
		}
		memcpy(dst->frame[i], s->frame[i], sizeof(struct vframe));
	}
	for (int i = s->curframe + 1; i < MAX_CALL_FRAMES; i++)
		dst->frame[i] = NULL;
	return dst;
}

void state_free(struct vstate *s)
{
	for (int i = 0; i < MAX_CALL_FRAMES; i++) {
		free(s->frame[i]);
		s->frame[i] = NULL;
	}
}

#define MAX_JMP_SEQ 8192

int push_branch(struct venv *env, uint32_t insn, uint32_t prev)
{
	struct vstack_elem *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (!state_dup(&env->cur, &e->st)) {
		free(e);
		return -ENOMEM;
	}
	e->st.insn_idx = insn;
	e->prev_insn = prev;
	e->next = env->stack;
	env->stack = e;
	if (e->st.parent)
		e->st.parent->branches++;
	if (++env->stack_size > MAX_JMP_SEQ)
		return verr_code(env, -E2BIG, 0, "The sequence of %d jumps is too complex.",
				 env->stack_size);
	return 0;
}

int pop_branch(struct venv *env, uint32_t *insn)
{
	struct vstack_elem *e = env->stack;
	if (!e)
		return -ENOENT;
	env->stack = e->next;
	env->stack_size--;
	state_free(&env->cur);
	env->cur = e->st;
	env->prev_insn = e->prev_insn;
	*insn = e->st.insn_idx;
	free(e);
	return 0;
}

void update_branch_counts(struct venv *env, struct vstate_node *n)
{
	(void)env;
	while (n) {
		if (n->branches)
			n->branches--;
		if (n->branches)
			break;
		n = n->st.parent;
	}
}

void free_explored(struct venv *env)
{
	struct vstate_node *n = env->all_nodes;
	while (n) {
		struct vstate_node *next = n->all_next;
		state_free(&n->st);
		free(n);
		n = next;
	}
	env->all_nodes = NULL;
	while (env->stack) {
		struct vstack_elem *e = env->stack;
		env->stack = e->next;
		state_free(&e->st);
		free(e);
	}
}

/* ---- equivalence ---- */

#define IDMAP_SIZE 128
struct idmap { uint32_t old[IDMAP_SIZE], cur[IDMAP_SIZE]; int n; };

static bool check_ids(struct idmap *m, uint32_t old, uint32_t cur)
{
	if (!old)
		return !cur || true;
	if (!cur)
		return false;
	for (int i = 0; i < m->n; i++) {
		if (m->old[i] == old)
			return m->cur[i] == cur;
		if (m->cur[i] == cur)
			return false;
	}
	if (m->n == IDMAP_SIZE)
		return false;
	m->old[m->n] = old;
	m->cur[m->n++] = cur;
	return true;
}

static bool range_within(const struct vreg *o, const struct vreg *c)
{
	return o->umin <= c->umin && o->umax >= c->umax && o->smin <= c->smin &&
	       o->smax >= c->smax && o->u32_min <= c->u32_min && o->u32_max >= c->u32_max &&
	       o->s32_min <= c->s32_min && o->s32_max >= c->s32_max;
}

static bool bounds_equal(const struct vreg *o, const struct vreg *c)
{
	return o->umin == c->umin && o->umax == c->umax && o->smin == c->smin &&
	       o->smax == c->smax && o->u32_min == c->u32_min && o->u32_max == c->u32_max &&
	       o->s32_min == c->s32_min && o->s32_max == c->s32_max &&
	       o->var_off.value == c->var_off.value && o->var_off.mask == c->var_off.mask;
}

static bool is_unbounded(const struct vreg *r)
{
	return r->type == SCALAR_VALUE && !r->id && r->var_off.mask == ~0ull &&
	       r->umin == 0 && r->umax == UINT64_MAX && r->smin == INT64_MIN &&
	       r->smax == INT64_MAX;
}

static bool regsafe(const struct vreg *o, const struct vreg *c, struct idmap *m, bool exact)
{
	if (o->type == NOT_INIT)
		return !exact || c->type == NOT_INIT;
	if (o->type != c->type || o->flags != c->flags)
		return false;
	if (exact) {
		return bounds_equal(o, c) && o->off == c->off && o->range == c->range &&
		       o->map == c->map && o->mem_size == c->mem_size && o->subprog == c->subprog &&
		       o->frameno == c->frameno && check_ids(m, o->id, c->id) &&
		       check_ids(m, o->ref_obj_id, c->ref_obj_id);
	}
	bool var_ok = range_within(o, c) && tnum_in(o->var_off, c->var_off);
	switch (o->type) {
	case SCALAR_VALUE:
		return var_ok && check_ids(m, o->id, c->id);
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		return o->off == c->off && o->range <= c->range && var_ok &&
		       check_ids(m, o->id, c->id);
	case PTR_TO_FUNC:
		return o->subprog == c->subprog;
	default:
		return o->off == c->off && o->map == c->map && o->mem_size == c->mem_size &&
		       o->frameno == c->frameno && var_ok && check_ids(m, o->id, c->id) &&
		       check_ids(m, o->ref_obj_id, c->ref_obj_id);
	}
}

static int spill_first(const struct vframe *f, int slot)
{
	for (int b = slot * 8; b < slot * 8 + 8; b++)
		if (f->stype[b] == STACK_SPILL)
			return b;
	return -1;
}

static bool stacksafe(struct venv *env, const struct vframe *o, const struct vframe *c,
		      struct idmap *m, bool exact)
{
	/* bytes below the old frame's depth were never written there:
	 * STACK_INVALID, which covers anything (exact: both untouched) */
	int32_t depth = o->depth > c->depth ? o->depth : c->depth;
	if (!exact)
		depth = o->depth;
	for (int s = (MAX_BPF_STACK - depth) / 8; s < VSLOTS; s++) {
		const uint8_t *ot = &o->stype[s * 8], *ct = &c->stype[s * 8];
		if (exact) {
			if (memcmp(ot, ct, 8))
				return false;
			if (spill_first(o, s) >= 0 &&
			    (o->spill_size[s] != c->spill_size[s] ||
			     !regsafe(&o->spill[s], &c->spill[s], m, true)))
				return false;
			continue;
		}
		int of = spill_first(o, s);
		if (of < 0 && !memcmp(ot, ct, 8))
			continue;	/* same bytes, no spill: always safe */
		if (of >= 0) {
			int cf = spill_first(c, s);
			if (cf == of && o->spill_size[s] == c->spill_size[s]) {
				if (!regsafe(&o->spill[s], &c->spill[s], m, false))
					return false;
			} else if (!(o->spill_size[s] == 8 && is_unbounded(&o->spill[s]))) {
				return false;
			}
		}
		for (int b = 0; b < 8; b++) {
			uint8_t x = ot[b], y = ct[b];
			switch (x) {
			case STACK_INVALID:
				break;
			case STACK_MISC:
				if (y == STACK_MISC || y == STACK_ZERO)
					break;
				if (y == STACK_INVALID && env->allow_uninit_stack)
					break;
				if (y == STACK_SPILL && c->spill[s].type == SCALAR_VALUE)
					break;
				return false;
			case STACK_ZERO:
				if (y != STACK_ZERO)
					return false;
				break;
			case STACK_SPILL:
				if (y == STACK_SPILL)
					break;
				if (o->spill_size[s] == 8 && is_unbounded(&o->spill[s]) &&
				    (y == STACK_MISC || y == STACK_ZERO))
					break;
				return false;
			}
		}
	}
	return true;
}

static bool states_equal(struct venv *env, const struct vstate *o, const struct vstate *c,
			 bool exact)
{
	struct idmap m;
	m.n = 0;
	if (o->curframe != c->curframe || o->ref_cnt != c->ref_cnt ||
	    !!o->lock_id != !!c->lock_id || o->lock_off != c->lock_off)
		return false;
	if (o->lock_id && !check_ids(&m, o->lock_id, c->lock_id))
		return false;
	for (int i = 0; i < o->ref_cnt; i++)
		if (!check_ids(&m, o->refs[i].id, c->refs[i].id))
			return false;
	for (int f = 0; f <= o->curframe; f++) {
		const struct vframe *of = o->frame[f], *cf = c->frame[f];
		if (of->callsite != cf->callsite || of->subprog != cf->subprog ||
		    of->is_callback != cf->is_callback)
			return false;
		/* exact comparisons (loop detection) look at everything */
		uint16_t live = exact ? 0xffff : live_regs(env, o, f, o->insn_idx);
		for (int r = 0; r < 11; r++)
			if ((live & (1u << r)) && !regsafe(&of->regs[r], &cf->regs[r], &m, exact))
				return false;
		if (!stacksafe(env, of, cf, &m, exact))
			return false;
	}
	return true;
}

#define MAX_STATES_PER_INSN 64
#define MAX_TOTAL_STATES 40000

int is_state_visited(struct venv *env, uint32_t insn)
{
	struct vinsn *vi = &env->in[insn];
	bool cb_site = vi->flags & VF_CB_CALL;
	bool in_cb = false;
	for (int f = 1; f <= env->cur.curframe; f++)
		in_cb |= env->cur.frame[f]->is_callback;
	for (struct vstate_node **pn = &vi->explored, *n; (n = *pn); ) {
		/* a finished state that keeps missing is not worth comparing
		 * against any more (it stays allocated until the end) */
		if (!n->branches && n->miss > n->hit * 3 + 3) {
			*pn = n->next;
			vi->nstates--;
			continue;
		}
		pn = &n->next;
		if (n->branches && !cb_site) {
			/* a callback body runs again for every iteration of
			 * its helper: equal states there are not a loop */
			if (!in_cb && states_equal(env, &n->st, &env->cur, true)) {
				env->at = insn;
				return verr(env, 0, "infinite loop detected at insn %u", insn);
			}
			continue;
		}
		if (states_equal(env, &n->st, &env->cur, false)) {
			n->hit++;
			if (env->level >= 2)
				vlog(env, "%u: safe\n", insn);
			return 1;	/* the caller ends the path */
		}
		n->miss++;
	}
	if (vi->nstates >= MAX_STATES_PER_INSN || env->total_states >= MAX_TOTAL_STATES)
		return 0;
	struct vstate_node *n = calloc(1, sizeof(*n));
	if (!n || !state_dup(&env->cur, &n->st)) {
		free(n);
		return -ENOMEM;
	}
	n->st.insn_idx = insn;
	n->branches = 1;
	n->st.parent = env->cur.parent;
	env->cur.parent = n;
	n->next = vi->explored;
	vi->explored = n;
	vi->nstates++;
	n->all_next = env->all_nodes;
	env->all_nodes = n;
	env->total_states++;
	if (++env->cur_states > env->peak_states)
		env->peak_states = env->cur_states;
	return 0;
}
