#!/usr/bin/env bash
# Installs the dependencies, builds everything (Release) and runs every test; then builds the
# decoders' test suites (block codec, sketch) with AddressSanitizer and UndefinedBehaviorSanitizer
# and runs them, since they feed damaged bytes to the parsers on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTALLY_SANITIZE=ON -DTALLY_BUILD_BENCH=OFF
cmake --build build-asan -j"$jobs" --target tally_codec_tests tally_sketch_tests
ctest --test-dir build-asan --output-on-failure -j"$jobs" -L '^(codec|sketch)$'
