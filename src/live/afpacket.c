/* SPDX-License-Identifier: MIT */
/*
 * AF_PACKET backend: a SOCK_RAW packet socket per worker, bound to the
 * interface, promiscuous, blind to outgoing frames (PACKET_IGNORE_OUTGOING,
 * so frames the host or bpfrt itself sends are not seen again), batched
 * with recvmmsg straight into the XDP buffers (256 bytes of headroom).  The
 * workers of one interface share its frames through a PACKET_FANOUT_QM
 * group.  A separate socket per interface sends TX / forwarded / redirected
 * frames, bypassing the qdisc.
 *
 * VLAN tags the kernel moved into metadata are put back (PACKET_AUXDATA).
 * Frames a local sender produced with checksum offload (veth peers) arrive
 * with TP_STATUS_CSUMNOTREADY and a partial TCP/UDP checksum; the kernel
 * would complete it on the way out of a real device, but bpfrt forwards the
 * bytes, so it completes the checksum before the program sees the frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/common.h"
#include "live.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

static int sock_err(const struct live_port *p, const char *what, char *err, size_t n)
{
	int e = errno;
	if (e == EPERM || e == EACCES)
		bpfrt_errf(err, n, "%s: %s: %s (needs root or CAP_NET_RAW)", p->name, what,
			   strerror(e));
	else
		bpfrt_errf(err, n, "%s: %s: %s", p->name, what, strerror(e));
	return -e;
}

int live_afpacket_tx_open(struct live_port *p, char *err, size_t n)
{
	/* Bound with protocol 0 the socket receives nothing, so it never
	 * queues copies of the traffic; it only sends, bypassing the qdisc
	 * (best effort). */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sock_err(p, "cannot open a packet socket", err, n);
	int one = 1;
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = (int)p->ifindex,
	};
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		int e = sock_err(p, "cannot bind a packet socket", err, n);
		close(fd);
		return e;
	}
	p->fd = fd;
	return 0;
}

int live_afpacket_rx_open(struct live_worker *w, int *fanout_id, char *err, size_t n)
{
	struct live_port *p = w->port;
	/* Protocol 0 until bound: nothing is queued from other interfaces in
	 * between. */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sock_err(p, "cannot open a packet socket", err, n);
	int one = 1, rcvbuf = 8 << 20;
	struct packet_mreq mr = { .mr_ifindex = (int)p->ifindex, .mr_type = PACKET_MR_PROMISC };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)p->ifindex,
	};
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		int e = sock_err(p, "packet socket options", err, n);
		close(fd);
		return e;
	}
	/* Best effort: a bigger queue. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		int e = sock_err(p, "cannot bind a packet socket", err, n);
		close(fd);
		return e;
	}
	if (p->nq > 1) {
		/* Fanout by recorded RX queue: socket i gets the frames of
		 * queue i (of i, i + nq, ... when it serves fewer queues than
		 * the interface has).  The first socket asks the kernel for
		 * a group id nobody else uses; the others join it. */
		int arg = *fanout_id < 0 ? (PACKET_FANOUT_QM | PACKET_FANOUT_FLAG_UNIQUEID) << 16
					 : (PACKET_FANOUT_QM << 16) | *fanout_id;
		socklen_t sl = sizeof(arg);
		if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) ||
		    (*fanout_id < 0 && getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, &sl))) {
			int e = sock_err(p, "cannot join a packet fanout group", err, n);
			close(fd);
			return e;
		}
		if (*fanout_id < 0)
			*fanout_id = arg & 0xffff;
	}
	w->rx_fd = fd;
	return 0;
}

