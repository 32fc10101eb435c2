#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End to end with real container runtimes and the contid tool
# (tools/contid, built by `make tools` into build/contid): crun and runc
# each start a busybox container whose createRuntime hook (`contid
# oci-hook`) registers it; the audit log is read back by container with
# `contid log`; `contid run --id` joins a live container in a new session;
# contid inside a container nests a second level; the hook fails closed
# (and open with --fail-open); a `contid rule` audits one container only.
#
# A missing runtime, tool or feature fails (make check must fail when a
# runtime cannot run a plain container): nothing here is skipped.
# CONTID overrides the tool's path (default: build/contid of this clone).
set -u

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; }
# check DESCRIPTION CONDITION [FILE|NOTE]...: on failure, each FILE is
# shown, and each NOTE that is no file.
check() {
	desc=$1 cond=$2
	shift 2
	if eval "$cond"; then
		ok "$desc"
	else
		not_ok "$desc"
		for f in "$@"; do
			if [ -f "$f" ]; then
				echo "# $(basename "$f"):"
				sed 's/^/#   /' "$f" | head -40
			else
				printf '%s\n' "$f" | sed 's/^/# /'
			fi
		done
	fi
	[ -z "${E2E_TIMES:-}" ] || echo "# $(($(date +%s) - t0)) s"
}
t0=$(date +%s)
PLAN=21

echo "TAP version 13"
echo "1..$PLAN"

self=$(readlink -f "$0")
repo=$(cd "$(dirname "$self")/../.." && pwd)
contid=${CONTID:-$repo/build/contid}
# Debian's python3 first (a PATH may put a version manager's shim before it).
py=/usr/bin/python3
[ -x $py ] || py=python3
missing=
[ -x "$contid" ] || missing="$missing $contid (make tools)"
for tool in crun runc busybox auditd auditctl ausearch sha256sum pgrep $py; do
	command -v $tool >/dev/null || missing="$missing $tool"
done
[ -e /proc/self/audit_containerid ] || missing="$missing CONFIG_AUDIT_CONTAINERID"
if [ -n "$missing" ]; then
	echo "# missing:$missing"
	echo "not ok 1 contid, crun, runc, busybox, the audit userspace and the kernel feature are there"
	exit 1
fi
ok "contid, crun, runc, busybox, the audit userspace and the kernel feature are there"

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
[ -e /sys/fs/cgroup/cgroup.controllers ] || mount -t cgroup2 none /sys/fs/cgroup

# IDs: A by annotation; R from runc's OCI id (SHA-256, see below); B
# nested in A; P a container the runtime itself runs in.
tag=$(printf '%012x' $$)
A=7d9c5b1e-2f4a-4c3b-9e8d-$tag
P=7d9c5b1e-2f4a-4c3b-9e8e-$tag
B=00000000-0000-0000-0000-000000000b0b
rid=e2e-runc-$$
R=$(printf %s "$rid" | sha256sum |
	sed 's/^\(.\{8\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)\(.\{12\}\).*/\1-\2-\3-\4-\5/')

work=$(mktemp -d)
log=/var/log/audit/audit.log
crun_root=$work/crun-state
runc_root=$work/runc-state
CRUN="timeout 60 crun --root $crun_root"
RUNC="timeout 90 runc --root $runc_root"
daemon=

