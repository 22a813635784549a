/* SPDX-License-Identifier: MIT */
/*
 * Which helpers each program type gets, by the kernel's ids, and the
 * kernel's names for every id (for messages about helpers bpfrt lacks).
 * Availability follows the kernel's *_func_proto per program type
 * (bpf_base_func_proto for all, packet helpers per hook, task and
 * probe_read helpers for tracing types), for a privileged loader.
 */
#include <linux/bpf.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/common.h"
#include "helpers.h"
#include "hl.h"

/* Id -> name, from the UAPI header's own list: ids are the positions. */
#define NAME_FN(x) #x
static const char *const kernel_names[] = { __BPF_FUNC_MAPPER(NAME_FN) };
#undef NAME_FN

const char *bpfrt__kernel_helper_name(unsigned int id)
{
	return id > 0 && id < ARRAY_SIZE(kernel_names) ? kernel_names[id] : NULL;
}

#define DECL(name) HELPER(name);
#define HELPER_LIST(X)								\
	X(map_lookup_elem) X(map_update_elem) X(map_delete_elem)		\
	X(map_push_elem) X(map_pop_elem) X(map_peek_elem)			\
	X(for_each_map_elem) X(loop) X(tail_call)				\
	X(ringbuf_reserve) X(ringbuf_submit) X(ringbuf_discard)		\
	X(ringbuf_output) X(ringbuf_query) X(perf_event_output)		\
	X(spin_lock) X(spin_unlock)						\
	X(ktime_get_ns) X(ktime_get_boot_ns) X(ktime_get_coarse_ns)		\
	X(jiffies64) X(get_prandom_u32) X(get_smp_processor_id)		\
	X(get_numa_node_id) X(get_current_pid_tgid) X(get_current_uid_gid)	\
	X(get_current_comm) X(probe_read) X(probe_read_kernel)			\
	X(probe_read_user) X(probe_read_str) X(probe_read_kernel_str)		\
	X(probe_read_user_str) X(trace_printk) X(trace_vprintk) X(strncmp)	\
	X(xdp_adjust_head) X(xdp_adjust_meta) X(xdp_adjust_tail)		\
	X(xdp_get_buff_len) X(xdp_load_bytes) X(xdp_store_bytes)		\
	X(redirect) X(redirect_map) X(skb_load_bytes) X(skb_store_bytes)	\
	X(skb_pull_data) X(l3_csum_replace) X(l4_csum_replace) X(csum_diff)	\
	X(csum_update) X(get_hash_recalc) X(fib_lookup) X(skb_change_tail)	\
	X(skb_adjust_room)
HELPER_LIST(DECL)
#undef DECL

/* Availability classes. */
enum {
	A_XDP = 1u << 0,
	A_TC = 1u << 1,		/* sched_cls, sched_act */
	A_SOCK = 1u << 2,	/* socket filter */
	A_CGSKB = 1u << 3,
	A_TRACE = 1u << 4,	/* kprobe, tracepoint, perf_event, raw_tp, tracing */
	A_SYSCALL = 1u << 5,
	A_RAW = 1u << 6,	/* UNSPEC: raw bytecode */
	A_ALL = 0x7f,
	A_SKB = A_TC | A_SOCK | A_CGSKB,
	A_PKT_OUT = A_XDP | A_TC | A_SOCK | A_CGSKB | A_TRACE,	/* perf output */
	A_TASK = A_TRACE | A_CGSKB | A_SYSCALL | A_RAW,
};

struct hrow {
	uint32_t id;
	const char *name;
	bpfrt_helper_fn fn;
	uint32_t avail;
};

