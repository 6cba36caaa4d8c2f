#!/usr/bin/env bash
# Installs the dependencies, builds tally (Release) and runs `tally demo` on ./tally-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target tally_cli
build/tools/tally demo "$@"
