#!/usr/bin/env bash
# make audit-testsuite AUDIT_TESTSUITE=<checkout of linux-audit/audit-testsuite>
#
# Runs the audit maintainers' whole test suite, with our contid test
# (userspace/audit-testsuite/*.patch) applied, in the guest on the
# CONFIG_AUDIT_CONTAINERID=y kernel and on the =n kernel, with our audit
# userspace (make userspace). Prints every subtest whose result differs
# between the two kernels, and every subtest that fails on both and is not
# in userspace/audit-testsuite/expected-failures (each listed there with its
# reason). Exits non-zero on any of those, or when a listed failure passes
# (the list is then out of date). The contid test runs on =y and skips on =n.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
SUITE_SRC=${AUDIT_TESTSUITE:-}
[ -n "$SUITE_SRC" ] && [ -f "$SUITE_SRC/tests/runtests.pl" ] ||
	{ echo "audit-testsuite: set AUDIT_TESTSUITE to a checkout of linux-audit/audit-testsuite" >&2; exit 2; }
OUT=$REPO/build/audit-testsuite
EXPECTED=$REPO/userspace/audit-testsuite/expected-failures
rm -rf "$OUT" && mkdir -p "$OUT"

# Our test on the suite, as a maintainer would apply it.
cp -a "$SUITE_SRC" "$OUT/suite"
rm -rf "$OUT/suite/.git"
for p in "$REPO"/userspace/audit-testsuite/*.patch; do
	patch -s -p1 -d "$OUT/suite" < "$p" || { echo "audit-testsuite: $(basename "$p") does not apply" >&2; exit 1; }
done

# The two kernels, each with what the suite needs of a kernel
# (qemu/audit-testsuite.config; cached like the others).
bash "$REPO/scripts/userspace.sh" > /dev/null
on_img=$(bash "$REPO/scripts/kernel.sh" "$REPO/qemu/base.config" \
	"$REPO/qemu/audit_contid.config" "$REPO/qemu/audit-testsuite.config" | tail -n 1)
off_img=$(bash "$REPO/scripts/kernel.sh" "$REPO/qemu/base.config" \
	"$REPO/qemu/audit_contid_off.config" "$REPO/qemu/audit-testsuite.config" | tail -n 1)

for v in on off; do
	img=$on_img
	[ $v = off ] && img=$off_img
	echo "audit-testsuite: CONFIG_AUDIT_CONTAINERID=$([ $v = on ] && echo y || echo n)" >&2
	VM_CONSOLE_LOG=$OUT/console-$v.log VM_TIMEOUT=${VM_TIMEOUT:-3600} "$REPO/qemu/vm" -k "$img" -- \
		"$REPO/qemu/guest-audit-testsuite" "$OUT/suite" "$OUT/$v.txt" | tee "$OUT/$v.log" >&2
	[ -s "$OUT/$v.txt" ] || { echo "audit-testsuite: no result from the $v kernel" >&2; exit 1; }
done

python3 - "$OUT/on.txt" "$OUT/off.txt" "$EXPECTED" <<'EOF'
import sys

def results(path):
    r = {}
    for line in open(path):
        test, n, status = line.split(maxsplit=2)
        r[(test, n)] = status.strip()
    return r

on, off = results(sys.argv[1]), results(sys.argv[2])
expected = {}
for line in open(sys.argv[3]):
    line = line.strip()
    if line and not line.startswith("#"):
        test, n, reason = line.split(maxsplit=2)
        expected[(test, n)] = reason

bad = 0
keys = sorted(set(on) | set(off), key=lambda k: (k[0], k[1].isdigit() and int(k[1])))
passed_both = sum(1 for k in keys if on.get(k) == "ok" and off.get(k) == "ok")
failed_both = [k for k in keys if on.get(k) in ("not ok", "died") and off.get(k) in ("not ok", "died")]
print(f"audit-testsuite: {len(keys)} subtests; {passed_both} pass on both kernels, "
      f"{len(failed_both)} fail on both")
for k in keys:
    a, b = on.get(k, "missing"), off.get(k, "missing")
    if a == b:
        continue
    # Our own test: it runs on the =y kernel and skips without the feature.
    if k[0] == "contid" and a == "ok" and b == "skip":
        continue
    print(f"  differs: {k[0]} {k[1]}: =y {a}, =n {b}")
    bad = 1
for k in failed_both:
    if k not in expected:
        print(f"  fails on both, not expected: {k[0]} {k[1]}")
        bad = 1
for k, reason in expected.items():
    if k not in failed_both:
        print(f"  expected to fail but did not (update the list): {k[0]} {k[1]}: {reason}")
        bad = 1
contid = [k for k in keys if k[0] == "contid"]
if not contid or any(on.get(k) != "ok" for k in contid):
    print("  the contid test did not pass on the =y kernel")
    bad = 1
print("audit-testsuite: " + ("differences above" if bad else
      "same results on both kernels; every failure on both is expected"))
sys.exit(bad)
EOF
