// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures on every path of ours (run by qemu/guest-debug on the
 * debug kernel, which has FAILSLAB, FAIL_PAGE_ALLOC and their debugfs files).
 *
 * Each task path is walked deterministically: with
 * /proc/self/task/TID/fail-nth set to 1, 2, 3, ... the Nth allocation the
 * task makes fails, until a run completes with no fault injected (the file
 * then still reads non-zero), so every allocation on the path has failed
 * once. Sleeping and order-0 allocations are not exempt here (failslab and
 * fail_page_alloc skip them by default). The packet path runs in softirq,
 * where fail-nth does not reach: it gets a phase with a probability for
 * every context instead (task-filter=N), of atomic allocations only, bounded
 * by a number of faults.
 *
 * Every test acts as the audit daemon and checks: the operation either
 * succeeds completely or fails with an errno the contract allows; every
 * record of ours that is missing is counted in the kernel's lost counter;
 * and afterwards the container listing holds exactly the live containers.
 */
#include "../kselftest_harness.h"
#include "audit.h"

#define FAILSLAB DEBUGFS_DIR "/failslab/"
#define FAILPAGE DEBUGFS_DIR "/fail_page_alloc/"
/* A path that allocates more than this many times is itself a bug. */
#define MAX_NTH 2000

/* ---- the fault attributes ---- */

static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : errno ? errno : EIO;
}

