#!/usr/bin/env bash
# The whole test suite: set up, build twice (plain and ASan+UBSan), run every
# suite on both builds, and end with one line "total: N passed, N failed,
# N skipped".  Exit status is non-zero when anything failed.
#
#   scripts/test.sh            everything (what CI runs)
#   QUICK=1 scripts/test.sh    plain build only, no sanitizer pass
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh || exit 1

P=0 F=0 S=0
declare -a FAILED_SUITES=()

# run NAME CMD...: run one suite, show its output, add its closing
# "N passed, N failed[, N skipped]" line to the totals.  A suite that exits
# non-zero or prints no such line counts as one failure.
run() {
	local name=$1; shift
	local log; log=$(mktemp)
	echo "=== $name"
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local line
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		local p f s
		p=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
		P=$((P + p)); F=$((F + f)); S=$((S + ${s:-0}))
	fi
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		FAILED_SUITES+=("$name")
		[ -z "$line" ] && F=$((F + 1))
	fi
	rm -f "$log"
}

suites() {
	local build=$1
	export BPFRT_BUILD=$build
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] && run "$(basename "$t") ($build)" "$t"
	done
	run "conformance ($build)" python3 tests/conformance/run.py --build "$build"
	run "cli ($build)" bash tests/cli/test_cli.sh "$build"
	run "test-run cli ($build)" bash tests/cli/test_testrun.sh "$build"
	# Every corpus program x every capture against the kernel's
	# BPF_PROG_TEST_RUN (skips itself where bpf() is unavailable).
	run "kernel diff ($build)" python3 tests/diff/run.py --build "$build" --engine all
	run "kernel diff, runtime cases ($build)" python3 tests/diff/run.py --build "$build" \
		--engine all --cases tests/corpus/rt_cases.txt
	# bpf_fib_lookup in a namespace with fixed routes and neighbours.
	run "kernel diff, fib lookups ($build)" sh tests/corpus/fib_netns.sh --build "$build" \
		--engine all
}

if ! make -j"$(nproc)" tests >/dev/null; then
	echo "build failed"; echo "total: 0 passed, 1 failed"; exit 1
fi
suites build
# Live XDP on namespaced veth pairs (root; skips itself otherwise).
run "live (build)" bash tests/live/test_live.sh build

if [ "${QUICK:-0}" != 1 ]; then
	echo "=== building with AddressSanitizer + UBSan"
	if ! make -j"$(nproc)" SAN=1 tests >/dev/null; then
		echo "sanitizer build failed"; echo "total: $P passed, $((F + 1)) failed"; exit 1
	fi
	# Leak checking needs ptrace-free LSan; keep it on, fail on any report.
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
	suites build-san
	unset ASAN_OPTIONS UBSAN_OPTIONS
	echo "=== fuzz targets (short smoke run; longer: scripts/fuzz.sh SECONDS)"
	run "fuzz smoke" ./scripts/fuzz.sh 15
fi

((${#FAILED_SUITES[@]})) && printf 'failed suites: %s\n' "${FAILED_SUITES[*]}"
echo "total: $P passed, $F failed, $S skipped"
[ "$F" -eq 0 ] && [ ${#FAILED_SUITES[@]} -eq 0 ]
