// SPDX-License-Identifier: GPL-2.0
/*
 * Audit records of container IDs, read as the audit daemon: CONTAINER_OP
 * for set, nest, join, every refusal and destroy; CONTAINER_ID in the events
 * of contained subjects, user messages and signal targets; nothing for tasks
 * outside containers.
 *
 * Actions run in processes forked after audit is enabled, so that they have
 * an audit context (and their records a SYSCALL record to share a serial with).
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
};

static int nest_child(void *arg)
{
	struct nest_args *n = arg;
	struct kid t;
	int err;

	kid_start(&t);
	n->target = t.pid;
	err = set_contid(t.pid, n->b);
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
		FIELD("old-contid=%s ", buf), FIELD(" pid=%d ", w.pid), " res=1", NULL }));
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
	if (set_contid(getpid(), test_id(10)) != EPERM)		/* the ID alone */
		return 2;
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
	struct kid outside, holder;
	struct agent w;
	char old[CHAIN_MAX];
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
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("contid=%s ", uuid_of(test_id(10))), " res=0", NULL })) TH_LOG("EPERM");
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

static int unprivileged_write(void *arg)
{
	struct kid *k = arg;

	if (drop_audit_control())
		return 100;
	return set_contid(k->pid, test_id(3));
}

TEST_F(audit, attempt_without_capability_is_not_logged)
{
	struct kid k;

	kid_start(&k);
	ASSERT_EQ(EPERM, in_child(unprivileged_write, &k));
	auditd_collect(&self->d, 300);
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", k.pid), NULL }));
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
	return agent_finish(&t);
}

TEST_F(audit, contained_syscall_and_user_message_carry_container_id)
{
	unsigned long long *ids = (void *)shared_new();
	struct record *sys, *cid, *user;
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

	sys = find(&self->d, AUDIT_SYSCALL, (const char *const[]){
		"syscall=110 ", FIELD(" pid=%d ", (pid_t)ids[2]), NULL });
	ASSERT_NE(NULL, sys) TH_LOG("no getppid SYSCALL record among %d", self->d.n);
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, sys->serial);
	ASSERT_NE(NULL, cid);
	EXPECT_NE(NULL, strstr(cid->text, FIELD("): contid=%s contsession=", chain)));
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
	EXPECT_NE(NULL, strstr(cid->text, FIELD("): contid=%s contsession=", chain)));
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
	char want[CHAIN_MAX + 64];
	struct kid k;

	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, test_id(5)));
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
	sprintf(want, "): opid=%d contid=%s contsession=", k.pid, uuid_of(test_id(5)));
	EXPECT_NE(NULL, strstr(cid->text, want));
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

TEST_F(audit, small_backlog_under_pressure_stays_quiet)
{
	struct kid k;

	/*
	 * Nobody reads while 200 registrations, exits and syscalls log; with
	 * no wait time, records past the limit are dropped and counted.
	 */
	ASSERT_EQ(0, audit_set_backlog(self->d.fd, 2, 0));
	ASSERT_EQ(0, in_child(storm_of_records, NULL));
	auditd_collect(&self->d, 300);
	ASSERT_EQ(0, audit_set_backlog(self->d.fd, self->d.saved.backlog_limit,
				       self->d.saved.backlog_wait_time));
	auditd_collect(&self->d, 500);
	/* Still registering and logging afterwards (records lost above or not). */
	auditd_forget(&self->d);
	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, test_id(1)));
	auditd_collect(&self->d, 500);
	EXPECT_NE(NULL, find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=set ", FIELD("opid=%d ", k.pid), FIELD("contid=%s ", uuid_of(test_id(1))),
		" res=1", NULL }));
	kid_stop(&k);
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
