/* SPDX-License-Identifier: MIT */
/*
 * The JIT driver: sizing passes until the code layout is stable (the final
 * pass is the encoding), executable memory, the per-program image cache,
 * the run entry (rc->exec) and the C stubs the generated code calls.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/common.h"
#include "helpers/hl.h"
#include "jit.h"
#include "vm/vm_ops.h"

HELPER(tail_call);

/* Passes before giving up on convergence (in practice 2-4 are needed:
 * code only shrinks from one pass to the next). */
#define JIT_MAX_PASSES 32

/* BPFRT_NO_JIT=1 in the environment keeps the default engine on the
 * interpreter: a switch for bisecting a suspected JIT bug in the field. */
static int no_jit = -1;

bool bpfrt__jit_available(void)
{
#if defined(__x86_64__)
	if (no_jit < 0) {
		const char *s = getenv("BPFRT_NO_JIT");
		no_jit = s && *s && strcmp(s, "0");
	}
	return !no_jit;
#else
	return false;
#endif
}

static uint32_t random_key(void)
{
	uint32_t k = 0;
	if (getrandom(&k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k))
		k = (uint32_t)(uintptr_t)&k ^ 0x5bd1e995u;
	return k | 1;	/* never 0: that would leave immediates in the clear */
}

/*
 * Basic blocks of a checked image, for charging the instruction budget once
 * per block.  A block ends after every jump, call, exit and LD_ABS/LD_IND
 * (whatever may transfer control, leave the program, or let a helper or
 * callback look at the count) and before every jump target and function
 * start (callbacks enter there).  blen[leader] = counted instructions in
 * the block, left[i] = counted instructions after slot i in its block.
 */
static void analyze_blocks(const struct bpfrt_prog *prog, uint8_t *leader, uint32_t *blen,
			   uint32_t *left)
{
	size_t cnt = prog->cnt;
	leader[0] = 1;
	for (size_t i = 0; i < cnt; i++) {
		if (prog->func_start && (prog->func_start[i / 8] & (1u << (i % 8))))
			leader[i] = 1;
		const struct vm_insn *in = &prog->code[i];
		if (in->op == BPFRT_OP__COUNT)
			continue;
		int fmt = bpfrt_isa_rows[in->op].fmt;
		size_t next = i + (size_t)bpfrt_isa_slots(in->op);
		bool ends = false;
		switch (fmt) {
		case ISA_F_JA: case ISA_F_JA32: case ISA_F_JMP_K: case ISA_F_JMP_X:
			leader[(size_t)((int64_t)i + in->off)] = 1;
			ends = true;
			break;
		case ISA_F_CALL:
			if (in->op == BPFRT_OP_CALL_LOCAL)
				leader[(size_t)((int64_t)i + in->off)] = 1;
			ends = true;
			break;
		case ISA_F_CALLX: case ISA_F_EXIT: case ISA_F_LD_ABS: case ISA_F_LD_IND:
			ends = true;
			break;
		default:
			break;
		}
		if (ends && next < cnt)
			leader[next] = 1;
	}
	/* Backwards: instructions left in the block after each slot. */
	uint32_t after = 0;
	for (size_t i = cnt; i-- > 0;) {
		left[i] = after;
		if (prog->code[i].op != BPFRT_OP__COUNT)
			after++;
		if (leader[i]) {
			blen[i] = after;
			after = 0;
		}
	}
}

/* If-conversion policy (jit.h): -1 until first asked, then from
 * BPFRT_JIT_IFC (default JIT_IFC_MOVES). */
static _Atomic int jit_ifc = -1;

static int ifc_mode(void)
{
	int m = atomic_load(&jit_ifc);
	if (m < 0) {
		const char *s = getenv("BPFRT_JIT_IFC");
		int want = s && *s >= '0' && *s <= '2' && !s[1] ? *s - '0' : JIT_IFC_MOVES;
		atomic_compare_exchange_strong(&jit_ifc, &m, want);
		m = atomic_load(&jit_ifc);
	}
	return m;
}

int bpfrt__jit_set_ifc(int mode)
{
	int was = ifc_mode();
	atomic_store(&jit_ifc, mode);
	return was;
}

/* Slots control can reach other than by falling through: jump and call
 * targets, function starts (callbacks). */
