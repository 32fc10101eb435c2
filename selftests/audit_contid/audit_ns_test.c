// SPDX-License-Identifier: GPL-2.0
/*
 * Namespace changes and packets of tasks in containers, read as the audit
 * daemon:
 *  - CONTAINER_OP op=ns in the syscall event of unshare(), setns() and
 *    clone() with namespace flags, for each namespace type, with the old and
 *    new nsfs inode of each namespace that changed; nothing for tasks
 *    outside containers;
 *  - the CONTAINER_ID record of a NETFILTER_PKT record (nftables "log level
 *    audit"), listing the containers whose tasks used the packet's network
 *    namespace, sorted, at most 32 (contid-omitted= counts the rest); none
 *    for a namespace no container used, and none once its containers died.
 *    The debugfs listing shows each container's network namespaces.
 * Needs nft (Debian's nftables) and a kernel with NF_TABLES and NFT_LOG.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "../kselftest_harness.h"
#include "audit.h"

#ifndef AUDIT_NETFILTER_PKT
#define AUDIT_NETFILTER_PKT 1324
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define TYPES 8
#define USER 5	/* the user namespace's index in types[] */

/* Documentation/admin-guide/audit-containerid.rst, "op=ns". */
static const struct nstype {
	const char *proc;	/* its file in /proc/PID/ns/ */
	const char *key;	/* the record's old-<key>= and new-<key>= */
	int flag;
} types[TYPES] = {
	{ "mnt", "mntns", CLONE_NEWNS },
	{ "uts", "utsns", CLONE_NEWUTS },
	{ "ipc", "ipcns", CLONE_NEWIPC },
	{ "pid_for_children", "pidns_for_children", CLONE_NEWPID },
	{ "net", "netns", CLONE_NEWNET },
	{ "user", "userns", CLONE_NEWUSER },
	{ "cgroup", "cgroupns", CLONE_NEWCGROUP },
	{ "time_for_children", "timens_for_children", CLONE_NEWTIME },
};

/* What the test's children report back, in shared memory. */
struct report {
	int ready, release, err;
	pid_t pid;
	unsigned long long before[TYPES], after[TYPES], back[TYPES];
	unsigned long long net;	/* a network namespace's inode */
};

static struct report *report_new(void)
{
	struct report *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		die("mmap", errno);
	memset(r, 0, sizeof(*r));
	return r;
}

static unsigned long long ns_ino(pid_t pid, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, name);
	if (stat(path, &st))
		die(path, errno);
	return st.st_ino;
}

static const char *uuid_of(unsigned long long v)
{
	static char u[8][40];
	static int i;

	i = (i + 1) % 8;
	fmt_uuid(v, u[i]);
	return u[i];
}

#define FIELD(fmt, ...) ({ static char _f[CHAIN_MAX + 64]; \
	snprintf(_f, sizeof(_f), fmt, __VA_ARGS__); _f; })

/* Lets a started agent run (agent_start() holds it until then). */
static void agent_go(struct agent *a)
{
	if (write(a->go, "g", 1) != 1)
		die("releasing an agent", errno);
	close(a->go);
}

static int agent_wait(struct agent *a)
{
	int st;

	if (waitpid(a->pid, &st, 0) != a->pid)
		return 254;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/* In an agent: tell the test, and hold until it says go on. */
static void hold(struct report *r)
{
	STORE(r->ready, 1);
	if (!wait_for(&r->release, 60))
		_exit(100);
}

/* How many times @needle occurs in @text. */
static int occurrences(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)); text += strlen(needle))
		n++;
	return n;
}

/* The op=ns record of task @pid showing @key go from @old to @new. */
static struct record *ns_record(struct auditd *d, pid_t pid, const char *key,
				unsigned long long old, unsigned long long new)
{
	return find(d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=ns ", FIELD("opid=%d ", pid),
		FIELD(" old-%s=%llu new-%s=%llu", key, old, key, new), NULL });
}

/* The NETFILTER_PKT records collected, in order (only tests log packets). */
static int packets(struct auditd *d, struct record **out, int max)
{
	int i, n = 0;

	records_complete(d);
	for (i = 0; i < d->n && n < max; i++)
		if (d->rec[i].type == AUDIT_NETFILTER_PKT)
			out[n++] = &d->rec[i];
	return n;
}

