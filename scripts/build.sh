#!/usr/bin/env bash
# scripts/build.sh kernel|selftests|tools — build into the cache and link into build/.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
mkdir -p "$BUILD"

kernel() {
	local img
	img=$(bash "$REPO/scripts/kernel.sh" "$@" | tail -n 1)
	[ -f "$img" ] || { echo "build: no bzImage produced" >&2; exit 1; }
	ln -sfn "$img" "$BUILD/bzImage"
	ln -sfn "$(dirname "$(dirname "$(dirname "$(dirname "$img")")")")" "$BUILD/obj"
	echo "build: $BUILD/bzImage -> $img" >&2
}

# selftests [OBJ]: against the object tree OBJ (default: build/obj, the
# test kernel's); make check-debug passes its own kernel's.
selftests() {
	local obj src
	obj=$(readlink -f "${1:-$BUILD/obj}")
	src=$(readlink -f "$obj/source")
	[ -d "$src" ] || { echo "build: no kernel tree; run 'make kernel'" >&2; exit 1; }
	# uapi headers of the patched kernel, for KHDR_INCLUDES
	make -s -C "$src" O="$obj" LLVM=-19 headers_install >/dev/null
	# The suite sits in the tree where the series puts it (the series
	# registers it in TARGETS): a real directory of per-file links, so that
	# its "../lib.mk" resolves inside the kernel tree.
	local dst=$src/tools/testing/selftests/audit_contid f
	[ -L "$dst" ] && rm -f "$dst"
	rm -rf "$dst" && mkdir -p "$dst"
	for f in $(git -C "$REPO" ls-files selftests/audit_contid); do
		ln -s "$REPO/$f" "$dst/"
	done
	# The kernel's own way: kselftest_install, with run_kselftest.sh and
	# the suite's settings (timeout). build/selftests is the suite's part.
	rm -rf "$BUILD/kselftest"
	make -s -C "$src/tools/testing/selftests" O="$obj" TARGETS=audit_contid CC=gcc \
		KSFT_INSTALL_PATH="$BUILD/kselftest" install >/dev/null
	rm -rf "$BUILD/selftests" && ln -sfn kselftest/audit_contid "$BUILD/selftests"
}

# The contid tool (tools/contid), release build, as build/contid: the guest
# runs it from there (build/ is shared with the guest).
tools() {
	CARGO_TARGET_DIR="$BUILD/cargo-contid" cargo build --release --locked \
		--manifest-path "$REPO/tools/contid/Cargo.toml"
	cp "$BUILD/cargo-contid/release/contid" "$BUILD/contid"
}

"$@"
