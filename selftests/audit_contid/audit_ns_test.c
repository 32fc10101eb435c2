// SPDX-License-Identifier: GPL-2.0
/*
 * Namespace changes of tasks in containers, read as the audit daemon: the
 * CONTAINER_OP op=ns record of unshare(), setns(), clone() and clone3() with
 * namespace flags, and of an execve() that enters the time namespace for
 * children. It is part of the syscall's event, and only when that event is
 * recorded: an exit rule selecting the syscall, or a contid rule. Then there
 * is exactly one per call that changed namespaces, with the same serial as
 * the SYSCALL record:
 *   op=ns opid=<pid> contid=<chain> contsession=<n> old-<ns>=<id> <ns>=<id> ... res=1
 * the IDs those of NS_GET_ID, for each namespace that changed, in the order
 * mntns utsns ipcns childpidns netns userns cgroupns timens childtimens
 * (a task's own namespace before the one for its children).
 * No rule selecting the syscall: nothing, however many calls. A call that
 * changes nothing, or a task outside containers: nothing.
 */
#include <sys/syscall.h>

#include "../kselftest_harness.h"
#include "audit.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The key of the test's rules on namespace syscalls. */
#define KEY "audit_ns_test"
#define CONTID_KEY "audit_ns_test_contid"
/* argv[1] of the test binary run by execve() in a test (see main()). */
#define EXEC_FLAG "--audit-ns-exec"

/* The namespaces of an op=ns record, in its order. */
#define NSK 9
static const struct nskey {
	const char *proc;	/* its file in /proc/PID/ns/ */
	const char *key;	/* the record's old-<key>= and <key>= */
} nskeys[NSK] = {
	{ "mnt", "mntns" },
	{ "uts", "utsns" },
	{ "ipc", "ipcns" },
	{ "pid_for_children", "childpidns" },
	{ "net", "netns" },
	{ "user", "userns" },
	{ "cgroup", "cgroupns" },
	{ "time", "timens" },
	{ "time_for_children", "childtimens" },
};

/* Indices in nskeys[]. */
enum { MNT, UTS, IPC, CHILDPID, NET, USER, CGROUP, TIME, CHILDTIME };

/* The IDs of a task's namespaces, as NS_GET_ID gives them. */
struct snap {
	unsigned long long id[NSK];
};

/* One namespace syscall an agent made: the IDs before and after. */
struct call {
	int nr;			/* the syscall */
	pid_t opid;		/* whose namespaces: the caller, or clone()'s child */
	struct snap before;	/* the caller's, before the call */
	struct snap after;	/* opid's, after it */
};

#define CALLS_MAX 32

/* What an agent reports, in shared memory. */
struct log {
	int n;
	struct call call[CALLS_MAX];
	char chain[CHAIN_MAX];	/* its /proc/self/audit_containerid */
	unsigned long long session;
	int flag;		/* the unshare() flag to use */
	pid_t there;		/* the process whose namespaces it enters */
	int ready, release;
};

static struct log *log_new(void)
{
	return shared_zalloc(sizeof(struct log));
}

static void snap_self(struct snap *s)
{
	int i;

	for (i = 0; i < NSK; i++)
		s->id[i] = ns_id(0, nskeys[i].proc);
}

/* Which namespaces differ between @a and @b, as a bit mask of nskeys[] indices. */
static unsigned int changed(const struct snap *a, const struct snap *b)
{
	unsigned int m = 0;
	int i;

	for (i = 0; i < NSK; i++)
		if (a->id[i] != b->id[i])
			m |= 1u << i;
	return m;
}

/* In an agent: what it is, read as a task of it would. */
static void log_init(struct log *l)
{
	int err = read_proc(getpid(), 0, "audit_containerid", l->chain, sizeof(l->chain));

	if (err)
		die("reading audit_containerid", err);
	l->session = session_of(getpid(), 0);
}

