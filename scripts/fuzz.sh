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
# Its status is taken straight from the pipeline: a failed build or a crash
# fails, whatever the filter found to show.
set +e
RUSTC_BOOTSTRAP=1 cargo fuzz run --release parse corpus/parse seeds -- \
	-runs="$RUNS" -max_len=128 2>&1 | tee "$REPO/build/fuzz.log" | grep -E '^(Done|#[0-9]+ +DONE)|crash|panicked'
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" != 0 ]; then
	tail -n 20 "$REPO/build/fuzz.log" >&2
	echo "fuzz: failed, exit status $rc (see build/fuzz.log)" >&2
	exit 1
fi
echo "fuzz: corpus $(ls corpus/parse | wc -l) inputs"
