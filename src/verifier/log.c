/* SPDX-License-Identifier: MIT */
/*
 * The verifier's one log channel.  Errors are written as a block: the C
 * source line (BTF line info), "idx: (code) disassembly" as the kernel
 * prints it, the registers involved with their abstract state, the reason
 * in the kernel's words.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vinternal.h"

static void vlogv(struct venv *env, const char *fmt, va_list ap)
{
	if (!env->log || !env->log_size || env->log_len + 1 >= env->log_size)
		return;
	int n = vsnprintf(env->log + env->log_len, env->log_size - env->log_len, fmt, ap);
	if (n > 0)
		env->log_len += (size_t)n;
	if (env->log_len >= env->log_size)
		env->log_len = env->log_size - 1;
}

void vlog(struct venv *env, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlogv(env, fmt, ap);
	va_end(ap);
}

const char *bpfrt__vreg_type_str(int type, int flags)
{
	static const char *const base[VREG__COUNT] = {
		[NOT_INIT] = "?", [SCALAR_VALUE] = "scalar", [PTR_TO_CTX] = "ctx",
		[CONST_PTR_TO_MAP] = "map_ptr", [PTR_TO_MAP_VALUE] = "map_value",
		[PTR_TO_MAP_KEY] = "map_key", [PTR_TO_STACK] = "fp",
		[PTR_TO_PACKET_META] = "pkt_meta", [PTR_TO_PACKET] = "pkt",
		[PTR_TO_PACKET_END] = "pkt_end", [PTR_TO_MEM] = "mem", [PTR_TO_FUNC] = "func",
	};
	static _Thread_local char buf[64];
	if (type < 0 || type >= VREG__COUNT)
		return "?";
	snprintf(buf, sizeof(buf), "%s%s%s%s", (flags & MEM_RDONLY) ? "rdonly_" : "",
		 (flags & MEM_RINGBUF) ? "ringbuf_" : "", base[type],
		 (flags & PTR_MAYBE_NULL) ? "_or_null" : "");
	return buf;
}

static int bounds_str(char *b, size_t n, const struct vreg *r)
{
	size_t l = 0;
#define ADD(...) do { int k = snprintf(b + l, l < n ? n - l : 0, __VA_ARGS__); \
		      if (k > 0) { l += (size_t)k; } } while (0)
	const char *sep = "";
	if (r->smin != INT64_MIN) { ADD("%ssmin=%" PRId64, sep, r->smin); sep = ","; }
	if (r->smax != INT64_MAX) { ADD("%ssmax=%" PRId64, sep, r->smax); sep = ","; }
	if (r->umin) { ADD("%sumin=%" PRIu64, sep, r->umin); sep = ","; }
	if (r->umax != UINT64_MAX) { ADD("%sumax=%" PRIu64, sep, r->umax); sep = ","; }
	if (r->s32_min != INT32_MIN) { ADD("%ssmin32=%" PRId32, sep, r->s32_min); sep = ","; }
	if (r->s32_max != INT32_MAX) { ADD("%ssmax32=%" PRId32, sep, r->s32_max); sep = ","; }
	if (r->u32_min) { ADD("%sumin32=%" PRIu32, sep, r->u32_min); sep = ","; }
	if (r->u32_max != UINT32_MAX) { ADD("%sumax32=%" PRIu32, sep, r->u32_max); sep = ","; }
	if (r->var_off.mask != ~0ull) {
		char t[48];
		tnum_sbin(t, sizeof(t), r->var_off);
		ADD("%svar_off=%s", sep, t);
	}
#undef ADD
	return (int)l;
}

int vreg_str(char *buf, size_t n, const struct vreg *r)
{
	char b[256] = "";
	if (r->type == NOT_INIT)
		return snprintf(buf, n, "?");
	if (r->type == SCALAR_VALUE) {
		if (tnum_is_const(r->var_off))
			return snprintf(buf, n, "%" PRId64, (int64_t)r->var_off.value);
		bounds_str(b, sizeof(b), r);
		if (r->id)
			return snprintf(buf, n, "scalar(id=%u%s%s)", r->id, b[0] ? "," : "", b);
		return snprintf(buf, n, "scalar(%s)", b);
	}
	if (r->type == PTR_TO_STACK && tnum_is_const(r->var_off) && !r->var_off.value)
		return snprintf(buf, n, "fp%d", r->off);
	size_t l = 0;
	char tmp[64];
#define ADD(...) do { int k = snprintf(b + l, sizeof(b) - l, __VA_ARGS__); \
		      if (k > 0) { l += (size_t)k; } \
		      if (l >= sizeof(b)) { l = sizeof(b) - 1; } } while (0)
	const char *sep = "";
	if (r->id) { ADD("%sid=%u", sep, r->id); sep = ","; }
	if (r->ref_obj_id) { ADD("%sref_obj_id=%u", sep, r->ref_obj_id); sep = ","; }
	if (r->off) { ADD("%soff=%d", sep, r->off); sep = ","; }
	if (reg_is_pkt_pointer(r)) { ADD("%sr=%d", sep, r->range); sep = ","; }
	if (r->map && (r->type == CONST_PTR_TO_MAP || r->type == PTR_TO_MAP_VALUE ||
		       r->type == PTR_TO_MAP_KEY)) {
		ADD("%smap=%s,ks=%u,vs=%u", sep, r->map->name ? r->map->name : "",
		    r->map->key_size, r->map->value_size);
		sep = ",";
	}
	if (r->type == PTR_TO_MEM) { ADD("%ssz=%u", sep, r->mem_size); sep = ","; }
	if (!tnum_is_const(r->var_off) || r->var_off.value) {
		bounds_str(tmp, sizeof(tmp), r);
		ADD("%s%s", sep, tmp);
	}
#undef ADD
	return snprintf(buf, n, "%s(%s)", bpfrt__vreg_type_str(r->type, r->flags), b);
}

void vlog_reg(struct venv *env, int regno, const struct vreg *r)
{
	char b[320];
	vreg_str(b, sizeof(b), r);
	vlog(env, "R%d=%s", regno, b);
}

void vlog_state(struct venv *env, const struct vstate *st)
{
	const struct vframe *f = st->frame[st->curframe];
	if (st->curframe)
		vlog(env, "frame%d: ", st->curframe);
	const char *sep = "";
	for (int i = 0; i < 11; i++) {
		if (f->regs[i].type == NOT_INIT)
			continue;
		vlog(env, "%s", sep);
		vlog_reg(env, i, &f->regs[i]);
		sep = " ";
	}
	for (int s = VSLOTS - 1; s >= 0; s--) {
		const uint8_t *t = &f->stype[s * 8];
		bool any = false;
		for (int b = 0; b < 8; b++)
			any |= t[b] != STACK_INVALID;
		if (!any)
			continue;
		int off = s * 8 - MAX_BPF_STACK;
		if (t[0] == STACK_SPILL && t[7] == STACK_SPILL) {
			char b[320];
			vreg_str(b, sizeof(b), &f->spill[s]);
			vlog(env, " fp%d=%s", off, b);
		} else {
			char m[9];
			for (int b = 0; b < 8; b++)
				m[7 - b] = "?rm0"[t[b]];
			m[8] = 0;
			vlog(env, " fp%d=%s", off, m);
		}
	}
	vlog(env, "\n");
}

void vlog_insn(struct venv *env, uint32_t idx)
{
	char d[128];
	bpfrt_disasm_insn(env->insns, env->cnt, idx, BPFRT_DISASM_KERNEL, d, sizeof(d));
	vlog(env, "%u: %s\n", idx, d);
}

static void err_head(struct venv *env, unsigned regs)
{
	if (env->level < 2) {
		/* At level 2 the trace already shows the instruction. */
		if (env->o->line_fn) {
			const char *src = env->o->line_fn(env->o->line_arg, env->at);
			if (src)
				vlog(env, "; %s\n", src);
		}
		vlog_insn(env, env->at);
	}
	if (!env->cur.frame[env->cur.curframe])
		return;
	const struct vreg *r = cur_regs(env);
	const char *sep = "";
	for (int i = 0; i < 11; i++) {
		if (!(regs & REGBIT(i)))
			continue;
		vlog(env, "%s", sep);
		vlog_reg(env, i, &r[i]);
		sep = " ";
	}
	if (*sep)
		vlog(env, "\n");
}

static int verr_v(struct venv *env, int code, unsigned regs, const char *fmt, va_list ap)
{
	if (!env->err_logged) {
		env->err_logged = true;
		env->err_insn = (int)env->at;
		err_head(env, regs);
		vlogv(env, fmt, ap);
		vlog(env, "\n");
	}
	return code;
}

int verr(struct venv *env, unsigned regs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int e = verr_v(env, -EINVAL, regs, fmt, ap);
	va_end(ap);
	return e;
}

int verr_code(struct venv *env, int code, unsigned regs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int e = verr_v(env, code, regs, fmt, ap);
	va_end(ap);
	return e;
}