static struct call *call_begin(struct log *l, int nr)
{
	struct call *c;

	if (l->n >= CALLS_MAX)
		die("too many calls", EOVERFLOW);
	c = &l->call[l->n];
	c->nr = nr;
	c->opid = getpid();
	snap_self(&c->before);
	return c;
}

static void call_end(struct log *l, struct call *c)
{
	snap_self(&c->after);
	l->n++;
}

/*
 * An agent's last act: getppid(), which the fixture's rule logs. Once its
 * record has come, the records of the agent's earlier syscalls have too.
 */
static int marked(int rc)
{
	syscall(SYS_getppid);
	return rc;
}

/* Whether the getppid() record of task @pid has come. */
static bool marker_seen(const struct auditd *d, pid_t pid)
{
	char who[32], nr[32];
	int i;

	snprintf(who, sizeof(who), " pid=%d ", pid);
	snprintf(nr, sizeof(nr), "syscall=%d ", __NR_getppid);
	for (i = 0; i < d->n; i++)
		if (matches(&d->rec[i], AUDIT_SYSCALL, (const char *const[]){ nr, who, NULL }))
			return true;
	return false;
}

#define NO_END 251
#define NO_MARKER 252

/*
 * Lets agent @a run and reads the records meanwhile (a flood must not fill
 * the backlog while nobody reads), until it has exited and its getppid()
 * has been logged. Returns its exit code, NO_END if it did not end within
 * @seconds, NO_MARKER if its last record never came.
 */
static int run_agent(struct auditd *d, struct agent *a, int seconds)
{
	double end = now() + seconds;
	bool done = false;
	int st = 0;

	agent_let_go(a);
	while (now() < end) {
		auditd_collect(d, 20);
		if (!done && waitpid(a->pid, &st, WNOHANG) == a->pid)
			done = true;
		if (done && (!WIFEXITED(st) || marker_seen(d, a->pid)))
			break;
	}
	if (!done) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, &st, 0);
		return NO_END;
	}
	if (!WIFEXITED(st))
		return 255;
	if (!marker_seen(d, a->pid))
		return NO_MARKER;
	auditd_collect(d, 200);
	return WEXITSTATUS(st);
}

/*
 * The op=ns record SPEC.md gives for call @c of a task whose chain and
 * session @l holds, in @buf; false if the call changed no namespace.
 */
static bool ns_body(const struct log *l, const struct call *c, char *buf, size_t size)
{
	int len, i;

	if (!changed(&c->before, &c->after))
		return false;
	len = snprintf(buf, size, "op=ns opid=%d contid=%.*s contsession=%llu", c->opid,
		       (int)strcspn(l->chain, "\n"), l->chain, l->session);
	for (i = 0; i < NSK; i++)
		if (c->before.id[i] != c->after.id[i])
			len += snprintf(buf + len, size - len, " old-%s=%llu %s=%llu",
					nskeys[i].key, c->before.id[i], nskeys[i].key,
					c->after.id[i]);
	snprintf(buf + len, size - len, " res=1");
	return true;
}

/* The syscalls the test's rules watch. */
static const int watched_nr[] = {
	__NR_unshare, __NR_setns, __NR_clone, __NR_clone3, __NR_execve,
};

static bool watched(const struct record *r)
{
	const char *p = strstr(r->text, " syscall=");
	unsigned int i;

	for (i = 0; p && i < ARRAY_SIZE(watched_nr); i++)
		if (atoi(p + 9) == watched_nr[i])
			return true;
	return false;
}

static int in_event_count(struct auditd *d, int type, unsigned int serial)
{
	int i, n = 0;

	records_complete(d);
	for (i = 0; i < d->n; i++)
		n += d->rec[i].type == type && d->rec[i].serial == serial;
	return n;
}

static int ns_records(struct auditd *d)
{
	return count(d, AUDIT_CONTAINER_OP, (const char *const[]){ "op=ns ", NULL });
}

