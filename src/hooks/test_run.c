/* SPDX-License-Identifier: MIT */
/*
 * bpfrt_program__test_run: the kernel's BPF_PROG_TEST_RUN in user space
 * (net/bpf/test_run.c), per program type:
 *  - XDP: the frame in a 4 KiB page after 256 bytes of headroom (minus the
 *    metadata ctx_in declares), tailroom for a struct skb_shared_info, the
 *    output from data_meta to data_end;
 *  - tc, socket filter, cgroup_skb: an skb made by eth_type_trans on a
 *    loopback-like device; programs that do not see L2 get the data from
 *    the network header and the Ethernet header back zeroed in the output.
 * Errors are the kernel's for the same input; repeated runs run on the same
 * buffer, as the kernel's do.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common.h"
#include "ctx/ctx.h"
#include "vm/vm.h"

#define PAGE 4096u
#define ETH_HLEN 14
#define XDP_HEADROOM 256u
/* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64 */
#define SHINFO_ROOM 320u
/* sizeof(struct xdp_frame): adjust_head/meta may not reach into it */
#define XDP_FRAME_SZ 40u
/* NET_SKB_PAD + NET_IP_ALIGN on x86-64 */
#define SKB_HEADROOM 64u
/* The kernel takes at most a page of skb input but lets programs grow the
 * packet (skb_change_tail, skb_adjust_room) up to 16064 bytes of data. */
#define SKB_MAX_GROWN 16064u
#define SKB_BUF (SKB_HEADROOM + SKB_MAX_GROWN + SHINFO_ROOM)
#define GSO_MAX_SEGS 65535u
#define GSO_LEGACY_MAX_SIZE 65536u

