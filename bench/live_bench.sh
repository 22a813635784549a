#!/usr/bin/env bash
# Frames per second through bpfrt's user-space XDP bridge against the
# kernel's own XDP on the same veth setup, printed as a ratio.
#
#   A: gen --a0 ==veth== ma [ M ] mb ==veth== b0-- B (counts rx_packets)
#
# Each case offers the same load for DURATION seconds (default 3): 64-byte
# UDP frames blasted from A by a small AF_PACKET generator (compiled here;
# no pktgen needed).  What arrives at b0 is counted.
#   kernel:   native XDP on ma, bpf_redirect(mb)                 (in-kernel)
#   afpacket: bpfrt xdp attach --bridge, live_pass (XDP_PASS -> mb)
#   afxdp:    the same with --mode afxdp
# b0 carries an XDP_DROP program in every case (a veth that receives
# redirected frames needs one; dropping there keeps B's stack, which would
# answer each frame with an ICMP error, out of the measurement): the sink
# costs the same in every case, and b0's rx_packets still counts arrivals.
#
# Usage: bench/live_bench.sh [BUILD_DIR] (root; make tests first).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
DURATION=${DURATION:-3}
BPFRT=$PWD/$BUILD/bpfrt
[ "$(id -u)" = 0 ] || { echo "live_bench: needs root"; exit 1; }
[ -x "$BPFRT" ] && [ -e "$BUILD/corpus/live_pass.bpf.o" ] || { echo "live_bench: make tests first"; exit 1; }
SFX=$$
NA=lbA$SFX NB=lbB$SFX NM=lbM$SFX
TMP=$(mktemp -d /tmp/bpfrt-bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for n in $NA $NB $NM; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
inns() { local n=$1; shift; ip netns exec "$n" "$@"; }

# ---- the generator: one frame, sendmmsg in batches, qdisc bypassed -------
cat >"$TMP/gen.c" <<'EOF'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv)
{
	/* gen IFACE DST_MAC SECONDS */
	unsigned char f[64] = { 0 }, *ip = f + 14, *udp = f + 34;
	unsigned m[6];
	sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
	for (int i = 0; i < 6; i++) f[i] = (unsigned char)m[i];
	f[6] = 0x02; f[11] = 0x01; f[12] = 0x08;
	ip[0] = 0x45; ip[3] = 50; ip[8] = 64; ip[9] = 17;
	ip[12] = 10; ip[13] = 77; ip[14] = 0; ip[15] = 1;
	ip[16] = 10; ip[17] = 77; ip[18] = 0; ip[19] = 2;
	unsigned s = 0;
	for (int i = 0; i < 20; i += 2) s += ip[i] << 8 | ip[i + 1];
	while (s >> 16) s = (s & 0xffff) + (s >> 16);
	ip[10] = (unsigned char)(~s >> 8); ip[11] = (unsigned char)~s;
	udp[1] = 9; udp[3] = 9; udp[5] = 30;	/* port 9 -> 9, no checksum */
	int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = if_nametoindex(argv[1]) };
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) { perror("bind"); return 1; }
	struct mmsghdr msgs[64]; struct iovec iov = { f, sizeof(f) };
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < 64; i++) { msgs[i].msg_hdr.msg_iov = &iov; msgs[i].msg_hdr.msg_iovlen = 1; }
	double end = now() + atof(argv[3]);
	unsigned long long sent = 0;
	while (now() < end) { int n = sendmmsg(fd, msgs, 64, 0); if (n > 0) sent += n; }
	printf("%llu\n", sent);
	return 0;
}
EOF
cc -O2 -o "$TMP/gen" "$TMP/gen.c" || exit 1

