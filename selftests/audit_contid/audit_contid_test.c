// SPDX-License-Identifier: GPL-2.0
/*
 * Audit container identifiers: /proc/PID/audit_containerid and
 * /proc/PID/audit_containersession, their rules, inheritance and races.
 *
 * Each test runs in its own process (forked by the harness), which starts in
 * no container and holds CAP_AUDIT_CONTROL.
 */
#include <pthread.h>

#include "../kselftest_harness.h"
#include "common.h"

static char chain_buf[CHAIN_MAX], chain_buf2[CHAIN_MAX];

/*
 * ---- the rules, one per errno, each reached in the contract's order ----
 *
 * Every refused write goes through write_refused() and friends (common.h),
 * which compare the target's chain and session and the whole container
 * listing before and after: a refusal changes nothing, or the errno becomes
 * CHANGED.
 */

/* Writes "0x<id>\n" through @fd, checking that a refusal changes nothing. */
static int id_refused_fd(int fd, pid_t pid, unsigned long long id)
{
	char s[40];

	sprintf(s, "0x%llx\n", id);
	return refused_fd(fd, pid, 0, s, strlen(s));
}

/* As set_refused(), through the file of thread @tid of @pid. */
static int set_refused_tid(pid_t pid, pid_t tid, unsigned long long id)
{
	char s[40];

	sprintf(s, "0x%llx\n", id);
	return write_refused(pid, tid, s, strlen(s));
}

static int write_own_valid_id(void *arg)
{
	(void)arg;
	return set_refused(getpid(), test_id(0));
}

static int drop_cap_then_write(void *arg)
{
	struct kid *k = arg;
	int err = drop_audit_control();

	if (err)
		return 100;
	/* Own task and another task alike: the capability comes first. */
	if (set_refused(getpid(), test_id(0)) != EPERM)
		return 101;
	if (write_refused(getpid(), 0, "0\n", 2) != EPERM)
		return 102;
	return set_refused(k->pid, test_id(0));
}

TEST(rule1_no_capability_is_eperm_before_anything_else)
{
	struct kid k;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	ASSERT_EQ(EPERM, in_child(drop_cap_then_write, &k));
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	kid_stop(&k);
}

static int userns_root_writes(void *arg)
{
	struct kid *k = arg;

	if (unshare(CLONE_NEWUSER))
		return 100;
	return set_contid(k->pid, test_id(0));
}

TEST(rule1_root_of_new_user_namespace_is_eperm)
{
	static struct state before, after;
	struct kid k;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	/* The writer cannot read the listing from its namespace: compare here. */
	state_of(k.pid, 0, &before);
	ASSERT_EQ(EPERM, in_child(userns_root_writes, &k));
	state_of(k.pid, 0, &after);
	EXPECT_TRUE(state_same(&before, &after));
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	kid_stop(&k);
}

/* Sends @fd over a unix socket. */
static int send_fd(int sock, int fd)
{
	char c = 'f', cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

/* Receives a descriptor sent with send_fd(); -1 if none came. */
static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

struct deputy {
	pid_t target;
	int sock;
};

/* An opener without CAP_AUDIT_CONTROL hands its open file over. */
static int open_unprivileged_and_send(void *arg)
{
	struct deputy *d = arg;
	char path[64];
	int fd;

	if (drop_audit_control())
		return 100;
	sprintf(path, "/proc/%d/audit_containerid", d->target);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return 101;
	return send_fd(d->sock, fd) ? 102 : 0;
}

TEST(rule1_file_opened_without_capability_is_eperm_for_a_capable_writer)
{
	struct deputy d;
	struct kid k;
	int sv[2], fd;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	d = (struct deputy){ k.pid, sv[1] };
	ASSERT_EQ(0, in_child(open_unprivileged_and_send, &d));
	fd = recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	/* We hold the capability; the file's opener did not. */
	EXPECT_EQ(EPERM, id_refused_fd(fd, k.pid, test_id(0)));
	close(fd);
	close(sv[0]);
	close(sv[1]);
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	/* Positive control: through a file we opened ourselves. */
	EXPECT_EQ(0, set_contid(k.pid, test_id(0)));
	kid_stop(&k);
}

/* Sets whether CAP_AUDIT_CONTROL is in our effective set (it stays permitted). */
static int audit_control_effective(bool on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];
	int i = CAP_TO_INDEX(CAP_AUDIT_CONTROL);

	if (syscall(SYS_capget, &h, c))
		return errno;
	if (on)
		c[i].effective |= CAP_TO_MASK(CAP_AUDIT_CONTROL);
	else
		c[i].effective &= ~CAP_TO_MASK(CAP_AUDIT_CONTROL);
	return syscall(SYS_capset, &h, c) ? errno : 0;
}

TEST(rule1_file_opened_while_capability_not_effective_is_eperm)
{
	char path[64];
	struct kid k;
	int fd;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	sprintf(path, "/proc/%d/audit_containerid", k.pid);
	/* One process: opens without the capability effective, writes with it. */
	ASSERT_EQ(0, audit_control_effective(false));
	fd = open(path, O_WRONLY);
	ASSERT_EQ(0, audit_control_effective(true));
	ASSERT_LE(0, fd);
	EXPECT_EQ(EPERM, id_refused_fd(fd, k.pid, test_id(0)));
	close(fd);
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	/* Positive control: through a file opened with it effective. */
	EXPECT_EQ(0, set_contid(k.pid, test_id(0)));
	kid_stop(&k);
}

struct inherited {
	pid_t target;
	int fd;
};

static int drop_cap_then_write_inherited(void *arg)
{
	struct inherited *in = arg;

	if (drop_audit_control())
		return 100;
	return id_refused_fd(in->fd, in->target, test_id(0));
}

TEST(rule1_file_opened_with_capability_written_without_it_is_eperm)
{
	struct inherited in;
	char path[64];
	struct kid k;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	sprintf(path, "/proc/%d/audit_containerid", k.pid);
	in.target = k.pid;
	in.fd = open(path, O_WRONLY);
	ASSERT_LE(0, in.fd);
	EXPECT_EQ(EPERM, in_child(drop_cap_then_write_inherited, &in));
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	/* Positive control: the same open file, written by its capable opener. */
	EXPECT_EQ(0, id_refused_fd(in.fd, k.pid, test_id(0)));
	close(in.fd);
	kid_stop(&k);
}

TEST(rule2_nil_id_is_einval_before_own_task_check)
{
	if (unsupported())
		SKIP(return, "%s", unsupported());
	EXPECT_EQ(EINVAL, write_refused(getpid(), 0, "0\n", 2));
	EXPECT_EQ(EINVAL, write_refused(getpid(), 0, "junk", 4));
	EXPECT_STREQ(UNSET, contid_of(getpid(), 0, chain_buf));
}

