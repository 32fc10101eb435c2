#!/usr/bin/env bash
# make distro-check: the component in a distribution's kernel configuration.
#
# Debian's own 7.3 amd64 configuration (package linux-config-7.3: RUST=y,
# AUDITSYSCALL=y, PREEMPT_LAZY with PREEMPT_RCU) plus
# CONFIG_AUDIT_CONTAINERID=y, olddefconfig with our LLVM 19 toolchain, then
# a W=1 build of the component and of every object whose source the series
# changes (not the whole kernel: 2 cores). Fails on any warning or error in
# those objects, or if the option did not survive into the final .config.
# Object tree: ~/.cache/audit-contid/obj-distro (incremental on a rerun).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${AUDIT_CONTID_CACHE:-$HOME/.cache/audit-contid}
KVER=7.3
CONFIG=/usr/src/linux-config-$KVER/config.amd64_none_amd64.xz
OBJ=$CACHE/obj-distro
JOBS=${JOBS:-$(nproc)}
MAKE=(make -s LLVM=-19 -j"$JOBS")
LOG=$REPO/build/distro-check.log

passed=0
failed=0
T0=$(date +%s)
step() {
	if [ "$1" = 0 ]; then passed=$((passed + 1)); echo "ok $((passed + failed)) $2"
	else failed=$((failed + 1)); echo "not ok $((passed + failed)) $2"; fi
}
finish() { echo "distro-check: $(($(date +%s) - T0))s in all" >&2
	echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; exit; }

mkdir -p "$REPO/build" "$OBJ"
: > "$LOG"
[ -r "$CONFIG" ] || { step 1 "Debian's config: no $CONFIG (make deps)"; finish; }
SRC=$(KERNEL_TREE_ONLY=1 bash "$REPO/scripts/kernel.sh" | tail -n 1)
[ -d "$SRC" ] || { step 1 "the patched source tree"; finish; }

# Debian's config, our option, olddefconfig. A config that changed since the
# last run starts over from Debian's.
xz -dc "$CONFIG" > "$OBJ/debian.config"
cp "$OBJ/debian.config" "$OBJ/.config.new"
"$SRC/scripts/config" --file "$OBJ/.config.new" --enable AUDIT_CONTAINERID
if ! cmp -s "$OBJ/.config.new" "$OBJ/.config.wanted" 2>/dev/null; then
	mv "$OBJ/.config.new" "$OBJ/.config.wanted"
	cp "$OBJ/.config.wanted" "$OBJ/.config"
fi
"${MAKE[@]}" -C "$SRC" O="$OBJ" olddefconfig >>"$LOG" 2>&1
step $? "olddefconfig on Debian's $(basename "$CONFIG") + CONFIG_AUDIT_CONTAINERID=y"
rc=0
for opt in CONFIG_AUDIT_CONTAINERID=y CONFIG_RUST=y CONFIG_AUDITSYSCALL=y CONFIG_PREEMPT_RCU=y; do
	grep -qx "$opt" "$OBJ/.config" || { echo "#   $opt is not in .config"; rc=1; }
done
step $rc "the option survives into .config (with RUST, AUDITSYSCALL, PREEMPT_RCU)"

# The objects of every C file the series changes, and the component.
mapfile -t objs < <(cd "$REPO/patches" && sed -n 's|^+++ b/\(.*\.c\)[[:space:]]*$|\1|p' \
	$(grep -v '^#' series) | sort -u | sed 's/\.c$/.o/')
# What the objects need (scripts, generated headers, the Rust core and
# kernel crates) is built first, without W=1: its warnings are not ours.
t=$(date +%s)
"${MAKE[@]}" -C "$SRC" O="$OBJ" prepare >>"$LOG" 2>&1 &&
	"${MAKE[@]}" -C "$SRC" O="$OBJ" rust/ >>"$LOG" 2>&1
step $? "prepare and the Rust crates ($(($(date +%s) - t))s)"
# Those objects are compiled anew on every run, so that their warnings show.
rm -f "${objs[@]/#/$OBJ/}" "$OBJ"/kernel/audit_contid/*.o "$OBJ"/kernel/audit_contid/rust/*.o
t=$(date +%s)
"${MAKE[@]}" -C "$SRC" O="$OBJ" W=1 "${objs[@]}" kernel/audit_contid/ > "$LOG.w1" 2>&1
rc=$?
cat "$LOG.w1" >> "$LOG"
warnings=$(grep -cE '(warning|error)(\[[^]]*\])?:' "$LOG.w1")
grep -E '(warning|error)(\[[^]]*\])?:' "$LOG.w1" | head -20 | sed 's/^/#   /'
[ "$warnings" = 0 ] || rc=1
step $rc "W=1 build of kernel/audit_contid/ and ${objs[*]}: $warnings warnings ($(($(date +%s) - t))s)"
# A directory build links the component's parts into built-in.a.
[ -f "$OBJ/kernel/audit_contid/rust/audit_contid_main.o" ] &&
	[ -f "$OBJ/kernel/audit_contid/audit_contid_glue.o" ]
step $? "the component's Rust crate and C glue were built"
finish
