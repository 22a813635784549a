#!/usr/bin/env bash
# example_data.sh OUTDIR - turn the example memory files into what the
# programs read: examples/data/NAME.hex (hex bytes with '#' comments, kept as
# text so that each header field can be annotated and reviewed in diffs)
# becomes OUTDIR/NAME.bin; other files are copied as they are.
# Plain bash (printf '\xNN'), so the demo needs no xxd.
set -euo pipefail
out=${1:?usage: example_data.sh OUTDIR}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
for f in "$here"/examples/data/*; do
	name=$(basename "$f")
	case $name in
	*.hex)
		hex=$(sed 's/#.*//' "$f" | tr -d ' \t\r\n')
		if [[ ! $hex =~ ^([0-9a-fA-F]{2})*$ ]]; then
			echo "example_data.sh: $f: not a list of hex bytes" >&2
			exit 1
		fi
		# One printf per file: '%b' expands the \xNN escapes, NULs
		# included, straight into the output file.
		printf '%b' "$(sed 's/../\\x&/g' <<<"$hex")" >"$out/${name%.hex}.bin"
		;;
	*)
		cp "$f" "$out/$name"
		;;
	esac
done
