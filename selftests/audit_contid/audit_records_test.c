// SPDX-License-Identifier: GPL-2.0
/*
 * Audit records of container IDs, read as the audit daemon: CONTAINER_OP
 * for set, nest, join, every refusal and destroy; CONTAINER_ID in the events
 * of contained subjects, user messages and signal targets; nothing for tasks
 * outside containers.
 *
 * Actions run in processes forked after audit is enabled, so that they have
 * an audit context (and their records a SYSCALL record to share a serial with).
 *
 * Where a test looks for the absence of a record, or for every record of a
 * kind, it first collects up to a marker of its own (collect_all()): the
 * kernel hands records to the daemon in the order they were logged, so a
 * record logged before the marker cannot come after the test has looked.
 */
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "../kselftest_harness.h"
#include "audit.h"

static char chain[CHAIN_MAX], buf[CHAIN_MAX];

/*
 * The value of field @key of @r, up to the next space, into @out (CHAIN_MAX
 * bytes); "" if @r has no such field. "contid" is not "old-contid".
 */
static const char *value_of(const struct record *r, const char *key, char *out)
{
	const char *p = strstr(r->text, "): ");
	char pat[32];
	size_t n;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), " %s=", key);
	p = p ? strstr(p + 1, pat) : NULL;
	if (!p)
		return out;
	p += strlen(pat);
	n = strcspn(p, " ");
	if (n >= CHAIN_MAX)
		n = CHAIN_MAX - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/*
 * The namespace fields of a CONTAINER_OP record, in the order they come, and
 * the /proc/PID/ns files their values are read from.
 */
static const char *const ns_field[] = {
	"mntns", "utsns", "ipcns", "pidns", "netns", "userns", "cgroupns", "timens",
};

static const char *const ns_file[] = {
	"mnt", "uts", "ipc", "pid", "net", "user", "cgroup", "time",
};

#define NS_TEXT 256

/*
 * " mntns=<id> utsns=<id> ... timens=<id>": task @pid's namespaces as a
 * CONTAINER_OP record names them, into @out (NS_TEXT bytes).
 */
static char *ns_text(pid_t pid, char *out)
{
	size_t n = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(ns_field); i++)
		n += snprintf(out + n, NS_TEXT - n, " %s=%llu", ns_field[i],
			      ns_id(pid, ns_file[i]));
	return out;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

/*
 * Why record @r breaks the grammar every CONTAINER_OP and CONTAINER_ID record
 * follows, or NULL: fields separated by single spaces; "unset" the only
 * placeholder (no "?", no 4294967295 in our fields); no nsdev=; res= last on
 * CONTAINER_OP; the subject's fields (pid= ... exe=) only in a set, nest or
 * join record that stands alone (no SYSCALL record in its event), and there
 * always; none in op=destroy.
 */
static const char *grammar_error(struct auditd *d, const struct record *r)
{
	static const char *const ours[] = { "contid", "old-contid", "contsession", "opid" };
	const char *body = body_of(r);
	char v[CHAIN_MAX], op[32];
	bool with_syscall, subject;
	unsigned int i;

	if (!body[0] || body[0] == ' ' || ends_with(body, " ") || strstr(body, "  "))
		return "not single spaces";
	if (strstr(body, " nsdev="))
		return "an nsdev= field";
	for (i = 0; i < ARRAY_SIZE(ours); i++) {
		value_of(r, ours[i], v);
		if (!strcmp(v, "?") || !strcmp(v, "4294967295") || !strcmp(v, "-1"))
			return "a placeholder other than unset";
	}
	if (r->type != AUDIT_CONTAINER_OP)
		return NULL;
	if (!ends_with(body, " res=1") && !ends_with(body, " res=0"))
		return "res= is not last";
	/* value_of() looks for " op=": the first field has no space before it. */
	snprintf(op, sizeof(op), "%.*s", (int)strcspn(body, " "), body);
	with_syscall = in_event(d, AUDIT_SYSCALL, r->serial);
	subject = strstr(body, " pid=") || strstr(body, " exe=");
	if (!strcmp(op, "op=destroy"))
		return subject ? "subject fields in op=destroy" : NULL;
	if (with_syscall && subject)
		return "subject fields although the event has its SYSCALL record";
	if (!strcmp(op, "op=set") || !strcmp(op, "op=nest") || !strcmp(op, "op=join")) {
		if (!with_syscall && !(strstr(body, " ppid=") && strstr(body, " pid=") &&
				       strstr(body, " auid=") && strstr(body, " exe=")))
			return "a record standing alone without its subject";
		for (i = 0; i < ARRAY_SIZE(ns_field); i++) {
			snprintf(v, sizeof(v), " %s=", ns_field[i]);
			if (!strstr(body, v))
				return "a namespace field missing";
		}
	}
	return NULL;
}

/*
 * How many collected CONTAINER_OP and CONTAINER_ID records break the
 * grammar; the first three are shown.
 */
static int grammar_errors(struct auditd *d)
{
	const char *why;
	int i, n = 0;

	records_complete(d);
	for (i = 0; i < d->n; i++) {
		const struct record *r = &d->rec[i];

		if (r->type != AUDIT_CONTAINER_OP && r->type != AUDIT_CONTAINER_ID)
			continue;
		why = grammar_error(d, r);
		if (!why)
			continue;
		if (n++ < 3)
			fprintf(stderr, "# %s: type %d %s\n", why, r->type, r->text);
	}
	return n;
}

/* Collects until a record of @type with every one of @needles is in; NULL after 30 s. */
static struct record *collect_until(struct auditd *d, int type, const char *const *needles)
{
	double end = now() + 30;
	struct record *r;

	while (!(r = find(d, type, needles)) && now() < end)
		auditd_collect(d, 100);
	return r;
}

/*
 * Logs a user message of our own (we are in no container) and collects
 * until it is in: every record logged before it is then in too. Dies if it
 * does not come.
 */
