#!/usr/bin/env bash
# make bench: boot the test kernel and run the benchmark in the guest; prints
# the table and leaves bench-results.json in the repository root.
#
#   BENCH_ROUNDS  rounds per figure (default 7)
#   BENCH_ICOUNT  1: guest time counts guest instructions (TCG's -icount),
#                 deterministic; 0: wall-clock time. Default 1 under TCG.
#   BENCH_OFF     1 (default): also compare figure 1's baseline with a
#                 CONFIG_AUDIT_CONTAINERID=n kernel, alternating boots.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-7}
OFF=${BENCH_OFF:-1}
bash "$REPO/scripts/build.sh" kernel
bash "$REPO/scripts/build.sh" selftests
BENCH=$REPO/build/selftests/audit_contid_bench
on_img=$(readlink -f "$REPO/build/bzImage")

kvm=$("$REPO/qemu/vm" --accel)
ICOUNT=${BENCH_ICOUNT:-$([ $kvm = TCG ] && echo 1 || echo 0)}
export VM_ICOUNT=$ICOUNT
# Counting instructions needs TCG, even where KVM works.
[ "$ICOUNT" = 1 ] && { export VM_KVM=0; kvm=TCG; }
mode="wall-clock ns"
[ "$ICOUNT" = 1 ] && mode="guest instructions (icount: 1 ns = 1 instruction)"
echo "bench: $(uname -m), host CPUs $(nproc), guest vCPUs ${VM_CPUS:-2}, $kvm, $ROUNDS rounds, unit: $mode" >&2

VM_CONSOLE_LOG=$REPO/build/console-bench.log VM_TIMEOUT=${VM_TIMEOUT:-3600} "$REPO/qemu/vm" -k "$on_img" -- \
	"$BENCH" "$ROUNDS" "$REPO/build/bench-results.json"

if [ "$OFF" = 1 ]; then
	# Two kernels cannot share a boot: alternate them, one fork loop per boot.
	off_img=$(bash "$REPO/scripts/kernel.sh" "$REPO/qemu/base.config" \
		"$REPO/qemu/audit_contid_off.config" | tail -n 1)
	OFF_SAMPLES=$REPO/build/bench-off.txt
	: > "$OFF_SAMPLES"
	for r in $(seq 1 "${BENCH_OFF_ROUNDS:-3}"); do
		for v in on off; do
			img=$on_img
			[ $v = off ] && img=$off_img
			echo "bench: CONFIG_AUDIT_CONTAINERID=$([ $v = on ] && echo y || echo n) boot $r" >&2
			VM_CONSOLE_LOG=$REPO/build/console-bench-$v.log "$REPO/qemu/vm" -k "$img" -- \
				"$BENCH" fork 1 300 | sed "s/^/$v /" >> "$OFF_SAMPLES"
		done
	done
fi
clock=wall
[ "$ICOUNT" = 1 ] && clock=icount
python3 "$REPO/scripts/bench-json.py" "$REPO/build/bench-results.json" "$clock" "$kvm" \
	"${VM_CPUS:-2}" "linux-source-7.3 $(dpkg-query -W -f='${Version}' linux-source-7.3)" \
	${OFF_SAMPLES:-}
cp "$REPO/build/bench-results.json" "$REPO/bench-results.json"
echo "bench: wrote bench-results.json" >&2
