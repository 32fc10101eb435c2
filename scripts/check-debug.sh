#!/usr/bin/env bash
# make check-debug: the component on a debug kernel (KASAN, lockdep, atomic-
# sleep, RCU-head debug objects, kmemleak, Rust debug assertions and overflow
# checks, fault injection), cached separately: the boot-time KUnit suites,
# the kselftest binaries, the fault stage (audit_contid_faults), then a storm
# of STORM_SECONDS (default 60) with 4 workers and a kmemleak scan
# (qemu/guest-debug). Each suite is checked against its TAP plan as make
# check does (scripts/suites.sh). Fails on any failed or skipped test, a
# suite that did not run or ran short of its plan, unexpected errno,
# kmemleak report (or a kmemleak that is off or never scanned), or console
# splat. The last line is "N passed, N failed".
#
# make check-kcsan (scripts/check-debug.sh kcsan): the same suites and storm
# (no fault stage) on a KCSAN kernel (qemu/kcsan.config; KCSAN excludes
# KASAN). Fails on any KCSAN report whose text names our code (a symbol with
# "audit_contid" in it: the glue, the hooks' entry points, every Rust
# function of the component), or on any other splat; the other reports are
# listed, not counted. Only C is instrumented in 7.3: see the README.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
KIND=${1:-debug}
LOG=$BUILD/check-$KIND.log
CONSOLE=$BUILD/console-$KIND.log
SECONDS_STORM=${STORM_SECONDS:-60}

. "$REPO/scripts/suites.sh"
mkdir -p "$BUILD"

fail() { echo "check-$KIND: $*" >&2; summary 1 0 1; exit 1; }

# The kselftest binaries the debug kernel runs, each directly (not through
# run_kselftest.sh), each a TAP suite of its own.
# audit_contid_faults is the fault stage: every allocation on our task paths
# failed once through fail-nth, then packets under random faults (the debug
# kernel has FAILSLAB and FAIL_PAGE_ALLOC); last, so the suites run unfaulted.
tests=(audit_contid_test hostile_test audit_records_test audit_filter_test audit_ns_test audit_pkt_test)
case $KIND in
debug)
	tests+=(audit_contid_faults)
	ignore=
	;;
kcsan)
	ignore='BUG: KCSAN: '
	;;
*)
	fail "unknown kernel '$KIND' (debug or kcsan)"
	;;
esac

img=$(bash "$REPO/scripts/kernel.sh" "$REPO/qemu/base.config" "$REPO/qemu/audit_contid.config" \
	"$REPO/qemu/$KIND.config" | tail -n 1) || fail "$KIND kernel build failed"
[ -f "$img" ] || fail "no $KIND bzImage"
ln -sfn "$img" "$BUILD/bzImage-$KIND"
# The suite against this kernel's own tree (a fresh clone has no build/obj).
bash "$REPO/scripts/build.sh" selftests "${img%/arch/x86/boot/bzImage}" ||
	fail "selftest build failed"

t0=$(date +%s)
# The debug kernels run the suites several times slower than the test
# kernel, and the storm adds STORM_SECONDS: the guest gets an hour plus that.
VM_TIMEOUT=${VM_TIMEOUT:-$((3600 + SECONDS_STORM))} \
VM_CONSOLE_LOG=$CONSOLE VM_MEMORY=${VM_MEMORY:-4G} VM_SPLAT_IGNORE=$ignore \
	"$REPO/qemu/vm" -k "$BUILD/bzImage-$KIND" -- "$REPO/qemu/guest-debug" \
	"$BUILD/selftests" "$SECONDS_STORM" "$KIND" "${tests[@]}" | tee "$LOG"
rc=${PIPESTATUS[0]}
t1=$(date +%s)
echo "check-$KIND: boot, suites and storm took $((t1 - t0))s; guest status $rc" >&2

# Each suite against its plan; then every one ran: each KUnit suite declared
# in rust/, each binary, and "debug" (the storm and kmemleak).
tally_suites "check-$KIND" "$LOG"
for s in $(kunit_suite_names "$REPO"); do
	expect_suite "check-$KIND" kunit "$s"
done
for t in "${tests[@]}" debug; do
	expect_suite "check-$KIND" tap "$t"
done
[ "$rc" = 0 ] || { echo "check-$KIND: guest exit status $rc (console: $CONSOLE)" >&2; suites_bad=1; }

# KCSAN: it was on, and no report names our code. A report runs from its
# "BUG: KCSAN:" line to the next line of '=' signs.
if [ "$KIND" = kcsan ]; then
	grep -q '^# kcsan: enabled: 1$' "$LOG" ||
		{ echo "check-kcsan: KCSAN was not enabled in the guest" >&2; suites_bad=1; }
	read -r reports ours < <(awk '
		/BUG: KCSAN: / { inrep = 1; n++; mine = 0 }
		inrep && /audit_contid/ { mine = 1 }
		inrep && /^(\[[^]]*\] *)*=+$/ { if (mine) m++; inrep = 0; mine = 0 }
		END { if (inrep && mine) m++; print n + 0, m + 0 }' "$CONSOLE")
	echo "check-kcsan: $reports KCSAN reports, $ours naming our code (console: $CONSOLE)" >&2
	grep -E 'BUG: KCSAN: ' "$CONSOLE" | sed 's/^/check-kcsan:   /' | sort | uniq -c >&2
	[ "$ours" = 0 ] || suites_bad=1
fi
summary "$suites_bad" "$suites_passed" "$suites_failed"
