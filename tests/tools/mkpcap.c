/* SPDX-License-Identifier: MIT */
/*
 * mkpcap DIR - write the differential corpus' captures into DIR:
 *
 *   mix.pcap        ICMP, ICMPv6, TCP and UDP on many ports, ARP, VLAN, IPv6
 *   mix.pcapng      the same frames, as a pcapng file (written by hand:
 *                   libpcap only reads pcapng)
 *   lb.pcap         flows to the load balancer's VIP, with repeats, and
 *                   non-VIP traffic
 *   pod.pcap        valid and malicious IPv4/UDP lengths, IHL < 5, fragments
 *   cidr.pcap       IPv4 sources spread across nested prefixes
 *   malformed.pcap  runts (0, 1, 13 bytes), truncated headers, IP options,
 *                   1514-byte frames
 *
 * Everything is deterministic: fixed timestamps, fixed payload patterns,
 * no randomness, so the files are byte-identical on every run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#define MAXFRAME 2048
#define MAXFRAMES 256
#define TS_BASE 1700000000u

struct frame {
	uint8_t b[MAXFRAME];
	size_t n;
};

/* A capture being assembled: frames are kept so mix can also be written
 * as pcapng with the very same bytes. */
struct capture {
	struct frame f[MAXFRAMES];
	size_t n;
};

static void fail(const char *what)
{
	fprintf(stderr, "mkpcap: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* ---- byte helpers --------------------------------------------------- */

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)(v >> 16));
	w16(p + 2, (uint16_t)v);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const uint8_t MAC_A[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- L4 payloads ---------------------------------------------------- */

struct l4 {
	uint8_t b[MAXFRAME];
	size_t n;
	int csum_off;	/* where the checksum goes, -1: none */
	uint8_t proto;
	int udp_len;	/* UDP length field override, -1: the real length */
	int no_csum;	/* UDP: leave the checksum 0 ("none") */
	int raw;	/* bytes as they are (a non-first fragment) */
};

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed * 13 + 1);
}

static void mk_tcp(struct l4 *l, uint16_t sp, uint16_t dp, uint8_t flags, uint32_t seq, size_t pay)
{
	memset(l, 0, sizeof(*l));
	w16(l->b, sp);
	w16(l->b + 2, dp);
	w32(l->b + 4, seq);
	w32(l->b + 8, flags & 0x10 ? seq ^ 0x5a5a5a5au : 0);
	l->b[12] = 5 << 4;
	l->b[13] = flags;
	w16(l->b + 14, 65535);
	pattern(l->b + 20, pay, seq);
	l->n = 20 + pay;
	l->csum_off = 16;
	l->proto = 6;
	l->udp_len = -1;
}

static void mk_udp(struct l4 *l, uint16_t sp, uint16_t dp, size_t pay)
{
	memset(l, 0, sizeof(*l));
	w16(l->b, sp);
	w16(l->b + 2, dp);
	pattern(l->b + 8, pay, sp ^ dp);
	l->n = 8 + pay;
	l->csum_off = 6;
	l->proto = 17;
	l->udp_len = -1;
}

static void mk_icmp(struct l4 *l, uint8_t proto, uint8_t type, uint16_t id, uint16_t seq, size_t pay)
{
	memset(l, 0, sizeof(*l));
	l->b[0] = type;
	w16(l->b + 4, id);
	w16(l->b + 6, seq);
	pattern(l->b + 8, pay, seq);
	l->n = 8 + pay;
	l->csum_off = 2;
	l->proto = proto;
	l->udp_len = -1;
}

/* ---- frames --------------------------------------------------------- */

struct v4opt {
	uint32_t src, dst;
	uint8_t tos, ttl;
	uint16_t id, frag;	/* frag: flags + offset, host order */
	int ihl;		/* words, 0: 5 (+ opt_len/4) */
	size_t opt_len;		/* bytes of options (NOPs + EOL) */
	int totlen;		/* total length override, -1: the real one */
	int vlan;		/* 802.1Q TCI + 1, 0: untagged */
	int version;		/* 0: 4 */
	int bad_csum;
};