static void get(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		die(path, errno);
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		die(path, n < 0 ? errno : EIO);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* The attributes this file changes, with their values before. */
static const char *const attrs[] = {
	FAILSLAB "ignore-gfp-wait", FAILSLAB "verbose", FAILSLAB "probability",
	FAILSLAB "interval", FAILSLAB "times", FAILSLAB "task-filter",
	FAILPAGE "ignore-gfp-wait", FAILPAGE "min-order", FAILPAGE "verbose",
	FAILPAGE "probability", FAILPAGE "interval", FAILPAGE "times", FAILPAGE "task-filter",
	NULL,
};

#define NATTRS (ARRAY_SIZE(attrs) - 1)

struct faults {
	char saved[NATTRS][32];
};

/* Saves the attributes, then makes sleeping and order-0 allocations fail too. */
static int faults_setup(struct faults *f)
{
	unsigned int i;
	int err = 0;

	if (access(FAILSLAB "probability", W_OK))
		mount("debugfs", DEBUGFS_DIR, "debugfs", 0, NULL);
	for (i = 0; i < NATTRS; i++)
		get(attrs[i], f->saved[i], sizeof(f->saved[i]));
	err |= put(FAILSLAB "ignore-gfp-wait", "N");
	err |= put(FAILSLAB "verbose", "0");
	err |= put(FAILPAGE "ignore-gfp-wait", "N");
	err |= put(FAILPAGE "min-order", "0");
	err |= put(FAILPAGE "verbose", "0");
	return err;
}

static void faults_restore(struct faults *f)
{
	unsigned int i;

	for (i = 0; i < NATTRS; i++)
		put(attrs[i], f->saved[i]);
}

/* ---- fail-nth of the calling thread ---- */

static int nth_open(void)
{
	char path[64];
	int fd;

	sprintf(path, "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path, errno);
	return fd;
}

/* The calling thread's @n-th allocation from now on fails. */
static void nth_arm(int fd, int n)
{
	char s[16];
	int len = sprintf(s, "%d", n);

	if (pwrite(fd, s, len, 0) != len)
		die("arming fail-nth", errno);
}

/* Disarms; whether the armed fault was injected (the count reached 0). */
static bool nth_disarm(int fd)
{
	char s[16];
	ssize_t n = pread(fd, s, sizeof(s) - 1, 0);
	bool injected;

	if (n <= 0)
		die("reading fail-nth", n < 0 ? errno : EIO);
	s[n] = '\0';
	injected = strtoul(s, NULL, 10) == 0;
	if (pwrite(fd, "0", 1, 0) != 1)
		die("disarming fail-nth", errno);
	return injected;
}

/* Collects every record the kernel has queued (the listing waits for the reaper). */
static void settle(struct auditd *d)
{
	char listing[LISTING_MAX];

	listing_read(listing, sizeof(listing));
	auditd_collect(d, 300);
}

/*
 * A process that runs one operation per command, with the command's fault
 * armed: the unit a walk repeats. It starts in no container and has no
 * children between commands, so it can be registered.
 */
struct stepper {
	pid_t pid;
	int sock;
};

struct step {
	int err;	/* what the operation returned, negated: 0 or an errno */
	int hit;	/* whether the armed fault was injected */
};

static void stepper_start(struct stepper *s, int (*op)(void *), void *arg)
{
	int sv[2], nth, n;
	struct step r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair", errno);
	s->pid = fork();
	if (s->pid < 0)
		die("fork", errno);
	if (s->pid == 0) {
		close(sv[0]);
		nth = nth_open();
		while (read(sv[1], &n, sizeof(n)) == sizeof(n) && n) {
			if (n > 0)
				nth_arm(nth, n);
			r.err = -op(arg);
			r.hit = n > 0 && nth_disarm(nth);
			if (write(sv[1], &r, sizeof(r)) != sizeof(r))
				_exit(1);
		}
		_exit(0);
	}
	close(sv[1]);
	s->sock = sv[0];
}

/* Runs the operation once with its @n-th allocation failing (-1: none). */
static struct step stepper_run(struct stepper *s, int n)
{
	struct step r;

	if (write(s->sock, &n, sizeof(n)) != sizeof(n) ||
	    read(s->sock, &r, sizeof(r)) != sizeof(r))
		die("commanding a stepper", EIO);
	return r;
}

static int stepper_stop(struct stepper *s)
{
	int st;

	close(s->sock);
	if (waitpid(s->pid, &st, 0) != s->pid)
		return 254;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

FIXTURE(fault) {
	struct faults f;
	struct auditd d;
	char listing[LISTING_MAX];
	bool started;
};

FIXTURE_SETUP(fault)
{
	self->started = false;
	if (unsupported())
		SKIP(return, "%s", unsupported());
	if (access(FAILSLAB "probability", W_OK))
		mount("debugfs", DEBUGFS_DIR, "debugfs", 0, NULL);
	ASSERT_EQ(0, access(FAILSLAB "probability", W_OK))
		TH_LOG("no failslab in debugfs: needs FAILSLAB, FAIL_PAGE_ALLOC and %s",
		       "FAULT_INJECTION_DEBUG_FS");
	ASSERT_EQ(0, access("/proc/self/fail-nth", W_OK));
	ASSERT_EQ(0, faults_setup(&self->f));
	ASSERT_EQ(0, auditd_start(&self->d));
	self->started = true;
	listing_read(self->listing, sizeof(self->listing));
}

FIXTURE_TEARDOWN(fault)
{
	char after[LISTING_MAX];

	if (!self->started)
		return;
	faults_restore(&self->f);
	auditd_stop(&self->d);
	/* Afterwards the listing holds exactly what it held before: nothing leaked. */
	listing_read(after, sizeof(after));
	EXPECT_STREQ(self->listing, after);
}

/*
 * How many of the records of @type with @needles are missing from what was
 * collected, when @want were expected: the lost counter must explain them.
 */
static unsigned int missing(struct auditd *d, int type, const char *const *needles, int want)
{
	int n = count(d, type, needles);

	return n >= want ? 0 : want - n;
}

/* The one-level chain of @id, without and with the newline procfs adds. */
static void chain_of(unsigned long long id, char *chain, char *line)
{
	chain[0] = '\0';
	chain_add(chain, id);
	sprintf(line, "%s\n", chain);
}

/* ---- registration: the writer's allocations ---- */

TEST_F_TIMEOUT(fault, registration_write_gives_0_enomem_or_efault_and_logs_or_counts, 900)
{
	char chain[CHAIN_MAX], line[CHAIN_MAX], got[CHAIN_MAX], opid[32], contid[CHAIN_MAX + 16];
	char session[48];
	unsigned long long id = test_id(0);
	int nth = nth_open(), n, err, faults = 0;
	unsigned int lost0, lost1;
	bool hit = true;

	chain_of(id, chain, line);
	snprintf(contid, sizeof(contid), " contid=%s ", chain);
	for (n = 1; hit; n++) {
		char path[64], s[40];
		struct kid k;
		int fd;

		ASSERT_GE(MAX_NTH, n) TH_LOG("the write still allocates after %d faults", n);
		kid_start(&k);
		snprintf(opid, sizeof(opid), " opid=%d ", k.pid);
		proc_path(path, k.pid, 0, "audit_containerid");
		fd = open(path, O_WRONLY);
		ASSERT_LE(0, fd);
		sprintf(s, "0x%llx\n", id);
		auditd_forget(&self->d);
		lost0 = kernel_lost();
		nth_arm(nth, n);
		err = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : errno;
		hit = nth_disarm(nth);
		close(fd);
		ASSERT_TRUE(err == 0 || err == ENOMEM || err == EFAULT)
			TH_LOG("fault %d: errno %d", n, err);
		ASSERT_TRUE(hit || err == 0) TH_LOG("no fault injected, yet errno %d", err);
		ASSERT_STREQ(err ? UNSET : line, contid_of(k.pid, 0, got));
		ASSERT_EQ(!err, debugfs_lookup(chain, NULL, NULL));
		/* The session /proc shows; unset, the placeholder, after a failure. */
		if (err)
			snprintf(session, sizeof(session), " contsession=unset ");
		else
			snprintf(session, sizeof(session), " contsession=%llu ",
				 session_of(k.pid, 0));
		kid_stop(&k);
		ASSERT_EQ(0, debugfs_lookup(chain, NULL, NULL));
		settle(&self->d);
		lost1 = kernel_lost();
		const char *const set[] = { " op=set ", opid, contid, session,
					    err ? " res=0" : " res=1", NULL };
		const char *const destroy[] = { " op=destroy", contid, NULL };

		/* The attempt is logged once, or its record is counted as lost. */
		ASSERT_GE(1, count(&self->d, AUDIT_CONTAINER_OP, set));
		ASSERT_GE(lost1 - lost0, missing(&self->d, AUDIT_CONTAINER_OP, set, 1))
			TH_LOG("fault %d: errno %d: no op=set record, none counted lost", n, err);
		/* A container's end is logged by the reaper, which no fault reaches. */
		ASSERT_EQ(!err, count(&self->d, AUDIT_CONTAINER_OP, destroy));
		faults += hit;
	}
	ASSERT_LT(0, faults);
	TH_LOG("%d allocations on the registration path, each failed once", faults);
}

/* ---- a fork in a container ---- */

/* In a new child: whether it has its parent's chain and session. */
static int same_as_parent(void)
{
	char mine[CHAIN_MAX], theirs[CHAIN_MAX];

	contid_of(getpid(), 0, mine);
	contid_of(getppid(), 0, theirs);
	if (strcmp(mine, theirs) || !strcmp(mine, UNSET))
		return 1;
	return session_of(getpid(), 0) == session_of(getppid(), 0) ? 0 : 2;
}

static int op_fork(void *arg)
{
	pid_t c = fork();
	int st;

	(void)arg;
	if (c < 0)
		return -errno;
	if (c == 0)
		_exit(same_as_parent());
	if (waitpid(c, &st, 0) != c)
		return -ECHILD;
	/* A child without the chain: no errno means that, EXDEV stands for it. */
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EXDEV;
}

TEST_F_TIMEOUT(fault, fork_in_a_container_fails_cleanly_or_inherits, 900)
{
	char chain[CHAIN_MAX], line[CHAIN_MAX];
	unsigned long long id = test_id(1);
	struct stepper s;
	struct step r = { .hit = 1 };
	int n, tasks, faults = 0;

	chain_of(id, chain, line);
	stepper_start(&s, op_fork, NULL);
	ASSERT_EQ(0, set_contid(s.pid, id));
	for (n = 1; r.hit; n++) {
		ASSERT_GE(MAX_NTH, n) TH_LOG("fork still allocates after %d faults", n);
		r = stepper_run(&s, n);
		ASSERT_TRUE(r.err == 0 || r.err == ENOMEM) TH_LOG("fault %d: errno %d", n, r.err);
		ASSERT_TRUE(r.hit || r.err == 0);
		/* The child, made or not, is gone: the container counts one task. */
		ASSERT_EQ(1, debugfs_lookup(chain, &tasks, NULL));
		ASSERT_EQ(1, tasks) TH_LOG("fault %d", n);
		faults += r.hit;
	}
	ASSERT_EQ(0, stepper_stop(&s));
	ASSERT_EQ(0, debugfs_lookup(chain, NULL, NULL));
	ASSERT_LT(0, faults);
	TH_LOG("%d allocations on a contained fork, each failed once", faults);
}

/* ---- an audited event in a container ---- */

static int op_getppid(void *arg)
{
	(void)arg;
	syscall(SYS_getppid);
	return 0;
}

TEST_F_TIMEOUT(fault, audited_event_in_a_container_logs_its_records_or_counts, 900)
{
	char chain[CHAIN_MAX], line[CHAIN_MAX], pid[32], contid[CHAIN_MAX + 16];
	unsigned long long id = test_id(2);
	struct step r = { .hit = 1 };
	unsigned int lost0, lost1;
	int n, faults = 0;
	struct stepper s;

	chain_of(id, chain, line);
	snprintf(contid, sizeof(contid), "contid=%s", chain);
	ASSERT_EQ(0, auditd_add_rule(&self->d, SYS_getppid));
	stepper_start(&s, op_getppid, NULL);
	snprintf(pid, sizeof(pid), " pid=%d ", s.pid);
	ASSERT_EQ(0, set_contid(s.pid, id));
	for (n = 1; r.hit; n++) {
		const char *const sys[] = { " syscall=110 ", pid, NULL };
		const char *const cid[] = { contid, NULL };
		int i, events = 0, paired = 0, ids = 0;

		ASSERT_GE(MAX_NTH, n) TH_LOG("an event still allocates after %d faults", n);
		settle(&self->d);
		auditd_forget(&self->d);
		lost0 = kernel_lost();
		r = stepper_run(&s, n);
		settle(&self->d);
		lost1 = kernel_lost();
		records_complete(&self->d);
		for (i = 0; i < self->d.n; i++) {
			struct record *rec = &self->d.rec[i];

			if (matches(rec, AUDIT_SYSCALL, sys)) {
				events++;
				paired += !!in_event(&self->d, AUDIT_CONTAINER_ID, rec->serial);
			}
			ids += matches(rec, AUDIT_CONTAINER_ID, cid);
		}
		/* One getppid() event, with its CONTAINER_ID; what is missing counts as lost. */
		ASSERT_GE(1, events);
		ASSERT_GE(1, ids);
		ASSERT_GE(lost1 - lost0, (unsigned int)(1 - paired))
			TH_LOG("fault %d: %d events, %d with their ID, %d CONTAINER_ID, +%u lost",
			       n, events, paired, ids, lost1 - lost0);
		faults += r.hit;
	}
	ASSERT_EQ(0, stepper_stop(&s));
	ASSERT_LT(0, faults);
	TH_LOG("%d allocations on a contained event, each failed once", faults);
}

/* ---- a namespace change in a container ---- */

static int op_unshare(void *arg)
{
	(void)arg;
	return unshare(CLONE_NEWUTS) ? -errno : 0;
}

TEST_F_TIMEOUT(fault, namespace_change_in_a_container_logs_or_counts, 900)
{
	char chain[CHAIN_MAX], line[CHAIN_MAX], opid[32];
	unsigned long long id = test_id(3);
	struct step r = { .hit = 1 };
	unsigned int lost0, lost1;
	int n, faults = 0;
	struct stepper s;

	chain_of(id, chain, line);
	/* An exit rule on unshare selects the event, whatever logs op=ns. */
	ASSERT_EQ(0, auditd_add_rule(&self->d, SYS_unshare));
	stepper_start(&s, op_unshare, NULL);
	snprintf(opid, sizeof(opid), " opid=%d ", s.pid);
	ASSERT_EQ(0, set_contid(s.pid, id));
	for (n = 1; r.hit; n++) {
		const char *const ns[] = { " op=ns ", opid, NULL };
		int want;

		ASSERT_GE(MAX_NTH, n) TH_LOG("unshare still allocates after %d faults", n);
		settle(&self->d);
		auditd_forget(&self->d);
		lost0 = kernel_lost();
		r = stepper_run(&s, n);
		ASSERT_TRUE(r.err == 0 || r.err == ENOMEM) TH_LOG("fault %d: errno %d", n, r.err);
		ASSERT_TRUE(r.hit || r.err == 0);
		settle(&self->d);
		lost1 = kernel_lost();
		/* A change made is logged once (or counted lost); one not made, never. */
		want = r.err ? 0 : 1;
		ASSERT_GE(want, count(&self->d, AUDIT_CONTAINER_OP, ns)) TH_LOG("fault %d", n);
		ASSERT_GE(lost1 - lost0, missing(&self->d, AUDIT_CONTAINER_OP, ns, want))
			TH_LOG("fault %d: no op=ns record, none counted lost", n);
		ASSERT_EQ(1, debugfs_lookup(chain, NULL, NULL));
		faults += r.hit;
	}
	ASSERT_EQ(0, stepper_stop(&s));
	ASSERT_LT(0, faults);
	TH_LOG("%d allocations on a contained unshare, each failed once", faults);
}

/* ---- packets: softirq, faults by probability in every context ---- */

/* In a new network namespace: loopback up, UDP to port 9 logged on input. */
static int packet_setup(void)
{
	FILE *f;

	if (unshare(CLONE_NEWNET))
		return -errno;
	if (loopback_up())
		return -EIO;
	f = popen(NFT " -f -", "w");
	if (!f)
		return -EIO;
	fprintf(f, "table ip faults {\n"
		"  chain in {\n"
		"    type filter hook input priority 0; policy accept;\n"
		"    udp dport 9 log level audit\n"
		"  }\n"
		"}\n");
	return pclose(f) ? -EIO : 0;
}

#define BATCH 20
#define BATCHES 10
#define BUDGET "200"

/* Sends a batch; how many sendto() calls succeeded (faults may refuse some). */
static int op_send(void *arg)
{
	int i, sent = 0;

	(void)arg;
	for (i = 0; i < BATCH; i++)
		sent += send_packet() == 0;
	return sent;
}

/* The first command sets the namespace up, every later one sends a batch. */
static int sender_op(void *arg)
{
	static bool ready;

	if (!ready) {
		ready = true;
		return packet_setup();
	}
	return op_send(arg);
}

/*
 * Writes an attribute while faults may be on: the write itself may fail for
 * want of memory, so it is tried again (each failure uses up the budget).
 */
static int put_faulted(const char *path, const char *val)
{
	int i, err = 0;

	for (i = 0; i < 1000; i++) {
		err = put(path, val);
		if (err != ENOMEM)
			break;
	}
	return err;
}

/*
 * Faults in every context (task-filter=N), of atomic allocations only
 * (ignore-gfp-wait=Y): the packet path allocates atomically in softirq,
 * while this process's own calls allocate with GFP_KERNEL and are spared.
 * At most @budget faults of each kind; none until probability() turns
 * them on.
 */
static int packet_faults(const char *budget)
{
	int err = 0;

	err |= put(FAILSLAB "probability", "0");
	err |= put(FAILPAGE "probability", "0");
	err |= put(FAILSLAB "ignore-gfp-wait", "Y");
	err |= put(FAILPAGE "ignore-gfp-wait", "Y");
	err |= put(FAILSLAB "task-filter", "N");
	err |= put(FAILPAGE "task-filter", "N");
	err |= put(FAILSLAB "interval", "1");
	err |= put(FAILPAGE "interval", "1");
	err |= put(FAILSLAB "times", budget);
	err |= put(FAILPAGE "times", budget);
	return err;
}

/*
 * Sets the probability of a fault in percent. Turning faults off is a write
 * made while they are on: it may fail for want of memory, and is retried.
 */
static int probability(const char *percent)
{
	int err = 0;

	err |= put_faulted(FAILSLAB "probability", percent);
	err |= put_faulted(FAILPAGE "probability", percent);
	return err;
}

static int remaining(const char *attr)
{
	char v[32];

	get(attr, v, sizeof(v));
	return atoi(v);
}

TEST_F_TIMEOUT(fault, packets_under_random_faults_log_their_containers_or_count, 900)
{
	char chain[CHAIN_MAX], line[CHAIN_MAX], contid[CHAIN_MAX + 16];
	unsigned long long id = test_id(4);
	unsigned int lost0, lost1, phase_lost;
	int b, sent = 0, logged = 0, injected;
	struct stepper s;
	struct step r;

	chain_of(id, chain, line);
	snprintf(contid, sizeof(contid), "contid=%s", chain);
	stepper_start(&s, sender_op, NULL);
	r = stepper_run(&s, -1);
	ASSERT_EQ(0, r.err);
	/* Registered in its new namespace: attributed to it. */
	ASSERT_EQ(0, set_contid(s.pid, id));
	ASSERT_EQ(0, packet_faults(BUDGET));
	phase_lost = kernel_lost();
	for (b = 0; b < BATCHES; b++) {
		const char *const cid[] = { contid, NULL };
		int i, pkts = 0, paired = 0, ids = 0;

		settle(&self->d);
		auditd_forget(&self->d);
		lost0 = kernel_lost();
		ASSERT_EQ(0, probability("10"));
		r = stepper_run(&s, -1);
		ASSERT_EQ(0, probability("0"));
		sent -= r.err;
		settle(&self->d);
		lost1 = kernel_lost();
		records_complete(&self->d);
		for (i = 0; i < self->d.n; i++) {
			struct record *rec = &self->d.rec[i];

			if (rec->type == AUDIT_NETFILTER_PKT) {
				pkts++;
				paired += !!in_event(&self->d, AUDIT_CONTAINER_ID, rec->serial);
			}
			ids += matches(rec, AUDIT_CONTAINER_ID, cid);
		}
		logged += paired;
		/*
		 * A packet that reached the rule is logged with its container;
		 * a record missing from an event is counted lost.
		 */
		ASSERT_GE(BATCH, pkts);
		ASSERT_GE(lost1 - lost0, (unsigned int)(pkts - paired)) TH_LOG("batch %d", b);
		ASSERT_GE(lost1 - lost0, (unsigned int)(ids > paired ? ids - paired : 0))
			TH_LOG("batch %d", b);
	}
	injected = 2 * atoi(BUDGET) - remaining(FAILSLAB "times") - remaining(FAILPAGE "times");
	ASSERT_EQ(0, stepper_stop(&s));
	ASSERT_EQ(0, debugfs_lookup(chain, NULL, NULL));
	/* Faults happened, and the path still worked between them. */
	phase_lost = kernel_lost() - phase_lost;
	/*
	 * Faults happened, some of them on the packets' records (counted
	 * lost), and the path still worked between them.
	 */
	ASSERT_LT(0, injected);
	ASSERT_LT(0U, phase_lost);
	ASSERT_LT(0, logged);
	TH_LOG("%d packets sent, %d logged with their container, %d faults, %u records lost",
	       sent, logged, injected, phase_lost);
}

TEST_HARNESS_MAIN
