// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of audit container IDs against the kernel's own identity paths, as
 * ratios measured in one run of one kernel. Variants are interleaved round by
 * round so that drift hits both alike; the workload is pinned to CPU 0.
 *
 *   audit_contid_bench [ROUNDS] [JSON-FILE]
 *   audit_contid_bench audit [ROUNDS] [JSON-FILE]
 *   audit_contid_bench ns [ROUNDS] [JSON-FILE]
 *   audit_contid_bench loop OPERATION COUNT
 *   audit_contid_bench fork ROUNDS COUNT
 *
 * Prints a table and writes the figures (median, min, max, ratio) as JSON.
 * "audit" measures only the audited-syscall figures (5 and 7) and memory;
 * "ns" only figures 1, 8 and 9 (fork, packets logged with their containers,
 * and namespace changes by contained tasks that no rule selects).
 * "loop" repeats one figure's operation for a profiler (perf record):
 * targets are forked in batches beforehand so the loop is mostly the
 * operation itself. "fork" prints figure 1's baseline (fork+exit+wait outside
 * any container, ns per iteration) once per round, and works on a kernel
 * without the component, for the CONFIG_AUDIT_CONTAINERID=n comparison.
 */
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include "audit.h"

#define MAX_ROUNDS 31

struct figure {
	const char *name, *unit, *baseline;
	double v[MAX_ROUNDS];
	int n;
	double target;	/* ratio target; 0: none */
	bool fraction;	/* each value is itself a ratio (of one round's variants) */
};

static struct figure figs[48];
static int nfigs;
static int rounds = 7;

static struct figure *fig(const char *name, const char *unit, const char *baseline,
			  double target)
{
	int i;

	for (i = 0; i < nfigs; i++)
		if (!strcmp(figs[i].name, name))
			return &figs[i];
	figs[nfigs] = (struct figure){ name, unit, baseline, { 0 }, 0, target, false };
	return &figs[nfigs++];
}

static bool failed;

static void add_value(struct figure *f, double v)
{
	/* A measurement that did not complete fails the run. */
	if (v < 0) {
		fprintf(stderr, "bench: %s: a round failed\n", f->name);
		failed = true;
		return;
	}
	if (f->n < MAX_ROUNDS)
		f->v[f->n++] = v;
}

static void add(const char *name, const char *unit, const char *baseline, double target,
		double v)
{
	add_value(fig(name, unit, baseline, target), v);
}

/*
 * A figure whose values are ratios themselves, each computed from one round's
 * variants (which the caller checked), any sign; its ratio is their median.
 */