static void collect_all(struct auditd *d)
{
	static unsigned int seq;
	struct {
		struct nlmsghdr h;
		char text[64];
	} msg = {};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;

	snprintf(msg.text, sizeof(msg.text), "contid-marker-%d-%u", getpid(), ++seq);
	msg.h.nlmsg_len = NLMSG_LENGTH(strlen(msg.text) + 1);
	msg.h.nlmsg_type = AUDIT_USER;
	msg.h.nlmsg_flags = NLM_F_REQUEST;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		die("opening an audit socket", errno);
	if (sendto(fd, &msg, msg.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("logging a marker", errno);
	close(fd);
	if (!collect_until(d, AUDIT_USER, (const char *const[]){ msg.text, NULL }))
		die("our marker was not logged", ETIMEDOUT);
}

static void pressure_end(void);

FIXTURE(audit) {
	struct auditd d;
};

FIXTURE_SETUP(audit)
{
	if (!auditd_setup(_metadata, &self->d))
		return;
	ASSERT_EQ(0, auditd_add_rule(&self->d, __NR_getppid));
	ASSERT_EQ(0, auditd_add_rule(&self->d, __NR_kill));
}

FIXTURE_TEARDOWN(audit)
{
	pressure_end();
	if (self->d.fd > 0)
		auditd_stop(&self->d);
}

struct set_args {
	pid_t target;
	unsigned long long id;
	unsigned long long session;
};

static int register_target(void *arg)
{
	struct set_args *a = arg;
	int err = set_contid(a->target, a->id);

	a->session = session_of(a->target, 0);
	return err;
}

/*
 * A registration target in namespaces of its own, of every type, unlike its
 * writer's: a child that unshares them all and forks the target, which waits
 * for k->release (the pid and time namespaces apply to children only).
 */
struct ns_kid {
	struct kid k;
	pid_t middle;
};

static void ns_kid_start(struct ns_kid *t)
{
	int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID |
		    CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;
	int rel[2], rep[2];
	char b;
	pid_t c;

	if (pipe(rel) || pipe(rep))
		die("pipe", errno);
	t->middle = fork();
	if (t->middle < 0)
		die("fork", errno);
	if (t->middle == 0) {
		close(rel[1]);
		close(rep[0]);
		/* A kernel without time namespaces: the others. */
		if (unshare(flags) && (errno != EINVAL || unshare(flags & ~CLONE_NEWTIME)))
			_exit(1);
		c = fork();
		if (c == 0) {
			close(rep[1]);
			/* Until the test closes its end. */
			while (read(rel[0], &b, 1) > 0)
				;
			_exit(0);
		}
		if (c < 0 || write(rep[1], &c, sizeof(c)) != sizeof(c))
			_exit(2);
		close(rel[0]);
		waitpid(c, NULL, 0);
		_exit(0);
	}
	close(rel[0]);
	close(rep[1]);
	t->k.release = rel[1];
	if (read(rep[0], &t->k.pid, sizeof(t->k.pid)) != sizeof(t->k.pid))
		die("starting a task in namespaces of its own", EIO);
	close(rep[0]);
}

static void ns_kid_stop(struct ns_kid *t)
{
	close(t->k.release);
	waitpid(t->middle, NULL, 0);
}

TEST_F(audit, set_is_logged_with_its_syscall)
{
	struct set_args *a = (void *)shared_new();
	char want[CHAIN_MAX + NS_TEXT + 128], ns[NS_TEXT], mine[NS_TEXT];
	struct ns_kid t;
	struct record *op;
	pid_t actor;
	int st;

	ns_kid_start(&t);
	*a = (struct set_args){ .target = t.k.pid, .id = test_id(0) };
	actor = fork();
	if (actor == 0)
		_exit(register_target(a));
	waitpid(actor, &st, 0);
	ASSERT_EQ(0, WEXITSTATUS(st));
	auditd_collect(&self->d, 500);
	op = find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=set ", FIELD("opid=%d ", t.k.pid), NULL });
	ASSERT_NE(NULL, op) TH_LOG("no CONTAINER_OP set record among %d", self->d.n);
	/*
	 * The whole record: the target's namespaces as NS_GET_ID reads them,
	 * its session as /proc shows it, no subject fields (its SYSCALL record
	 * has them), res= last, single spaces.
	 */
	ns_text(t.k.pid, ns);
	snprintf(want, sizeof(want),
		 "op=set opid=%d contid=%s old-contid=unset contsession=%llu%s res=1",
		 t.k.pid, uuid_of(a->id), a->session, ns);
	EXPECT_STREQ(want, body_of(op));
	/* The target's namespaces, not the writer's (which are ours). */
	EXPECT_STRNE(ns_text(getpid(), mine), ns);
	EXPECT_EQ(NULL, strstr(op->text, " pid="));
	/* Part of the writer's syscall event. */
	EXPECT_NE(NULL, in_event(&self->d, AUDIT_SYSCALL, op->serial));
	EXPECT_EQ(0, grammar_errors(&self->d));
	ns_kid_stop(&t);
}

struct nest_args {
	unsigned long long a, b;
	pid_t target;
	unsigned long long session;
	char ns[NS_TEXT];	/* the target's namespaces, read while it lived */
};

static int nest_child(void *arg)
{
	struct nest_args *n = arg;
	struct kid t;
	int err;

	kid_start(&t);
	n->target = t.pid;
	err = set_contid(t.pid, n->b);
	if (!err)
		n->session = session_of(t.pid, 0);
	ns_text(t.pid, n->ns);
	kid_stop(&t);
	return err;
}

TEST_F(audit, nest_and_join_are_logged)
{
	struct nest_args *n = (void *)shared_new();
	struct set_args *j = (void *)(n + 1);
	char want[2 * CHAIN_MAX + NS_TEXT + 128], ns[NS_TEXT];
	struct record *op;
	struct kid k1, k2;
	struct agent w;
	pid_t actor;
	int st;

	*n = (struct nest_args){ .a = test_id(0), .b = test_id(1) };
	agent_start(&w, nest_child, n);
	ASSERT_EQ(0, set_contid(w.pid, n->a));
	ASSERT_EQ(0, agent_finish(&w));

	kid_start(&k1);
	kid_start(&k2);
	ASSERT_EQ(0, set_contid(k1.pid, test_id(2)));
	*j = (struct set_args){ .target = k2.pid, .id = test_id(2) };
	actor = fork();
	if (actor == 0)
		_exit(register_target(j));
	waitpid(actor, &st, 0);
	ASSERT_EQ(0, WEXITSTATUS(st));

	auditd_collect(&self->d, 500);
	chain[0] = 0;
	chain_add(chain, n->a);
	snprintf(buf, sizeof(buf), "%s", chain);
	chain_add(chain, n->b);
	op = find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=nest ", FIELD("opid=%d ", n->target), NULL });
	ASSERT_NE(NULL, op);
	snprintf(want, sizeof(want),
		 "op=nest opid=%d contid=%s old-contid=%s contsession=%llu%s res=1",
		 n->target, chain, buf, n->session, n->ns);
	EXPECT_STREQ(want, body_of(op));
	EXPECT_NE(NULL, in_event(&self->d, AUDIT_SYSCALL, op->serial));
	op = find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=join ", FIELD("opid=%d ", k2.pid), NULL });
	ASSERT_NE(NULL, op);
	snprintf(want, sizeof(want),
		 "op=join opid=%d contid=%s old-contid=unset contsession=%llu%s res=1",
		 k2.pid, uuid_of(test_id(2)), j->session, ns_text(k2.pid, ns));
	EXPECT_STREQ(want, body_of(op));
	EXPECT_NE(NULL, in_event(&self->d, AUDIT_SYSCALL, op->serial));
	EXPECT_EQ(0, grammar_errors(&self->d));
	kid_stop(&k1);
	kid_stop(&k2);
}

/* Registers a new child of ours with *@arg; returns the errno (0: success). */
static int nest_existing_id(void *arg)
{
	unsigned long long *id = arg;
	struct kid t;
	int err;

	kid_start(&t);
	err = set_refused(t.pid, *id);
	kid_stop(&t);
	return err;
}

/* Refusals by an actor outside containers. */
static int refusals(void *arg)
{
	struct shared *sh = arg;
	pid_t zombie, busy, grandchild;
	siginfo_t info;
	struct kid k;
	int p[2];

	/* EBUSY first, while no other child's pipe could leak into it. */
	if (pipe(p))
		return 5;
	busy = fork();
	if (busy == 0) {
		grandchild = fork();
		if (grandchild == 0) {
			pause();
			_exit(0);
		}
		if (write(p[1], &grandchild, sizeof(grandchild)) != sizeof(grandchild))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &grandchild, sizeof(grandchild)) != sizeof(grandchild))
		return 6;
	close(p[0]);
	STORE(sh->tids[2], busy);
	if (set_contid(busy, test_id(14)) != EBUSY)
		return 7;
	kill(grandchild, SIGKILL);
	kill(busy, SIGKILL);
	waitpid(busy, NULL, 0);

	kid_start(&k);
	STORE(sh->tids[0], k.pid);
	if (write_contid(k.pid, 0, "0\n", 2) != EINVAL)		/* contid=? */
		return 1;
	zombie = fork();
	if (zombie == 0)
		_exit(0);
	waitid(P_PID, zombie, &info, WEXITED | WNOWAIT);
	STORE(sh->tids[1], zombie);
	if (set_contid(zombie, test_id(11)) != ESRCH)
		return 3;
	waitpid(zombie, NULL, 0);
	if (set_contid(k.pid, test_id(12)) || set_contid(k.pid, test_id(13)) != EALREADY)
		return 4;
	kid_stop(&k);
	return 0;
}

/* Refusals by an actor inside container test_id(20). */
static int refusals_inside(void *arg)
{
	struct shared *sh = arg;
	struct kid t;
	int err;

	/* EPERM: our own process, refused before any chain is looked at. */
	if (set_contid(getpid(), test_id(10)) != EPERM)
		return 3;
	/* EXDEV: a task outside the actor's container (sh->pid). */
	if (set_contid(LOAD(sh->pid), test_id(21)) != EXDEV)
		return 1;
	/* EEXIST: test_id(22) is live at top level. */
	kid_start(&t);
	STORE(sh->tids[3], t.pid);
	err = set_contid(t.pid, test_id(22));
	kid_stop(&t);
	return err == EEXIST ? 0 : 2;
}

TEST_F(audit, every_refusal_is_logged_with_res_0)
{
	unsigned long long ids[MAX_DEPTH + 1];
	struct shared *sh = shared_new(), *deep = shared_new();
	char old[CHAIN_MAX], v[CHAIN_MAX];
	struct kid outside, holder;
	struct record *op;
	struct agent w;
	pid_t actor;
	int i, st;

	actor = fork();
	if (actor == 0)
		_exit(refusals(sh));
	waitpid(actor, &st, 0);
	ASSERT_EQ(0, WEXITSTATUS(st));

	kid_start(&outside);
	kid_start(&holder);
	ASSERT_EQ(0, set_contid(holder.pid, test_id(22)));
	STORE(sh->pid, outside.pid);
	agent_start(&w, refusals_inside, sh);
	ASSERT_EQ(0, set_contid(w.pid, test_id(20)));
	ASSERT_EQ(0, agent_finish(&w));
	kid_stop(&outside);
	kid_stop(&holder);

	for (i = 0; i <= MAX_DEPTH; i++)
		ids[i] = test_id(30 + i);
	actor = fork();
	if (actor == 0)
		_exit(descend(deep, 0, MAX_DEPTH + 1, ids));
	waitpid(actor, &st, 0);
	ASSERT_EQ(EMLINK, WEXITSTATUS(st));

	auditd_collect(&self->d, 800);
	/* No valid ID: unset, the only placeholder; no session on failure. */
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", sh->tids[0]), " contid=unset ", " old-contid=unset ",
		" contsession=unset ", " res=0", NULL })) TH_LOG("EINVAL");
	/*
	 * EPERM, the writer's own process (the target is the writer): the ID
	 * alone, although the writer is in test_id(20) and the requested chain
	 * would be test_id(20)/ID.
	 */
	op = find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", w.pid), " res=0", NULL });
	EXPECT_NE(NULL, op) TH_LOG("EPERM");
	if (op) {
		EXPECT_STREQ(uuid_of(test_id(10)), value_of(op, "contid", v));
		/* A refusal reports set or nest by the writer's level: 1. */
		EXPECT_EQ(0, strncmp(body_of(op), "op=nest ", 8)) TH_LOG("%s", body_of(op));
		EXPECT_STREQ("unset", value_of(op, "contsession", v));
	}
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", sh->tids[1]), FIELD("contid=%s ", uuid_of(test_id(11))),
		" res=0", NULL })) TH_LOG("ESRCH");
	fmt_uuid(test_id(12), old);
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", sh->tids[0]), FIELD("contid=%s ", uuid_of(test_id(13))),
		FIELD("old-contid=%s ", old), " res=0", NULL })) TH_LOG("EALREADY");
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", sh->tids[2]), FIELD("contid=%s ", uuid_of(test_id(14))),
		" res=0", NULL })) TH_LOG("EBUSY");
	chain[0] = 0;
	chain_add(chain, test_id(20));
	chain_add(chain, test_id(21));
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=nest ", FIELD("opid=%d ", sh->pid), FIELD("contid=%s ", chain),
		"old-contid=unset ", " res=0", NULL })) TH_LOG("EXDEV");
	chain[0] = 0;
	chain_add(chain, test_id(20));
	snprintf(old, sizeof(old), "%s", chain);
	chain_add(chain, test_id(22));
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", sh->tids[3]), FIELD("contid=%s ", chain),
		FIELD("old-contid=%s ", old), " res=0", NULL })) TH_LOG("EEXIST");
	chain[0] = 0;
	for (i = 0; i <= MAX_DEPTH; i++)
		chain_add(chain, ids[i]);
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=nest ", FIELD("contid=%s ", chain), " res=0", NULL })) TH_LOG("EMLINK");
	/* Every refusal: no session, in the grammar of every record. */
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		" res=0", NULL }) - count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		" contsession=unset ", " res=0", NULL }));
	EXPECT_EQ(0, grammar_errors(&self->d));
}

