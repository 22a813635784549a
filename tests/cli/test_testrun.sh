#!/usr/bin/env bash
# test_testrun.sh [BUILD] - end-to-end checks of `bpfrt prog list`,
# `bpfrt map list` and `bpfrt test-run` on the corpus objects
# (BUILD/corpus/*.bpf.o from `make tests`) over the captures that
# BUILD/ttools/mkpcap writes.  Run from the repo root; BUILD defaults to
# $BPFRT_BUILD or build.  One line per check, then
# "testrun-cli: N passed, N failed"; exit status non-zero on any failure.
#
# What the frames' answers are is tests/diff/run.py's business (against the
# kernel); this checks the command: formats, options, errors, exit codes.
set -u
BUILD=${1:-${BPFRT_BUILD:-build}}
BPFRT=$BUILD/bpfrt
MKPCAP=$BUILD/ttools/mkpcap
C=$BUILD/corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '       %s\n' "$@"; }
finish() {
	echo "testrun-cli: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

for f in "$BPFRT" "$MKPCAP" "$C/xdp_drop_icmp.bpf.o"; do
	if [ ! -e "$f" ]; then
		bad "$f exists (run make tests first)"
		finish
	fi
done
if ! "$MKPCAP" "$T/p" >/dev/null 2>"$T/err"; then
	bad "mkpcap writes the captures" "$(cat "$T/err")"
	finish
fi
P=$T/p

# check NAME RC OUT_RE ERR_RE CMD... - run CMD; pass if it exits RC, some
# stdout line matches the extended regex OUT_RE and some stderr line matches
# ERR_RE (an empty regex: not checked).  Output stays in $T/out, $T/err.
check() {
	local name=$1 want=$2 out_re=$3 err_re=$4
	shift 4
	"$@" </dev/null >"$T/out" 2>"$T/err"
	local rc=$?
	local why=()
	[ "$rc" = "$want" ] || why+=("exit status $rc, expected $want")
	if [ -n "$out_re" ] && ! grep -qE -- "$out_re" "$T/out"; then
		why+=("stdout does not match /$out_re/")
	fi
	if [ -n "$err_re" ] && ! grep -qE -- "$err_re" "$T/err"; then
		why+=("stderr does not match /$err_re/")
	fi
	if [ ${#why[@]} = 0 ]; then
		ok "$name"
	else
		bad "$name" "${why[@]}" "stdout: $(head -c 300 "$T/out")" "stderr: $(head -c 300 "$T/err")"
	fi
}

# expect NAME COND_DESCRIPTION TEST... - pass if the test command succeeds.
expect() {
	local name=$1 desc=$2
	shift 2
	if "$@"; then ok "$name"; else bad "$name" "$desc"; fi
}

# count_re FILE RE - number of lines of FILE matching RE.
count_re() { grep -cE -- "$2" "$1"; }

FRAME_RE='^\{"frame": [0-9]+, "retval": [0-9]+, "verdict": "[A-Z_0-9]+", "data": "([0-9a-f]{2})*"\}$'
ERROR_RE='^\{"frame": [0-9]+, "error": "[^"]+", "errno": [0-9]+\}$'
RING_RE='^\{"frame": [0-9]+, "ringbuf": "[a-z_0-9]+", "data": "([0-9a-f]{2})*"\}$'
MAP_RE='^\{"map": "[.a-z_0-9]+", "key": "([0-9a-f]{2})*", "value": "([0-9a-f]{2})*"\}$'
PCPU_RE='^\{"map": "[.a-z_0-9]+", "key": "([0-9a-f]{2})*", "values": \["([0-9a-f]{2})*"(, "([0-9a-f]{2})*")*\]\}$'

# all_lines FILE RE... - every non-empty line of FILE matches one of the REs.
all_lines() {
	local f=$1
	shift
	local args=()
	for re in "$@"; do args+=(-e "$re"); done
	! grep -vE "${args[@]}" "$f" | grep -q .
}

# ---- prog list ---------------------------------------------------------------
check "prog list: header" 0 '^NAME +SECTION +TYPE +INSNS$' '' "$BPFRT" prog list "$C/xdp_drop_icmp.bpf.o"
check "prog list: xdp program" 0 '^xdp_drop_icmp +xdp +xdp +[1-9][0-9]*$' '' \
	"$BPFRT" prog list "$C/xdp_drop_icmp.bpf.o"
check "prog list: tc program is sched_cls" 0 '^tc_classifier +tc +sched_cls +[1-9][0-9]*$' '' \
	"$BPFRT" prog list "$C/tc_classifier.bpf.o"
check "prog list: socket filter" 0 '^socket_filter +socket +socket_filter +[1-9][0-9]*$' '' \
	"$BPFRT" prog list "$C/socket_filter.bpf.o"
check "prog list --json" 0 '^\{"name": "xdp_drop_icmp", "section": "xdp", "type": "xdp", "insns": [1-9][0-9]*\}$' '' \
	"$BPFRT" prog list "$C/xdp_drop_icmp.bpf.o" --json
"$BPFRT" prog list "$C/xdp_tail.bpf.o" --json >"$T/progs" 2>&1
expect "prog list: every program of xdp_tail" "$(cat "$T/progs")" \
	test "$(grep -oE '"name": "[a-z_]+"' "$T/progs" | sort | tr '\n' ' ')" = \
	'"name": "handle_arp" "name": "handle_dns" "name": "handle_icmp" "name": "handle_tcp" "name": "handle_udp" "name": "xdp_tail" '
# uses_extern refers to a symbol nothing defines: it cannot load, but lists.
check "prog list: an object that does not load still lists" 0 '^uses_extern +xdp +xdp ' '' \
	"$BPFRT" prog list "$C/loader_bad.bpf.o"

# ---- map list ------------------------------------------------------------------
check "map list: header" 0 '^NAME +TYPE +KEY +VALUE +MAX_ENTRIES +FLAGS$' '' \
	"$BPFRT" map list "$C/xdp_drop_icmp.bpf.o"
check "map list: percpu array" 0 '^proto_count +percpu_array +4 +[0-9]+ +[0-9]+ +0x0$' '' \
	"$BPFRT" map list "$C/xdp_drop_icmp.bpf.o"
check "map list: lru hash" 0 '^conntrack +lru_hash +[0-9]+ +[0-9]+ +4096 +0x' '' \
	"$BPFRT" map list "$C/xdp_lb.bpf.o"
check "map list: .rodata is frozen, mmapable" 0 '\.rodata +array +4 +[0-9]+ +1 +0x4[0-9a-f]{2} frozen$' '' \
	"$BPFRT" map list "$C/xdp_lb.bpf.o"
check "map list: custom data section" 0 '^\.data\.stats +array ' '' \
	"$BPFRT" map list "$C/global_data.bpf.o"
check "map list: legacy maps" 0 '^flows +hash +8 +16 +32 +0x1$' '' \
	"$BPFRT" map list "$C/loader_legacy.bpf.o"
check "map list --json" 0 '^\{"name": "verdicts", "type": "array", "key_size": 4, "value_size": [0-9]+, "max_entries": [0-9]+, "flags": 0, "frozen": false\}$' '' \
	"$BPFRT" map list "$C/xdp_drop_icmp.bpf.o" --json
check "map list: prog array" 0 '^jmp_table +prog_array ' '' "$BPFRT" map list "$C/xdp_tail.bpf.o"

# ---- object errors -------------------------------------------------------------
check "prog list: missing object: exit 2" 2 '' '^bpfrt: .*nonexistent\.o' "$BPFRT" prog list "$T/nonexistent.o"
head -c 200 /dev/urandom >"$T/junk"
printf '\177ELF' | cat - "$T/junk" >"$T/bad.o"
check "prog list: garbage ELF: exit 2" 2 '' '^bpfrt: .*bad\.o' "$BPFRT" prog list "$T/bad.o"
check "map list: garbage ELF: exit 2" 2 '' '^bpfrt: .*bad\.o' "$BPFRT" map list "$T/bad.o"
check "prog without list: exit 2" 2 '' "^bpfrt: prog: expected 'list'" "$BPFRT" prog show "$C/xdp_lb.bpf.o"
check "prog list without OBJ: exit 2" 2 '' '^bpfrt: prog list: missing FILE' "$BPFRT" prog list

# ---- test-run: table ---------------------------------------------------------------
check "table: header" 0 '^FRAME +LEN +VERDICT +RETVAL +OUT$' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap"
check "table: frame row" 0 '^ +0 +[0-9]+ +XDP_(DROP|PASS) +[0-9]+ +[0-9]+$' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap"
check "table: summary" 0 '^40 frames: XDP_[A-Z]+ [0-9]+' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap"
check "table: refused frames, exit 0" 0 '^ +0 +0 +error: Invalid argument \(errno 22\)' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/malformed.pcap"
check "table: summary counts refusals" 0 '^22 frames: .*refused [0-9]+$' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/malformed.pcap"
check "table --repeat: ns/run column" 0 '^ +0 +[0-9]+ +XDP_[A-Z]+ +[0-9]+ +[0-9]+ +[0-9]+$' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap" --repeat 3
check "table: tc verdicts" 0 '^ +[0-9]+ +[0-9]+ +TC_ACT_(OK|PIPE|SHOT|UNSPEC) ' '' \
	"$BPFRT" test-run "$C/tc_classifier.bpf.o" --prog tc_classifier --pcap "$P/mix.pcap"
check "table: ringbuf records" 0 '^ +ringbuf events: [0-9]+ bytes: [0-9a-f]+$' '' \
	"$BPFRT" test-run "$C/xdp_ringbuf.bpf.o" --prog xdp_ringbuf --pcap "$P/mix.pcap"
check "table --dump-maps" 0 '^  key 00000000: value [0-9a-f]+$' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap" --dump-maps

# ---- test-run: JSON -------------------------------------------------------------------
J=$T/j
"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap" --json >"$J" 2>"$T/err"
rc=$?
expect "json: exit 0" "$(cat "$T/err")" test $rc = 0
expect "json: one line per frame, oracle format" "$(head -3 "$J")" \
	test "$(count_re "$J" "$FRAME_RE")" = 40
expect "json: nothing else without --dump-maps" "$(grep -vE "$FRAME_RE" "$J" | head -3)" \
	all_lines "$J" "$FRAME_RE"
expect "json: frames in order from 0" "$(head -c 300 "$J")" \
	test "$(grep -oE '^\{"frame": [0-9]+' "$J" | grep -oE '[0-9]+$' | tr '\n' ' ')" = "$(seq -s ' ' 0 39) "
"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/malformed.pcap" --json >"$J" 2>&1
expect "json: refused frames as the oracle prints them" "$(head -3 "$J")" \
	grep -qxF '{"frame": 0, "error": "Invalid argument", "errno": 22}' "$J"
expect "json: malformed.pcap: frame and error lines only" "$(head -5 "$J")" \
	all_lines "$J" "$FRAME_RE" "$ERROR_RE"

"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap" --json --dump-maps >"$J" 2>"$T/err"
rc=$?
expect "json --dump-maps: exit 0" "$(cat "$T/err")" test $rc = 0
expect "json --dump-maps: frame and map lines only" "$(grep -vE "$FRAME_RE|$MAP_RE|$PCPU_RE" "$J" | head -3)" \
	all_lines "$J" "$FRAME_RE" "$MAP_RE" "$PCPU_RE"
ncpus=$(python3 -c 'import re
s = open("/sys/devices/system/cpu/possible").read().strip()
print(max(int(p.split("-")[-1]) for p in s.split(",")) + 1)' 2>/dev/null || nproc)
expect "json --dump-maps: per-CPU values, one per possible CPU ($ncpus)" "$(grep proto_count "$J" | head -2)" \
	test "$(grep '"map": "proto_count"' "$J" | head -1 | grep -o '"[0-9a-f]*"' | tail -n +2 | wc -l)" = "$ncpus"
expect "json --dump-maps: arrays list every index" "$(grep verdicts "$J" | head -2)" \
	test "$(count_re "$J" '"map": "verdicts"')" -ge 2
expect "json --dump-maps: maps in name order, after the frames" "$(grep -o '"map": "[a-z_.]*"' "$J" | uniq)" \
	test "$(grep -o '"map": "[a-z_.]*"' "$J" | uniq | tr '\n' ' ')" = '"map": "proto_count" "map": "verdicts" '
"$BPFRT" test-run "$C/global_data.bpf.o" --prog global_data --pcap "$P/mix.pcap" --json --dump-maps >"$J" 2>"$T/err"
expect "json --dump-maps: global data by section name, no .rodata" "$(grep -o '"map": "[^"]*"' "$J" | uniq)" \
	test "$(grep -o '"map": "[^"]*"' "$J" | uniq | tr '\n' ' ')" = \
	'"map": ".bss" "map": ".data" "map": ".data.stats" "map": ".data.zero" '
"$BPFRT" test-run "$C/xdp_tail.bpf.o" --prog xdp_tail --pcap "$P/mix.pcap" --json --dump-maps >"$J" 2>"$T/err"
expect "json --dump-maps: no prog array" "$(grep -o '"map": "[^"]*"' "$J" | uniq)" \
	test "$(grep -o '"map": "[^"]*"' "$J" | uniq | tr '\n' ' ')" = '"map": "scratch" "map": "stages" '
"$BPFRT" test-run "$C/xdp_ringbuf.bpf.o" --prog xdp_ringbuf --pcap "$P/mix.pcap" --json --dump-maps >"$J" 2>"$T/err"
expect "json: ringbuf records after their frame" "$(grep -vE "$FRAME_RE|$MAP_RE|$PCPU_RE" "$J" | head -3)" \
	python3 - "$J" <<'EOF'
import json, sys
last = -1
rings = set()
for line in open(sys.argv[1]):
    j = json.loads(line)
    if "ringbuf" in j:
        assert j["frame"] == last, line
        rings.add(j["ringbuf"])
    elif "map" in j:
        assert j["map"] not in ("events", "side"), line
    else:
        last = j["frame"]
assert rings == {"events", "side"}, rings
EOF
check "json: tc verdict names, UNSPEC as 4294967295" 0 '^\{"frame": [0-9]+, "retval": 4294967295, "verdict": "TC_ACT_UNSPEC", ' '' \
	"$BPFRT" test-run "$C/tc_classifier.bpf.o" --prog tc_classifier --pcap "$P/mix.pcap" --json
check "json: socket filter verdict is the number" 0 '^\{"frame": [0-9]+, "retval": ([0-9]+), "verdict": "[0-9]+", ' '' \
	"$BPFRT" test-run "$C/socket_filter.bpf.o" --prog socket_filter --pcap "$P/mix.pcap" --json
check "json: no ns_per_run without --repeat" 0 '' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap" --json
expect "json: no ns_per_run without --repeat (output)" "$(head -1 "$T/out")" \
	test "$(grep -c ns_per_run "$T/out")" = 0
check "json --repeat: ns_per_run added" 0 '^\{"frame": 0, "retval": [0-9]+, "verdict": "XDP_[A-Z]+", "data": "[0-9a-f]+", "ns_per_run": [0-9]+\}$' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap" --json --repeat 2

# ---- inputs -----------------------------------------------------------------------------
"$BPFRT" test-run "$C/xdp_port_policy.bpf.o" --prog xdp_port_policy --pcap "$P/mix.pcap" --json --dump-maps >"$T/a" 2>&1
"$BPFRT" test-run "$C/xdp_port_policy.bpf.o" --prog xdp_port_policy --pcap "$P/mix.pcapng" --json --dump-maps >"$T/b" 2>&1
expect "pcapng gives the same output as pcap" "$(diff "$T/a" "$T/b" | head -5)" cmp -s "$T/a" "$T/b"
expect "pcap output is not empty" "$(head -2 "$T/a")" test "$(count_re "$T/a" "$FRAME_RE")" = 40
# Frame 2 of mix.pcap as a raw file: --data must give the same answer.
python3 - "$P/mix.pcap" "$T/frame2.bin" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
off, i = 24, 0
while True:
    incl = struct.unpack_from("<I", b, off + 8)[0]
    if i == 2:
        open(sys.argv[2], "wb").write(b[off + 16: off + 16 + incl])
        break
    off += 16 + incl
    i += 1
EOF
want=$(sed -n 3p "$T/a" | sed 's/"frame": 2/"frame": 0/')
check "--data: one raw frame" 0 '' '' \
	"$BPFRT" test-run "$C/xdp_port_policy.bpf.o" --prog xdp_port_policy --data "$T/frame2.bin" --json
expect "--data: the same answer as that frame in the capture" "got $(cat "$T/out"), want $want" \
	test -n "$want" -a "$(cat "$T/out")" = "$want"
check "--data: table" 0 '^1 frame: XDP_[A-Z]+ 1$' '' \
	"$BPFRT" test-run "$C/xdp_port_policy.bpf.o" --prog xdp_port_policy --data "$T/frame2.bin"

# --out: the frames that leave the program, read back with test-run itself.
check "--out: exit 0" 0 '' '' \
	"$BPFRT" test-run "$C/xdp_lb.bpf.o" --prog xdp_lb --pcap "$P/lb.pcap" --json --out "$T/out.pcap"
cp "$T/out" "$T/lb.json"
nleave=$(count_re "$T/lb.json" '"verdict": "XDP_(PASS|TX|REDIRECT)"')
expect "--out: a pcap file (magic)" "$(od -An -tx1 -N4 "$T/out.pcap")" \
	test "$(od -An -tx1 -N4 "$T/out.pcap" | tr -d ' ')" = d4c3b2a1
check "--out: readable back" 0 '' '' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$T/out.pcap" --json
expect "--out: one frame per PASS/TX/REDIRECT ($nleave)" "$(count_re "$T/out" "$FRAME_RE") frames read back" \
	test "$nleave" -gt 0 -a "$(count_re "$T/out" '^\{"frame"')" = "$nleave"
# The first frame written is the first leaving frame, as the program left it.
first=$(grep -m1 -E '"verdict": "XDP_(PASS|TX|REDIRECT)"' "$T/lb.json" | grep -oE '"data": "[0-9a-f]*"')
expect "--out: frames as the program left them" "first leaving frame $first" \
	test -n "$first" -a "$(head -1 "$T/out" | grep -oE '"data": "[0-9a-f]*"')" = "$first"
if command -v tcpdump >/dev/null 2>&1; then
	check "--out: tcpdump -r reads it" 0 '' '' tcpdump -nr "$T/out.pcap"
fi
check "--out: unwritable path: exit 2" 2 '' '^bpfrt: cannot write' \
	"$BPFRT" test-run "$C/xdp_lb.bpf.o" --prog xdp_lb --pcap "$P/lb.pcap" --out "$T/no/such/dir/x.pcap"

# ---- errors ----------------------------------------------------------------------------
check "malformed capture: exit 2" 2 '' '^bpfrt: .*junk' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$T/junk"
head -c 100 "$P/mix.pcap" >"$T/cut.pcap"
check "capture cut inside a record: exit 2" 2 '' '^bpfrt: .*cut\.pcap: .*truncated' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$T/cut.pcap" --json
check "missing capture: exit 2" 2 '' '^bpfrt: .*nope\.pcap' \
	"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$T/nope.pcap"
check "unknown --prog: lists the programs" 2 '' \
	"^bpfrt: .*no program named 'nope'; programs: handle_tcp \(xdp\), handle_udp \(xdp\), .*xdp_tail \(xdp\)" \
	"$BPFRT" test-run "$C/xdp_tail.bpf.o" --prog nope --pcap "$P/mix.pcap"
check "several programs, no --prog: exit 2" 2 '' '^bpfrt: .*6 programs .*--prog' \
	"$BPFRT" test-run "$C/xdp_tail.bpf.o" --pcap "$P/mix.pcap"
check "neither --pcap nor --data: exit 2" 2 '' '^bpfrt: test-run: .*--pcap FILE or --data FILE' \
	"$BPFRT" test-run "$C/xdp_lb.bpf.o" --prog xdp_lb
check "both --pcap and --data: exit 2" 2 '' '^bpfrt: test-run: .*--pcap FILE or --data FILE' \
	"$BPFRT" test-run "$C/xdp_lb.bpf.o" --prog xdp_lb --pcap "$P/mix.pcap" --data "$T/frame2.bin"
check "bad --repeat: exit 2" 2 '' '^bpfrt: test-run: --repeat' \
	"$BPFRT" test-run "$C/xdp_lb.bpf.o" --prog xdp_lb --pcap "$P/mix.pcap" --repeat 0
check "bad --engine: exit 2" 2 '' "^bpfrt: test-run: unknown engine 'warp'" \
	"$BPFRT" test-run "$C/xdp_lb.bpf.o" --prog xdp_lb --pcap "$P/mix.pcap" --engine warp
check "bad --cpu: exit 2" 2 '' '^bpfrt: test-run: --cpu 4095: there are' \
	"$BPFRT" test-run "$C/xdp_lb.bpf.o" --prog xdp_lb --pcap "$P/mix.pcap" --cpu 4095
check "unknown option: exit 2" 2 '' "^bpfrt: test-run: unknown option '--bogus'" \
	"$BPFRT" test-run "$C/xdp_lb.bpf.o" --bogus
check "object that does not load: exit 2, file and section" 2 '' "^bpfrt: loader_bad\.bpf\.o: section 'xdp'" \
	"$BPFRT" test-run "$C/loader_bad.bpf.o" --prog uses_extern --pcap "$P/mix.pcap"
"$BPFRT" test-run "$C/xdp_lb.bpf.o" --prog xdp_lb --pcap "$P/mix.pcap" --engine jit >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] || { [ $rc = 2 ] && grep -q 'not available' "$T/err"; }; then
	ok "--engine jit: runs, or exit 2 'not available'"
else
	bad "--engine jit: runs, or exit 2 'not available'" "exit $rc: $(cat "$T/err")"
fi
for e in interp interp-switch; do
	check "--engine $e" 0 '^40 frames: ' '' \
		"$BPFRT" test-run "$C/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp --pcap "$P/mix.pcap" --engine $e
done

# ---- sections without a libbpf name; run-time faults (need clang) -----------------------
if command -v clang >/dev/null 2>&1; then
	cat >"$T/custom.c" <<'EOF'
struct xdp_md { unsigned int data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
__attribute__((section("mysec"), used)) int custom(struct xdp_md *ctx) { return 2; }
/* No bounds check: the kernel's verifier would refuse it; a checked run
 * catches the read past the packet. */
__attribute__((section("xdp"), used)) int oob(struct xdp_md *ctx)
{
	return *(volatile unsigned char *)(long)(ctx->data + 100000);
}
char LICENSE[] __attribute__((section("license"), used)) = "GPL";
EOF
	if clang -O2 -g -target bpf -c "$T/custom.c" -o "$T/custom.o" 2>"$T/err"; then
		check "unknown section without --type: exit 2" 2 '' \
			"^bpfrt: custom\.o: section 'mysec': unknown program section name; give its program type with --type" \
			"$BPFRT" test-run "$T/custom.o" --prog custom --pcap "$P/mix.pcap"
		check "unknown section, prog list without --type: exit 2" 2 '' "section 'mysec'.*--type" \
			"$BPFRT" prog list "$T/custom.o"
		check "the verifier refuses the object: exit 2, program, C line, reason" 2 '' \
			"^bpfrt: custom\.o: section 'xdp': program 'oob': ; custom\.c:[0-9]+: .*" \
			"$BPFRT" test-run "$T/custom.o" --prog custom --pcap "$P/mix.pcap" --type xdp --json
		check "the verifier's reason and instruction" 2 '' \
			"^R1 pointer arithmetic with <<= operator prohibited$" \
			"$BPFRT" test-run "$T/custom.o" --prog custom --pcap "$P/mix.pcap" --type xdp --json
		check "unknown section with --type xdp --no-verify: runs" 0 '^\{"frame": 0, "retval": 2, "verdict": "XDP_PASS", ' '' \
			"$BPFRT" test-run "$T/custom.o" --prog custom --pcap "$P/mix.pcap" --type xdp --json --no-verify
		check "prog list --type: the section gets the type" 0 '^custom +mysec +xdp ' '' \
			"$BPFRT" prog list "$T/custom.o" --type xdp
		check "run-time fault: exit 1, names the instruction" 1 '' '^bpfrt: .*frame 0: .*insn [0-9]+' \
			"$BPFRT" test-run "$T/custom.o" --prog oob --pcap "$P/mix.pcap" --type xdp --json --no-verify
	else
		bad "clang -target bpf compiles the test object" "$(cat "$T/err")"
	fi
else
	echo "skip custom-section checks (no clang)"
fi

# bpfrt verify: exit 0 safe, 1 rejected naming the instruction and source line,
# 2 when the object cannot be loaded.
check "verify: corpus program is safe" 0 '^xdp_lb: safe \(xdp' '' \
	"$BPFRT" verify "$C/xdp_lb.bpf.o"
check "verify: unimplemented helper rejected with insn and source line" 1 \
	'rt_bad_helper.bpf.c:[0-9]+:.*bpf_sk_lookup_tcp' '' "$BPFRT" verify "$C/rt_bad_helper.bpf.o"
check "verify: stack overflow across calls" 1 'combined stack size of 2 calls' '' \
	"$BPFRT" verify "$BUILD/verifier/reject_calls.bpf.o"
check "verify: missing object" 2 '' 'bpfrt' "$BPFRT" verify "$T/does-not-exist.o"

finish