/* Whether the listing's comma-separated @list holds inode @ino. */
static bool listed(const char *list, unsigned long long ino)
{
	char want[32];
	size_t n = snprintf(want, sizeof(want), "%llu", ino);
	const char *p;

	for (p = list; (p = strstr(p, want)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* The text of @r after its "audit(...): " prefix. */
static const char *body(const struct record *r)
{
	const char *p = strstr(r->text, "): ");

	return p ? p + 3 : r->text;
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
}

FIXTURE_TEARDOWN(audit)
{
	if (self->d.fd > 0)
		auditd_stop(&self->d);
}

struct one_type {
	struct report *r;
	int type;
};

static int unshare_one(void *arg)
{
	struct one_type *a = arg;
	const struct nstype *t = &types[a->type];

	a->r->before[a->type] = ns_ino(getpid(), t->proc);
	if (unshare(t->flag))
		return 1;
	a->r->after[a->type] = ns_ino(getpid(), t->proc);
	return 0;
}

TEST_F(audit, unshare_of_each_type_is_logged)
{
	struct report *r = report_new();
	struct record *op;
	struct agent a;
	int i, j;

	for (i = 0; i < TYPES; i++) {
		struct one_type arg = { r, i };
		unsigned long long id = test_id(i), session;

		agent_start(&a, unshare_one, &arg);
		ASSERT_EQ(0, set_contid(a.pid, id));
		session = session_of(a.pid, 0);
		ASSERT_EQ(0, agent_finish(&a)) TH_LOG("unshare(%s)", types[i].proc);
		ASSERT_NE(r->before[i], r->after[i]);
		auditd_collect(&self->d, 300);
		op = find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
			"op=ns ", FIELD("opid=%d ", a.pid), FIELD("contid=%s ", uuid_of(id)),
			FIELD("contsession=%llu ", session), " nsdev=",
			FIELD(" old-%s=%llu new-%s=%llu", types[i].key, r->before[i],
			      types[i].key, r->after[i]), NULL });
		ASSERT_NE(NULL, op) TH_LOG("no op=ns record for unshare(%s)", types[i].proc);
		/* Only the namespace that changed; res= last. */
		EXPECT_EQ(1, occurrences(op->text, " old-"));
		EXPECT_EQ(1, occurrences(op->text, " new-"));
		for (j = 0; j < TYPES; j++)
			if (j != i)
				EXPECT_EQ(NULL, strstr(op->text, FIELD(" old-%s=", types[j].key)));
		EXPECT_EQ(0, strcmp(op->text + strlen(op->text) - 6, " res=1"));
		/* Part of the unshare() syscall's event. */
		EXPECT_NE(NULL, in_event(&self->d, AUDIT_SYSCALL, op->serial));
		auditd_forget(&self->d);
	}
}

/* A process outside containers with a namespace of each type of its own. */
static int elsewhere(void *arg)
{
	struct report *r = arg;
	int all = 0, i;

	for (i = 0; i < TYPES; i++)
		all |= types[i].flag;
	if (unshare(all))
		return 1;
	hold(r);
	return 0;
}

struct travel {
	struct report *r;	/* what the traveller saw */
	pid_t there;		/* the process whose namespaces it enters */
};

/*
 * Enters the namespaces of another process one type at a time, then goes
 * back into the initial ones (the "escape" an officer looks for), the user
 * namespace last (a task cannot go back to its parent user namespace).
 */
static int travel(void *arg)
{
	struct travel *t = arg;
	int home[TYPES], away[TYPES], i;
	char path[64];

	for (i = 0; i < TYPES; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", t->there, types[i].proc);
		away[i] = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", types[i].proc);
		home[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (away[i] < 0 || home[i] < 0)
			return 1;
		t->r->before[i] = ns_ino(getpid(), types[i].proc);
	}
	for (i = 0; i < TYPES; i++) {
		if (i == USER)
			continue;
		if (setns(away[i], types[i].flag))
			return 10 + i;
		t->r->after[i] = ns_ino(getpid(), types[i].proc);
	}
	for (i = 0; i < TYPES; i++) {
		if (i == USER)
			continue;
		if (setns(home[i], types[i].flag))
			return 20 + i;
		t->r->back[i] = ns_ino(getpid(), types[i].proc);
	}
	if (setns(away[USER], CLONE_NEWUSER))
		return 30;
	t->r->after[USER] = ns_ino(getpid(), types[USER].proc);
	return 0;
}

TEST_F(audit, setns_into_other_namespaces_and_back_is_logged)
{
	struct report *there = report_new(), *r = report_new();
	struct travel arg = { .r = r };
	unsigned long long id = test_id(0);
	struct agent a, h;
	struct record *op;
	int i;

	agent_start(&h, elsewhere, there);
	agent_go(&h);
	ASSERT_TRUE(wait_for(&there->ready, 10));
	arg.there = h.pid;
	agent_start(&a, travel, &arg);
	ASSERT_EQ(0, set_contid(a.pid, id));
	ASSERT_EQ(0, agent_finish(&a));
	STORE(there->release, 1);
	ASSERT_EQ(0, agent_wait(&h));
	auditd_collect(&self->d, 300);

	for (i = 0; i < TYPES; i++) {
		ASSERT_NE(r->before[i], r->after[i]) TH_LOG("%s", types[i].proc);
		op = ns_record(&self->d, a.pid, types[i].key, r->before[i], r->after[i]);
		ASSERT_NE(NULL, op) TH_LOG("no op=ns record for setns(%s)", types[i].proc);
		EXPECT_NE(NULL, strstr(op->text, FIELD("contid=%s ", uuid_of(id))));
		EXPECT_EQ(1, occurrences(op->text, " old-"));
		EXPECT_NE(NULL, in_event(&self->d, AUDIT_SYSCALL, op->serial));
		if (i == USER)
			continue;
		/* Back into the initial namespace. */
		ASSERT_EQ(r->before[i], r->back[i]);
		op = ns_record(&self->d, a.pid, types[i].key, r->after[i], r->back[i]);
		ASSERT_NE(NULL, op) TH_LOG("no op=ns record for setns(%s) back", types[i].proc);
		EXPECT_EQ(1, occurrences(op->text, " old-"));
		EXPECT_NE(NULL, in_event(&self->d, AUDIT_SYSCALL, op->serial));
	}
	/* 7 types there and back, and the user namespace. */
	EXPECT_EQ(2 * TYPES - 1, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=ns ", FIELD("opid=%d ", a.pid), NULL }));
}

static int clone_child(void *arg)
{
	struct report *r = arg;

	r->after[1] = ns_ino(getpid(), "uts");
	r->after[4] = ns_ino(getpid(), "net");
	return 0;
}

static int cloner(void *arg)
{
	struct report *r = arg;
	pid_t pid;
	int st;

	r->before[1] = ns_ino(getpid(), "uts");
	r->before[4] = ns_ino(getpid(), "net");
	pid = syscall(SYS_clone, CLONE_NEWNET | CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(clone_child(r));
	if (pid < 0 || waitpid(pid, &st, 0) != pid || st)
		return 1;
	r->pid = pid;
	/* A fork without namespace flags changes nothing: nothing logged. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	r->err = pid;
	return 0;
}

TEST_F(audit, clone_with_namespace_flags_is_logged)
{
	struct report *r = report_new();
	unsigned long long id = test_id(0);
	struct record *op;
	struct agent a;

	agent_start(&a, cloner, r);
	ASSERT_EQ(0, set_contid(a.pid, id));
	ASSERT_EQ(0, agent_finish(&a));
	auditd_collect(&self->d, 300);
	op = find(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		"op=ns ", FIELD("opid=%d ", r->pid), FIELD("contid=%s ", uuid_of(id)),
		FIELD(" old-utsns=%llu new-utsns=%llu", r->before[1], r->after[1]),
		FIELD(" old-netns=%llu new-netns=%llu", r->before[4], r->after[4]), NULL });
	ASSERT_NE(NULL, op) TH_LOG("no op=ns record for the clone");
	EXPECT_EQ(2, occurrences(op->text, " old-"));
	/* In the creator's clone() event. */
	EXPECT_NE(NULL, in_event(&self->d, AUDIT_SYSCALL, op->serial));
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){
		FIELD("opid=%d ", r->err), NULL }));
}

static int uncontained(void *arg)
{
	struct report *r = arg;
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	pid_t pid;
	int st;

	if (home < 0 || unshare(CLONE_NEWNET | CLONE_NEWUTS) || setns(home, CLONE_NEWNET))
		return 1;
	pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	r->pid = pid;
	return 0;
}

TEST_F(audit, outside_containers_nothing_is_logged)
{
	struct report *r = report_new();

	ASSERT_EQ(0, in_child(uncontained, r));
	auditd_collect(&self->d, 300);
	EXPECT_EQ(0, count(&self->d, AUDIT_CONTAINER_OP, (const char *const[]){ "op=ns ", NULL }));
}

/* In a container: a network namespace of its own, a packet logged there. */
static int packet_in_own_namespace(void *arg)
{
	struct report *r = arg;

	if (access(NFT, X_OK))
		return 90;
	if (unshare(CLONE_NEWNET))
		return 1;
	r->net = ns_ino(getpid(), "net");
	if (packet_rule("audit_contid_test"))
		return 2;
	if (send_packet())
		return 3;
	hold(r);
	return 0;
}

TEST_F(audit, packet_names_the_containers_of_its_namespace)
{
	struct report *r = report_new();
	unsigned long long id = test_id(0);
	struct record *pkt[4], *cid;
	char netns[NETNS_MAX];
	struct agent a;
	int rc;

	agent_start(&a, packet_in_own_namespace, r);
	ASSERT_EQ(0, set_contid(a.pid, id));
	agent_go(&a);
	if (!wait_for(&r->ready, 30)) {
		rc = agent_wait(&a);
		ASSERT_NE(90, rc) TH_LOG(NFT " is missing: 'make deps' installs nftables");
		ASSERT_EQ(0, rc);
	}
	/*
	 * The listing shows the namespace the container's task created, and
	 * the one it was registered in.
	 */
	ASSERT_EQ(1, debugfs_lookup_netns(uuid_of(id), NULL, NULL, netns));
	EXPECT_TRUE(listed(netns, r->net)) TH_LOG("%s", netns);
	EXPECT_TRUE(listed(netns, ns_ino(getpid(), "net"))) TH_LOG("%s", netns);
	STORE(r->release, 1);
	ASSERT_EQ(0, agent_wait(&a));
	auditd_collect(&self->d, 300);

	ASSERT_EQ(1, packets(&self->d, pkt, 4));
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial);
	ASSERT_NE(NULL, cid) TH_LOG("no CONTAINER_ID in the packet's event");
	EXPECT_STREQ(FIELD("contid=%s", uuid_of(id)), body(cid));
	/* After the packet's record, in its event. */
	EXPECT_EQ(0, event_index(&self->d, AUDIT_NETFILTER_PKT, pkt[0]->serial));
	EXPECT_EQ(1, event_index(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial));
}

