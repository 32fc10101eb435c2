#!/usr/bin/env bash
# make userspace: Debian's audit source (1:3.0.9-1, its own debian/patches
# applied by dpkg-source) with our series (userspace/audit/series) on top,
# built and checked (the package's own `make check`), then installed with
# --prefix=build/audit: build/audit/sbin/{auditctl,ausearch,aureport,auditd},
# build/audit/lib/{libaudit.so.1,libauparse.so.0}, runnable in place.
#
# Cached like the kernel: the built tree is kept under the cache, keyed by
# the source version, the series and the prefix, and rebuilt only when one
# of them changes. Prints the prefix on its last line.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
VER=3.0.9-1
CACHE=${AUDIT_CONTID_CACHE:-$HOME/.cache/audit-contid}
PREFIX=$REPO/build/audit
SERIES=$REPO/userspace/audit

log() { echo "userspace: $*" >&2; }
die() { log "$*"; exit 1; }

key=$( { echo "$VER $PREFIX"; cd "$SERIES" && cat series $(cat series); } | sha256sum | cut -c1-16)
DL=$CACHE/audit-dl-$VER
TREE=$CACHE/audit-$key
mkdir -p "$CACHE"
exec 9>"$CACHE/audit.lock"
flock 9

if [ ! -f "$DL/audit_$VER.dsc" ]; then
	log "downloading Debian's audit $VER source"
	rm -rf "$DL.tmp" && mkdir -p "$DL.tmp"
	(cd "$DL.tmp" && apt-get source -qq --download-only "audit=1:$VER" >/dev/null 2>&1) ||
		die "apt-get source audit=1:$VER failed: run 'make deps' (it adds a deb-src line)"
	rm -rf "$DL" && mv "$DL.tmp" "$DL"
fi

if [ ! -f "$TREE/.built" ]; then
	log "building in $TREE"
	rm -rf "$TREE"
	dpkg-source -q -x "$DL/audit_$VER.dsc" "$TREE" >/dev/null
	while read -r p; do
		[ -n "$p" ] || continue
		patch -s -p1 -d "$TREE" --no-backup-if-mismatch < "$SERIES/$p" ||
			die "$p does not apply to Debian's audit $VER"
	done < "$SERIES/series"
	(cd "$TREE" && ./configure -q --prefix="$PREFIX" --without-python --without-python3 \
		--without-golang --disable-zos-remote --with-libcap-ng=yes --with-apparmor \
		--with-arm --with-aarch64 >"$TREE/configure.log" 2>&1) ||
		die "configure failed: see $TREE/configure.log"
	make -C "$TREE" -s -j"$(nproc)" >"$TREE/build.log" 2>&1 ||
		{ tail -n 30 "$TREE/build.log" >&2; die "build failed: see $TREE/build.log"; }
	make -C "$TREE" -s check >"$TREE/check.log" 2>&1 ||
		{ grep -E '^(FAIL|ERROR):' "$TREE/check.log" >&2 || true; die "the package's own tests failed: see $TREE/check.log"; }
	pass=$(grep -c '^PASS:' "$TREE/check.log" || true)
	fail=$(grep -cE '^(FAIL|ERROR|XPASS):' "$TREE/check.log" || true)
	[ "$pass" -gt 0 ] && [ "$fail" = 0 ] || die "the package's own tests: $pass passed, $fail failed"
	log "the package's own tests: $pass passed"
	touch "$TREE/.built"
fi

if [ "$(cat "$PREFIX/.key" 2>/dev/null)" != "$key" ]; then
	rm -rf "$PREFIX"
	make -C "$TREE" -s install >"$TREE/install.log" 2>&1 || die "install failed: see $TREE/install.log"
	echo "$key" >"$PREFIX/.key"
fi
echo "$PREFIX"