struct tr {
	struct bpfrt_prog *prog;
	struct bpfrt_test_run_opts *o;
	char *err;
	size_t err_size;
	uint8_t *ctx;		/* ctx_in copy (NULL when neither in nor out) */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* bpf_ctx_init: a zeroed context of the UAPI size, the caller's bytes
 * over it; bytes beyond the size the kernel knows must be zero. */
static int ctx_init(struct tr *t, size_t size)
{
	const uint8_t *in = OPTS_GET(t->o, ctx_in, NULL);
	uint32_t in_size = OPTS_GET(t->o, ctx_size_in, 0);
	if (!in && !OPTS_GET(t->o, ctx_out, NULL))
		return 0;
	t->ctx = calloc(1, size);
	if (!t->ctx)
		return -ENOMEM;
	if (in) {
		for (size_t i = size; i < in_size; i++)
			if (in[i]) {
				bpfrt_errf(t->err, t->err_size, "ctx_in has non-zero bytes beyond "
					   "the %zu bytes of the context", size);
				return -E2BIG;
			}
		memcpy(t->ctx, in, in_size < size ? in_size : size);
	}
	return 0;
}

/* bpf_test_finish: copy what fits, report the full size; -ENOSPC when it
 * did not fit. */
static int finish(struct tr *t, const uint8_t *data, uint32_t size, uint32_t retval,
		  uint32_t duration)
{
	struct bpfrt_test_run_opts *o = t->o;
	void *out = OPTS_GET(o, data_out, NULL);
	uint32_t cap = OPTS_GET(o, data_size_out, 0);
	uint32_t copy = size;
	int err = 0;
	if (out && copy > cap) {
		copy = cap;
		err = -ENOSPC;
		bpfrt_errf(t->err, t->err_size, "output of %u bytes does not fit data_out (%u)",
			   size, cap);
	}
	if (out)
		memcpy(out, data, copy);
	OPTS_SET(o, data_size_out, size);
	OPTS_SET(o, retval, retval);
	OPTS_SET(o, duration, duration);
	return err;
}

/* bpf_ctx_finish */
static int ctx_finish(struct tr *t, size_t size)
{
	void *out = OPTS_GET(t->o, ctx_out, NULL);
	uint32_t cap = OPTS_GET(t->o, ctx_size_out, 0);
	if (!t->ctx || !out)
		return 0;
	int err = 0;
	size_t copy = size;
	if (copy > cap) {
		copy = cap;
		err = -ENOSPC;
		bpfrt_errf(t->err, t->err_size, "context of %zu bytes does not fit ctx_out (%u)",
			   size, cap);
	}
	memcpy(out, t->ctx, copy);
	OPTS_SET(t->o, ctx_size_out, (uint32_t)size);
	return err;
}

static unsigned loopback_ifindex(void)
{
	unsigned i = if_nametoindex("lo");
	return i ? i : 1;
}

/* Run the program repeat times on the hook; mean duration in *dur. */
static int run(struct tr *t, struct bpfrt_hook *h, uint32_t *retval, uint32_t *dur)
{
	_Alignas(16) uint8_t stack[VM_STACK_BYTES];
	struct bpfrt_test_run_opts *o = t->o;
	struct bpfrt_run_ctx rc = {
		.ctx_lo = (uintptr_t)&h->shadow,
		.ctx_hi = (uintptr_t)&h->shadow + t->prog->ctx_desc->size,
		.ctx_desc = t->prog->ctx_desc,
		.hook = h,
		.cpu = OPTS_GET(o, cpu, 0),
		.args = { (uintptr_t)&h->shadow },
		.err_buf = t->err,
		.err_size = t->err_size,
	};
	int err = bpfrt__vm_prepare(t->prog, &rc, OPTS_GET(o, engine, BPFRT_ENGINE_DEFAULT),
				    OPTS_GET(o, check, BPFRT_CHECK_AUTO), stack, sizeof(stack));
	if (err)
		return err;
	bpfrt__hook_sync(&rc);
	int repeat = OPTS_GET(o, repeat, 0);
	if (repeat <= 0)
		repeat = 1;
	uint64_t t0 = now_ns();
	for (int i = 0; i < repeat && !err; i++)
		err = bpfrt__vm_run_once(t->prog, &rc, stack, sizeof(stack));
	uint64_t t1 = now_ns();
	bpfrt__vm_regions_free(&rc);
	if (err)
		return err;
	*retval = (uint32_t)rc.retval;
	uint64_t d = (t1 - t0) / (uint64_t)repeat;
	*dur = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	return 0;
}

static int test_run_xdp(struct tr *t)
{
	struct bpfrt_test_run_opts *o = t->o;
	uint32_t size = OPTS_GET(o, data_size_in, 0);
	const uint8_t *in = OPTS_GET(o, data_in, NULL);
	struct xdp_md md = { 0 };
	uint32_t metalen = 0;
	int err = ctx_init(t, sizeof(md));
	if (err)
		return err;
	if (t->ctx) {
		memcpy(&md, t->ctx, sizeof(md));
		/* No user data before the metadata; the metadata is ctx.data
		 * bytes at the start of the frame, a valid metadata length. */
		if (md.data_meta || md.data_end != size || md.data > md.data_end ||
		    (md.data & 3) || md.data > 255) {
			bpfrt_errf(t->err, t->err_size, "xdp_md in ctx_in does not describe the "
				   "frame (data %u, data_end %u, data_meta %u for %u bytes)",
				   md.data, md.data_end, md.data_meta, size);
			return -EINVAL;
		}
		metalen = md.data;
	}
	const uint32_t max_data = PAGE - XDP_HEADROOM - SHINFO_ROOM;
	if (size < ETH_HLEN || !in) {
		bpfrt_errf(t->err, t->err_size, "frame of %u bytes is shorter than an Ethernet "
			   "header", size);
		return -EINVAL;
	}
	if (size > max_data) {
		bpfrt_errf(t->err, t->err_size, "frame of %u bytes needs multi-buffer XDP, "
			   "which bpfrt lacks (at most %u)", size, max_data);
		return -EINVAL;
	}
	/* xdp_convert_md_to_buff */
	if (md.egress_ifindex) {
		bpfrt_errf(t->err, t->err_size, "ctx_in: egress_ifindex must be 0");
		return -EINVAL;
	}
	if (!md.ingress_ifindex && md.rx_queue_index) {
		bpfrt_errf(t->err, t->err_size, "ctx_in: rx_queue_index without ingress_ifindex");
		return -EINVAL;
	}
	if (md.ingress_ifindex) {
		char name[IF_NAMESIZE];
		if (!if_indextoname(md.ingress_ifindex, name)) {
			bpfrt_errf(t->err, t->err_size, "ctx_in: no device with ifindex %u",
				   md.ingress_ifindex);
			return -ENODEV;
		}
		if (md.rx_queue_index) {
			bpfrt_errf(t->err, t->err_size, "ctx_in: rx queue %u does not exist",
				   md.rx_queue_index);
			return -EINVAL;
		}
	}

	struct bpfrt_hook *h = calloc(1, sizeof(*h));
	uint8_t *buf = aligned_alloc(PAGE, PAGE);
	if (!h || !buf) {
		free(h);
		free(buf);
		return -ENOMEM;
	}
	memset(buf, 0, PAGE);
	h->type = BPFRT_PROG_TYPE_XDP;
	h->buf = buf;
	h->hard_start = buf + XDP_FRAME_SZ;
	h->hard_end = buf + PAGE - SHINFO_ROOM;
	h->meta = buf + XDP_HEADROOM - metalen;
	memcpy(h->meta, in, size);
	h->data = h->meta + metalen;
	h->end = h->meta + size;
	h->shadow.xdp.ingress_ifindex = md.ingress_ifindex ? md.ingress_ifindex
							    : loopback_ifindex();
	h->shadow.xdp.rx_queue_index = md.rx_queue_index;

	uint32_t retval = 0, dur = 0;
	err = run(t, h, &retval, &dur);
	if (!err)
		err = finish(t, h->meta, (uint32_t)(h->end - h->meta), retval, dur);
	if (!err && t->ctx) {
		md.data = (uint32_t)(h->data - h->meta);
		md.data_end = (uint32_t)(h->end - h->meta);
		memcpy(t->ctx, &md, sizeof(md));
		err = ctx_finish(t, sizeof(md));
	}
	free(buf);
	free(h);
	return err;
}

static bool range_zero(const uint8_t *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i])
			return false;
	return true;
}