/*
 * Checks the log against the calls of @l, made by task @caller: each has a
 * SYSCALL record with key @key and its syscall number, in the order made;
 * the event of a call that changed namespaces holds exactly one CONTAINER_OP
 * record, the op=ns that ns_body() gives (none when not @contained), and the
 * event of one that changed nothing holds none. No other op=ns anywhere.
 * @what names the calls in messages.
 */
static void check_calls(struct __test_metadata *_metadata, struct auditd *d,
			const struct log *l, pid_t caller, const char *key, bool contained,
			const char *what)
{
	char who[32], k[64], want[RECORD_MAX];
	struct record *r, *op;
	int i, n = 0, ops = 0;

	snprintf(who, sizeof(who), " pid=%d ", caller);
	snprintf(k, sizeof(k), " key=\"%s\"", key);
	records_complete(d);
	for (i = 0; i < d->n; i++) {
		r = &d->rec[i];
		if (!matches(r, AUDIT_SYSCALL, (const char *const[]){ who, k, NULL }) ||
		    !watched(r))
			continue;
		ASSERT_GT(l->n, n) TH_LOG("%s: one call too many: %s", what, r->text);
		EXPECT_NE(NULL, strstr(r->text, FIELD(" syscall=%d ", l->call[n].nr)))
			TH_LOG("%s call %d: %s", what, n, r->text);
		if (contained && ns_body(l, &l->call[n], want, sizeof(want))) {
			ops++;
			EXPECT_EQ(1, in_event_count(d, AUDIT_CONTAINER_OP, r->serial))
				TH_LOG("%s call %d (serial %u)", what, n, r->serial);
			op = in_event(d, AUDIT_CONTAINER_OP, r->serial);
			ASSERT_NE(NULL, op)
				TH_LOG("%s call %d: no op=ns, wanted %s", what, n, want);
			EXPECT_STREQ(want, body_of(op)) TH_LOG("%s call %d", what, n);
		} else {
			EXPECT_EQ(0, in_event_count(d, AUDIT_CONTAINER_OP, r->serial))
				TH_LOG("%s call %d wants no op=ns: %s", what, n,
				       in_event(d, AUDIT_CONTAINER_OP, r->serial)->text);
		}
		n++;
	}
	EXPECT_EQ(l->n, n) TH_LOG("%s: SYSCALL records with%s", what, k);
	EXPECT_EQ(ops, ns_records(d)) TH_LOG("%s: op=ns records", what);
}

/* The rules a test added, deleted by the teardown. */
struct rules {
	int fd;
	int n;
	union rule r[4];
};

/* Adds @r (deleting a leftover of a crashed run first). */
static int add_rule(struct rules *rs, const union rule *r)
{
	int err;

	if (rs->n >= (int)ARRAY_SIZE(rs->r))
		return -ENOSPC;
	audit_send(rs->fd, AUDIT_DEL_RULE, r, rule_len(r));
	err = audit_send(rs->fd, AUDIT_ADD_RULE, r, rule_len(r));
	if (!err)
		memcpy(&rs->r[rs->n++], r, sizeof(*r));
	return err;
}

/* "-a always,exit -F arch=b64 -S unshare,setns,clone,clone3[,execve] -k KEY" */
static int add_ns_rule(struct rules *rs, bool execve)
{
	union rule r;

	exit_rule(&r, __NR_unshare);
	r.d.mask[AUDIT_WORD(__NR_setns)] |= AUDIT_BIT(__NR_setns);
	r.d.mask[AUDIT_WORD(__NR_clone)] |= AUDIT_BIT(__NR_clone);
	r.d.mask[AUDIT_WORD(__NR_clone3)] |= AUDIT_BIT(__NR_clone3);
	if (execve)
		r.d.mask[AUDIT_WORD(__NR_execve)] |= AUDIT_BIT(__NR_execve);
	rule_key(&r, KEY);
	return add_rule(rs, &r);
}

