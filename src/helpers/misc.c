/* SPDX-License-Identifier: MIT */
/*
 * Helpers about the environment: time, random numbers, the CPU, the
 * current task (the host process), trace_printk, safe reads of arbitrary
 * addresses, strncmp.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/common.h"
#include "helpers.h"
#include "hl.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

HELPER(ktime_get_ns) { return clock_ns(CLOCK_MONOTONIC); }
HELPER(ktime_get_boot_ns) { return clock_ns(CLOCK_BOOTTIME); }
HELPER(ktime_get_coarse_ns) { return clock_ns(CLOCK_MONOTONIC_COARSE); }
/* jiffies since boot; the kernel's HZ is a build option, 1000 here. */
HELPER(jiffies64) { return clock_ns(CLOCK_BOOTTIME) / 1000000u; }

/* Per-thread xorshift, seeded from the system: programs running on many
 * threads need no shared state. */
static _Thread_local uint64_t rnd_state;
HELPER(get_prandom_u32)
{
	if (!rnd_state) {
		if (getrandom(&rnd_state, sizeof(rnd_state), 0) != sizeof(rnd_state))
			rnd_state = clock_ns(CLOCK_MONOTONIC);
		rnd_state |= 1;
	}
	uint64_t x = rnd_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rnd_state = x;
	return (uint32_t)(x >> 16);
}

HELPER(get_smp_processor_id) { return rc->cpu; }
HELPER(get_numa_node_id) { return 0; }

HELPER(get_current_pid_tgid)
{
	return (uint64_t)(uint32_t)getpid() << 32 | (uint32_t)syscall(SYS_gettid);
}

HELPER(get_current_uid_gid)
{
	return (uint64_t)getgid() << 32 | getuid();
}

HELPER(get_current_comm)
{
	if (!hl_mem(rc, "bpf_get_current_comm", "buf", a1, a2, true))
		return 0;
	char comm[16] = "";
	if (!a2)
		return ERR(-EINVAL);
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	comm[15] = 0;
	/* strscpy_pad: truncated, NUL-terminated, zero-padded. */
	memset(PTR(a1), 0, a2);
	memcpy(PTR(a1), comm, strnlen(comm, a2 - 1));
	return 0;
}

/* ---- safe reads ----------------------------------------------------------
 * process_vm_readv on our own pid reads any address without faulting: the
 * kernel reports EFAULT for unmapped memory instead of a signal. */
long bpfrt__safe_read(void *dst, const void *src, size_t len)
{
	if (!len)
		return 0;
	struct iovec l = { dst, len }, r = { (void *)src, len };
	ssize_t n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	memset(dst, 0, len);
	return -EFAULT;
}

long bpfrt__safe_read_str(char *dst, const void *src, size_t len)
{
	if (!len)
		return 0;
	/* An address, not a pointer: programs pass anything, NULL included,
	 * and pointer arithmetic on those is undefined. */
	uintptr_t s = (uintptr_t)src;
	size_t got = 0;
	long ps = sysconf(_SC_PAGESIZE);
	/* Page by page, so a string ending just before unmapped memory reads. */
	while (got < len - 1) {
		size_t chunk = ps - ((s + got) % (size_t)ps);
		if (chunk > len - 1 - got)
			chunk = len - 1 - got;
		struct iovec l = { dst + got, chunk }, r = { (void *)(s + got), chunk };
		if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)chunk) {
			memset(dst, 0, len);
			return -EFAULT;
		}
		char *z = memchr(dst + got, 0, chunk);
		if (z)
			return z - dst + 1;
		got += chunk;
	}
	dst[got] = 0;
	return (long)got + 1;
}

static uint64_t probe_read(struct bpfrt_run_ctx *rc, const char *h, uint64_t dst,
			   uint64_t size, uint64_t src)
{
	if (!hl_mem(rc, h, "dst", dst, size, true))
		return 0;
	return ERR(bpfrt__safe_read(PTR(dst), PTR(src), size));
}

static uint64_t probe_read_str(struct bpfrt_run_ctx *rc, const char *h, uint64_t dst,
			       uint64_t size, uint64_t src)
{
	if (!hl_mem(rc, h, "dst", dst, size, true))
		return 0;
	return ERR(bpfrt__safe_read_str(PTR(dst), PTR(src), size));
}

HELPER(probe_read) { return probe_read(rc, "bpf_probe_read", a1, a2, a3); }
HELPER(probe_read_kernel) { return probe_read(rc, "bpf_probe_read_kernel", a1, a2, a3); }
HELPER(probe_read_user) { return probe_read(rc, "bpf_probe_read_user", a1, a2, a3); }
HELPER(probe_read_str) { return probe_read_str(rc, "bpf_probe_read_str", a1, a2, a3); }
HELPER(probe_read_kernel_str)
{
	return probe_read_str(rc, "bpf_probe_read_kernel_str", a1, a2, a3);
}
HELPER(probe_read_user_str)
{
	return probe_read_str(rc, "bpf_probe_read_user_str", a1, a2, a3);
}

