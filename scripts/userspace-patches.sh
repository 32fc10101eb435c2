#!/usr/bin/env bash
# make userspace-patches AUDIT_USERSPACE=<checkout of linux-audit/audit-userspace>
#
# The changes of userspace/audit/ (Debian's 3.0.9) as a git format-patch
# series for upstream audit-userspace, rebased on its master:
# userspace/audit-upstream/ holds it (cover letter and one patch per change).
# This applies it with git am on the master commit it was checked on (BASE),
# builds it (autoreconf, configure, make), runs the project's own make check,
# installs it into build/audit-upstream, writes the series again with git
# format-patch into build/userspace-patches/ and checks that it is the one
# kept. With USERSPACE_PATCHES_E2E=1 (the default) it then boots the test
# kernel and runs the audit userspace end-to-end test with those tools.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BASE=ea8550209d556fdf44a2c13d4b54a9803dd07442
SRC=${AUDIT_USERSPACE:-}
SERIES=$REPO/userspace/audit-upstream
OUT=$REPO/build/userspace-patches
PREFIX=$REPO/build/audit-upstream
log() { echo "userspace-patches: $*" >&2; }

[ -n "$SRC" ] && git -C "$SRC" cat-file -e "$BASE^{commit}" 2>/dev/null ||
	{ log "set AUDIT_USERSPACE to a checkout of linux-audit/audit-userspace that has $BASE (its master of 2026-08-17 or later)"; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
git clone -q --no-checkout "$SRC" "$OUT/src"
cd "$OUT/src"
git checkout -q -B audit-contid "$BASE"
git -c user.name="audit-contid developers" -c user.email="audit-contid@invalid" \
	am -q $(ls "$SERIES"/0*.patch | grep -v /0000-) ||
	{ log "the series does not apply on $BASE"; exit 1; }
log "applied $(git rev-list --count "$BASE"..HEAD) patches on $BASE"

autoreconf -f --install > "$OUT/autoreconf.log" 2>&1 || { log "autoreconf failed: see $OUT/autoreconf.log"; exit 1; }
./configure -q --prefix="$PREFIX" --without-python3 --without-golang --disable-zos-remote \
	--with-libcap-ng=yes > "$OUT/configure.log" 2>&1 || { log "configure failed: see $OUT/configure.log"; exit 1; }
make -s -j"$(nproc)" > "$OUT/build.log" 2>&1 || { tail -n 30 "$OUT/build.log" >&2; log "build failed"; exit 1; }
make -s check > "$OUT/check.log" 2>&1 || { grep -E '^(FAIL|ERROR):' "$OUT/check.log" >&2 || true; log "make check failed: see $OUT/check.log"; exit 1; }
pass=$(grep -c '^PASS:' "$OUT/check.log" || true)
fail=$(grep -cE '^(FAIL|ERROR|XPASS):' "$OUT/check.log" || true)
[ "$pass" -gt 0 ] && [ "$fail" = 0 ] || { log "make check: $pass passed, $fail failed"; exit 1; }
log "make check: $pass passed"
rm -rf "$PREFIX"
make -s install > "$OUT/install.log" 2>&1 || { log "install failed: see $OUT/install.log"; exit 1; }

# The series again, from the commits: the same changes and messages as kept.
git format-patch -q --cover-letter --base="$BASE" -o "$OUT/series" "$BASE"..HEAD
rm "$OUT/series/0000-cover-letter.patch"
strip() { grep -v '^From [0-9a-f]\{40\} \|^Date: \|^index \|^-- $\|^[0-9]\+\.[0-9]\+' "$1"; }
for p in "$OUT"/series/*.patch; do
	kept=$SERIES/$(basename "$p")
	[ -f "$kept" ] && diff -q <(strip "$p") <(strip "$kept") > /dev/null ||
		{ log "$(basename "$p") differs from the kept series"; exit 1; }
done
cp "$SERIES/0000-cover-letter.patch" "$OUT/series/"
log "wrote $OUT/series (cover letter and $(ls "$OUT"/series/0*.patch | grep -vc /0000-) patches), the same as userspace/audit-upstream"

if [ "${USERSPACE_PATCHES_E2E:-1}" = 1 ]; then
	bash "$REPO/scripts/build.sh" kernel
	bash "$REPO/scripts/build.sh" tools
	log "the end-to-end test with master's tools in the guest"
	"$REPO/qemu/vm" -- "$REPO/userspace/audit/audit_userspace_e2e.sh" "$PREFIX" | tee "$OUT/e2e.log"
	grep -q '^not ok' "$OUT/e2e.log" && { log "end-to-end test failed"; exit 1; }
	[ "$(grep -c '^ok' "$OUT/e2e.log")" = "$(sed -n 's/^1\.\.//p' "$OUT/e2e.log")" ] ||
		{ log "end-to-end test ran fewer tests than its plan"; exit 1; }
fi
