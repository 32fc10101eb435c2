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

host_pass=0
host_fail=0

# The summary line, then the exit status: 0 only with nothing failed and $1 = 0.
finish() { # bad passed failed
	local bad=$1 passed=$(($2 + host_pass)) failed=$(($3 + host_fail))
	[ "$bad" = 0 ] || [ "$failed" -gt 0 ] || failed=1
	echo "$passed passed, $failed failed"
	[ "$bad" = 0 ] && [ "$failed" = 0 ]
	exit
}

fail() {
	echo "check: $*" >&2
	finish 1 0 0
}

# The pure logic first, on the host: a broken rule fails in seconds. Then
# the contid tool's tests (its ID derivation, hook input, rule encoding and
# log grouping through the host's libauparse).
mkdir -p "$BUILD"
{
	CARGO_TARGET_DIR="$BUILD/cargo" cargo test --release --locked \
		--manifest-path "$REPO/rust/host/Cargo.toml" 2>&1
	rc=$?
	CARGO_TARGET_DIR="$BUILD/cargo-contid" cargo test --locked \
		--manifest-path "$REPO/tools/contid/Cargo.toml" 2>&1
	[ $? = 0 ] && exit $rc || exit 1
} | tee "$BUILD/host-tests.log"
cargo_rc=${PIPESTATUS[0]}
read -r host_pass host_fail host_ignored < <(awk '
	/^test result:/ { p += $4; f += $6; i += $8 }
	END { print p + 0, f + 0, i + 0 }' "$BUILD/host-tests.log")
echo "check: host (cargo test) $host_pass passed, $host_fail failed, $host_ignored ignored" >&2
# Ignored tests did not run: they count as failed, like skips below.
host_fail=$((host_fail + host_ignored))
[ "$cargo_rc" = 0 ] || fail "host tests failed (cargo test exit status $cargo_rc)"
[ "$host_pass" -gt 0 ] || fail "no host test ran"
[ "$host_ignored" = 0 ] || fail "host tests were ignored"

t0=$(date +%s)
bash "$REPO/scripts/build.sh" kernel || fail "kernel build failed"
bash "$REPO/scripts/build.sh" selftests || fail "selftest build failed"
bash "$REPO/scripts/build.sh" tools || fail "contid build failed"
t1=$(date +%s)
bash "$REPO/scripts/lint.sh" || fail "lint failed"

# The kselftest suite runs through the kernel's runner (run_kselftest.sh of
# the kselftest install); every test in its kselftest-list.txt must report.
# Then the end-to-end test of the contid tool with real container runtimes.
mapfile -t kselftests < <(sed -n 's/^audit_contid://p' "$BUILD/kselftest/kselftest-list.txt")
[ "${#kselftests[@]}" -gt 0 ] || fail "the kselftest install lists no audit_contid test"
e2e=("$REPO/tools/contid/e2e.sh")
"$REPO/qemu/vm" -- "$REPO/qemu/guest-check" "$BUILD/kselftest" "${e2e[@]}" | tee "$OUT"
vmrc=${PIPESTATUS[0]}
t2=$(date +%s)

# One line per suite: "<kind> <name> <plan> <ran> <passed> <failed> <skipped>".
# The guest output is split at "# kunit: NAME", at the runner's
# "# selftests: audit_contid: NAME" and at "# e2e: NAME".
# KUnit: the plan is the first indented "1..N" (the suite's, under its
# "# Subtest:"); its cases are the "ok"/"not ok" lines at exactly that
# indentation (deeper ones are parameters); a "not ok" suite line with no
# failed case counts as one failure. kselftest: the runner prefixes the
# test's own TAP with "# ": its plan and cases are the "1..N" and
# "ok"/"not ok" lines under that prefix, and the runner's own result line
# ("not ok N selftests: ...", e.g. a timeout or an exit status) ends the
# suite, a failure counting as one if no case failed. e2e: the top-level
# "1..N" and "ok"/"not ok" lines. "# SKIP" is a skip, never a pass.
# plan is -1 when none was printed.
suites() {
	awk '
	function flush() {
		if (kind == "")
			return
		if (suite_failed && !fail)
			fail = 1
		print kind, name, plan, ran, pass, fail, skip
		kind = ""
	}
	function start(k, n) {
		flush()
		kind = k; name = n; plan = -1; indent = ""
		ran = pass = fail = skip = suite_failed = 0
	}
	function tap(line) {
		if (plan < 0 && line ~ /^1\.\.[0-9]+[ \t]*$/) {
			plan = substr(line, 4) + 0
		} else if (line ~ /^(not )?ok [0-9]+/) {
			ran++
			if (line ~ /^not ok /) fail++
			else if (line ~ /# SKIP/) skip++
			else pass++
		}
	}
	/^# kunit: /     { start("kunit", $3); next }
	/^# kselftest runner: / { flush(); next }
	/^# selftests: audit_contid: / { start("kselftest", $4); next }
	/^# e2e: /       { start("e2e", $3); next }
	kind == "kunit" && plan < 0 && /^[ \t]+1\.\.[0-9]+[ \t]*$/ {
		match($0, /^[ \t]+/)
		indent = substr($0, 1, RLENGTH)
		plan = $1; sub(/^1\.\./, "", plan); plan += 0
		next
	}
	kind == "kunit" && plan >= 0 && substr($0, 1, length(indent)) == indent {
		rest = substr($0, length(indent) + 1)
		if (rest ~ /^(not )?ok [0-9]+/) {
			ran++
			if (rest ~ /^not ok /) fail++
			else if (rest ~ /# SKIP/) skip++
			else pass++
		}
		next
	}
	kind == "kunit" && /^not ok [0-9]+ / { suite_failed = 1; next }
	kind == "kselftest" && /^(not )?ok [0-9]+ selftests: / {
		if (/^not ok /) suite_failed = 1
		else if (/# SKIP/) skip++
		flush()
		next
	}
	kind == "kselftest" && /^# / { tap(substr($0, 3)); next }
	kind == "e2e" { tap($0) }
	END { flush() }' "$OUT"
}

bad=0
passed=0
failed=0
seen=" "
while read -r kind name plan ran pass nfail skip; do
	seen+="$kind:$name "
	echo "check: $kind $name: plan $plan, ran $ran: $pass passed, $nfail failed, $skip skipped" >&2
	passed=$((passed + pass))
	failed=$((failed + nfail + skip))
	if [ "$ran" = 0 ]; then
		echo "check: $kind $name ran nothing" >&2
		bad=1
	fi
	if [ "$plan" -lt 0 ]; then
		echo "check: $kind $name printed no TAP plan" >&2
		bad=1
	elif [ "$ran" -lt "$plan" ]; then
		echo "check: $kind $name ran $ran of the $plan tests of its plan" >&2
		failed=$((failed + plan - ran))
	elif [ "$ran" -gt "$plan" ]; then
		echo "check: $kind $name ran $ran tests, more than the $plan of its plan" >&2
		bad=1
	fi
	[ "$skip" = 0 ] || { echo "check: $kind $name skipped $skip tests" >&2; bad=1; }
done < <(suites)

# Every suite that should have run did: each test of the kselftest list,
# each e2e test, and each KUnit suite declared in rust/ (kunit_tests(NAME)).
for t in "${kselftests[@]}"; do
	case $seen in
	*" kselftest:$t "*) ;;
	*) echo "check: kselftest $t did not run" >&2; bad=1 ;;
	esac
done
for t in "${e2e[@]}"; do
	case $seen in
	*" e2e:$(basename "$t") "*) ;;
	*) echo "check: e2e test $(basename "$t") did not run" >&2; bad=1 ;;
	esac
done
for s in $(grep -rhoE 'kunit_tests\([A-Za-z0-9_]+\)' "$REPO/rust" --include='*.rs' \
	   --exclude-dir=host | sed 's/.*(\(.*\))/\1/' | sort -u); do
	case $seen in
	*" kunit:$s "*) ;;
	*) echo "check: KUnit suite $s did not run" >&2; bad=1 ;;
	esac
done

echo "check: build $((t1 - t0))s, boot+tests $((t2 - t1))s" >&2
[ "$vmrc" = 0 ] || { echo "check: guest exit status $vmrc (console: $BUILD/console.log)" >&2; bad=1; }
finish "$bad" "$passed" "$failed"
