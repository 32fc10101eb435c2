/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the audit container ID selftests: proc file access, child
 * processes that wait to be registered, and nested chains of writers.
 */
#ifndef AUDIT_CONTID_COMMON_H
#define AUDIT_CONTID_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UNSET "unset\n"
#define NO_SESSION 4294967295u
#define MAX_DEPTH 8
#define CHAIN_MAX 512
#define DEBUGFS_DIR "/sys/kernel/debug"
#define CONTAINERS DEBUGFS_DIR "/audit_containerid/containers"

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

/* The chain of a task as read, or "error:<errno>". */
static inline const char *contid_of(pid_t pid, pid_t tid, char *buf)
{
	int err = read_proc(pid, tid, "audit_containerid", buf, CHAIN_MAX);

	if (err)
		sprintf(buf, "error:%d", err);
	return buf;
}

static inline unsigned long long session_of(pid_t pid, pid_t tid)
{
	char buf[32];

	if (read_proc(pid, tid, "audit_containersession", buf, sizeof(buf)))
		return ~0ull;
	return strtoull(buf, NULL, 10);
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
		exit(1);
	pid = fork();
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

/* Lets the agent run and waits for it; returns its exit code. */
static inline int agent_finish(struct agent *a)
{
	int st;

	if (write(a->go, "g", 1) != 1)
		return 253;
	close(a->go);
	if (waitpid(a->pid, &st, 0) != a->pid)
		return 254;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
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

/*
 * Builds a chain of nested registrations: the task at level L (whose chain
 * has L IDs) forks a child and registers it with ids[L], until level @levels;
 * the bottom task publishes its pid and waits for release. The result of each
 * level's registration is in sh->err[L]. Returns the first failure's errno.
 */
static inline int descend(struct shared *sh, int lvl, int levels,
			  const unsigned long long *ids)
{
	int go[2], st, err;
	pid_t c;
	char b;

	if (lvl == levels) {
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
		_exit(descend(sh, lvl + 1, levels, ids));
	}
	close(go[0]);
	err = set_contid(c, ids[lvl]);
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
 * Looks @chain up in the debugfs listing. Returns 1 and fills @tasks and
 * @children when listed, 0 when not, -1 when the listing cannot be read.
 */
static inline int debugfs_lookup(const char *chain, int *tasks, int *children)
{
	char line[CHAIN_MAX + 64], name[CHAIN_MAX];
	int found = 0, t, c;
	FILE *f;

	if (access(CONTAINERS, R_OK))
		mount("debugfs", DEBUGFS_DIR, "debugfs", 0, NULL);
	f = fopen(CONTAINERS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%511s %d %d", name, &t, &c) == 3 &&
		    !strcmp(name, chain)) {
			found = 1;
			if (tasks)
				*tasks = t;
			if (children)
				*children = c;
		}
	}
	fclose(f);
	return found;
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

#endif /* AUDIT_CONTID_COMMON_H */
