#!/usr/bin/env bash
# Install what bpfrt needs on Debian 12 (as root) and build it.
# Idempotent: packages already present are not reinstalled; `make` rebuilds
# only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential clang llvm libclang-rt-14-dev libelf-dev zlib1g-dev
      libbpf-dev libpcap-dev libxdp-dev pkg-config python3 iproute2 iputils-ping tcpdump)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages: ${missing[*]} (run as root to install them)" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

make -j"$(nproc)" all >/dev/null
echo "setup: build/bpfrt and build/bpfrt-conformance-plugin are ready"