/* Outside containers: a namespace of its own, a packet logged there. */
static int packet_uncontained(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWNET))
		return 1;
	return packet_rule("audit_contid_test") || send_packet() ? 2 : 0;
}

TEST_F(audit, packet_in_namespace_without_containers_has_none)
{
	struct report *r = report_new();
	struct record *pkt[4];

	ASSERT_EQ(0, in_child(packet_uncontained, r));
	auditd_collect(&self->d, 300);
	ASSERT_EQ(1, packets(&self->d, pkt, 4));
	EXPECT_EQ(NULL, in_event(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial));
}

/* Outside containers, registered later: a namespace of its own. */
static int waits_in_own_namespace(void *arg)
{
	struct report *r = arg;

	if (unshare(CLONE_NEWNET) || packet_rule("audit_contid_test"))
		return 1;
	r->net = ns_ino(getpid(), "net");
	hold(r);
	/* Registered meanwhile. */
	return send_packet() ? 2 : 0;
}

TEST_F(audit, registration_names_the_container_in_the_target_namespace)
{
	struct report *r = report_new();
	unsigned long long id = test_id(0);
	struct record *pkt[4], *cid;
	struct agent a;

	agent_start(&a, waits_in_own_namespace, r);
	agent_go(&a);
	ASSERT_TRUE(wait_for(&r->ready, 30));
	ASSERT_EQ(0, set_contid(a.pid, id));
	STORE(r->release, 1);
	ASSERT_EQ(0, agent_wait(&a));
	auditd_collect(&self->d, 300);
	ASSERT_EQ(1, packets(&self->d, pkt, 4));
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial);
	ASSERT_NE(NULL, cid);
	EXPECT_STREQ(FIELD("contid=%s", uuid_of(id)), body(cid));
}

