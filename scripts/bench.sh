#!/usr/bin/env bash
# make bench: boot the test kernel and run the benchmark in the guest; prints
# the table and leaves bench-results.json in the repository root.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-7}
bash "$REPO/scripts/build.sh" kernel
bash "$REPO/scripts/build.sh" selftests
kvm=TCG
[ "${VM_KVM:-}" = 1 ] && kvm=KVM
echo "bench: $(uname -m), host CPUs $(nproc), guest vCPUs ${VM_CPUS:-2}, $kvm, $ROUNDS rounds" >&2
VM_CONSOLE_LOG=$REPO/build/console-bench.log VM_TIMEOUT=${VM_TIMEOUT:-3600} "$REPO/qemu/vm" -- \
	"$REPO/build/selftests/audit_contid_bench" "$ROUNDS" "$REPO/build/bench-results.json"
cp "$REPO/build/bench-results.json" "$REPO/bench-results.json"
echo "bench: wrote bench-results.json" >&2
