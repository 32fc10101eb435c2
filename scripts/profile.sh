#!/usr/bin/env bash
# make profile OP=<operation>: where the guest's instructions go while the
# benchmark repeats one figure's operation (register-new, register-join,
# loginuid, read-contid, read-loginuid). Boots the profiling kernel
# (qemu/profile.config: high-resolution timers) with VM_ICOUNT=1, so perf's
# cpu-clock period counts guest instructions. TCG only.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OP=${OP:-register-new}
COUNT=${COUNT:-4096}
PERIOD=${PERIOD:-997}
img=$(bash "$REPO/scripts/kernel.sh" "$REPO/qemu/base.config" "$REPO/qemu/audit_contid.config" \
	"$REPO/qemu/profile.config" | tail -n 1)
bash "$REPO/scripts/build.sh" selftests
mkdir -p "$REPO/build"
VM_KVM=0 VM_ICOUNT=1 VM_CONSOLE_LOG=$REPO/build/console-profile.log "$REPO/qemu/vm" -k "$img" -- \
	"$REPO/qemu/guest-profile" "$OP" "$COUNT" "$PERIOD" "$REPO/build"
echo "profile: build/profile-$OP.txt" >&2