static size_t put_eth(uint8_t *p, const uint8_t *dst, const uint8_t *src, int vlan, uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	if (vlan) {
		w16(p + 12, 0x8100);
		w16(p + 14, (uint16_t)(vlan - 1));
		w16(p + 16, type);
		return 18;
	}
	w16(p + 12, type);
	return 14;
}

static void fill_l4_csum(struct l4 *l, uint32_t pseudo)
{
	if (l->raw)
		return;
	if (l->proto == 17) {
		w16(l->b + 4, (uint16_t)(l->udp_len >= 0 ? l->udp_len : (int)l->n));
		if (l->no_csum)
			return;
	}
	if (l->csum_off < 0)
		return;
	w16(l->b + l->csum_off, 0);
	uint16_t c = fold(sum16(l->b, l->n, pseudo));
	if (l->proto == 17 && c == 0)
		c = 0xffff;	/* UDP sends a computed 0 as all ones */
	w16(l->b + l->csum_off, c);
}

static void ipv4(struct frame *f, const struct v4opt *o, struct l4 *l)
{
	uint8_t *p = f->b;
	size_t eh = put_eth(p, MAC_B, MAC_A, o->vlan, 0x0800);
	uint8_t *ip = p + eh;
	size_t hl = 20 + o->opt_len;
	int ihl = o->ihl ? o->ihl : (int)(hl / 4);
	size_t tot = hl + l->n;

	memset(ip, 0, hl);
	ip[0] = (uint8_t)((o->version ? o->version : 4) << 4 | (ihl & 0xf));
	ip[1] = o->tos;
	w16(ip + 2, (uint16_t)(o->totlen >= 0 ? o->totlen : (int)tot));
	w16(ip + 4, o->id);
	w16(ip + 6, o->frag);
	ip[8] = o->ttl ? o->ttl : 64;
	ip[9] = l->proto;
	w32(ip + 12, o->src);
	w32(ip + 16, o->dst);
	for (size_t i = 0; i < o->opt_len; i++)
		ip[20 + i] = i + 1 == o->opt_len ? 0 : 1;	/* NOP..., EOL */
	w16(ip + 10, (uint16_t)(fold(sum16(ip, hl, 0)) ^ (o->bad_csum ? 0x1111 : 0)));

	if (l->proto == 6 || l->proto == 17) {
		uint8_t ph[12];
		w32(ph, o->src);
		w32(ph + 4, o->dst);
		ph[8] = 0;
		ph[9] = l->proto;
		w16(ph + 10, (uint16_t)l->n);
		fill_l4_csum(l, sum16(ph, 12, 0));
	} else {
		fill_l4_csum(l, 0);
	}
	memcpy(ip + hl, l->b, l->n);
	f->n = eh + tot;
}

static void ipv6(struct frame *f, const uint8_t src[16], const uint8_t dst[16], int vlan, struct l4 *l)
{
	uint8_t *p = f->b;
	size_t eh = put_eth(p, MAC_B, MAC_A, vlan, 0x86dd);
	uint8_t *ip = p + eh;
	uint8_t ph[40];

	memset(ip, 0, 40);
	ip[0] = 0x60;
	w16(ip + 4, (uint16_t)l->n);
	ip[6] = l->proto;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	w32(ph + 32, (uint32_t)l->n);
	memset(ph + 36, 0, 3);
	ph[39] = l->proto;
	fill_l4_csum(l, sum16(ph, 40, 0));
	memcpy(ip + 40, l->b, l->n);
	f->n = eh + 40 + l->n;
}

static void arp(struct frame *f, int reply, uint32_t sip, uint32_t tip)
{
	uint8_t *p = f->b;
	size_t eh = put_eth(p, reply ? MAC_A : MAC_BCAST, MAC_B, 0, 0x0806);
	uint8_t *a = p + eh;

	w16(a, 1);
	w16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	w16(a + 6, reply ? 2 : 1);
	memcpy(a + 8, MAC_B, 6);
	w32(a + 14, sip);
	memcpy(a + 18, reply ? MAC_A : (const uint8_t[6]){ 0 }, 6);
	w32(a + 24, tip);
	f->n = eh + 28;
	/* Ethernet minimum: pad to 60 bytes as a NIC would. */
	memset(p + f->n, 0, 60 - f->n);
	f->n = 60;
}