static void *park(void *arg)
{
	struct shared *sh = arg;

	STORE(sh->tids[0], syscall(SYS_gettid));
	STORE(sh->ready, 1);
	while (!LOAD(sh->release))
		usleep(1000);
	return NULL;
}

TEST(rule3_own_process_is_eperm)
{
	struct shared *sh = shared_new();
	pthread_t th;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	EXPECT_EQ(EPERM, in_child(write_own_valid_id, NULL));
	EXPECT_EQ(EPERM, set_refused(getpid(), test_id(0)));
	/* Through another thread's file of our own process too. */
	ASSERT_EQ(0, pthread_create(&th, NULL, park, sh));
	ASSERT_TRUE(wait_for(&sh->ready, 10));
	EXPECT_EQ(EPERM, write_refused(getpid(), LOAD(sh->tids[0]), "0x1\n", 4));
	STORE(sh->release, 1);
	pthread_join(th, NULL);
	/* Kernel threads are never registered: kthreadd is pid 2. */
	EXPECT_EQ(EPERM, set_refused(2, test_id(0)));
	EXPECT_STREQ(UNSET, contid_of(2, 0, chain_buf));
}

/* In a process whose leader has exited: waits for it, then writes its file. */
static void *write_to_zombie_leader(void *arg)
{
	struct shared *sh = arg;
	pid_t tgid = getpid();
	char stat[512];
	int i;

	for (i = 0; i < 10000; i++) {
		if (!read_proc(tgid, tgid, "stat", stat, sizeof(stat)) && strstr(stat, ") Z "))
			break;
		usleep(1000);
	}
	if (i == 10000)
		_exit(200);
	STORE(sh->ready, 1);
	while (!LOAD(sh->start))
		usleep(1000);
	/* Own process (3) and exiting (4): 3 comes first. Ends the whole group. */
	_exit(set_refused_tid(tgid, tgid, test_id(1)));
}

static int leader_exits_first(void *arg)
{
	pthread_t th;

	if (pthread_create(&th, NULL, write_to_zombie_leader, arg))
		return 100;
	syscall(SYS_exit, 0);	/* the main thread only */
	return 101;
}

TEST(order3_own_process_before_exiting_is_eperm)
{
	struct shared *sh = shared_new();
	pid_t pid;
	int st;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	pid = fork();
	if (pid == 0)
		_exit(leader_exits_first(sh));
	ASSERT_TRUE(wait_for(&sh->ready, 20));
	/* Condition 4 holds: from outside the process, the leader is exiting. */
	EXPECT_EQ(ESRCH, set_refused_tid(pid, pid, test_id(0)));
	STORE(sh->start, 1);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(EPERM, WEXITSTATUS(st));
}

TEST(rule4_exiting_or_gone_target_is_esrch)
{
	char path[64];
	siginfo_t info;
	pid_t pid;
	int fd, st;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	pid = fork();
	if (pid == 0)
		_exit(0);
	/* A zombie is exiting: its file still exists but it cannot be registered. */
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | WNOWAIT));
	EXPECT_EQ(ESRCH, set_refused(pid, test_id(0)));
	sprintf(path, "/proc/%d/audit_containerid", pid);
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	/* Reaped while the file is open: gone (only the listing can be compared). */
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(ESRCH, refused_fd(fd, 0, 0, "0x1\n", 4));
	close(fd);
}

struct scope_args {
	pid_t outside, sibling;
	unsigned long long id;
};

static int writer_in_a(void *arg)
{
	struct scope_args *a = arg;
	int err = set_refused(a->outside, a->id);

	if (err != EXDEV)
		return 100 + err;
	return set_refused(a->sibling, a->id);
}

TEST(rule5_target_outside_writer_container_is_exdev)
{
	struct scope_args a;
	struct kid outside, sibling;
	struct agent w;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&outside);
	kid_start(&sibling);
	ASSERT_EQ(0, set_contid(sibling.pid, test_id(1)));
	a = (struct scope_args){ outside.pid, sibling.pid, test_id(2) };
	agent_start(&w, writer_in_a, &a);
	ASSERT_EQ(0, set_contid(w.pid, test_id(0)));
	EXPECT_EQ(EXDEV, agent_finish(&w));
	EXPECT_STREQ(UNSET, contid_of(outside.pid, 0, chain_buf));
	chain_buf2[0] = 0;
	chain_add(chain_buf2, test_id(1));
	strcat(chain_buf2, "\n");
	EXPECT_STREQ(chain_buf2, contid_of(sibling.pid, 0, chain_buf));
	kid_stop(&outside);
	kid_stop(&sibling);
}

TEST(order4_exiting_before_out_of_scope_is_esrch)
{
	struct scope_args a;
	struct kid live;
	siginfo_t info;
	struct agent w;
	pid_t zombie;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&live);
	zombie = fork();
	if (zombie == 0)
		_exit(0);
	ASSERT_EQ(0, waitid(P_PID, zombie, &info, WEXITED | WNOWAIT));
	/* The writer in A: a live task outside A is EXDEV, a zombie ESRCH. */
	a = (struct scope_args){ live.pid, zombie, test_id(1) };
	agent_start(&w, writer_in_a, &a);
	ASSERT_EQ(0, set_contid(w.pid, test_id(0)));
	EXPECT_EQ(ESRCH, agent_finish(&w));
	ASSERT_EQ(zombie, waitpid(zombie, NULL, 0));
	kid_stop(&live);
}

static int writer_in_a_to_deeper_outside(void *arg)
{
	struct scope_args *a = arg;

	return set_refused(a->outside, a->id);
}

