#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End to end with our audit userspace (make userspace: Debian's audit 3.0.9
# and userspace/audit/series, installed in build/audit), in the guest: the
# built auditd writes the log, the built auditctl adds the rules, the built
# ausearch and aureport read it back. Two containers, one nested in the
# other; contid rules (=, !=, exclude) must select exactly the events the
# admin guide's "Filter rules" says; ausearch --contid finds a container's
# events at any level of the chain; the records carry their type names
# (CONTAINER_OP, CONTAINER_ID), not UNKNOWN[1340]/UNKNOWN[1341]; ausearch -i
# interprets their fields; aureport --container counts each container's
# events and sessions; auditd names the container of a task that signals it.
# Debian's own ausearch must still read the same log whole, and Debian's own
# auditd still learn who signalled it.
set -u
. "$(dirname "$0")/testlib.sh"

echo "TAP version 13"
echo "1..26"
# The tools under test: build/audit (make userspace), or the prefix given
# (make userspace-patches installs audit-userspace master with the series).
prefix=$(cd "${1:-$(dirname "$0")/../../build/audit}" 2>/dev/null && pwd)
if [ -z "$prefix" ] || [ ! -x "$prefix/sbin/auditd" ]; then
	echo "not ok 1 build/audit holds no auditd: run make userspace"
	exit 1
fi
if [ ! -e /proc/self/audit_containerid ]; then
	echo "not ok 1 CONFIG_AUDIT_CONTAINERID is not enabled"
	exit 1
fi
sbin=$prefix/sbin

# Not under /tmp: audit-userspace master's auditd refuses a log directory
# below a world-writable one.
work=$(mktemp -d /var/lib/audit-contid-e2e.XXXXXX)
log=$work/audit.log
{ auditd_conf_base; cat <<EOF
local_events = yes
log_file = $log
log_format = ENRICHED
name_format = NONE
plugin_dir = $work/plugins.d
EOF
} > "$work/auditd.conf"
mkdir "$work/plugins.d" "$work/debian-auditd"
"$sbin/auditd" -n -c "$work" > "$work/auditd.out" 2>&1 &
daemon=$!
i=0
until "$sbin/auditctl" -s 2>/dev/null | grep -q "^pid $daemon"; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "# auditd did not start:"; sed 's/^/# /' "$work/auditd.out"
		kill $daemon 2>/dev/null
		echo "not ok 1 the built auditd starts"
		exit 1
	fi
	sleep 0.1
done
ok "the built auditd starts and takes over the audit socket"

"$sbin/auditctl" -D >/dev/null
check "the built auditctl adds a syscall rule" \
	'"$sbin/auditctl" -a always,exit -F arch=b64 -S mkdir,mkdirat -k contid-us >/dev/null'

# Two containers, the inner nested in the outer. dash calls getppid() at
# startup (for $PPID): each "sh -c 'exit 0'" is one getppid() call.
outer=2c5e7a90-4b1d-4f3e-8a61-$(printf '%012x' $$)
inner=2C5E7A90-4B1D-4F3E-8A62-$(printf '%012X' $$)
inner_lc=$(echo $inner | tr A-F a-f)
ac="$sbin/auditctl"
check "auditctl -F contid=UUID on the exit list is accepted" \
	'"$ac" -a always,exit -F arch=b64 -S getppid -F contid=$outer -k us-eq >/dev/null'
check "auditctl -F contid!=ID (32 hex digits, upper case) is accepted" \
	'"$ac" -a always,exit -F arch=b64 -S getppid -F contid!=$(echo $outer | tr -d - | tr a-f A-F) -k us-ne >/dev/null'
check "auditctl -F contid on the exclude list is accepted" \
	'"$ac" -a never,exclude -F msgtype=USER -F contid=$outer >/dev/null'
"$ac" -l > "$work/list" 2>&1
check "auditctl -l prints each contid field as its UUID, and the key after it" \
	'grep -qx -- "-a always,exit -F arch=b64 -S getppid -F contid=$outer -F key=us-eq" "$work/list" &&
	 grep -qx -- "-a always,exit -F arch=b64 -S getppid -F contid!=$outer -F key=us-ne" "$work/list" &&
	 grep -qx -- "-a never,exclude -F msgtype=USER -F contid=$outer" "$work/list"'
