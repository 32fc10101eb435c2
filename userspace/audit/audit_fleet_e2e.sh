#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A fleet in one guest, with audit's own forwarding and our audit userspace
# (make userspace): the kernel's auditd (name_format = hostname) forwards
# every record through the audisp-remote plugin over TCP to a second auditd
# on the guest's loopback that only receives (local_events = no,
# tcp_listen_port). A task in a container calls getppid() under a rule; on
# the receiver, ausearch --contid (with --node) and contid log must find the
# event with its CONTAINER_ID record and the sender's node, and every
# container record must arrive whole, byte for byte what the sender logged.
set -u
. "$(dirname "$0")/testlib.sh"

echo "TAP version 13"
echo "1..6"
repo=$(cd "$(dirname "$0")/../.." && pwd)
prefix=$repo/build/audit
sbin=$prefix/sbin
if [ ! -x "$sbin/audisp-remote" ] || [ ! -e /proc/self/audit_containerid ]; then
	echo "not ok 1 needs make userspace's build/audit and CONFIG_AUDIT_CONTAINERID"
	exit 1
fi
ip link set lo up
port=60$(printf '%03d' $(($$ % 1000)))
node=$(uname -n)
work=$(mktemp -d)

# The receiver: no kernel events of its own, listens on loopback.
mkdir "$work/recv" "$work/send" "$work/send/plugins.d" "$work/recv/plugins.d"
{ auditd_conf_base; cat <<EOF
local_events = no
log_format = RAW
log_file = $work/recv/audit.log
name_format = NONE
tcp_listen_port = $port
tcp_listen_queue = 5
tcp_max_per_addr = 1
tcp_client_ports = 1-65535
tcp_client_max_idle = 0
plugin_dir = $work/recv/plugins.d
EOF
} > "$work/recv/auditd.conf"
"$sbin/auditd" -n -c "$work/recv" > "$work/recv/out" 2>&1 &
recv=$!
i=0
hexport=$(printf '%04X' "$port")
until grep -q ":$hexport [0:]*0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		sed 's/^/# /' "$work/recv/out"
		echo "not ok 1 the receiving auditd listens on port $port"
		kill $recv 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
ok "the receiving auditd listens on port $port"

# The sender: the kernel's auditd, tagging records with its host name and
# forwarding them. audisp-remote reads /etc/audit/audisp-remote.conf only:
# the sender runs in a mount namespace of its own with a tmpfs there.
{ auditd_conf_base; cat <<EOF
local_events = yes
log_format = RAW
log_file = $work/send/audit.log
name_format = hostname
plugin_dir = $work/send/plugins.d
EOF
} > "$work/send/auditd.conf"
cat > "$work/send/plugins.d/au-remote.conf" <<EOF
active = yes
direction = out
path = $sbin/audisp-remote
type = always
format = string
EOF
cat > "$work/send/audisp-remote.conf" <<EOF
remote_server = 127.0.0.1
port = $port
transport = tcp
mode = immediate
queue_depth = 10240
format = managed
network_retry_time = 1
max_tries_per_record = 3
max_time_per_record = 5
network_failure_action = syslog
disk_low_action = ignore
disk_full_action = ignore
disk_error_action = syslog
remote_ending_action = reconnect
generic_error_action = syslog
generic_warning_action = syslog
queue_error_action = stop
overflow_action = syslog
startup_failure_action = warn_once_continue
heartbeat_timeout = 0
EOF
unshare -m sh -c 'mount -t tmpfs fleet /etc/audit &&
	cp "$1/audisp-remote.conf" /etc/audit/ && exec "$2/auditd" -n -c "$1"' \
	sh "$work/send" "$sbin" > "$work/send/out" 2>&1 &
send=$!
i=0
until "$sbin/auditctl" -s 2>/dev/null | grep -q "^pid $send"; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		sed 's/^/# /' "$work/send/out"
		echo "not ok 2 the forwarding auditd starts"
		kill $send $recv 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
ok "the forwarding auditd starts with the audisp-remote plugin"

# The workload: a task in a container calls getppid() (dash does at start).
"$sbin/auditctl" -D >/dev/null
"$sbin/auditctl" -a always,exit -F arch=b64 -S getppid -k fleet >/dev/null
id=3d6f8b01-5c2e-4a4f-9b72-$(printf '%012x' $$)
mkfifo "$work/go"
sh -c 'read -r _ < "$1"; sh -c "exit 0"' sh "$work/go" &
task=$!
echo "$id" > /proc/$task/audit_containerid
echo go > "$work/go"
wait $task
sleep 2
"$sbin/auditctl" -D >/dev/null
kill -TERM $send
wait $send
# What the sender logged reaches the receiver (its last record, DAEMON_END,
# too): wait for that, then stop the receiver.
i=0
until grep -q "node=$node type=DAEMON_END" "$work/recv/audit.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
kill -TERM $recv
wait $recv
rlog=$work/recv/audit.log
slog=$work/send/audit.log

check "the receiver has the container's records, tagged with the sender's node" \
	'grep -q "^node=$node type=CONTAINER_OP msg=audit(.*op=set opid=$task contid=$id " "$rlog" &&
	 grep -q "^node=$node type=CONTAINER_ID msg=audit(.*contid=$id contsession=" "$rlog"'
grep "type=CONTAINER_" "$slog" > "$work/sent"
grep "type=CONTAINER_" "$rlog" > "$work/received"
check "every container record arrives whole, as the sender logged it" \
	'[ -s "$work/sent" ] && cmp -s "$work/sent" "$work/received"'
"$sbin/ausearch" -if "$rlog" --contid "$id" --node "$node" -k fleet --raw > "$work/found" 2>&1
check "ausearch --contid --node on the receiver finds the getppid() event with its container" \
	'grep -q "^node=$node type=SYSCALL .*syscall=110 .*key=\"fleet\"" "$work/found" &&
	 grep -q "^node=$node type=CONTAINER_ID .*contid=$id contsession=" "$work/found"'
LD_LIBRARY_PATH=$prefix/lib "$repo/build/contid" log --file "$rlog" "$id" > "$work/log" 2>&1
check "contid log on the receiver's log shows the container's events" \
	'grep -q "$id" "$work/log" && grep -q "syscall=110" "$work/log"'

if [ $fails -gt 0 ]; then
	echo "# sender:"; sed 's/^/#   /' "$work/send/out" | tail -n 20
	echo "# receiver:"; sed 's/^/#   /' "$work/recv/out" | tail -n 20
	echo "# received:"; grep -v "PROCTITLE\|PATH" "$rlog" | cut -c1-300 | tail -n 30 | sed 's/^/#   /'
	echo "# contid log:"; sed 's/^/#   /' "$work/log" | tail -n 20
fi
rm -rf "$work"
[ $fails = 0 ]