TEST(order5_out_of_scope_before_already_registered_is_exdev)
{
	struct shared *sh = shared_new();
	char want[CHAIN_MAX] = "";
	unsigned long long ids[2];
	struct scope_args a;
	struct agent w;
	pid_t top;
	int st;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	ids[0] = test_id(1);
	ids[1] = test_id(2);
	/* The target is in X/Y: outside A, and its chain is longer than A's. */
	top = fork();
	if (top == 0)
		_exit(descend(sh, 0, 2, ids));
	ASSERT_TRUE(wait_for(&sh->ready, 30));
	ASSERT_EQ(0, LOAD(sh->err[1]));
	chain_add(want, ids[0]);
	chain_add(want, ids[1]);
	strcat(want, "\n");
	ASSERT_STREQ(want, contid_of(LOAD(sh->pid), 0, chain_buf));
	a = (struct scope_args){ .outside = LOAD(sh->pid), .id = test_id(3) };
	agent_start(&w, writer_in_a_to_deeper_outside, &a);
	ASSERT_EQ(0, set_contid(w.pid, test_id(0)));
	EXPECT_EQ(EXDEV, agent_finish(&w));
	EXPECT_STREQ(want, contid_of(LOAD(sh->pid), 0, chain_buf));
	STORE(sh->release, 1);
	waitpid(top, &st, 0);
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST(rule6_registered_target_is_ealready_before_children_check)
{
	char before[CHAIN_MAX];
	unsigned long long s;
	struct parent p;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	parent_start(&p, false);
	ASSERT_EQ(0, set_contid(p.pid, test_id(0)));
	contid_of(p.pid, 0, before);
	s = session_of(p.pid, 0);
	/* Registered (6) and with a child (7): 6 comes first. */
	ASSERT_LT(0, parent_fork(&p));
	EXPECT_EQ(EALREADY, set_refused(p.pid, test_id(1)));
	EXPECT_EQ(EALREADY, set_refused(p.pid, test_id(0)));
	EXPECT_STREQ(before, contid_of(p.pid, 0, chain_buf));
	EXPECT_EQ(s, session_of(p.pid, 0));
	parent_stop(&p);
}

TEST(rule7_target_with_children_is_ebusy)
{
	struct parent p;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	parent_start(&p, false);
	ASSERT_LT(0, parent_fork(&p));
	EXPECT_EQ(EBUSY, set_refused(p.pid, test_id(0)));
	EXPECT_STREQ(UNSET, contid_of(p.pid, 0, chain_buf));
	/* Positive control: once the child is reaped, the same write succeeds. */
	parent_reap(&p);
	EXPECT_EQ(0, set_contid(p.pid, test_id(0)));
	parent_stop(&p);
}

TEST(rule7_child_of_a_non_leader_thread_is_ebusy)
{
	struct parent p;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	/* Only the second thread forks: the leader itself has no child. */
	parent_start(&p, true);
	ASSERT_NE(p.pid, p.tid);
	ASSERT_LT(0, parent_fork(&p));
	EXPECT_EQ(EBUSY, set_refused(p.pid, test_id(0)));
	EXPECT_EQ(EBUSY, set_refused_tid(p.pid, p.pid, test_id(0)));
	EXPECT_EQ(EBUSY, set_refused_tid(p.pid, p.tid, test_id(0)));
	EXPECT_STREQ(UNSET, contid_of(p.pid, 0, chain_buf));
	parent_reap(&p);
	EXPECT_EQ(0, set_contid(p.pid, test_id(0)));
	parent_stop(&p);
}

/* At depth 8: a target with a child (7) whose chain would be 9 deep (8). */
static int deep_writer_busy_target(void *arg)
{
	struct shared *sh = arg;
	struct parent p;

	parent_start(&p, false);
	if (parent_fork(&p) <= 0)
		return 100;
	STORE(sh->err[MAX_DEPTH], set_refused(p.pid, test_id(20)));
	/* Condition 8 alone, once the child is gone. */
	parent_reap(&p);
	STORE(sh->err[MAX_DEPTH + 1], set_refused(p.pid, test_id(20)));
	parent_stop(&p);
	return 0;
}

TEST(order7_children_before_too_deep_is_ebusy)
{
	unsigned long long ids[MAX_DEPTH];
	struct shared *sh = shared_new();
	int i, st;
	pid_t top;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	for (i = 0; i < MAX_DEPTH; i++)
		ids[i] = test_id(i);
	top = fork();
	if (top == 0)
		_exit(descend_run(sh, 0, MAX_DEPTH, ids, deep_writer_busy_target, sh));
	ASSERT_EQ(top, waitpid(top, &st, 0));
	for (i = 0; i < MAX_DEPTH; i++)
		ASSERT_EQ(0, LOAD(sh->err[i]));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(EBUSY, LOAD(sh->err[MAX_DEPTH]));
	EXPECT_EQ(EMLINK, LOAD(sh->err[MAX_DEPTH + 1]));
}

/* At depth 8: an ID live elsewhere (9) in a chain 9 deep (8). */
static int deep_writer_live_id(void *arg)
{
	struct shared *sh = arg;
	struct kid t;

	kid_start(&t);
	STORE(sh->err[MAX_DEPTH], set_refused(t.pid, test_id(30)));
	kid_stop(&t);
	return 0;
}

TEST(order8_too_deep_before_id_in_use_is_emlink)
{
	unsigned long long ids[MAX_DEPTH];
	struct shared *sh = shared_new();
	char top_chain[CHAIN_MAX] = "";
	struct kid holder;
	int i, st;
	pid_t top;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	/* test_id(30) is live at top level, not under the writer's container. */
	kid_start(&holder);
	ASSERT_EQ(0, set_contid(holder.pid, test_id(30)));
	chain_add(top_chain, test_id(30));
	ASSERT_EQ(1, debugfs_lookup(top_chain, NULL, NULL));
	for (i = 0; i < MAX_DEPTH; i++)
		ids[i] = test_id(i);
	top = fork();
	if (top == 0)
		_exit(descend_run(sh, 0, MAX_DEPTH, ids, deep_writer_live_id, sh));
	ASSERT_EQ(top, waitpid(top, &st, 0));
	for (i = 0; i < MAX_DEPTH; i++)
		ASSERT_EQ(0, LOAD(sh->err[i]));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(EMLINK, LOAD(sh->err[MAX_DEPTH]));
	kid_stop(&holder);
}

TEST(rule8_ninth_level_is_emlink_eighth_works)
{
	unsigned long long ids[MAX_DEPTH + 1];
	struct shared *sh = shared_new();
	pid_t top;
	int i, st;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	for (i = 0; i <= MAX_DEPTH; i++)
		ids[i] = test_id(i);
	top = fork();
	if (top == 0)
		_exit(descend(sh, 0, MAX_DEPTH + 1, ids));
	ASSERT_TRUE(wait_for(&sh->ready, 60));
	waitpid(top, &st, 0);
	for (i = 0; i < MAX_DEPTH; i++)
		EXPECT_EQ(0, LOAD(sh->err[i]));
	EXPECT_EQ(EMLINK, LOAD(sh->err[MAX_DEPTH]));
	EXPECT_EQ(EMLINK, WEXITSTATUS(st));
}

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

TEST(rule9_id_live_under_other_parent_is_eexist)
{
	unsigned long long x;
	struct kid k;
	struct agent w;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	x = test_id(5);
	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, x));
	agent_start(&w, nest_existing_id, &x);
	ASSERT_EQ(0, set_contid(w.pid, test_id(0)));
	EXPECT_EQ(EEXIST, agent_finish(&w));
	kid_stop(&k);
}

/* ---- refusals outside the rule table ---- */