check "a duplicate contid rule is refused" \
	'! "$ac" -a always,exit -F arch=b64 -S getppid -F contid=$outer -k us-eq >/dev/null 2>&1'
refusals=0
for bad in "contid=0" "contid=00000000-0000-0000-0000-000000000000" "contid=$outer-1" \
	"contid=2c5e7a90x4b1dx4f3ex8a61x000000000001" "contid>$outer"; do
	if "$ac" -a always,exit -F arch=b64 -S getppid -F "$bad" -k us-bad > "$work/bad" 2>&1; then
		echo "# accepted: $bad"
	elif [ "$bad" = "contid>$outer" ] || grep -q "UUID (8-4-4-4-12 hex digits) or 32 hex digits" "$work/bad"; then
		refusals=$((refusals + 1))
	else
		echo "# refused without saying what is accepted: $bad:"; sed 's/^/#   /' "$work/bad"
	fi
done
check "malformed and nil IDs and other operators are refused, saying what is accepted" '[ $refusals = 5 ]'

# The workload: a task outside containers calls getppid() and sends a user
# message; the outer container's task does the same; a task nested in it
# calls getppid() and makes a directory.
mkfifo "$work/go" "$work/go2"
sh -c 'read -r _ < "$1"; sh -c "exit 0"; "$2" -m us-user-in
	sh -c "read -r _ < \"\$1\"; sh -c \"exit 0\"; mkdir \"\$2\"" sh "$3" "$4" & b=$!
	echo "$5" > /proc/$b/audit_containerid; echo go > "$3"; wait $b' \
	sh "$work/go" "$ac" "$work/go2" "$work/made" "$inner" &
