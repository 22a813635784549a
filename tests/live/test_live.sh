#!/usr/bin/env bash
# Live XDP end to end: network namespaces and veth pairs made (and removed)
# here, addresses only inside them (10.77.0.0/24, 10.77.1.0/24).
#
#   A (10.77.0.1) a0 ==veth== ma [ M: bpfrt --bridge ] mb ==veth== b0 (10.77.0.2) B
#
# bpfrt bridges ma and mb in namespace M, where neither has an address, so
# the only path from A to B is through bpfrt and XDP_DROP really drops.  The
# same path carries the device-map redirects (bpf_redirect_map), and a
# second one with 2 RX/TX queues on every veth end (a1 == qa, qb == b1,
# 10.77.3.0/24) the multi-queue tests.
# The load balancer runs one-armed on a kernel bridge segment:
#
#   C (10.77.1.1) --+                    +-- K (10.77.1.2, backend)
#                   +-- br0 in S --------+
#                   +-- lb0 (L: bpfrt, XDP_TX back into br0)
#
# Usage: tests/live/test_live.sh [BUILD_DIR]; ends with
# "live: N passed, N failed[, N skipped]", non-zero on failure.  Every wait
# is bounded; the whole run takes about a minute.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-${BPFRT_BUILD:-build}}
BPFRT=$PWD/$BUILD/bpfrt
CORPUS=$PWD/$BUILD/corpus
P=0 F=0 S=0
ok() { P=$((P + 1)); echo "ok   $*"; }
bad() { F=$((F + 1)); echo "FAIL $*"; }
skip() { S=$((S + 1)); echo "skip $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
quiet() { "$@" >/dev/null; }
finish() { echo "live: $P passed, $F failed, $S skipped"; [ "$F" -eq 0 ]; }

if [ "$(id -u)" != 0 ]; then
	echo "live: needs root (network namespaces, packet sockets); skipping"
	S=1; finish; exit 0
fi
for f in "$BPFRT" "$CORPUS/live_pass.bpf.o" "$CORPUS/xdp_drop_icmp.bpf.o"; do
	[ -e "$f" ] || { echo "live: $f missing (make tests)"; F=1; finish; exit 1; }
done
SFX=$$
NA=lvA$SFX NB=lvB$SFX NM=lvM$SFX NC=lvC$SFX NK=lvK$SFX NS=lvS$SFX NL=lvL$SFX
if ! ip netns add "$NA" 2>/dev/null; then
	echo "live: network namespaces unavailable; skipping"
	S=1; finish; exit 0
fi
TMP=$(mktemp -d /tmp/bpfrt-live.XXXXXX)
PIN=$TMP/pin
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	for n in $NA $NB $NM $NC $NK $NS $NL; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

inns() { local n=$1; shift; ip netns exec "$n" "$@"; }
for n in $NB $NM; do ip netns add "$n"; done
ip link add a0 netns "$NA" type veth peer name ma netns "$NM"
ip link add b0 netns "$NB" type veth peer name mb netns "$NM"
# Nothing of M's own may travel the wire: no IPv6 autoconfiguration.
inns "$NM" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$NM" link set dev ma up
ip -n "$NM" link set dev mb up
ip -n "$NA" addr add 10.77.0.1/24 dev a0
ip -n "$NB" addr add 10.77.0.2/24 dev b0
for n in $NA $NB; do
	ip -n "$n" link set dev lo up
done
ip -n "$NA" link set dev a0 up
ip -n "$NB" link set dev b0 up

# ping_ok: 3 pings from A to B, each waiting at most 1 s; all must answer.
ping_ok() { inns "$NA" ping -q -c 3 -i 0.2 -W 1 10.77.0.2 >/dev/null 2>&1; }
ping_none() { ! inns "$NA" ping -q -c 3 -i 0.2 -W 1 10.77.0.2 >/dev/null 2>&1; }
# u64 value of entry KEY (hex) in a pinned map, from another process.
map_u() { "$BPFRT" map lookup --pin "$1" --key "$2" 2>/dev/null | sed -n 's/.* u=\([0-9]*\).*/\1/p'; }
status_field() { "$BPFRT" xdp status --pin "$1" 2>/dev/null | awk -v k="$2" '/^total/ {
	for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'; }
status_pid() { "$BPFRT" xdp status --pin "$1" 2>/dev/null | sed -n 's/^instance pid=\([0-9]*\).*/\1/p'; }
# wait_for CMD...: retry for up to 3 s.
wait_for() { for _ in $(seq 30); do "$@" && return 0; sleep 0.1; done; return 1; }

# start NS PIN ARGS...: run bpfrt xdp attach in NS in the background and
# wait (at most 3 s) for its control socket.
start() {
	local ns=$1 pin=$2; shift 2
	NLOG=$((${NLOG:-0} + 1))
	local log=$TMP/attach.$NLOG.log
	inns "$ns" "$BPFRT" xdp attach --pin "$pin" "$@" >"$log" 2>&1 &
	PIDS+=("$!")
	wait_for "$BPFRT" xdp status --pin "$pin" >/dev/null 2>&1 || { cat "$log"; return 1; }
	# ip netns exec may fork: signal bpfrt itself, by the pid it reports.
	LAST=$(status_pid "$pin")
	PIDS+=("$LAST")
}
stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 30); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$1" 2>/dev/null
}