FIXTURE(audit) {
	struct auditd d;
	struct rules rules;
};

FIXTURE_SETUP(audit)
{
	if (!auditd_setup(_metadata, &self->d))
		return;
	self->rules.fd = self->d.fd;
	ASSERT_EQ(0, audit_set_backlog(self->d.fd, 8192, self->d.saved.backlog_wait_time));
	/* The agents' last getppid(): see marked(). Its context is then never dummy. */
	ASSERT_EQ(0, auditd_add_rule(&self->d, __NR_getppid));
}

FIXTURE_TEARDOWN(audit)
{
	struct rules *rs = &self->rules;
	int i;

	for (i = 0; i < rs->n; i++)
		audit_send(rs->fd, AUDIT_DEL_RULE, &rs->r[i], rule_len(&rs->r[i]));
	if (self->d.fd > 0)
		auditd_stop(&self->d);
}

/* Starts an agent running @fn(@l), in container @id (none when 0). */
static int agent_in(struct agent *a, int (*fn)(void *), struct log *l, unsigned long long id)
{
	agent_start(a, fn, l);
	return id ? set_contid(a->pid, id) : 0;
}

/* clone_args of clone3(), CLONE_ARGS_SIZE_VER0. */
struct clone3_args {
	__u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* In a child of the caller's: its namespaces to @fd, then exit. */
static void child_report(int fd)
{
	struct snap s;

	snap_self(&s);
	_exit(write(fd, &s, sizeof(s)) != sizeof(s));
}

/*
 * clone() (or clone3() when @three) with @flags, logged in @l: the child's
 * namespaces come back through a pipe. 0 or a negative errno.
 */
static int clone_logged(struct log *l, int flags, bool three)
{
	struct clone3_args args = { .flags = flags, .exit_signal = SIGCHLD };
	struct call *c = call_begin(l, three ? __NR_clone3 : __NR_clone);
	int p[2], st, err = 0;
	pid_t pid;

	if (pipe(p))
		return -errno;
	if (three)
		pid = syscall(SYS_clone3, &args, sizeof(args));
	else
		pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		child_report(p[1]);
	close(p[1]);
	if (pid < 0)
		err = -errno;
	else if (read(p[0], &c->after, sizeof(c->after)) != sizeof(c->after))
		err = -EIO;
	close(p[0]);
	if (pid > 0 && (waitpid(pid, &st, 0) != pid || st))
		err = err ?: -ECHILD;
	if (err)
		return err;
	c->opid = pid;
	l->n++;
	return 0;
}

/* ---- no rule on the syscalls: nothing ---- */

#define FLOOD_UNSHARE 300
#define FLOOD_SETNS 50
#define FLOOD_CLONE 50
#define FLOOD_CLONE3 20
#define FLOOD (FLOOD_UNSHARE + FLOOD_SETNS + FLOOD_CLONE + FLOOD_CLONE3)

static int flood(void *arg)
{
	struct clone3_args args = { .flags = CLONE_NEWUTS, .exit_signal = SIGCHLD };
	struct log *l = arg;
	unsigned long long first = ns_id(0, "uts");
	int fd[2], i, st;
	pid_t pid;

	fd[0] = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < FLOOD_UNSHARE; i++)
		if (unshare(CLONE_NEWUTS))
			return marked(1);
	if (ns_id(0, "uts") == first)
		return marked(2);
	fd[1] = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (fd[0] < 0 || fd[1] < 0)
		return marked(3);
	/* Home, then the last one, and so on: each call changes it. */
	for (i = 0; i < FLOOD_SETNS; i++)
		if (setns(fd[i % 2], CLONE_NEWUTS))
			return marked(4);
	for (i = 0; i < FLOOD_CLONE + FLOOD_CLONE3; i++) {
		if (i < FLOOD_CLONE)
			pid = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
		else
			pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, &st, 0) != pid || st)
			return marked(5);
	}
	l->n = FLOOD;
	return marked(0);
}