/* A child writes test_id(3) to @target's file, without CAP_AUDIT_CONTROL if @drop. */
static pid_t capability_write(pid_t target, bool drop, int *err)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (drop && drop_audit_control())
			_exit(100);
		_exit(set_contid(target, test_id(3)));
	}
	*err = waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : 255;
	return pid;
}

/*
 * How many CONTAINER_OP records task @pid wrote: those in the events of its
 * SYSCALL records, and those standing alone that name it as their subject.
 */
static int ops_by(struct auditd *d, pid_t pid)
{
	const struct record *r, *sys;
	char who[32];
	int i, n = 0;

	snprintf(who, sizeof(who), " pid=%d ", pid);
	records_complete(d);
	for (i = 0; i < d->n; i++) {
		r = &d->rec[i];
		if (r->type != AUDIT_CONTAINER_OP)
			continue;
		sys = in_event(d, AUDIT_SYSCALL, r->serial);
		n += !!strstr(sys ? sys->text : r->text, who);
	}
	return n;
}

TEST_F(audit, attempt_without_capability_is_not_logged)
{
	pid_t without, with;
	struct kid k;
	int err;

	kid_start(&k);
	without = capability_write(k.pid, true, &err);
	ASSERT_EQ(EPERM, err);
	/* Control: the same write by the same kind of child, with the capability. */
	with = capability_write(k.pid, false, &err);
	ASSERT_EQ(0, err);
	collect_all(&self->d);
	/* The control's record, found as the refused one would be: by writer or target. */
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=set ", FIELD("opid=%d ", k.pid), " res=1", NULL }));
	EXPECT_EQ(1, ops_by(&self->d, with));
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", k.pid), NULL }));
	/* Nothing from the writer without the capability. */
	EXPECT_EQ(0, ops_by(&self->d, without));
	EXPECT_EQ(0, grammar_errors(&self->d));
	kid_stop(&k);
}

TEST_F(audit, destroy_is_logged_exactly_once)
{
	unsigned long long x = test_id(4);
	char want[CHAIN_MAX + 32];
	struct record *op;
	struct kid k;

	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, x));
	auditd_collect(&self->d, 200);
	sprintf(want, "op=destroy contid=%s res=1", uuid_of(x));
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ want, NULL }));
	kid_stop(&k);
	/* The listing flushes pending destroy records. */
	EXPECT_EQ(0, debugfs_lookup("none", NULL, NULL));
	auditd_collect(&self->d, 800);
	op = find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ want, NULL });
	ASSERT_NE(NULL, op);
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ want, NULL }));
	/* The whole record, an event of its own. */
	EXPECT_STREQ(want, body_of(op));
	EXPECT_EQ(0, event_index(&self->d, AUDIT_CONTAINER_OP, op->serial));
	EXPECT_EQ(NULL, in_event(&self->d, AUDIT_SYSCALL, op->serial));
	EXPECT_EQ(0, grammar_errors(&self->d));
}

/* In a two-level container: a getppid() and a user message. */
static int contained_actions(void *arg)
{
	struct {
		struct nlmsghdr h;
		char text[64];
	} msg = {};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;

	(void)arg;
	syscall(__NR_getppid);
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
	if (fd < 0)
		return 1;
	snprintf(msg.text, sizeof(msg.text), "contid-selftest-%d", getpid());
	msg.h.nlmsg_len = NLMSG_LENGTH(strlen(msg.text) + 1);
	msg.h.nlmsg_type = AUDIT_USER;
	msg.h.nlmsg_flags = NLM_F_REQUEST;
	if (sendto(fd, &msg, msg.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 2;
	close(fd);
	return 0;
}

static int nest_actor(void *arg)
{
	unsigned long long *ids = arg;
	struct agent t;

	agent_start(&t, contained_actions, NULL);
	if (set_contid(t.pid, ids[1]))
		return 50;
	ids[2] = t.pid;
	ids[3] = session_of(t.pid, 0);
	return agent_finish(&t);
}

TEST_F(audit, contained_syscall_and_user_message_carry_container_id)
{
	unsigned long long *ids = (void *)shared_new();
	struct record *sys, *cid, *user;
	char want[CHAIN_MAX + 48];
	struct agent w;

	ids[0] = test_id(0);
	ids[1] = test_id(1);
	agent_start(&w, nest_actor, ids);
	ASSERT_EQ(0, set_contid(w.pid, ids[0]));
	ASSERT_EQ(0, agent_finish(&w));
	auditd_collect(&self->d, 500);
	chain[0] = 0;
	chain_add(chain, ids[0]);
	chain_add(chain, ids[1]);
	/* The chain and the session /proc showed for the task. */
	snprintf(want, sizeof(want), "contid=%s contsession=%llu", chain, ids[3]);

	sys = find(&self->d, AUDIT_SYSCALL, (const char *const[]){
		"syscall=110 ", FIELD(" pid=%d ", (pid_t)ids[2]), NULL });
	ASSERT_NE(NULL, sys) TH_LOG("no getppid SYSCALL record among %d", self->d.n);
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, sys->serial);
	ASSERT_NE(NULL, cid);
	EXPECT_STREQ(want, body_of(cid));
	/*
	 * Documentation/admin-guide/audit-containerid.rst: right after the
	 * SYSCALL record, so before the PROCTITLE record at which audit
	 * userspace ends the event.
	 */
	EXPECT_EQ(0, event_index(&self->d, AUDIT_SYSCALL, sys->serial));
	EXPECT_EQ(1, event_index(&self->d, AUDIT_CONTAINER_ID, sys->serial));
	EXPECT_LT(1, event_index(&self->d, AUDIT_PROCTITLE, sys->serial));

	user = find(&self->d, AUDIT_USER, (const char *const[]){
		FIELD("contid-selftest-%d", (pid_t)ids[2]), NULL });
	ASSERT_NE(NULL, user);
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, user->serial);
	ASSERT_NE(NULL, cid) TH_LOG("user message serial %u", user->serial);
	EXPECT_STREQ(want, body_of(cid));
	/*
	 * Just before the user message, which audit userspace takes as the end
	 * of its event; and the message no longer pulls in a SYSCALL record for
	 * the syscall that sent it (no rule asks for sendto).
	 */
	EXPECT_EQ(0, event_index(&self->d, AUDIT_CONTAINER_ID, user->serial));
	EXPECT_EQ(1, event_index(&self->d, AUDIT_USER, user->serial));
	EXPECT_EQ(NULL, in_event(&self->d, AUDIT_SYSCALL, user->serial));
	EXPECT_EQ(0, grammar_errors(&self->d));
}