TEST(efault_from_an_unmapped_buffer_changes_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	struct kid k;
	char *p;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + page, page));
	kid_start(&k);
	/* Wholly unmapped, then "0x12" mapped and "34\n" not. */
	EXPECT_EQ(EFAULT, write_refused(k.pid, 0, p + page, 7));
	memcpy(p + page - 4, "0x12", 4);
	EXPECT_EQ(EFAULT, write_refused(k.pid, 0, p + page - 4, 7));
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	/* Positive control: the same write from a mapped buffer. */
	memcpy(p, "0x1234\n", 7);
	EXPECT_EQ(0, write_contid(k.pid, 0, p, 7));
	kid_stop(&k);
	munmap(p, page);
}

TEST(second_write_on_the_same_open_file_is_einval)
{
	char path[64], want[CHAIN_MAX] = "";
	unsigned long long s;
	struct kid k;
	int fd;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	sprintf(path, "/proc/%d/audit_containerid", k.pid);
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, id_refused_fd(fd, k.pid, test_id(0)));
	chain_add(want, test_id(0));
	strcat(want, "\n");
	ASSERT_STREQ(want, contid_of(k.pid, 0, chain_buf));
	s = session_of(k.pid, 0);
	/*
	 * The first write advanced the offset: the second is at a non-zero
	 * offset (2) before being a second registration (6).
	 */
	EXPECT_EQ(EINVAL, id_refused_fd(fd, k.pid, test_id(1)));
	EXPECT_EQ(EINVAL, id_refused_fd(fd, k.pid, test_id(0)));
	EXPECT_STREQ(want, contid_of(k.pid, 0, chain_buf));
	EXPECT_EQ(s, session_of(k.pid, 0));
	close(fd);
	kid_stop(&k);
}

/* ---- the parser, through the real interface ---- */

FIXTURE(parse) {
	struct kid k;
};

FIXTURE_VARIANT(parse) {
	const char *input;
	size_t len;		/* 0: strlen(input) */
	int err;
	const char *uuid;	/* what reads back on success */
};

FIXTURE_SETUP(parse)
{
	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&self->k);
}

FIXTURE_TEARDOWN(parse)
{
	if (self->k.pid)
		kid_stop(&self->k);
}

FIXTURE_VARIANT_ADD(parse, uuid_lower) {
	.input = "9f3c2a10-7b4e-4c8d-a1b2-c3d4e5f60718\n",
	.uuid = "9f3c2a10-7b4e-4c8d-a1b2-c3d4e5f60718\n",
};

FIXTURE_VARIANT_ADD(parse, uuid_upper) {
	.input = "9F3C2A10-7B4E-4C8D-A1B2-C3D4E5F60719",
	.uuid = "9f3c2a10-7b4e-4c8d-a1b2-c3d4e5f60719\n",
};

FIXTURE_VARIANT_ADD(parse, hex_short) {
	.input = "0x7a3\n",
	.uuid = "00000000-0000-0000-0000-0000000007a3\n",
};

FIXTURE_VARIANT_ADD(parse, hex_32_digits) {
	.input = "0xABCDEF0123456789abcdef0123456789",
	.uuid = "abcdef01-2345-6789-abcd-ef0123456789\n",
};

FIXTURE_VARIANT_ADD(parse, decimal_small) {
	.input = "4242\n",
	.uuid = "00000000-0000-0000-0000-000000001092\n",
};

FIXTURE_VARIANT_ADD(parse, decimal_max) {
	.input = "340282366920938463463374607431768211455\n",
	.uuid = "ffffffff-ffff-ffff-ffff-ffffffffffff\n",
};

FIXTURE_VARIANT_ADD(parse, decimal_two_pow_128) {
	.input = "340282366920938463463374607431768211456\n",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, hex_33_digits) {
	.input = "0x1ffffffffffffffffffffffffffffffff",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, nil_decimal) {
	.input = "0\n",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, nil_uuid) {
	.input = "00000000-0000-0000-0000-000000000000",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, leading_space) {
	.input = " 4243\n",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, trailing_space) {
	.input = "4243 ",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, two_newlines) {
	.input = "4243\n\n",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, two_ids) {
	.input = "4243\n4244\n",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, hex_prefix_only) {
	.input = "0x\n",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, uuid_bad_digit) {
	.input = "9f3c2a10-7b4e-4c8d-a1b2-c3d4e5f6071g",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, uuid_missing_dash) {
	.input = "9f3c2a107b4e-4c8d-a1b2-c3d4e5f607180",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, negative) {
	.input = "-1\n",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, empty) {
	.input = "",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, newline_only) {
	.input = "\n",
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(parse, embedded_nul) {
	.input = "4243\0",
	.len = 5,
	.err = EINVAL,
};

TEST_F(parse, write_then_read)
{
	size_t len = variant->len ? variant->len : strlen(variant->input);

	EXPECT_EQ(variant->err, write_refused(self->k.pid, 0, variant->input, len));
	EXPECT_STREQ(variant->err ? UNSET : variant->uuid,
		     contid_of(self->k.pid, 0, chain_buf));
}

TEST(parse_4096_byte_write_is_einval)
{
	char big[4096];
	struct kid k;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	memset(big, '1', sizeof(big));
	kid_start(&k);
	EXPECT_EQ(EINVAL, write_refused(k.pid, 0, big, sizeof(big)));
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	kid_stop(&k);
}

TEST(parse_write_at_offset_1_is_einval)
{
	char path[64];
	struct kid k;
	int fd;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	sprintf(path, "/proc/%d/audit_containerid", k.pid);
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EINVAL, refused_io(fd, k.pid, 0, "7\n", 2, 1));
	close(fd);
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	kid_stop(&k);
}

/* ---- reading ---- */