TEST_F_TIMEOUT(audit, flood_without_rule_logs_nothing, 300)
{
	struct log *l = log_new();
	struct agent a;

	ASSERT_EQ(0, agent_in(&a, flood, l, test_id(0)));
	ASSERT_EQ(0, run_agent(&self->d, &a, 240));
	ASSERT_EQ(FLOOD, l->n);
	/* 420 namespace changes in a container, no rule selecting them. */
	EXPECT_EQ(0, ns_records(&self->d));
}

/* ---- unshare() ---- */

#define UNSHARES 16

static int unshare_uts(void *arg)
{
	struct log *l = arg;
	struct call *c;
	int i;

	log_init(l);
	for (i = 0; i < UNSHARES; i++) {
		c = call_begin(l, __NR_unshare);
		if (unshare(CLONE_NEWUTS))
			return marked(1);
		call_end(l, c);
	}
	return marked(0);
}

TEST_F(audit, unshare_with_rule_logs_one_op_ns_per_call)
{
	struct log *l = log_new();
	unsigned long long id = test_id(0);
	struct agent a;
	int i;

	ASSERT_EQ(0, add_ns_rule(&self->rules, false));
	ASSERT_EQ(0, agent_in(&a, unshare_uts, l, id));
	ASSERT_EQ(0, run_agent(&self->d, &a, 60));
	ASSERT_EQ(UNSHARES, l->n);
	ASSERT_STREQ(FIELD("%s\n", uuid_of(id)), l->chain);
	for (i = 0; i < UNSHARES; i++) {
		ASSERT_EQ(1u << UTS, changed(&l->call[i].before, &l->call[i].after));
		if (i)
			ASSERT_EQ(l->call[i - 1].after.id[UTS], l->call[i].before.id[UTS]);
	}
	check_calls(_metadata, &self->d, l, a.pid, KEY, true, "");
	/* No field of the old grammar, no double space. */
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=ns ", "nsdev=", NULL }));
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=ns ", " new-", NULL }));
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=ns ", "  ", NULL }));
}

static int unshare_one(void *arg)
{
	struct log *l = arg;
	struct call *c;

	log_init(l);
	c = call_begin(l, __NR_unshare);
	if (unshare(l->flag))
		return marked(1);
	call_end(l, c);
	return marked(0);
}

/* Each type with the field pair it changes (pid and time: those for children). */
static const struct {
	const char *name;
	int flag;
	int key;
} one_types[] = {
	{ "mnt", CLONE_NEWNS, MNT },
	{ "uts", CLONE_NEWUTS, UTS },
	{ "ipc", CLONE_NEWIPC, IPC },
	{ "pid", CLONE_NEWPID, CHILDPID },
	{ "net", CLONE_NEWNET, NET },
	{ "user", CLONE_NEWUSER, USER },
	{ "cgroup", CLONE_NEWCGROUP, CGROUP },
	{ "time", CLONE_NEWTIME, CHILDTIME },
};

TEST_F_TIMEOUT(audit, unshare_of_each_type_logs_its_field_pair_only, 120)
{
	struct agent a;
	unsigned int i;

	ASSERT_EQ(0, add_ns_rule(&self->rules, false));
	for (i = 0; i < ARRAY_SIZE(one_types); i++) {
		struct log *l = log_new();
		char want[RECORD_MAX];

		l->flag = one_types[i].flag;
		/* Each in a child of its own: a user namespace cannot be left. */
		ASSERT_EQ(0, agent_in(&a, unshare_one, l, test_id(i)));
		ASSERT_EQ(0, run_agent(&self->d, &a, 60)) TH_LOG("unshare(%s)", one_types[i].name);
		ASSERT_EQ(1, l->n);
		ASSERT_EQ(1u << one_types[i].key, changed(&l->call[0].before, &l->call[0].after))
			TH_LOG("unshare(%s)", one_types[i].name);
		ASSERT_TRUE(ns_body(l, &l->call[0], want, sizeof(want)));
		ASSERT_NE(NULL, strstr(want, FIELD(" old-%s=", nskeys[one_types[i].key].key)));
		check_calls(_metadata, &self->d, l, a.pid, KEY, true, one_types[i].name);
		auditd_forget(&self->d);
		munmap(l, sizeof(*l));
	}
}