#define SKB_END(f) (offsetof(struct __sk_buff, f) + sizeof(((struct __sk_buff *)0)->f))
#define SKB_AT(f) offsetof(struct __sk_buff, f)

/* convert___skb_to_skb: the fields ctx_in may set; the rest must be 0. */
static int skb_ctx_check(struct tr *t, const struct __sk_buff *s, uint32_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	if (!range_zero(p, 0, SKB_AT(mark)) ||
	    !range_zero(p, SKB_END(mark), SKB_AT(priority)) ||
	    !range_zero(p, SKB_END(ifindex), SKB_AT(cb)) ||
	    !range_zero(p, SKB_END(cb), SKB_AT(tstamp)) ||
	    !range_zero(p, SKB_END(gso_segs), SKB_AT(gso_size)) ||
	    !range_zero(p, SKB_END(gso_size), SKB_AT(hwtstamp)) ||
	    !range_zero(p, SKB_END(hwtstamp), sizeof(*s))) {
		bpfrt_errf(t->err, t->err_size, "ctx_in sets __sk_buff fields test-run does not "
			   "take (only mark, priority, ingress_ifindex, ifindex, cb, tstamp, "
			   "wire_len, gso_segs, gso_size, hwtstamp)");
		return -EINVAL;
	}
	if (s->wire_len && (s->wire_len < len || s->wire_len > GSO_LEGACY_MAX_SIZE)) {
		bpfrt_errf(t->err, t->err_size, "ctx_in: wire_len %u outside [%u, %u]",
			   s->wire_len, len, GSO_LEGACY_MAX_SIZE);
		return -EINVAL;
	}
	if (s->gso_segs > GSO_MAX_SEGS) {
		bpfrt_errf(t->err, t->err_size, "ctx_in: gso_segs %u above %u", s->gso_segs,
			   GSO_MAX_SEGS);
		return -EINVAL;
	}
	return 0;
}

/* eth_type_trans: skb->protocol (network byte order, as __sk_buff shows
 * it) and pkt_type, for a device whose address is all zeroes. */