TEST(read_unset_one_and_three_levels)
{
	unsigned long long ids[3];
	struct shared *sh = shared_new();
	char want[CHAIN_MAX] = "";
	struct kid k;
	pid_t top;
	int i, st;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	EXPECT_EQ(NO_SESSION, session_of(k.pid, 0));
	ASSERT_EQ(0, set_contid(k.pid, test_id(10)));
	chain_add(want, test_id(10));
	strcat(want, "\n");
	EXPECT_STREQ(want, contid_of(k.pid, 0, chain_buf));
	kid_stop(&k);

	for (i = 0; i < 3; i++)
		ids[i] = test_id(i);
	top = fork();
	if (top == 0)
		_exit(descend(sh, 0, 3, ids));
	ASSERT_TRUE(wait_for(&sh->ready, 30));
	want[0] = 0;
	for (i = 0; i < 3; i++)
		chain_add(want, ids[i]);
	strcat(want, "\n");
	EXPECT_STREQ(want, contid_of(LOAD(sh->pid), 0, chain_buf));
	STORE(sh->release, 1);
	waitpid(top, &st, 0);
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* ---- inheritance ---- */

static int same_as_me(pid_t pid, pid_t tid)
{
	char mine[CHAIN_MAX], theirs[CHAIN_MAX];

	contid_of(getpid(), 0, mine);
	contid_of(pid, tid, theirs);
	if (strcmp(mine, theirs))
		return 0;
	return session_of(getpid(), 0) == session_of(pid, tid);
}

static void *thread_reports(void *arg)
{
	*(int *)arg = same_as_me(getpid(), syscall(SYS_gettid));
	return NULL;
}

/* Runs @prog with @arg and returns its output. */
static void exec_output(const char *prog, const char *arg, char *out, size_t size,
			bool use_vfork)
{
	int p[2], st;
	ssize_t n;
	pid_t c;

	out[0] = 0;
	if (pipe(p))
		return;
	c = use_vfork ? vfork() : fork();
	if (c == 0) {
		dup2(p[1], 1);
		execl(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], out, size - 1);
	out[n > 0 ? n : 0] = 0;
	close(p[0]);
	waitpid(c, &st, 0);
}

static int inherit_all_ways(void *arg)
{
	char mine[CHAIN_MAX], got[CHAIN_MAX], s[32];
	int p[2], ok = 0, st;
	pthread_t th;
	pid_t c;
	char b;

	(void)arg;
	contid_of(getpid(), 0, mine);
	if (!strcmp(mine, UNSET))
		return 100;
	/* Child and grandchild. */
	if (pipe(p))
		return 101;
	c = fork();
	if (c == 0) {
		pid_t g;
		int gst;

		close(p[0]);
		if (!same_as_me(getppid(), 0))
			_exit(1);
		g = fork();
		if (g == 0)
			_exit(same_as_me(getppid(), 0) ? 0 : 1);
		waitpid(g, &gst, 0);
		b = WEXITSTATUS(gst) ? 'n' : 'y';
		if (write(p[1], &b, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &b, 1) != 1 || b != 'y')
		return 102;
	waitpid(c, &st, 0);
	if (WEXITSTATUS(st))
		return 103;
	/* A thread. */
	if (pthread_create(&th, NULL, thread_reports, &ok) || pthread_join(th, NULL) || !ok)
		return 104;
	/* After execve, through fork and through vfork. */
	exec_output("/bin/cat", "/proc/self/audit_containerid", got, sizeof(got), false);
	if (strcmp(mine, got))
		return 105;
	exec_output("/bin/cat", "/proc/self/audit_containerid", got, sizeof(got), true);
	if (strcmp(mine, got))
		return 106;
	sprintf(s, "%llu\n", session_of(getpid(), 0));
	exec_output("/bin/cat", "/proc/self/audit_containersession", got, sizeof(got), false);
	if (strcmp(s, got))
		return 107;
	exec_output("/bin/cat", "/proc/self/audit_containersession", got, sizeof(got), true);
	if (strcmp(s, got))
		return 108;
	return 0;
}

TEST(inheritance_child_grandchild_thread_vfork_execve)
{
	struct agent a;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	agent_start(&a, inherit_all_ways, NULL);
	ASSERT_EQ(0, set_contid(a.pid, test_id(0)));
	EXPECT_EQ(0, agent_finish(&a));
}

/* ---- thread groups ---- */

static void *park_slot(void *arg)
{
	struct shared *sh = arg;
	int slot = __sync_fetch_and_add(&sh->start, 1) + 1;

	STORE(sh->tids[slot], syscall(SYS_gettid));
	while (!LOAD(sh->release))
		usleep(1000);
	return NULL;
}

static int three_threads(void *arg)
{
	struct shared *sh = arg;
	pthread_t t1, t2;

	STORE(sh->tids[0], syscall(SYS_gettid));
	if (pthread_create(&t1, NULL, park_slot, sh) || pthread_create(&t2, NULL, park_slot, sh))
		return 1;
	while (!LOAD(sh->tids[1]) || !LOAD(sh->tids[2]))
		usleep(1000);
	STORE(sh->ready, 1);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return 0;
}

static void check_thread_group(struct __test_metadata *_metadata, bool via_leader)
{
	struct shared *sh = shared_new();
	char want[CHAIN_MAX] = "", path_chain[CHAIN_MAX];
	unsigned long long s0;
	int i, st, err;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		_exit(three_threads(sh));
	ASSERT_TRUE(wait_for(&sh->ready, 10));
	err = via_leader ? set_contid(pid, test_id(0)) :
			   write_contid(pid, LOAD(sh->tids[2]), "0x1234abcd\n", 11);
	ASSERT_EQ(0, err);
	chain_add(want, via_leader ? test_id(0) : 0x1234abcd);
	strcat(want, "\n");
	s0 = session_of(pid, LOAD(sh->tids[0]));
	EXPECT_NE(NO_SESSION, s0);
	for (i = 0; i < 3; i++) {
		EXPECT_STREQ(want, contid_of(pid, LOAD(sh->tids[i]), path_chain));
		EXPECT_EQ(s0, session_of(pid, LOAD(sh->tids[i])));
	}
	STORE(sh->release, 1);
	waitpid(pid, &st, 0);
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST(thread_group_registered_through_leader)
{
	if (unsupported())
		SKIP(return, "%s", unsupported());
	check_thread_group(_metadata, true);
}

TEST(thread_group_registered_through_non_leader_task_file)
{
	if (unsupported())
		SKIP(return, "%s", unsupported());
	check_thread_group(_metadata, false);
}

/* ---- sessions ---- */

TEST(sessions_differ_per_registration_and_are_read_only)
{
	unsigned long long s1, s2;
	struct kid a, b;
	char path[64];
	int fd;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&a);
	kid_start(&b);
	ASSERT_EQ(0, set_contid(a.pid, test_id(0)));
	ASSERT_EQ(0, set_contid(b.pid, test_id(0)));	/* join */
	EXPECT_STREQ(contid_of(a.pid, 0, chain_buf), contid_of(b.pid, 0, chain_buf2));
	s1 = session_of(a.pid, 0);
	s2 = session_of(b.pid, 0);
	EXPECT_NE(NO_SESSION, s1);
	EXPECT_NE(NO_SESSION, s2);
	EXPECT_NE(s1, s2);
	/*
	 * The file has no write operation. We hold CAP_DAC_OVERRIDE, so the
	 * open succeeds despite mode 0444 and the write is refused.
	 */
	sprintf(path, "/proc/%d/audit_containersession", a.pid);
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EINVAL, refused_fd(fd, a.pid, 0, "1\n", 2));
	close(fd);
	EXPECT_EQ(s1, session_of(a.pid, 0));
	kid_stop(&a);
	kid_stop(&b);
}

/* ---- nesting ---- */

TEST(nesting_writer_in_a_nests_child_as_a_slash_b)
{
	unsigned long long ids[2];
	struct shared *sh = shared_new();
	char want[CHAIN_MAX] = "";
	int tasks = -1, children = -1, st;
	pid_t top;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	ids[0] = test_id(0);
	ids[1] = test_id(1);
	top = fork();
	if (top == 0)
		_exit(descend(sh, 0, 2, ids));
	ASSERT_TRUE(wait_for(&sh->ready, 30));
	chain_add(want, ids[0]);
	EXPECT_EQ(1, debugfs_lookup(want, &tasks, &children));
	EXPECT_EQ(1, tasks);	/* the writer in A */
	EXPECT_EQ(1, children);	/* B */
	chain_add(want, ids[1]);
	EXPECT_EQ(1, debugfs_lookup(want, &tasks, &children));
	EXPECT_EQ(1, tasks);
	EXPECT_EQ(0, children);
	strcat(want, "\n");
	EXPECT_STREQ(want, contid_of(LOAD(sh->pid), 0, chain_buf));
	STORE(sh->release, 1);
	waitpid(top, &st, 0);
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* ---- lifecycle ---- */

TEST(lifecycle_dead_container_leaves_listing_and_id_is_reusable)
{
	unsigned long long x;
	char chain[CHAIN_MAX] = "";
	struct kid k;
	struct agent w;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	x = test_id(7);
	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, x));
	chain_add(chain, x);
	ASSERT_EQ(1, debugfs_lookup(chain, NULL, NULL));
	kid_stop(&k);
	EXPECT_EQ(0, debugfs_lookup(chain, NULL, NULL));
	/* Free again: register it under a different parent. */
	agent_start(&w, nest_existing_id, &x);
	ASSERT_EQ(0, set_contid(w.pid, test_id(8)));
	EXPECT_EQ(0, agent_finish(&w));
}

