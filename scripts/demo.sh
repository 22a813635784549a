#!/usr/bin/env bash
# demo.sh - a tour of bpfrt: build, run every example on its memory files and
# check r0, show a disassembly in the kernel's syntax, time a hot loop.
# Exits non-zero if anything returns something unexpected.
#
#   scripts/demo.sh            (from anywhere; BUILD=build-san to use ASan)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BPFRT=$BUILD/bpfrt
OUT=$BUILD/examples

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B= G= R= N=; fi
section() { printf '\n%s== %s%s\n' "$B" "$1" "$N"; }

section "building"
# make builds everything (library, CLI, plugin) and is a no-op when current.
if [ "$BUILD" = build-san ]; then mk=(make -s SAN=1); else mk=(make -s BUILD="$BUILD"); fi
if ! "${mk[@]}" >/dev/null; then
	echo "${R}build failed${N}"
	exit 1
fi
"$BPFRT" version
scripts/example_data.sh "$OUT" || exit 1

# The ELF example needs clang with the BPF target; everything else does not.
have_clang=0
if command -v clang >/dev/null 2>&1 &&
   clang -O2 -target bpf -c examples/popcount.c -o "$OUT/popcount.o" 2>/dev/null; then
	have_clang=1
fi

section "examples (examples/expected.txt)"
failures=0
printf '%-16s %-22s %-12s %s\n' program memory r0 ""
while read -r prog mem want desc; do
	case $prog in ''|\#*) continue ;; esac
	file=examples/$prog
	if [[ $prog == *.c ]]; then
		if [ $have_clang = 0 ]; then
			printf '%-16s %-22s %-12s %s\n' "$prog" "$mem" "-" "skipped: no clang -target bpf"
			continue
		fi
		file=$OUT/${prog%.c}.o
	fi
	args=()
	[ "$mem" != - ] && args=(--mem "$OUT/$mem")
	got=$("$BPFRT" run "$file" "${args[@]}" --json 2>&1)
	r0=$(sed -nE 's/^\{"retval": ([0-9]+),.*/\1/p' <<<"$got")
	if [ "$r0" = "$want" ]; then
		printf '%-16s %-22s %-12s %s\n' "$prog" "$mem" "$r0" "${G}ok${N}  $desc"
	else
		printf '%-16s %-22s %-12s %s\n' "$prog" "$mem" "${r0:-?}" "${R}FAIL${N} expected $want: $got"
		failures=$((failures + 1))
	fi
done <examples/expected.txt

section "the classifier, as the kernel's verifier log would print it"
"$BPFRT" disasm examples/classifier.asm --style kernel || failures=$((failures + 1))

section "human-readable run"
echo "\$ bpfrt run examples/lcm_calls.asm --mem $OUT/numbers.bin"
"$BPFRT" run examples/lcm_calls.asm --mem "$OUT/numbers.bin" || failures=$((failures + 1))

section "timing: FNV-1a over 64 KiB, 20 runs per engine"
head -c 65536 /dev/zero | tr '\0' 'x' >"$OUT/64k.bin"
for engine in interp interp-switch; do
	printf '%-14s ' "$engine"
	if ! "$BPFRT" run examples/fnv1a.asm --mem "$OUT/64k.bin" --engine "$engine" --repeat 20; then
		failures=$((failures + 1))
	fi
done
printf '%-14s ' jit
"$BPFRT" run examples/fnv1a.asm --mem "$OUT/64k.bin" --engine jit --repeat 20 2>&1 ||
	echo "              (the JIT is not built yet: exit status 2, as documented)"

section "a fault is caught, not a crash"
printf '\x79\x10\x00\x04\x00\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00' >"$OUT/fault.bin"
echo "\$ bpfrt run fault.bin --mem quote.txt     # ldxdw r0, [r1+1024]"
"$BPFRT" run "$OUT/fault.bin" --mem "$OUT/quote.txt" 2>&1
rc=$?
echo "exit status $rc"
[ $rc = 1 ] || failures=$((failures + 1))

section "the verifier refuses an unsafe program before it runs"
if [ $have_clang = 1 ] && clang -O2 -g -target bpf -c examples/xdp_no_bounds.c \
	-o "$OUT/xdp_no_bounds.o" 2>/dev/null; then
	echo "\$ bpfrt verify xdp_no_bounds.o      # examples/xdp_no_bounds.c: bounds check too short"
	"$BPFRT" verify "$OUT/xdp_no_bounds.o"
	rc=$?
	echo "exit status $rc"
	[ $rc = 1 ] || failures=$((failures + 1))
else
	echo "(skipped: needs clang -target bpf)"
fi

section "unmodified clang objects over a capture: XDP drop-ICMP and an L4 load balancer"
# The same .o files the kernel loads (tests/corpus), and captures written
# with libpcap by build/ttools/mkpcap.
if "${mk[@]}" "$BUILD/ttools/mkpcap" "$BUILD/corpus/xdp_drop_icmp.bpf.o" \
	"$BUILD/corpus/xdp_lb.bpf.o" >/dev/null 2>&1 && "$BUILD/ttools/mkpcap" "$OUT" >/dev/null; then
	echo "\$ bpfrt prog list xdp_drop_icmp.bpf.o"
	"$BPFRT" prog list "$BUILD/corpus/xdp_drop_icmp.bpf.o" || failures=$((failures + 1))
	echo "\$ bpfrt test-run xdp_drop_icmp.bpf.o --prog xdp_drop_icmp --pcap mix.pcap"
	"$BPFRT" test-run "$BUILD/corpus/xdp_drop_icmp.bpf.o" --prog xdp_drop_icmp \
		--pcap "$OUT/mix.pcap" | tail -n 8 || failures=$((failures + 1))
	echo "\$ bpfrt test-run xdp_lb.bpf.o --prog xdp_lb --pcap lb.pcap --out lb-out.pcap"
	"$BPFRT" test-run "$BUILD/corpus/xdp_lb.bpf.o" --prog xdp_lb --pcap "$OUT/lb.pcap" \
		--out "$OUT/lb-out.pcap" | tail -n 6 || failures=$((failures + 1))
	if "${mk[@]}" "$BUILD/ttools/kernel_testrun" >/dev/null 2>&1; then
		echo
		echo "does the kernel agree? (BPF_PROG_TEST_RUN on the same objects and frames)"
		python3 tests/diff/run.py --build "$BUILD" --engine interp \
			-k xdp_drop_icmp,xdp_lb 2>&1 | tail -n 1
	fi
else
	echo "(skipped: needs clang -target bpf and libpcap; run scripts/setup.sh)"
fi

echo
if [ $failures = 0 ]; then
	echo "${G}demo: all results as expected${N}"
else
	echo "${R}demo: $failures unexpected result(s)${N}"
	exit 1
fi