/* ---- capture assembly ------------------------------------------------ */

static struct frame *next(struct capture *c)
{
	if (c->n == MAXFRAMES) {
		fprintf(stderr, "mkpcap: too many frames\n");
		exit(2);
	}
	struct frame *f = &c->f[c->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

static struct v4opt v4(uint32_t src, uint32_t dst)
{
	struct v4opt o = { .src = src, .dst = dst, .totlen = -1, .id = (uint16_t)(src ^ dst) };
	return o;
}

static void add_tcp4(struct capture *c, uint32_t s, uint32_t d, uint16_t sp, uint16_t dp,
		     uint8_t flags, size_t pay)
{
	struct v4opt o = v4(s, d);
	struct l4 l;
	mk_tcp(&l, sp, dp, flags, sp * 1000u + dp, pay);
	ipv4(next(c), &o, &l);
}

static void add_udp4(struct capture *c, uint32_t s, uint32_t d, uint16_t sp, uint16_t dp, size_t pay)
{
	struct v4opt o = v4(s, d);
	struct l4 l;
	mk_udp(&l, sp, dp, pay);
	ipv4(next(c), &o, &l);
}

static void add_icmp4(struct capture *c, uint32_t s, uint32_t d, uint8_t type, uint16_t seq)
{
	struct v4opt o = v4(s, d);
	struct l4 l;
	mk_icmp(&l, 1, type, 0x1234, seq, 32);
	ipv4(next(c), &o, &l);
}

static const uint8_t V6A[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a };
static const uint8_t V6B[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b };

static void write_pcap(const char *dir, const char *name, const struct capture *c)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	if (!pd)
		fail("pcap_open_dead");
	pcap_dumper_t *d = pcap_dump_open(pd, path);
	if (!d) {
		fprintf(stderr, "mkpcap: %s: %s\n", path, pcap_geterr(pd));
		exit(2);
	}
	for (size_t i = 0; i < c->n; i++) {
		struct pcap_pkthdr h;
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = TS_BASE + (long)i;
		h.ts.tv_usec = (long)(i * 1000 % 1000000);
		h.caplen = h.len = (bpf_u_int32)c->f[i].n;
		pcap_dump((u_char *)d, &h, c->f[i].b);
	}
	pcap_dump_close(d);
	pcap_close(pd);
}

/* pcapng (section header, one Ethernet interface, an enhanced packet block
 * per frame) in host byte order, as the format allows: readers detect the
 * order from the byte-order magic. */
static void pn_put(FILE *fp, const void *p, size_t n)
{
	if (fwrite(p, 1, n, fp) != n)
		fail("write pcapng");
}

static void pn_u32(FILE *fp, uint32_t v)
{
	pn_put(fp, &v, 4);
}

static void write_pcapng(const char *dir, const char *name, const struct capture *c)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp)
		fail(path);

	/* Section Header Block: no options. */
	pn_u32(fp, 0x0A0D0D0A);
	pn_u32(fp, 28);
	pn_u32(fp, 0x1A2B3C4D);
	uint16_t ver[2] = { 1, 0 };
	pn_put(fp, ver, 4);
	uint64_t seclen = UINT64_MAX;	/* unspecified */
	pn_put(fp, &seclen, 8);
	pn_u32(fp, 28);

	/* Interface Description Block: Ethernet, default microsecond stamps. */
	pn_u32(fp, 1);
	pn_u32(fp, 20);
	uint16_t lt[2] = { 1 /* LINKTYPE_ETHERNET */, 0 };
	pn_put(fp, lt, 4);
	pn_u32(fp, 65535);
	pn_u32(fp, 20);

	for (size_t i = 0; i < c->n; i++) {
		size_t n = c->f[i].n, padded = (n + 3) & ~(size_t)3;
		uint32_t total = (uint32_t)(32 + padded);
		uint64_t ts = (uint64_t)(TS_BASE + i) * 1000000u + i * 1000 % 1000000;
		static const uint8_t zero[4];

		pn_u32(fp, 6);
		pn_u32(fp, total);
		pn_u32(fp, 0);			/* interface 0 */
		pn_u32(fp, (uint32_t)(ts >> 32));
		pn_u32(fp, (uint32_t)ts);
		pn_u32(fp, (uint32_t)n);	/* captured */
		pn_u32(fp, (uint32_t)n);	/* original */
		pn_put(fp, c->f[i].b, n);
		pn_put(fp, zero, padded - n);
		pn_u32(fp, total);
	}
	if (fclose(fp) != 0)
		fail(path);
}

