/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the audit container ID selftests: proc file access, child
 * processes that wait to be registered, and nested chains of writers.
 */
#ifndef AUDIT_CONTID_COMMON_H
#define AUDIT_CONTID_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 0xd, __u64)
#endif

#define UNSET "unset\n"
#define NO_SESSION 4294967295u
#define MAX_DEPTH 8
#define CHAIN_MAX 512
#define DEBUGFS_DIR "/sys/kernel/debug"
#define CONTAINERS DEBUGFS_DIR "/audit_containerid/containers"
#define LISTING_MAX 16384

/*
 * A helper that cannot read what it was asked to read ends the calling
 * process with SIGABRT: the harness reports a test killed that way as
 * failed, and an agent killed that way returns 255, which no test expects.
 * A read error must never look like a value ("unset", 4294967295, ...).
 */
static inline void die(const char *what, int err)
{
	fprintf(stderr, "# %s: %s\n", what, strerror(err));
	fflush(stderr);
	abort();
}

/* @size zeroed bytes shared with the children forked later; dies if it cannot map them. */
static inline void *shared_zalloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap", errno);
	memset(p, 0, size);
	return p;
}

/* IDs unique to this test process, so tests never collide with leftovers. */
static unsigned long long id_base;

static inline void ids_init(void)
{
	id_base = ((unsigned long long)getpid() << 20) ^ ((unsigned long long)time(NULL) << 40);
}

/* Why a test cannot run here (feature or privilege missing), or NULL. */
static inline const char *unsupported(void)
{
	if (access("/proc/self/audit_containerid", F_OK))
		return "CONFIG_AUDIT_CONTAINERID is not enabled";
	if (geteuid())
		return "needs root";
	ids_init();
	return NULL;
}

static inline unsigned long long test_id(unsigned int n)
{
	return id_base + n + 1;
}

static inline void fmt_uuid(unsigned long long v, char *out)
{
	sprintf(out, "00000000-0000-0000-%04llx-%012llx", (v >> 48) & 0xffff,
		v & 0xffffffffffffull);
}

/* The UUID text of ID @v, in 8 static buffers used in turn: 8 per expression. */
static inline const char *uuid_of(unsigned long long v)
{
	static char u[8][40];
	static int i;

	i = (i + 1) % 8;
	fmt_uuid(v, u[i]);
	return u[i];
}

/* Appends "<uuid of v>" to a chain string, with '/' when not empty. */
static inline void chain_add(char *chain, unsigned long long v)
{
	char u[40];

	fmt_uuid(v, u);
	if (chain[0])
		strcat(chain, "/");
	strcat(chain, u);
}

static inline void proc_path(char *buf, pid_t pid, pid_t tid, const char *file)
{
	if (tid)
		sprintf(buf, "/proc/%d/task/%d/%s", pid, tid, file);
	else
		sprintf(buf, "/proc/%d/%s", pid, file);
}

/* Writes @len bytes to a task's audit_containerid; 0 or the errno. */
static inline int write_contid(pid_t pid, pid_t tid, const void *s, size_t len)
{
	char path[96];
	ssize_t n;
	int fd, err;

	proc_path(path, pid, tid, "audit_containerid");
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	n = write(fd, s, len);
	err = n == (ssize_t)len ? 0 : (n < 0 ? errno : EIO);
	close(fd);
	return err;
}

/* Writes @len bytes to a task's audit_containersession; 0 or the errno. */
static inline int write_contid_session(pid_t pid, const void *s, size_t len)
{
	char path[96];
	ssize_t n;
	int fd, err;

	proc_path(path, pid, 0, "audit_containersession");
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	n = write(fd, s, len);
	err = n == (ssize_t)len ? 0 : (n < 0 ? errno : EIO);
	close(fd);
	return err;
}

static inline int set_contid(pid_t pid, unsigned long long id)
{
	char s[40];

	sprintf(s, "0x%llx\n", id);
	return write_contid(pid, 0, s, strlen(s));
}

