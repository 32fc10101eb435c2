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

/* ---- the rules, one per errno, each reached in the contract's order ---- */

static int write_own_valid_id(void *arg)
{
	(void)arg;
	return set_contid(getpid(), test_id(0));
}

static int drop_cap_then_write(void *arg)
{
	struct kid *k = arg;
	int err = drop_audit_control();

	if (err)
		return 100;
	/* Own task and another task alike: the capability comes first. */
	if (set_contid(getpid(), test_id(0)) != EPERM)
		return 101;
	if (write_contid(getpid(), 0, "0\n", 2) != EPERM)
		return 102;
	return set_contid(k->pid, test_id(0));
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
	struct kid k;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	ASSERT_EQ(EPERM, in_child(userns_root_writes, &k));
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	kid_stop(&k);
}

TEST(rule2_nil_id_is_einval_before_own_task_check)
{
	if (unsupported())
		SKIP(return, "%s", unsupported());
	EXPECT_EQ(EINVAL, write_contid(getpid(), 0, "0\n", 2));
	EXPECT_EQ(EINVAL, write_contid(getpid(), 0, "junk", 4));
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
	EXPECT_EQ(EPERM, set_contid(getpid(), test_id(0)));
	/* Through another thread's file of our own process too. */
	ASSERT_EQ(0, pthread_create(&th, NULL, park, sh));
	ASSERT_TRUE(wait_for(&sh->ready, 10));
	EXPECT_EQ(EPERM, write_contid(getpid(), LOAD(sh->tids[0]), "0x1\n", 4));
	STORE(sh->release, 1);
	pthread_join(th, NULL);
	/* Kernel threads are never registered: kthreadd is pid 2. */
	EXPECT_EQ(EPERM, set_contid(2, test_id(0)));
	EXPECT_STREQ(UNSET, contid_of(2, 0, chain_buf));
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
	EXPECT_EQ(ESRCH, set_contid(pid, test_id(0)));
	sprintf(path, "/proc/%d/audit_containerid", pid);
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	/* Reaped while the file is open: gone. */
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(-1, write(fd, "0x1\n", 4));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
}

struct scope_args {
	pid_t outside, sibling;
	unsigned long long id;
};

