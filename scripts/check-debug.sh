#!/usr/bin/env bash
# make check-debug: the component on a debug kernel (KASAN, lockdep, atomic-
# sleep, RCU-head debug objects, kmemleak, Rust debug assertions and overflow
# checks), cached separately; the kselftest suite, then a storm of
# STORM_SECONDS (default 60) with 4 workers. Fails on any failed test,
# unexpected errno, leftover container, kmemleak report, or console splat.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
SECONDS_STORM=${STORM_SECONDS:-60}

fail() { echo "check-debug: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

img=$(bash "$REPO/scripts/kernel.sh" "$REPO/qemu/base.config" "$REPO/qemu/audit_contid.config" \
	"$REPO/qemu/debug.config" | tail -n 1) || fail "debug kernel build failed"
[ -f "$img" ] || fail "no debug bzImage"
ln -sfn "$img" "$BUILD/bzImage-debug"
bash "$REPO/scripts/build.sh" selftests || fail "selftest build failed"

t0=$(date +%s)
VM_CONSOLE_LOG=$BUILD/console-debug.log VM_MEMORY=${VM_MEMORY:-4G} \
	"$REPO/qemu/vm" -k "$BUILD/bzImage-debug" -- "$REPO/qemu/guest-debug" \
	"$BUILD/selftests" "$SECONDS_STORM" | tee "$BUILD/check-debug.log"
rc=${PIPESTATUS[0]}
t1=$(date +%s)
passed=$(grep -cE '^ok [0-9]+ [^#]*$' "$BUILD/check-debug.log")
failed=$(grep -cE '^not ok [0-9]+ ' "$BUILD/check-debug.log")
echo "check-debug: boot, suite and storm took $((t1 - t0))s; guest status $rc" >&2
[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed"
[ "$rc" = 0 ]
