// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded storm for the debug kernel: workers concurrently fork and exit
 * inside containers, register, join and nest children (processes and thread
 * groups), and read other tasks' proc files and the debugfs listing. Tasks
 * in containers unshare and enter namespaces and send packets that
 * nftables logs to audit, in the initial network namespace (where
 * containers die while their packets are logged) and in namespaces of their
 * own (freed while their packets are logged). Every write must succeed or
 * fail with an errno the contract allows for that write, and leave its
 * target's chain as the contract says: the writer's chain and the ID after a
 * success, unchanged after a refusal. Afterwards every task is gone and the
 * listing must be readable and empty.
 *
 *   audit_contid_storm [SECONDS [WORKERS]]     default 60 s, 4 workers
 */
#include <pthread.h>
#include <stdarg.h>

#include "common.h"

static double deadline;
static int *failures;
/* EBUSY where the target had no child: the ID's previous holder was dying. */
static int *busy_dying;
/* The initial network namespace, to go back to with setns(). */
static int home_net = -1;

static void fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "storm: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	__sync_fetch_and_add(failures, 1);
}

/* How many IDs a chain as the proc file reads holds: 0 for "unset". */
static int depth_of(const char *chain)
{
	int n = 1;

	if (!strcmp(chain, UNSET))
		return 0;
	for (; *chain; chain++)
		n += *chain == '/';
	return n;
}

/* The chain a write of @id by a task whose chain is @mine gives its target. */
static void chain_below(const char *mine, unsigned long long id, char *out)
{
	out[0] = '\0';
	if (strcmp(mine, UNSET)) {
		snprintf(out, CHAIN_MAX, "%s", mine);
		out[strlen(out) - 1] = '\0';	/* its newline */
	}
	chain_add(out, id);
	strcat(out, "\n");
}

/*
 * The errnos the contract lets a storm write return. Every write is valid
 * (rule 2) and made by root (rule 1) to another process (rule 3), which
 * inherited the writer's chain (within scope: rule 5) and which its writer
 * keeps from exiting until the write is checked (rule 4). What is left:
 * @first, the result of an earlier write to the same target (-1 if none):
 * after a success, EALREADY (rule 6), else what that write could get;
 * EBUSY only if the target may have forked (@may_fork, rule 7); EMLINK
 * exactly when the writer is 8 deep (rule 8); otherwise success (a new
 * container or a join) or EEXIST (rule 9). ENOMEM at any time, and EBUSY at
 * any time too: the IDs come from a small pool, and a registration of an
 * ID whose previous holder is dying waits at most one RCU grace period for
 * the reaper, then fails with EBUSY.
 */
static bool allowed(int err, int first, int depth, bool may_fork)
{
	if (err == EBUSY && !may_fork)
		__sync_fetch_and_add(busy_dying, 1);
	if (err == ENOMEM || err == EBUSY)
		return true;
	if (first == 0)
		return err == EALREADY;
	if (depth >= MAX_DEPTH)
		return err == EMLINK;
	return err == 0 || err == EEXIST;
}

/*
 * Writes @id to task @t, which the caller keeps alive and which inherited
 * @mine, the caller's chain, and checks the outcome: an allowed() errno,
 * and @t's chain read back: @mine below which @id after a success, as it
 * was before after a refusal. Before a first write (@first is -1), @t's
 * chain must be @mine (no child escapes its parent's chain). Returns the
 * write's errno.
 */
static int register_checked(pid_t t, const char *mine, unsigned long long id, int first,
			    bool may_fork, const char *what)
{
	char before[CHAIN_MAX], after[CHAIN_MAX], want[CHAIN_MAX];
	int err;

	err = read_proc(t, 0, "audit_containerid", before, sizeof(before));
	if (err) {
		fail(what, "reading the target's chain: %s\n", strerror(err));
		return -1;
	}
	if (first < 0 && strcmp(before, mine))
		fail(what, "the target's chain is %.*s, its parent's %s",
		     (int)strcspn(before, "\n"), before, mine);
	err = set_contid(t, id);
	if (!allowed(err, first, depth_of(mine), may_fork))
		fail(what, "unexpected errno %d (%s), writer at depth %d, earlier write %d\n",
		     err, strerror(err), depth_of(mine), first);
	if (err)
		snprintf(want, sizeof(want), "%s", before);
	else
		chain_below(mine, id, want);
	if (read_proc(t, 0, "audit_containerid", after, sizeof(after)))
		fail(what, "reading the target's chain after the write failed\n");
	else if (strcmp(after, want))
		fail(what, "errno %d: the target's chain is %.*s, not %s", err,
		     (int)strcspn(after, "\n"), after, want);
	return err;
}

static unsigned long long pick_id(unsigned int *seed)
{
	/* A small pool: joins, collisions and reuse after death are common. */
	return 0x5707000000ull + rand_r(seed) % 24 + 1;
}

static void read_some(unsigned int *seed)
{
	char buf[CHAIN_MAX];
	pid_t pid = 1 + rand_r(seed) % 400;

	read_proc(pid, 0, "audit_containerid", buf, sizeof(buf));
	read_proc(pid, 0, "audit_containersession", buf, sizeof(buf));
	read_proc(pid, pid, "audit_containerid", buf, sizeof(buf));
	/* Audited when a rule on getppid is loaded: CONTAINER_ID records. */
	syscall(SYS_getppid);
	if (rand_r(seed) % 8 == 0)
		debugfs_lookup("none", NULL, NULL);
}

/*
 * A task in a container changes namespaces (each logged as op=ns, a network
 * namespace attributing its container) and sends packets, which the rule in
 * the initial namespace, or one of its own, logs with their containers.
 */