static void eth_type_trans(const uint8_t *f, uint32_t *proto, uint32_t *pkt_type)
{
	static const uint8_t zero[6];
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	/* The loopback device's broadcast address is all zeroes too, so
	 * ff:ff:ff:ff:ff:ff is just multicast (as the kernel reports). */
	if (!memcmp(f, zero, 6))
		*pkt_type = 0;				/* PACKET_HOST */
	else if (f[0] & 1)
		*pkt_type = 2;				/* PACKET_MULTICAST */
	else
		*pkt_type = 3;				/* PACKET_OTHERHOST */
	if (type >= 0x0600)
		;
	else if (f[14] == 0xff && f[15] == 0xff)
		type = 0x0001;		/* ETH_P_802_3: raw IPX */
	else
		type = 0x0004;		/* ETH_P_802_2 */
	*proto = (uint32_t)__builtin_bswap16(type);
}

static int test_run_skb(struct tr *t)
{
	struct bpfrt_test_run_opts *o = t->o;
	enum bpfrt_prog_type type = t->prog->type;
	uint32_t size = OPTS_GET(o, data_size_in, 0);
	const uint8_t *in = OPTS_GET(o, data_in, NULL);
	bool l2 = type == BPFRT_PROG_TYPE_SCHED_CLS || type == BPFRT_PROG_TYPE_SCHED_ACT;
	struct __sk_buff s = { 0 };
	int err = ctx_init(t, sizeof(s));
	if (err)
		return err;
	if (t->ctx)
		memcpy(&s, t->ctx, sizeof(s));
	if (size < ETH_HLEN || !in) {
		bpfrt_errf(t->err, t->err_size, "frame of %u bytes is shorter than an Ethernet "
			   "header", size);
		return -EINVAL;
	}
	if (size > PAGE - SKB_HEADROOM - SHINFO_ROOM) {
		bpfrt_errf(t->err, t->err_size, "frame of %u bytes is larger than test-run's "
			   "%u", size, PAGE - SKB_HEADROOM - SHINFO_ROOM);
		return -EINVAL;
	}
	unsigned ifindex = loopback_ifindex();
	if (s.ifindex > 1) {
		char name[IF_NAMESIZE];
		if (!if_indextoname(s.ifindex, name)) {
			bpfrt_errf(t->err, t->err_size, "ctx_in: no device with ifindex %u",
				   s.ifindex);
			return -ENODEV;
		}
		ifindex = s.ifindex;
	}
	uint16_t etype = (uint16_t)(in[12] << 8 | in[13]);
	if ((etype == 0x0800 && size - ETH_HLEN < 20) || (etype == 0x86dd && size - ETH_HLEN < 40)) {
		bpfrt_errf(t->err, t->err_size, "frame of %u bytes is too short for the %s header "
			   "its ethertype announces", size, etype == 0x0800 ? "IPv4" : "IPv6");
		return -EINVAL;
	}

	struct bpfrt_hook *h = calloc(1, sizeof(*h));
	uint8_t *buf = calloc(1, SKB_BUF);
	if (!h || !buf) {
		free(h);
		free(buf);
		return -ENOMEM;
	}
	h->type = type;
	h->is_skb = true;
	h->l2 = l2;
	h->buf = buf;
	h->hard_start = buf;
	h->hard_end = buf + SKB_BUF - SHINFO_ROOM;
	memcpy(buf + SKB_HEADROOM, in, size);
	h->data = buf + SKB_HEADROOM + (l2 ? 0 : ETH_HLEN);
	h->meta = h->data;
	h->end = buf + SKB_HEADROOM + size;

	struct __sk_buff *k = &h->shadow.skb;
	uint32_t len = (uint32_t)(h->end - h->data);
	eth_type_trans(in, &k->protocol, &k->pkt_type);
	k->len = len;
	k->ifindex = ifindex;
	/* Test-run gives the skb a socket whose family and addresses come
	 * from the IP header (source = local, as for a received packet);
	 * cgroup_skb programs see them. */
	if (type == BPFRT_PROG_TYPE_CGROUP_SKB) {
		if (etype == 0x0800) {
			k->family = 2;		/* AF_INET */
			memcpy(&k->local_ip4, in + ETH_HLEN + 12, 4);
			memcpy(&k->remote_ip4, in + ETH_HLEN + 16, 4);
		} else if (etype == 0x86dd) {
			k->family = 10;		/* AF_INET6 */
			memcpy(k->local_ip6, in + ETH_HLEN + 8, 16);
			memcpy(k->remote_ip6, in + ETH_HLEN + 24, 16);
		}
	}
	if (t->ctx) {
		err = skb_ctx_check(t, &s, len);
		if (err)
			goto out;
		k->mark = s.mark;
		k->priority = s.priority;
		k->ingress_ifindex = s.ingress_ifindex;
		k->tstamp = s.tstamp;
		memcpy(k->cb, s.cb, sizeof(k->cb));
		k->gso_segs = s.gso_segs;
		k->gso_size = s.gso_size;
		k->hwtstamp = s.hwtstamp;
	}
	/* The qdisc cb's pkt_len is only set when a context is given. */
	if (t->ctx)
		k->wire_len = s.wire_len ? s.wire_len : len;

	uint32_t retval = 0, dur = 0;
	err = run(t, h, &retval, &dur);
	if (err)
		goto out;
	/* A program that did not see L2 gets a zeroed Ethernet header back. */
	uint8_t *outp = h->data;
	if (!l2) {
		outp -= ETH_HLEN;
		memset(outp, 0, ETH_HLEN);
	}
	err = finish(t, outp, (uint32_t)(h->end - outp), retval, dur);
	if (!err && t->ctx) {
		struct __sk_buff *c = (struct __sk_buff *)t->ctx;
		c->mark = k->mark;
		c->priority = k->priority;
		c->ingress_ifindex = k->ingress_ifindex;
		c->ifindex = k->ifindex;
		c->tstamp = k->tstamp;
		memcpy(c->cb, k->cb, sizeof(c->cb));
		c->wire_len = k->wire_len;
		c->gso_segs = k->gso_segs;
		c->hwtstamp = k->hwtstamp;
		err = ctx_finish(t, sizeof(*c));
	}
out:
	free(buf);
	free(h);
	return err;
}

