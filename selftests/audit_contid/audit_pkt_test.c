// SPDX-License-Identifier: GPL-2.0
/*
 * Packets of network namespaces that containers used, read as the audit
 * daemon: the CONTAINER_ID record after a NETFILTER_PKT record,
 *
 *   contid=<chain>,<chain>...[ contid-omitted=<n>]
 *
 * listing the containers attributed to the packet's network namespace,
 * newest attribution first, at most 32 (the 32 newest; contid-omitted=
 * counts the rest); none for a namespace no container used, and none once
 * its containers died. Crowds of 1, 2, 32, 33 and 1000 containers in one
 * namespace; the rules people write: nftables "log level audit" in an ip
 * table and in Debian's "table inet", and the xtables AUDIT target through
 * iptables-nft. The debugfs listing shows each container's network
 * namespaces, by namespace ID (NS_GET_ID).
 * Needs nft (Debian's nftables), iptables-nft (Debian's iptables) and a
 * kernel with NF_TABLES_INET, NFT_LOG, NFT_COMPAT and the AUDIT target.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "../kselftest_harness.h"
#include "audit.h"

#ifndef AUDIT_NETFILTER_PKT
#define AUDIT_NETFILTER_PKT 1324
#endif

#define IPTABLES "/usr/sbin/iptables-nft"
#define OUTPUT_MAX 512

/* What the test's children report back, in shared memory. */
struct report {
	int ready, release, err;
	unsigned long long net;	/* a network namespace's ID */
	char output[OUTPUT_MAX];	/* what a failed tool said */
};

static struct report *report_new(void)
{
	return shared_zalloc(sizeof(struct report));
}