static void ns_churn(unsigned int *seed)
{
	int i;

	switch (rand_r(seed) % 16) {
	case 0 ... 4:
		if (!unshare(CLONE_NEWNET))
			loopback_up();
		break;
	case 5 ... 7:
		unshare(CLONE_NEWUTS | CLONE_NEWIPC);
		break;
	case 8 ... 14:
		setns(home_net, CLONE_NEWNET);
		break;
	default:
		/* Its own rule (an exec of nft: rarely). */
		if (!unshare(CLONE_NEWNET))
			packet_rule("audit_contid_storm");
		break;
	}
	for (i = rand_r(seed) % 4; i > 0; i--)
		send_packet();
}

static void *idle_thread(void *arg)
{
	usleep(1000 + (long)arg % 3000);
	return NULL;
}

/* A process somewhere in the tree: maybe nests children, forks, exits. */
static void wander(int depth, unsigned int seed)
{
	int i, n = 1 + rand_r(&seed) % 3;

	for (i = 0; i < n && now() < deadline; i++) {
		char b, mine[CHAIN_MAX];
		int go[2], err;
		pid_t c;

		read_some(&seed);
		if (pipe(go))
			break;
		c = fork();
		if (c < 0) {
			close(go[0]);
			close(go[1]);
			break;
		}
		if (c == 0) {
			pthread_t th[2];
			int k, nth = rand_r(&seed) % 3;

			close(go[1]);
			for (k = 0; k < nth; k++)
				pthread_create(&th[k], NULL, idle_thread,
					       (void *)(long)rand_r(&seed));
			if (read(go[0], &b, 1) < 0)
				b = 0;
			if (rand_r(&seed) % 2)
				ns_churn(&seed);
			if (depth < MAX_DEPTH + 1 && rand_r(&seed) % 3)
				wander(depth + 1, seed ^ getpid());
			for (k = 0; k < nth; k++)
				pthread_join(th[k], NULL);
			_exit(0);
		}
		close(go[0]);
		/*
		 * Register the child (or fail by the rules), then let it run.
		 * Our chain is read now that we have a child: nobody can
		 * register us until it is reaped.
		 */
		if (read_proc(getpid(), 0, "audit_containerid", mine, sizeof(mine))) {
			fail("wander", "cannot read our own chain\n");
		} else {
			err = register_checked(c, mine, pick_id(&seed), -1, false,
					       "register child");
			if (rand_r(&seed) % 4 == 0)
				register_checked(c, mine, pick_id(&seed), err, false,
						 "register again");
		}
		if (write(go[1], "g", 1) < 0)
			break;
		close(go[1]);
		if (rand_r(&seed) % 2)
			waitpid(c, NULL, 0);
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
}

static int worker(unsigned int seed)
{
	char mine[CHAIN_MAX], b;
	int hold[2];
	pid_t top;

	/* Nobody registers a worker: its chain (normally unset) stays. */
	if (read_proc(getpid(), 0, "audit_containerid", mine, sizeof(mine)))
		return 1;
	while (now() < deadline) {
		if (pipe(hold))
			return 1;
		top = fork();
		if (top == 0) {
			close(hold[1]);
			wander(0, seed);
			/* Until the worker has checked its write: never exiting then. */
			if (read(hold[0], &b, 1) < 0)
				_exit(1);
			_exit(0);
		}
		close(hold[0]);
		/*
		 * The worker registers its child too, racing with the child's
		 * first fork (EBUSY if that comes first).
		 */
		if (top > 0)
			register_checked(top, mine, pick_id(&seed), -1, true, "register top");
		close(hold[1]);
		read_some(&seed);
		waitpid(top, NULL, 0);
		seed = seed * 1103515245 + 12345;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 60;
	int workers = argc > 2 ? atoi(argv[2]) : 4;
	int i, listed, st;

	failures = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (failures == MAP_FAILED)
		return 2;
	busy_dying = failures + 1;
	debugfs_lookup("none", NULL, NULL);	/* mounts debugfs if needed */
	home_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_net < 0 || packet_rule("audit_contid_storm")) {
		fprintf(stderr, "storm: cannot add the nftables rule (" NFT
			" missing? 'make deps' installs nftables)\n");
		return 2;
	}
	deadline = now() + seconds;
	for (i = 0; i < workers; i++)
		if (fork() == 0)
			_exit(worker(0x9e3779b9u * (i + 1)));
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			__sync_fetch_and_add(failures, 1);

	/*
	 * Orphans were reparented to init; give them a moment to be reaped. A
	 * listing that cannot be read proves nothing: that fails too.
	 */
	for (i = 0; i < 100; i++) {
		char line[CHAIN_MAX + 64];
		FILE *f = fopen(CONTAINERS, "r");

		if (!f) {
			fprintf(stderr, "storm: cannot read %s: %s\n", CONTAINERS, strerror(errno));
			listed = -1;
			break;
		}
		listed = 0;
		while (fgets(line, sizeof(line), f))
			listed++;
		if (ferror(f)) {
			fprintf(stderr, "storm: error reading %s\n", CONTAINERS);
			listed = -1;
		}
		fclose(f);
		if (listed <= 0)
			break;
		usleep(100000);
	}
	if (system(NFT " delete table ip audit_contid_storm"))
		__sync_fetch_and_add(failures, 1);
	printf("storm: %d s, %d workers, %d unexpected, %d EBUSY, %d containers left%s\n",
	       seconds, workers, LOAD(*failures), LOAD(*busy_dying), listed,
	       listed < 0 ? " (listing unreadable)" : "");
	return LOAD(*failures) || listed ? 1 : 0;
}
