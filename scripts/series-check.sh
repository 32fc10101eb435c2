#!/usr/bin/env bash
# make series-check: the upstream series the way a kernel developer takes it.
#
#  1. `make patches` (build/patches).
#  2. A fresh extraction of the 7.3 source in a scratch directory
#     (SERIES_CHECK_DIR, default ~/.cache/audit-contid/series-check), made a
#     git tree; then `git am` one patch at a time, and after each:
#     checkpatch.pl --strict on the patch; scripts/kernel-doc -Wall on every
#     header the series added or changed so far (-Werror, except a header
#     whose pristine version already warns: then no new warning) and no new
#     warning in the .c files it changed; the tree builds with
#     CONFIG_AUDIT_CONTAINERID=y and with =n (the test kernel's config, one
#     object tree per config, incremental, through ccache), and once the
#     option exists, =y survives into .config.
#  3. The final tree: the =y kernel boots and passes the kernel's own
#     runners, run_kselftest.sh of a kselftest_install of that tree, and
#     tools/testing/kunit/kunit.py run with kernel/audit_contid/.kunitconfig
#     (its own object tree, under QEMU).
#
# Too long for `make check` (README: timings). Last line "N passed, N failed"
# over the steps; exit status non-zero on any failure.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${AUDIT_CONTID_CACHE:-$HOME/.cache/audit-contid}
DIR=${SERIES_CHECK_DIR:-$CACHE/series-check}
KVER=7.3
TARBALL=/usr/src/linux-source-$KVER.tar.xz
JOBS=${JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export GIT_COMMITTER_NAME=series-check GIT_COMMITTER_EMAIL=series-check@localhost
# ccache for the C compiler only: HOSTCC is also rustc's linker for host programs.
MAKE=(make -s LLVM=-19 -j"$JOBS" CC="ccache clang-19")
LOG=$REPO/build/series-check.log

passed=0
failed=0
T0=$(date +%s)
step() { # result description
	local t=$(($(date +%s) - T0))
	if [ "$1" = 0 ]; then
		passed=$((passed + 1)); echo "ok $((passed + failed)) $2 (${t}s)"
	else
		failed=$((failed + 1)); echo "not ok $((passed + failed)) $2 (${t}s)"
	fi
}
finish() { echo "series-check: $(($(date +%s) - T0))s in all" >&2
	echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; exit; }
die() { echo "series-check: $*" >&2; failed=$((failed + 1)); finish; }

command -v ccache >/dev/null || die "ccache missing: run 'make deps'"
mkdir -p "$REPO/build" "$DIR"
: > "$LOG"

bash "$REPO/scripts/patches.sh" "$REPO/build/patches" || die "make patches failed"
mapfile -t patches < <(ls "$REPO"/build/patches/*.patch | grep -v '/0000-cover-letter.patch$')

SRC=$DIR/linux
echo "series-check: extracting a fresh tree in $SRC" >&2
# The object trees go too: the extraction keeps the tarball's old mtimes, so
# objects of a previous run (built from patched files) would look up to date.
# ccache makes the rebuild cheap.
rm -rf "$SRC" "$DIR/obj-y" "$DIR/obj-n" "$DIR/kunit"
mkdir -p "$SRC"
tar -C "$SRC" -xf "$TARBALL" --strip-components=1 || die "cannot extract $TARBALL"
# -f: Debian's top-level .gitignore ignores everything ("/*").
(cd "$SRC" && git init -q && git add -A -f && git -c user.name=series-check \
	-c user.email=series-check@localhost commit -q -m pristine && git tag pristine) ||
	die "git init failed"
step 0 "fresh $KVER tree from $(basename "$TARBALL")"

# kernel-doc warnings of a file (line numbers dropped), in the tree as it is.
kdoc() { [ -f "$SRC/$1" ] && (cd "$SRC" && scripts/kernel-doc -none -Wall "$1" 2>&1 |
	sed -E 's/:[0-9]+ / /' | sort) || true; }
declare -A pristine_kdoc=()

# One object tree per config: the test kernel's fragments, merged anew after
# every patch (a patch may add options), then an incremental build.
build() { # name fragment...
	local obj=$DIR/obj-$1
	shift
	mkdir -p "$obj"
	[ -f "$obj/.config" ] || "${MAKE[@]}" -C "$SRC" O="$obj" tinyconfig >>"$LOG" 2>&1 || return 1
	(cd "$obj" && KCONFIG_CONFIG=.config "$SRC/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		.config "$@" >>"$LOG" 2>&1) || return 1
	"${MAKE[@]}" -C "$SRC" O="$obj" olddefconfig >>"$LOG" 2>&1 || return 1
	"${MAKE[@]}" -C "$SRC" O="$obj" CLIPPY=1 AUDIT_CONTID_WERROR=1 bzImage >"$DIR/build.out" 2>&1
	local rc=$?
	cat "$DIR/build.out" >>"$LOG"
	# A compiler warning in a file the series changed or added fails too.
	if grep -E '(warning|error)(\[[^]]*\])?:' "$DIR/build.out" |
		grep -F -f <(cd "$SRC" && git diff --name-only pristine HEAD) |
		sed 's/^/#   /' | grep .; then
		return 1
	fi
	return $rc
}

for p in "${patches[@]}"; do
	name=$(basename "$p" .patch)
	mapfile -t files < <(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$p")
	for f in "${files[@]}"; do
		case $f in *.[ch]) ;; *) continue ;; esac
		[ -n "${pristine_kdoc[$f]+x}" ] || pristine_kdoc[$f]=$(kdoc "$f")
	done
	(cd "$SRC" && git am -q "$p") >>"$LOG" 2>&1 ||
		{ step 1 "$name: git am"; (cd "$SRC" && git am --abort); finish; }
	step 0 "$name: git am"

	# Debian's python3 first: checkpatch's spdxcheck.py needs its ply and git
	# modules (a version manager's python3 may come first on PATH).
	PATH=/usr/bin:$PATH "$SRC/scripts/checkpatch.pl" --strict --no-signoff -q "$p" \
		>"$DIR/checkpatch.out" 2>&1
	rc=$?
	[ -s "$DIR/checkpatch.out" ] && rc=1
	step $rc "$name: checkpatch.pl --strict"
	[ $rc = 0 ] || sed 's/^/#   /' "$DIR/checkpatch.out"

	rc=0
	for f in $(cd "$SRC" && git diff --name-only pristine HEAD -- '*.h' '*.c'); do
		now=$(kdoc "$f")
		case $f in
		*.h) if [ -z "${pristine_kdoc[$f]}" ] && [ -n "$now" ]; then rc=1; echo "#   $now"; fi ;;
		esac
		new=$(comm -13 <(echo "${pristine_kdoc[$f]}") <(echo "$now") | sed '/^$/d')
		[ -z "$new" ] || { rc=1; echo "$new" | sed 's/^/#   /'; }
	done
	step $rc "$name: kernel-doc on the files the series changed"

	for cfg in y n; do
		if [ $cfg = y ]; then
			frags=("$REPO/qemu/base.config" "$REPO/qemu/audit_contid.config")
		else
			frags=("$REPO/qemu/base.config" "$REPO/qemu/audit_contid_off.config")
		fi
		t=$(date +%s)
		build $cfg "${frags[@]}"
		rc=$?
		if [ $rc = 0 ] && [ -f "$SRC/kernel/audit_contid/Kconfig" ]; then
			if [ $cfg = y ]; then
				grep -qx 'CONFIG_AUDIT_CONTAINERID=y' "$DIR/obj-y/.config" || rc=1
			else
				! grep -q '^CONFIG_AUDIT_CONTAINERID=' "$DIR/obj-n/.config" || rc=1
			fi
		fi
		step $rc "$name: builds with CONFIG_AUDIT_CONTAINERID=$cfg ($(($(date +%s) - t))s)"
		[ $rc = 0 ] || tail -20 "$LOG" | sed 's/^/#   /'
	done
done

# The kernel's own runners on the final tree.
obj=$DIR/obj-y
ksft=$REPO/build/series-check-kselftest
rm -rf "$ksft"
t=$(date +%s)
{ "${MAKE[@]}" -C "$SRC" O="$obj" headers_install &&
  make -s -C "$SRC/tools/testing/selftests" O="$obj" TARGETS=audit_contid CC=gcc \
	KSFT_INSTALL_PATH="$ksft" install; } >>"$LOG" 2>&1
step $? "kselftest_install of the final tree ($(($(date +%s) - t))s)"
t=$(date +%s)
VM_CONSOLE_LOG=$REPO/build/console-series-check.log \
	"$REPO/qemu/vm" -k "$obj/arch/x86/boot/bzImage" -- "$ksft/run_kselftest.sh" \
	> "$REPO/build/series-check-kselftest.log" 2>&1
rc=$?
grep -E '^(not )?ok [0-9]+ selftests: ' "$REPO/build/series-check-kselftest.log" | sed 's/^/#   /'
n=$(grep -cE '^ok [0-9]+ selftests: [^#]*$' "$REPO/build/series-check-kselftest.log")
want=$(grep -c . "$ksft/kselftest-list.txt")
[ "$rc" = 0 ] && [ "$n" = "$want" ] && [ "$n" -gt 0 ] || rc=1
step $rc "run_kselftest.sh in the guest: $n of $want tests passed ($(($(date +%s) - t))s)"

# kunit.py asks QEMU for KVM first; where /dev/kvm exists but cannot run a
# guest (no VMX/SVM: qemu/vm --accel says TCG), the guest then never starts.
# Hide /dev/kvm from it in a mount namespace of its own, so QEMU takes TCG.
hide_kvm=()
if [ -e /dev/kvm ] && [ "$("$REPO/qemu/vm" --accel)" = TCG ]; then
	hide_kvm=(unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' kunit)
fi
t=$(date +%s)
(cd "$SRC" && "${hide_kvm[@]}" python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig=kernel/audit_contid --build_dir="$DIR/kunit" --jobs="$JOBS" \
	--make_options LLVM=-19 --make_options CC="ccache clang-19" --timeout=1800) \
	> "$REPO/build/series-check-kunit.log" 2>&1
rc=$?
grep -E '^\[[0-9:]+\] (Testing complete|=+ |Ran|Elapsed)' "$REPO/build/series-check-kunit.log" |
	tail -5 | sed 's/^/#   /'
step $rc "kunit.py run --kunitconfig=kernel/audit_contid ($(($(date +%s) - t))s)"
finish