static void mark_targets(const struct bpfrt_prog *prog, const struct vm_insn *code,
			 uint8_t *target)
{
	for (size_t i = 0; i < prog->cnt; i++) {
		if (prog->func_start && (prog->func_start[i / 8] & (1u << (i % 8))))
			target[i] = 1;
		if (code[i].op == BPFRT_OP__COUNT)
			continue;
		int fmt = bpfrt_isa_rows[code[i].op].fmt;
		int64_t t = (int64_t)i + code[i].off;
		if ((fmt == ISA_F_JA || fmt == ISA_F_JA32 || fmt == ISA_F_JMP_K || fmt == ISA_F_JMP_X ||
		     code[i].op == BPFRT_OP_CALL_LOCAL) && t >= 0 && (size_t)t < prog->cnt)
			target[t] = 1;
	}
}

int bpfrt__jit_compile(const struct bpfrt_prog *prog, bool checked, bool blind,
		       struct bpfrt_jit_image **out, char *err, size_t err_size)
{
#if !defined(__x86_64__)
	bpfrt_errf(err, err_size, "JIT not available on this architecture");
	return -ENOTSUP;
#endif
	size_t cnt = prog->cnt;
	uint32_t *off = calloc(cnt + 1, sizeof(*off));
	uint32_t *cur = calloc(cnt + 1, sizeof(*cur));
	struct bpfrt_jit_image *img = calloc(1, sizeof(*img));
	struct jit j = {
		.prog = prog, .code = bpfrt__vm_code(prog, checked), .cnt = cnt, .checked = checked,
		.blind = blind, .key = blind ? random_key() : 0,
	};
	int ret = -ENOMEM;
	uint8_t *leader = NULL, *target = NULL;
	uint32_t *blen = NULL, *left = NULL, *slow = NULL, *slow_cur = NULL, *ifc = NULL;
	if (!off || !cur || !img)
		goto fail;
	if (!checked && !blind) {
		target = calloc(cnt, 1);
		ifc = calloc(cnt, sizeof(*ifc));
		if (!target || !ifc)
			goto fail;
		mark_targets(prog, j.code, target);
		j.ifc_mode = ifc_mode();
		for (size_t i = 0; i < cnt && j.ifc_mode != JIT_IFC_OFF; i++) {
			size_t end = bpfrt__jit_ifc_plan(&j, i, target);
			if (end) {
				ifc[i] = (uint32_t)end;
				i = end - 1;
			}
		}
		j.ifc = ifc;
		j.target = target;
	}
	if (checked) {
		leader = calloc(cnt, 1);
		blen = calloc(cnt, sizeof(*blen));
		left = calloc(cnt, sizeof(*left));
		slow = calloc(cnt, sizeof(*slow));
		slow_cur = calloc(cnt, sizeof(*slow_cur));
		if (!leader || !blen || !left || !slow || !slow_cur)
			goto fail;
		analyze_blocks(prog, leader, blen, left);
		j.leader = leader;
		j.blen = blen;
		j.slow = slow;
		j.slow_cur = slow_cur;
	}

	bool stable = false;
	for (int pass = 0; pass < JIT_MAX_PASSES && !stable; pass++) {
		j.e.len = 0;
		j.skip_to = 0;
		j.flags_slot = SIZE_MAX;
		j.off = off;
		j.cur = cur;
		j.first = pass == 0;
		bpfrt__jit_emit_stubs(&j);
		for (size_t i = 0; i < cnt; i++) {
			cur[i] = (uint32_t)j.e.len;
			bpfrt__jit_emit_insn(&j, i);
		}
		cur[cnt] = (uint32_t)j.e.len;
		if (checked) {
			for (size_t b = 0; b < cnt;) {
				size_t end = b + 1;
				while (end < cnt && !leader[end])
					end++;
				bpfrt__jit_emit_slow(&j, b, end);
				b = end;
			}
		}
		if (j.e.err) {
			ret = j.e.err;
			bpfrt_errf(err, err_size, "JIT: %s", ret == -ENOMEM ? "out of memory" :
				   "internal encoding error");
			goto fail;
		}
		if (j.e.len > UINT32_MAX / 2) {
			ret = -E2BIG;
			bpfrt_errf(err, err_size, "JIT: image too large");
			goto fail;
		}
		/* The pass is exact when every jump was sized and aimed with
		 * the offsets it produced itself. */
		stable = !j.first && !memcmp(off, cur, (cnt + 1) * sizeof(*off)) &&
			 (!checked || !memcmp(slow, slow_cur, cnt * sizeof(*slow)));
		memcpy(off, cur, (cnt + 1) * sizeof(*off));
		if (checked)
			memcpy(slow, slow_cur, cnt * sizeof(*slow));
	}
	if (!stable) {
		ret = -EINVAL;
		bpfrt_errf(err, err_size, "JIT: code layout did not converge");
		goto fail;
	}
	img->code = bpfrt__jit_mem_alloc(j.e.buf, j.e.len, &img->map_len);
	if (!img->code) {
		ret = -errno ? -errno : -ENOMEM;
		bpfrt_errf(err, err_size, "JIT: cannot map executable memory: %s", strerror(-ret));
		goto fail;
	}
	img->len = j.e.len;
	img->off = off;
	img->left = left;
	img->cnt = cnt;
	img->body = cnt ? off[0] : (uint32_t)j.e.len;
	img->checked = checked;
	img->blinded = blind;
	free(cur);
	free(j.e.buf);
	free(leader);
	free(blen);
	free(slow);
	free(slow_cur);
	free(target);
	free(ifc);
	*out = img;
	return 0;
fail:
	free(target);
	free(ifc);
	free(leader);
	free(blen);
	free(left);
	free(slow);
	free(slow_cur);
	free(off);
	free(cur);
	free(img);
	free(j.e.buf);
	return ret;
}