static int send_signal(void *arg)
{
	pid_t *target = arg;

	return kill(*target, SIGCONT) ? errno : 0;
}

TEST_F(audit, signal_target_in_a_container_gets_its_container_id)
{
	struct record *sys, *obj, *cid;
	unsigned long long session;
	char want[CHAIN_MAX + 64];
	struct kid k;

	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, test_id(5)));
	session = session_of(k.pid, 0);
	ASSERT_EQ(0, in_child(send_signal, &k.pid));
	auditd_collect(&self->d, 500);
	obj = find(&self->d, AUDIT_OBJ_PID, (const char *const[]){
		FIELD("opid=%d ", k.pid), NULL });
	ASSERT_NE(NULL, obj) TH_LOG("no OBJ_PID among %d", self->d.n);
	sys = in_event(&self->d, AUDIT_SYSCALL, obj->serial);
	ASSERT_NE(NULL, sys);
	EXPECT_NE(NULL, strstr(sys->text, "syscall=62 "));
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, obj->serial);
	ASSERT_NE(NULL, cid);
	sprintf(want, "opid=%d contid=%s contsession=%llu", k.pid, uuid_of(test_id(5)), session);
	EXPECT_STREQ(want, body_of(cid));
	/* Right after its OBJ_PID record (the sender is in no container). */
	EXPECT_EQ(event_index(&self->d, AUDIT_OBJ_PID, obj->serial) + 1,
		  event_index(&self->d, AUDIT_CONTAINER_ID, obj->serial));
	EXPECT_EQ(0, grammar_errors(&self->d));
	kid_stop(&k);
}

static int plain_getppid(void *arg)
{
	(void)arg;
	syscall(__NR_getppid);
	return 0;
}

TEST_F(audit, task_outside_containers_gets_no_container_id)
{
	struct record *sys, *cid;
	struct agent inside;
	pid_t actor;
	int st;

	actor = fork();
	if (actor == 0)
		_exit(plain_getppid(NULL));
	waitpid(actor, &st, 0);
	/* Positive control: the very same action inside a container. */
	agent_start(&inside, plain_getppid, NULL);
	ASSERT_EQ(0, set_contid(inside.pid, test_id(6)));
	ASSERT_EQ(0, agent_finish(&inside));
	auditd_collect(&self->d, 500);

	sys = find(&self->d, AUDIT_SYSCALL, (const char *const[]){
		"syscall=110 ", FIELD(" pid=%d ", actor), NULL });
	ASSERT_NE(NULL, sys);
	EXPECT_EQ(NULL, in_event(&self->d, AUDIT_CONTAINER_ID, sys->serial));

	sys = find(&self->d, AUDIT_SYSCALL, (const char *const[]){
		"syscall=110 ", FIELD(" pid=%d ", inside.pid), NULL });
	ASSERT_NE(NULL, sys);
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, sys->serial);
	ASSERT_NE(NULL, cid);
	EXPECT_NE(NULL, strstr(cid->text, FIELD("): contid=%s contsession=",
						uuid_of(test_id(6)))));
}

static int storm_of_records(void *arg)
{
	int i, err;

	(void)arg;
	for (i = 0; i < 200; i++) {
		struct kid k;

		kid_start(&k);
		/* A full backlog drops records, never registrations. */
		err = set_contid(k.pid, test_id(100 + i));
		syscall(__NR_getppid);
		kid_stop(&k);
		if (err) {
			fprintf(stderr, "# registration %d: %s\n", i, strerror(err));
			return 1;
		}
	}
	return 0;
}

/* How many CONTAINER_OP records say that container @id ended; dies on a lost record. */
static int destroys_of(struct auditd *d, unsigned long long id)
{
	char want[CHAIN_MAX + 32];

	snprintf(want, sizeof(want), "op=destroy contid=%s res=1", uuid_of(id));
	return count(d, AUDIT_CONTAINER_OP, (const char *const[]){ want, NULL });
}

TEST_F(audit, small_backlog_under_pressure_stays_quiet)
{
	unsigned int before, during, after;
	int i, twice = 0;
	struct kid k;

	/*
	 * Nobody reads while 200 registrations, exits and syscalls log; with
	 * no wait time, records past the limit are dropped and counted.
	 */
	before = kernel_lost();
	ASSERT_EQ(0, audit_set_backlog(self->d.fd, 2, 0));
	ASSERT_EQ(0, in_child(storm_of_records, NULL));
	/* The storm's containers are all gone: the listing flushes their ends. */
	EXPECT_EQ(0, debugfs_lookup(uuid_of(test_id(299)), NULL, NULL));
	auditd_collect(&self->d, 300);
	during = kernel_lost();
	/* The backlog was full, or this test tested nothing: records were dropped, and counted. */
	EXPECT_LT(before, during);
	/*
	 * Our socket may have overrun too (the kernel retried or counted each
	 * record it could not hand us), so the storm's log is incomplete:
	 * absences cannot be read from it, but no container may have ended
	 * twice.
	 */
	TH_LOG("%u records lost under pressure; our socket overran %d times",
	       during - before, self->d.lost);
	self->d.lost = 0;
	ASSERT_EQ(0, audit_set_backlog(self->d.fd, self->d.saved.backlog_limit,
				       self->d.saved.backlog_wait_time));
	collect_all(&self->d);
	for (i = 0; i < 200; i++)
		twice += destroys_of(&self->d, test_id(100 + i)) > 1;
	EXPECT_EQ(0, twice);

	/*
	 * Quiet again once there is room: a registration and its container's
	 * end are logged, each once, and nothing more is lost.
	 */
	auditd_forget(&self->d);
	before = kernel_lost();
	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, test_id(1)));
	kid_stop(&k);
	EXPECT_EQ(0, debugfs_lookup(uuid_of(test_id(1)), NULL, NULL));
	collect_all(&self->d);
	after = kernel_lost();
	EXPECT_EQ(before, after);
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=set ", FIELD("opid=%d ", k.pid), FIELD("contid=%s ", uuid_of(test_id(1))),
		" res=1", NULL }));
	EXPECT_EQ(1, destroys_of(&self->d, test_id(1)));
}

/* ---- a full backlog: nothing of ours waits for it ---- */

/*
 * kauditd never blocks by itself: a daemon that stops reading only makes it
 * move records to its retry queue or drop them, so the backlog is full only
 * for moments. To keep it full, kauditd is starved: pinned to CPU 1, where a
 * SCHED_FIFO task spins (the fair server, which would lend CFS tasks 5% of
 * CPU 1, off), while the test and every task of ours run on CPU 0 and every
 * kernel thread that may move, and the unbound workqueues, are kept off CPU 1.
 * All of it is put back by pressure_end(), also from the teardown; the
 * spinning task stops by itself after HOG_SECONDS (RCU stall warnings come
 * after 21 s) and dies with the test.
 */
