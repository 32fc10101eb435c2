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
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "../kselftest_harness.h"
#include "audit.h"

static char chain[CHAIN_MAX], buf[CHAIN_MAX];

/* "key=value" into a static buffer (one per call site is enough for needles). */
#define FIELD(fmt, ...) ({ static char _f[CHAIN_MAX + 32]; \
	snprintf(_f, sizeof(_f), fmt, __VA_ARGS__); _f; })

static const char *uuid_of(unsigned long long v)
{
	static char u[8][40];
	static int i;

	i = (i + 1) % 8;
	fmt_uuid(v, u[i]);
	return u[i];
}

/* What follows "audit(...): " in a record: its fields. */
static const char *body_of(const struct record *r)
{
	const char *p = strstr(r->text, "): ");

	return p ? p + 3 : "";
}

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

FIXTURE(audit) {
	struct auditd d;
};

FIXTURE_SETUP(audit)
{
	int err;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	err = auditd_start(&self->d);
	if (err == -EBUSY)
		SKIP(return, "an audit daemon is running");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, auditd_add_rule(&self->d, __NR_getppid));
	ASSERT_EQ(0, auditd_add_rule(&self->d, __NR_kill));
}

FIXTURE_TEARDOWN(audit)
{
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

TEST_F(audit, set_is_logged_with_its_syscall)
{
	struct set_args *a = (void *)shared_new();
	struct record *op;
	struct kid k;
	pid_t actor;
	int st;

	kid_start(&k);
	*a = (struct set_args){ .target = k.pid, .id = test_id(0) };
	actor = fork();
	if (actor == 0)
		_exit(register_target(a));
	waitpid(actor, &st, 0);
	ASSERT_EQ(0, WEXITSTATUS(st));
	auditd_collect(&self->d, 500);
	op = find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=set ", FIELD("opid=%d ", k.pid), FIELD("contid=%s ", uuid_of(a->id)),
		"old-contid=unset ", FIELD("contsession=%llu ", a->session), " nsdev=",
		" mntns=", " utsns=", " ipcns=", " pidns=", " netns=", " userns=",
		" cgroupns=", " timens=", FIELD(" pid=%d ", actor), " auid=", " ses=",
		" comm=", " exe=", " res=1", NULL });
	ASSERT_NE(NULL, op) TH_LOG("no CONTAINER_OP set record among %d", self->d.n);
	/* res= comes last. */
	EXPECT_EQ(0, strcmp(op->text + strlen(op->text) - 6, " res=1"));
	/* Part of the writer's syscall event. */
	EXPECT_NE(NULL, in_event(&self->d, AUDIT_SYSCALL, op->serial));
	kid_stop(&k);
}

struct nest_args {
	unsigned long long a, b;
	pid_t target;
	unsigned long long session;
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
	kid_stop(&t);
	return err;
}

TEST_F(audit, nest_and_join_are_logged)
{
	struct nest_args *n = (void *)shared_new();
	struct set_args *j = (void *)(n + 1);
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
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=nest ", FIELD("opid=%d ", n->target), FIELD("contid=%s ", chain),
		FIELD("old-contid=%s ", buf), FIELD("contsession=%llu ", n->session),
		FIELD(" pid=%d ", w.pid), " res=1", NULL }));
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=join ", FIELD("opid=%d ", k2.pid), FIELD("contid=%s ", uuid_of(test_id(2))),
		"old-contid=unset ", FIELD("contsession=%llu ", j->session), " res=1", NULL }));
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
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", sh->tids[0]), "contid=? ", "old-contid=unset ",
		"contsession=4294967295 ", " res=0", NULL })) TH_LOG("EINVAL");
	/*
	 * EPERM, the writer's own process: the ID alone, although the writer
	 * is in test_id(20) and the requested chain would be test_id(20)/ID.
	 */
	op = find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", w.pid), FIELD(" pid=%d ", w.pid), " res=0", NULL });
	EXPECT_NE(NULL, op) TH_LOG("EPERM");
	if (op) {
		EXPECT_STREQ(uuid_of(test_id(10)), value_of(op, "contid", v));
		/* A refusal reports set or nest by the writer's level: 1. */
		EXPECT_STREQ("nest", value_of(op, "op", v));
		EXPECT_STREQ("4294967295", value_of(op, "contsession", v));
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
		"op=set ", FIELD("opid=%d ", k.pid), FIELD(" pid=%d ", with), " res=1", NULL }));
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD(" pid=%d ", with), NULL }));
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", k.pid), NULL }));
	/* Nothing from the writer without the capability. */
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD(" pid=%d ", without), NULL }));
	kid_stop(&k);
}