void live_afpacket_drain(struct live_worker *w)
{
	char buf[64];
	while (recv(w->rx_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (; len > 1; p += 2, len -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Complete the TCP/UDP checksum of an IPv4/IPv6 frame (no extension
 * headers) from scratch. */
static void complete_csum(uint8_t *f, uint32_t len)
{
	if (len < 14)
		return;
	uint16_t et = (uint16_t)(f[12] << 8 | f[13]);
	uint8_t *l3 = f + 14, proto;
	uint32_t s = 0, l4len;
	uint8_t *l4;
	if (et == 0x0800 && len >= 34) {
		uint32_t ihl = (l3[0] & 15u) * 4, tot = (uint32_t)(l3[2] << 8 | l3[3]);
		if (ihl < 20 || tot < ihl || 14 + tot > len)
			return;
		proto = l3[9];
		l4 = l3 + ihl;
		l4len = tot - ihl;
		s = sum16(l3 + 12, 8, 0);
	} else if (et == 0x86dd && len >= 54) {
		l4len = (uint32_t)(l3[4] << 8 | l3[5]);
		proto = l3[6];
		l4 = l3 + 40;
		if (54 + l4len > len)
			return;
		s = sum16(l3 + 8, 32, 0);
	} else {
		return;
	}
	uint32_t coff;
	if (proto == 6 && l4len >= 20)
		coff = 16;
	else if (proto == 17 && l4len >= 8)
		coff = 6;
	else
		return;
	s += proto + l4len;
	l4[coff] = l4[coff + 1] = 0;
	uint16_t c = fold(sum16(l4, l4len, s));
	if (proto == 17 && c == 0)
		c = 0xffff;
	l4[coff] = (uint8_t)(c >> 8);
	l4[coff + 1] = (uint8_t)c;
}

void *live_afpacket_worker(void *arg)
{
	struct live_worker *w = arg;
	struct bpfrt_live *lv = w->lv;
	struct mmsghdr msgs[LIVE_BATCH];
	struct iovec iov[LIVE_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct cmsghdr align;
	} cbuf[LIVE_BATCH];
	uint64_t last_stats = live_now_ns();

	while (!atomic_load_explicit(&lv->stop, memory_order_relaxed)) {
		struct pollfd pfd = { .fd = w->rx_fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		for (int i = 0; i < LIVE_BATCH; i++) {
			iov[i].iov_base = w->pages + (size_t)i * LIVE_PAGE + LIVE_HEADROOM;
			iov[i].iov_len = LIVE_MAX_DATA;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = cbuf[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof(cbuf[i].buf);
		}
		int cnt = recvmmsg(w->rx_fd, msgs, LIVE_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (cnt <= 0)
			continue;
		live_batch_begin(w);
		for (int i = 0; i < cnt; i++) {
			uint8_t *page = w->pages + (size_t)i * LIVE_PAGE;
			uint32_t len = msgs[i].msg_len;
			struct msghdr *mh = &msgs[i].msg_hdr;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
				if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
					continue;
				struct tpacket_auxdata aux;
				memcpy(&aux, CMSG_DATA(c), sizeof(aux));
				uint8_t *f = page + LIVE_HEADROOM;
				if ((aux.tp_status & TP_STATUS_CSUMNOTREADY) && len <= LIVE_MAX_DATA)
					complete_csum(f, len);
				/* The kernel took the VLAN tag off into metadata;
				 * XDP sees frames as they were on the wire. */
				if ((aux.tp_status & TP_STATUS_VLAN_VALID) && len >= 12 &&
				    len + 4 <= LIVE_MAX_DATA) {
					uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) &&
							aux.tp_vlan_tpid ? aux.tp_vlan_tpid : 0x8100;
					memmove(f + 16, f + 12, len - 12);
					f[12] = (uint8_t)(tpid >> 8);
					f[13] = (uint8_t)tpid;
					f[14] = (uint8_t)(aux.tp_vlan_tci >> 8);
					f[15] = (uint8_t)aux.tp_vlan_tci;
					len += 4;
				}
			}
			live_frame(w, page, len);
		}
		live_batch_end(w);
		uint64_t now = live_now_ns();
		if (now - last_stats > 500000000u) {
			struct tpacket_stats st;
			socklen_t sl = sizeof(st);
			/* Reading the statistics resets them: accumulate. */
			if (!getsockopt(w->rx_fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
				atomic_fetch_add(&w->c.kernel_drops, st.tp_drops);
			last_stats = now;
		}
	}
	return NULL;
}