/* Reads a whole proc file of a task into @buf; 0 or the errno. */
static inline int read_proc(pid_t pid, pid_t tid, const char *file, char *buf,
			    size_t size)
{
	char path[96];
	ssize_t n;
	int fd;

	proc_path(path, pid, tid, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = '\0';
	return 0;
}

/*
 * NS_GET_ID of /proc/@pid/ns/@name (@pid 0: /proc/self, right in any PID
 * namespace): the namespace's ID, or 0 if the kernel has no namespaces of
 * that type (the file is missing while the task is not). Dies if it cannot
 * be read.
 */
static inline unsigned long long ns_id(pid_t pid, const char *name)
{
	char dir[32], path[64];
	__u64 id = 0;
	int fd, err;

	if (pid)
		snprintf(dir, sizeof(dir), "/proc/%d/ns", pid);
	else
		snprintf(dir, sizeof(dir), "/proc/self/ns");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT && !access(dir, F_OK))
			return 0;
		die(path, err);
	}
	if (ioctl(fd, NS_GET_ID, &id))
		die("NS_GET_ID", errno);
	close(fd);
	return id;
}

/* The chain of a task as read (@buf holds CHAIN_MAX); dies if unreadable. */
static inline const char *contid_of(pid_t pid, pid_t tid, char *buf)
{
	int err = read_proc(pid, tid, "audit_containerid", buf, CHAIN_MAX);

	if (err)
		die("reading audit_containerid", err);
	return buf;
}

/*
 * The session number of a task: decimal digits and a newline, as the contract
 * says (NO_SESSION when in no container). Dies if unreadable or malformed.
 */
static inline unsigned long long session_of(pid_t pid, pid_t tid)
{
	unsigned long long v;
	char buf[32], *end;
	int err;

	err = read_proc(pid, tid, "audit_containersession", buf, sizeof(buf));
	if (err)
		die("reading audit_containersession", err);
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (end == buf || buf[0] < '0' || buf[0] > '9' || strcmp(end, "\n") || errno)
		die("audit_containersession is not a number and a newline", EINVAL);
	return v;
}

/* A child that does nothing until released: the usual registration target. */
struct kid {
	pid_t pid;
	int release;
};

/* In a new child: close every inherited descriptor except @keep. */
static inline void close_all_but(int keep)
{
	if (keep > 3)
		syscall(SYS_close_range, 3, keep - 1, 0);
	syscall(SYS_close_range, keep + 1, ~0U, 0);
}

/*
 * Forks a child that blocks until the parent writes a byte to, or closes,
 * *@release. Returns the pid in the parent; in the child, returns 0 once
 * released, with *@went telling whether a byte came (rather than EOF).
 */
static inline pid_t fork_held(int *release, bool *went)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		die("pipe", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(p[1]);
		close_all_but(p[0]);
		*went = read(p[0], &c, 1) == 1;
		return 0;
	}
	close(p[0]);
	*release = p[1];
	return pid;
}

static inline void kid_start(struct kid *k)
{
	bool went;

	k->pid = fork_held(&k->release, &went);
	if (k->pid == 0)
		_exit(0);
}

static inline int kid_stop(struct kid *k)
{
	int st = 0;

	close(k->release);
	waitpid(k->pid, &st, 0);
	return st;
}

/* Runs fn(arg) in a child process; returns its exit code (255 if killed). */
static inline int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &st, 0) != pid)
		return 254;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/*
 * A child that runs fn(arg) only once told to go, so that it can be
 * registered first (a registered task may not have children yet).
 */
struct agent {
	pid_t pid;
	int go;
};

static inline void agent_start(struct agent *a, int (*fn)(void *), void *arg)
{
	bool went;

	a->pid = fork_held(&a->go, &went);
	if (a->pid == 0)
		_exit(went ? fn(arg) : 0);
}