#define HOG_SECONDS 12
#define FAIR_SERVER DEBUGFS_DIR "/sched/fair_server/cpu1/runtime"
#define WQ_CPUMASK "/sys/devices/virtual/workqueue/cpumask"
#define MAX_MOVED 512

static struct pressure {
	pid_t hog;
	int *hog_state;		/* shared: 1 spinning, 2 told to stop */
	pid_t kauditd;
	cpu_set_t kauditd_mask;
	char fair[32];		/* the fair server's runtime before, "" if unchanged */
	char wq[64];		/* the unbound workqueues' cpumask before, "" if unchanged */
	int nmoved;
	pid_t moved[MAX_MOVED];
	cpu_set_t moved_mask[MAX_MOVED];
} press;

static int file_get(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? errno : EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int file_put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : n < 0 ? errno : EIO;
}

/* Task @pid's name and parent, from /proc/PID/stat; false if it is gone. */
static bool task_stat(pid_t pid, char *comm, size_t size, pid_t *ppid)
{
	char path[64], text[512], *open_paren, *close_paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (file_get(path, text, sizeof(text)))
		return false;
	open_paren = strchr(text, '(');
	close_paren = strrchr(text, ')');
	if (!open_paren || !close_paren || close_paren < open_paren ||
	    sscanf(close_paren + 1, " %*c %d", ppid) != 1)
		return false;
	snprintf(comm, size, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	return true;
}

/* Calls @fn on every kernel thread (a child of kthreadd, pid 2). */
static void each_kthread(void (*fn)(pid_t pid, const char *comm))
{
	struct dirent *e;
	char comm[64];
	pid_t pid, ppid;
	DIR *dir = opendir("/proc");

	if (!dir)
		die("opendir /proc", errno);
	while ((e = readdir(dir))) {
		pid = atoi(e->d_name);
		if (pid > 0 && task_stat(pid, comm, sizeof(comm), &ppid) && ppid == 2)
			fn(pid, comm);
	}
	closedir(dir);
}

static void find_kauditd(pid_t pid, const char *comm)
{
	if (!strcmp(comm, "kauditd"))
		press.kauditd = pid;
}

/* Keeps kernel thread @pid off CPU 1, if it may be moved; remembers where it was. */
static void evacuate(pid_t pid, const char *comm)
{
	cpu_set_t mask, off;

	(void)comm;
	if (pid == press.kauditd || press.nmoved == MAX_MOVED ||
	    sched_getaffinity(pid, sizeof(mask), &mask) || !CPU_ISSET(0, &mask) ||
	    !CPU_ISSET(1, &mask))
		return;
	off = mask;
	CPU_CLR(1, &off);
	/* Per-CPU threads refuse (EINVAL): they stay. */
	if (sched_setaffinity(pid, sizeof(off), &off))
		return;
	press.moved[press.nmoved] = pid;
	press.moved_mask[press.nmoved++] = mask;
}

static void pin(pid_t pid, int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(pid, sizeof(one), &one))
		die("sched_setaffinity", errno);
}

/* Puts everything pressure_start() changed back; does nothing the second time. */
static void pressure_end(void)
{
	int i;

	if (press.hog > 0) {
		STORE(*press.hog_state, 2);
		waitpid(press.hog, NULL, 0);
		press.hog = 0;
	}
	if (press.fair[0])
		file_put(FAIR_SERVER, press.fair);
	press.fair[0] = '\0';
	if (press.wq[0])
		file_put(WQ_CPUMASK, press.wq);
	press.wq[0] = '\0';
	for (i = 0; i < press.nmoved; i++)
		sched_setaffinity(press.moved[i], sizeof(cpu_set_t), &press.moved_mask[i]);
	press.nmoved = 0;
	if (press.kauditd > 0)
		sched_setaffinity(press.kauditd, sizeof(cpu_set_t), &press.kauditd_mask);
	press.kauditd = 0;
}

/*
 * Starves kauditd (see above); the caller already runs on CPU 0 only. NULL,
 * or what went wrong.
 */
static const char *pressure_start(void)
{
	struct sched_param prio = { .sched_priority = 1 };
	pid_t parent = getpid();
	double end;

	each_kthread(find_kauditd);
	if (!press.kauditd)
		return "no kauditd thread";
	if (sched_getaffinity(press.kauditd, sizeof(cpu_set_t), &press.kauditd_mask))
		return "reading kauditd's CPU affinity";
	pin(press.kauditd, 1);
	each_kthread(evacuate);
	if (!file_get(WQ_CPUMASK, press.wq, sizeof(press.wq)) && file_put(WQ_CPUMASK, "1"))
		press.wq[0] = '\0';
	/* No fair server (an older kernel): nothing to turn off. */
	if (!file_get(FAIR_SERVER, press.fair, sizeof(press.fair)) && file_put(FAIR_SERVER, "0")) {
		press.fair[0] = '\0';
		return "turning CPU 1's fair server off";
	}
	press.hog_state = (int *)shared_new();
	press.hog = fork();
	if (press.hog < 0)
		return "fork";
	if (press.hog == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		pin(0, 1);
		if (sched_setscheduler(0, SCHED_FIFO, &prio))
			_exit(2);
		STORE(*press.hog_state, 1);
		end = now() + HOG_SECONDS;
		while (LOAD(*press.hog_state) == 1 && now() < end)
			;
		_exit(0);
	}
	end = now() + 10;
	while (!LOAD(*press.hog_state) && now() < end)
		usleep(1000);
	return LOAD(*press.hog_state) ? NULL : "the spinning task did not start";
}

#define FULL_KIDS 12
#define FULL_LIMIT 8
/* The backlog wait time, in jiffies: 1 s at the test kernel's HZ (250). */
#define FULL_WAIT 250
#define FULL_CLONES 3

struct clones {
	double slowest;
	int err;
};

/* In a container: FULL_CLONES clone(CLONE_NEWUTS), each timed. */
static int clone_new_uts(void *arg)
{
	struct clones *c = arg;
	double t0, dt;
	pid_t pid;
	int i;

	for (i = 0; i < FULL_CLONES; i++) {
		t0 = now();
		pid = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, NULL, NULL, 0);
		if (pid == 0)
			_exit(0);
		dt = now() - t0;
		if (pid < 0)
			return c->err = errno;
		if (dt > c->slowest)
			c->slowest = dt;
		waitpid(pid, NULL, 0);
	}
	return 0;
}

/*
 * The contract: a container's end (op=destroy) never waits for the backlog,
 * it is counted lost if it cannot be queued; a registration of an ID whose
 * previous holder is dying waits at most one RCU grace period for the reaper,
 * then fails with EBUSY; clone() never waits for audit. So with the backlog
 * full, and every writer that logs waiting FULL_WAIT jiffies for room: dead
 * containers are gone from the listing at once, their ends counted lost; a
 * contained task's clone(CLONE_NEWUTS) (no rule selects it) and a
 * re-registration of a just-ended ID return at once; and nothing dead stays
 * listed once the daemon reads again.
 */
