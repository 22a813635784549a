/* SPDX-License-Identifier: MIT */
/*
 * The static context rewrite, the user-space counterpart of the kernel's
 * convert_ctx_accesses: once the verifier has proved which instructions
 * access the context, at which UAPI offset and width, those instructions
 * are rewritten so that an unchecked run needs no emulation.
 *
 * The context a hook hands to a program is its shadow of the UAPI struct
 * (plain fields live at their UAPI offsets) followed by native[], the
 * 64-bit packet pointers.  So most accesses stay as they are; only these
 * change:
 *  - data / data_end / data_meta: a 32-bit UAPI load becomes a 64-bit load
 *    of native[] (the kernel turns it into a load of the skb/xdp_buff
 *    pointer the same way);
 *  - pointers bpfrt cannot give (skb->sk): the load becomes r = 0;
 *  - 16-bit fields held in 32-bit UAPI slots (tc_index, tc_classid): a
 *    store keeps only the low 16 bits, as the kernel's u16 does.
 * A store to queue_mapping is conditional in the kernel (values >= 0xffff
 * are ignored), which no single instruction does: a program with one keeps
 * running checked (prog->ctx_native stays false).
 *
 * Checked runs keep the original code and the emulation (src/ctx/ctx.c):
 * the two must agree, which the differential tests check engine by engine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

/* Rewrite slot v (a context access of field f, width size); false when
 * the access cannot be expressed without the emulation. */
static bool rewrite_one(struct vm_insn *v, const struct bpfrt_ctx_field *f, bool store)
{
	int fmt = bpfrt_isa_rows[v->op].fmt;
	if (store) {
		if (fmt != ISA_F_ST && fmt != ISA_F_STX)
			return false;
		switch (f->kind) {
		case CTX_K_U16:
			v->op = fmt == ISA_F_ST ? BPFRT_OP_STH : BPFRT_OP_STXH;
			return true;
		case CTX_K_QMAP:
			return false;
		case CTX_K_U32: case CTX_K_U64: case CTX_K_CB:
			return true;
		default:
			return false;
		}
	}
	if (fmt != ISA_F_LDX)
		return false;
	switch (f->kind) {
	case CTX_K_DATA:
	case CTX_K_DATA_END:
	case CTX_K_DATA_META:
		v->op = BPFRT_OP_LDXDW;
		v->off = CTX_NATIVE_OFF(f->kind == CTX_K_DATA ? CTX_NATIVE_DATA :
				       f->kind == CTX_K_DATA_END ? CTX_NATIVE_DATA_END :
				       CTX_NATIVE_DATA_META);
		return true;
	case CTX_K_NULLPTR:
		v->op = BPFRT_OP_MOV64_K;
		v->src = 0;
		v->off = 0;
		v->imm = 0;
		return true;
	default:	/* plain fields, narrow loads included (little endian) */
		return true;
	}
}

int bpfrt__ctx_rewrite(struct bpfrt_prog *p)
{
	p->ctx_native = p->ctx_desc == NULL;
	if (!p->ctx_desc || !p->verified || !p->vaux)
		return 0;
	struct vm_insn *u = malloc(p->cnt * sizeof(*u));
	if (!u)
		return -ENOMEM;
	memcpy(u, p->code, p->cnt * sizeof(*u));
	bool ok = true;
	for (size_t i = 0; i < p->cnt && ok; i++) {
		const struct bpfrt_vaux *a = &p->vaux[i];
		struct vm_insn *v = &u[i];
		if (v->op == BPFRT_OP_LDDW_FUNC) {
			/* callbacks enter the code of the run they belong to */
			v->imm = (uint64_t)(uintptr_t)(u + ((const struct vm_insn *)(uintptr_t)
							   p->code[i].imm - p->code));
			continue;
		}
		bool load = a->flags & BPFRT_VAUX_CTX_LOAD, store = a->flags & BPFRT_VAUX_CTX_STORE;
		if (!load && !store)
			continue;
		const struct bpfrt_ctx_field *f =
			load && store ? NULL : bpfrt__ctx_access(p->ctx_desc, a->ctx_off, a->ctx_size, store);
		/* The verifier allows one offset and width per instruction. */
		ok = f && v->off == a->ctx_off && rewrite_one(v, f, store);
	}
	if (!ok) {
		free(u);
		return 0;
	}
	p->ucode = u;
	p->ctx_native = true;
	return 0;
}