TEST_F(audit, destroy_is_logged_exactly_once)
{
	unsigned long long x = test_id(4);
	char want[CHAIN_MAX + 32];
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
	EXPECT_EQ(1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ want, NULL }));
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

/* ---- an ID reused at once ---- */

#define REUSE_ROUNDS 200

/*
 * REUSE_ROUNDS times: registers a task with ID *@arg, then kills and reaps it
 * (the end of its container) and at once registers the next task, forked
 * beforehand, with the same ID. Never reads the listing, which would wait
 * for the ends to be logged.
 */
static int register_kill_reregister(void *arg)
{
	unsigned long long id = *(unsigned long long *)arg;
	struct kid k, next = {};
	int i, err;

	kid_start(&k);
	for (i = 0; i < REUSE_ROUNDS; i++) {
		err = set_contid(k.pid, id);
		if (i + 1 < REUSE_ROUNDS)
			kid_start(&next);
		kill(k.pid, SIGKILL);
		waitpid(k.pid, NULL, 0);
		close(k.release);
		if (err) {
			fprintf(stderr, "# round %d: %s\n", i, strerror(err));
			if (i + 1 < REUSE_ROUNDS)
				kid_stop(&next);
			return 1;
		}
		k = next;
	}
	return 0;
}

/*
 * Documentation/admin-guide/audit-containerid.rst: "registering the same ID
 * again waits for it, so a container's end is always logged before its ID
 * is reused".
 */
TEST_F_TIMEOUT(audit, reused_id_is_set_only_after_its_old_container_end_is_logged, 300)
{
	unsigned long long id = test_id(8);
	int sets = 0, ends = 0, other = 0, late = 0, first_late = -1, rcvbuf = 16 << 20;
	char needle[64], v[CHAIN_MAX];
	unsigned int lost0, lost;
	struct record *r;
	double end;
	pid_t child;
	int i, st;

	snprintf(needle, sizeof(needle), " contid=%s ", uuid_of(id));
	/* Room for every record, read while they are logged: none lost on our side. */
	ASSERT_EQ(0, setsockopt(self->d.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));
	lost0 = kernel_lost();
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(register_kill_reregister(&id));
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
		     NULL }) < REUSE_ROUNDS && now() < end)
		auditd_collect(&self->d, 100);
	lost = kernel_lost() - lost0;

	/* In receive order: before the k-th set, the k containers before it ended. */
	records_complete(&self->d);
	for (i = 0; i < self->d.n; i++) {
		r = &self->d.rec[i];
		if (r->type != AUDIT_CONTAINER_OP || !strstr(r->text, needle))
			continue;
		value_of(r, "op", v);
		if (!strcmp(v, "destroy")) {
			ends++;
			continue;
		}
		if (strcmp(v, "set") || !strstr(r->text, " res=1") ||
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
	TH_LOG("%d sets, %d ends; %u records lost by the kernel", sets, ends, lost);
	EXPECT_EQ(REUSE_ROUNDS, sets);
	EXPECT_EQ(0, other);
	EXPECT_EQ(0, late) TH_LOG("registration %d came before the previous container's end",
				  first_late);
	/* Every container but the last has ended, each logged once (or lost). */
	EXPECT_LE(ends, REUSE_ROUNDS);
	EXPECT_LE(REUSE_ROUNDS - 1, ends + (int)lost);
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

TEST_HARNESS_MAIN