/* ---- the captures ---------------------------------------------------- */

static const uint32_t H1 = IP4(192, 168, 1, 10), H2 = IP4(192, 168, 1, 20);

static void build_mix(struct capture *c)
{
	static const uint16_t tcp_ports[] = { 22, 23, 80, 443, 445, 3389, 8080, 5060, 9, 5900, 25 };
	static const uint16_t udp_ports[] = { 53, 123, 5060, 9, 137, 3389, 445, 67, 4789 };
	struct v4opt o;
	struct l4 l;

	add_icmp4(c, H1, H2, 8, 1);
	add_icmp4(c, H2, H1, 0, 1);
	for (size_t i = 0; i < sizeof(tcp_ports) / sizeof(tcp_ports[0]); i++)
		add_tcp4(c, H1, H2, (uint16_t)(40000 + i), tcp_ports[i], i & 1 ? 0x18 : 0x02,
			 i & 1 ? 16 * i : 0);
	for (size_t i = 0; i < sizeof(udp_ports) / sizeof(udp_ports[0]); i++)
		add_udp4(c, H2, H1, (uint16_t)(50000 + i), udp_ports[i], 10 + 9 * i);
	arp(next(c), 0, H1, H2);
	arp(next(c), 1, H2, H1);
	/* VLAN-tagged IPv4: TCP, UDP, ICMP. */
	o = v4(H1, IP4(10, 0, 0, 1));
	o.vlan = 100 + 1;
	mk_tcp(&l, 1234, 80, 0x02, 7, 0);
	ipv4(next(c), &o, &l);
	mk_udp(&l, 1234, 53, 24);
	ipv4(next(c), &o, &l);
	mk_icmp(&l, 1, 8, 9, 9, 16);
	ipv4(next(c), &o, &l);
	/* IPv6: ICMPv6 echo + neighbour solicitation, TCP, UDP. */
	mk_icmp(&l, 58, 128, 1, 1, 24);
	ipv6(next(c), V6A, V6B, 0, &l);
	mk_icmp(&l, 58, 135, 0, 0, 16);
	ipv6(next(c), V6A, V6B, 0, &l);
	mk_tcp(&l, 33000, 80, 0x02, 11, 0);
	ipv6(next(c), V6A, V6B, 0, &l);
	mk_tcp(&l, 33001, 23, 0x18, 12, 40);
	ipv6(next(c), V6B, V6A, 0, &l);
	mk_udp(&l, 33002, 53, 30);
	ipv6(next(c), V6A, V6B, 0, &l);
	mk_udp(&l, 33003, 5060, 100);
	ipv6(next(c), V6A, V6B, 0, &l);
	mk_icmp(&l, 58, 128, 2, 2, 8);
	ipv6(next(c), V6A, V6B, 200 + 1, &l);
	/* IPv4 with options, DSCP set, a large UDP datagram, TCP to 443. */
	o = v4(H1, H2);
	o.opt_len = 8;
	mk_tcp(&l, 2000, 443, 0x18, 99, 50);
	ipv4(next(c), &o, &l);
	o = v4(H2, H1);
	o.tos = 0x28;
	mk_udp(&l, 5060, 5060, 200);
	ipv4(next(c), &o, &l);
	add_udp4(c, H1, H2, 7000, 7001, 1200);
	add_tcp4(c, H1, H2, 3000, 8080, 0x11, 0);
	add_tcp4(c, H2, H1, 443, 51000, 0x04, 0);
	/* Something neither IP nor ARP (LLDP ethertype), padded. */
	{
		struct frame *f = next(c);
		put_eth(f->b, MAC_BCAST, MAC_A, 0, 0x88cc);
		pattern(f->b + 14, 46, 3);
		f->n = 60;
	}
}