/* In an agent: tell the test, and hold until it says go on. */
static void hold(struct report *r)
{
	STORE(r->ready, 1);
	if (!wait_for(&r->release, 60))
		_exit(100);
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

/* Whether the listing's comma-separated @list holds namespace ID @id. */
static bool listed(const char *list, unsigned long long id)
{
	char want[32];
	size_t n = snprintf(want, sizeof(want), "%llu", id);
	const char *p;

	for (p = list; (p = strstr(p, want)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/*
 * Runs the program @argv[0] (fork and exec, no shell) with @input (or
 * nothing) on its standard input; what it prints on standard output and
 * error goes to @out (OUTPUT_MAX bytes). Returns its exit code, 127 if it
 * could not be run, 128 + the signal if one killed it.
 */
static int run(const char *const argv[], const char *input, char *out)
{
	int in[2], o[2], st;
	size_t len = 0;
	ssize_t n;
	char buf[256];
	pid_t pid;

	out[0] = '\0';
	if (pipe2(in, O_CLOEXEC) || pipe2(o, O_CLOEXEC))
		return 127;
	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(o[1], 1) < 0 || dup2(o[1], 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	/* Small enough for the pipe: written before the output is read. */
	if (input && write(in[1], input, strlen(input)) != (ssize_t)strlen(input))
		len = snprintf(out, OUTPUT_MAX, "(input not written) ");
	close(in[1]);
	/* Keeps what fits, reads the rest to the end. */
	while ((n = read(o[0], buf, sizeof(buf))) > 0) {
		n = n < (ssize_t)(OUTPUT_MAX - 1 - len) ? n : (ssize_t)(OUTPUT_MAX - 1 - len);
		memcpy(out + len, buf, n);
		len += n;
	}
	out[len] = '\0';
	close(o[0]);
	if (waitpid(pid, &st, 0) != pid)
		return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

FIXTURE(audit) {
	struct auditd d;
};

FIXTURE_SETUP(audit)
{
	auditd_setup(_metadata, &self->d);
}

FIXTURE_TEARDOWN(audit)
{
	if (self->d.fd > 0)
		auditd_stop(&self->d);
}

/* In a container: a network namespace of its own, a packet logged there. */
static int packet_in_own_namespace(void *arg)
{
	struct report *r = arg;

	if (access(NFT, X_OK))
		return 90;
	if (unshare(CLONE_NEWNET))
		return 1;
	r->net = ns_id(getpid(), "net");
	if (packet_rule("audit_pkt_test"))
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
	agent_let_go(&a);
	if (!wait_for(&r->ready, 30)) {
		rc = agent_reap(&a);
		ASSERT_NE(90, rc) TH_LOG(NFT " is missing: 'make deps' installs nftables");
		ASSERT_EQ(0, rc);
	}
	/*
	 * The listing shows the namespace the container's task created, and
	 * the one it was registered in.
	 */
	ASSERT_EQ(1, debugfs_lookup_netns(uuid_of(id), NULL, NULL, netns));
	EXPECT_TRUE(listed(netns, r->net)) TH_LOG("%s", netns);
	EXPECT_TRUE(listed(netns, ns_id(getpid(), "net"))) TH_LOG("%s", netns);
	STORE(r->release, 1);
	ASSERT_EQ(0, agent_reap(&a));
	auditd_collect(&self->d, 300);

	ASSERT_EQ(1, packets(&self->d, pkt, 4));
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial);
	ASSERT_NE(NULL, cid) TH_LOG("no CONTAINER_ID in the packet's event");
	EXPECT_STREQ(FIELD("contid=%s", uuid_of(id)), body_of(cid));
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
	return packet_rule("audit_pkt_test") || send_packet() ? 2 : 0;
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

	if (unshare(CLONE_NEWNET) || packet_rule("audit_pkt_test"))
		return 1;
	r->net = ns_id(getpid(), "net");
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
	agent_let_go(&a);
	ASSERT_TRUE(wait_for(&r->ready, 30));
	ASSERT_EQ(0, set_contid(a.pid, id));
	STORE(r->release, 1);
	ASSERT_EQ(0, agent_reap(&a));
	auditd_collect(&self->d, 300);
	ASSERT_EQ(1, packets(&self->d, pkt, 4));
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial);
	ASSERT_NE(NULL, cid);
	EXPECT_STREQ(FIELD("contid=%s", uuid_of(id)), body_of(cid));
}

struct travel {
	struct report *r;	/* what the traveller saw */
	pid_t there;		/* the process whose namespace it enters */
};

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

TEST_F(audit, containers_sharing_a_namespace_are_listed_newest_first_and_go_when_they_die)
{
	struct report *ra = report_new(), *rb = report_new();
	/* B's ID sorts after A's: the record's order is not the IDs' order. */
	unsigned long long ida = test_id(4), idb = test_id(5);
	struct travel tb = { .r = rb };
	char netns[NETNS_MAX], path[64];
	struct record *pkt[4], *cid;
	struct agent a, b;
	int fd, st;
	pid_t pid;

	agent_start(&a, packet_in_own_namespace, ra);
	ASSERT_EQ(0, set_contid(a.pid, ida));
	agent_let_go(&a);
	ASSERT_TRUE(wait_for(&ra->ready, 30));
	/* Keeps A's namespace once A is gone. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", a.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	tb.there = a.pid;
	agent_start(&b, packet_in_their_namespace, &tb);
	ASSERT_EQ(0, set_contid(b.pid, idb));
	agent_let_go(&b);
	ASSERT_TRUE(wait_for(&rb->ready, 30));
	ASSERT_EQ(1, debugfs_lookup_netns(uuid_of(idb), NULL, NULL, netns));
	EXPECT_TRUE(listed(netns, ra->net)) TH_LOG("%s", netns);
	auditd_collect(&self->d, 300);
	/* A's own packet (A alone then), then B's (both). */
	ASSERT_EQ(2, packets(&self->d, pkt, 4));
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial);
	ASSERT_NE(NULL, cid);
	EXPECT_STREQ(FIELD("contid=%s", uuid_of(ida)), body_of(cid));
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[1]->serial);
	ASSERT_NE(NULL, cid);
	EXPECT_STREQ(FIELD("contid=%s,%s", uuid_of(idb), uuid_of(ida)), body_of(cid));
	auditd_forget(&self->d);

	/* Both die: the namespace forgets them. */
	STORE(ra->release, 1);
	STORE(rb->release, 1);
	ASSERT_EQ(0, agent_reap(&a));
	ASSERT_EQ(0, agent_reap(&b));
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

/* docs/admin-guide.rst, "Packets": at most 32 named. */
#define NAMED_MAX 32
#define CROWD_MAX 1000
#define UUID_LEN 36
#define BIG_LISTING 1048576

/* A network namespace of its own with a crowd of tasks in it, in shared memory. */
struct crowd {
	int n;			/* tasks to start */
	int ready, send, sent, done;
	pid_t kid[CROWD_MAX];
	unsigned long long net;
};

/*
 * Outside containers: a network namespace of its own with the packet rule,
 * and c->n children there that wait. Once the test has registered them,
 * one packet, sent by this task: so the namespace's containers are exactly
 * the children's (attributed when registered, in the target's namespace).
 * The children stay until the test has read the packet's record.
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
	if (unshare(CLONE_NEWNET) || packet_rule("audit_pkt_test"))
		return 1;
	c->net = ns_id(getpid(), "net");
	if (pipe(hold))
		return 2;
	for (i = 0; i < c->n; i++) {
		/* Not forked into shared memory: the child would store its 0 there. */
		pid = fork();
		if (pid < 0)
			return 3;
		if (pid == 0) {
			close(hold[1]);
			close_all_but(hold[0]);
			_exit(read(hold[0], &b, 1) < 0);
		}
		c->kid[i] = pid;
	}
	close(hold[0]);
	STORE(c->ready, 1);
	if (!wait_for(&c->send, 120))
		return 4;
	if (send_packet())
		return 5;
	STORE(c->sent, 1);
	wait_for(&c->done, 120);
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
 * How many of the @n chains in @chains (sorted) the debugfs listing shows;
 * each must have one task, nothing nested, and be attributed to the
 * network namespace whose ID is @net alone.
 */
static int crowd_listed(struct __test_metadata *_metadata, char (*chains)[UUID_LEN + 1],
			int n, unsigned long long net)
{
	char *text = malloc(BIG_LISTING), *line, *save = NULL;
	char name[CHAIN_MAX], want[CHAIN_MAX + 32];
	int found = 0, wrong = 0, tasks, children, at;

	ASSERT_NE(NULL, text);
	listing_read(text, BIG_LISTING);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%511s %d %d %n", name, &tasks, &children, &at) != 3)
			die("a listing line is not <chain> <tasks> <children> <netns>", EINVAL);
		if (!bsearch(name, chains, n, sizeof(chains[0]), by_text))
			continue;
		found++;
		snprintf(want, sizeof(want), "%s 1 0 %llu", name, net);
		/* The first line that is not as it should be tells. */
		if (strcmp(want, line) && !wrong++)
			TH_LOG("listed as '%s', not '%s'", line, want);
	}
	free(text);
	EXPECT_EQ(0, wrong);
	return found;
}

/* Ends a crowd: its tasks go, and so do the records of their containers' ends. */
static void crowd_end(struct auditd *d, struct crowd *c, struct agent *a)
{
	STORE(c->send, 1);
	STORE(c->done, 1);
	agent_reap(a);
	auditd_collect(d, 500);
	auditd_forget(d);
}

/* The chains of the last crowd, newest registration first. */
static char crowd_newest[CROWD_MAX][UUID_LEN + 1];

/*
 * Registers @n tasks of one network namespace, each in a container of its
 * own, in the reverse of their IDs' order, or @shuffled; a packet is logged
 * there. Returns the text of the packet's CONTAINER_ID record after
 * "contid=", and fills @chains with the @n chains (UUID_LEN + 1 bytes each)
 * sorted as byte strings, and crowd_newest[] with them newest registration
 * first.
 */
static const char *crowd_packet(struct __test_metadata *_metadata, struct auditd *d, int n,
				bool shuffled, char (*chains)[UUID_LEN + 1])
{
	static char text[RECORD_MAX];
	struct crowd *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct record *pkt[4], *cid;
	struct agent a;
	int i, k, rc;

	ASSERT_NE(MAP_FAILED, c);
	memset(c, 0, sizeof(*c));
	c->n = n;
	for (i = 0; i < n; i++)
		fmt_uuid(test_id(i), chains[i]);
	qsort(chains, n, sizeof(chains[0]), by_text);
	agent_start(&a, crowd_host, c);
	agent_let_go(&a);
	if (!wait_for(&c->ready, 120)) {
		rc = agent_reap(&a);
		ASSERT_NE(90, rc) TH_LOG(NFT " is missing: 'make deps' installs nftables");
		ASSERT_EQ(0, rc);
	}
	/*
	 * Largest ID first, or in an order that is neither the IDs' nor its
	 * reverse: which are named is the order of entry, not the IDs'.
	 */
	for (i = 0; i < n; i++) {
		k = shuffled ? (i * 389 + 7) % n : n - 1 - i;
		memcpy(crowd_newest[n - 1 - i], chains[k], UUID_LEN + 1);
		rc = write_contid(c->kid[i], 0, FIELD("%s\n", chains[k]), UUID_LEN + 1);
		if (rc)
			crowd_end(d, c, &a);
		ASSERT_EQ(0, rc) TH_LOG("task %d", i);
		/* The registrations' records: not kept, never too many queued. */
		if (i % 32 == 31) {
			auditd_collect(d, 1);
			auditd_forget(d);
		}
	}
	auditd_collect(d, 300);
	auditd_forget(d);
	/* Each is attributed to that namespace alone. */
	rc = crowd_listed(_metadata, chains, n, c->net);
	if (rc != n)
		crowd_end(d, c, &a);
	ASSERT_EQ(n, rc);
	STORE(c->send, 1);
	if (!wait_for(&c->sent, 60))
		crowd_end(d, c, &a);
	ASSERT_TRUE(LOAD(c->sent));
	auditd_collect(d, 300);
	/* Read before the crowd ends, checked after. */
	k = packets(d, pkt, 4);
	cid = k == 1 ? in_event(d, AUDIT_CONTAINER_ID, pkt[0]->serial) : NULL;
	snprintf(text, sizeof(text), "%s", cid ? body_of(cid) : "");
	i = cid ? event_index(d, AUDIT_CONTAINER_ID, pkt[0]->serial) : -1;
	crowd_end(d, c, &a);
	munmap(c, sizeof(*c));
	ASSERT_EQ(1, k);
	ASSERT_NE(NULL, cid) TH_LOG("no CONTAINER_ID in the packet's event");
	/* After the packet's record, in its event. */
	EXPECT_EQ(1, i);
	ASSERT_EQ(0, strncmp(text, "contid=", 7)) TH_LOG("%s", text);
	return text + 7;
}

/*
 * What the record must say of @n containers whose chains are @chains,
 * newest registration first: the first 32, comma-separated, then how many
 * were left out, if any.
 */
static const char *crowd_expected(char (*chains)[UUID_LEN + 1], int n)
{
	static char want[NAMED_MAX * (UUID_LEN + 1) + 64];
	int i, len = 0;

	want[0] = '\0';
	for (i = 0; i < n && i < NAMED_MAX; i++)
		len += snprintf(want + len, sizeof(want) - len, "%s%s", i ? "," : "", chains[i]);
	if (n > NAMED_MAX)
		snprintf(want + len, sizeof(want) - len, " contid-omitted=%d", n - NAMED_MAX);
	return want;
}

static char crowd_chains[CROWD_MAX][UUID_LEN + 1];

TEST_F_TIMEOUT(audit, packet_with_1_container_names_it, 60)
{
	const char *list = crowd_packet(_metadata, &self->d, 1, false, crowd_chains);

	EXPECT_STREQ(crowd_expected(crowd_newest, 1), list);
}

TEST_F_TIMEOUT(audit, packet_with_2_containers_names_both_newest_first, 60)
{
	const char *list = crowd_packet(_metadata, &self->d, 2, false, crowd_chains);

	EXPECT_STREQ(crowd_expected(crowd_newest, 2), list);
}

TEST_F_TIMEOUT(audit, packet_with_32_containers_names_all_32, 120)
{
	const char *list = crowd_packet(_metadata, &self->d, NAMED_MAX, false, crowd_chains);

	/* All of them, newest first, and nothing after: no contid-omitted=. */
	EXPECT_STREQ(crowd_expected(crowd_newest, NAMED_MAX), list);
}

TEST_F_TIMEOUT(audit, packet_with_33_containers_names_the_32_newest_and_counts_one, 120)
{
	const char *list = crowd_packet(_metadata, &self->d, NAMED_MAX + 1, false, crowd_chains);

	EXPECT_STREQ(crowd_expected(crowd_newest, NAMED_MAX + 1), list);
}

TEST_F_TIMEOUT(audit, packet_with_1000_containers_names_the_32_newest_and_counts_968, 300)
{
	const char *list = crowd_packet(_metadata, &self->d, CROWD_MAX, true, crowd_chains);

	EXPECT_STREQ(crowd_expected(crowd_newest, CROWD_MAX), list);
}

/*
 * Debian's /etc/nftables.conf: one "table inet filter", for IPv4 and IPv6,
 * here with a rule that logs UDP packets to port 9 to audit.
 */
static const char inet_ruleset[] =
	"flush ruleset\n"
	"table inet filter {\n"
	"  chain input {\n"
	"    type filter hook input priority filter;\n"
	"  }\n"
	"  chain forward {\n"
	"    type filter hook forward priority filter;\n"
	"  }\n"
	"  chain output {\n"
	"    type filter hook output priority filter;\n"
	"    udp dport 9 log level audit\n"
	"  }\n"
	"}\n";

/* In a container: a namespace of its own, Debian's inet table, one packet of each family. */
static int packet_in_inet_table(void *arg)
{
	struct report *r = arg;
	static const char *const nft[] = { NFT, "-f", "-", NULL };

	if (unshare(CLONE_NEWNET) || loopback_up())
		return 1;
	if (run(nft, inet_ruleset, r->output))
		return 2;
	if (send_packet())
		return 3;
	r->err = send_packet6();
	return r->err ? 4 : 0;
}

TEST_F_TIMEOUT(audit, inet_table_packets_of_both_families_name_the_container, 60)
{
	struct report *r = report_new();
	unsigned long long id = test_id(0);
	struct record *pkt[4], *cid;
	struct agent a;
	int i, rc;

	ASSERT_EQ(0, access(NFT, X_OK)) TH_LOG(NFT " is missing: 'make deps' installs nftables");
	agent_start(&a, packet_in_inet_table, r);
	ASSERT_EQ(0, set_contid(a.pid, id));
	rc = agent_finish(&a);
	ASSERT_NE(2, rc) TH_LOG("nft refused a table inet: %s", r->output);
	ASSERT_EQ(0, rc) TH_LOG("%s", strerror(r->err));
	auditd_collect(&self->d, 300);
	ASSERT_EQ(2, packets(&self->d, pkt, 4));
	EXPECT_NE(NULL, strstr(pkt[0]->text, " daddr=127.0.0.1 proto=17 "))
		TH_LOG("%s", pkt[0]->text);
	EXPECT_NE(NULL, strstr(pkt[1]->text, " daddr=::1 proto=17 ")) TH_LOG("%s", pkt[1]->text);
	for (i = 0; i < 2; i++) {
		cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[i]->serial);
		ASSERT_NE(NULL, cid) TH_LOG("no CONTAINER_ID for %s", pkt[i]->text);
		EXPECT_STREQ(FIELD("contid=%s", uuid_of(id)), body_of(cid));
		EXPECT_EQ(1, event_index(&self->d, AUDIT_CONTAINER_ID, pkt[i]->serial));
	}
}

