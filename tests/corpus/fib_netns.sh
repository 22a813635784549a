#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tests/corpus/fib_netns.sh [run.py options]
#
# bpf_fib_lookup, kernel against bpfrt, in a network namespace built for it:
# runs tests/diff/run.py --cases tests/corpus/rt_fib_cases.txt inside a new
# namespace (unshare -n; needs root) with forwarding on and the devices,
# addresses, routes, rules and neighbours tests/corpus/rt_fib.bpf.c's cases
# name.  Everything is fixed (ifindexes, MAC addresses, permanent
# neighbours), so both sides see the same, unchanging namespace.
#
#   lo (1)       forwarding on
#   v0 (10)      10.1.0.1/24, fd01::1/64, mtu 1500, 02:00:00:00:00:10
#   v1 (11)      v0's peer
#   v2 (12)      10.10.0.1/24, mtu 100 (IPv4 only), 02:00:00:00:00:12
#   v3 (13)      v2's peer, forwarding off
#
# Exit status: run.py's; 0 with one skip when the namespace cannot be made.
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")

if [ "$BPFRT_FIB_NETNS" != 1 ]; then
	if ! BPFRT_FIB_NETNS=1 unshare -n true 2>/dev/null; then
		echo "fib_netns: skipped: cannot make a network namespace (root needed)" >&2
		echo "fib_netns: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
	BPFRT_FIB_NETNS=1 exec unshare -n "$0" "$@"
fi

ip link set lo up
ip link add v1 index 11 type veth peer name v0 index 10
ip link add v3 index 13 type veth peer name v2 index 12
ip link set v0 address 02:00:00:00:00:10
ip link set v1 address 02:00:00:00:00:11
ip link set v2 address 02:00:00:00:00:12 mtu 100
ip link set v3 address 02:00:00:00:00:13 mtu 100
for d in v0 v1 v2 v3; do ip link set "$d" up; done
sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv6.conf.all.forwarding=1
sysctl -qw net.ipv4.conf.v3.forwarding=0	# no IPv6 on v2, v3 (mtu 100)

ip addr add 10.1.0.1/24 dev v0
ip addr add fd01::1/64 dev v0 nodad
ip addr add 10.10.0.1/24 dev v2
ip neigh add 10.1.0.254 lladdr 02:00:00:00:00:fe dev v0 nud permanent
ip neigh add fd01::fe lladdr 02:00:00:00:00:fe dev v0 nud permanent
ip neigh add 10.9.0.5 lladdr 02:00:00:00:09:05 dev v2 nud permanent

ip route add 10.2.0.0/16 via 10.1.0.254
ip route add 10.3.0.0/16 via 10.1.0.253
ip route add blackhole 10.4.0.0/16
ip route add unreachable 10.5.0.0/16
ip route add prohibit 10.6.0.0/16
ip route add 10.7.0.0/16 via 10.1.0.254 mtu lock 1000
ip route add 10.8.0.0/16 via 10.1.0.254 table 100
ip rule add fwmark 7 lookup 100
ip route add 10.9.0.0/16 dev v2
ip route add 10.11.0.0/16 via inet6 fd01::fe dev v0
ip route add 10.12.0.0/16 via 10.1.0.254 metric 50
ip route add 10.12.0.0/16 via 10.1.0.253 metric 10
ip route add 10.13.0.0/16 tos 0x10 via 10.1.0.253
ip route add 10.13.0.0/16 via 10.1.0.254
ip route add 10.14.0.0/16 via 10.1.0.254 src 10.1.0.1

ip -6 route add fd02::/64 via fd01::fe
ip -6 route add fd03::/64 via fd01::fd
ip -6 route add blackhole fd04::/64
ip -6 route add unreachable fd05::/64
ip -6 route add prohibit fd06::/64
ip -6 route add fd07::/64 via fd01::fe mtu lock 1300
ip -6 route add fd08::/64 via fd01::fe table 100
ip -6 rule add fwmark 7 lookup 100

exec python3 "$root/tests/diff/run.py" --cases "$here/rt_fib_cases.txt" "$@"