/*
 * Documentation/security/audit-containerid.rst: a container's first session
 * is the one that created it; the container lives while any session or
 * nested container refers to it, whichever session ends first.
 */
TEST(lifecycle_container_outlives_its_first_session)
{
	unsigned long long x = test_id(11), s2;
	char chain[CHAIN_MAX] = "", want[CHAIN_MAX];
	int tasks = -1;
	struct kid a, b, c;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	chain_add(chain, x);
	snprintf(want, sizeof(want), "%s\n", chain);
	kid_start(&a);
	kid_start(&b);
	ASSERT_EQ(0, set_contid(a.pid, x));	/* creates x */
	ASSERT_EQ(0, set_contid(b.pid, x));	/* joins x */
	s2 = session_of(b.pid, 0);
	EXPECT_NE(session_of(a.pid, 0), s2);
	/* The creating session ends; the joined one keeps x. */
	kid_stop(&a);
	ASSERT_EQ(1, debugfs_lookup(chain, &tasks, NULL));
	EXPECT_EQ(1, tasks);
	EXPECT_STREQ(want, contid_of(b.pid, 0, chain_buf));
	EXPECT_EQ(s2, session_of(b.pid, 0));
	/* x is live, so a new registration joins it. */
	kid_start(&c);
	ASSERT_EQ(0, set_contid(c.pid, x));
	EXPECT_STREQ(want, contid_of(c.pid, 0, chain_buf));
	ASSERT_EQ(1, debugfs_lookup(chain, &tasks, NULL));
	EXPECT_EQ(2, tasks);
	kid_stop(&b);
	kid_stop(&c);
	EXPECT_EQ(0, debugfs_lookup(chain, NULL, NULL));
	/* Gone: the ID makes a new container with a new first session. */
	kid_start(&a);
	ASSERT_EQ(0, set_contid(a.pid, x));
	EXPECT_STREQ(want, contid_of(a.pid, 0, chain_buf));
	EXPECT_EQ(1, debugfs_lookup(chain, NULL, NULL));
	kid_stop(&a);
	EXPECT_EQ(0, debugfs_lookup(chain, NULL, NULL));
}

/*
 * ---- races ----
 *
 * Each outcome a race allows is first forced in a phase of its own, with the
 * target held in a known state (blocked before it acts, or a zombie kept
 * unreaped with WNOWAIT). Then a phase bounded in time and in rounds lets the
 * two sides race and asserts only that every outcome is an allowed one and
 * that nothing leaks: no test needs the machine's timing to produce an
 * outcome, on a fast machine or a slow one.
 */

#define RACE_SECONDS 3
#define RACE_MIN_ROUNDS 20

/* Fills @buf with the one-level chain of @id as the proc file reads. */
static const char *one_level(unsigned long long id, char *buf)
{
	buf[0] = '\0';
	chain_add(buf, id);
	strcat(buf, "\n");
	return buf;
}

/* Forks a child as soon as told; publishes the child's pid; waits. */
static int fork_on_start(void *arg)
{
	struct shared *sh = arg;
	pid_t c;

	spin_until(&sh->start);
	c = fork();
	if (c == 0) {
		while (!LOAD(sh->release))
			usleep(1000);
		_exit(0);
	}
	STORE(sh->pid, c);
	STORE(sh->ready, 1);
	while (!LOAD(sh->release))
		usleep(1000);
	waitpid(c, NULL, 0);
	return 0;
}

/* Lets an agent of fork_on_start() or thread_on_start() act. */
static void agent_go(struct agent *a, struct shared *sh)
{
	if (write(a->go, "g", 1) != 1)
		die("starting an agent", EIO);
	STORE(sh->start, 1);
}

