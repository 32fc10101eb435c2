#!/usr/bin/env bash
# make fuzz: libFuzzer on the ID parser (rust/host/fuzz), FUZZ_RUNS executions.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${FUZZ_RUNS:-10000000}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz@0.12.0
mkdir -p "$REPO/build"
cd "$REPO/rust/host/fuzz"
mkdir -p corpus/parse
# cargo-fuzz needs nightly flags; the stable toolchain accepts them this way.
RUSTC_BOOTSTRAP=1 cargo fuzz run --release parse corpus/parse seeds -- \
	-runs="$RUNS" -max_len=128 2>&1 | tee "$REPO/build/fuzz.log" | grep -E '^(Done|#[0-9]+ +DONE)|crash|panicked' || true
[ "${PIPESTATUS[0]}" = 0 ] || { echo "fuzz: failed (see build/fuzz.log)" >&2; exit 1; }
echo "fuzz: corpus $(ls corpus/parse | wc -l) inputs"
