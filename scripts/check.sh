#!/usr/bin/env bash
# make check: build, lint, boot the kernel, run the KUnit and kselftest suites.
# Fails on any failed test, a kernel splat, a guest that does not boot, or a
# suite that ran nothing. The last line is "N passed, N failed".
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
OUT=$BUILD/check.log

fail() {
	echo "check: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# The pure logic first, on the host: a broken rule fails in seconds.
mkdir -p "$BUILD"
CARGO_TARGET_DIR="$BUILD/cargo" cargo test --release --locked \
	--manifest-path "$REPO/rust/host/Cargo.toml" 2>&1 | tee "$BUILD/host-tests.log"
[ "${PIPESTATUS[0]}" = 0 ] || fail "host tests failed"
host=$(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$BUILD/host-tests.log")

t0=$(date +%s)
bash "$REPO/scripts/build.sh" kernel || fail "kernel build failed"
bash "$REPO/scripts/build.sh" selftests || fail "selftest build failed"
t1=$(date +%s)
bash "$REPO/scripts/lint.sh" || fail "lint failed"

"$REPO/qemu/vm" -- "$REPO/qemu/guest-check" "$BUILD/selftests/audit_contid_test" \
	"$BUILD/selftests/hostile_test" "$BUILD/selftests/audit_records_test" \
	"$REPO/selftests/audit_contid/auditd_e2e.sh" | tee "$OUT"
vmrc=${PIPESTATUS[0]}
t2=$(date +%s)

# Split the guest output into its KUnit and kselftest parts and count test
# cases: KUnit cases are the indented "ok N" lines inside a suite; kselftest
# cases are top-level "ok N"/"not ok N" lines; "# SKIP" is neither pass nor fail.
count() { # section pattern
	awk -v sec="$1" -v pat="$2" '
		/^# kunit: /     { cur = "kunit" }
		/^# kselftest: / { cur = "kselftest" }
		cur == sec && $0 ~ pat { n++ }
		END { print n + 0 }' "$OUT"
}
ku_pass=$(count kunit '^[ \t]+ok [0-9]+ ')
ku_fail=$(count kunit '^[ \t]+not ok [0-9]+ ')
ks_pass=$(count kselftest '^ok [0-9]+ [^#]*$')
ks_skip=$(count kselftest '^ok [0-9]+ .*# SKIP')
ks_fail=$(count kselftest '^not ok [0-9]+ ')
passed=$((ku_pass + ks_pass))
failed=$((ku_fail + ks_fail))

echo "check: host (cargo test) ${host% *} passed, ${host#* } failed" >&2
echo "check: KUnit $ku_pass passed, $ku_fail failed; kselftest $ks_pass passed, $ks_fail failed, $ks_skip skipped" >&2
echo "check: build $((t1 - t0))s, boot+tests $((t2 - t1))s" >&2
bad=0
[ "$vmrc" = 0 ] || { echo "check: guest exit status $vmrc (console: $BUILD/console.log)" >&2; bad=1; }
[ "$ku_pass" -gt 0 ] || { echo "check: no KUnit test ran" >&2; bad=1; }
[ "$ks_pass" -gt 0 ] || { echo "check: no kselftest ran" >&2; bad=1; }
[ "$ks_skip" = 0 ] || { echo "check: kselftests were skipped" >&2; bad=1; }
[ "$failed" = 0 ] || bad=1
[ $bad = 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed"
[ $bad = 0 ]