static void build_lb(struct capture *c)
{
	const uint32_t vip = IP4(10, 0, 0, 100);

	/* 24 flows (TCP and UDP), each seen 1..4 times, interleaved. */
	for (int round = 0; round < 4; round++) {
		for (int fl = 0; fl < 24; fl++) {
			if (round >= 1 + fl % 4)
				continue;
			uint32_t cli = IP4(192, 168, fl / 8, 10 + fl * 3);
			uint16_t sp = (uint16_t)(30000 + fl * 17);
			if (fl % 3 == 2) {
				struct v4opt o = v4(cli, vip);
				struct l4 l;
				mk_udp(&l, sp, 53, 20 + fl);
				l.no_csum = fl % 2;	/* some with checksum "none" */
				ipv4(next(c), &o, &l);
			} else {
				add_tcp4(c, cli, vip, sp, 80, round ? 0x18 : 0x02, round * 10);
			}
		}
		/* Non-VIP traffic and VIP traffic to ports it does not serve. */
		add_tcp4(c, IP4(192, 168, 9, 9), IP4(10, 0, 0, 101), 4000, 80, 0x02, 0);
		add_tcp4(c, IP4(192, 168, 9, 9), vip, 4001, 22, 0x02, 0);
		add_udp4(c, IP4(192, 168, 9, 9), vip, 4002, 80, 8);
		add_icmp4(c, IP4(192, 168, 9, 9), vip, 8, (uint16_t)round);
	}
	struct l4 l;
	mk_tcp(&l, 1, 80, 0x02, 1, 0);
	ipv6(next(c), V6A, V6B, 0, &l);
	arp(next(c), 0, H1, vip);
}

