#!/usr/bin/env bash
# make patches: the upstream series, generated from this repository.
#
#   scripts/patches.sh [OUTDIR]        default: build/patches
#
# Writes OUTDIR/0000-cover-letter.patch and one `git format-patch` patch per
# entry of patches/series, against the source the project builds (Debian's
# linux-source-7.3). Each commit is that quilt patch (its header up to the
# first "---" line is the commit message) plus the repository files that
# patches/files places in the tree with it: the Rust component under
# kernel/audit_contid/, the documentation, the selftests. So the series and
# the test kernel come from the same files. The cover letter is
# patches/cover-letter (its first line is the subject).
#
# The commits carry no Signed-off-by: the person who sends the series adds
# it (git format-patch -s, or git am -s). Author: PATCH_AUTHOR ("Name
# <email>"), default git's identity in this clone; date: this clone's HEAD
# commit, so that the same tree gives the same series.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$REPO/build/patches}")
KVER=7.3
TARBALL=/usr/src/linux-source-$KVER.tar.xz

die() { echo "patches: $*" >&2; exit 1; }

[ -r "$TARBALL" ] || die "no $TARBALL: run 'make deps'"
case $OUT in
/ | "$REPO" | "$HOME") die "refusing to write the series into $OUT (it is emptied first)" ;;
esac
PKGVER=$(dpkg-query -W -f='${Version}' "linux-source-$KVER")
AUTHOR=${PATCH_AUTHOR:-$(git -C "$REPO" var GIT_AUTHOR_IDENT | sed 's/ [0-9]* [-+][0-9]*$//')}
[[ $AUTHOR =~ ^(.+)\ \<(.+@.+)\>$ ]] ||
	die "author '$AUTHOR' is not 'Name <email>': set PATCH_AUTHOR"
export GIT_AUTHOR_NAME=${BASH_REMATCH[1]} GIT_AUTHOR_EMAIL=${BASH_REMATCH[2]}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE=$(git -C "$REPO" log -1 --format=%cI)
export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE

WORK=$(mktemp -d)
MSG=$(mktemp)
trap 'rm -rf "$WORK" "$MSG"' EXIT
mapfile -t series < <(grep -v '^#' "$REPO/patches/series" | sed '/^$/d')

# Only the files the series changes: format-patch needs nothing else, and
# the patches apply to a whole tree all the same.
mapfile -t changed < <(cd "$REPO/patches" && awk '
	/^--- / { old = $2 }
	/^\+\+\+ b\// && old != "/dev/null" { sub(/^b\//, "", $2); print $2 }' \
	"${series[@]}" | sort -u)
tar -C "$WORK" -xf "$TARBALL" --strip-components=1 \
	"linux-source-$KVER/Makefile" "${changed[@]/#/linux-source-$KVER/}"
version=$(awk '/^VERSION =/ {v = $3} /^PATCHLEVEL =/ {p = $3} /^SUBLEVEL =/ {s = $3}
	END { print v "." p "." s }' "$WORK/Makefile")

cd "$WORK"
git init -q
git add -A -f
git commit -q -m "Linux $version (Debian linux-source-$KVER $PKGVER)"
base=$(git rev-parse HEAD)

# The commit message of a quilt patch: its Subject (without "[PATCH] ")
# and the body up to the "---" line.
message() {
	awk 'NR == 1, /^---$/ {
		if (/^Subject: /) { sub(/^Subject: (\[PATCH[^]]*\] )?/, ""); print; next }
		if (/^From: / || /^---$/) next
		print
	}' "$1" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# Copies the repository files that patches/files lists for patch $1.
add_files() {
	local p=$1 src dst f
	while read -r name src dst; do
		[ "$name" = "$p" ] || continue
		local n=0
		while read -r f; do
			n=$((n + 1))
			case $dst in
			*/) mkdir -p "$dst"; cp --preserve=mode "$REPO/$f" "$dst$(basename "$f")" ;;
			*) mkdir -p "$(dirname "$dst")"; cp --preserve=mode "$REPO/$f" "$dst" ;;
			esac
		done < <(git -C "$REPO" ls-files -- ":(glob)$src")
		[ "$n" -gt 0 ] || die "patches/files: '$src' matches no tracked file"
	done < <(grep -v '^#' "$REPO/patches/files" | sed '/^[[:space:]]*$/d')
}

for p in "${series[@]}"; do
	patch -s -p1 --no-backup-if-mismatch < "$REPO/patches/$p" ||
		die "$p does not apply to the $version source"
	add_files "$p"
	git add -A -f
	message "$REPO/patches/$p" > "$MSG"
	git commit -q -F "$MSG"
done

rm -rf "$OUT"
mkdir -p "$OUT"
git format-patch -q --cover-letter --no-signature -o "$OUT" "$base..HEAD"
python3 - "$OUT"/0000-cover-letter.patch "$REPO/patches/cover-letter" "$version" \
	"$PKGVER" <<'PY'
import sys
path, cover, version, pkgver = sys.argv[1:]
subject, _, blurb = open(cover).read().partition("\n")
blurb = blurb.strip("\n").replace("@VERSION@", version).replace("@PKGVER@", pkgver)
text = open(path).read()
assert "*** SUBJECT HERE ***" in text and "*** BLURB HERE ***" in text
text = text.replace("*** SUBJECT HERE ***", subject).replace("*** BLURB HERE ***", blurb)
open(path, "w").write(text)
PY
echo "patches: $(ls "$OUT" | wc -l) files in $OUT (against Linux $version)" >&2