/* Waits for the agent: its exit code, 254 if it cannot be waited for, 255 if killed. */
static inline int agent_reap(struct agent *a)
{
	int st;

	if (waitpid(a->pid, &st, 0) != a->pid)
		return 254;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/* Lets a started agent run (agent_start() holds it until then); dies if it cannot. */
static inline void agent_let_go(struct agent *a)
{
	if (write(a->go, "g", 1) != 1)
		die("releasing an agent", errno);
	close(a->go);
}

/* Lets the agent run and waits for it; returns its exit code. */
static inline int agent_finish(struct agent *a)
{
	if (write(a->go, "g", 1) != 1)
		return 253;
	close(a->go);
	return agent_reap(a);
}

/*
 * A child that has children of its own when told to: the target of the
 * "has children" rule. Its serving thread (the main thread, or a second
 * thread when @from_thread) forks an idle child on 'f', kills and reaps it on
 * 'r', and answers each command with the child's pid (0 when none).
 */
struct parent {
	pid_t pid;	/* the process */
	pid_t tid;	/* the thread that forks (== pid unless from_thread) */
	pid_t child;	/* its current child, or 0 */
	int sock;
};

static inline void parent_serve(int sock)
{
	pid_t c = 0, tid = syscall(SYS_gettid);
	char b;

	if (write(sock, &tid, sizeof(tid)) != sizeof(tid))
		return;
	while (read(sock, &b, 1) == 1) {
		if (b == 'f' && !c) {
			c = fork();
			if (c == 0) {
				close(sock);
				for (;;)
					pause();
			}
		} else if (b == 'r' && c > 0) {
			kill(c, SIGKILL);
			waitpid(c, NULL, 0);
			c = 0;
		}
		if (write(sock, &c, sizeof(c)) != sizeof(c))
			break;
	}
	if (c > 0) {
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
	}
}

static inline void *parent_thread(void *arg)
{
	parent_serve(*(int *)arg);
	return NULL;
}

/* Starts the process; dies if it does not come up. */
static inline void parent_start(struct parent *p, bool from_thread)
{
	pthread_t th;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair", errno);
	p->child = 0;
	p->pid = fork();
	if (p->pid < 0)
		die("fork", errno);
	if (p->pid == 0) {
		close(sv[0]);
		close_all_but(sv[1]);
		if (!from_thread)
			parent_serve(sv[1]);
		else if (!pthread_create(&th, NULL, parent_thread, &sv[1]))
			pthread_join(th, NULL);
		_exit(0);
	}
	close(sv[1]);
	p->sock = sv[0];
	if (read(p->sock, &p->tid, sizeof(p->tid)) != sizeof(p->tid))
		die("starting a parent", EIO);
}

static inline pid_t parent_cmd(struct parent *p, char cmd)
{
	if (write(p->sock, &cmd, 1) != 1 ||
	    read(p->sock, &p->child, sizeof(p->child)) != sizeof(p->child))
		die("commanding a parent", EIO);
	return p->child;
}

/* Makes the serving thread fork a child; returns its pid. */
static inline pid_t parent_fork(struct parent *p)
{
	return parent_cmd(p, 'f');
}

/* Kills the child and waits until it is reaped: no child any more. */
static inline void parent_reap(struct parent *p)
{
	parent_cmd(p, 'r');
}

static inline int parent_stop(struct parent *p)
{
	int st = 0;

	close(p->sock);
	waitpid(p->pid, &st, 0);
	return st;
}

/* Memory shared by a test and every process it forks; access with LOAD/STORE. */
struct shared {
	int ready;
	int release;
	int start;
	pid_t pid;
	pid_t tids[4];
	int err[MAX_DEPTH + 2];
};

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

static inline struct shared *shared_new(void)
{
	struct shared *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		exit(1);
	memset(s, 0, sizeof(*s));
	return s;
}

static inline bool wait_for(int *flag, int seconds)
{
	struct timespec t = { 0, 1000000 };
	long n = seconds * 1000L;

	while (!LOAD(*flag) && n-- > 0)
		nanosleep(&t, NULL);
	return LOAD(*flag);
}

static inline void spin_until(int *flag)
{
	while (!LOAD(*flag))
		;
}

static inline int drop_audit_control(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int i = CAP_TO_INDEX(CAP_AUDIT_CONTROL);

	if (syscall(SYS_capget, &h, d))
		return errno;
	d[i].effective &= ~CAP_TO_MASK(CAP_AUDIT_CONTROL);
	d[i].permitted &= ~CAP_TO_MASK(CAP_AUDIT_CONTROL);
	return syscall(SYS_capset, &h, d) ? errno : 0;
}

/*
 * Reads the whole debugfs listing into @buf (mounting debugfs if needed).
 * Dies if it cannot be read or does not fit.
 */
static inline void listing_read(char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	if (access(CONTAINERS, R_OK))
		mount("debugfs", DEBUGFS_DIR, "debugfs", 0, NULL);
	fd = open(CONTAINERS, O_RDONLY);
	if (fd < 0)
		die("opening " CONTAINERS, errno);
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	if (n < 0)
		die("reading " CONTAINERS, errno);
	close(fd);
	if (len == size - 1)
		die("the container listing does not fit", EFBIG);
	buf[len] = '\0';
}

/*
 * Looks @chain up in the debugfs listing, whose lines are
 * "<chain> <tasks> <children> <netns>", the last the network namespaces the
 * container is attributed to (nsfs inodes, comma-separated, or "-"). Returns
 * 1 and fills @tasks, @children and @netns (if not NULL; NETNS_MAX bytes)
 * when listed, 0 when not; dies when the listing cannot be read or a line
 * does not have that form.
 */
#define NETNS_MAX 256
static inline int debugfs_lookup_netns(const char *chain, int *tasks, int *children,
				       char *netns)
{
	char text[LISTING_MAX], name[CHAIN_MAX], nets[NETNS_MAX], *line, *save = NULL;
	int found = 0, t, c, n;

	listing_read(text, sizeof(text));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%511s %d %d %255s%n", name, &t, &c, nets, &n) != 4 || line[n] ||
		    strspn(nets, "0123456789,-") != strlen(nets))
			die("a listing line is not <chain> <tasks> <children> <netns>", EINVAL);
		if (!strcmp(name, chain)) {
			found = 1;
			if (tasks)
				*tasks = t;
			if (children)
				*children = c;
			if (netns)
				snprintf(netns, NETNS_MAX, "%s", nets);
		}
	}
	return found;
}