task=$!
sh -c 'echo "$1" > /proc/$2/audit_containerid' sh "$outer" $task
session=$(cat /proc/$task/audit_containersession)
# What ausearch -i must show for the task's namespaces: "initial" for the
# initial namespace of each type (the IDs fixed in linux/nsfs.h), else the
# ID that NS_GET_ID reads.
nsid() { python3 -c 'import fcntl,os,struct,sys; fd=os.open(sys.argv[1],os.O_RDONLY); print(struct.unpack("Q",fcntl.ioctl(fd,0x8008b70d,bytes(8)))[0])' "$1"; }
want_ns=""
for f in mnt:mntns:8 net:netns:7 user:userns:3 uts:utsns:2; do
	id=$(nsid /proc/$task/ns/${f%%:*})
	field=${f#*:}; field=${field%:*}
	[ "$id" = "${f##*:}" ] && id=initial
	want_ns="$want_ns $field=$id"
done
echo go > "$work/go"
wait $task
sh -c 'sh -c "exit 0"; "$1" -m us-user-out' sh "$ac"
sleep 2
"$ac" -d always,exit -F arch=b64 -S getppid -F contid=$outer -k us-eq
"$ac" -l > "$work/list2" 2>&1
check "auditctl -d deletes the contid rule and leaves the others" \
	'! grep -q "key=us-eq" "$work/list2" && grep -q "key=us-ne" "$work/list2"'
"$ac" -D >/dev/null
check "auditctl -D deletes every rule" '"$ac" -l | grep -q "No rules"'

# Who signalled auditd: first the test itself (in no container), then a
# task in a third container sends HUP (reconfigure), USR2 (resume) and TERM.
third=2c5e7a90-4b1d-4f3e-8a63-$(printf '%012x' $$)
kill -USR2 $daemon
sleep 1
mkfifo "$work/go3"
sh -c 'read -r _ < "$1"; kill -HUP $2; sleep 1; kill -USR2 $2; sleep 1; kill -TERM $2' \
	sh "$work/go3" $daemon &
sender=$!
echo "$third" > /proc/$sender/audit_containerid
echo go > "$work/go3"
wait $sender
wait $daemon
check "auditd names the container of the task that sent HUP, USR2 and TERM" \
	'grep -q "^type=DAEMON_CONFIG .*op=reconfigure state=changed .*pid=$sender .*contid=$third res=success" "$log" &&
	 grep -q "^type=DAEMON_RESUME .*op=resume-logging .*pid=$sender .*contid=$third res=success" "$log" &&
	 grep -q "^type=DAEMON_END .*op=terminate .*pid=$sender .*contid=$third res=success" "$log"'
check "a sender in no container is logged as before, with no contid" \
	'grep "^type=DAEMON_RESUME .*pid=$$ " "$log" | grep -q " res=success" &&
	 ! grep "^type=DAEMON_RESUME .*pid=$$ " "$log" | grep -q "contid="'

"$sbin/ausearch" -if "$log" -k us-eq -sc getppid --raw > "$work/eq" 2>&1
check "contid=outer selects the outer container's and the nested one's getppid(), no other" \
	'grep -q "^type=CONTAINER_ID .*contid=$outer " "$work/eq" &&
	 grep -q "^type=CONTAINER_ID .*contid=$outer/$inner_lc" "$work/eq" &&
	 [ $(grep -c "^type=SYSCALL" "$work/eq") = $(grep -c "^type=CONTAINER_ID .*contid=$outer" "$work/eq") ]'
"$sbin/ausearch" -if "$log" -k us-ne -sc getppid --raw > "$work/ne" 2>&1
check "contid!=outer selects getppid() outside it, none inside" \
	'grep -q "^type=SYSCALL" "$work/ne" && ! grep -q "contid=$outer" "$work/ne"'
check "the exclude rule drops the outer container's user message only" \
	'grep -q "us-user-out" "$log" && ! grep -q "us-user-in" "$log"'
"$sbin/ausearch" -if "$log" --contid $inner -k us-eq --raw > "$work/in" 2>&1
"$sbin/ausearch" -if "$log" --contid $outer --raw > "$work/out" 2>&1
check "ausearch --contid finds a container's events, the nested one's under the outer's too" \
	'[ $(grep -c "^type=CONTAINER_ID" "$work/in") -ge 1 ] &&
	 [ $(grep -c "^type=CONTAINER_ID" "$work/in") = $(grep -c "^type=CONTAINER_ID .*contid=$outer/$inner_lc" "$work/in") ] &&
	 grep -q "^type=CONTAINER_ID .*contid=$outer/$inner_lc" "$work/out" &&
	 grep -q "^type=CONTAINER_ID .*contid=$outer " "$work/out" &&
	 grep -q "^type=CONTAINER_OP .*op=nest .*contid=$outer/$inner_lc" "$work/out"'
# ausearch exits 0 only when it found an event.
"$sbin/ausearch" -if "$log" -m CONTAINER_OP > "$work/ops" 2>&1
check "ausearch -m CONTAINER_OP finds the registration, named CONTAINER_OP" \
	'grep -q "^type=CONTAINER_OP msg=audit(.*op=set opid=$task contid=$outer " "$work/ops"'
"$sbin/ausearch" -if "$log" -m CONTAINER_ID -k contid-us > "$work/ids" 2>&1
check "ausearch -m CONTAINER_ID -k finds the task's mkdir event with its container" \
	'grep -q "^type=CONTAINER_ID msg=audit(.*contid=$outer/$inner_lc" "$work/ids" &&
	 grep -q "^type=SYSCALL .*key=\"contid-us\"" "$work/ids"'
"$sbin/ausearch" -if "$log" -i > "$work/all" 2>&1
check "ausearch -i names every record type (no UNKNOWN[)" \
	'grep -q "^type=CONTAINER_OP " "$work/all" && ! grep -q "UNKNOWN\[" "$work/all"'
check "the built auditd writes the types by name" \
	'grep -q "^type=CONTAINER_OP " "$log" && grep -q "^type=CONTAINER_ID " "$log" &&
	 ! grep -q "UNKNOWN\[" "$log"'
"$sbin/aureport" -if "$log" -e -i > "$work/report" 2>&1
check "aureport -e lists the container events by type name" \
	'grep -q " CONTAINER_OP " "$work/report" || grep -q " CONTAINER_ID " "$work/report"'
"$sbin/ausearch" -if "$log" -m CONTAINER_OP -i > "$work/ops-i" 2>&1
check "ausearch -i interprets the registration: chain, unset old chain, session, namespaces" \
	'line=$(grep "op=set opid=$task contid=$outer " "$work/ops-i") &&
	 case "$line" in *" old-contid=unset contsession=$session "*) ;; *) false ;; esac &&
	 for f in $want_ns; do case "$line" in *" $f "*) ;; *) echo "# no $f"; false ;; esac; done'