# UDP helpers (python3): udp_listen NS PORT SECONDS OUT records what
# arrives; udp_send NS DST PORT N sends N datagrams 50 ms apart.
udp_listen() {
	inns "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.settimeout(float(sys.argv[2]))
out = open(sys.argv[3], "w")
try:
    while True:
        d, a = s.recvfrom(2048); out.write(d.decode() + "\n"); out.flush()
except socket.timeout:
    pass' "$2" "$3" "$4" &
	UDP_PID=$!
	sleep 0.3
}
udp_send() {
	inns "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
    s.sendto(b"msg%d" % i, (sys.argv[1], int(sys.argv[2]))); time.sleep(0.05)' "$2" "$3" "$4"
}

echo "=== AF_PACKET bridge"
if start "$NM" "$PIN" --iface ma --iface mb --bridge "$CORPUS/live_pass.bpf.o" --prog xdp_pass_all; then
	ok "attach --bridge (pass program), control socket up"
	BR=$LAST
	check "ping A -> B through the bridge" ping_ok
	# 802.1Q frames keep their tag through the bridge (the kernel hands
	# it to packet sockets as metadata; bpfrt puts it back).
	if ip -n "$NA" link add link a0 name a0.7 type vlan id 7 2>/dev/null &&
	   ip -n "$NB" link add link b0 name b0.7 type vlan id 7 2>/dev/null; then
		ip -n "$NA" addr add 10.77.2.1/24 dev a0.7
		ip -n "$NB" addr add 10.77.2.2/24 dev b0.7
		ip -n "$NA" link set dev a0.7 up
		ip -n "$NB" link set dev b0.7 up
		check "ping over VLAN 7 through the bridge" \
			inns "$NA" ping -q -c 2 -i 0.2 -W 1 10.77.2.2
	else
		skip "ping over VLAN 7 (no 802.1Q support in this kernel)"
	fi
	check "instance.json describes the instance" grep -q '"mode": "afpacket"' "$PIN/instance.json"
	check "status counts passes" test "$(status_field "$PIN" pass)" -gt 0
	check "pass_count read from another process (shared memory)" \
		test "$(map_u "$PIN/pass_count" 00000000)" -gt 0
	PID0=$(status_pid "$PIN")

	# Drop ICMP: pings stop, its counters rise, read from outside.
	check "prog replace -> xdp_drop_icmp" quiet "$BPFRT" prog replace --pin "$PIN" \
		"$CORPUS/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp
	check "pings stop under xdp_drop_icmp" ping_none
	D=$(map_u "$PIN/verdicts" 01000000)
	check "verdicts[XDP_DROP] rises (map dump from another process)" test "${D:-0}" -ge 3
	check "percpu proto_count[ICMP] counts the drops" \
		test "$(map_u "$PIN/proto_count" 01000000)" -ge 3
	check "map dump lists every slot" test "$("$BPFRT" map dump --pin "$PIN/verdicts" | wc -l)" -eq 5
	check "status counts drops" test "$(status_field "$PIN" drop)" -ge 3
	check "pass_count unpinned after the swap" test ! -e "$PIN/pass_count"

	# Refused replacements keep the old program.
	out=$("$BPFRT" prog replace --pin "$PIN" "$CORPUS/tc_classifier.bpf.o" 2>&1); rc=$?
	check "replace with a tc program is refused (exit 2)" test "$rc" = 2
	check "... saying why" grep -q "sched_cls program" <<<"$out"
	out=$("$BPFRT" prog replace --pin "$PIN" "$CORPUS/xdp_drop_icmp.bpf.o" --prog nosuch 2>&1); rc=$?
	check "replace with a missing program is refused" test "$rc" = 2
	out=$("$BPFRT" prog replace --pin "$PIN" "$CORPUS/live_unsafe.bpf.o" 2>&1); rc=$?
	check "replace with a program the verifier rejects is refused (exit 2)" test "$rc" = 2
	check "... with the verifier's message" grep -q "invalid access to packet" <<<"$out"
	check "old program still drops after refusals" ping_none

	# Swap back: pings resume, same process.
	check "prog replace -> pass" quiet "$BPFRT" prog replace --pin "$PIN" \
		"$CORPUS/live_pass.bpf.o" --prog xdp_pass_all
	check "pings resume without a restart" ping_ok
	check "same instance (pid)" test "$(status_pid "$PIN")" = "$PID0"

	# Swaps under traffic: same map (pass_count, same name and shape) is
	# kept, no frame is lost.
	C0=$(map_u "$PIN/pass_count" 00000000)
	inns "$NA" ping -q -c 150 -i 0.01 -W 1 10.77.0.2 >"$TMP/flood" 2>&1 &
	FP=$!
	for _ in 1 2 3 4 5 6; do
		"$BPFRT" prog replace --pin "$PIN" "$CORPUS/live_pass.bpf.o" --prog xdp_pass_all >/dev/null
		sleep 0.15
	done
	wait "$FP"
	check "6 swaps under a 100 pps ping: no loss" grep -q " 0% packet loss" "$TMP/flood"
	C1=$(map_u "$PIN/pass_count" 00000000)
	check "pass_count kept across swaps ($C0 -> $C1)" test "${C1:-0}" -ge $((C0 + 300))

	# --no-verify installs the rejected program anyway; it runs checked.
	check "prog replace --no-verify -> live_unsafe" quiet "$BPFRT" prog replace --pin "$PIN" \
		"$CORPUS/live_unsafe.bpf.o" --no-verify
	check "pings pass under the unverified program" ping_ok
	check "status says verified=no" grep -q "verified=no" <("$BPFRT" xdp status --pin "$PIN")
	check "its counter rises (the unchecked read ran, checked)" \
		test "$(map_u "$PIN/unsafe_count" 00000000)" -ge 3

	# Port policy edited live from another process (hash map over the
	# control socket), drops streamed from the ringbuf.
	if "$BPFRT" prog replace --pin "$PIN" "$CORPUS/live_policy.bpf.o" --prog xdp_live_policy >/dev/null; then
		ok "prog replace -> live_policy"
		udp_listen "$NB" 5555 1.5 "$TMP/udp1"
		udp_send "$NA" 10.77.0.2 5555 3
		wait "$UDP_PID"
		check "UDP 5555 passes before the policy update" test "$(wc -l <"$TMP/udp1")" -eq 3
		# key: port 5555 (0x15b3, little endian), proto 17, pad 0
		check "map update blocked {5555, udp} from another process" \
			"$BPFRT" map update --pin "$PIN/blocked" --key b3151100 --value 01 --flags noexist
		out=$("$BPFRT" map update --pin "$PIN/blocked" --key b3151100 --value 01 --flags noexist 2>&1)
		check "update --flags noexist on an existing key: EEXIST" grep -q "exists" <<<"$out"
		"$BPFRT" events --pin "$PIN/drops" --count 1 --timeout 4 >"$TMP/events" 2>&1 &
		EP=$!
		sleep 0.3
		udp_listen "$NB" 5555 1.5 "$TMP/udp2"
		udp_send "$NA" 10.77.0.2 5555 3
		wait "$UDP_PID"
		check "UDP 5555 dropped on the next packet" test "$(wc -l <"$TMP/udp2")" -eq 0
		check "policy_stats[dropped] = 3" test "$(map_u "$PIN/policy_stats" 01000000)" = 3
		wait "$EP"
		# struct drop_event: saddr 10.77.0.1, daddr 10.77.0.2, port, proto
		check "events streams the drop record" grep -q '^0a4d00010a4d0002b3151100$' "$TMP/events"
		check "map dump of the hash map" grep -q "key=b3151100 value=01" \
			<("$BPFRT" map dump --pin "$PIN/blocked")
		check "map delete from another process" "$BPFRT" map delete --pin "$PIN/blocked" --key b3151100
		udp_listen "$NB" 5555 1.5 "$TMP/udp3"
		udp_send "$NA" 10.77.0.2 5555 2
		wait "$UDP_PID"
		check "UDP 5555 passes again" test "$(wc -l <"$TMP/udp3")" -eq 2
		out=$("$BPFRT" map lookup --pin "$PIN/blocked" --key b3151100 2>&1); rc=$?
		check "lookup of a deleted key fails (ENOENT)" test "$rc" = 1
	else
		bad "prog replace -> live_policy"
	fi

	check "SIGTERM detaches (process exits)" stop "$BR"
	check "pin directory removed" test ! -e "$PIN"
	check "pings stop once bpfrt is gone (no other path)" ping_none