void bpfrt__jit_free(struct bpfrt_jit_image *img)
{
	if (!img)
		return;
	bpfrt__jit_mem_free(img->code, img->map_len);
	free(img->off);
	free(img->left);
	free(img);
}

typedef int (*jit_entry_fn)(struct jit_state *st, const void *target);

int bpfrt__jit_exec_image(struct bpfrt_run_ctx *rc, const struct bpfrt_jit_image *img)
{
	/* Field by field: a zeroing initializer of the whole struct becomes
	 * `rep stos`, whose start-up costs more than a short program run. */
	struct jit_state st;
	const struct bpfrt_prog *prog = rc->prog;
	size_t slot = rc->entry_pc ? (size_t)(rc->entry_pc - bpfrt__vm_code(prog, img->checked)) : 0;

	st.rc = rc;
	st.saved_rsp = st.rem = st.limit = st.scratch = st.sink = 0;
	st.err = 0;
	st.left = img->left;
	st.sink_p = &st.sink;
	st.regs[0] = 0;
	memcpy(&st.regs[1], rc->args, sizeof(rc->args));
	for (int r = 6; r <= 9; r++)
		st.regs[r] = 0;
	st.regs[10] = rc->entry_r10;
	if (img->checked) {
		st.limit = rc->insn_limit;
		st.rem = rc->insn_limit - rc->insn_cnt;
	}
	for (;;) {
		jit_entry_fn entry = (jit_entry_fn)(void *)img->code;
		int ret = entry(&st, img->code + img->off[slot]);
		if (img->checked)
			rc->insn_cnt = st.limit - st.rem;
		if (ret == 0) {
			rc->retval = st.regs[0];
			return 0;
		}
		if (ret != JIT_RET_TAIL)
			return ret;
		/* Tail call, as the interpreter does it: same ctx, frames reset
		 * to this invocation's, the other program's code. */
		rc->pending = 0;
		rc->prog = rc->tail_prog;
		char msg[128];
		img = bpfrt__jit_get(rc->prog, img->checked, msg, sizeof(msg));
		if (!img) {
			bpfrt_errf(rc->err_buf, rc->err_size, "tail call: %s", msg);
			return -ENOMEM;
		}
		slot = 0;
		st.left = img->left;
		st.regs[1] = rc->tail_ctx;
		st.regs[10] = rc->entry_r10;
	}
}

/* ---- the image cache ---------------------------------------------------- */

/* Constant blinding for newly compiled images: -1 until first asked
 * (then from BPFRT_JIT_HARDEN), else 0/1. */
static _Atomic int jit_harden = -1;

static bool harden(void)
{
	int h = atomic_load(&jit_harden);
	if (h < 0) {
		const char *s = getenv("BPFRT_JIT_HARDEN");
		int want = s && *s && strcmp(s, "0");
		atomic_compare_exchange_strong(&jit_harden, &h, want);
		h = atomic_load(&jit_harden);
	}
	return h == 1;
}

BPFRT_API bool bpfrt_jit_set_harden(bool on)
{
	bool was = harden();
	atomic_store(&jit_harden, on ? 1 : 0);
	return was;
}

#ifdef VM_PROG_JIT	/* struct bpfrt_prog has the jit[] cache */
static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;

