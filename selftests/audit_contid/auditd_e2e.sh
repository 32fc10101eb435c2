#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End to end with the distribution's audit userspace: start auditd, add
# syscall rules with auditctl, run a workload inside a registered container,
# and read the container operations and the workload's events back with
# ausearch and with libauparse (auparse_events.py). Then a contid rule, which
# stock auditctl cannot write (contid_rule.py does), listed and deleted with
# stock auditctl. Then packets logged by nftables ("log level audit") in a
# container's network namespace and in one without containers.
set -u

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

echo "TAP version 13"
echo "1..17"
for tool in auditd auditctl ausearch python3 nft ip unshare; do
	if ! command -v $tool >/dev/null; then
		echo "ok 1 # SKIP $tool not installed"
		exit 4
	fi
done
if [ ! -e /proc/self/audit_containerid ]; then
	echo "ok 1 # SKIP CONFIG_AUDIT_CONTAINERID is not enabled"
	exit 4
fi

work=$(mktemp -d)
log=/var/log/audit/audit.log
mkdir -p /var/log/audit
: > $log
auditd -n > "$work/auditd.out" 2>&1 &
daemon=$!
i=0
until auditctl -s 2>/dev/null | grep -q "^pid $daemon"; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "# auditd did not start:"; sed 's/^/# /' "$work/auditd.out"
		kill $daemon 2>/dev/null
		echo "not ok 1 auditd starts"
		exit 1
	fi
	sleep 0.1
done
ok "auditd starts and takes over the audit socket"

auditctl -D >/dev/null
auditctl -a always,exit -F arch=b64 -S getppid -k contid-e2e >/dev/null
auditctl -a always,exit -F arch=b64 -S kill -k contid-e2e-kill >/dev/null
# The kernel's count of records it dropped (backlog full, or not sent to
# auditd), before and after the workload.
lost() { auditctl -s | sed -n 's/^lost \([0-9][0-9]*\)$/\1/p'; }
lost_before=$(lost)
id=6b1c0e2a-5f3d-4e71-9a88-$(printf '%012x' $$)
inner=6b1c0e2a-5f3d-4e71-9a89-$(printf '%012x' $$)
here=$(dirname "$0")
# Debian's python3 first (a PATH may put a version manager's shim before it).
py=/usr/bin/python3
[ -x $py ] || py=python3

# The workload. "first" is registered (op=set), then inside the container
# runs a shell (dash calls getppid() for $PPID), sends a user message, and
# nests a child of its own (op=nest). "second" joins the container (op=join)
# and is sent a signal from outside (a signal target). A write to our own
# process is refused (res=0).
mkfifo "$work/go" "$work/go2"
sh -c 'read -r _ < "$1"; sh -c "exit 0"; auditctl -m "contid-e2e-user-$$"
	sleep 30 & c=$!; echo "$2" > /proc/$c/audit_containerid; kill $c; wait $c
	exit 0' sh "$work/go" "$inner" &
first=$!
sh -c 'read -r _ < "$1"' sh "$work/go2" &
second=$!
# nsids PID: " mntns=<id> ... timens=<id>", the process's namespaces as a
# registration record names them: the IDs NS_GET_ID reads on /proc/PID/ns/*
# (0 for a type the kernel lacks).
nsids() {
	$py - "$1" <<'PY'
import fcntl, os, struct, sys
NS_GET_ID = (2 << 30) | (8 << 16) | (0xb7 << 8) | 0xd  # _IOR(0xb7, 0xd, __u64)
out = ""
for field, name in (("mntns", "mnt"), ("utsns", "uts"), ("ipcns", "ipc"), ("pidns", "pid"),
                    ("netns", "net"), ("userns", "user"), ("cgroupns", "cgroup"),
                    ("timens", "time")):
    path = "/proc/%s/ns/%s" % (sys.argv[1], name)
    if not os.path.exists(path) and os.path.isdir(os.path.dirname(path)):
        out += " %s=0" % field
        continue
    fd = os.open(path, os.O_RDONLY)
    out += " %s=%d" % (field, struct.unpack("=Q", fcntl.ioctl(fd, NS_GET_ID, bytes(8)))[0])
    os.close(fd)
print(out)
PY
}
# The orchestrator's steps run in a process forked now: a task forked before
# audit was first enabled (this shell, here) has no audit context, so its
# records would be events of their own, without a SYSCALL record.
sh -c 'echo "$1" > /proc/$2/audit_containerid; echo "$1" > /proc/$3/audit_containerid
	echo "$1" > /proc/self/audit_containerid 2>/dev/null; echo $$ > "$4"
	kill -CONT $3' sh "$id" $first $second "$work/refused"
