#!/usr/bin/env bash
# make check: build, lint, boot the kernel, run the KUnit and kselftest suites.
# Fails on any failed test, a kernel splat, a guest that does not boot, a
# skipped test, or a suite that ran nothing or fewer tests than its TAP plan
# ("1..N") announced: each KUnit suite and each kselftest binary is checked on
# its own. The last line is "N passed, N failed", host tests included.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
OUT=$BUILD/check.log

. "$REPO/scripts/suites.sh"

host_pass=0
host_fail=0

# The summary line, then the exit status: 0 only with nothing failed and $1 = 0.
finish() { # bad passed failed
	summary "$1" $(($2 + host_pass)) $(($3 + host_fail))
	exit
}

fail() {
	echo "check: $*" >&2
	finish 1 0 0
}

# host_tests NAME LOG COMMAND...: one crate's cargo test, counted on its own
# (a crate that runs no test fails, whatever the other ran). Ignored tests
# did not run: they count as failed, like skips below.
host_bad=0
host_tests() {
	local name=$1 log=$2 rc p f i
	shift 2
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	read -r p f i < <(awk '
		/^test result:/ { p += $4; f += $6; i += $8 }
		END { print p + 0, f + 0, i + 0 }' "$log")
	echo "check: host $name (cargo test) $p passed, $f failed, $i ignored" >&2
	host_pass=$((host_pass + p))
	host_fail=$((host_fail + f + i))
	[ "$rc" = 0 ] || { echo "check: host $name: cargo test exit status $rc" >&2; host_bad=1; }
	[ "$p" -gt 0 ] || { echo "check: host $name: no test ran" >&2; host_bad=1; }
	[ "$i" = 0 ] || { echo "check: host $name: $i tests were ignored" >&2; host_bad=1; }
}

# The pure logic first, on the host: a broken rule fails in seconds. Then
# the contid tool's tests (its ID derivation, hook input, rule encoding and
# log grouping through the host's libauparse). Both with overflow checks
# and debug assertions on: the host crate in the release profile with both
# turned on (its property tests take 40 s unoptimised, 1 s optimised).
mkdir -p "$BUILD"
host_tests rust/host "$BUILD/host-tests.log" \
	env CARGO_TARGET_DIR="$BUILD/cargo" CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true \
	CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true cargo test --release --locked \
	--manifest-path "$REPO/rust/host/Cargo.toml"
host_tests tools/contid "$BUILD/host-tests-contid.log" \
	env CARGO_TARGET_DIR="$BUILD/cargo-contid" cargo test --locked \
	--manifest-path "$REPO/tools/contid/Cargo.toml"
[ "$host_bad" = 0 ] || fail "host tests failed"

t0=$(date +%s)
bash "$REPO/scripts/build.sh" kernel || fail "kernel build failed"
bash "$REPO/scripts/build.sh" selftests || fail "selftest build failed"
bash "$REPO/scripts/build.sh" tools || fail "contid build failed"
bash "$REPO/scripts/userspace.sh" >/dev/null || fail "audit userspace build (make userspace) failed"
t1=$(date +%s)
bash "$REPO/scripts/lint.sh" || fail "lint failed"

# The kselftest suite runs through the kernel's runner (run_kselftest.sh of
# the kselftest install); every test in its kselftest-list.txt must report.
# Then the end-to-end test of the contid tool with real container runtimes.
mapfile -t kselftests < <(sed -n 's/^audit_contid://p' "$BUILD/kselftest/kselftest-list.txt")
[ "${#kselftests[@]}" -gt 0 ] || fail "the kselftest install lists no audit_contid test"
e2e=("$REPO/tools/contid/e2e.sh" "$REPO/userspace/audit/audit_userspace_e2e.sh"
	"$REPO/userspace/audit/audit_fleet_e2e.sh")
"$REPO/qemu/vm" -- "$REPO/qemu/guest-check" "$BUILD/kselftest" "${e2e[@]}" | tee "$OUT"
vmrc=${PIPESTATUS[0]}
t2=$(date +%s)

# Each suite against its plan (scripts/suites.sh), then every suite that
# should have run did: each test of the kselftest list, each e2e test, and
# each KUnit suite declared in rust/.
tally_suites check "$OUT"
for t in "${kselftests[@]}"; do
	expect_suite check kselftest "$t"
done
for t in "${e2e[@]}"; do
	expect_suite check e2e "$(basename "$t")"
done
for s in $(kunit_suite_names "$REPO"); do
	expect_suite check kunit "$s"
done

echo "check: build $((t1 - t0))s, boot+tests $((t2 - t1))s" >&2
[ "$vmrc" = 0 ] || { echo "check: guest exit status $vmrc (console: $BUILD/console.log)" >&2; suites_bad=1; }
finish "$suites_bad" "$suites_passed" "$suites_failed"