TEST_F_TIMEOUT(audit, full_backlog_delays_no_container_end_nor_clone, 120)
{
	struct clones *cl = (void *)shared_new();
	char chains[FULL_KIDS][CHAIN_MAX];
	double unit, t0, t_dead, t_reg, t_gone;
	unsigned int lost0, lost1;
	struct audit_status st;
	struct kid k[FULL_KIDS], again;
	struct agent cloner;
	cpu_set_t mask;
	const char *why;
	int i, err, listed;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(mask), &mask));
	if (!CPU_ISSET(0, &mask) || !CPU_ISSET(1, &mask))
		SKIP(return, "needs CPUs 0 and 1");
	pin(0, 0);
	debugfs_lookup("none", NULL, NULL);	/* mounts debugfs */
	for (i = 0; i < FULL_KIDS; i++) {
		kid_start(&k[i]);
		chains[i][0] = '\0';
		chain_add(chains[i], test_id(40 + i));
	}
	agent_start(&cloner, clone_new_uts, cl);
	ASSERT_EQ(0, set_contid(cloner.pid, test_id(39)));
	collect_all(&self->d);
	auditd_forget(&self->d);
	lost0 = kernel_lost();

	ASSERT_EQ(0, audit_set_backlog(self->d.fd, FULL_LIMIT, FULL_WAIT));
	why = pressure_start();
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
	/*
	 * We are the daemon: our own records never wait, never drop. Each
	 * registration logs one at least; nothing takes them off the queue.
	 */
	for (i = 0; i < FULL_KIDS; i++)
		ASSERT_EQ(0, set_contid(k[i].pid, test_id(40 + i)));
	/*
	 * The backlog is full: the queue is longer than the limit, and a
	 * request to the kernel waits the wait time for room after it is
	 * answered (audit_receive()). That wait is our unit of time.
	 */
	t0 = now();
	st = kernel_status();
	unit = now() - t0;
	TH_LOG("backlog %u (limit %u); a request waited %.3f s for %u jiffies (HZ %.0f)",
	       st.backlog, st.backlog_limit, unit, FULL_WAIT, FULL_WAIT / unit);
	ASSERT_LT((unsigned int)FULL_LIMIT, st.backlog);
	ASSERT_LE(0.1, unit);

	/* A contained task's clone(CLONE_NEWUTS) never waits. */
	ASSERT_EQ(0, agent_finish(&cloner));
	TH_LOG("slowest of %d clone(CLONE_NEWUTS) in a container: %.3f s", FULL_CLONES,
	       cl->slowest);
	EXPECT_GT(unit / 4, cl->slowest) TH_LOG("a clone took %.3f s", cl->slowest);

	/* The containers end; one's ID is registered again at once. */
	kid_start(&again);
	for (i = 0; i < FULL_KIDS; i++) {
		kill(k[i].pid, SIGKILL);
		waitpid(k[i].pid, NULL, 0);
		close(k[i].release);
	}
	t_dead = now();
	err = set_contid(again.pid, test_id(40 + FULL_KIDS - 1));
	t_reg = now() - t_dead;
	EXPECT_TRUE(err == 0 || err == EBUSY) TH_LOG("errno %d", err);
	EXPECT_GT(unit / 2, t_reg) TH_LOG("the registration took %.3f s", t_reg);
	/* Every ended container is gone from the listing well before one wait each. */
	listed = 0;
	for (i = 0; i < FULL_KIDS - 1; i++)
		listed += debugfs_lookup(chains[i], NULL, NULL);
	t_gone = now() - t_dead;
	TH_LOG("re-registration: errno %d after %.3f s; %d ends left the listing in %.3f s",
	       err, t_reg, FULL_KIDS, t_gone);
	EXPECT_EQ(0, listed);
	EXPECT_GT(2 * unit, t_gone) TH_LOG("%d ends took %.3f s to leave the listing",
					   FULL_KIDS, t_gone);
	/* Their ends were counted lost, not waited for. */
	lost1 = kernel_lost();
	TH_LOG("%u records lost while the backlog was full", lost1 - lost0);
	EXPECT_LE((unsigned int)FULL_KIDS, lost1 - lost0);

	pressure_end();
	ASSERT_EQ(0, audit_set_backlog(self->d.fd, self->d.saved.backlog_limit,
				       self->d.saved.backlog_wait_time));
	/*
	 * The daemon reads again: our socket overran meanwhile, so what came is
	 * incomplete (not searched); what follows is not.
	 */
	auditd_collect(&self->d, 300);
	auditd_forget(&self->d);
	collect_all(&self->d);
	for (i = 0; i < FULL_KIDS - 1; i++)
		EXPECT_EQ(0, debugfs_lookup(chains[i], NULL, NULL)) TH_LOG("%s", chains[i]);
	EXPECT_EQ(!err, debugfs_lookup(chains[FULL_KIDS - 1], NULL, NULL));
	kid_stop(&again);
	EXPECT_EQ(0, debugfs_lookup(chains[FULL_KIDS - 1], NULL, NULL));
	EXPECT_EQ(0, debugfs_lookup(uuid_of(test_id(39)), NULL, NULL));
}

/* ---- an ID reused at once ---- */

#define REUSE_ROUNDS 200
/* EBUSY answers to one registration before the test gives up. */
#define REUSE_TRIES 1000

struct reuse {
	unsigned long long id;
	int busy;	/* EBUSY answers, each logged as a refusal */
};

/*
 * REUSE_ROUNDS times: registers a task with ID r->id, then kills and reaps it
 * (the end of its container) and at once registers the next task, forked
 * beforehand, with the same ID, again while the answer is EBUSY (the old
 * container not reaped yet). Never reads the listing, which would wait for
 * the reaper.
 */
static int register_kill_reregister(void *arg)
{
	struct reuse *r = arg;
	struct kid k, next = {};
	int i, tries, err;

	kid_start(&k);
	for (i = 0; i < REUSE_ROUNDS; i++) {
		tries = 0;
		while ((err = set_contid(k.pid, r->id)) == EBUSY && ++tries < REUSE_TRIES)
			STORE(r->busy, LOAD(r->busy) + 1);
		if (i + 1 < REUSE_ROUNDS)
			kid_start(&next);
		kill(k.pid, SIGKILL);
		waitpid(k.pid, NULL, 0);
		close(k.release);
		if (err) {
			fprintf(stderr, "# round %d: %s after %d tries\n", i, strerror(err), tries);
			if (i + 1 < REUSE_ROUNDS)
				kid_stop(&next);
			return 1;
		}
		k = next;
	}
	return 0;
}

/*
 * The contract: a registration of an ID whose previous holder is dying waits
 * at most one RCU grace period for the reaper, then fails with EBUSY; the
 * reaper logs the end (or counts it lost) before it lets the ID go. So a
 * registration that succeeds comes after its ID's previous end.
 */
TEST_F_TIMEOUT(audit, reused_id_is_set_only_after_its_old_container_end_is_logged, 300)
{
	struct reuse *ru = (void *)shared_new();
	int sets = 0, ends = 0, refused = 0, other = 0, late = 0, first_late = -1;
	int rcvbuf = 16 << 20;
	char needle[64];
	unsigned int lost0, lost;
	struct record *r;
	double end;
	pid_t child;
	int i, st;

	*ru = (struct reuse){ .id = test_id(8) };
	snprintf(needle, sizeof(needle), " contid=%s ", uuid_of(ru->id));
	/* Room for every record, read while they are logged: none lost on our side. */
	ASSERT_EQ(0, setsockopt(self->d.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));
	lost0 = kernel_lost();
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(register_kill_reregister(ru));
	while (waitpid(child, &st, WNOHANG) == 0)
		auditd_collect(&self->d, 50);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(0, WEXITSTATUS(st));
	/*
	 * The last registration's record: every record logged before it (each
	 * earlier container's end) is in once it is.
	 */
	end = now() + 60;
	while (count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ needle, "op=set ",
		     " res=1", NULL }) < REUSE_ROUNDS && now() < end)
		auditd_collect(&self->d, 100);
	lost = kernel_lost() - lost0;

	/* In receive order: before the k-th set, the k containers before it ended. */
	records_complete(&self->d);
	for (i = 0; i < self->d.n; i++) {
		r = &self->d.rec[i];
		if (r->type != AUDIT_CONTAINER_OP || !strstr(r->text, needle))
			continue;
		if (!strncmp(body_of(r), "op=destroy ", 11)) {
			ends++;
			continue;
		}
		/* An EBUSY answer: a refused new container, no session. */
		if (!strncmp(body_of(r), "op=set ", 7) && strstr(r->text, " res=0") &&
		    strstr(r->text, " old-contid=unset ") &&
		    strstr(r->text, " contsession=unset ")) {
			refused++;
			continue;
		}
		if (strncmp(body_of(r), "op=set ", 7) || !strstr(r->text, " res=1") ||
		    !strstr(r->text, " old-contid=unset ")) {
			other++;
			TH_LOG("not a new container: %s", body_of(r));
			continue;
		}
		/* An end missing here is allowed only as a record the kernel lost. */
		if (sets - ends > (int)lost && first_late < 0)
			first_late = sets;
		late += sets - ends > (int)lost;
		/* And no container ends twice. */
		EXPECT_LE(ends, sets) TH_LOG("%d ends before set %d", ends, sets);
		sets++;
	}
	TH_LOG("%d sets, %d ends, %d EBUSY; %u records lost by the kernel", sets, ends,
	       LOAD(ru->busy), lost);
	EXPECT_EQ(REUSE_ROUNDS, sets);
	EXPECT_EQ(0, other);
	/* Every EBUSY answer logged once (or lost). */
	EXPECT_LE(refused, LOAD(ru->busy));
	EXPECT_LE(LOAD(ru->busy), refused + (int)lost);
	EXPECT_EQ(0, late) TH_LOG("registration %d came before the previous container's end",
				  first_late);
	/* Every container but the last has ended, each logged once (or lost). */
	EXPECT_LE(ends, REUSE_ROUNDS);
	EXPECT_LE(REUSE_ROUNDS - 1, ends + (int)lost);
	EXPECT_EQ(0, grammar_errors(&self->d));
}