/* Enters the network namespace of another process and sends a packet there. */
static int packet_in_their_namespace(void *arg)
{
	struct travel *t = arg;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", t->there);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		return 1;
	if (send_packet())
		return 2;
	hold(t->r);
	return 0;
}

TEST_F(audit, containers_sharing_a_namespace_are_listed_sorted_and_go_when_they_die)
{
	struct report *ra = report_new(), *rb = report_new();
	/* B's ID sorts before A's: the record's order is not the order of entry. */
	unsigned long long ida = test_id(5), idb = test_id(4);
	struct travel tb = { .r = rb };
	char netns[NETNS_MAX], path[64];
	struct record *pkt[4], *cid;
	struct agent a, b;
	int fd, st;
	pid_t pid;

	agent_start(&a, packet_in_own_namespace, ra);
	ASSERT_EQ(0, set_contid(a.pid, ida));
	agent_go(&a);
	ASSERT_TRUE(wait_for(&ra->ready, 30));
	/* Keeps A's namespace once A is gone. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", a.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	tb.there = a.pid;
	agent_start(&b, packet_in_their_namespace, &tb);
	ASSERT_EQ(0, set_contid(b.pid, idb));
	agent_go(&b);
	ASSERT_TRUE(wait_for(&rb->ready, 30));
	ASSERT_EQ(1, debugfs_lookup_netns(uuid_of(idb), NULL, NULL, netns));
	EXPECT_TRUE(listed(netns, ra->net)) TH_LOG("%s", netns);
	auditd_collect(&self->d, 300);
	/* A's own packet (A alone then), then B's (both). */
	ASSERT_EQ(2, packets(&self->d, pkt, 4));
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial);
	ASSERT_NE(NULL, cid);
	EXPECT_STREQ(FIELD("contid=%s", uuid_of(ida)), body(cid));
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[1]->serial);
	ASSERT_NE(NULL, cid);
	EXPECT_STREQ(FIELD("contid=%s,%s", uuid_of(idb), uuid_of(ida)), body(cid));
	auditd_forget(&self->d);

	/* Both die: the namespace forgets them. */
	STORE(ra->release, 1);
	STORE(rb->release, 1);
	ASSERT_EQ(0, agent_wait(&a));
	ASSERT_EQ(0, agent_wait(&b));
	EXPECT_EQ(0, debugfs_lookup(uuid_of(ida), NULL, NULL));
	EXPECT_EQ(0, debugfs_lookup(uuid_of(idb), NULL, NULL));
	/* A packet there now, from outside containers, names none. */
	pid = fork();
	if (pid == 0)
		_exit(setns(fd, CLONE_NEWNET) || send_packet() ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, st);
	auditd_collect(&self->d, 300);
	ASSERT_EQ(1, packets(&self->d, pkt, 4));
	EXPECT_EQ(NULL, in_event(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial));
	close(fd);
}

