#!/usr/bin/env bash
# make bench-userspace: the built ausearch (make userspace) searching one
# generated log of a million records (scripts/gen-audit-log.py) by container,
# `--contid ID`, against the same search by login session, `--session N`,
# where both select the same number of events. Prints the ratio of the wall
# times (median of BENCH_ROUNDS alternating runs, default 5); target ≤ 1.2.
#
#   BENCH_RECORDS  records in the log (default 1000000)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-5}
RECORDS=${BENCH_RECORDS:-1000000}
prefix=$(bash "$REPO/scripts/userspace.sh" | tail -n 1)
work=$REPO/build/bench-userspace
mkdir -p "$work"
log=$work/audit-$RECORDS.log
gen=$(sha256sum "$REPO/scripts/gen-audit-log.py" | cut -c1-16)
if [ "$(cat "$log.key" 2>/dev/null)" != "$gen" ]; then
	python3 "$REPO/scripts/gen-audit-log.py" "$RECORDS" > "$log"
	echo "$gen" > "$log.key"
fi

# Container 7 of the generator (nested: its chain has two levels, and the
# search names the inner one) and session 7: one event in 200 each.
contid=0b5e1c2d-3f40-4a5b-8c6d-000000000007
ausearch=$prefix/sbin/ausearch
search() { "$ausearch" -if "$log" --raw "$@" > "$work/out.$1" 2>/dev/null; }
now() { date +%s%N; }

# Like with like: both searches select events, the same number of them.
search --contid "$contid"
search --session 7
ev_c=$(grep -c '^type=SYSCALL' "$work/out.--contid")
ev_s=$(grep -c '^type=SYSCALL' "$work/out.--session")
if [ "$ev_c" = 0 ] || [ "$ev_c" != "$ev_s" ]; then
	echo "bench-userspace: --contid selected $ev_c events, --session $ev_s: not comparable" >&2
	exit 1
fi

: > "$work/times"
for r in $(seq 1 "$ROUNDS"); do
	for what in contid session; do
		t0=$(now)
		if [ $what = contid ]; then search --contid "$contid"; else search --session 7; fi
		t1=$(now)
		echo "$what $(( (t1 - t0) / 1000 ))e-6" >> "$work/times"
	done
done
python3 - "$work/times" "$RECORDS" "$ev_c" "$ROUNDS" <<'EOF'
import statistics, sys
times = {"contid": [], "session": []}
for line in open(sys.argv[1]):
    what, t = line.split()
    times[what].append(float(t))
c, s = statistics.median(times["contid"]), statistics.median(times["session"])
ratio = c / s
print(f"bench-userspace: {sys.argv[2]} records, {sys.argv[3]} events selected by each, "
      f"median of {sys.argv[4]} rounds")
print(f"  ausearch --contid  {c:.3f} s   (rounds: {', '.join(f'{t:.3f}' for t in times['contid'])})")
print(f"  ausearch --session {s:.3f} s   (rounds: {', '.join(f'{t:.3f}' for t in times['session'])})")
print(f"  ratio {ratio:.3f} (target <= 1.2){'' if ratio <= 1.2 else '  MISSED'}")
EOF