/* Releases an agent and what it made, and reaps it; its exit status. */
static int agent_release(struct agent *a, struct shared *sh)
{
	int st;

	STORE(sh->release, 1);
	close(a->go);
	if (waitpid(a->pid, &st, 0) != a->pid)
		return 254;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

TEST(race_registration_vs_fork_never_lets_a_child_escape)
{
	char want[CHAIN_MAX], t_chain[CHAIN_MAX], c_chain[CHAIN_MAX];
	struct shared *sh = shared_new();
	int rounds = 0, ok = 0, busy = 0, err;
	double end = now() + RACE_SECONDS;
	struct agent t;

	if (unsupported())
		SKIP(return, "%s", unsupported());

	/* Registration first: the target has not forked yet (it is blocked). */
	agent_start(&t, fork_on_start, sh);
	ASSERT_EQ(0, set_contid(t.pid, test_id(0)));
	agent_go(&t, sh);
	ASSERT_TRUE(wait_for(&sh->ready, 30));
	one_level(test_id(0), want);
	EXPECT_STREQ(want, contid_of(t.pid, 0, t_chain));
	EXPECT_STREQ(want, contid_of(LOAD(sh->pid), 0, c_chain));
	EXPECT_EQ(session_of(t.pid, 0), session_of(LOAD(sh->pid), 0));
	ASSERT_EQ(0, agent_release(&t, sh));

	/* Fork first: the child is known to exist (it published its pid). */
	memset(sh, 0, sizeof(*sh));
	agent_start(&t, fork_on_start, sh);
	agent_go(&t, sh);
	ASSERT_TRUE(wait_for(&sh->ready, 30));
	EXPECT_EQ(EBUSY, set_refused(t.pid, test_id(1)));
	EXPECT_STREQ(UNSET, contid_of(t.pid, 0, t_chain));
	EXPECT_STREQ(UNSET, contid_of(LOAD(sh->pid), 0, c_chain));
	ASSERT_EQ(0, agent_release(&t, sh));

	/*
	 * Racing: the write and the fork overlap. Either the registration
	 * came first and the child has the same chain, or the fork did and
	 * the write was refused with nothing registered. The delay before
	 * the write varies to spread the overlap; no outcome is required.
	 */
	while (now() < end || rounds < RACE_MIN_ROUNDS) {
		unsigned long long id = test_id(2 + rounds);

		memset(sh, 0, sizeof(*sh));
		agent_start(&t, fork_on_start, sh);
		agent_go(&t, sh);
		jitter(rounds % 64 * 64);
		err = set_contid(t.pid, id);
		ASSERT_TRUE(wait_for(&sh->ready, 30));
		contid_of(t.pid, 0, t_chain);
		contid_of(LOAD(sh->pid), 0, c_chain);
		if (err == 0) {
			ok++;
			ASSERT_STREQ(one_level(id, want), t_chain);
			ASSERT_STREQ(t_chain, c_chain);
		} else {
			busy++;
			ASSERT_EQ(EBUSY, err);
			ASSERT_STREQ(UNSET, t_chain);
			ASSERT_STREQ(UNSET, c_chain);
		}
		ASSERT_EQ(0, agent_release(&t, sh));
		rounds++;
	}
	TH_LOG("racing: %d rounds: %d registered first, %d refused with EBUSY", rounds, ok,
	       busy);
}

static void *new_thread_body(void *arg)
{
	struct shared *sh = arg;

	STORE(sh->tids[1], syscall(SYS_gettid));
	STORE(sh->ready, 1);
	while (!LOAD(sh->release))
		usleep(1000);
	return NULL;
}

static int thread_on_start(void *arg)
{
	struct shared *sh = arg;
	pthread_t th;

	spin_until(&sh->start);
	if (pthread_create(&th, NULL, new_thread_body, sh))
		return 1;
	pthread_join(th, NULL);
	return 0;
}

/* The new thread of a thread_on_start() agent has the process's chain and session. */
static void check_new_thread(struct __test_metadata *_metadata, struct agent *t,
			     struct shared *sh, unsigned long long id)
{
	char want[CHAIN_MAX], chain[CHAIN_MAX];
	pid_t tid = LOAD(sh->tids[1]);

	one_level(id, want);
	ASSERT_NE(0, tid);
	ASSERT_STREQ(want, contid_of(t->pid, 0, chain));
	ASSERT_STREQ(want, contid_of(t->pid, tid, chain));
	ASSERT_NE(NO_SESSION, session_of(t->pid, 0));
	ASSERT_EQ(session_of(t->pid, 0), session_of(t->pid, tid));
}

TEST(race_registration_vs_new_thread_covers_the_thread)
{
	struct shared *sh = shared_new();
	double end = now() + RACE_SECONDS;
	struct agent t;
	int rounds = 0;

	if (unsupported())
		SKIP(return, "%s", unsupported());

	/* Registration first: the thread is created afterwards and inherits. */
	agent_start(&t, thread_on_start, sh);
	ASSERT_EQ(0, set_contid(t.pid, test_id(0)));
	agent_go(&t, sh);
	ASSERT_TRUE(wait_for(&sh->ready, 30));
	check_new_thread(_metadata, &t, sh, test_id(0));
	ASSERT_EQ(0, agent_release(&t, sh));

	/* Thread first: it is known to exist (it published its tid). */
	memset(sh, 0, sizeof(*sh));
	agent_start(&t, thread_on_start, sh);
	agent_go(&t, sh);
	ASSERT_TRUE(wait_for(&sh->ready, 30));
	ASSERT_EQ(0, set_contid(t.pid, test_id(1)));
	check_new_thread(_metadata, &t, sh, test_id(1));
	ASSERT_EQ(0, agent_release(&t, sh));

	/* Racing: whichever comes first, the thread is covered. */
	while (now() < end || rounds < RACE_MIN_ROUNDS) {
		unsigned long long id = test_id(2 + rounds);

		memset(sh, 0, sizeof(*sh));
		agent_start(&t, thread_on_start, sh);
		agent_go(&t, sh);
		jitter(rounds % 64 * 64);
		ASSERT_EQ(0, set_contid(t.pid, id));
		ASSERT_TRUE(wait_for(&sh->ready, 30));
		check_new_thread(_metadata, &t, sh, id);
		ASSERT_EQ(0, agent_release(&t, sh));
		rounds++;
	}
	TH_LOG("racing: %d rounds", rounds);
}

static int exit_on_start(void *arg)
{
	spin_until(&((struct shared *)arg)->start);
	return 0;
}

/* Whether @id's one-level container is listed (the listing waits for the reaper). */
static int listed(unsigned long long id)
{
	char chain[CHAIN_MAX] = "";

	chain_add(chain, id);
	return debugfs_lookup(chain, NULL, NULL);
}

TEST(race_registration_vs_exit_gives_success_or_esrch_and_leaks_nothing)
{
	char before[LISTING_MAX], after[LISTING_MAX];
	struct shared *sh = shared_new();
	double end = now() + RACE_SECONDS;
	int rounds = 0, ok = 0, gone = 0, err;
	siginfo_t info;
	struct agent t;
	struct kid k;
	pid_t z;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	listing_read(before, sizeof(before));

	/* Alive: the target is blocked until released; its end leaves nothing. */
	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, test_id(0)));
	ASSERT_EQ(1, listed(test_id(0)));
	kid_stop(&k);
	ASSERT_EQ(0, listed(test_id(0)));

	/* Exited: a zombie, kept unreaped, so its file exists: ESRCH. */
	z = fork();
	ASSERT_LE(0, z);
	if (z == 0)
		_exit(0);
	ASSERT_EQ(0, waitid(P_PID, z, &info, WEXITED | WNOWAIT));
	EXPECT_EQ(ESRCH, set_refused(z, test_id(1)));
	ASSERT_EQ(z, waitpid(z, NULL, 0));
	ASSERT_EQ(0, listed(test_id(1)));

	/*
	 * Racing: the write and the exit overlap. The target is not reaped
	 * before the write returns, so its file exists: 0 or ESRCH, never
	 * ENOENT; and once it is reaped, its container is gone either way.
	 */
	while (now() < end || rounds < RACE_MIN_ROUNDS) {
		unsigned long long id = test_id(2 + rounds);

		memset(sh, 0, sizeof(*sh));
		agent_start(&t, exit_on_start, sh);
		agent_go(&t, sh);
		jitter(rounds % 64 * 64);
		err = set_contid(t.pid, id);
		ASSERT_TRUE(err == 0 || err == ESRCH) TH_LOG("errno %d", err);
		ok += err == 0;
		gone += err != 0;
		close(t.go);
		ASSERT_EQ(t.pid, waitpid(t.pid, NULL, 0));
		ASSERT_EQ(0, listed(id));
		rounds++;
	}
	TH_LOG("racing: %d rounds: %d registered, %d gone", rounds, ok, gone);
	listing_read(after, sizeof(after));
	EXPECT_STREQ(before, after);
}