cleanup() {
	for c in a fx fo; do $CRUN delete -f e2e-$c >/dev/null 2>&1; done
	for c in "$rid" e2e-rx; do $RUNC delete -f "$c" >/dev/null 2>&1; done
	auditctl -D >/dev/null 2>&1
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

mkdir -p /var/log/audit
: > $log
auditd -n > "$work/auditd.out" 2>&1 &
daemon=$!
i=0
until auditctl -s 2>/dev/null | grep -q "^pid $daemon"; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "# auditd did not start:"; sed 's/^/# /' "$work/auditd.out"
		echo "not ok 2 auditd starts"
		exit 1
	fi
	sleep 0.1
done
auditctl -D >/dev/null
auditctl -a always,exit -F arch=b64 -S execve -k contid-e2e >/dev/null
ok "auditd starts, with an execve rule"

# wait_log PATTERN: until auditd has written a line matching PATTERN.
wait_log() {
	i=0
	until grep -q -- "$1" $log; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}
# sync_log: until auditd has written everything audited so far (an
# execve outside containers, audited after them, is in the log).
syncs=0
sync_log() {
	syncs=$((syncs + 1))
	/bin/true contid-e2e-sync-$syncs
	wait_log "a1=\"contid-e2e-sync-$syncs\""
}
# chain PID, session PID: the proc files.
chain() { cat "/proc/$1/audit_containerid" 2>/dev/null; }
session() { cat "/proc/$1/audit_containersession" 2>/dev/null; }
# is_session S: S is a session number a registration can have: decimal,
# and not 4294967295, which means "no session" (docs/admin-guide.rst).
is_session() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	[ "$1" != 4294967295 ]
}
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
# set_logged PID CHAIN SESSION: the audit log has the registration of PID
# into CHAIN, a new top-level container, with SESSION (its CONTAINER_OP),
# whole: PID's namespaces (the container's), no subject fields (the hook's
# SYSCALL record has them), res= last.
# (auditd may append its interpretations after a GS character.)
set_logged() {
	ns=$(nsids "$1") && [ -n "$ns" ] && gs=$(printf '\035') &&
		grep -Eq "\): op=set opid=$1 contid=$2 old-contid=unset contsession=$3$ns res=1($gs|\$)" $log
}
# state_pid CRUN|RUNC NAME: the container's process, from the runtime's state.
state_pid() {
	eval "\$$1" state "$2" 2>/dev/null | sed -n 's/^ *"pid": *\([0-9]*\).*/\1/p'
}
# sleeper PID: the container's `sleep 600`, a child of its init PID,
# waiting for it to appear.
sleeper() {
	[ -n "$1" ] && [ -d "/proc/$1" ] || return 1
	i=0
	until c=$(pgrep -P "$1" -f '^sleep 600') && [ -n "$c" ]; do
		i=$((i + 1))
		[ $i -gt 150 ] && return 1
		sleep 0.1
	done
	echo "$c"
}

# The bundles: a busybox rootfs shared by every container, and one
# config.json per container, made by the runtime's own `spec` and edited.
# The container runs `/bin/true contid-e2e-NAME` (the mark its execve
# leaves in the log), then forks a sleep and waits; it has no terminal, no
# resources (no device cgroup), no mqueue mount; it may register
# (CAP_AUDIT_CONTROL), and sees the host's libraries and contid read-only,
# so that contid can run inside it. Its createRuntime hook is contid. crun
# writes the hook's standard error to DIR/hook.err (runc puts it in its own
# error message).
#   a   crun, annotation A
#   r   runc, no annotation: the ID comes from the OCI id
#   fx  crun, annotation A (while A is live: a collision)
#   rx  runc, annotation A (the same)
#   fo  crun, annotation A, the hook with --fail-open
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/usr/lib" "$rootfs/usr/lib64" \
	"$rootfs$(dirname "$contid")"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for a in sh true sleep cat mkdir; do ln -s busybox "$rootfs/bin/$a"; done
ln -s usr/lib "$rootfs/lib"
ln -s usr/lib64 "$rootfs/lib64"
mkdir -p "$work/crun-spec" "$work/runc-spec"
if (cd "$work/crun-spec" && crun spec) > "$work/bundle.out" 2>&1 &&
   (cd "$work/runc-spec" && runc spec) >> "$work/bundle.out" 2>&1 &&
   $py - "$work" "$rootfs" "$contid" "$A" >> "$work/bundle.out" 2>&1 <<'PY'