/* Documentation/admin-guide/audit-containerid.rst, "Packets": at most 32 named. */
#define NAMED_MAX 32
#define CROWD_MAX (NAMED_MAX + 1)
#define UUID_LEN 36

/* A network namespace of its own with a crowd of tasks in it, in shared memory. */
struct crowd {
	int n;			/* tasks to start */
	int ready, send;
	pid_t kid[CROWD_MAX];
	unsigned long long net;
};

/*
 * Outside containers: a network namespace of its own with the packet rule,
 * and c->n children there that wait. Once the test has registered them,
 * one packet, sent by this task: so the namespace's containers are exactly
 * the children's (attributed when registered, in the target's namespace).
 */
static int crowd_host(void *arg)
{
	struct crowd *c = arg;
	int hold[2], i;
	pid_t pid;
	char b;

	/* Its children, registered, go with it if the test ends early. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		return 6;
	if (access(NFT, X_OK))
		return 90;
	if (unshare(CLONE_NEWNET) || packet_rule("audit_contid_test"))
		return 1;
	c->net = ns_ino(getpid(), "net");
	if (pipe(hold))
		return 2;
	for (i = 0; i < c->n; i++) {
		/* Not forked into shared memory: the child would store its 0 there. */
		pid = fork();
		if (pid < 0)
			return 3;
		if (pid == 0) {
			close(hold[1]);
			_exit(read(hold[0], &b, 1) < 0);
		}
		c->kid[i] = pid;
	}
	close(hold[0]);
	STORE(c->ready, 1);
	if (!wait_for(&c->send, 60))
		return 4;
	if (send_packet())
		return 5;
	close(hold[1]);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Registers @n tasks of one network namespace, each in a container of its
 * own, in the reverse of the record's order; a packet is logged there.
 * Returns the text of the packet's CONTAINER_ID record after "contid=", and
 * fills @chains with the @n chains (UUID_LEN + 1 bytes each) sorted as text.
 */