struct racer {
	pthread_t th;
	pid_t target;
	unsigned long long id;
	int *start;
	int err;
};

static void *race_write(void *arg)
{
	struct racer *r = arg;

	spin_until(r->start);
	r->err = set_contid(r->target, r->id);
	return NULL;
}

TEST(race_concurrent_registrations_exactly_one_wins)
{
	char want[CHAIN_MAX];
	double end = now() + RACE_SECONDS;
	int rounds = 0;
	struct kid k;

	if (unsupported())
		SKIP(return, "%s", unsupported());

	/* One after the other: the first wins, the second finds it registered. */
	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, test_id(0)));
	EXPECT_EQ(EALREADY, set_refused(k.pid, test_id(1)));
	EXPECT_STREQ(one_level(test_id(0), want), contid_of(k.pid, 0, chain_buf));
	kid_stop(&k);

	/* Racing: four writers at once; exactly one wins, and its ID is the chain. */
	while (now() < end || rounds < RACE_MIN_ROUNDS) {
		struct racer r[4];
		int start = 0;
		int i, wins = 0, winner = -1;

		kid_start(&k);
		for (i = 0; i < 4; i++) {
			r[i] = (struct racer){ .target = k.pid, .id = test_id(2 + rounds * 4 + i),
					       .start = &start };
			ASSERT_EQ(0, pthread_create(&r[i].th, NULL, race_write, &r[i]));
		}
		STORE(start, 1);
		for (i = 0; i < 4; i++) {
			pthread_join(r[i].th, NULL);
			ASSERT_TRUE(r[i].err == 0 || r[i].err == EALREADY)
				TH_LOG("errno %d", r[i].err);
			if (r[i].err == 0)
				winner = i;
			wins += r[i].err == 0;
		}
		ASSERT_EQ(1, wins);
		ASSERT_STREQ(one_level(r[winner].id, want), contid_of(k.pid, 0, chain_buf));
		kid_stop(&k);
		rounds++;
	}
	TH_LOG("racing: %d rounds", rounds);
}

/* ---- the deepest chain, read back ---- */

/* At the bottom of a chain: a second thread, both tids published; waits. */
static int bottom_with_thread(void *arg)
{
	struct shared *sh = arg;
	pthread_t th;

	if (pthread_create(&th, NULL, new_thread_body, sh))
		return 1;
	while (!LOAD(sh->tids[1]))
		usleep(1000);
	STORE(sh->pid, getpid());
	STORE(sh->start, 1);
	pthread_join(th, NULL);
	return 0;
}

TEST(read_eight_levels_from_proc_pid_and_task_tid)
{
	unsigned long long ids[MAX_DEPTH];
	struct shared *sh = shared_new();
	char want[CHAIN_MAX] = "";
	pid_t top, pid, tid;
	int i, st;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	/*
	 * The contract: up to 8 levels, read as the UUIDs outermost first,
	 * '/' between them and a newline: 8 * 36 + 7 + 1 = 296 bytes.
	 */
	for (i = 0; i < MAX_DEPTH; i++) {
		ids[i] = test_id(100 + i);
		chain_add(want, ids[i]);
	}
	strcat(want, "\n");
	ASSERT_EQ(296, (int)strlen(want));
	top = fork();
	ASSERT_LE(0, top);
	if (top == 0)
		_exit(descend_run(sh, 0, MAX_DEPTH, ids, bottom_with_thread, sh));
	ASSERT_TRUE(wait_for(&sh->start, 60));
	for (i = 0; i < MAX_DEPTH; i++)
		ASSERT_EQ(0, LOAD(sh->err[i]));
	pid = LOAD(sh->pid);
	tid = LOAD(sh->tids[1]);
	ASSERT_NE(pid, tid);
	EXPECT_STREQ(want, contid_of(pid, 0, chain_buf));
	EXPECT_STREQ(want, contid_of(pid, pid, chain_buf));
	EXPECT_STREQ(want, contid_of(pid, tid, chain_buf));
	EXPECT_NE(NO_SESSION, session_of(pid, 0));
	EXPECT_EQ(session_of(pid, 0), session_of(pid, tid));
	STORE(sh->release, 1);
	ASSERT_EQ(top, waitpid(top, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* ---- session numbers over many registrations ---- */

#define MANY_SESSIONS 3000

/* A fixture only for its timeout: thousands of forks take a while under TCG. */
FIXTURE(slow) {
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

TEST_F_TIMEOUT(slow, sessions_never_repeat_across_3000_registrations, 600)
{
	unsigned long long *s = calloc(MANY_SESSIONS + 1, sizeof(*s));
	struct kid holder, k;
	int i;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	ASSERT_NE(NULL, s);
	/* Half join a container that stays live; half create (and end) one. */
	kid_start(&holder);
	ASSERT_EQ(0, set_contid(holder.pid, test_id(0)));
	s[MANY_SESSIONS] = session_of(holder.pid, 0);
	for (i = 0; i < MANY_SESSIONS; i++) {
		kid_start(&k);
		ASSERT_EQ(0, set_contid(k.pid, i % 2 ? test_id(0) : test_id(1 + i % 16)))
			TH_LOG("registration %d", i);
		s[i] = session_of(k.pid, 0);
		ASSERT_NE(NO_SESSION, s[i]);
		kid_stop(&k);
	}
	kid_stop(&holder);
	qsort(s, MANY_SESSIONS + 1, sizeof(*s), cmp_ull);
	for (i = 1; i <= MANY_SESSIONS; i++) {
		unsigned long long prev = s[i - 1], cur = s[i];

		ASSERT_NE(prev, cur) TH_LOG("session %llu twice", cur);
	}
	free(s);
}

TEST_HARNESS_MAIN