/* ---- setns() ---- */

/* A process outside containers with a namespace of each type of its own. */
static int elsewhere(void *arg)
{
	struct log *l = arg;
	int all = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(one_types); i++)
		all |= one_types[i].flag;
	if (unshare(all))
		return 1;
	STORE(l->ready, 1);
	return wait_for(&l->release, 120) ? 0 : 2;
}

/* What setns() is given for each type, the user namespace last. */
static const struct {
	const char *proc;
	int flag;
} travels[] = {
	{ "mnt", CLONE_NEWNS },
	{ "uts", CLONE_NEWUTS },
	{ "ipc", CLONE_NEWIPC },
	{ "pid_for_children", CLONE_NEWPID },
	{ "net", CLONE_NEWNET },
	{ "cgroup", CLONE_NEWCGROUP },
	{ "time_for_children", CLONE_NEWTIME },
	{ "user", CLONE_NEWUSER },
};

#define TRAVELS ((int)ARRAY_SIZE(travels))
#define TRAVEL_TIME 6	/* the time namespace's index in travels[] */

static int setns_logged(struct log *l, int fd, int flag)
{
	struct call *c = call_begin(l, __NR_setns);

	if (setns(fd, flag))
		return -errno;
	call_end(l, c);
	return 0;
}

/*
 * Calls that change nothing (setns() into its own UTS namespace,
 * unshare(0)); then enters the namespaces of another process one type at a
 * time, and goes back into its own (the "escape" an officer looks for),
 * the user namespace last (a task cannot go back to its parent's).
 */