const struct bpfrt_jit_image *bpfrt__jit_get(const struct bpfrt_prog *prog, bool checked,
					     char *err, size_t err_size)
{
	struct bpfrt_prog *p = (struct bpfrt_prog *)prog;
	_Atomic(struct bpfrt_jit_image *) *slot = &p->jit[checked ? 1 : 0];
	struct bpfrt_jit_image *img = atomic_load_explicit(slot, memory_order_acquire);
	if (img)
		return img;
	/* Compile once: concurrent first runs wait for the one compiling. */
	pthread_mutex_lock(&jit_lock);
	img = atomic_load_explicit(slot, memory_order_acquire);
	if (!img) {
		int ret = bpfrt__jit_compile(prog, checked, harden(), &img, err, err_size);
		if (ret)
			img = NULL;
		else
			atomic_store_explicit(slot, img, memory_order_release);
	}
	pthread_mutex_unlock(&jit_lock);
	return img;
}

void bpfrt__jit_prog_free(struct bpfrt_prog *prog)
{
	for (int i = 0; i < 2; i++) {
		bpfrt__jit_free(atomic_load_explicit(&prog->jit[i], memory_order_relaxed));
		atomic_store_explicit(&prog->jit[i], NULL, memory_order_relaxed);
	}
}
#else
const struct bpfrt_jit_image *bpfrt__jit_get(const struct bpfrt_prog *prog, bool checked,
					     char *err, size_t err_size)
{
	bpfrt_errf(err, err_size, "JIT not available in this build");
	return NULL;
}
#endif

int bpfrt__jit_exec(struct bpfrt_run_ctx *rc)
{
	char msg[160];
	const struct bpfrt_jit_image *img = bpfrt__jit_get(rc->prog, rc->checked, msg, sizeof(msg));
	if (!img) {
		bpfrt_errf(rc->err_buf, rc->err_size, "%s", msg);
		return -ENOMEM;
	}
	return bpfrt__jit_exec_image(rc, img);
}

/* ---- stubs called by generated code -------------------------------------- */

/* "ldxw", "lock add": the interpreter's way of naming an operation. */
static void op_name(int op, char *buf, size_t size)
{
	if (op < 0 || op >= BPFRT_OP__COUNT) {
		bpfrt_errf(buf, size, "?");
		return;
	}
	const struct isa_row *r = &bpfrt_isa_rows[op];
	bpfrt_errf(buf, size, "%s%s", r->fmt == ISA_F_ATOMIC ? "lock " : "", r->mnem);
}

/* A checked load, store or atomic at slot idx (the same decisions as the
 * interpreter's VM_SLOW and handlers in interp_body.h): loads return the
 * value, stores are performed here, atomics are only checked. */
uint64_t bpfrt__jit_access(struct jit_state *st, uint64_t addr, uint64_t val, uint64_t idx,
			   uint64_t r10)
{
	struct bpfrt_run_ctx *rc = st->rc;
	bool slow = idx & JIT_SLOW_IDX;
	idx &= ~(uint64_t)JIT_SLOW_IDX;
	const struct vm_insn *in = &rc->prog->code[idx];
	const struct isa_row *row = &bpfrt_isa_rows[in->op];
	unsigned code = row->code, size = vm_size(code);
	uint64_t stack_lo = r10 - BPFRT_STACK_SIZE;
	int acc = row->fmt == ISA_F_LDX ? VM_ACC_READ :
		  row->fmt == ISA_F_ATOMIC ? VM_ACC_ATOMIC : VM_ACC_WRITE;
	uint64_t v = acc == VM_ACC_WRITE ? val : 0;
	int k = 0;

	if (!bpfrt_vm_mem_ok(rc, addr, size, stack_lo)) {
		k = bpfrt__vm_slow_access(rc, idx, in->op, addr, size, acc, &v, stack_lo);
		if (k < 0) {
			/* The run ends here: give back what the block's entry
			 * charged for the instructions after this one. */
			if (!slow && st->left)
				st->rem += st->left[idx];
			st->err = k;
			return 0;
		}
	}
	switch (acc) {
	case VM_ACC_READ:
		return k ? vm_ext(code, v) : vm_load(code, addr);
	case VM_ACC_WRITE:
		if (!k)
			vm_store(code, addr, v);
		return 0;
	default:
		if (addr & (size - 1)) {
			char name[32];
			op_name(in->op, name, sizeof(name));
			bpfrt_errf(rc->err_buf, rc->err_size,
				   "insn %" PRIu64 " (%s): misaligned %u-byte atomic access at 0x%"
				   PRIx64, idx, name, size, addr);
			if (!slow && st->left)
				st->rem += st->left[idx];
			st->err = -EFAULT;
		}
		return 0;
	}
}

