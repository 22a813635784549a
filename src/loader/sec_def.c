/* SPDX-License-Identifier: MIT */
/*
 * SEC() names -> program types, following libbpf's documented section
 * naming conventions, and the program type names.
 */
#include <errno.h>
#include <string.h>

#include "core/common.h"
#include "loader.h"

/* How a table name matches a section name. */
enum sd_match {
	SD_EXACT,	/* the name itself */
	SD_SLASH,	/* the name, or the name followed by '/' and anything */
};

struct sec_def {
	const char *name;
	enum sd_match match;
	int type;	/* enum bpf_prog_type value */
};

/* More specific names first: the first match wins. */
static const struct sec_def sec_defs[] = {
	{ "socket",		SD_SLASH, BPFRT_PROG_TYPE_SOCKET_FILTER },
	{ "sk_reuseport/migrate", SD_EXACT, 21 },
	{ "sk_reuseport",	SD_EXACT, 21 },
	{ "kprobe",		SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "kretprobe",		SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "uprobe",		SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "uprobe.s",		SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "uretprobe",		SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "uretprobe.s",	SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "kprobe.multi",	SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "kretprobe.multi",	SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "ksyscall",		SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "kretsyscall",	SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "usdt",		SD_SLASH, BPFRT_PROG_TYPE_KPROBE },
	{ "tc",			SD_SLASH, BPFRT_PROG_TYPE_SCHED_CLS },
	{ "tcx/ingress",	SD_EXACT, BPFRT_PROG_TYPE_SCHED_CLS },
	{ "tcx/egress",		SD_EXACT, BPFRT_PROG_TYPE_SCHED_CLS },
	{ "classifier",		SD_SLASH, BPFRT_PROG_TYPE_SCHED_CLS },
	{ "action",		SD_SLASH, BPFRT_PROG_TYPE_SCHED_ACT },
	{ "tracepoint",		SD_SLASH, BPFRT_PROG_TYPE_TRACEPOINT },
	{ "tp",			SD_SLASH, BPFRT_PROG_TYPE_TRACEPOINT },
	{ "raw_tracepoint",	SD_SLASH, BPFRT_PROG_TYPE_RAW_TRACEPOINT },
	{ "raw_tp",		SD_SLASH, BPFRT_PROG_TYPE_RAW_TRACEPOINT },
	{ "raw_tracepoint.w",	SD_SLASH, 24 },
	{ "raw_tp.w",		SD_SLASH, 24 },
	{ "tp_btf",		SD_SLASH, BPFRT_PROG_TYPE_TRACING },
	{ "fentry",		SD_SLASH, BPFRT_PROG_TYPE_TRACING },
	{ "fexit",		SD_SLASH, BPFRT_PROG_TYPE_TRACING },
	{ "fmod_ret",		SD_SLASH, BPFRT_PROG_TYPE_TRACING },
	{ "fentry.s",		SD_SLASH, BPFRT_PROG_TYPE_TRACING },
	{ "fexit.s",		SD_SLASH, BPFRT_PROG_TYPE_TRACING },
	{ "fmod_ret.s",		SD_SLASH, BPFRT_PROG_TYPE_TRACING },
	{ "iter",		SD_SLASH, BPFRT_PROG_TYPE_TRACING },
	{ "iter.s",		SD_SLASH, BPFRT_PROG_TYPE_TRACING },
	{ "xdp.frags/devmap",	SD_EXACT, BPFRT_PROG_TYPE_XDP },
	{ "xdp.frags/cpumap",	SD_EXACT, BPFRT_PROG_TYPE_XDP },
	{ "xdp.frags",		SD_SLASH, BPFRT_PROG_TYPE_XDP },
	{ "xdp",		SD_SLASH, BPFRT_PROG_TYPE_XDP },
	{ "perf_event",		SD_SLASH, BPFRT_PROG_TYPE_PERF_EVENT },
	{ "cgroup_skb/ingress",	SD_EXACT, BPFRT_PROG_TYPE_CGROUP_SKB },
	{ "cgroup_skb/egress",	SD_EXACT, BPFRT_PROG_TYPE_CGROUP_SKB },
	{ "cgroup/skb",		SD_EXACT, BPFRT_PROG_TYPE_CGROUP_SKB },
	{ "sk_skb/stream_parser", SD_SLASH, 14 },
	{ "sk_skb/stream_verdict", SD_SLASH, 14 },
	{ "sk_skb",		SD_SLASH, 14 },
	{ "sk_msg",		SD_SLASH, 16 },
	{ "lwt_in",		SD_SLASH, 10 },
	{ "lwt_out",		SD_SLASH, 11 },
	{ "lwt_xmit",		SD_SLASH, 12 },
	{ "flow_dissector",	SD_SLASH, 22 },
	{ "sk_lookup",		SD_SLASH, 30 },
	{ "lsm",		SD_SLASH, 29 },
	{ "lsm.s",		SD_SLASH, 29 },
	{ "struct_ops",		SD_SLASH, 27 },
	{ "struct_ops.s",	SD_SLASH, 27 },
	{ "syscall",		SD_EXACT, BPFRT_PROG_TYPE_SYSCALL },
};