else
	bad "attach --bridge (pass program)"
fi

echo "=== errors"
out=$(inns "$NM" "$BPFRT" xdp attach --iface nosuch0 "$CORPUS/live_pass.bpf.o" 2>&1); rc=$?
check "missing interface: exit 2" test "$rc" = 2
check "... names it" grep -q "no interface 'nosuch0'" <<<"$out"
out=$(inns "$NM" "$BPFRT" xdp attach --iface ma "$CORPUS/tc_classifier.bpf.o" 2>&1); rc=$?
check "tc program on the XDP hook: exit 2, says why" \
	bash -c "[ $rc = 2 ] && grep -q 'sched_cls program' <<<'$out'"
out=$(inns "$NM" setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
	"$BPFRT" xdp attach --iface ma "$CORPUS/live_pass.bpf.o" 2>&1); rc=$?
check "unprivileged: exit 2, EPERM explained" \
	bash -c "[ $rc = 2 ] && grep -q 'needs root or CAP_NET_RAW' <<<'$out'"
out=$("$BPFRT" xdp status --pin "$TMP/nothing" 2>&1); rc=$?
check "status without an instance fails" test "$rc" != 0
out=$(inns "$NM" "$BPFRT" xdp attach --iface ma --iface mb --bridge "$CORPUS/live_unsafe.bpf.o" 2>&1); rc=$?
check "program the verifier rejects: exit 2" test "$rc" = 2
check "... with the verifier's message" grep -q "invalid access to packet, off=12" <<<"$out"
PIN4=$TMP/unsafe
if start "$NM" "$PIN4" --iface ma --iface mb --bridge --no-verify "$CORPUS/live_unsafe.bpf.o"; then
	ok "attach --no-verify runs the rejected program"
	check "... pings pass through it" ping_ok
	check "... status says verified=no" grep -q "verified=no" <("$BPFRT" xdp status --pin "$PIN4")
	check "... SIGTERM detaches" stop "$LAST"