/* LD_ABS/LD_IND: big-endian load from the packet; out of bounds ends the
 * program with r0 = 0 (state->err = 1), as in the kernel. */
uint64_t bpfrt__jit_ld_pkt(struct jit_state *st, uint64_t off, uint64_t size, uint64_t idx,
			   uint64_t r10)
{
	struct bpfrt_run_ctx *rc = st->rc;
	if (off > rc->pkt_size || size > rc->pkt_size - off) {
		st->err = 1;
		return 0;
	}
	const uint8_t *p = rc->pkt + off;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | p[i];
	return v;
}

uint64_t bpfrt__jit_callx(struct jit_state *st, uint64_t id, uint64_t unused, uint64_t idx,
			  uint64_t r10)
{
	struct bpfrt_run_ctx *rc = st->rc;
	int32_t h = bpfrt_vm_helper_index(rc->prog, id);
	if (h < 0) {
		bpfrt_errf(rc->err_buf, rc->err_size,
			   "insn %" PRIu64 ": callx to unknown helper id %" PRIu64, idx, id);
		st->err = -EINVAL;
		return 0;
	}
	return (uint64_t)(uintptr_t)&rc->prog->helpers[h];
}

uint64_t bpfrt__jit_tail_call(struct jit_state *st, uint64_t ctx, uint64_t map, uint64_t index,
			      uint64_t idx, uint64_t r10)
{
	struct bpfrt_run_ctx *rc = st->rc;
	/* What helper_call() publishes, for the helper's fault messages. */
	rc->stack_lo = r10 - BPFRT_STACK_SIZE;
	rc->depth = (unsigned)((rc->stack_hi - r10) / BPFRT_STACK_SIZE);
	rc->call_idx = idx;
	st->scratch = bpfrt__h_tail_call(ctx, map, index, 0, 0, rc);
	if (rc->pending != 1)
		return 0;
	char msg[128];
	const struct bpfrt_jit_image *img = bpfrt__jit_get(rc->tail_prog, false, msg, sizeof(msg));
	if (!img) {
		bpfrt_errf(rc->err_buf, rc->err_size, "tail call: %s", msg);
		rc->pending = -ENOMEM;
		return 0;
	}
	rc->pending = 0;
	rc->prog = rc->tail_prog;
	return (uint64_t)(uintptr_t)(img->code + img->body);
}

int bpfrt__jit_fail(struct jit_state *st, int kind, uint64_t idx)
{
	struct bpfrt_run_ctx *rc = st->rc;
	switch (kind) {
	case JIT_FAIL_LIMIT:
		st->rem = 0;	/* the failing instruction does not count */
		bpfrt_errf(rc->err_buf, rc->err_size,
			   "instruction limit of %" PRIu64 " reached at insn %" PRIu64,
			   st->limit, idx);
		return -E2BIG;
	case JIT_FAIL_DEPTH:
		bpfrt_errf(rc->err_buf, rc->err_size,
			   "insn %" PRIu64 ": call depth exceeds %d frames", idx,
			   BPFRT_MAX_CALL_FRAMES);
		return -E2BIG;
	default:
		bpfrt_errf(rc->err_buf, rc->err_size, "insn %" PRIu64 ": cannot execute op %d",
			   idx, rc->prog->code[idx].op);
		return -EINVAL;
	}
}

/* ---- public: the machine code of a program ------------------------------ */

BPFRT_API int bpfrt_prog__jit_info(const struct bpfrt_prog *prog, bool checked,
				   struct bpfrt_jit_info *info)
{
	if (!prog || !info || info->sz < sizeof(size_t))
		return -EINVAL;
	char msg[160];
	const struct bpfrt_jit_image *img = bpfrt__jit_get(prog, checked, msg, sizeof(msg));
	if (!img) {
		pr_warn("jit: %s\n", msg);
		return bpfrt__jit_available() ? -ENOMEM : -ENOTSUP;
	}
	OPTS_SET(info, image, img->code);
	OPTS_SET(info, image_len, img->len);
	OPTS_SET(info, insn_off, img->off);
	OPTS_SET(info, insn_cnt, img->cnt);
	OPTS_SET(info, checked, img->checked);
	return 0;
}
