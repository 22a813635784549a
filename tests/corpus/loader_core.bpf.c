// SPDX-License-Identifier: GPL-2.0
/* CO-RE: local partial definitions of kernel types, relocated against the
 * running kernel's BTF. */
#include "bpfrt_test.h"
#include <bpf/bpf_core_read.h>

struct list_head___local { void *next, *prev; };

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	char comm[16];
	struct list_head___local children;
} __attribute__((preserve_access_index));

/* A flavour of the same type: matched by its name without "___v2". */
struct task_struct___v2 {
	int pid;
	int no_such_field_in_kernel;
} __attribute__((preserve_access_index));

struct sk_buff {
	unsigned int len;
	unsigned int data_len;
	__u16 mac_len;
	__u32 mark;
	__u8 cloned : 1;	/* a bitfield in the kernel too */
} __attribute__((preserve_access_index));

struct no_such_kernel_type___x { int a; } __attribute__((preserve_access_index));

SEC("kprobe/do_nanosleep")
int core_task(struct task_struct *t)
{
	int pid = BPF_CORE_READ(t, pid);
	int ppid = BPF_CORE_READ(t, real_parent, tgid);
	char c;
	bpf_core_read(&c, 1, &t->comm[3]);
	void *n = BPF_CORE_READ(t, children.next);
	return pid + ppid + c + (n != 0);
}

SEC("kprobe/kfree_skb")
int core_skb(struct sk_buff *skb)
{
	__u32 len = BPF_CORE_READ(skb, len);
	__u32 mark = BPF_CORE_READ(skb, mark);
	__u16 ml = BPF_CORE_READ(skb, mac_len);
	/* byte offset, byte size, lshift and rshift of a bitfield */
	__u64 cl = BPF_CORE_READ_BITFIELD_PROBED(skb, cloned);
	return len + mark + ml + cl;
}

SEC("kprobe/do_exit")
int core_exists(struct task_struct___v2 *t)
{
	int r = 0;
	if (bpf_core_field_exists(t->pid))
		r |= 1;
	if (bpf_core_field_exists(t->no_such_field_in_kernel))
		r |= 2;
	if (bpf_core_type_exists(struct task_struct))
		r |= 4;
	if (bpf_core_type_exists(struct no_such_kernel_type___x))
		r |= 8;
	r += bpf_core_type_size(struct task_struct) & 0xff0000;
	r += bpf_core_field_size(t->pid) << 4;
	/* enum values: the kernel's numbering, not the header's */
	if (bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF))
		r += bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF) << 8;
	return r;
}

char LICENSE[] SEC("license") = "GPL";