else
	bad "attach --no-verify runs the rejected program"
fi

echo "=== redirect through device maps"
# ifindex as a map key/value: 4 bytes, little endian, in hex.
ifx_hex() { local i; i=$(ip -n "$NM" -o link show dev "$1" | cut -d: -f1)
	printf '%02x%02x%02x%02x' $((i & 255)) $((i >> 8 & 255)) $((i >> 16 & 255)) $((i >> 24)); }
MA=$(ifx_hex ma) MB=$(ifx_hex mb)
# devmap_tests PIN LABEL: the forwarding table of xdp_devmap_fwd, then the
# hub (broadcast) of xdp_devmap_hub, in a running instance on ma and mb.
devmap_tests() {
	local pin=$1 l=$2
	check "$l: empty forwarding table: frames dropped" ping_none
	check "$l: fwd[ma] = mb, from another process" \
		"$BPFRT" map update --pin "$pin/fwd" --key "$MA" --value "$MB"
	check "$l: fwd[mb] = ma" "$BPFRT" map update --pin "$pin/fwd" --key "$MB" --value "$MA"
	check "$l: ping A -> B via bpf_redirect_map" wait_for ping_ok
	check "$l: status counts redirects" test "$(status_field "$pin" redirect)" -ge 6
	check "$l: ... sent, no redirect errors" \
		test "$(status_field "$pin" sent)" -ge 6 -a "$(status_field "$pin" redirect_errors)" = 0
	check "$l: map dump shows the table" grep -q "key=$MA value=$MB" \
		<("$BPFRT" map dump --pin "$pin/fwd")
	out=$("$BPFRT" map update --pin "$pin/fwd" --key "$MA" --value 7fffff00 2>&1); rc=$?
	check "$l: an ifindex that names no interface is refused (EINVAL)" \
		bash -c "[ $rc != 0 ] && grep -qi 'invalid argument' <<<'$out'"
	# lo (ifindex 1) exists but is not attached: the redirect fails.
	"$BPFRT" map update --pin "$pin/fwd" --key "$MA" --value 01000000
	check "$l: fwd[ma] = lo (not attached): pings stop" ping_none
	check "$l: ... counted as redirect_errors" test "$(status_field "$pin" redirect_errors)" -ge 3
	check "$l: map delete fwd[ma]" "$BPFRT" map delete --pin "$pin/fwd" --key "$MA"
	check "$l: prog replace -> xdp_devmap_hub" quiet "$BPFRT" prog replace --pin "$pin" \
		"$CORPUS/live_devmap.bpf.o" --prog xdp_devmap_hub
	check "$l: ports[0] = ma, ports[1] = mb (struct bpf_devmap_val)" bash -c "
		'$BPFRT' map update --pin '$pin/ports' --key 00000000 --value ${MA}ffffffff &&
		'$BPFRT' map update --pin '$pin/ports' --key 01000000 --value ${MB}00000000"
	local r0 s0 e0
	r0=$(status_field "$pin" redirect) s0=$(status_field "$pin" sent)
	e0=$(status_field "$pin" redirect_errors)
	check "$l: ping through the hub (broadcast)" wait_for ping_ok
	# Each frame goes out of the other port only: one send per redirect.
	check "$l: ... ingress excluded: one send per frame, no errors" test \
		$(($(status_field "$pin" sent) - s0)) = $(($(status_field "$pin" redirect) - r0)) -a \
		"$(status_field "$pin" redirect_errors)" = "$e0"
	check "$l: lookup gives {ifindex, prog id 0}" grep -q "value=${MA}00000000" \
		<("$BPFRT" map lookup --pin "$pin/ports" --key 00000000)
}
PIN6=$TMP/devmap
if start "$NM" "$PIN6" --iface ma --iface mb "$CORPUS/live_devmap.bpf.o" --prog xdp_devmap_fwd; then
	ok "attach xdp_devmap_fwd to ma and mb (afpacket, no bridge)"
	DM=$LAST
	devmap_tests "$PIN6" afpacket
	check "afpacket: SIGTERM detaches" stop "$DM"
