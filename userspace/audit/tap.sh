# SPDX-License-Identifier: GPL-2.0
# TAP output for the audit userspace tests: ok, not_ok, and check NAME EXPR
# (ok when EXPR, evaluated, succeeds). $n counts tests, $fails failures.
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }
