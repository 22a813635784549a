#!/usr/bin/env bash
# test_cli.sh [BUILD] - end-to-end checks of build/bpfrt and the conformance
# plugin: output formats, exit codes, error messages.  Run from the repo
# root; BUILD defaults to $BPFRT_BUILD or build.  One line per check, then
# "cli: N passed, N failed"; exit status non-zero on any failure.
#
# Programs are written as raw bytes with printf so that each check pins the
# exact encoding it is about and does not depend on the assembler.
set -u
BUILD=${1:-${BPFRT_BUILD:-build}}
BPFRT=$BUILD/bpfrt
PLUGIN=$BUILD/bpfrt-conformance-plugin
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '       %s\n' "$@"; }

for b in "$BPFRT" "$PLUGIN"; do
	if [ ! -x "$b" ]; then
		bad "binary $b exists (run make first)"
		echo "cli: $pass passed, $fail failed"
		exit 1
	fi
done

# check NAME RC OUT_RE ERR_RE CMD... - run CMD (stdin from $IN, default
# empty); pass if it exits RC, some stdout line matches the extended regex
# OUT_RE and some stderr line matches ERR_RE (an empty regex: not checked).
check() {
	local name=$1 want=$2 out_re=$3 err_re=$4
	shift 4
	"$@" <"${IN:-/dev/null}" >"$T/out" 2>"$T/err"
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

# bin FILE HEX... - write the bytes to $T/FILE.
bin() {
	local f=$T/$1
	shift
	printf '%b' "$(tr -d ' \t\n' <<<"$*" | sed 's/../\\x&/g')" >"$f"
}

EXIT='95 00 00 00 00 00 00 00'
R0_42='b7 00 00 00 2a 00 00 00'

# ---- help, version, usage errors -------------------------------------------
check "help exits 0" 0 '^usage: bpfrt' '' "$BPFRT" help
check "--help exits 0" 0 '^usage: bpfrt' '' "$BPFRT" --help
missing=()
"$BPFRT" help >"$T/help"
for w in run asm disasm version help --raw --prog --mem --engine --repeat \
	 --json --check --insn-limit --style -o prog map list test-run --type --pcap \
	 --data --dump-maps --out --btf --cpu; do
	grep -qE -- "(^|[ [])$w([ ,=]|$)" "$T/help" || missing+=("$w")
done
if [ ${#missing[@]} = 0 ]; then ok "help lists every command and option"
else bad "help lists every command and option" "missing: ${missing[*]}"; fi
check "version" 0 '^bpfrt [0-9]+\.[0-9]+\.[0-9]+$' '' "$BPFRT" version
check "no command: exit 2" 2 '' '^usage:' "$BPFRT"
check "unknown command: exit 2" 2 '' "^bpfrt: unknown command 'frobnicate'" "$BPFRT" frobnicate
check "unknown option: exit 2" 2 '' "^bpfrt: run: unknown option '--bogus'" "$BPFRT" run --bogus x.bin
check "option without its argument: exit 2" 2 '' "^bpfrt: .*'--mem' needs an argument" "$BPFRT" run x.bin --mem
check "run without FILE: exit 2" 2 '' '^bpfrt: run: missing FILE' "$BPFRT" run
check "bad --repeat: exit 2" 2 '' '^bpfrt: run: --repeat' "$BPFRT" run x.bin --repeat 0
check "bad --check: exit 2" 2 '' "^bpfrt: run: unknown check mode" "$BPFRT" run x.bin --check sometimes
check "bad --engine: exit 2" 2 '' "^bpfrt: run: unknown engine 'warp'" "$BPFRT" run x.bin --engine warp

# ---- run: formats --------------------------------------------------------------
bin r42.bin "$R0_42 $EXIT"
check "run raw: readable r0" 0 '^r0 = 42 \(0x2a\)$' '' "$BPFRT" run "$T/r42.bin"
check "run --json: exact format" 0 '^\{"retval": 42, "runs": 1, "ns_per_run": [0-9]+\}$' '' \
	"$BPFRT" run "$T/r42.bin" --json
check "run --json --repeat 5" 0 '^\{"retval": 42, "runs": 5, "ns_per_run": [0-9]+\}$' '' \
	"$BPFRT" run "$T/r42.bin" --json --repeat 5
check "run --repeat: timing line" 0 '^3 runs, [0-9]+ ns/run' '' "$BPFRT" run "$T/r42.bin" --repeat 3
bin neg1.bin "b7 00 00 00 ff ff ff ff $EXIT"	# mov r0, -1 (sign-extended)
check "run: u64 r0, decimal and hex" 0 '^r0 = 18446744073709551615 \(0xffffffffffffffff\)' '' \
	"$BPFRT" run "$T/neg1.bin"
check "run --json: retval unsigned" 0 '^\{"retval": 18446744073709551615, ' '' \
	"$BPFRT" run "$T/neg1.bin" --json
# r0 = *(u8 *)(r1 + 1) + r2: reads the memory and its length.
bin mem.bin "71 10 01 00 00 00 00 00 0f 20 00 00 00 00 00 00 $EXIT"
bin data3.bin "05 07 09"
check "run --mem: r1 = memory, r2 = length" 0 '^r0 = 10 \(0xa\)$' '' \
	"$BPFRT" run "$T/mem.bin" --mem "$T/data3.bin"
for e in interp interp-switch; do
	check "run --engine $e" 0 '^r0 = 10 ' '' "$BPFRT" run "$T/mem.bin" --mem "$T/data3.bin" --engine "$e"
done
check "run --check never" 0 '^r0 = 10 ' '' "$BPFRT" run "$T/mem.bin" --mem "$T/data3.bin" --check never
check "run --check always" 0 '^r0 = 10 ' '' "$BPFRT" run "$T/mem.bin" --mem "$T/data3.bin" --check always
check "run --engine jit" 0 '^r0 = 42 ' '' "$BPFRT" run "$T/r42.bin" --engine jit
printf 'mov %%r0, 7\nadd %%r0, 5 # comment\nexit\n' >"$T/p.asm"
check "run .asm source" 0 '^r0 = 12 \(0xc\)$' '' "$BPFRT" run "$T/p.asm"
cp "$T/r42.bin" "$T/looks_like.asm"
check "run --raw overrides the extension" 0 '^r0 = 42 ' '' "$BPFRT" run "$T/looks_like.asm" --raw
check "run --prog on a raw file: exit 2" 2 '' '^bpfrt: .*--prog applies only to ELF' \
	"$BPFRT" run "$T/r42.bin" --prog x

# ---- run: bad input, exit 2, message names the instruction ---------------------
check "missing file: exit 2" 2 '' '^bpfrt: cannot open .*nonexistent.bin' "$BPFRT" run "$T/nonexistent.bin"
check "missing --mem file: exit 2" 2 '' '^bpfrt: cannot open .*nomem' "$BPFRT" run "$T/r42.bin" --mem "$T/nomem"
printf '0123456789abc' >"$T/odd.bin"
check "odd-length file: exit 2" 2 '' '^bpfrt: .*size 13 is not a multiple of 8' "$BPFRT" run "$T/odd.bin"
: >"$T/empty.bin"
check "empty file: exit 2" 2 '' '^bpfrt: .*empty' "$BPFRT" run "$T/empty.bin"
bin unk.bin "$R0_42 ff 00 00 00 00 00 00 00 $EXIT"
check "unknown opcode: insn 1" 2 '' '^bpfrt: .*insn 1:.*opcode' "$BPFRT" run "$T/unk.bin"
bin oor.bin "05 00 05 00 00 00 00 00 $EXIT"	# ja +5 in a 2-slot program
check "jump out of range: insn 0" 2 '' '^bpfrt: .*insn 0:.*(jump|range)' "$BPFRT" run "$T/oor.bin"
# ja +1 lands on the second slot of the lddw at 1.
bin intolddw.bin "05 00 01 00 00 00 00 00 18 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 $EXIT"
check "jump into lddw: insn 0" 2 '' '^bpfrt: .*insn 0:.*lddw' "$BPFRT" run "$T/intolddw.bin"
bin helper.bin "85 00 00 00 63 00 00 00 $EXIT"	# call 99: the CLI registers none
check "unknown helper: insn 0" 2 '' '^bpfrt: .*insn 0:.*helper' "$BPFRT" run "$T/helper.bin"
# Nine functions each calling the next: 9 frames > BPFRT_MAX_CALL_FRAMES.
deep=
for _ in 1 2 3 4 5 6 7 8 9; do deep+="85 10 00 00 01 00 00 00 $EXIT "; done
bin deep.bin "$deep b7 00 00 00 00 00 00 00 $EXIT"
check "call depth > 8: names an insn" 2 '' '^bpfrt: .*insn [0-9]+:.*(depth|frames)' "$BPFRT" run "$T/deep.bin"
bin fallsoff.bin "$R0_42"
check "falling off the end: exit 2" 2 '' '^bpfrt: .*insn' "$BPFRT" run "$T/fallsoff.bin"

# ---- run: run-time failures, exit 1 ---------------------------------------------
bin fault.bin "79 10 00 04 00 00 00 00 $EXIT"	# ldxdw r0, [r1+1024]
check "fault in checked mode: exit 1, insn 0" 1 '' '^bpfrt: .*insn 0' "$BPFRT" run "$T/fault.bin" --mem "$T/data3.bin"
bin loop.bin "05 00 ff ff 00 00 00 00 $EXIT"	# ja -1
check "infinite loop: --insn-limit" 1 '' '^bpfrt: .*limit' "$BPFRT" run "$T/loop.bin" --insn-limit 100000
check "infinite loop: default limit" 1 '' '^bpfrt: .*limit' "$BPFRT" run "$T/loop.bin"

# ---- asm / disasm -----------------------------------------------------------------
printf 'mov %%r0, 42\nexit\n' >"$T/r42.asm"
check "asm: hex slots on stdout" 0 '^b7 00 00 00 2a 00 00 00$' '' "$BPFRT" asm "$T/r42.asm"
if "$BPFRT" asm "$T/r42.asm" -o "$T/r42.out" && cmp -s "$T/r42.out" "$T/r42.bin"; then
	ok "asm -o: binary output"
else
	bad "asm -o: binary output" "bytes differ from mov r0, 42; exit"
fi
printf 'mov %%r0, 1\nmvo %%r0, 2\nexit\n' >"$T/bad.asm"
check "asm error names the line: exit 2" 2 '' '^bpfrt: .*line 2' "$BPFRT" asm "$T/bad.asm"
check "asm missing file: exit 2" 2 '' '^bpfrt: cannot open' "$BPFRT" asm "$T/none.asm"
check "disasm asm style" 0 '^mov %r0, 0x?2a$|^mov %r0, 42$' '' "$BPFRT" disasm "$T/r42.bin"
check "disasm kernel style" 0 '^0: .*r0 = 42$' '' "$BPFRT" disasm "$T/r42.bin" --style kernel
check "disasm bad style: exit 2" 2 '' "unknown style" "$BPFRT" disasm "$T/r42.bin" --style att
check "disasm odd-length: exit 2" 2 '' 'size 13 is not a multiple of 8' "$BPFRT" disasm "$T/odd.bin"
check "disasm of an invalid slot still prints" 0 '^\.raw 0x' '' "$BPFRT" disasm "$T/unk.bin"
# Round trip: every example disassembles to text that assembles to the
# same bytes.
rt_fail=()
for f in examples/*.asm "$T/intolddw.bin" "$T/deep.bin"; do
	[ -f "$f" ] || continue
	"$BPFRT" asm "$f" -o "$T/rt1.bin" 2>/dev/null || cp "$f" "$T/rt1.bin"
	"$BPFRT" disasm "$T/rt1.bin" --raw >"$T/rt.asm" &&
		"$BPFRT" asm "$T/rt.asm" -o "$T/rt2.bin" && cmp -s "$T/rt1.bin" "$T/rt2.bin" ||
		rt_fail+=("$f")
done
if [ ${#rt_fail[@]} = 0 ]; then ok "disasm | asm round trip"
else bad "disasm | asm round trip" "differs: ${rt_fail[*]}"; fi

# ---- examples ------------------------------------------------------------------
scripts/example_data.sh "$T/ex" >/dev/null
have_clang=0
if command -v clang >/dev/null 2>&1 &&
   clang -O2 -target bpf -c examples/popcount.c -o "$T/ex/popcount.o" 2>/dev/null; then
	have_clang=1
fi
while read -r prog mem want _; do
	case $prog in ''|\#*) continue ;; esac
	file=examples/$prog
	if [[ $prog == *.c ]]; then
		[ $have_clang = 1 ] || { echo "skip example $prog (no clang -target bpf)"; continue; }
		file=$T/ex/${prog%.c}.o
	fi
	args=()
	[ "$mem" != - ] && args=(--mem "$T/ex/$mem")
	check "example $prog on $mem = $want" 0 "^\{\"retval\": $want, " '' "$BPFRT" run "$file" "${args[@]}" --json
done <examples/expected.txt

# ---- ELF objects (need clang -target bpf) ------------------------------------------
if [ $have_clang = 1 ]; then
	cat >"$T/two.c" <<'EOF'
__attribute__((section("sec_one"), used)) int f_one(void) { return 1; }
__attribute__((section("sec_two"), used)) int f_two(void) { return 2; }
EOF
	cat >"$T/reloc.c" <<'EOF'
static volatile int counter;
__attribute__((section("prog"), used)) int bump(void) { return ++counter; }
EOF
	clang -O2 -target bpf -c "$T/two.c" -o "$T/two.o" &&
		clang -O2 -target bpf -c "$T/reloc.c" -o "$T/reloc.o"
	check "ELF: one code section" 0 '^r0 = 163 ' '' "$BPFRT" run "$T/ex/popcount.o" --mem "$T/ex/quote.txt"
	check "ELF: several sections need --prog" 2 '' '^bpfrt: .*sec_one, sec_two.*--prog' "$BPFRT" run "$T/two.o"
	check "ELF: --prog section" 0 '^r0 = 2 ' '' "$BPFRT" run "$T/two.o" --prog sec_two
	check "ELF: --prog function symbol" 0 '^r0 = 1 ' '' "$BPFRT" run "$T/two.o" --prog f_one
	check "ELF: unknown --prog" 2 '' "^bpfrt: .*no section or function named 'three'" "$BPFRT" run "$T/two.o" --prog three
	# Sections without a SEC() name the loader knows: raw code above; with
	# relocations only the loader can help, and it needs the type.
	check "ELF: relocations, unknown section: needs --type" 2 '' \
		"^bpfrt: reloc.o: section 'prog': unknown program section name; give its program type with --type" \
		"$BPFRT" run "$T/reloc.o"
	# Loaded (the .bss map made, relocations applied), but a typed program
	# takes a context, not raw memory: the library sends it to test-run.
	check "ELF: relocations, --type: loads; typed programs need test-run" 2 '' \
		'^bpfrt: .*test-run' "$BPFRT" run "$T/reloc.o" --type socket_filter
	check "ELF: disasm" 0 '^0: .*r0 = 2' '' "$BPFRT" disasm "$T/two.o" --prog f_two --style kernel
	check "ELF: disasm --type: every program, headed" 0 '^# program f_two, section sec_two, type xdp$' '' \
		"$BPFRT" disasm "$T/two.o" --type xdp
	check "ELF: disasm after load: the .bss map reference" 0 '^[0-9]+: .*map' '' \
		"$BPFRT" disasm "$T/reloc.o" --type socket_filter --style kernel
	check "ELF: --type on a raw file: exit 2" 2 '' '^bpfrt: .*--type applies only to ELF' \
		"$BPFRT" run "$T/r42.bin" --type xdp
	check "ELF: unknown --type: exit 2" 2 '' "^bpfrt: run: unknown program type 'warp'" \
		"$BPFRT" run "$T/two.o" --type warp
else
	echo "skip ELF checks (no clang -target bpf)"
fi
head -c 100 /dev/urandom >"$T/junk.o"
printf '\177ELF' | cat - "$T/junk.o" >"$T/badelf.o"
check "ELF: garbage after the magic: exit 2" 2 '' '^bpfrt: ' "$BPFRT" run "$T/badelf.o"

# ---- conformance plugin -----------------------------------------------------------
# hexp HEX... - the protocol's encoding: two lowercase hex digits, two spaces.
hexp() { tr -d ' \t\n' <<<"$*" | sed 's/../&  /g'; }
echo "$(hexp "$R0_42 $EXIT")" >"$T/in"
IN=$T/in check "plugin: no memory" 0 '^2a$' '' "$PLUGIN"
IN=$T/in check "plugin: empty memory argument, options as one argument" 0 '^2a$' '' "$PLUGIN" "" "--engine interp"
echo "$(hexp "71 10 01 00 00 00 00 00 0f 20 00 00 00 00 00 00 $EXIT")" >"$T/in"
IN=$T/in check "plugin: memory (r1, r2)" 0 '^a$' '' "$PLUGIN" "$(hexp 05 07 09)"
IN=$T/in check "plugin: --engine interp-switch" 0 '^a$' '' "$PLUGIN" "$(hexp 05 07 09)" --engine interp-switch
# gather_bytes(1, 2, 3, 4, 5)
echo "$(hexp "b7 01 00 00 01 00 00 00 b7 02 00 00 02 00 00 00 b7 03 00 00 03 00 00 00
	b7 04 00 00 04 00 00 00 b7 05 00 00 05 00 00 00 85 00 00 00 00 00 00 00 $EXIT")" >"$T/in"
IN=$T/in check "plugin: helper gather_bytes" 0 '^102030405$' '' "$PLUGIN"
# lddw r1, 2^64-1; call sqrti
echo "$(hexp "18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff 85 00 00 00 03 00 00 00 $EXIT")" >"$T/in"
IN=$T/in check "plugin: helper sqrti(2^64-1)" 0 '^ffffffff$' '' "$PLUGIN"
# memfrob(r1, r2) then r0 = first byte: 0x2a ^ 42 = 0
echo "$(hexp "bf 16 00 00 00 00 00 00 85 00 00 00 01 00 00 00 71 60 01 00 00 00 00 00 $EXIT")" >"$T/in"
IN=$T/in check "plugin: helper memfrob" 0 '^1$' '' "$PLUGIN" "$(hexp 2a 2b)"
# unwind(r1): 0 ends the program with r0 = 0, else execution continues.
echo "$(hexp "b7 01 00 00 00 00 00 00 85 00 00 00 05 00 00 00 b7 00 00 00 07 00 00 00 $EXIT")" >"$T/in"
IN=$T/in check "plugin: unwind(0) ends the program" 0 '^0$' '' "$PLUGIN"
echo "$(hexp "b7 01 00 00 03 00 00 00 85 00 00 00 05 00 00 00 b7 00 00 00 07 00 00 00 $EXIT")" >"$T/in"
IN=$T/in check "plugin: unwind(3) continues" 0 '^7$' '' "$PLUGIN"
echo "$(hexp "$R0_42 ff 00 00 00 00 00 00 00 $EXIT")" >"$T/in"
IN=$T/in check "plugin: invalid program: non-zero, message" 1 'insn 1' '' "$PLUGIN"
echo "$(hexp "$R0_42 95 00 00")" >"$T/in"
IN=$T/in check "plugin: truncated program: non-zero" 1 'multiple of 8' '' "$PLUGIN"
echo "$(hexp "$R0_42 $EXIT")" >"$T/in"
IN=$T/in check "plugin: --engine jit" 0 '^2a$' '' "$PLUGIN" --engine jit
if [ $have_clang = 1 ]; then
	od -An -v -tx1 "$T/ex/popcount.o" >"$T/in"
	IN=$T/in check "plugin: --elf" 0 '^a$' '' "$PLUGIN" "$(hexp 54 68 65)" --elf
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