refused=$(cat "$work/refused")
session=$(cat /proc/$first/audit_containersession)
session2=$(cat /proc/$second/audit_containersession)
ns_first=$(nsids $first)
ns_second=$(nsids $second)
echo go > "$work/go"
echo go > "$work/go2"
wait $first $second
# Flush pending destroy records, then let auditd write.
cat /sys/kernel/debug/audit_containerid/containers >/dev/null 2>&1
sleep 2
lost_after=$(lost)

ausearch -m 1341 > "$work/ops" 2>&1
# The whole record: the target's session as /proc shows it, its namespace
# IDs, no subject fields (the writer's SYSCALL record has them), res= last.
set_fields="op=set opid=$first contid=$id old-contid=unset contsession=$session$ns_first res=1"
check "ausearch -m 1341 shows the registration with its fields" \
	"[ -n '$ns_first' ] && grep -q '): $set_fields\$' '$work/ops'"
join_fields="op=join opid=$second contid=$id old-contid=unset contsession=$session2$ns_second"
ns_any=" mntns=[0-9]* utsns=[0-9]* ipcns=[0-9]* pidns=[0-9]* netns=[0-9]* userns=[0-9]*"
ns_any="$ns_any cgroupns=[0-9]* timens=[0-9]*"
check "ausearch -m 1341 shows the join, the nest and the refused write" \
	"[ '$session2' != '$session' ] && grep -q '): $join_fields res=1\$' '$work/ops' &&
	 grep -q '): op=nest opid=[0-9]* contid=$id/$inner old-contid=$id contsession=[0-9]*$ns_any res=1\$' '$work/ops' &&
	 grep -q '): op=set opid=$refused contid=$id old-contid=unset contsession=unset$ns_any res=0\$' '$work/ops'"
check "ausearch -m 1341 shows each container's end once, innermost first" \
	"[ \$(grep -c '): op=destroy contid=$id res=1\$' '$work/ops') = 1 ] &&
	 [ \$(grep -c '): op=destroy contid=$id/$inner res=1\$' '$work/ops') = 1 ] &&
	 [ \$(grep -n 'op=destroy contid=$id/$inner' '$work/ops' | cut -d: -f1) -lt \
	   \$(grep -n 'op=destroy contid=$id res' '$work/ops' | cut -d: -f1) ]"

# libauparse, which audisp plugins and forwarders read the log with: every
# CONTAINER_ID record (1340) shares an event with the record it describes.
$py "$here/auparse_events.py" $log > "$work/auparse" 2> "$work/auparse.err"
# types: the record types of every event, one a line (not the serials).
types() { grep '^event ' "$work/auparse" | cut -d' ' -f3 | tr ',' '\n'; }
rec_event() { # the serials of events with a record of type $1 matching $2
	grep "^record [0-9]* $1 .*$2" "$work/auparse" | cut -d' ' -f2 | sort -u
}
count_in() { # how many records of type $2 matching $3 event $1 has
	grep -c "^record $1 $2 .*${3:-}" "$work/auparse"
}
is() { # event $2 has $1 records of type $3 matching $4
	[ "$(count_in "$2" "$3" "${4:-}")" = "$1" ]
}
has_types() { # event serial $1 has all the record types in $2...
	s=$1; shift
	types=$(grep "^event $s " "$work/auparse" | cut -d' ' -f3 | tr ',' '\n')
	for t in "$@"; do echo "$types" | grep -qx "$t" || return 1; done
}
# The contract (docs/admin-guide.rst, "Audit records") for this workload:
# six CONTAINER_OP records (set, join, the refused set, nest, and two
# destroys); and CONTAINER_ID records: none in the events of the
# orchestrator's writes (it is in no container), one (the writer's) in the
# nest's, one before the user message, one (the target's) in the event of
# the signal the orchestrator sends "second", two (the subject's and the
# target's) in that of the signal "first" sends the nested sleep, and one in
# each getppid event of a task in a container. Nothing else has one.
subj=": contid=$id contsession=$session\$"
target2=": opid=$second contid=$id contsession=$session2\$"
one() { # $1 names exactly one event
	[ -n "$1" ] && [ "$(echo "$1" | wc -l)" = 1 ]
}
contained_getppids=0
expected_ids() {
	ev_set=$(rec_event 1341 "op=set opid=$first ")
	ev_join=$(rec_event 1341 "op=join opid=$second ")
	ev_refused=$(rec_event 1341 "op=set opid=$refused ")
	ev_nest=$(rec_event 1341 "op=nest opid=")
	ev_user=$(rec_event 1005 "contid-e2e-user-$first")
	ev_cont=$(rec_event 1318 "opid=$second ")
	ev_killc=$(rec_event 1340 "opid=[0-9]* contid=$id/$inner contsession=[0-9]*\$")
	for e in "$ev_set" "$ev_join" "$ev_refused" "$ev_nest" "$ev_user" "$ev_cont" "$ev_killc"; do
		one "$e" || return 1
	done
	is 0 $ev_set 1340 && is 0 $ev_join 1340 && is 0 $ev_refused 1340 &&
		is 1 $ev_nest 1340 && is 1 $ev_nest 1340 "$subj" &&
		is 1 $ev_user 1340 && is 1 $ev_user 1340 "$subj" &&
		is 1 $ev_cont 1340 && is 1 $ev_cont 1340 "$target2" &&
		is 1 $ev_killc 1300 "syscall=62 .* pid=$first " &&
		is 2 $ev_killc 1340 && is 1 $ev_killc 1340 "$subj" || return 1
	# getppid: the orchestrator's has none; a contained task's has one.
	outs=$(rec_event 1300 "syscall=110 .* pid=$refused ")
	[ -n "$outs" ] || return 1
	for s in $outs; do is 0 $s 1340 || return 1; done
	for s in $(rec_event 1300 'syscall=110 '); do
		case $(count_in $s 1340) in
		0) ;;
		1) contained_getppids=$((contained_getppids + 1)) ;;
		*) return 1 ;;
		esac
	done
	ids=$(grep -c '^record [0-9]* 1340 ' "$work/auparse")
	[ $contained_getppids -ge 1 ] && [ "$ids" = $((5 + contained_getppids)) ]
}
check "libauparse: each event holds the CONTAINER_ID records the contract gives it, no more" \
	expected_ids