static const char *crowd_packet(struct __test_metadata *_metadata, struct auditd *d, int n,
				char (*chains)[UUID_LEN + 1])
{
	struct crowd *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char netns[NETNS_MAX], want[32];
	struct record *pkt[4], *cid;
	struct agent a;
	int i, rc;

	ASSERT_NE(MAP_FAILED, c);
	memset(c, 0, sizeof(*c));
	c->n = n;
	for (i = 0; i < n; i++)
		fmt_uuid(test_id(i), chains[i]);
	qsort(chains, n, sizeof(chains[0]), by_text);
	agent_start(&a, crowd_host, c);
	agent_go(&a);
	if (!wait_for(&c->ready, 60)) {
		rc = agent_wait(&a);
		ASSERT_NE(90, rc) TH_LOG(NFT " is missing: 'make deps' installs nftables");
		ASSERT_EQ(0, rc);
	}
	/* Last in the record first: the record's order is not the order of entry. */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, write_contid(c->kid[i], 0, FIELD("%s\n", chains[n - 1 - i]),
					  UUID_LEN + 1)) TH_LOG("task %d", i);
	}
	/* Each is attributed to that namespace alone. */
	snprintf(want, sizeof(want), "%llu", c->net);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(1, debugfs_lookup_netns(chains[i], NULL, NULL, netns)) TH_LOG("%d", i);
		ASSERT_STREQ(want, netns);
	}
	STORE(c->send, 1);
	ASSERT_EQ(0, agent_wait(&a));
	munmap(c, sizeof(*c));
	auditd_collect(d, 300);
	ASSERT_EQ(1, packets(d, pkt, 4));
	cid = in_event(d, AUDIT_CONTAINER_ID, pkt[0]->serial);
	ASSERT_NE(NULL, cid) TH_LOG("no CONTAINER_ID in the packet's event");
	EXPECT_EQ(1, event_index(d, AUDIT_CONTAINER_ID, pkt[0]->serial));
	ASSERT_EQ(0, strncmp(body(cid), "contid=", 7)) TH_LOG("%s", body(cid));
	return body(cid) + 7;
}

/*
 * The comma-separated chains at @list, up to a space or the end: checks
 * each is one of the @n in @chains (sorted), that they are distinct and
 * sorted as text. Returns how many, and in *@rest what follows them.
 */
static int named(struct __test_metadata *_metadata, const char *list,
		 char (*chains)[UUID_LEN + 1], int n, const char **rest)
{
	char prev[UUID_LEN + 1] = "", one[UUID_LEN + 1];
	int len, k = 0;

	for (;;) {
		len = strcspn(list, ", ");
		ASSERT_EQ(UUID_LEN, len) TH_LOG("chain %d of %s", k, list);
		memcpy(one, list, len);
		one[len] = '\0';
		EXPECT_NE(NULL, bsearch(one, chains, n, sizeof(chains[0]), by_text))
			TH_LOG("%s was not registered", one);
		EXPECT_LT(0, strcmp(one, prev)) TH_LOG("%s after %s", one, prev);
		memcpy(prev, one, sizeof(prev));
		k++;
		list += len;
		if (*list != ',')
			break;
		list++;
	}
	*rest = list;
	return k;
}

TEST_F_TIMEOUT(audit, packet_with_32_containers_names_all_32, 180)
{
	char chains[NAMED_MAX][UUID_LEN + 1], want[NAMED_MAX * (UUID_LEN + 1)] = "";
	const char *list;
	int i;

	list = crowd_packet(_metadata, &self->d, NAMED_MAX, chains);
	for (i = 0; i < NAMED_MAX; i++) {
		strcat(want, i ? "," : "");
		strcat(want, chains[i]);
	}
	/* All of them, sorted, and nothing after: no contid-omitted=. */
	EXPECT_STREQ(want, list);
}

TEST_F_TIMEOUT(audit, packet_with_33_containers_names_32_and_counts_one_omitted, 180)
{
	char chains[CROWD_MAX][UUID_LEN + 1];
	const char *list, *rest;

	list = crowd_packet(_metadata, &self->d, CROWD_MAX, chains);
	/* 32 of the 33 (which ones is not said), sorted; then the count left out. */
	EXPECT_EQ(NAMED_MAX, named(_metadata, list, chains, CROWD_MAX, &rest));
	EXPECT_STREQ(" contid-omitted=1", rest);
}

TEST_HARNESS_MAIN