static inline int debugfs_lookup(const char *chain, int *tasks, int *children)
{
	return debugfs_lookup_netns(chain, tasks, children, NULL);
}

/*
 * What a refused write must leave as it was: the target's chain and session
 * (when a target is given) and the whole container listing.
 */
struct state {
	char chain[CHAIN_MAX];
	unsigned long long session;
	char listing[LISTING_MAX];
};

/* Snapshots the state of task @pid/@tid (none when @pid <= 0). */
static inline void state_of(pid_t pid, pid_t tid, struct state *s)
{
	s->chain[0] = '\0';
	s->session = 0;
	if (pid > 0) {
		contid_of(pid, tid, s->chain);
		s->session = session_of(pid, tid);
	}
	listing_read(s->listing, sizeof(s->listing));
}

/* Whether two snapshots are equal; tells on stderr what differs. */
static inline bool state_same(const struct state *a, const struct state *b)
{
	bool same = true;

	if (strcmp(a->chain, b->chain)) {
		fprintf(stderr, "# chain was %s# and is %s", a->chain, b->chain);
		same = false;
	}
	if (a->session != b->session) {
		fprintf(stderr, "# session was %llu and is %llu\n", a->session, b->session);
		same = false;
	}
	if (strcmp(a->listing, b->listing)) {
		fprintf(stderr, "# listing was:\n%s# and is:\n%s", a->listing, b->listing);
		same = false;
	}
	return same;
}

/* Returned for a refused write that changed something: no errno is 250. */
#define CHANGED 250

/*
 * Writes through @fd (a task's audit_containerid, opened by the caller), at
 * offset @off with pwrite(), or with write() when @off is negative, and checks
 * that a refusal changed nothing: @pid/@tid's chain and session (when
 * @pid > 0) and the listing, before and after. Returns 0 if the write
 * succeeded, CHANGED if it was refused but changed something, else the errno.
 */
static inline int refused_io(int fd, pid_t pid, pid_t tid, const void *s, size_t len,
			     off_t off)
{
	struct state before, after;
	ssize_t n;
	int err;

	state_of(pid, tid, &before);
	n = off < 0 ? write(fd, s, len) : pwrite(fd, s, len, off);
	err = n < 0 ? errno : 0;
	if (n >= 0 && n != (ssize_t)len)
		err = EIO;
	state_of(pid, tid, &after);
	if (err && !state_same(&before, &after))
		return CHANGED;
	return err;
}

static inline int refused_fd(int fd, pid_t pid, pid_t tid, const void *s, size_t len)
{
	return refused_io(fd, pid, tid, s, len, -1);
}