check "no record lost: the kernel's lost count did not rise, auditd wrote each container record" \
	"[ -n '$lost_before' ] && [ '$lost_before' = '$lost_after' ] &&
	 [ \$(grep -Ec '^type=(UNKNOWN\[1341\]|CONTAINER_OP) msg=audit\(' $log) = 6 ] &&
	 [ \$(grep -Ec '^type=(UNKNOWN\[1340\]|CONTAINER_ID) msg=audit\(' $log) = \
	   \$((5 + contained_getppids)) ]"
ausearch -k contid-e2e > "$work/events" 2>&1
check "ausearch: the container's getppid event holds its CONTAINER_ID record" \
	"grep -q 'contid=$id contsession=$session\$' '$work/events' &&
	 grep -q 'syscall=110' '$work/events'"
ausearch -m USER > "$work/user" 2>&1
check "ausearch: the user message from the container holds its CONTAINER_ID record" \
	"grep -q 'contid-e2e-user-$first' '$work/user' &&
	 grep -q 'contid=$id contsession=$session\$' '$work/user'"
ausearch -k contid-e2e-kill > "$work/kill" 2>&1
check "ausearch: the signal's event names the target's container" \
	"grep -q 'opid=$second contid=$id contsession=' '$work/kill'"

all_in() { # every event $1-record matching $2 is in an event with types $3...
	t=$1 pat=$2; shift 2
	serials=$(rec_event "$t" "$pat")
	[ -n "$serials" ] || return 1
	for s in $serials; do has_types "$s" "$@" || return 1; done
}
# A subject's CONTAINER_ID goes with a syscall or a user message.
subject_events() {
	serials=$(rec_event 1340 "): contid=$id contsession=$session\$")
	[ -n "$serials" ] || return 1
	for s in $serials; do has_types "$s" 1300 || has_types "$s" 1005 || return 1; done
}
contained_getppid() {
	for s in $(rec_event 1300 'syscall=110 '); do has_types "$s" 1340 && return 0; done
	return 1
}
# The grammar of every container record: single spaces, no nsdev=, no
# placeholder but "unset" in our fields; a record whose event has a SYSCALL
# record has no subject fields (no pid=).
grammar() {
	grep -E '^type=(UNKNOWN\[134[01]\]|CONTAINER_(OP|ID)) ' $log > "$work/container-records"
	[ -s "$work/container-records" ] || return 1
	! grep -Eq '  | $| nsdev=| (old-)?contid=(\?|4294967295)( |$)' "$work/container-records" ||
		return 1
	! grep -Eq ' contsession=(\?|4294967295|-1)( |$)' "$work/container-records" || return 1
	for s in $(rec_event 1341 ''); do
		has_types "$s" 1300 || continue
		! grep "^record $s 1341 " "$work/auparse" | grep -q ' pid=' || return 1
	done
}
check "every container record: single spaces, unset as placeholder, no pid= beside a SYSCALL" \
	grammar
