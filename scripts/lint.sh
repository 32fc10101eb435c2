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
for f in "$REPO"/audit_contid_glue.[ch] "$REPO"/selftests/audit_contid/*.[ch]; do
	"${cp[@]}" -f "$f" || { echo "lint: checkpatch: $f" >&2; rc=1; }
done
echo "lint: kernel-doc" >&2
"$src/scripts/kernel-doc" -none -Wall -Werror "$src/include/linux/audit_contid.h" "$REPO/audit_contid_glue.h" || rc=1

# clippy runs in the kernel build itself (scripts/kernel.sh: CLIPPY=1, with
# warnings as errors for kernel/audit_contid).
exit $rc