/* As write_contid(), checking that a refusal changes nothing (refused_fd()). */
static inline int write_refused(pid_t pid, pid_t tid, const void *s, size_t len)
{
	char path[96];
	int fd, err;

	proc_path(path, pid, tid, "audit_containerid");
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	err = refused_fd(fd, pid, tid, s, len);
	close(fd);
	return err;
}

/* As set_contid(), checking that a refusal changes nothing (refused_fd()). */
static inline int set_refused(pid_t pid, unsigned long long id)
{
	char s[40];

	sprintf(s, "0x%llx\n", id);
	return write_refused(pid, 0, s, strlen(s));
}

/*
 * Builds a chain of nested registrations: the task at level L (whose chain
 * has L IDs) forks a child and registers it with ids[L], until level @levels.
 * The bottom task then runs fn(arg) and returns its result, or, with no @fn,
 * publishes its pid and waits for release. The result of each level's
 * registration is in sh->err[L]. Returns the first failure's errno, or what
 * the bottom task returned.
 */
static inline int descend_run(struct shared *sh, int lvl, int levels,
			      const unsigned long long *ids,
			      int (*fn)(void *), void *arg)
{
	int go[2], st, err;
	pid_t c;
	char b;

	if (lvl == levels) {
		if (fn)
			return fn(arg);
		STORE(sh->pid, getpid());
		STORE(sh->ready, 1);
		while (!LOAD(sh->release))
			usleep(1000);
		return 0;
	}
	if (pipe(go))
		return 120;
	c = fork();
	if (c == 0) {
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(0);
		close(go[0]);
		_exit(descend_run(sh, lvl + 1, levels, ids, fn, arg));
	}
	close(go[0]);
	err = set_refused(c, ids[lvl]);
	STORE(sh->err[lvl], err);
	if (err) {
		close(go[1]);
		waitpid(c, &st, 0);
		STORE(sh->ready, 1);
		return err;
	}
	if (write(go[1], "g", 1) != 1)
		return 121;
	close(go[1]);
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 122;
}

static inline int descend(struct shared *sh, int lvl, int levels,
			  const unsigned long long *ids)
{
	return descend_run(sh, lvl, levels, ids, NULL, NULL);
}

/* Busy-waits a random number of iterations below @max. */
static inline void jitter(long max)
{
	long i, n = max > 0 ? random() % max : 0;

	for (i = 0; i < n; i++)
		__asm__ __volatile__("" ::: "memory");
}

static inline double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Debian's nftables; the packet tests and the storm log packets with it. */
#define NFT "/usr/sbin/nft"

/* Brings the loopback of the current network namespace up. 0 or an errno. */
static inline int loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr))
		err = errno;
	close(fd);
	return err;
}

/*
 * In the current network namespace: loopback up, and nftables table @table
 * with a rule that logs UDP packets to port 9 to audit ("log level audit":
 * NETFILTER_PKT records). 0, or why not.
 */
static inline int packet_rule(const char *table)
{
	FILE *f;

	if (loopback_up())
		return 1;
	f = popen(NFT " -f -", "w");
	if (!f)
		return 2;
	fprintf(f, "table ip %s {\n"
		"  chain out {\n"
		"    type filter hook output priority 0; policy accept;\n"
		"    udp dport 9 log level audit\n"
		"  }\n"
		"}\n", table);
	return pclose(f) ? 3 : 0;
}

/* Sends one UDP byte to @to (@len bytes) in the current network namespace; 0 or the errno. */
static inline int send_udp(const void *to, socklen_t len)
{
	int fd = socket(((const struct sockaddr *)to)->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return errno;
	if (sendto(fd, "x", 1, 0, to, len) != 1)
		err = errno;
	close(fd);
	return err;
}

/* Sends one UDP packet to 127.0.0.1:9 in the current network namespace. */
static inline int send_packet(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return send_udp(&to, sizeof(to));
}

/* Sends one UDP packet to [::1]:9 in the current network namespace. */
static inline int send_packet6(void)
{
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6, .sin6_port = htons(9), .sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};

	return send_udp(&to, sizeof(to));
}

#endif /* AUDIT_CONTID_COMMON_H */