#define ROW(name, avail) { BPF_FUNC_##name, "bpf_" #name, bpfrt__h_##name, avail }
static const struct hrow rows[] = {
	ROW(map_lookup_elem, A_ALL),
	ROW(map_update_elem, A_ALL),
	ROW(map_delete_elem, A_ALL),
	ROW(map_push_elem, A_ALL),
	ROW(map_pop_elem, A_ALL),
	ROW(map_peek_elem, A_ALL),
	ROW(for_each_map_elem, A_ALL),
	ROW(loop, A_ALL),
	ROW(tail_call, A_ALL & ~A_SYSCALL),
	ROW(ringbuf_reserve, A_ALL),
	ROW(ringbuf_submit, A_ALL),
	ROW(ringbuf_discard, A_ALL),
	ROW(ringbuf_output, A_ALL),
	ROW(ringbuf_query, A_ALL),
	ROW(perf_event_output, A_PKT_OUT),
	ROW(spin_lock, A_ALL & ~A_TRACE),
	ROW(spin_unlock, A_ALL & ~A_TRACE),
	ROW(ktime_get_ns, A_ALL),
	ROW(ktime_get_boot_ns, A_ALL),
	ROW(ktime_get_coarse_ns, A_ALL),
	ROW(jiffies64, A_ALL),
	ROW(get_prandom_u32, A_ALL),
	ROW(get_smp_processor_id, A_ALL),
	ROW(get_numa_node_id, A_ALL),
	ROW(get_current_pid_tgid, A_ALL),
	ROW(get_current_uid_gid, A_TASK),
	ROW(get_current_comm, A_TASK),
	ROW(probe_read, A_TRACE),
	ROW(probe_read_str, A_TRACE),
	ROW(probe_read_kernel, A_ALL),
	ROW(probe_read_user, A_ALL),
	ROW(probe_read_kernel_str, A_ALL),
	ROW(probe_read_user_str, A_ALL),
	ROW(trace_printk, A_ALL),
	ROW(trace_vprintk, A_ALL),
	ROW(strncmp, A_ALL),
	ROW(xdp_adjust_head, A_XDP),
	ROW(xdp_adjust_meta, A_XDP),
	ROW(xdp_adjust_tail, A_XDP),
	ROW(xdp_get_buff_len, A_XDP),
	ROW(xdp_load_bytes, A_XDP),
	ROW(xdp_store_bytes, A_XDP),
	ROW(redirect, A_XDP | A_TC),
	ROW(redirect_map, A_XDP),
	ROW(skb_load_bytes, A_SKB),
	ROW(skb_store_bytes, A_TC),
	ROW(skb_pull_data, A_TC),
	ROW(l3_csum_replace, A_TC),
	ROW(l4_csum_replace, A_TC),
	ROW(csum_diff, A_XDP | A_TC),
	ROW(csum_update, A_TC),
	ROW(get_hash_recalc, A_TC),
	ROW(fib_lookup, A_XDP | A_TC),
	ROW(skb_change_tail, A_TC),
	ROW(skb_adjust_room, A_TC),
};
#undef ROW

static uint32_t class_of(enum bpfrt_prog_type t)
{
	switch (t) {
	case BPFRT_PROG_TYPE_XDP: return A_XDP;
	case BPFRT_PROG_TYPE_SCHED_CLS:
	case BPFRT_PROG_TYPE_SCHED_ACT: return A_TC;
	case BPFRT_PROG_TYPE_SOCKET_FILTER: return A_SOCK;
	case BPFRT_PROG_TYPE_CGROUP_SKB: return A_CGSKB;
	case BPFRT_PROG_TYPE_KPROBE:
	case BPFRT_PROG_TYPE_TRACEPOINT:
	case BPFRT_PROG_TYPE_PERF_EVENT:
	case BPFRT_PROG_TYPE_RAW_TRACEPOINT:
	case BPFRT_PROG_TYPE_TRACING: return A_TRACE;
	case BPFRT_PROG_TYPE_SYSCALL: return A_SYSCALL;
	default: return A_RAW;
	}
}

/* One table per availability class, built once. */
#define NCLASS 7
static struct bpfrt_helper_def tables[NCLASS][ARRAY_SIZE(rows)];
static size_t table_cnt[NCLASS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
	for (unsigned c = 0; c < NCLASS; c++)
		for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
			if (rows[i].avail & (1u << c))
				tables[c][table_cnt[c]++] = (struct bpfrt_helper_def){
					.id = rows[i].id, .name = rows[i].name, .fn = rows[i].fn,
				};
}

const struct bpfrt_helper_def *bpfrt__helpers_for_type(enum bpfrt_prog_type type,
							size_t *cnt)
{
	pthread_once(&once, build);
	unsigned c = (unsigned)__builtin_ctz(class_of(type));
	*cnt = table_cnt[c];
	return tables[c];
}

bool bpfrt__helper_implemented(unsigned int id)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].id == id)
			return true;
	return false;
}