else
	bad "attach xdp_devmap_fwd to ma and mb"
fi
if start "$NM" "$PIN6" --mode afxdp --bridge --iface ma --iface mb "$CORPUS/live_devmap.bpf.o" \
	--prog xdp_devmap_fwd; then
	ok "attach xdp_devmap_fwd (afxdp)"
	DM=$LAST
	devmap_tests "$PIN6" afxdp
	check "afxdp: SIGTERM detaches" stop "$DM"
else
	bad "attach xdp_devmap_fwd (afxdp)"
fi

echo "=== load balancer (XDP_TX)"
for n in $NC $NK $NS $NL; do ip netns add "$n"; done
ip -n "$NS" link add br0 type bridge
ip link add c0 netns "$NC" type veth peer name sc netns "$NS"
ip link add k0 netns "$NK" type veth peer name sk netns "$NS"
ip link add lb0 netns "$NL" type veth peer name sl netns "$NS"
for i in sc sk sl; do ip -n "$NS" link set dev "$i" master br0 up; done
ip -n "$NS" link set dev br0 up
inns "$NL" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$NL" link set dev lb0 address 02:00:00:00:01:64 up
ip -n "$NC" addr add 10.77.1.1/24 dev c0
ip -n "$NK" link set dev k0 address 02:00:00:00:01:02
ip -n "$NK" addr add 10.77.1.2/24 dev k0
for n in $NC $NK; do ip -n "$n" link set dev lo up; done
ip -n "$NC" link set dev c0 up
ip -n "$NK" link set dev k0 up
# The VIP lives behind the balancer's MAC.
ip -n "$NC" neigh add 10.77.1.100 lladdr 02:00:00:00:01:64 dev c0
PIN2=$TMP/lb
if start "$NL" "$PIN2" --iface lb0 "$CORPUS/live_lb.bpf.o" --prog xdp_live_lb; then
	ok "attach live_lb to lb0 (no bridge)"
	LB=$LAST
	# backend 0: 10.77.1.2, 02:00:00:00:01:02; one backend.
	check "backends[0] set from another process (shared memory)" \
		"$BPFRT" map update --pin "$PIN2/backends" --key 00000000 --value 0a4d01020200000001020000 --flags exist
	check "nbackends = 1" "$BPFRT" map update --pin "$PIN2/nbackends" --key 00000000 --value 01000000
	inns "$NK" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777)); s.settimeout(4)
