#!/usr/bin/env bash
# Lint gates: rustfmt on the component, checkpatch on the C we add.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
obj=$(readlink -f "$REPO/build/obj" 2>/dev/null || true)
src=$(readlink -f "$obj/source" 2>/dev/null || true)
[ -d "$src" ] || { echo "lint: no kernel tree yet; run 'make kernel'" >&2; exit 1; }
rc=0

echo "lint: rustfmt" >&2
rustfmt --edition 2021 --config-path "$src/.rustfmt.toml" --check "$REPO"/rust/*.rs || rc=1

echo "lint: checkpatch" >&2
cp=("$src/scripts/checkpatch.pl" --quiet --no-tree --strict --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG)
for p in "$REPO"/patches/*.patch; do
	"${cp[@]}" --ignore GERRIT_CHANGE_ID,MISSING_SIGN_OFF "$p" || { echo "lint: checkpatch: $p" >&2; rc=1; }
done
for f in "$REPO"/audit_contid_glue.[ch]; do
	"${cp[@]}" -f "$f" || { echo "lint: checkpatch: $f" >&2; rc=1; }
done
exit $rc
