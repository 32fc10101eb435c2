#!/usr/bin/env bash
# Prepare (once) and build the test kernel.
#
#   scripts/kernel.sh [FRAGMENT...]      default: qemu/base.config qemu/audit_contid.config
#   KERNEL_TREE_ONLY=1 scripts/kernel.sh prepare the patched tree, print its path
#
# The cache lives outside the clone (AUDIT_CONTID_CACHE, default
# ~/.cache/audit-contid):
#   src-<pkgver>/linux-source-7.3   pristine source + our patch series; a changed
#                                   series is swapped in place and files whose
#                                   content did not change keep their mtime
#   obj-<hash>/                     object tree; hash = package version +
#                                   config fragments, so each config is cached
# kernel/audit_contid in the source tree is a link to this clone, so an edit
# in the repo rebuilds only the component. Prints the bzImage path last.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
KVER=7.3
CACHE=${AUDIT_CONTID_CACHE:-$HOME/.cache/audit-contid}
JOBS=${JOBS:-$(nproc)}
MAKE=(make -s LLVM=-19 -j"$JOBS")
# The test kernel is linted as it is built: clippy on all Rust, warnings as
# errors in kernel/audit_contid.
BUILD_FLAGS=(CLIPPY=1 AUDIT_CONTID_WERROR=1)

die() { echo "kernel: $*" >&2; exit 1; }
log() { echo "kernel: $*" >&2; }

[ $# -gt 0 ] || set -- "$REPO/qemu/base.config" "$REPO/qemu/audit_contid.config"
FRAGMENTS=()
for f in "$@"; do FRAGMENTS+=("$(realpath "$f")"); done

PKGVER=$(dpkg-query -W -f='${Version}' "linux-source-$KVER" 2>/dev/null) \
	|| die "linux-source-$KVER is not installed: run 'make deps'"
TARBALL=/usr/src/linux-source-$KVER.tar.xz
SRCROOT=$CACHE/src-$PKGVER
SRC=$SRCROOT/linux-source-$KVER
OBJKEY=$( { echo "$PKGVER"; cat "${FRAGMENTS[@]}"; } | sha256sum | cut -c1-16)
OBJ=$CACHE/obj-$OBJKEY

extract() {
	log "extracting $TARBALL"
	rm -rf "$SRCROOT"
	mkdir -p "$SRCROOT"
	tar -C "$SRCROOT" -xf "$TARBALL"
	mkdir -p "$SRC/.audit_contid_applied"
}

# Files a patch touches (its +++ lines).
patch_files() { sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$@" 2>/dev/null | sort -u; }

apply_series() {
	local applied=$SRC/.audit_contid_applied
	local want have
	want=$(cd "$REPO/patches" && cat series | xargs sha256sum | sha256sum)
	have=$(cat "$applied/stamp" 2>/dev/null || true)
	[ "$want" = "$have" ] && return 0
	log "patch series changed: swapping it in"

	local files snap
	snap=$(mktemp -d)
	files=$( { [ -f "$applied/series" ] && (cd "$applied" && patch_files $(cat series)); \
		(cd "$REPO/patches" && patch_files $(cat series)); } | sort -u)
	for f in $files; do
		[ -f "$SRC/$f" ] || continue
		mkdir -p "$snap/$(dirname "$f")"
		cp -p "$SRC/$f" "$snap/$f"
	done

	if [ -f "$applied/series" ]; then
		if ! (cd "$SRC" && tac "$applied/series" | while read -r p; do
			patch -s -R -p1 --no-backup-if-mismatch < "$applied/$p" || exit 1
		done); then
			log "could not revert the old series; starting from a fresh tree"
			rm -rf "$snap"
			extract
			snap=$(mktemp -d)
		fi
	fi
	rm -rf "$applied"; mkdir -p "$applied"
	(cd "$SRC" && while read -r p; do
		patch -s -p1 --no-backup-if-mismatch --dry-run < "$REPO/patches/$p" >/dev/null \
			|| die "patch $p does not apply to linux-source-$KVER $PKGVER"
		patch -s -p1 --no-backup-if-mismatch < "$REPO/patches/$p"
	done < "$REPO/patches/series")
	cp "$REPO/patches/series" "$REPO"/patches/*.patch "$applied/"

	# Unchanged files keep their old mtime, so make rebuilds only what changed.
	for f in $files; do
		if [ -f "$snap/$f" ] && [ -f "$SRC/$f" ] && cmp -s "$snap/$f" "$SRC/$f"; then
			touch -r "$snap/$f" "$SRC/$f"
		fi
	done
	rm -rf "$snap"
	echo "$want" > "$applied/stamp"
}

configure() {
	local stamp=$OBJ/.audit_contid_config
	[ -f "$stamp" ] && [ -f "$OBJ/.config" ] && return 0
	log "configuring $OBJ"
	mkdir -p "$OBJ"
	"${MAKE[@]}" -C "$SRC" O="$OBJ" tinyconfig >/dev/null
	(cd "$OBJ" && KCONFIG_CONFIG=.config "$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" \
		.config "${FRAGMENTS[@]}" >/dev/null)
	"${MAKE[@]}" -C "$SRC" O="$OBJ" olddefconfig >/dev/null
	# Options whose dependencies are unmet drop out silently: refuse that.
	# A later fragment overrides an earlier one's line for the same option,
	# as merge_config.sh does; only the last word on each option is checked.
	local missing=0 line opt
	declare -A want=() from=()
	for f in "${FRAGMENTS[@]}"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*) opt=${line%%=*} ;;
			"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *} ;;
			*) continue ;;
			esac
			want[$opt]=$line
			from[$opt]=$f
		done < "$f"
	done
	for opt in "${!want[@]}"; do
		line=${want[$opt]}
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$OBJ/.config" || { echo "kernel: ${from[$opt]}: '$line' not in .config" >&2; missing=1; } ;;
		*)
			grep -q "^$opt=" "$OBJ/.config" && { echo "kernel: ${from[$opt]}: $opt should be unset" >&2; missing=1; } ;;
		esac
	done
	[ $missing = 0 ] || { rm -f "$OBJ/.config"; die "config fragment lines were dropped (unmet dependencies?)"; }
	touch "$stamp"
}

mkdir -p "$CACHE"
# The source tree is shared by every object tree: prepare it under a lock.
# Builds themselves only write to their own object tree.
exec 9>"$CACHE/.lock"
flock 9
[ -d "$SRC" ] || extract
apply_series
ln -sfn "$REPO" "$SRC/kernel/audit_contid"
flock -u 9
# KERNEL_TREE_ONLY=1: only prepare the source tree, print its path.
if [ "${KERNEL_TREE_ONLY:-0}" = 1 ]; then
	echo "$SRC"
	exit 0
fi
exec 9>"$OBJ.lock"
flock 9
configure
log "building in $OBJ"
"${MAKE[@]}" -C "$SRC" O="$OBJ" "${BUILD_FLAGS[@]}" bzImage
echo "$OBJ/arch/x86/boot/bzImage"