static int travel(void *arg)
{
	struct log *l = arg;
	int home[TRAVELS], away[TRAVELS], i;
	struct call *c;
	char path[64];

	log_init(l);
	for (i = 0; i < TRAVELS; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", l->there, travels[i].proc);
		away[i] = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", travels[i].proc);
		home[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (away[i] < 0 || home[i] < 0)
			return marked(1);
	}
	if (setns_logged(l, home[1], CLONE_NEWUTS))
		return marked(2);
	c = call_begin(l, __NR_unshare);
	if (unshare(0))
		return marked(3);
	call_end(l, c);
	for (i = 0; i < TRAVELS - 1; i++)
		if (setns_logged(l, away[i], travels[i].flag))
			return marked(10 + i);
	for (i = 0; i < TRAVELS - 1; i++)
		if (setns_logged(l, home[i], travels[i].flag))
			return marked(20 + i);
	if (setns_logged(l, away[TRAVELS - 1], CLONE_NEWUSER))
		return marked(30);
	return marked(0);
}

TEST_F_TIMEOUT(audit, setns_there_and_back_logs_each_change_and_no_op_calls_nothing, 120)
{
	struct log *there = log_new(), *l = log_new();
	const struct call *c;
	struct agent a, h;
	int i, t;

	ASSERT_EQ(0, add_ns_rule(&self->rules, false));
	agent_start(&h, elsewhere, there);
	agent_let_go(&h);
	ASSERT_TRUE(wait_for(&there->ready, 30));
	l->there = h.pid;
	ASSERT_EQ(0, agent_in(&a, travel, l, test_id(0)));
	t = run_agent(&self->d, &a, 60);
	STORE(there->release, 1);
	ASSERT_EQ(0, agent_reap(&h));
	ASSERT_EQ(0, t);
	/* Two calls changing nothing, 7 types there and back, the user namespace. */
	ASSERT_EQ(2 + 2 * (TRAVELS - 1) + 1, l->n);
	for (i = 0; i < l->n; i++) {
		c = &l->call[i];
		ASSERT_EQ(i >= 2, changed(&c->before, &c->after) != 0) TH_LOG("call %d", i);
	}
	/* The time namespace: setns() changes both the task's and its children's. */
	c = &l->call[2 + TRAVEL_TIME];
	EXPECT_EQ(1u << CHILDTIME | 1u << TIME, changed(&c->before, &c->after));
	/* Back: the IDs it had before leaving. */
	EXPECT_EQ(0u, changed(&l->call[2].before, &l->call[2 + 2 * (TRAVELS - 1)].before));
	check_calls(_metadata, &self->d, l, a.pid, KEY, true, "");
}

/* ---- clone() and clone3() ---- */

static int cloner(void *arg)
{
	struct log *l = arg;
	int err;

	log_init(l);
	err = clone_logged(l, CLONE_NEWUTS | CLONE_NEWIPC, false);
	if (!err)
		err = clone_logged(l, CLONE_NEWUTS | CLONE_NEWIPC, true);
	/* A fork without namespace flags changes nothing: nothing logged. */
	if (!err)
		err = clone_logged(l, 0, false);
	return marked(err ? 1 : 0);
}

TEST_F(audit, clone_and_clone3_log_the_child_with_the_creators_old_ids)
{
	struct log *l = log_new();
	struct agent a;
	int i;

	ASSERT_EQ(0, add_ns_rule(&self->rules, false));
	ASSERT_EQ(0, agent_in(&a, cloner, l, test_id(0)));
	ASSERT_EQ(0, run_agent(&self->d, &a, 60));
	ASSERT_EQ(3, l->n);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(1u << UTS | 1u << IPC, changed(&l->call[i].before, &l->call[i].after));
		ASSERT_NE(a.pid, l->call[i].opid);
	}
	ASSERT_EQ(0u, changed(&l->call[2].before, &l->call[2].after));
	check_calls(_metadata, &self->d, l, a.pid, KEY, true, "");
	/* The child is named, not its creator. */
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=ns ", FIELD("opid=%d ", a.pid), NULL }));
}

/* ---- execve() into the time namespace for children ---- */

/*
 * unshare(CLONE_NEWTIME), then execve() of this binary with EXEC_FLAG and
 * the IDs its namespaces must have then: those before, the time namespace
 * the children's.
 */
static int time_exec(void *arg)
{
	char ids[NSK][24], self_exe[] = "/proc/self/exe";
	char *argv[NSK + 3] = { self_exe, EXEC_FLAG };
	struct log *l = arg;
	struct call *c;
	int i;

	log_init(l);
	c = call_begin(l, __NR_unshare);
	if (unshare(CLONE_NEWTIME))
		return marked(1);
	call_end(l, c);
	c = call_begin(l, __NR_execve);
	c->after = c->before;
	c->after.id[TIME] = c->before.id[CHILDTIME];
	l->n++;
	for (i = 0; i < NSK; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%llu", c->after.id[i]);
		argv[2 + i] = ids[i];
	}
	execv(self_exe, argv);
	return marked(2);
}

/* The execve()d binary: whether its namespaces are @ids, and the marker. */
static int exec_helper(char **ids)
{
	struct snap s;
	int i, bad = 0;

	snap_self(&s);
	for (i = 0; i < NSK; i++)
		bad |= s.id[i] != strtoull(ids[i], NULL, 10);
	return marked(bad ? 3 : 0);
}