static void add_fraction(const char *name, double target, double v)
{
	struct figure *f = fig(name, "fraction", "", target);

	f->fraction = true;
	if (f->n < MAX_ROUNDS)
		f->v[f->n++] = v;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(struct figure *f)
{
	double s[MAX_ROUNDS];

	memcpy(s, f->v, f->n * sizeof(double));
	qsort(s, f->n, sizeof(double), cmp);
	return f->n ? s[f->n / 2] : 0;
}

static double vmin(struct figure *f)
{
	double m = f->v[0];
	int i;

	for (i = 1; i < f->n; i++)
		m = f->v[i] < m ? f->v[i] : m;
	return m;
}

static double vmax(struct figure *f)
{
	double m = f->v[0];
	int i;

	for (i = 1; i < f->n; i++)
		m = f->v[i] > m ? f->v[i] : m;
	return m;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static double ns_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* Shared by every process of the run, so that no two IDs are ever the same. */
static unsigned long long *id_counter;

static void fresh_ids_init(void)
{
	id_counter = mmap(NULL, sizeof(*id_counter), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (id_counter == MAP_FAILED)
		exit(1);
	*id_counter = (1ull << 62) + ((unsigned long long)getpid() << 32);
}

/* An ID no container of this run has had. */
static unsigned long long fresh_id(void)
{
	return __atomic_add_fetch(id_counter, 1, __ATOMIC_RELAXED);
}

/*
 * Runs fn(arg) in a process nested @levels deep below us, each level
 * registered in a new container when @contained (so both variants have the
 * same process tree); fn's result comes back through shared memory.
 */
struct nested {
	int levels, depth;
	bool contained;
	double (*fn)(void *arg);
	void *arg;
	double *result;
};

static int nest_run(void *arg)
{
	struct nested *n = arg;
	struct agent a;

	if (n->depth == n->levels) {
		*n->result = n->fn(n->arg);
		return 0;
	}
	n->depth++;	/* the child's copy starts one level deeper */
	agent_start(&a, nest_run, n);
	if (n->contained && set_contid(a.pid, fresh_id()))
		return 1;
	return agent_finish(&a);
}

static double in_nested(int levels, bool contained, double (*fn)(void *), void *arg)
{
	double *res = mmap(NULL, sizeof(double), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct nested n = { levels, 0, contained, fn, arg, res };
	double v;
	int st;
	pid_t p;

	*res = -1;
	p = fork();
	if (p == 0)
		_exit(nest_run(&n));
	waitpid(p, &st, 0);
	v = *res;
	munmap(res, sizeof(double));
	return WIFEXITED(st) && !WEXITSTATUS(st) ? v : -1;
}

/* Figure 1: fork + exit + wait, ns per iteration. */
static double fork_exit_wait(void *arg)
{
	int i, n = *(int *)arg;
	double t0;
	pid_t p;

	pin(0);
	t0 = ns_now();
	for (i = 0; i < n; i++) {
		p = fork();
		if (p == 0)
			_exit(0);
		waitpid(p, NULL, 0);
	}
	return (ns_now() - t0) / n;
}

/* Figure 2: one write, timed around the syscall only. */
static double time_loginuid_write(void)
{
	double *res = mmap(NULL, sizeof(double), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double v, t0;
	pid_t p;
	int fd;

	p = fork();
	if (p == 0) {
		/*
		 * The text is on the stack, as the registration's is, so that
		 * no page fault on a fresh child's first touch of a rodata
		 * page lands inside the timed window.
		 */
		char s[8];

		snprintf(s, sizeof(s), "%d", 1000);
		*res = -1;
		fd = open("/proc/self/loginuid", O_WRONLY);
		t0 = ns_now();
		if (write(fd, s, 4) == 4)
			*res = ns_now() - t0;
		_exit(0);
	}
	waitpid(p, NULL, 0);
	v = *res;
	munmap(res, sizeof(double));
	return v;
}

static double time_contid_write(unsigned long long id)
{
	char path[64], s[40];
	struct kid k;
	double t0, v;
	int fd, len;

	kid_start(&k);
	sprintf(path, "/proc/%d/audit_containerid", k.pid);
	len = sprintf(s, "0x%llx\n", id);
	fd = open(path, O_WRONLY);
	t0 = ns_now();
	v = write(fd, s, len) == len ? ns_now() - t0 : -1;
	close(fd);
	kid_stop(&k);
	return v;
}

static double per_op(double (*one)(unsigned long long), unsigned long long id, int n)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		double v = one(id ? id : fresh_id());

		if (v < 0)
			return -1;
		sum += v;
	}
	return sum / n;
}

static double loginuid_one(unsigned long long unused)
{
	(void)unused;
	return time_loginuid_write();
}

/*
 * Holders keep containers alive: a chain of @depth containers (MAX_DEPTH if 0)
 * costs one process, its bottom task; the processes above it exit once their
 * child is registered (the child's container keeps its parents alive). With
 * @fresh, the IDs come from the run's shared counter, so that holders grown
 * by different processes never share one.
 */
struct holders {
	pid_t pgid[2048];
	int n;
	int depth;
	bool fresh;
};

struct chain_spec {
	unsigned long long base;
	int depth;
};

static int hold_chain(void *arg)
{
	struct chain_spec spec = *(struct chain_spec *)arg;
	int lvl, go[2];
	pid_t c;
	char b;

	for (lvl = 1; lvl < spec.depth; lvl++) {
		if (pipe(go))
			return 1;
		c = fork();
		if (c == 0) {
			close(go[1]);
			if (read(go[0], &b, 1) != 1)
				_exit(1);
			close(go[0]);
			continue;	/* one level deeper */
		}
		close(go[0]);
		if (set_contid(c, spec.base + lvl))
			kill(c, SIGKILL);
		if (write(go[1], "g", 1) != 1)
			return 1;
		return 0;
	}
	pause();
	return 0;
}

static void holders_grow(struct holders *h, int containers)
{
	static unsigned long long base = 0x40000000000ull;
	struct chain_spec spec = { 0, h->depth ? h->depth : MAX_DEPTH };
	struct agent a;

	while (h->n * spec.depth < containers && h->n < 2048) {
		base += 16;
		/* A block of 16 IDs of the shared counter: the chain uses the first. */
		spec.base = h->fresh ? __atomic_add_fetch(id_counter, 16, __ATOMIC_RELAXED) - 15 :
				       base;
		agent_start(&a, hold_chain, &spec);
		setpgid(a.pid, a.pid);
		set_contid(a.pid, spec.base);
		h->pgid[h->n++] = a.pid;
		agent_finish(&a);
	}
	usleep(300000);
}

static void holders_stop(struct holders *h)
{
	int i;

	for (i = 0; i < h->n; i++)
		kill(-h->pgid[i], SIGKILL);
	h->n = 0;
}

static int live_containers(void)
{
	char line[CHAIN_MAX + 64];
	FILE *f = fopen(CONTAINERS, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* Figure 4: reads per op. */
static double read_loop(const char *path, int n)
{
	char buf[CHAIN_MAX];
	double t0;
	int i, fd = open(path, O_RDONLY);

	t0 = ns_now();
	for (i = 0; i < n; i++)
		if (pread(fd, buf, sizeof(buf), 0) < 0)
			return -1;
	close(fd);
	return (ns_now() - t0) / n;
}

static double read_own_contid(void *arg)
{
	pin(0);
	return read_loop("/proc/self/audit_containerid", *(int *)arg);
}

/* Figure 5: audited getppid() per call, with a reader draining the socket. */
static double audited_getppid(void *arg)
{
	int i, n = *(int *)arg;
	double t0;

	pin(0);
	t0 = ns_now();
	for (i = 0; i < n; i++)
		syscall(__NR_getppid);
	return (ns_now() - t0) / n;
}

/*
 * Figure 7: the same audited getppid() loop, run in a 2-level container with
 * @nrules exit rules for getppid on one field: the container ID or the
 * login uid, none of them matching or (with @match) the one rule matching.
 * The measured process adds and deletes the rules itself: it knows its outer
 * container's ID (its chain's first UUID) and sets its own login uid.
 */
struct rule_bench {
	int calls, nrules;
	bool contid, match;
};

static int rule_bench_rules(int fd, const struct rule_bench *b, unsigned long long outer,
			    int type)
{
	union rule r;
	int k, err = 0;

	for (k = 0; k < b->nrules && !err; k++) {
		exit_rule(&r, __NR_getppid);
		if (b->contid)
			rule_contid(&r, AUDIT_EQUAL, b->match ? outer : outer + 1000 + k);
		else
			rule_num(&r, AUDIT_LOGINUID, AUDIT_EQUAL, b->match ? 1000 : 2000 + k);
		err = audit_send(fd, type, &r, rule_len(&r));
	}
	return err;
}

static double rules_getppid(void *arg)
{
	struct rule_bench *b = arg;
	char chain[CHAIN_MAX], hex[17], *end;
	unsigned long long outer;
	double v = -1;
	int fd;

	/* The outer ID: "00000000-0000-0000-XXXX-XXXXXXXXXXXX/..." (fmt_uuid). */
	if (read_proc(getpid(), 0, "audit_containerid", chain, sizeof(chain)) ||
	    strlen(chain) < 36)
		return -1;
	memcpy(hex, chain + 19, 4);
	memcpy(hex + 4, chain + 24, 12);
	hex[16] = 0;
	outer = strtoull(hex, &end, 16);
	fd = open("/proc/self/loginuid", O_WRONLY);
	if (*end || fd < 0 || write(fd, "1000", 4) != 4)
		return -1;
	close(fd);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return -1;
	if (!rule_bench_rules(fd, b, outer, AUDIT_ADD_RULE))
		v = audited_getppid(&b->calls);
	rule_bench_rules(fd, b, outer, AUDIT_DEL_RULE);
	close(fd);
	return v;
}

/*
 * Figure 8: one UDP packet through an nftables "log level audit" rule
 * (NETFILTER_PKT), per packet, in a network namespace of the measuring
 * process's own that @containers containers have used: the process's own
 * (registered once in the namespace) and a helper's in another container
 * that entered it. Without @rule, the namespace has no rule (a reference:
 * what the record adds). With @in_ns, the process is in no container and
 * enters the network namespace of task @in_ns instead, one that has a rule
 * and the containers already (see crowd_start()). The process waits for *go,
 * so that the containers are in place before it measures. The window ends
 * once kauditd has sent every record on (the backlog is empty), so that it
 * holds each record's whole way to the reader, not only its making in
 * softirq.
 */
struct pkt_bench {
	int packets, containers;
	bool rule;
	int ready, go;
	pid_t measured, in_ns;
	double result;
};

/* Enters the network namespace of task @pid. 0 or an errno. */
static int enter_netns(pid_t pid)
{
	char path[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (setns(fd, CLONE_NEWNET))
		err = errno;
	close(fd);
	return err;
}

static int pkt_measure(void *arg)
{
	struct pkt_bench *b = arg;
	struct audit_status st;
	double t0;
	int i, fd;

	pin(0);
	/* Opened first: the audit socket answers in the initial namespace. */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return 1;
	if (b->in_ns ? enter_netns(b->in_ns) :
	    unshare(CLONE_NEWNET) || (b->rule ? packet_rule("audit_contid_bench") : loopback_up()))
		return 1;
	STORE(b->ready, 1);
	if (!wait_for(&b->go, 60))
		return 2;
	t0 = ns_now();
	for (i = 0; i < b->packets; i++)
		if (send_packet())
			return 3;
	do {
		if (audit_status(fd, &st))
			return 4;
	} while (st.backlog);
	b->result = (ns_now() - t0) / b->packets;
	close(fd);
	return 0;
}

/* The second container's task: enters the measured namespace and waits. */
static int pkt_helper(void *arg)
{
	struct pkt_bench *b = arg;

	if (enter_netns(b->measured))
		return 1;
	STORE(b->ready, 2);
	pause();
	return 0;
}

static int pkt_run(void *arg)
{
	struct pkt_bench *b = arg;
	struct agent m, h;
	int rc;

	agent_start(&m, pkt_measure, b);
	if (write(m.go, "g", 1) != 1 || !wait_for(&b->ready, 60))
		return 1;
	close(m.go);
	b->measured = m.pid;
	if (b->containers > 0 && set_contid(m.pid, fresh_id()))
		return 2;
	h.pid = 0;
	if (b->containers > 1) {
		STORE(b->ready, 0);
		agent_start(&h, pkt_helper, b);
		if (set_contid(h.pid, fresh_id()) || write(h.go, "g", 1) != 1)
			return 3;
		close(h.go);
		if (!wait_for(&b->ready, 60))
			return 4;
	}
	/*
	 * The namespaces of the previous variant are torn down by a work
	 * queue once their last task exits: let that finish before the window
	 * (under icount without sleep, idle time costs no instruction).
	 */
	usleep(200000);
	STORE(b->go, 1);
	rc = waitpid(m.pid, &rc, 0) == m.pid && WIFEXITED(rc) ? WEXITSTATUS(rc) : 5;
	if (h.pid) {
		kill(h.pid, SIGKILL);
		waitpid(h.pid, NULL, 0);
	}
	return rc;
}

/*
 * One figure 8 round of one variant: ns per packet, or -1. @in_ns: the task
 * whose network namespace to log in, or 0 for a new one.
 */
static double packets(int containers, bool rule, int n, pid_t in_ns)
{
	struct pkt_bench *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double v;

	*b = (struct pkt_bench){ .packets = n, .containers = in_ns ? 0 : containers,
				 .rule = rule, .in_ns = in_ns, .result = -1 };
	v = in_child(pkt_run, b) ? -1 : b->result;
	munmap(b, sizeof(*b));
	return v;
}

/*
 * A crowded network namespace for figure 8: a task of its own (the anchor,
 * in no container) that creates it, adds the log rule and then grows the
 * holders of @containers containers in it, chains of two (an outer container
 * and one nested in it: each is attributed to the namespace when its task is
 * registered there). Chains of two keep every 32 of them named in full
 * within the record's 4,096 bytes, whichever 32 are named. The anchor stays
 * until crowd_stop(); packets are logged in its namespace.
 */
#define CROWD_DEPTH 2

struct crowd {
	int containers;
	int state;	/* 1: ready, 2: failed */
	pid_t anchor;
	struct holders h;
};

static int crowd_anchor(void *arg)
{
	struct crowd *c = arg;

	if (unshare(CLONE_NEWNET) || packet_rule("audit_contid_bench")) {
		STORE(c->state, 2);
		return 1;
	}
	c->h.depth = CROWD_DEPTH;
	c->h.fresh = true;
	holders_grow(&c->h, c->containers);
	STORE(c->state, 1);
	pause();
	return 0;
}

/*
 * How many live containers the listing attributes to the network namespace
 * of task @pid (its nsfs inode or its namespace ID in the NETNS column), or
 * -1 if it cannot be read.
 */
static int attributed(pid_t pid)
{
	char path[64], line[CHAIN_MAX + 4096], ino[24], id[24], *nets, *tok, *save;
	unsigned long long nsid = 0;
	struct stat st;
	int fd, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	if (ioctl(fd, NS_GET_ID, &nsid))
		nsid = 0;	/* a kernel without namespace IDs: the inode only */
	close(fd);
	snprintf(ino, sizeof(ino), "%lu", (unsigned long)st.st_ino);
	snprintf(id, sizeof(id), "%llu", nsid);
	live_containers();	/* mounts debugfs if needed */
	f = fopen(CONTAINERS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		nets = strrchr(line, ' ');
		for (tok = strtok_r(nets ? nets + 1 : line, ",", &save); nets && tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (!strcmp(tok, ino) || (nsid && !strcmp(tok, id))) {
				n++;
				break;
			}
		}
	}
	fclose(f);
	return n;
}

/* Starts a crowd of @containers; NULL if it could not be built as asked. */
static struct crowd *crowd_start(int containers)
{
	struct crowd *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct agent a;
	int n;

	if (c == MAP_FAILED)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->containers = containers;
	agent_start(&a, crowd_anchor, c);
	c->anchor = a.pid;
	if (write(a.go, "g", 1) != 1)
		c->state = 2;
	close(a.go);
	if (!wait_for(&c->state, 600) || LOAD(c->state) != 1)
		goto fail;
	n = attributed(c->anchor);
	fprintf(stderr, "bench: a network namespace with %d containers\n", n);
	if (n == containers)
		return c;
fail:
	fprintf(stderr, "bench: cannot build a namespace with %d containers\n", containers);
	kill(c->anchor, SIGKILL);
	waitpid(c->anchor, NULL, 0);
	holders_stop(&c->h);
	munmap(c, sizeof(*c));
	return NULL;
}

static void crowd_stop(struct crowd *c)
{
	if (!c)
		return;
	kill(c->anchor, SIGKILL);
	waitpid(c->anchor, NULL, 0);
	holders_stop(&c->h);
	munmap(c, sizeof(*c));
}

/*
 * Figure 9: a namespace change that no rule selects, per operation, by the
 * calling process: unshare(CLONE_NEWUTS) (each call makes a new UTS
 * namespace and drops the previous one) or clone(CLONE_NEWUTS) of a child
 * that exits at once, and waitpid(). As in figure 8, the window ends once
 * the audit backlog is empty, so that a record made per operation would be
 * counted on its whole way to the reader.
 */
struct ns_change {
	int n;
	bool clone;
};

static double ns_changes(void *arg)
{
	struct ns_change *b = arg;
	struct audit_status st;
	double t0, v = -1;
	int i, fd;
	pid_t p;

	pin(0);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return -1;
	/*
	 * The previous variant's namespaces are freed after RCU grace periods:
	 * let that finish before the window, so that each variant pays only
	 * for its own (idle time costs no instruction under icount).
	 */
	usleep(200000);
	t0 = ns_now();
	for (i = 0; i < b->n; i++) {
		if (!b->clone) {
			if (unshare(CLONE_NEWUTS))
				goto out;
			continue;
		}
		p = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
		if (p == 0)
			_exit(0);
		if (p < 0 || waitpid(p, NULL, 0) != p)
			goto out;
	}
	do {
		if (audit_status(fd, &st))
			goto out;
	} while (st.backlog);
	v = (ns_now() - t0) / b->n;
out:
	close(fd);
	return v;
}

static int draining;

/* The audit daemon's part: receive every record (blocking, like auditd). */
static void *drain(void *arg)
{
	struct timeval tv = { .tv_usec = 100000 };
	struct auditd *d = arg;
	int big = 16 << 20;
	char buf[9000];

	pin(1);
	setsockopt(d->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(d->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (LOAD(draining))
		recv(d->fd, buf, sizeof(buf), 0);
	return NULL;
}

/* Figure 6: bytes per object as the kernel's allocator charges them. */
static void footprint(void)
{
	char line[128], name[32];
	FILE *f;
	long v;

	live_containers();	/* mounts debugfs if needed */
	f = fopen("/sys/kernel/debug/audit_containerid/memory", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %ld", name, &v) != 2)
			continue;
		if (!strcmp(name, "container"))
			add("6. bytes per container", "bytes", "", 0, v);
		else if (!strcmp(name, "tree_node"))
			add("6. bytes per container's registry node", "bytes", "", 0, v);
		else if (!strcmp(name, "session"))
			add("6. bytes per session", "bytes", "", 0, v);
		else if (!strcmp(name, "task"))
			add("6. bytes per task (task_struct field)", "bytes", "", 0, v);
	}
	if (f)
		fclose(f);
}

/* The "loop" mode: COUNT operations, in batches of pre-forked targets. */
static int loop(const char *op, long count)
{
	static struct kid kids[256];
	bool reg = !strcmp(op, "register-new") || !strcmp(op, "register-join");
	bool login = !strcmp(op, "loginuid");
	unsigned long long join = 0x10f000000000ull;
	struct kid holder;
	char path[64], s[40];
	long done = 0;
	int i, n, fd, len;

	pin(0);
	if (!strcmp(op, "read-contid") || !strcmp(op, "read-loginuid")) {
		if (op[5] == 'c')
			return in_nested(3, true, read_own_contid, &(int){ count }) < 0;
		return read_loop("/proc/self/loginuid", count) < 0;
	}
	if (!reg && !login) {
		fprintf(stderr, "bench: unknown operation %s\n", op);
		return 2;
	}
	kid_start(&holder);
	if (set_contid(holder.pid, join))
		return 1;
	while (done < count) {
		n = count - done < 256 ? count - done : 256;
		for (i = 0; i < n; i++)
			kid_start(&kids[i]);
		for (i = 0; i < n; i++) {
			sprintf(path, "/proc/%d/%s", kids[i].pid,
				login ? "loginuid" : "audit_containerid");
			len = login ? sprintf(s, "1000") :
				      sprintf(s, "0x%llx\n", op[9] == 'j' ? join : fresh_id());
			fd = open(path, O_WRONLY);
			if (fd < 0 || write(fd, s, len) != len)
				return 1;
			close(fd);
		}
		for (i = 0; i < n; i++)
			kid_stop(&kids[i]);
		done += n;
	}
	return kid_stop(&holder) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *json = argc > 2 ? argv[2] : "bench-results.json";
	bool audit_only = false, ns_only = false;
	int r, i, forks = 300, reads = 20000, calls = 20000, regs = 40, pkts = 1000;
	int unshares = 20000;
	struct crowd *few = NULL, *many = NULL;
	struct holders *h = calloc(1, sizeof(*h));
	unsigned long long joined_id = 0x10e000000000ull;
	struct auditd d;
	struct kid holder;
	pthread_t th;
	FILE *out;

	fresh_ids_init();
	if (argc > 3 && !strcmp(argv[1], "fork")) {
		forks = atoi(argv[3]);
		for (r = 0; r < atoi(argv[2]); r++)
			printf("%.1f\n", in_nested(3, false, fork_exit_wait, &forks));
		return 0;
	}
	if (argc > 3 && !strcmp(argv[1], "loop"))
		return unsupported() ? 4 : loop(argv[2], atol(argv[3]));
	if (argc > 1 && (!strcmp(argv[1], "audit") || !strcmp(argv[1], "ns"))) {
		audit_only = !strcmp(argv[1], "audit");
		ns_only = !audit_only;
		argc--;
		argv++;
		json = argc > 2 ? argv[2] : "bench-results.json";
	}
	if (argc > 1)
		rounds = atoi(argv[1]) < MAX_ROUNDS ? atoi(argv[1]) : MAX_ROUNDS;
	if (unsupported()) {
		fprintf(stderr, "bench: %s\n", unsupported());
		return 4;
	}
	/* Figure 3 keeps many children, each with a pipe. */
	setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 16384, 16384 });
	pin(0);
	/* A container to join, kept alive throughout. */
	kid_start(&holder);
	set_contid(holder.pid, joined_id);
	if (audit_only)
		goto audited;

	for (r = 0; r < rounds; r++) {
		double a, b;

		/* Alternate the order of the variants from round to round. */
		for (i = 0; i < 2; i++) {
			bool in = (i + r) % 2;
			double v = in_nested(3, in, fork_exit_wait, &forks);

			add(in ? "1. fork+exit+wait, 3-level container" :
				 "1. fork+exit+wait, no container", "ns", in ?
				 "1. fork+exit+wait, no container" : "", in ? 1.005 : 0, v);
		}
		if (ns_only)
			continue;
		a = per_op(loginuid_one, 1, regs);
		b = per_op(time_contid_write, 0, regs);
		add("2. write /proc/PID/loginuid (fresh child)", "ns", "", 0, a);
		add("2. register: new container", "ns",
		    "2. write /proc/PID/loginuid (fresh child)", 2, b);
		add("2. register: join", "ns", "2. write /proc/PID/loginuid (fresh child)", 2,
		    per_op(time_contid_write, joined_id, regs));
		for (i = 0; i < 2; i++) {
			bool in = (i + r) % 2;

			add(in ? "4. read audit_containerid (3 levels)" :
				 "4. read loginuid", "ns", in ? "4. read loginuid" : "",
			    in ? 2 : 0, in ? in_nested(3, true, read_own_contid, &reads) :
					     read_loop("/proc/self/loginuid", reads));
		}
	}

	/* Figure 3: registration with 10, 1000 and 10000 live containers. */
	for (i = 0; i < 3 && !ns_only; i++) {
		static const int sizes[] = { 10, 1000, 10000 };
		static const char *const names[] = {
			"3. register with 10 live containers",
			"3. register with 1000 live containers",
			"3. register with 10000 live containers",
		};

		holders_grow(h, sizes[i]);
		fprintf(stderr, "bench: %d live containers\n", live_containers());
		for (r = 0; r < rounds; r++)
			add(names[i], "ns", i ? names[0] : "", i == 2 ? 1.5 : 0,
			    per_op(time_contid_write, 0, regs));
	}
	holders_stop(h);

audited:
	fprintf(stderr, "bench: audited syscalls\n");
	/* Figure 5: audited syscall with a draining reader. */
	/*
	 * A bounded backlog, with producers waiting for room: the figure is the
	 * steady-state cost of an event through the whole pipeline (the task,
	 * kauditd, the netlink socket, the reader). An unbounded one grows
	 * without limit whenever the producer outruns the reader.
	 */
	if (auditd_start(&d) || audit_set_backlog(d.fd, 8192, d.saved.backlog_wait_time)) {
		fprintf(stderr, "bench: cannot act as the audit daemon\n");
		return 1;
	}
	STORE(draining, 1);
	pthread_create(&th, NULL, drain, &d);
	/*
	 * A reference, not a figure: the same calls with auditing on but no
	 * rule, so no record. What the rule adds over it is the cost of the
	 * event's records.
	 */
	for (r = 0; r < rounds && !ns_only; r++)
		add("5. getppid, audit on, no rule (reference)", "ns", "", 0,
		    in_nested(2, false, audited_getppid, &calls));
	if (ns_only) {
		i = 0;
	} else if (auditd_add_rule(&d, __NR_getppid)) {
		fprintf(stderr, "bench: cannot add the getppid rule\n");
		i = 1;
	} else {
		for (r = 0; r < rounds; r++) {
			for (i = 0; i < 2; i++) {
				bool in = (i + r) % 2;

				add(in ? "5. audited getppid, 2-level container" :
					 "5. audited getppid, no container", "ns",
				    in ? "5. audited getppid, no container" : "", in ? 1.20 : 0,
				    in_nested(2, in, audited_getppid, &calls));
			}
		}
		i = 0;
	}
	/* Figure 7: rules on the container ID against rules on the login uid. */
	audit_rule(d.fd, AUDIT_DEL_RULE, __NR_getppid);
	for (r = 0; !i && !ns_only && r < rounds; r++) {
		int k;

		for (k = 0; k < 4; k++) {
			/* Each pair alternates its order from round to round. */
			bool contid = (k + r) % 2, match = k >= 2;
			struct rule_bench b = { calls, match ? 1 : 10, contid, match };
			static const char *const names[2][2] = {
				{ "7. getppid, 10 auid exit rules, none matching",
				  "7. getppid, 10 contid exit rules, none matching" },
				{ "7. getppid, 1 matching auid exit rule",
				  "7. getppid, 1 matching contid exit rule" },
			};
			double v = in_nested(2, true, rules_getppid, &b);

			if (v < 0) {
				fprintf(stderr, "bench: figure 7: rules or loginuid refused\n");
				i = 1;
				break;
			}
			add(names[match][contid], "ns", contid ? names[match][0] : "",
			    contid ? 1.10 : 0, v);
		}
	}
	/*
	 * Figure 8: packets logged with the containers of their network
	 * namespace: what the CONTAINER_ID record (and finding what to put in
	 * it) adds to a logged packet, for 1 and 2 containers; what the second
	 * container adds, as a fraction of a logged packet; and a namespace of
	 * 1,000 containers against one of 32 (32 are named either way, the
	 * rest only counted).
	 */
	if (!i && !audit_only) {
		few = crowd_start(32);
		many = few ? crowd_start(1000) : NULL;
		i = !many;
	}
	for (r = 0; !i && !audit_only && r < rounds; r++) {
		static const char *const names[] = {
			"8. UDP packet, no log rule (reference)",
			"8. packet logged, namespace without containers",
			"8. packet logged, namespace of 1 container",
			"8. packet logged, namespace of 2 containers",
			"8. packet logged, namespace of 32 containers",
			"8. packet logged, namespace of 1000 containers",
		};
		double got[4];
		int k;

		for (k = 0; k < 4; k++) {
			/* The order rotates from round to round. */
			int v = (k + r) % 4;

			got[v] = packets(v >= 2 ? v - 1 : 0, v > 0, pkts, 0);
			add(names[v], "ns", v >= 2 ? names[1] : "", 0, got[v]);
		}
		/* The second container's increment, over a logged packet's cost. */
		if (got[1] > 0 && got[2] >= 0 && got[3] >= 0)
			add_fraction("8. second container's increment / logged packet", 0.02,
				     (got[3] - got[2]) / got[1]);
		for (k = 0; k < 2; k++) {
			bool crowded = (k + r) % 2;

			add(names[4 + crowded], "ns", crowded ? names[4] : "", crowded ? 1.02 : 0,
			    packets(0, true, pkts, crowded ? many->anchor : few->anchor));
		}
	}
	if (few || many) {
		crowd_stop(few);
		crowd_stop(many);
		/* Let the crowds' 1,032 containers and their namespaces go first. */
		sleep(1);
	}
	/*
	 * Figure 9: namespace changes by a task in a 2-level container against
	 * the same outside containers, with one unrelated exit rule (getppid:
	 * audit contexts are not dummy) and none on unshare or clone.
	 */
	if (!i && !audit_only && auditd_add_rule(&d, __NR_getppid)) {
		fprintf(stderr, "bench: cannot add the getppid rule\n");
		i = 1;
	}
	for (r = 0; !i && !audit_only && r < rounds; r++) {
		static const char *const names[2][2] = {
			{ "9. unshare(CLONE_NEWUTS), no container",
			  "9. unshare(CLONE_NEWUTS), 2-level container" },
			{ "9. clone(CLONE_NEWUTS)+waitpid, no container",
			  "9. clone(CLONE_NEWUTS)+waitpid, 2-level container" },
		};
		int k;

		for (k = 0; k < 4; k++) {
			/* Each pair alternates its order from round to round. */
			bool by_clone = k >= 2, in = (k + r) % 2;
			struct ns_change b = { by_clone ? forks : unshares, by_clone };

			add(names[by_clone][in], "ns", in ? names[by_clone][0] : "", in ? 1.02 : 0,
			    in_nested(2, in, ns_changes, &b));
		}
	}
	if (!audit_only)
		audit_rule(d.fd, AUDIT_DEL_RULE, __NR_getppid);
	STORE(draining, 0);
	pthread_join(th, NULL);
	auditd_stop(&d);
	if (i)
		return 1;

	fprintf(stderr, "bench: memory\n");
	if (!ns_only)
		footprint();
	kid_stop(&holder);

	out = fopen(json, "w");
	if (!out) {
		perror(json);
		return 1;
	}
	fprintf(out, "{\n  \"rounds\": %d,\n  \"figures\": [\n", rounds);
	printf("%-62s %12s %12s %12s %8s %8s\n", "figure", "median", "min", "max",
	       "ratio", "target");
	for (i = 0; i < nfigs; i++) {
		struct figure *f = &figs[i], *base = NULL;
		double ratio = 0;
		int k;

		for (k = 0; k < nfigs; k++)
			if (f->baseline[0] && !strcmp(figs[k].name, f->baseline))
				base = &figs[k];
		if (base)
			ratio = median(f) / median(base);
		if (f->fraction) {
			ratio = median(f);
			printf("%-62s %10.4f %-2s%10.4f %-2s%10.4f %-2s%8.4f %8.3f\n", f->name,
			       median(f), "", vmin(f), "", vmax(f), "", ratio, f->target);
		} else {
			printf("%-62s %10.0f %-2s%10.0f %-2s%10.0f %-2s", f->name, median(f), "",
			       vmin(f), "", vmax(f), "");
			if (base)
				printf("%8.3f %8.3f", ratio, f->target);
			printf("\n");
		}
		fprintf(out, "    {\"name\": \"%s\", \"unit\": \"%s\",", f->name, f->unit);
		fprintf(out, f->fraction ? " \"median\": %.5f, \"min\": %.5f, \"max\": %.5f," :
			" \"median\": %.1f, \"min\": %.1f, \"max\": %.1f,",
			median(f), vmin(f), vmax(f));
		fprintf(out, " \"rounds\": %d, \"baseline\": %s%s%s,", f->n,
			base ? "\"" : "", base ? base->name : "null", base ? "\"" : "");
		fprintf(out, " \"ratio\": %.4f, \"target\": %.3f}%s\n", ratio, f->target,
			i + 1 < nfigs ? "," : "");
	}
	fprintf(out, "  ]\n}\n");
	fclose(out);
	return failed;
}