/* In a container: a namespace of its own, the AUDIT target through iptables-nft. */
static int packet_by_audit_target(void *arg)
{
	struct report *r = arg;
	static const char *const iptables[] = {
		IPTABLES, "-A", "OUTPUT", "-p", "udp", "--dport", "9",
		"-j", "AUDIT", "--type", "accept", NULL
	};

	if (unshare(CLONE_NEWNET) || loopback_up())
		return 1;
	if (run(iptables, NULL, r->output))
		return 2;
	r->err = send_packet();
	return r->err ? 3 : 0;
}

TEST_F_TIMEOUT(audit, iptables_audit_target_packet_names_the_container, 60)
{
	struct report *r = report_new();
	unsigned long long id = test_id(0);
	struct record *pkt[4], *cid;
	struct agent a;
	int rc;

	ASSERT_EQ(0, access(IPTABLES, X_OK))
		TH_LOG(IPTABLES " is missing: 'make deps' installs iptables");
	agent_start(&a, packet_by_audit_target, r);
	ASSERT_EQ(0, set_contid(a.pid, id));
	rc = agent_finish(&a);
	ASSERT_NE(2, rc) TH_LOG("iptables-nft refused -j AUDIT: %s", r->output);
	ASSERT_EQ(0, rc) TH_LOG("%s", strerror(r->err));
	auditd_collect(&self->d, 300);
	ASSERT_EQ(1, packets(&self->d, pkt, 4));
	EXPECT_NE(NULL, strstr(pkt[0]->text, " daddr=127.0.0.1 proto=17 "))
		TH_LOG("%s", pkt[0]->text);
	EXPECT_NE(NULL, strstr(pkt[0]->text, " dport=9")) TH_LOG("%s", pkt[0]->text);
	cid = in_event(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial);
	ASSERT_NE(NULL, cid) TH_LOG("no CONTAINER_ID in the packet's event");
	EXPECT_STREQ(FIELD("contid=%s", uuid_of(id)), body_of(cid));
	EXPECT_EQ(1, event_index(&self->d, AUDIT_CONTAINER_ID, pkt[0]->serial));
}

TEST_HARNESS_MAIN