/* ---- trace_printk ---------------------------------------------------------- */

static void (*trace_sink)(void *user, const char *msg);
static void *trace_sink_user;

void bpfrt__set_trace_sink(void (*fn)(void *user, const char *msg), void *user)
{
	trace_sink = fn;
	trace_sink_user = user;
}

#define MAX_BPRINTF_BUF 1024
#define MAX_BPRINTF_VARARGS 12

/* Append a piece that formatted to len characters (snprintf's answer:
 * more than the piece holds for huge widths, one for %c of a NUL) and count
 * them all, as bstr_printf counts what did not fit. */
static void out_piece(char *out, size_t size, size_t *n, const char *s, int len)
{
	size_t l = len < 0 ? 0 : (size_t)len, have = strnlen(s, l);
	if (*n < size) {
		size_t room = size - *n - 1, c = l < room ? l : room;
		memcpy(out + *n, s, have < c ? have : c);
		if (have < c)
			memset(out + *n + have, 0, c - have);
		out[*n + c] = 0;
	}
	*n += l;
}

static void out_str(char *out, size_t size, size_t *n, const char *s)
{
	out_piece(out, size, n, s, (int)strlen(s));
}

/* What may follow %s or a plain %p: the end, a space or punctuation. */
static bool spec_end(char c)
{
	return !c || c == ' ' || (c >= '\t' && c <= '\r') ||
	       (c > ' ' && c < 0x7f && !(c >= '0' && c <= '9') &&
		!((c | 0x20) >= 'a' && (c | 0x20) <= 'z'));
}

/*
 * The kernel's bpf_bprintf_prepare subset: %% %c %s %p (%pK %px %ps %pS,
 * %pks %pus, %pI4 %pi4 %pI6 %pi6) and integers d i u x X with flags
 * "0+- ", a width and the l/ll modifiers.  Anything else, a format byte
 * that is neither printable nor a space, %s followed by a letter or digit,
 * or more conversions than arguments is -EINVAL.  Strings and %pI
 * addresses are read safely: a bad string prints as "", a bad address as
 * zeroes.  Pointers print as vsprintf's %px does (16 hex digits, no
 * prefix), also for %p and %pK: bpfrt has no pointer hashing, and the
 * kernel prints NULL that way too.  %ps/%pS print "0x<hex>", vsprintf's
 * answer for an address that is no kernel symbol.
 */
