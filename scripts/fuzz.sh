#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the libFuzzer targets and run each for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS]
#
# Corpora live in build-fuzz/corpus/<target>/ (never in the repository) and
# are seeded from the bpf_conformance suite in ../shared/conformance (or
# $BPFRT_CONFORMANCE_DIR): its vectors become fuzz_vm inputs, its assembler
# sections and program bytes fuzz_asm inputs.  Crashes go to
# build-fuzz/artifacts/<target>/, logs to build-fuzz/logs/<target>.log.
#
# BPFRT_FUZZ_BIN_DIR=dir runs the fuzz_* binaries found there instead of
# building with `make fuzz` (for binaries built some other way).
#
# Prints the executions per target and exits non-zero if any target found
# something (or failed to build).
set -euo pipefail

secs=${1:-60}
case $secs in
	''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
conf=${BPFRT_CONFORMANCE_DIR:-../shared/conformance}
out=build-fuzz

bindir=${BPFRT_FUZZ_BIN_DIR:-}
if [[ -z $bindir ]]; then
	make -s fuzz
	bindir=$out
fi

mkdir -p "$out/corpus/fuzz_vm" "$out/corpus/fuzz_asm" "$out/corpus/fuzz_loader" "$out/logs"

# hex string on stdin -> bytes on stdout.
unhex() {
	if command -v xxd >/dev/null; then
		xxd -r -p
	else
		python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'
	fi
}

seed_corpora() {
	local vectors=$conf/vectors.jsonl n=0 o
	# The loader starts from real clang objects (built by `make tests`).
	for o in build/corpus/*.bpf.o; do
		[[ -e $o ]] && cp "$o" "$out/corpus/fuzz_loader/"
	done
	if [[ -r $vectors ]]; then
		# One JSON object per line with "program" and "mem" as hex strings.
		while IFS=' ' read -r name prog mem; do
			local len=$(( ${#mem} / 2 ))
			# fuzz_vm input: flags (0: bytes as they are), u16 LE
			# memory size, memory, program.
			printf '00%02x%02x%s%s' $((len & 255)) $((len >> 8)) "$mem" "$prog" |
				unhex > "$out/corpus/fuzz_vm/conf-$name"
			# fuzz_asm reads the same bytes as instruction slots.
			printf '%s' "$prog" | unhex > "$out/corpus/fuzz_asm/bin-$name"
			n=$((n + 1))
		done < <(sed -n 's/.*"name": *"\([^"]*\)".*"program": *"\([0-9a-fA-F]*\)".*"mem": *"\([0-9a-fA-F]*\)".*/\1 \2 \3/p' "$vectors")
	else
		echo "fuzz.sh: $vectors not found, starting from empty corpora" >&2
	fi
	local t
	for t in "$conf"/tests/*.data; do
		[[ -e $t ]] || break
		# The "-- asm" section: assembler text for fuzz_asm.
		awk '/^-- /{ on = ($0 == "-- asm"); next } on' "$t" \
			> "$out/corpus/fuzz_asm/asm-$(basename "$t")"
	done
	echo "seeded $n vectors from $conf"
}

seed_corpora

status=0
summary=()
for bin in "$bindir"/fuzz_*; do
	[[ -x $bin && -f $bin ]] || continue
	t=$(basename "$bin")
	mkdir -p "$out/artifacts/$t" "$out/corpus/$t"
	log=$out/logs/$t.log
	echo "== $t for ${secs}s"
	rc=0
	"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
		-max_len=8192 -rss_limit_mb=4096 \
		-artifact_prefix="$out/artifacts/$t/" "$out/corpus/$t" > "$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [[ $rc -ne 0 ]]; then
		status=1
		summary+=("$t: FINDING (exit $rc), ${execs:-?} execs; see $log and $out/artifacts/$t/")
		grep -m 5 -E 'ERROR|SUMMARY|abort|disagree|broken' "$log" >&2 || true
	else
		summary+=("$t: ok, ${execs:-?} execs")
	fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
ok=$(printf '%s\n' "${summary[@]}" | grep -c ': ok,' || true)
echo "fuzz: $ok passed, $(( ${#summary[@]} - ok )) failed"
exit $status
