// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded storm for the debug kernel: workers concurrently fork and exit
 * inside containers, register, join and nest children (processes and thread
 * groups), and read other tasks' proc files and the debugfs listing. Tasks
 * in containers unshare and enter namespaces and send packets that
 * nftables logs to audit, in the initial network namespace (where
 * containers die while their packets are logged) and in namespaces of their
 * own (freed while their packets are logged). Every write must succeed or
 * fail with one of the contract's errnos. Afterwards every task is gone and
 * the listing must be readable and empty.
 *
 *   audit_contid_storm [SECONDS [WORKERS]]     default 60 s, 4 workers
 */
#include <pthread.h>

#include "common.h"

static double deadline;
static int *failures;
/* The initial network namespace, to go back to with setns(). */
static int home_net = -1;

static bool allowed(int err)
{
	switch (err) {
	case 0: case EPERM: case EINVAL: case ESRCH: case EXDEV: case EALREADY:
	case EBUSY: case EMLINK: case EEXIST: case ENOENT:
		return true;
	}
	return false;
}

static void check(int err, const char *what)
{
	if (!allowed(err)) {
		fprintf(stderr, "storm: %s: unexpected errno %d (%s)\n", what, err, strerror(err));
		__sync_fetch_and_add(failures, 1);
	}
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
		int go[2];
		pid_t c;
		char b;

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
		/* Register the child (or fail by the rules), then let it run. */
		check(set_contid(c, pick_id(&seed)), "register child");
		if (rand_r(&seed) % 4 == 0)
			check(set_contid(c, pick_id(&seed)), "register again");
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
	while (now() < deadline) {
		pid_t top = fork();

		if (top == 0) {
			wander(0, seed);
			_exit(0);
		}
		/* The worker is in no container: it registers its child too. */
		if (top > 0)
			check(set_contid(top, pick_id(&seed)), "register top");
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

	failures = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (failures == MAP_FAILED)
		return 2;
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
	printf("storm: %d s, %d workers, %d unexpected results, %d containers left%s\n",
	       seconds, workers, LOAD(*failures), listed,
	       listed < 0 ? " (listing unreadable)" : "");
	return LOAD(*failures) || listed ? 1 : 0;
}