/* Test-run of a loaded program (internal form, also for tests). */
int bpfrt__prog_test_run(struct bpfrt_prog *prog, struct bpfrt_test_run_opts *opts);
int bpfrt__prog_test_run(struct bpfrt_prog *prog, struct bpfrt_test_run_opts *opts)
{
	char *err_buf = OPTS_GET(opts, err_buf, NULL);
	size_t err_size = OPTS_GET(opts, err_size, 0);
	if (!prog || !opts || opts->sz < sizeof(size_t)) {
		bpfrt_errf(err_buf, err_size, "bad arguments (program not loaded?)");
		return -EINVAL;
	}
	struct tr t = { prog, opts, err_buf, err_size, NULL };
	/* The kernel takes no flags for these types (live frames aside) and
	 * pins nothing; bpfrt runs the program as logical CPU opts->cpu. */
	if (OPTS_GET(opts, flags, 0)) {
		bpfrt_errf(err_buf, err_size, "unsupported test-run flags 0x%x",
			   OPTS_GET(opts, flags, 0));
		return -EINVAL;
	}
	if (OPTS_GET(opts, cpu, 0) >= bpfrt_num_cpus()) {
		bpfrt_errf(err_buf, err_size, "cpu %u: bpfrt has %u CPUs", OPTS_GET(opts, cpu, 0),
			   bpfrt_num_cpus());
		return -ENXIO;
	}
	int err;
	switch (prog->type) {
	case BPFRT_PROG_TYPE_XDP:
		err = test_run_xdp(&t);
		break;
	case BPFRT_PROG_TYPE_SCHED_CLS:
	case BPFRT_PROG_TYPE_SCHED_ACT:
	case BPFRT_PROG_TYPE_SOCKET_FILTER:
	case BPFRT_PROG_TYPE_CGROUP_SKB:
		err = test_run_skb(&t);
		break;
	default:
		bpfrt_errf(err_buf, err_size, "test-run of %s programs is not supported",
			   bpfrt_prog_type_str(prog->type));
		err = -ENOTSUP;
		break;
	}
	free(t.ctx);
	return err;
}

BPFRT_API int bpfrt_program__test_run(struct bpfrt_program *prog,
				      struct bpfrt_test_run_opts *opts)
{
	return bpfrt__prog_test_run(bpfrt_program__prog(prog), opts);
}