# Values the kernel does not write, and a packet's list, as ausearch -i
# shows them (the admin guide's grammar; linux/nsfs.h for initial IDs).
cat > "$work/crafted" <<EOF
type=CONTAINER_ID msg=audit(1764450000.100:1): contid=$outer,$outer/$inner_lc contid-omitted=3
type=CONTAINER_OP msg=audit(1764450000.200:2): op=ns opid=1 contid=$outer contsession=7 old-netns=7 netns=4120 old-utsns=0 utsns=2 res=1
type=CONTAINER_ID msg=audit(1764450000.300:3): contid=$inner contsession=unset
type=CONTAINER_ID msg=audit(1764450000.400:4): contid=$outer/ contsession=4294967295
EOF
"$sbin/ausearch" -if "$work/crafted" -i > "$work/crafted-i" 2>&1
check "ausearch -i: a packet's chains stay one value, namespaces read initial/none, bad IDs read malformed" \
	'grep -q ": contid=$outer,$outer/$inner_lc contid-omitted=3 *$" "$work/crafted-i" &&
	 grep -q "contsession=7 old-netns=initial netns=4120 old-utsns=none utsns=initial res=yes" "$work/crafted-i" &&
	 grep -qF ": contid=malformed-contid($inner) contsession=unset" "$work/crafted-i" &&
	 grep -qF ": contid=malformed-contid($outer/) contsession=unset" "$work/crafted-i"'
# The per-container summary against the log: events whose subject record
# (contid=<chain> contsession=<n>, nothing before it) names the chain, and
# the distinct sessions among them.
"$sbin/aureport" -if "$log" --container > "$work/containers" 2>&1
subject_records() { grep -o "^type=CONTAINER_ID msg=audit([^)]*): contid=$1 contsession=[0-9]*" "$log"; }
check "aureport --container counts each container's events and sessions" \
	'for c in $outer $outer/$inner_lc; do
		ev=$(subject_records $c | sort -u | wc -l)
		ses=$(subject_records $c | sed "s/.*contsession=//" | sort -u | wc -l)
		[ $ev -gt 0 ] && grep -qx "$ev  $ses  $c" "$work/containers" ||
			{ echo "# want $ev  $ses  $c"; false; }
	done'
# Debian's ausearch does not know the names: it reads the records by number.
/sbin/ausearch -if "$log" -k contid-us --raw > "$work/stock" 2>&1
check "Debian's ausearch still reads the event whole, with its CONTAINER_ID" \
	'grep -q "^type=SYSCALL .*key=\"contid-us\"" "$work/stock" &&
	 grep -q "^type=CONTAINER_ID msg=audit(.*contid=$outer/$inner_lc" "$work/stock"'

# Debian's own auditd asks with AUDIT_SIGNAL_INFO, as before: a HUP from a
# container is logged with the sender and without a container.
sed "s|^log_file = .*|log_file = $work/stock.log|" "$work/auditd.conf" > "$work/debian-auditd/auditd.conf"
/sbin/auditd -n -c "$work/debian-auditd" > "$work/debian-auditd.out" 2>&1 &
stock=$!
i=0
until "$sbin/auditctl" -s 2>/dev/null | grep -q "^pid $stock"; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
mkfifo "$work/go4"
sh -c 'read -r _ < "$1"; kill -HUP $2' sh "$work/go4" $stock &
sender2=$!
echo "2c5e7a90-4b1d-4f3e-8a64-$(printf '%012x' $$)" > /proc/$sender2/audit_containerid
echo go > "$work/go4"
wait $sender2
sleep 1
kill -TERM $stock
wait $stock
check "Debian's auditd still learns who sent HUP, and logs no container" \
	'grep -q "^type=DAEMON_CONFIG .*op=reconfigure state=changed .*pid=$sender2 .*res=success" "$work/stock.log" &&
	 ! grep "^type=DAEMON_" "$work/stock.log" | grep -q "contid=" &&
	 grep -q "^type=DAEMON_END " "$work/stock.log"'

if [ $fails -gt 0 ]; then
	echo "# Debian's auditd:"; sed "s/^/# /" "$work/debian-auditd.out" | tail -n 10
	sed "s/^/# /" "$work/stock.log" 2>/dev/null | cut -c1-300 | tail -n 10
	echo "# the log:"; sed "s/^/# /" "$log" | grep -v "PROCTITLE\|PATH\|SOCKADDR\|CWD" | cut -c1-400 | tail -n 60
fi
rm -rf "$work"
[ $fails = 0 ]