long bpfrt__bprintf(char *out, size_t size, const char *fmt, uint32_t fmt_size,
		    const uint64_t *args, uint32_t nargs)
{
	size_t n = 0;
	uint32_t ai = 0;
	if (!fmt_size || memchr(fmt, 0, fmt_size) == NULL)
		return -EINVAL;
	if (size)
		out[0] = 0;
	for (size_t i = 0; fmt[i]; i++) {
		char piece[MAX_BPRINTF_BUF + 64], spec[32];
		unsigned char ch = (unsigned char)fmt[i];
		if (ch >= 0x80 || (ch < ' ' && !(ch >= '\t' && ch <= '\r')) || ch == 0x7f)
			return -EINVAL;
		if (fmt[i] != '%') {
			piece[0] = fmt[i];
			piece[1] = 0;
			out_str(out, size, &n, piece);
			continue;
		}
		size_t st = i++;
		if (fmt[i] == '%') {
			out_str(out, size, &n, "%");
			continue;
		}
		if (ai >= nargs)
			return -EINVAL;
		uint64_t a = args[ai++];
		while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ')
			i++;
		if (fmt[i] >= '1' && fmt[i] <= '9')
			while (fmt[i] >= '0' && fmt[i] <= '9')
				i++;
		size_t flen = i - st;	/* "%" + flags + width */
		if (flen > 16)
			return -EINVAL;
		bool str = fmt[i] == 's';
		if (fmt[i] == 'p' && (fmt[i + 1] == 'k' || fmt[i + 1] == 'u') && fmt[i + 2] == 's') {
			i += 2;
			str = true;
		}
		if (fmt[i] == 'p' && !str) {
			unsigned char ip[16];
			char x = fmt[i + 1];
			if ((x == 'i' || x == 'I') && (fmt[i + 2] == '4' || fmt[i + 2] == '6')) {
				bool v6 = fmt[i + 2] == '6';
				if (bpfrt__safe_read(ip, PTR(a), v6 ? 16 : 4))
					memset(ip, 0, sizeof(ip));
				if (!v6)
					snprintf(piece, sizeof(piece),
						 x == 'i' ? "%03u.%03u.%03u.%03u" : "%u.%u.%u.%u",
						 ip[0], ip[1], ip[2], ip[3]);
				else
					for (int k = 0, o = 0; k < 8; k++)
						o += snprintf(piece + o, sizeof(piece) - (size_t)o,
							      x == 'I' && k < 7 ? "%02x%02x:" : "%02x%02x",
							      ip[2 * k], ip[2 * k + 1]);
				i += 2;
			} else if (x == 's' || x == 'S') {
				snprintf(piece, sizeof(piece), "0x%" PRIx64, a);
				i++;
			} else if (x == 'K' || x == 'x' || spec_end(x)) {
				snprintf(piece, sizeof(piece), "%016" PRIx64, a);
				if (x == 'K' || x == 'x')
					i++;
			} else {
				return -EINVAL;
			}
			out_str(out, size, &n, piece);
			continue;
		}
		if (str || fmt[i] == 'c') {
			char sbuf[MAX_BPRINTF_BUF];
			int len;
			memcpy(spec, fmt + st, flen);
			spec[flen] = str ? 's' : 'c';
			spec[flen + 1] = 0;
			if (str) {
				if (!spec_end(fmt[i + 1]))
					return -EINVAL;
				if (bpfrt__safe_read_str(sbuf, PTR(a), sizeof(sbuf)) < 0)
					sbuf[0] = 0;
				len = snprintf(piece, sizeof(piece), spec, sbuf);
			} else {
				len = snprintf(piece, sizeof(piece), spec, (int)(char)a);
			}
			out_piece(out, size, &n, piece, len);
			continue;
		}
		int longs = 0;
		while (fmt[i] == 'l' && longs < 2) {
			longs++;
			i++;
		}
		char c = fmt[i];
		if (c != 'd' && c != 'i' && c != 'u' && c != 'x' && c != 'X')
			return -EINVAL;
		memcpy(spec, fmt + st, flen);
		spec[flen] = 'l';
		spec[flen + 1] = 'l';
		spec[flen + 2] = c;
		spec[flen + 3] = 0;
		long long v;
		if (longs == 0)
			v = (c == 'd' || c == 'i') ? (long long)(int32_t)a : (long long)(uint32_t)a;
		else
			v = (long long)a;
		out_piece(out, size, &n, piece, snprintf(piece, sizeof(piece), spec, v));
	}
	return (long)n;
}

static uint64_t do_printk(struct bpfrt_run_ctx *rc, const char *h, uint64_t fmt,
			  uint64_t fmt_size, const uint64_t *args, uint32_t nargs)
{
	char buf[MAX_BPRINTF_BUF];
	if (!hl_mem(rc, h, "fmt", fmt, fmt_size, false))
		return 0;
	long n = bpfrt__bprintf(buf, sizeof(buf), PTR(fmt), (uint32_t)fmt_size, args, nargs);
	if (n < 0)
		return ERR(n);
	/* The text ends at its first NUL (%c of a NUL), which n counts past. */
	size_t l = strnlen(buf, sizeof(buf));
	if (trace_sink)
		trace_sink(trace_sink_user, buf);
	else
		pr_debug("%s: %s%s", rc->prog->name, buf, l && buf[l - 1] == '\n' ? "" : "\n");
	return (uint64_t)n;
}

HELPER(trace_printk)
{
	uint64_t args[3] = { a3, a4, a5 };
	return do_printk(rc, "bpf_trace_printk", a1, a2, args, 3);
}

HELPER(trace_vprintk)
{
	uint64_t args[MAX_BPRINTF_VARARGS];
	if (a4 % 8 || a4 > sizeof(args) || (a4 && !a3))
		return ERR(-EINVAL);
	if (!hl_mem(rc, "bpf_trace_vprintk", "data", a3, a4, false))
		return 0;
	if (a4)
		memcpy(args, PTR(a3), a4);
	return do_printk(rc, "bpf_trace_vprintk", a1, a2, args, (uint32_t)(a4 / 8));
}

/* bpf_strncmp(s1, s1_sz, s2): the kernel's strncmp, which answers -1/0/1. */
HELPER(strncmp)
{
	if (!hl_mem(rc, "bpf_strncmp", "s1", a1, a2, false) ||
	    !hl_mem(rc, "bpf_strncmp", "s2", a3, 1, false))
		return 0;
	const unsigned char *s1 = PTR(a1), *s2 = PTR(a3);
	for (uint64_t i = 0; i < a2; i++) {
		if (s1[i] != s2[i])
			return s1[i] < s2[i] ? ERR(-1) : 1;
		if (!s1[i])
			break;
	}
	return 0;
}