static int writer_in_a(void *arg)
{
	struct scope_args *a = arg;
	int err = set_contid(a->outside, a->id);

	if (err != EXDEV)
		return 100 + err;
	return set_contid(a->sibling, a->id);
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

static int kid_with_child(int ready)
{
	pid_t c = fork();

	if (c == 0) {
		pause();
		_exit(0);
	}
	if (write(ready, &c, sizeof(c)) != sizeof(c))
		return 1;
	pause();
	return 0;
}

TEST(rule6_registered_target_is_ealready_before_children_check)
{
	struct kid k;
	char before[CHAIN_MAX];
	unsigned long long s;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	ASSERT_EQ(0, set_contid(k.pid, test_id(0)));
	contid_of(k.pid, 0, before);
	s = session_of(k.pid, 0);
	EXPECT_EQ(EALREADY, set_contid(k.pid, test_id(1)));
	EXPECT_EQ(EALREADY, set_contid(k.pid, test_id(0)));
	EXPECT_STREQ(before, contid_of(k.pid, 0, chain_buf));
	EXPECT_EQ(s, session_of(k.pid, 0));
	kid_stop(&k);
}

TEST(rule7_target_with_children_is_ebusy)
{
	pid_t pid, grandchild;
	int p[2], st;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	if (pid == 0)
		_exit(kid_with_child(p[1]));
	ASSERT_EQ((ssize_t)sizeof(grandchild), read(p[0], &grandchild, sizeof(grandchild)));
	EXPECT_EQ(EBUSY, set_contid(pid, test_id(0)));
	EXPECT_STREQ(UNSET, contid_of(pid, 0, chain_buf));
	kill(grandchild, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
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
	err = set_contid(t.pid, *id);
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

	EXPECT_EQ(variant->err, write_contid(self->k.pid, 0, variant->input, len));
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
	EXPECT_EQ(EINVAL, write_contid(k.pid, 0, big, sizeof(big)));
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
	EXPECT_EQ(-1, pwrite(fd, "7\n", 2, 1));
	EXPECT_EQ(EINVAL, errno);
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
	sprintf(path, "/proc/%d/audit_containersession", a.pid);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		EXPECT_EQ(-1, write(fd, "1\n", 2));
		close(fd);
	}
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

/* ---- races, each bounded in time ---- */

#define RACE_SECONDS 3
#define RACE_MIN_ROUNDS 20

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

TEST(race_registration_vs_fork_never_lets_a_child_escape)
{
	struct shared *sh = shared_new();
	int rounds = 0, ok = 0, busy = 0;
	double end = now() + RACE_SECONDS;
	long delay = 1;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	/*
	 * The delay before the write adapts so that both orders happen: it
	 * grows while the registration wins and shrinks when the fork does.
	 */
	while (now() < end || rounds < RACE_MIN_ROUNDS || !ok || !busy) {
		char t_chain[CHAIN_MAX], c_chain[CHAIN_MAX];
		struct agent t;
		int err;

		memset(sh, 0, sizeof(*sh));
		agent_start(&t, fork_on_start, sh);
		ASSERT_EQ(1, write(t.go, "g", 1));
		STORE(sh->start, 1);
		jitter(delay);
		err = set_contid(t.pid, test_id(rounds));
		ASSERT_TRUE(wait_for(&sh->ready, 10));
		delay = err ? delay * 3 / 4 + 1 : delay * 2 + 1;
		contid_of(t.pid, 0, t_chain);
		contid_of(LOAD(sh->pid), 0, c_chain);
		if (err == 0) {
			ok++;
			ASSERT_STRNE(UNSET, t_chain);
			ASSERT_STREQ(t_chain, c_chain);
		} else {
			busy++;
			ASSERT_EQ(EBUSY, err);
			ASSERT_STREQ(UNSET, t_chain);
			ASSERT_STREQ(UNSET, c_chain);
		}
		STORE(sh->release, 1);
		close(t.go);
		waitpid(t.pid, NULL, 0);
		rounds++;
		ASSERT_GT(20 * RACE_SECONDS * RACE_MIN_ROUNDS, rounds);
	}
	TH_LOG("%d rounds: %d registered first, %d refused with EBUSY", rounds, ok, busy);
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

TEST(race_registration_vs_new_thread_covers_the_thread)
{
	struct shared *sh = shared_new();
	double end = now() + RACE_SECONDS;
	int rounds = 0;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	while (now() < end || rounds < RACE_MIN_ROUNDS) {
		char t_chain[CHAIN_MAX], th_chain[CHAIN_MAX];
		struct agent t;

		memset(sh, 0, sizeof(*sh));
		agent_start(&t, thread_on_start, sh);
		ASSERT_EQ(1, write(t.go, "g", 1));
		STORE(sh->start, 1);
		jitter(rounds % 64 * 64);
		ASSERT_EQ(0, set_contid(t.pid, test_id(rounds)));
		ASSERT_TRUE(wait_for(&sh->ready, 10));
		contid_of(t.pid, 0, t_chain);
		contid_of(t.pid, LOAD(sh->tids[1]), th_chain);
		ASSERT_STRNE(UNSET, t_chain);
		ASSERT_STREQ(t_chain, th_chain);
		ASSERT_EQ(session_of(t.pid, 0), session_of(t.pid, LOAD(sh->tids[1])));
		STORE(sh->release, 1);
		close(t.go);
		waitpid(t.pid, NULL, 0);
		rounds++;
	}
	TH_LOG("%d rounds", rounds);
}

static int exit_on_start(void *arg)
{
	spin_until(&((struct shared *)arg)->start);
	return 0;
}

TEST(race_registration_vs_exit_gives_success_or_esrch_and_leaks_nothing)
{
	struct shared *sh = shared_new();
	double end = now() + RACE_SECONDS;
	int rounds = 0, ok = 0, gone = 0;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	while (now() < end || rounds < RACE_MIN_ROUNDS) {
		char chain[CHAIN_MAX] = "";
		struct agent t;
		int err;

		memset(sh, 0, sizeof(*sh));
		agent_start(&t, exit_on_start, sh);
		ASSERT_EQ(1, write(t.go, "g", 1));
		STORE(sh->start, 1);
		jitter(rounds % 64 * 64);
		err = set_contid(t.pid, test_id(rounds));
		ASSERT_TRUE(err == 0 || err == ESRCH || err == ENOENT);
		ok += err == 0;
		gone += err != 0;
		close(t.go);
		waitpid(t.pid, NULL, 0);
		chain_add(chain, test_id(rounds));
		ASSERT_EQ(0, debugfs_lookup(chain, NULL, NULL));
		rounds++;
	}
	TH_LOG("%d rounds: %d registered, %d gone", rounds, ok, gone);
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
	double end = now() + RACE_SECONDS;
	int rounds = 0;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	while (now() < end || rounds < RACE_MIN_ROUNDS) {
		char want[CHAIN_MAX] = "";
		struct racer r[4];
		int start = 0;
		int i, wins = 0, winner = -1;
		struct kid k;

		kid_start(&k);
		for (i = 0; i < 4; i++) {
			r[i] = (struct racer){ .target = k.pid, .id = test_id(rounds * 4 + i),
					       .start = &start };
			ASSERT_EQ(0, pthread_create(&r[i].th, NULL, race_write, &r[i]));
		}
		STORE(start, 1);
		for (i = 0; i < 4; i++) {
			pthread_join(r[i].th, NULL);
			ASSERT_TRUE(r[i].err == 0 || r[i].err == EALREADY);
			if (r[i].err == 0)
				winner = i;
			wins += r[i].err == 0;
		}
		ASSERT_EQ(1, wins);
		chain_add(want, r[winner].id);
		strcat(want, "\n");
		ASSERT_STREQ(want, contid_of(k.pid, 0, chain_buf));
		kid_stop(&k);
		rounds++;
	}
	TH_LOG("%d rounds", rounds);
}

TEST_HARNESS_MAIN