import json, os, sys
work, rootfs, contid, A = sys.argv[1:]
for d, rt, name, ann, hook_args in [
        ("a", "crun", "crun-a", A, []),
        ("r", "runc", "runc-r", None, []),
        ("fx", "crun", "crun-fx", A, []),
        ("rx", "runc", "runc-rx", A, []),
        ("fo", "crun", "crun-fo", A, ["--fail-open"])]:
    with open(os.path.join(work, rt + "-spec", "config.json")) as f:
        c = json.load(f)
    p = c["process"]
    p["terminal"] = False
    p["args"] = ["/bin/sh", "-c", "/bin/true contid-e2e-$0; sleep 600 & wait", name]
    p["env"] = ["PATH=/bin", "HOME=/"]
    for s in p["capabilities"].values():
        s.append("CAP_AUDIT_CONTROL")
    c["root"] = {"path": rootfs, "readonly": False}
    c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/dev/mqueue"]
    for m in ("/usr/lib", "/usr/lib64", os.path.dirname(contid)):
        c["mounts"].append({"destination": m, "type": "bind", "source": m,
                            "options": ["rbind", "ro"]})
    c["linux"].pop("resources", None)
    c["hooks"] = {"createRuntime": [
        {"path": contid, "args": ["contid", "oci-hook"] + hook_args}]}
    a = c.setdefault("annotations", {})
    if ann:
        a["org.linux.audit.containerid"] = ann
    # crun sends a hook's output to /dev/null unless told where.
    a["run.oci.hooks.stderr"] = os.path.join(work, d, "hook.err")
    os.mkdir(os.path.join(work, d))
    with open(os.path.join(work, d, "config.json"), "w") as f:
        json.dump(c, f, indent=1)
PY
then
	ok "OCI bundles with a busybox rootfs and the contid hook, from crun spec and runc spec"
else
	not_ok "OCI bundles with a busybox rootfs and the contid hook, from crun spec and runc spec"
	sed 's/^/# /' "$work/bundle.out"
	exit 1
fi

# crun: create (the hook registers the waiting process), then start.
$CRUN create --bundle "$work/a" e2e-a > "$work/a.out" 2> "$work/a.err"
a_rc=$?
a=$(state_pid CRUN e2e-a)
a_created=$(chain "$a")
a_session=$(session "$a")
sync_log
check "crun create: the hook registers the container's process with the annotation's ID" \
	"[ $a_rc = 0 ] && [ -n '$a' ] && [ '$a_created' = $A ] && is_session '$a_session' &&
	 set_logged '$a' $A '$a_session'" \
	"$work/a.err" "process $a: contid $a_created, session $a_session; op=set records:" \
	"$(grep ' op=set ' $log)"
$CRUN start e2e-a >> "$work/a.out" 2>> "$work/a.err"
a_child=$(sleeper "$a")
check "crun start: the container's init and the process it forks carry A, in one session" \
	"[ '$(chain "$a")' = $A ] && [ -n '$a_child' ] && [ '$(chain "$a_child")' = $A ] &&
	 [ '$(session "$a_child")' = '$a_session' ]" \
	"$work/a.out" "$work/a.err"