static void build_pod(struct capture *c)
{
	/* Sources rotate over five hosts (by frame number) so the guard's
	 * per-source offender table gets several entries. */
#define s IP4(203, 0, 113, 1 + (unsigned)(c->n % 5))
	const uint32_t d = IP4(198, 51, 100, 7);
	struct v4opt o;
	struct l4 l;

	/* valid UDP, valid TCP, valid small UDP padded to 60 bytes */
	add_udp4(c, s, d, 1000, 2000, 100);
	add_tcp4(c, s, d, 1001, 80, 0x02, 0);
	o = v4(s, d);
	mk_udp(&l, 1002, 2000, 2);
	{
		struct frame *f = next(c);
		ipv4(f, &o, &l);
		f->n = 60;	/* Ethernet padding after a 30-byte datagram */
	}
	/* total length larger than the frame */
	o = v4(s, d);
	o.totlen = 1500;
	mk_udp(&l, 1003, 2000, 50);
	ipv4(next(c), &o, &l);
	/* total length smaller than the header */
	o = v4(s, d);
	o.totlen = 12;
	ipv4(next(c), &o, &l);
	/* IHL 3 and IHL 0 */
	o = v4(s, d);
	o.ihl = 3;
	ipv4(next(c), &o, &l);
	o.ihl = 16;	/* 16 & 0xf: an IHL field of 0 */
	ipv4(next(c), &o, &l);
	/* version 6 inside an IPv4 ethertype */
	o = v4(s, d);
	o.version = 6;
	ipv4(next(c), &o, &l);
	/* UDP length below 8, above the IP payload, and below the payload */
	o = v4(s, d);
	mk_udp(&l, 1004, 2000, 40);
	l.udp_len = 4;
	ipv4(next(c), &o, &l);
	mk_udp(&l, 1005, 2000, 40);
	l.udp_len = 400;
	ipv4(next(c), &o, &l);
	mk_udp(&l, 1006, 2000, 40);
	l.udp_len = 20;
	ipv4(next(c), &o, &l);
	/* a fragmented datagram done right: 1480 + 1480 + 100 */
	for (int i = 0; i < 3; i++) {
		o = v4(s, d);
		o.id = 0x4242;
		o.frag = (uint16_t)((i < 2 ? 0x2000 : 0) | (i * 185));
		mk_udp(&l, 1007, 2000, i < 2 ? 1472 : 92);
		if (i) {	/* later fragments carry payload, no UDP header */
			pattern(l.b, l.n, (unsigned)i);
			l.raw = 1;
		}
		ipv4(next(c), &o, &l);
	}
	/* ping of death: last fragment ends beyond 65535 */
	o = v4(s, d);
	o.id = 0x0bad;
	o.frag = 8189;
	mk_icmp(&l, 1, 8, 1, 1, 200);
	ipv4(next(c), &o, &l);
	/* tiny TCP fragment at offset 1 (RFC 1858 overlap) */
	o = v4(s, d);
	o.frag = 1;
	mk_tcp(&l, 1008, 80, 0x02, 5, 0);
	ipv4(next(c), &o, &l);
	/* MF set but payload not a multiple of 8 */
	o = v4(s, d);
	o.frag = 0x2000;
	mk_udp(&l, 1009, 2000, 13);
	ipv4(next(c), &o, &l);
	/* DF + MF together, valid otherwise */
	o = v4(s, d);
	o.frag = 0x6000;
	mk_udp(&l, 1010, 2000, 16);
	ipv4(next(c), &o, &l);
	/* IP options, valid */
	o = v4(s, d);
	o.opt_len = 12;
	mk_udp(&l, 1011, 2000, 30);
	ipv4(next(c), &o, &l);
	/* IHL 15 with a frame too short for 60 bytes of header */
	o = v4(s, d);
	o.ihl = 15;
	mk_udp(&l, 1012, 2000, 4);
	ipv4(next(c), &o, &l);
	/* bad header checksum (the guard does not verify it: passes) */
	o = v4(s, d);
	o.bad_csum = 1;
	mk_udp(&l, 1013, 2000, 10);
	ipv4(next(c), &o, &l);
	/* not IPv4 */
	arp(next(c), 0, s, d);
	mk_udp(&l, 1, 2, 3);
	ipv6(next(c), V6A, V6B, 0, &l);
#undef s
}

static void build_cidr(struct capture *c)
{
	static const uint32_t srcs[] = {
		IP4(10, 9, 8, 7), IP4(10, 1, 5, 5), IP4(10, 1, 2, 3), IP4(10, 1, 2, 200),
		IP4(10, 1, 2, 127), IP4(10, 1, 2, 128), IP4(192, 168, 1, 7), IP4(192, 168, 1, 8),
		IP4(192, 168, 200, 1), IP4(172, 16, 0, 1), IP4(172, 31, 255, 254), IP4(172, 32, 0, 1),
		IP4(8, 8, 8, 8), IP4(1, 2, 3, 4), IP4(1, 2, 3, 5), IP4(1, 2, 3, 6),
		IP4(1, 2, 3, 7), IP4(1, 2, 3, 8), IP4(1, 2, 4, 1), IP4(100, 64, 0, 1),
		IP4(127, 0, 0, 1), IP4(0, 0, 0, 0), IP4(255, 255, 255, 255), IP4(10, 255, 255, 255),
	};
	const size_t n = sizeof(srcs) / sizeof(srcs[0]);

	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < n; i++) {
			if ((i + (size_t)round) % 3 == 0 && round)
				continue;
			if (i % 2)
				add_udp4(c, srcs[i], H2, (uint16_t)(1000 + i), 53, 8);
			else
				add_tcp4(c, srcs[i], H2, (uint16_t)(2000 + i), 443, 0x02, 0);
		}
	struct l4 l;
	mk_udp(&l, 1, 2, 3);
	ipv6(next(c), V6A, V6B, 0, &l);
	arp(next(c), 0, H1, H2);
}