/* Runs /bin/true. */
static int exec_true(void *arg)
{
	(void)arg;
	execl("/bin/true", "true", (char *)NULL);
	return 100;
}

/*
 * Documentation/admin-guide/audit-containerid.rst: in every syscall event
 * whose subject is in a container, the CONTAINER_ID record comes right after
 * the SYSCALL record; for execve that is before EXECVE, CWD, PATH and
 * PROCTITLE.
 */
TEST_F(audit, execve_of_contained_task_has_container_id_right_after_syscall)
{
	static const int after[] = { AUDIT_EXECVE, AUDIT_CWD, AUDIT_PATH, AUDIT_PROCTITLE };
	struct record *sys, *cid;
	unsigned long long session;
	char want[CHAIN_MAX + 48];
	struct agent w;
	unsigned int i;
	int n = 0, k;

	ASSERT_EQ(0, auditd_add_rule(&self->d, __NR_execve));
	agent_start(&w, exec_true, NULL);
	ASSERT_EQ(0, set_contid(w.pid, test_id(7)));
	session = session_of(w.pid, 0);
	ASSERT_EQ(0, agent_finish(&w));
	collect_all(&self->d);

	sys = find(&self->d, AUDIT_SYSCALL, (const char *const[]){
		FIELD("syscall=%d ", __NR_execve), "success=yes ", FIELD(" pid=%d ", w.pid),
		NULL });
	ASSERT_NE(NULL, sys) TH_LOG("no execve SYSCALL record among %d", self->d.n);
	EXPECT_EQ(0, event_index(&self->d, AUDIT_SYSCALL, sys->serial));
	EXPECT_EQ(1, event_index(&self->d, AUDIT_CONTAINER_ID, sys->serial));
	for (k = 0; k < self->d.n; k++)
		n += self->d.rec[k].serial == sys->serial &&
		     self->d.rec[k].type == AUDIT_CONTAINER_ID;
	EXPECT_EQ(1, n);
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, sys->serial);
	ASSERT_NE(NULL, cid);
	snprintf(want, sizeof(want), "contid=%s contsession=%llu", uuid_of(test_id(7)), session);
	EXPECT_STREQ(want, body_of(cid));
	/* Each of the others is in the event, after it. */
	for (i = 0; i < ARRAY_SIZE(after); i++)
		EXPECT_LT(1, event_index(&self->d, after[i], sys->serial))
			TH_LOG("record type %d", after[i]);
	EXPECT_EQ(0, grammar_errors(&self->d));
}

/* ---- a nested join: A/B created, then joined, from a writer in A ---- */

struct join {
	unsigned long long a, b;
	pid_t k[2];	/* the two tasks in A/B */
	int err[2];
	int ready, go, release;
};

static int idle_until_released(struct join *j)
{
	while (!LOAD(j->release))
		usleep(1000);
	return 0;
}

/* In A: registers a child as A/B (nest), then another into A/B (join). */
static int writer_in_a_nests_then_joins(void *arg)
{
	struct join *j = arg;
	int i;

	for (i = 0; i < 2; i++) {
		pid_t c = fork();

		if (c < 0)
			return 100;
		if (c == 0)
			_exit(idle_until_released(j));
		STORE(j->k[i], c);
		STORE(j->err[i], set_refused(c, j->b));
	}
	STORE(j->ready, 1);
	while (!LOAD(j->go))
		usleep(1000);
	/* Exits, leaving A with no task of its own; our subreaper adopts them. */
	return 0;
}

/* Index of the one CONTAINER_OP record with @needle; -1 if none, -2 if more. */
static int only_record(struct auditd *d, const char *needle)
{
	int i, at = -1;

	records_complete(d);
	for (i = 0; i < d->n; i++) {
		if (!matches(&d->rec[i], AUDIT_CONTAINER_OP, (const char *const[]){ needle, NULL }))
			continue;
		if (at >= 0)
			return -2;
		at = i;
	}
	return at;
}

TEST_F(audit, nested_join_keeps_parent_live_and_ends_innermost_first)
{
	struct join *j = (void *)shared_new();
	char a[CHAIN_MAX] = "", ab[CHAIN_MAX] = "", abn[CHAIN_MAX + 1];
	char end_a[CHAIN_MAX + 32], end_ab[CHAIN_MAX + 32];
	int tasks = -1, children = -1, at_a, at_ab, i;
	unsigned long long other = test_id(2);
	struct agent w, elsewhere;
	struct kid again;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	*j = (struct join){ .a = test_id(0), .b = test_id(1) };
	chain_add(a, j->a);
	chain_add(ab, j->a);
	chain_add(ab, j->b);
	sprintf(abn, "%s\n", ab);
	sprintf(end_a, "op=destroy contid=%s res=1", a);
	sprintf(end_ab, "op=destroy contid=%s res=1", ab);

	agent_start(&w, writer_in_a_nests_then_joins, j);
	ASSERT_EQ(0, set_contid(w.pid, j->a));
	ASSERT_EQ(1, write(w.go, "g", 1));
	ASSERT_TRUE(wait_for(&j->ready, 30));
	ASSERT_EQ(0, LOAD(j->err[0]));
	ASSERT_EQ(0, LOAD(j->err[1]));
	for (i = 0; i < 2; i++)
		EXPECT_STREQ(abn, contid_of(j->k[i], 0, chain));
	EXPECT_NE(session_of(j->k[0], 0), session_of(j->k[1], 0));
	/* The writer is A's only task; A/B has both. */
	ASSERT_EQ(1, debugfs_lookup(a, &tasks, &children));
	EXPECT_EQ(1, tasks);
	EXPECT_EQ(1, children);
	ASSERT_EQ(1, debugfs_lookup(ab, &tasks, &children));
	EXPECT_EQ(2, tasks);
	EXPECT_EQ(0, children);

	/* The writer leaves: A has no task but stays live for A/B. */
	STORE(j->go, 1);
	close(w.go);
	ASSERT_EQ(w.pid, waitpid(w.pid, NULL, 0));
	ASSERT_EQ(1, debugfs_lookup(a, &tasks, &children));
	EXPECT_EQ(0, tasks);
	EXPECT_EQ(1, children);
	ASSERT_EQ(1, debugfs_lookup(ab, &tasks, &children));
	EXPECT_EQ(2, tasks);
	EXPECT_EQ(0, children);
	/* Meanwhile A's ID is live: refused under another parent. */
	agent_start(&elsewhere, nest_existing_id, &j->a);
	ASSERT_EQ(0, set_contid(elsewhere.pid, other));
	EXPECT_EQ(EEXIST, agent_finish(&elsewhere));
	auditd_collect(&self->d, 300);
	EXPECT_EQ(-1, only_record(&self->d, end_a));
	EXPECT_EQ(-1, only_record(&self->d, end_ab));

	/* A/B's last tasks go: A/B ends, then A, each logged once. */
	STORE(j->release, 1);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(j->k[i], waitpid(j->k[i], NULL, 0));
	EXPECT_EQ(0, debugfs_lookup(ab, NULL, NULL));
	EXPECT_EQ(0, debugfs_lookup(a, NULL, NULL));
	auditd_collect(&self->d, 800);
	at_ab = only_record(&self->d, end_ab);
	at_a = only_record(&self->d, end_a);
	EXPECT_LE(0, at_ab) TH_LOG("A/B's end: %d (-1 none, -2 several)", at_ab);
	EXPECT_LE(0, at_a) TH_LOG("A's end: %d (-1 none, -2 several)", at_a);
	EXPECT_LT(at_ab, at_a);

	/* Both IDs are free again: B at top level, A under another parent. */
	kid_start(&again);
	EXPECT_EQ(0, set_contid(again.pid, j->b));
	kid_stop(&again);
	agent_start(&elsewhere, nest_existing_id, &j->a);
	ASSERT_EQ(0, set_contid(elsewhere.pid, other));
	EXPECT_EQ(0, agent_finish(&elsewhere));
}