try:
    for _ in range(3):
        d, a = s.recvfrom(2048); s.sendto(b"pong " + d, a)
except socket.timeout:
    pass' &
	SRV=$!
	sleep 0.3
	reply=$(inns "$NC" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
for i in range(3):
    s.sendto(b"ping%d" % i, ("10.77.1.100", 7777))
    try:
        d, a = s.recvfrom(2048); print(a[0], d.decode()); break
    except socket.timeout:
        pass')
	wait "$SRV"
	check "client gets the backend's answer through the VIP ($reply)" \
		grep -q "^10.77.1.2 pong ping" <<<"$reply"
	check "status counts XDP_TX" test "$(status_field "$PIN2" tx)" -ge 1
	check "lb_packets[0] (percpu) counts it" test "$(map_u "$PIN2/lb_packets" 00000000)" -ge 1
	check "SIGINT detaches the balancer" bash -c "kill -INT $LB; for i in \$(seq 30); do kill -0 $LB 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
	check "its pin directory is removed" test ! -e "$PIN2"
else
	bad "attach live_lb to lb0"
fi

echo "=== AF_XDP bridge"
PIN3=$TMP/xdp
out=$(inns "$NM" "$BPFRT" xdp attach --mode afxdp --iface ma "$CORPUS/live_pass.bpf.o" 2>&1); rc=$?
check "afxdp without --bridge is refused, says why" \
	bash -c "[ $rc = 2 ] && grep -q 'needs --bridge' <<<'$out'"
if start "$NM" "$PIN3" --mode afxdp --iface ma --iface mb --bridge "$CORPUS/live_pass.bpf.o" --prog xdp_pass_all; then
	ok "attach --mode afxdp --bridge"
	XP=$LAST
	check "afxdp: ping A -> B through the bridge" wait_for ping_ok
	check "afxdp: prog replace -> xdp_drop_icmp" quiet "$BPFRT" prog replace --pin "$PIN3" \
		"$CORPUS/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp
	check "afxdp: pings stop" ping_none
	check "afxdp: drops counted" test "$(map_u "$PIN3/verdicts" 01000000)" -ge 3
	check "afxdp: prog replace -> pass, pings resume" bash -c "'$BPFRT' prog replace --pin '$PIN3' \
		'$CORPUS/live_pass.bpf.o' --prog xdp_pass_all >/dev/null"
	check "afxdp: pings resume" ping_ok
	check "afxdp: SIGTERM detaches" stop "$XP"
	check "afxdp: XDP program removed from ma" \
		bash -c "! ip -n $NM link show dev ma | grep -q 'xdp'"
else
	bad "attach --mode afxdp --bridge"
fi

echo "=== several queues"
# A second pair of segments between the same namespaces, 2 RX and 2 TX
# queues on every veth end (veth XDP wants at least as many RX queues as
# the peer has TX queues).  IPv6 off on all four ends, so that after the
# traffic the counters stand still and can be compared.
for n in $NA $NB $NM; do
	inns "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
ip link add a1 numrxqueues 2 numtxqueues 2 netns "$NA" type veth \
	peer name qa numrxqueues 2 numtxqueues 2 netns "$NM"
ip link add b1 numrxqueues 2 numtxqueues 2 netns "$NB" type veth \
	peer name qb numrxqueues 2 numtxqueues 2 netns "$NM"
ip -n "$NA" addr add 10.77.3.1/24 dev a1
ip -n "$NB" addr add 10.77.3.2/24 dev b1
ip -n "$NA" link set dev a1 up
ip -n "$NB" link set dev b1 up
ip -n "$NM" link set dev qa up
ip -n "$NM" link set dev qb up
qping_ok() { inns "$NA" ping -q -c 3 -i 0.2 -W 1 10.77.3.2 >/dev/null 2>&1; }
# udp_flows NS DST PORT N GAP: N datagrams from 32 source ports in turn
# (so the sender's flow hash spreads them over both TX queues, which veth
# maps to the peer's RX queues), GAP seconds apart.  Without UDP checksums
# (SO_NO_CHECK): veth leaves a local sender's checksum to be completed by
# "hardware", and an XSK, unlike a packet socket, does not say so
# (docs/live.md).
udp_flows() {
	inns "$1" python3 -c '
import socket, sys, time
ss = []
for i in range(32):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 41000 + i))
    s.setsockopt(socket.SOL_SOCKET, 11, 1); ss.append(s)
