#!/usr/bin/env bash
# Install everything the build, the guest boot and the tests need.
# Idempotent: each step checks before it acts. Fails naming what could not be had.
set -euo pipefail

BINDGEN_VERSION=0.71.1
VNG_VERSION=1.42
KVER=7.3

die() { echo "deps: $*" >&2; exit 1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, pip)"

# trixie-backports carries linux-source-7.3; pin it low so nothing else comes from it.
SRC=/etc/apt/sources.list.d/trixie-backports.sources
PIN=/etc/apt/preferences.d/trixie-backports-linux-source
if [ ! -f "$SRC" ]; then
	cat > "$SRC" <<EOT
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	rm -f /var/lib/apt/lists/.deps-updated
fi
if [ ! -f "$PIN" ]; then
	cat > "$PIN" <<EOT
Package: *
Pin: release n=trixie-backports
Pin-Priority: 1

Package: linux-source-$KVER
Pin: release n=trixie-backports
Pin-Priority: 500

Package: linux-config-$KVER
Pin: release n=trixie-backports
Pin-Priority: 500
EOT
fi

# Debian's audit source for make userspace: apt-get source needs a deb-src line.
DEBSRC=/etc/apt/sources.list.d/audit-contid-src.sources
if [ ! -f "$DEBSRC" ] && ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ &&
	! grep -qs '^deb-src ' /etc/apt/sources.list; then
	cat > "$DEBSRC" <<EOT
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	NEED_UPDATE=1
fi

APT_PKGS=(clang-19 lld-19 llvm-19 libclang-19-dev qemu-system-x86 flex bison bc
	libelf-dev libssl-dev cpio busybox-static udev make gcc libc6-dev
	python3 python3-pip kmod rsync "linux-source-$KVER" auditd libcap-dev xz-utils
	linux-perf libauparse-dev crun runc ccache python3-ply python3-git "linux-config-$KVER"
	nftables iptables dpkg-dev libcap-ng-dev libwrap0-dev
	# make audit-testsuite: the suite's own needs (its README, Debian's part)
	libfile-which-perl netcat-openbsd psmisc liburing-dev libc6-i386 libc6-dev-i386 iputils-ping
	gcc-multilib
	# make userspace-patches: audit-userspace master builds from autotools sources
	autoconf automake libtool locales strace)
missing=()
for p in "${APT_PKGS[@]}"; do have_pkg "$p" || missing+=("$p"); done
if [ -n "${NEED_UPDATE:-}" ] && [ ${#missing[@]} -eq 0 ]; then
	apt-get update -qq || die "apt-get update failed"
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: apt installing: ${missing[*]}"
	apt-get update -qq || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
		|| die "apt-get could not install: ${missing[*]}"
fi
[ -f /usr/src/linux-source-$KVER.tar.xz ] || die "linux-source-$KVER did not provide /usr/src/linux-source-$KVER.tar.xz"
# make audit-testsuite: the suite's tests read times with LC_TIME=en_DK.utf8
# (ISO dates); the guest uses the host's locales.
if ! locale -a 2>/dev/null | grep -qx 'en_DK.utf8'; then
	echo "deps: generating the en_DK.UTF-8 locale"
	sed -i 's/^# *en_DK.UTF-8 UTF-8/en_DK.UTF-8 UTF-8/' /etc/locale.gen
	grep -q '^en_DK.UTF-8 UTF-8' /etc/locale.gen || echo 'en_DK.UTF-8 UTF-8' >> /etc/locale.gen
	locale-gen >/dev/null || die "locale-gen could not generate en_DK.UTF-8"
fi
# auditd must not run on the host: the guest starts its own.
systemctl disable --now auditd >/dev/null 2>&1 || true

# Rust: the kernel needs the standard library source and bindgen.
command -v rustup >/dev/null || die "rustup not found: install a Rust toolchain with rustup first"
rustup component list --installed 2>/dev/null | grep -q '^rust-src' || rustup component add rust-src \
	|| die "rustup could not add rust-src"
for c in rustfmt clippy; do
	rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c" \
		|| die "rustup could not add $c"
done
if ! bindgen --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$"; then
	echo "deps: cargo installing bindgen-cli $BINDGEN_VERSION"
	cargo install --locked --version "$BINDGEN_VERSION" bindgen-cli \
		|| die "cargo could not install bindgen-cli $BINDGEN_VERSION"
fi

# virtme-ng boots the built kernel with the host's root file system.
if ! vng --version 2>/dev/null | grep -q "$VNG_VERSION"; then
	echo "deps: pip installing virtme-ng==$VNG_VERSION"
	pip install -q "virtme-ng==$VNG_VERSION" || die "pip could not install virtme-ng==$VNG_VERSION"
fi
echo "deps: ok"