static void build_malformed(struct capture *c)
{
	struct frame *f;
	struct v4opt o;
	struct l4 l;

	next(c)->n = 0;
	f = next(c);
	f->b[0] = 0xff;
	f->n = 1;
	f = next(c);
	put_eth(f->b, MAC_B, MAC_A, 0, 0x0800);
	f->n = 13;
	f = next(c);		/* Ethernet header only, claims IPv4 */
	put_eth(f->b, MAC_B, MAC_A, 0, 0x0800);
	f->n = 14;
	f = next(c);		/* 15 bytes: one byte of IPv6 */
	put_eth(f->b, MAC_B, MAC_A, 0, 0x86dd);
	f->b[14] = 0x60;
	f->n = 15;
	/* truncated IPv4, TCP, UDP, ICMP, IPv6 headers */
	o = v4(H1, H2);
	mk_tcp(&l, 1, 80, 0x02, 1, 0);
	f = next(c);
	ipv4(f, &o, &l);
	f->n = 14 + 10;
	f = next(c);
	ipv4(f, &o, &l);
	f->n = 14 + 20 + 10;
	mk_udp(&l, 1, 53, 0);
	f = next(c);
	ipv4(f, &o, &l);
	f->n = 14 + 20 + 4;
	mk_icmp(&l, 1, 8, 1, 1, 0);
	f = next(c);
	ipv4(f, &o, &l);
	f->n = 14 + 20 + 2;
	mk_udp(&l, 1, 53, 10);
	f = next(c);
	ipv6(f, V6A, V6B, 0, &l);
	f->n = 14 + 30;
	f = next(c);
	ipv6(f, V6A, V6B, 0, &l);
	f->n = 14 + 40 + 3;
	/* VLAN tag cut in the middle, and a tag with nothing after it */
	f = next(c);
	put_eth(f->b, MAC_B, MAC_A, 5 + 1, 0x0800);
	f->n = 16;
	f = next(c);
	put_eth(f->b, MAC_B, MAC_A, 5 + 1, 0x0800);
	f->n = 18;
	/* maximal IP options (IHL 15) with TCP and UDP */
	o = v4(H1, H2);
	o.opt_len = 40;
	mk_tcp(&l, 5, 23, 0x02, 3, 8);
	ipv4(next(c), &o, &l);
	mk_udp(&l, 5, 53, 8);
	ipv4(next(c), &o, &l);
	/* IHL 15 claimed, 24 bytes of IP present */
	o = v4(H1, H2);
	o.ihl = 15;
	mk_tcp(&l, 1, 80, 0x02, 1, 0);
	f = next(c);
	ipv4(f, &o, &l);
	f->n = 14 + 24;
	/* 1514-byte frames: TCP, UDP, ICMP */
	o = v4(H1, H2);
	mk_tcp(&l, 6, 80, 0x18, 4, 1500 - 40);
	ipv4(next(c), &o, &l);
	mk_udp(&l, 6, 53, 1500 - 28);
	ipv4(next(c), &o, &l);
	mk_icmp(&l, 1, 8, 6, 6, 1500 - 28);
	ipv4(next(c), &o, &l);
	mk_udp(&l, 6, 5060, 1500 - 48);
	ipv6(next(c), V6A, V6B, 0, &l);
	/* all zeros and all ones */
	f = next(c);
	f->n = 60;
	f = next(c);
	memset(f->b, 0xff, 64);
	f->n = 64;
}

int main(int argc, char **argv)
{
	static struct capture c;

	if (argc != 2) {
		fprintf(stderr, "usage: mkpcap DIR\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) != 0 && errno != EEXIST)
		fail(argv[1]);

	c.n = 0;
	build_mix(&c);
	write_pcap(argv[1], "mix.pcap", &c);
	write_pcapng(argv[1], "mix.pcapng", &c);
	c.n = 0;
	build_lb(&c);
	write_pcap(argv[1], "lb.pcap", &c);
	c.n = 0;
	build_pod(&c);
	write_pcap(argv[1], "pod.pcap", &c);
	c.n = 0;
	build_cidr(&c);
	write_pcap(argv[1], "cidr.pcap", &c);
	c.n = 0;
	build_malformed(&c);
	write_pcap(argv[1], "malformed.pcap", &c);
	return 0;
}