for n in $NA $NB $NM; do ip netns add "$n"; done
ip link add a0 netns "$NA" type veth peer name ma netns "$NM"
ip link add b0 netns "$NB" type veth peer name mb netns "$NM"
inns "$NM" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for l in "$NA a0" "$NB b0" "$NM ma" "$NM mb"; do set -- $l; ip -n "$1" link set dev "$2" up; done
ip -n "$NB" addr add 10.77.0.2/24 dev b0
B_MAC=$(ip -n "$NB" -o link show dev b0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
MB_IDX=$(ip -n "$NM" -o link show dev mb | cut -d: -f1)

# Kernel-side programs: redirect to mb, and pass.
cat >"$TMP/redir.c" <<EOF
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int redir(struct xdp_md *c) { return bpf_redirect($MB_IDX, 0); }
char LICENSE[] SEC("license") = "GPL";
EOF
cat >"$TMP/sink.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int sink(struct xdp_md *c) { return XDP_DROP; }
char LICENSE[] SEC("license") = "GPL";
EOF
INC=-I/usr/include/$(cc -dumpmachine)
clang -O2 -g -target bpf $INC -c "$TMP/redir.c" -o "$TMP/redir.o" || exit 1
clang -O2 -g -target bpf $INC -c "$TMP/sink.c" -o "$TMP/sink.o" || exit 1
ip -n "$NB" link set dev b0 xdpdrv obj "$TMP/sink.o" sec xdp || exit 1

rx_b() { inns "$NB" cat /sys/class/net/b0/statistics/rx_packets; }
# run_case NAME: offer load for DURATION s; prints "NAME sent received fps".
run_case() {
	local r0 r1 sent
	r0=$(rx_b)
	sent=$(inns "$NA" "$TMP/gen" a0 "$B_MAC" "$DURATION")
	sleep 0.2
	r1=$(rx_b)
	local got=$((r1 - r0))
	local fps=$((got / DURATION))
	printf "%-28s offered %10d  delivered %10d  %9d fps\n" "$1" "$sent" "$got" "$fps" >&2
	echo "$fps"
}

echo "live_bench: ${DURATION}s per case, 64-byte frames, $(nproc) cores" >&2
ip -n "$NM" link set dev ma xdpdrv obj "$TMP/redir.o" sec xdp || exit 1
K=$(run_case "kernel XDP (redirect)")
ip -n "$NM" link set dev ma xdpdrv off

start_bpfrt() {
	inns "$NM" "$BPFRT" xdp attach --pin "$TMP/pin" --iface ma --iface mb --bridge "$@" \
		"$BUILD/corpus/live_pass.bpf.o" --prog xdp_pass_all 2>"$TMP/attach.log" &
	PIDS+=("$!")
	for _ in $(seq 30); do
		"$BPFRT" xdp status --pin "$TMP/pin" >/dev/null 2>&1 && break; sleep 0.1
	done
	BP=$("$BPFRT" xdp status --pin "$TMP/pin" | sed -n 's/^instance pid=\([0-9]*\).*/\1/p')
	PIDS+=("$BP")
}
stop_bpfrt() {
	"$BPFRT" xdp status --pin "$TMP/pin" | grep -E '^iface=ma' | tr ' ' '\n' |
		grep -E '^(rx|pass|sent|send_errors|kernel_drops)=' | tr '\n' ' ' >&2; echo >&2
	kill -TERM "$BP"
	for _ in $(seq 30); do kill -0 "$BP" 2>/dev/null || break; sleep 0.1; done
}

start_bpfrt --mode afpacket
if [ -n "${PERF:-}" ]; then	# PERF=1: where the worker's time goes
	perf record -q -o "$TMP/perf.data" -p "$BP" -- sleep 2 2>/dev/null &
	PP=$!
fi
U=$(run_case "bpfrt bridge (afpacket)")
if [ -n "${PERF:-}" ]; then
	wait "$PP"
	perf report -i "$TMP/perf.data" --no-children --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -25 >&2
fi
stop_bpfrt
start_bpfrt --mode afxdp
X=$(run_case "bpfrt bridge (afxdp)")
stop_bpfrt

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
echo "kernel_xdp_fps=$K bpfrt_afpacket_fps=$U bpfrt_afxdp_fps=$X"
echo "ratio bpfrt/kernel: afpacket $(ratio "$U" "$K"), afxdp $(ratio "$X" "$K")"
