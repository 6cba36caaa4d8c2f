#!/usr/bin/env bash
# Installs what tally needs to build and test on Debian 12, from Debian's own packages.
# Run as root. Idempotent: packages already present are left as they are.
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  librocksdb-dev libzstd-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