int lo_sec_prog_type(const char *name, enum bpfrt_prog_type *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(sec_defs); i++) {
		const struct sec_def *d = &sec_defs[i];
		size_t n = strlen(d->name);
		if (strncmp(name, d->name, n))
			continue;
		if (name[n] == 0 || (d->match == SD_SLASH && name[n] == '/')) {
			*type = (enum bpfrt_prog_type)d->type;
			return 0;
		}
	}
	return -ENOENT;
}

static const struct {
	int type;
	const char *name;
} type_names[] = {
	{ BPFRT_PROG_TYPE_UNSPEC, "unspec" },
	{ BPFRT_PROG_TYPE_SOCKET_FILTER, "socket_filter" },
	{ BPFRT_PROG_TYPE_KPROBE, "kprobe" },
	{ BPFRT_PROG_TYPE_SCHED_CLS, "sched_cls" },
	{ BPFRT_PROG_TYPE_SCHED_ACT, "sched_act" },
	{ BPFRT_PROG_TYPE_TRACEPOINT, "tracepoint" },
	{ BPFRT_PROG_TYPE_XDP, "xdp" },
	{ BPFRT_PROG_TYPE_PERF_EVENT, "perf_event" },
	{ BPFRT_PROG_TYPE_CGROUP_SKB, "cgroup_skb" },
	{ 10, "lwt_in" },
	{ 11, "lwt_out" },
	{ 12, "lwt_xmit" },
	{ 14, "sk_skb" },
	{ 16, "sk_msg" },
	{ BPFRT_PROG_TYPE_RAW_TRACEPOINT, "raw_tracepoint" },
	{ 21, "sk_reuseport" },
	{ 22, "flow_dissector" },
	{ 24, "raw_tracepoint_writable" },
	{ BPFRT_PROG_TYPE_TRACING, "tracing" },
	{ 27, "struct_ops" },
	{ 29, "lsm" },
	{ 30, "sk_lookup" },
	{ BPFRT_PROG_TYPE_SYSCALL, "syscall" },
};

BPFRT_API const char *bpfrt_prog_type_str(enum bpfrt_prog_type type)
{
	for (size_t i = 0; i < ARRAY_SIZE(type_names); i++)
		if (type_names[i].type == (int)type)
			return type_names[i].name;
	return "unknown";
}

BPFRT_API int bpfrt_prog_type_from_str(const char *s, enum bpfrt_prog_type *type)
{
	if (!s || !type)
		return -EINVAL;
	if (strcmp(s, "tc") == 0) {
		*type = BPFRT_PROG_TYPE_SCHED_CLS;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(type_names); i++) {
		if (strcmp(type_names[i].name, s) == 0) {
			*type = (enum bpfrt_prog_type)type_names[i].type;
			return 0;
		}
	}
	return -EINVAL;
}