# runc: `runc init`, multi-threaded Go, is what the hook registers.
$RUNC create --bundle "$work/r" "$rid" > "$work/r.out" 2> "$work/r.err"
r_rc=$?
r=$(state_pid RUNC "$rid")
threads=0
r_threads_ok=0
if [ -n "$r" ] && [ -d "/proc/$r/task" ]; then
	r_threads_ok=1
	for t in /proc/$r/task/*; do
		threads=$((threads + 1))
		[ "$(cat "$t/audit_containerid")" = "$R" ] || r_threads_ok=0
	done
fi
echo "# runc init ($r) has $threads threads"
r_session=$(session "$r")
sync_log
# Every registration starts a new session: R's is not A's.
check "runc create: every thread of runc init carries the ID from the SHA-256 of the OCI id" \
	"[ $r_rc = 0 ] && [ $r_threads_ok = 1 ] && [ $threads -gt 1 ] &&
	 is_session '$r_session' && [ '$r_session' != '$a_session' ] &&
	 set_logged '$r' $R '$r_session'" \
	"$work/r.err" "process $r: session $r_session; op=set records:" "$(grep ' op=set ' $log)"
$RUNC start "$rid" >> "$work/r.out" 2>> "$work/r.err"
r_child=$(sleeper "$r")
check "runc start: the container's init and the process it forks carry R, in one session" \
	"[ '$(chain "$r")' = $R ] && [ -n '$r_child' ] && [ '$(chain "$r_child")' = $R ] &&
	 [ '$(session "$r_child")' = '$r_session' ]" \
	"$work/r.out" "$work/r.err"

"$contid" ls > "$work/ls" 2>&1
check "contid ls lists both containers with their tasks" \
	"grep -q '^$A  *2  *0  *[0-9][0-9,]*\$' '$work/ls' &&
	 grep -q '^$R  *2  *0  *[0-9][0-9,]*\$' '$work/ls'" "$work/ls"

# The same commands outside any container: audited, but no container's.
/bin/true contid-e2e-crun-a
/bin/true contid-e2e-runc-r
sync_log
"$contid" log "$A" > "$work/log-a" 2>&1
"$contid" log "$R" > "$work/log-r" 2>&1
check "contid log shows each container's execve, not the other's nor the same one outside" \
	"[ \$(grep -c 'a1=\"contid-e2e-crun-a\"' $log) = 2 ] &&
	 [ \$(grep -c 'a1=\"contid-e2e-crun-a\"' '$work/log-a') = 1 ] &&
	 [ \$(grep -c 'a1=\"contid-e2e-runc-r\"' '$work/log-r') = 1 ] &&
	 ! grep -q 'contid-e2e-runc-r' '$work/log-a' && ! grep -q 'contid-e2e-crun-a' '$work/log-r' &&
	 grep -q '^---- .* in $A session $a_session\$' '$work/log-a' &&
	 grep -q '^---- .* in $R session $r_session\$' '$work/log-r'" \
	"$work/log-a" "$work/log-r"

# docker exec, the contid way: crun exec, run by contid run into A.
"$contid" run --id "$A" -- $CRUN exec e2e-a /bin/sh -c \
	'cat /proc/self/audit_containerid /proc/self/audit_containersession; /bin/true contid-e2e-exec' \
	> "$work/exec.out" 2> "$work/exec.err"
exec_rc=$?
exec_session=$(sed -n 2p "$work/exec.out")
check "contid run --id A -- crun exec: the command runs in A, in a new session" \
	"[ $exec_rc = 0 ] && [ '$(sed -n 1p "$work/exec.out")' = $A ] &&
	 [ -n '$exec_session' ] && [ '$exec_session' != '$a_session' ] &&
	 grep -q '^contid: process [0-9]* runs in $A (joined the live container), session $exec_session\$' '$work/exec.err'" \
	"$work/exec.out" "$work/exec.err"
sync_log
"$contid" log "$A" --sessions > "$work/sessions" 2>&1
check "contid log A --sessions shows two sessions: the init's and the exec's" \
	"[ \"\$(awk '\$NF == \"$A\" { print \$1 }' '$work/sessions' | tr '\n' ' ')\" = '$a_session $exec_session ' ]" \
	"$work/sessions"

# Nesting: contid inside the container starts B in A.
"$contid" run -q --id "$A" -- $CRUN exec e2e-a "$contid" run --id 0xb0b -- /bin/sh -c \
	'cat /proc/self/audit_containerid; /bin/true contid-e2e-nested' \
	> "$work/nest.out" 2> "$work/nest.err"
nest_rc=$?
check "inside A, contid run starts a nested container: the command runs in A/B" \
	"[ $nest_rc = 0 ] && [ '$(cat "$work/nest.out")' = $A/$B ] &&
	 grep -q '^contid: process [0-9]* runs in $A/$B' '$work/nest.err'" \
	"$work/nest.out" "$work/nest.err"
sync_log
"$contid" log "$A" > "$work/log-a" 2>&1
check "contid log A shows both levels: A's events and the nested container's" \
	"grep -q '^---- .* in $A session $a_session\$' '$work/log-a' &&
	 grep -q '^---- .* op=nest $A/$B session' '$work/log-a' &&
	 grep -B8 'a1=\"contid-e2e-nested\"' '$work/log-a' | grep -q '^---- .* in $A/$B session'" \
	"$work/log-a"

# The hook fails closed: crun, itself in container P, creates a container
# with the annotation A, which is live at the top level: the hook's write
# is refused (EEXIST), so crun aborts the container.
"$contid" run -q --id "$P" -- $CRUN create --bundle "$work/fx" e2e-fx \
	> "$work/fx.out" 2> "$work/fx.err"
fx_rc=$?
check "fail-closed: crun create aborts when the hook is refused (EEXIST), with one line why" \
	"[ $fx_rc != 0 ] && grep -q 'hook' '$work/fx.err' &&
	 [ \$(wc -l < '$work/fx/hook.err') = 1 ] &&
	 grep -q '^contid: cannot register process [0-9]* in container $A: .*(EEXIST)' '$work/fx/hook.err' &&
	 [ -z \"\$(state_pid CRUN e2e-fx)\" ]" \
	"$work/fx.err" "$work/fx/hook.err" "crun create exit status $fx_rc"
"$contid" run -q --id "$P" -- $RUNC create --bundle "$work/rx" e2e-rx \
	> "$work/rx.out" 2> "$work/rx.err"
rx_rc=$?
check "fail-closed: runc create aborts too, its error quoting the hook's line" \
	"[ $rx_rc != 0 ] &&
	 grep -q 'contid: cannot register process [0-9]* in container $A: .*(EEXIST)' '$work/rx.err' &&
	 [ -z \"\$(state_pid RUNC e2e-rx)\" ]" \
	"$work/rx.err" "runc create exit status $rx_rc"
"$contid" run -q --id "$P" -- $CRUN create --bundle "$work/fo" e2e-fo \
	> "$work/fo.out" 2> "$work/fo.err"
fo_rc=$?
fo=$(state_pid CRUN e2e-fo)
check "fail-open: with --fail-open the same container is created, in P only, with one line why" \
	"[ $fo_rc = 0 ] && [ -n '$fo' ] && [ '$(chain "$fo")' = $P ] &&
	 [ \$(wc -l < '$work/fo/hook.err') = 1 ] &&
	 grep -q '^contid oci-hook: cannot register process [0-9]* in container $A: .*(EEXIST).*(ignored: --fail-open)' '$work/fo/hook.err'" \
	"$work/fo.err" "$work/fo/hook.err" "crun create exit status $fo_rc, process $fo in $(chain "$fo")"
$CRUN delete -f e2e-fo >/dev/null 2>&1

echo '{"ociVersion": "1.0.2", "id": "x", "pid": ' | "$contid" oci-hook > "$work/bad.out" 2> "$work/bad.err"
bad_rc=$?
echo '{"ociVersion": "1.0.2", "id": "x", "pid": ' | "$contid" oci-hook --fail-open > "$work/badopen.out" 2> "$work/badopen.err"
badopen_rc=$?
check "a malformed state on standard input: the hook exits 1 with one line, 0 with --fail-open" \
	"[ $bad_rc = 1 ] && [ \$(wc -l < '$work/bad.err') = 1 ] && grep -q 'OCI state JSON' '$work/bad.err' &&
	 [ $badopen_rc = 0 ] && [ \$(wc -l < '$work/badopen.err') = 1 ] && grep -q 'ignored: --fail-open' '$work/badopen.err'" \
	"$work/bad.err" "$work/badopen.err"

# A rule on A only: mkdir in A (crun exec), in another container, outside.
# After it, a rule on every mkdir (the first rule that matches a syscall
# decides its key): the positive control, read back by the same query,
# that the other two mkdirs happened and would have been found by name.
rule="--contid $A --syscall mkdir --key contid-e2e-rule"
"$contid" rule add $rule > "$work/rule.out" 2>&1
rule_rc=$?
auditctl -a always,exit -F arch=b64 -S mkdir -k contid-e2e-mkdir >> "$work/rule.out" 2>&1
all_rc=$?
"$contid" run -q --id "$A" -- $CRUN exec e2e-a /bin/mkdir /tmp/contid-e2e-in-a
in_a_rc=$?
"$contid" run -q -- /bin/busybox mkdir "$work/contid-e2e-other"
other_rc=$?
/bin/busybox mkdir "$work/contid-e2e-outside"
outside_rc=$?
sync_log
auditctl -d always,exit -F arch=b64 -S mkdir -k contid-e2e-mkdir >> "$work/rule.out" 2>&1
ausearch -i -k contid-e2e-rule > "$work/rule-events" 2>&1
ausearch -i -k contid-e2e-mkdir > "$work/all-events" 2>&1
check "contid rule add: A's mkdir is audited, another container's and the host's are not" \
	"[ $rule_rc = 0 ] && [ $all_rc = 0 ] && [ $in_a_rc = 0 ] && [ $other_rc = 0 ] &&
	 [ $outside_rc = 0 ] && grep -q 'name=/tmp/contid-e2e-in-a ' '$work/rule-events' &&
	 grep -q 'name=$work/contid-e2e-other ' '$work/all-events' &&
	 grep -q 'name=$work/contid-e2e-outside ' '$work/all-events' &&
	 ! grep -q 'contid-e2e-other\|contid-e2e-outside' '$work/rule-events' &&
	 grep -q 'contid=$A ' '$work/rule-events'" \
	"$work/rule.out" "$work/rule-events" "$work/all-events" \
	"mkdir exit statuses: in A $in_a_rc, other $other_rc, outside $outside_rc"
"$contid" rule list > "$work/rule-list" 2>&1
check "contid rule list shows the rule as add's arguments" \
	"grep -qx -- '--list exit $rule' '$work/rule-list'" "$work/rule-list"
"$contid" rule del $rule > "$work/rule-del" 2>&1
del_rc=$?
"$contid" rule list > "$work/rule-list2" 2>&1
check "contid rule del removes it" \
	"[ $del_rc = 0 ] && ! grep -q -- '--contid' '$work/rule-list2' && grep -q 'other audit rule' '$work/rule-list2'" \
	"$work/rule-del" "$work/rule-list2"

# The end: both containers deleted, their IDs leave the kernel's listing
# and the log shows their destruction.
$CRUN delete -f e2e-a > "$work/del.out" 2>&1
$RUNC delete -f "$rid" >> "$work/del.out" 2>&1
# Absent from a listing that contid ls did print (its header line, or that
# none is live), and
# from the kernel's own listing it reads: an error message holds no ID
# either, so without these an error would pass.
i=0
while :; do
	"$contid" ls > "$work/ls-end" 2>&1
	ls_rc=$?
	[ $ls_rc = 0 ] && grep -q "$A\|$R" "$work/ls-end" || break
	i=$((i + 1))
	[ $i -gt 50 ] && break
	sleep 0.1
done
kls=/sys/kernel/debug/audit_containerid/containers
cat $kls > "$work/kls-end" 2>&1
kls_rc=$?
sync_log
"$contid" log "$A" > "$work/log-a" 2>&1
"$contid" log "$R" > "$work/log-r" 2>&1
check "deleted containers leave contid ls, and contid log shows their end" \
	"[ $ls_rc = 0 ] && head -n 1 '$work/ls-end' |
	   grep -Eq '^(CONTAINER +TASKS +NESTED +NETNS|no live containers)\$' &&
	 ! grep -q '$A\|$R' '$work/ls-end' && [ $kls_rc = 0 ] && ! grep -q '$A\|$R' '$work/kls-end' &&
	 grep -q '^---- .* op=destroy $A\$' '$work/log-a' &&
	 grep -q '^---- .* op=destroy $R\$' '$work/log-r'" \
	"$work/del.out" "$work/ls-end" "$work/kls-end" "contid ls exit status $ls_rc" "destroy records:" \
	"$(grep 'op=destroy' $log | head -5)" "contid log A, end:" "$(tail -5 "$work/log-a")"

[ $n = $PLAN ] || echo "# ran $n checks, the plan says $PLAN"
echo "# $(($(date +%s) - t0)) s"
exit $((fails != 0))