for i in range(int(sys.argv[3])):
    ss[i % 32].sendto(b"f%d" % i, (sys.argv[1], int(sys.argv[2]))); time.sleep(float(sys.argv[4]))' "$2" "$3" "$4" "$5"
}
# queue_rx PIN IFACE Q: rx of that worker, from its status line.
queue_rx() { "$BPFRT" xdp status --pin "$1" 2>/dev/null | awk -v i="iface=$2" -v q="queue=$3" '
	$1 == "queue" && $2 == i && $3 == q { for (k = 4; k <= NF; k++) { split($k, kv, "=");
		if (kv[1] == "rx") print kv[2] } }'; }
# nonzero_cpus PIN/MAP KEY: per-CPU slots of the entry that are not 0.
nonzero_cpus() { "$BPFRT" map lookup --pin "$1" --key "$2" | tr ' ' '\n' | grep '^cpu' | grep -vc '=0*$'; }
# counters_agree PIN: every frame ran the program once on one worker, so
# the shared array (atomic adds), the per-CPU array (plain adds, one slot
# per worker) and the status total all count the same frames.
counters_agree() {
	local q0 q1 pc tot
	q0=$(map_u "$1/queue_count" 00000000); q1=$(map_u "$1/queue_count" 01000000)
	pc=$(map_u "$1/cpu_count" 00000000); tot=$(status_field "$1" rx)
	echo "   queue_count $q0 + $q1, cpu_count $pc, status rx $tot"
	[ $((q0 + q1)) = "$pc" ] && [ "$pc" = "$tot" ]
}
# multiqueue PIN: traffic checks for an instance bridging qa and qb.
multiqueue() {
	local pin=$1
	check "$2: ping A -> B over the 2-queue segments" wait_for qping_ok
	udp_listen "$NB" 6000 2 "$TMP/mq.udp"
	udp_flows "$NA" 10.77.3.2 6000 256 0.004
	wait "$UDP_PID"
	check "$2: 256 datagrams from 32 flows all arrive ($(wc -l <"$TMP/mq.udp"))" test "$(wc -l <"$TMP/mq.udp")" -eq 256
	check "$2: program saw rx_queue_index 0 and 1" \
		test "$(map_u "$pin/queue_count" 00000000)" -gt 0 -a "$(map_u "$pin/queue_count" 01000000)" -gt 0
	check "$2: both workers of qa received" test "$(queue_rx "$pin" qa 0)" -gt 0 -a "$(queue_rx "$pin" qa 1)" -gt 0
	sleep 0.3
	check "$2: counters agree across workers" counters_agree "$pin"
	check "$2: several per-CPU slots used" test "$(nonzero_cpus "$pin/cpu_count" 00000000)" -ge 2
}
PIN5=$TMP/mq
out=$(inns "$NM" "$BPFRT" xdp attach --iface qa --queues 3 "$CORPUS/live_queues.bpf.o" 2>&1); rc=$?
check "--queues 3 on a 2-queue interface: exit 2, says why" \
	bash -c "[ $rc = 2 ] && grep -q 'qa has 2 RX queues; 3 queues asked for' <<<'$out'"
if start "$NM" "$PIN5" --iface qa --iface qb --bridge "$CORPUS/live_queues.bpf.o"; then
	cpus=$(getconf _NPROCESSORS_ONLN)
	want=$(( cpus < 2 ? cpus : 2 ))
	check "afpacket default: min(RX queues, CPUs) = $want workers per interface" \
		grep -q "^iface=qa .*queues=$want rx_queues=2" <("$BPFRT" xdp status --pin "$PIN5")
	check "afpacket default: SIGTERM detaches" stop "$LAST"
else
	bad "attach to the 2-queue segments"
fi
if start "$NM" "$PIN5" --iface qa --iface qb --bridge --queues 2 "$CORPUS/live_queues.bpf.o"; then
	MQ=$LAST
	ok "attach --queues 2 (afpacket, fanout by queue)"
	check "instance.json lists the queues and their CPUs" \
		grep -q '"queues": \[{"queue": 0, "cpu": 0}, {"queue": 1, "cpu": 1}\]' "$PIN5/instance.json"
	multiqueue "$PIN5" afpacket
	# Swaps while 4 workers run: every worker must reach a quiescent point.
	udp_listen "$NB" 6000 2.5 "$TMP/mq2.udp"
	udp_flows "$NA" 10.77.3.2 6000 300 0.005 &
	FP=$!
	for _ in 1 2 3 4; do
		"$BPFRT" prog replace --pin "$PIN5" "$CORPUS/live_queues.bpf.o" >/dev/null
		sleep 0.25
	done
	wait "$FP"
	wait "$UDP_PID"
	check "afpacket: 4 swaps under 2x2 workers, no datagram lost" test "$(wc -l <"$TMP/mq2.udp")" -eq 300
	check "afpacket: SIGTERM detaches" stop "$MQ"
else
	bad "attach --queues 2 (afpacket, fanout by queue)"
fi
if start "$NM" "$PIN5" --mode afxdp --iface qa --iface qb --bridge "$CORPUS/live_queues.bpf.o"; then
	MQ=$LAST
	check "afxdp default: an XSK on each of the 2 queues" \
		grep -q "^iface=qa .*queues=2 rx_queues=2" <("$BPFRT" xdp status --pin "$PIN5")
	multiqueue "$PIN5" afxdp
	check "afxdp: SIGTERM detaches" stop "$MQ"
	check "afxdp: XDP program removed from qa" \
		bash -c "! ip -n $NM link show dev qa | grep -q 'xdp'"
else
	bad "attach --mode afxdp to the 2-queue segments"
fi

# Instances that ran under a sanitizer build report there, at exit.
for i in $(seq "${NLOG:-0}"); do
	sleep 0.2
	if grep -q "Sanitizer\|runtime error" "$TMP/attach.$i.log"; then
		bad "sanitizer report from instance $i"; cat "$TMP/attach.$i.log"
	fi
done

finish