/* An answer to AUDIT_SIGNAL_INFO or AUDIT_SIGNAL_INFO2. */
struct sig_answer {
	struct audit_sig_info2 h;	/* AUDIT_SIGNAL_INFO fills uid and pid */
	char data[RECORD_MAX];
	char contid[CHAIN_MAX];		/* the chain, NUL-terminated */
};

/*
 * Asks who last signalled the audit daemon, as auditd does, on a socket of its
 * own (the daemon socket's records stay queued for auditd_collect()). 0 and
 * @a filled, or a negative errno; dies on a malformed answer.
 */
static int ask_signal_info(int type, struct sig_answer *a)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr req = {
		.nlmsg_len = NLMSG_LENGTH(0),
		.nlmsg_type = type,
		.nlmsg_flags = NLM_F_REQUEST,
	};
	struct {
		struct nlmsghdr h;
		char data[sizeof(struct sig_answer)];
	} rep;
	struct pollfd p;
	size_t len;
	ssize_t n;
	int fd, err = 0;

	memset(a, 0, sizeof(*a));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = -errno;
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (!err) {
		if (poll(&p, 1, 5000) <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		n = recv(fd, &rep, sizeof(rep), 0);
		if (n < 0) {
			err = -errno;
			break;
		}
		if (rep.h.nlmsg_type == NLMSG_ERROR) {
			err = ((struct nlmsgerr *)NLMSG_DATA(&rep.h))->error;
			break;
		}
		if (rep.h.nlmsg_type != type)
			continue;
		len = rep.h.nlmsg_len - NLMSG_LENGTH(0);
		if (type == AUDIT_SIGNAL_INFO) {
			if (len < 8)
				die("AUDIT_SIGNAL_INFO answer shorter than uid and pid", EPROTO);
			memcpy(&a->h, rep.data, 8);
			break;
		}
		if (len < sizeof(a->h))
			die("AUDIT_SIGNAL_INFO2 answer shorter than its header", EPROTO);
		memcpy(&a->h, rep.data, sizeof(a->h));
		/* The lengths account for the whole answer, exactly. */
		if (len != sizeof(a->h) + a->h.ctx_len + a->h.contid_len ||
		    a->h.contid_len >= CHAIN_MAX)
			die("AUDIT_SIGNAL_INFO2 lengths do not add up", EPROTO);
		memcpy(a->data, rep.data + sizeof(a->h), a->h.ctx_len + a->h.contid_len);
		memcpy(a->contid, a->data + a->h.ctx_len, a->h.contid_len);
		a->contid[a->h.contid_len] = 0;
		break;
	}
	close(fd);
	return err;
}

/* The uid the kernel reports for a sender: its loginuid if set, else its uid. */
static unsigned int sender_uid(void)
{
	char buf[32];

	if (!read_proc(getpid(), 0, "loginuid", buf, sizeof(buf)) &&
	    strtoul(buf, NULL, 10) != NO_SESSION)
		return strtoul(buf, NULL, 10);
	return getuid();
}

struct signaller {
	pid_t daemon;		/* who to signal */
	unsigned long long inner;	/* the container to nest the sender in */
	pid_t pid;		/* the sender */
	char chain[CHAIN_MAX];	/* its chain, as procfs showed it */
};

static int signal_daemon(void *arg)
{
	struct signaller *s = arg;

	return kill(s->daemon, SIGUSR1) ? 10 : 0;
}

/* In a container: nests a child in s->inner, which signals the daemon and exits. */
static int nested_signaller(void *arg)
{
	struct signaller *s = arg;
	struct agent t;

	agent_start(&t, signal_daemon, s);
	if (set_contid(t.pid, s->inner))
		return 50;
	s->pid = t.pid;
	contid_of(t.pid, 0, s->chain);
	s->chain[strcspn(s->chain, "\n")] = 0;
	return agent_finish(&t);
}

TEST_F(audit, signal_info2_names_the_container_of_the_sender)
{
	struct signaller *s = shared_zalloc(sizeof(*s));
	char inner[CHAIN_MAX + 32], outer[CHAIN_MAX + 32];
	struct sig_answer a;
	struct agent w;

	ASSERT_NE(SIG_ERR, signal(SIGUSR1, SIG_IGN));
	s->daemon = getpid();
	s->inner = test_id(41);
	agent_start(&w, nested_signaller, s);
	ASSERT_EQ(0, set_contid(w.pid, test_id(40)));
	ASSERT_EQ(0, agent_finish(&w));
	/* Both levels, outermost first, as procfs shows them. */
	ASSERT_EQ((size_t)(2 * 36 + 1), strlen(s->chain));
	snprintf(inner, sizeof(inner), "op=destroy contid=%s res=1", s->chain);
	snprintf(outer, sizeof(outer), "op=destroy contid=%s res=1", uuid_of(test_id(40)));

	/*
	 * The sender is gone and no task is left in either container, but the
	 * kernel holds the sender's until the daemon asks.
	 */
	EXPECT_EQ(0, debugfs_lookup("none", NULL, NULL));
	auditd_collect(&self->d, 300);
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ inner, NULL }));

	ASSERT_EQ(0, ask_signal_info(AUDIT_SIGNAL_INFO2, &a));
	EXPECT_EQ(s->pid, (pid_t)a.h.pid);
	EXPECT_EQ(sender_uid(), a.h.uid);
	EXPECT_STREQ(s->chain, a.contid);

	/* Given once: the reference went with the answer, and both ends follow. */
	ASSERT_EQ(0, ask_signal_info(AUDIT_SIGNAL_INFO2, &a));
	EXPECT_EQ(s->pid, (pid_t)a.h.pid);
	EXPECT_EQ(0u, a.h.contid_len);
	EXPECT_EQ(0, debugfs_lookup("none", NULL, NULL));
	auditd_collect(&self->d, 800);
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ inner, NULL }));
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ outer, NULL }));
	EXPECT_EQ(0, grammar_errors(&self->d));
}

TEST_F(audit, signal_info_releases_the_sender_and_outsiders_have_no_container)
{
	struct signaller *s = shared_zalloc(sizeof(*s));
	char want[CHAIN_MAX + 32];
	struct sig_answer a;
	struct agent w;

	ASSERT_NE(SIG_ERR, signal(SIGUSR1, SIG_IGN));
	s->daemon = getpid();
	agent_start(&w, signal_daemon, s);
	ASSERT_EQ(0, set_contid(w.pid, test_id(42)));
	ASSERT_EQ(0, agent_finish(&w));

	/* Stock auditd's request lets the container go as well. */
	ASSERT_EQ(0, ask_signal_info(AUDIT_SIGNAL_INFO, &a));
	EXPECT_EQ(w.pid, (pid_t)a.h.pid);
	EXPECT_EQ(0, debugfs_lookup("none", NULL, NULL));
	auditd_collect(&self->d, 800);
	snprintf(want, sizeof(want), "op=destroy contid=%s res=1", uuid_of(test_id(42)));
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ want, NULL }));
	ASSERT_EQ(0, ask_signal_info(AUDIT_SIGNAL_INFO2, &a));
	EXPECT_EQ(w.pid, (pid_t)a.h.pid);
	EXPECT_EQ(0u, a.h.contid_len);

	/* A sender in no container. */
	agent_start(&w, signal_daemon, s);
	ASSERT_EQ(0, agent_finish(&w));
	ASSERT_EQ(0, ask_signal_info(AUDIT_SIGNAL_INFO2, &a));
	EXPECT_EQ(w.pid, (pid_t)a.h.pid);
	EXPECT_EQ(0u, a.h.contid_len);

	/* Other signals to the daemon note nothing: the container ends at once. */
	agent_start(&w, send_signal, &s->daemon);
	ASSERT_EQ(0, set_contid(w.pid, test_id(43)));
	ASSERT_EQ(0, agent_finish(&w));
	EXPECT_EQ(0, debugfs_lookup("none", NULL, NULL));
	auditd_collect(&self->d, 800);
	snprintf(want, sizeof(want), "op=destroy contid=%s res=1", uuid_of(test_id(43)));
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ want, NULL }));
	ASSERT_EQ(0, ask_signal_info(AUDIT_SIGNAL_INFO2, &a));
	EXPECT_NE(w.pid, (pid_t)a.h.pid);
	EXPECT_EQ(0u, a.h.contid_len);
	EXPECT_EQ(0, grammar_errors(&self->d));
}

TEST_HARNESS_MAIN