TEST_F(audit, execve_entering_the_childrens_time_namespace_logs_timens)
{
	struct log *l = log_new();
	const struct call *c;
	struct agent a;

	ASSERT_EQ(0, add_ns_rule(&self->rules, true));
	ASSERT_EQ(0, agent_in(&a, time_exec, l, test_id(0)));
	/* 3: the execve()d binary found other namespaces than it should. */
	ASSERT_EQ(0, run_agent(&self->d, &a, 60));
	ASSERT_EQ(2, l->n);
	c = &l->call[0];
	ASSERT_EQ(1u << CHILDTIME, changed(&c->before, &c->after));
	c = &l->call[1];
	ASSERT_EQ(1u << TIME, changed(&c->before, &c->after));
	ASSERT_EQ(l->call[0].after.id[CHILDTIME], c->after.id[TIME]);
	check_calls(_metadata, &self->d, l, a.pid, KEY, true, "");
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=ns ", FIELD(" old-timens=%llu timens=%llu res=1", c->before.id[TIME],
				 c->after.id[TIME]), NULL }));
}

/* ---- outside containers ---- */

static int uncontained(void *arg)
{
	struct log *l = arg;
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct call *c;

	if (home < 0)
		return marked(1);
	c = call_begin(l, __NR_unshare);
	if (unshare(CLONE_NEWNET | CLONE_NEWUTS))
		return marked(2);
	call_end(l, c);
	if (setns_logged(l, home, CLONE_NEWNET))
		return marked(3);
	if (clone_logged(l, CLONE_NEWNET, false) || clone_logged(l, CLONE_NEWIPC, true))
		return marked(4);
	return marked(0);
}

TEST_F(audit, outside_containers_nothing_is_logged)
{
	struct log *l = log_new();
	struct agent a;
	int i;

	ASSERT_EQ(0, add_ns_rule(&self->rules, false));
	ASSERT_EQ(0, agent_in(&a, uncontained, l, 0));
	ASSERT_EQ(0, run_agent(&self->d, &a, 60));
	ASSERT_EQ(4, l->n);
	for (i = 0; i < l->n; i++)
		ASSERT_NE(0u, changed(&l->call[i].before, &l->call[i].after));
	/* Every call logged by the rule, no op=ns in any event. */
	check_calls(_metadata, &self->d, l, a.pid, KEY, false, "");
	EXPECT_EQ(0, ns_records(&self->d));
}

/* ---- a contid rule ---- */

TEST_F(audit, contid_rule_on_every_syscall_logs_op_ns_of_that_container_only)
{
	struct log *lx = log_new(), *ly = log_new();
	unsigned long long x = test_id(0), y = test_id(1);
	struct agent a, b;
	union rule r;
	int i;

	/* "-a always,exit -F arch=b64 -F contid=X -k CONTID_KEY": no -S. */
	rule_init(&r, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
	rule_num(&r, AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64);
	for (i = 0; i < AUDIT_BITMASK_SIZE; i++)
		r.d.mask[i] = ~0u;
	rule_contid(&r, AUDIT_EQUAL, x);
	rule_key(&r, CONTID_KEY);
	ASSERT_EQ(0, add_rule(&self->rules, &r));

	lx->flag = CLONE_NEWUTS;
	ly->flag = CLONE_NEWUTS;
	ASSERT_EQ(0, agent_in(&a, unshare_one, lx, x));
	ASSERT_EQ(0, run_agent(&self->d, &a, 60));
	ASSERT_EQ(0, agent_in(&b, unshare_one, ly, y));
	ASSERT_EQ(0, run_agent(&self->d, &b, 60));
	ASSERT_EQ(1, lx->n);
	ASSERT_EQ(1, ly->n);
	ASSERT_EQ(1u << UTS, changed(&ly->call[0].before, &ly->call[0].after));
	/* X's unshare() event, with its op=ns; and no other op=ns (not Y's). */
	check_calls(_metadata, &self->d, lx, a.pid, CONTID_KEY, true, "");
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=ns ", FIELD("opid=%d ", b.pid), NULL }));
}

int main(int argc, char **argv)
{
	if (argc == 2 + NSK && !strcmp(argv[1], EXEC_FLAG))
		return exec_helper(argv + 2);
	return test_harness_run(argc, argv);
}