check "libauparse reads no CONTAINER_ID record as an event of its own" \
	"types | grep -qx 1340 && ! grep -Eq '^event [0-9]+ 1340(,1340)*\$' '$work/auparse'"
check "libauparse: the getppid, user message and signal events hold their CONTAINER_ID" \
	"subject_events && contained_getppid && all_in 1005 'contid-e2e-user-$first' 1005 1340 &&
	 all_in 1340 'opid=$second contid=$id ' 1300 1318 1340"
check "libauparse: set, join and nest share an event with their write's SYSCALL" \
	"all_in 1341 'op=set opid=$first ' 1341 1300 && all_in 1341 'op=join ' 1341 1300 &&
	 all_in 1341 'op=nest ' 1341 1300"

# The same event outside any container has no such record.
sh -c 'exit 0' &
outside=$!
wait $outside
sleep 1
ausearch -k contid-e2e -p $outside > "$work/outside" 2>/dev/null
check "the same event outside containers has no CONTAINER_ID record" \
	"grep -q 'syscall=110' '$work/outside' && ! grep -q 'contid=' '$work/outside'"

# A rule on the container ID (stock auditctl cannot write the field): stock
# auditctl lists it and deletes it.
auditctl -D >/dev/null
$py "$here/contid_rule.py" add "$id" contid-e2e-rule > "$work/rule" 2>&1
auditctl -l > "$work/list" 2>&1
listed=$?
auditctl -D > "$work/delete" 2>&1
deleted=$?
check "stock auditctl -l lists a contid rule, and auditctl -D deletes it" \
	"[ $listed = 0 ] && grep -q 'contid-e2e-rule' '$work/list' && grep -q 'f27' '$work/list' &&
	 [ $deleted = 0 ] && auditctl -l | grep -q 'No rules'"

# Packets: a network namespace of its own with an nftables rule that logs
# UDP packets to port 9 to audit, for a registered process (the registration
# names its container there) and for one outside containers; each sends a
# packet marked so that its record tells which (NETFILTER_PKT has mark=).
pkt=6b1c0e2a-5f3d-4e71-9a8a-$(printf '%012x' $$)
cat > "$work/rules" <<EOF
table ip contid_e2e {
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport 9 log level audit
	}
}
EOF
send="import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, int(sys.argv[1], 0))
s.sendto(b'x', ('127.0.0.1', 9))"
mkfifo "$work/go3"
unshare -n sh -c 'read -r _ < "$1"; ip link set lo up && nft -f "$2" && "$3" -c "$4" 0xc1' \
	sh "$work/go3" "$work/rules" $py "$send" &
contained=$!
sh -c 'echo "$1" > /proc/$2/audit_containerid' sh "$pkt" $contained
echo go > "$work/go3"
wait $contained
unshare -n sh -c 'ip link set lo up && nft -f "$1" && "$2" -c "$3" 0xc2' \
	sh "$work/rules" $py "$send"
sleep 2
ausearch -m NETFILTER_PKT > "$work/packets" 2>&1
# ausearch prints each event whole, events separated by "----".
pkt_event() { awk -v RS='----' -v m="mark=$1 " 'index($0, m)' "$work/packets"; }
check "ausearch: a packet in a container's namespace has its CONTAINER_ID, one outside none" \
	"pkt_event 0xc1 | grep -q 'contid=$pkt\$' && pkt_event 0xc2 | grep -q 'NETFILTER_PKT' &&
	 ! pkt_event 0xc2 | grep -q 'contid='"
$py "$here/auparse_events.py" $log > "$work/auparse" 2>> "$work/auparse.err"
pkt_serial() { rec_event 1324 "mark=$1 "; }
packet_events() {
	s=$(pkt_serial 0xc1) && [ -n "$s" ] && has_types "$s" 1324 1340 &&
		grep -q "^record $s 1340 .*): contid=$pkt\$" "$work/auparse" &&
		s=$(pkt_serial 0xc2) && [ -n "$s" ] && ! has_types "$s" 1340
}
check "libauparse: the packet's NETFILTER_PKT and CONTAINER_ID are one event" packet_events

kill $daemon
wait $daemon 2>/dev/null
if [ $fails != 0 ]; then
	for f in ops container-records events user kill auparse.err rule list delete packets; do
		echo "# $f:"
		sed 's/^/# /' "$work/$f" | head -30
	done
	echo "# libauparse events with container records:"
	grep -E '^event [0-9]+ ([0-9]+,)*134[01](,|$)' "$work/auparse" | sed 's/^/# /' | head -30
fi
rm -rf "$work"
exit $((fails != 0))
