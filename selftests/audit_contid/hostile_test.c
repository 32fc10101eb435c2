// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input through the real interface: every write length up to 8192,
 * random bytes, every prefix of valid forms, huge and mixed numbers,
 * concurrent writes on one open file, writes after the target died. After
 * each write the target's chain and session are unchanged unless the write
 * was valid, and the errno is the contract's.
 */
#include <pthread.h>

#include "../kselftest_harness.h"
#include "common.h"

static char chain_buf[CHAIN_MAX];

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The write contract (Documentation/admin-guide/audit-containerid.rst,
 * rule 2), read literally: is @b one valid ID? Its value in @v. A write
 * longer than 40 bytes is refused whatever it holds; every accepted form
 * fits in 40 bytes with its newline (39 decimal digits and a newline is the
 * longest), so leading zeros are accepted only within that length.
 */
static bool valid_id(const char *b, size_t n, __uint128_t *v)
{
	size_t i, digits;
	__uint128_t x = 0;

	if (n > 40)
		return false;
	if (n && b[n - 1] == '\n')
		n--;
	if (!n)
		return false;
	if (n == 36 && b[8] == '-') {
		for (i = 0; i < n; i++) {
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;

			if (dash ? b[i] != '-' : hexval(b[i]) < 0)
				return false;
			if (!dash)
				x = x << 4 | hexval(b[i]);
		}
	} else if (n >= 2 && b[0] == '0' && b[1] == 'x') {
		digits = n - 2;
		if (digits < 1 || digits > 32)
			return false;
		for (i = 2; i < n; i++) {
			if (hexval(b[i]) < 0)
				return false;
			x = x << 4 | hexval(b[i]);
		}
	} else {
		for (i = 0; i < n; i++) {
			__uint128_t d = b[i] - '0';

			if (b[i] < '0' || b[i] > '9')
				return false;
			if (x > (~(__uint128_t)0 - d) / 10)
				return false;
			x = x * 10 + d;
		}
	}
	*v = x;
	return x != 0;
}

static void uuid128(__uint128_t v, char *out)
{
	unsigned long long hi = v >> 64, lo = (unsigned long long)v;

	sprintf(out, "%08llx-%04llx-%04llx-%04llx-%012llx\n", hi >> 32, (hi >> 16) & 0xffff,
		hi & 0xffff, lo >> 48, lo & 0xffffffffffffull);
}

/*
 * Writes @b to a fresh target and checks the outcome against the contract:
 * a valid ID registers and reads back as its UUID; anything else is EINVAL
 * and leaves the target untouched. Returns 0 or a line number.
 */
static int try_input(const char *b, size_t n)
{
	char want[CHAIN_MAX];
	struct kid k;
	int err, bad = 0;
	__uint128_t v;

	kid_start(&k);
	err = write_refused(k.pid, 0, b, n);
	if (valid_id(b, n, &v)) {
		uuid128(v, want);
		if (err || strcmp(want, contid_of(k.pid, 0, chain_buf)))
			bad = __LINE__;
	} else if (err != EINVAL) {
		bad = __LINE__;
	}
	kid_stop(&k);
	return bad;
}

/* A fixture only for its timeout: 8193 lengths take a while on a debug kernel. */
FIXTURE(slow) {
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

TEST_F_TIMEOUT(slow, every_length_from_0_to_8192_of_random_bytes, 600)
{
	static char buf[8193];
	static struct state before, after;
	struct kid k;
	size_t len, i;
	__uint128_t v;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	srandom(0xc0de);
	kid_start(&k);
	/* Nothing changes: compared once around the loop (a listing per write
	 * takes too long on a debug kernel; try_input compares each write).
	 */
	state_of(k.pid, 0, &before);
	for (len = 0; len <= 8192; len++) {
		for (i = 0; i < len; i++)
			buf[i] = random();
		/* Random bytes are almost never valid; when they are, spoil them. */
		if (valid_id(buf, len, &v))
			buf[0] = '\xff';
		ASSERT_EQ(EINVAL, write_contid(k.pid, 0, buf, len)) TH_LOG("length %zu", len);
		/* The session file has no write operation (we may open it: root). */
		ASSERT_EQ(EINVAL, write_contid_session(k.pid, buf, len)) TH_LOG("length %zu", len);
	}
	state_of(k.pid, 0, &after);
	EXPECT_TRUE(state_same(&before, &after));
	EXPECT_STREQ(UNSET, contid_of(k.pid, 0, chain_buf));
	EXPECT_EQ(NO_SESSION, session_of(k.pid, 0));
	kid_stop(&k);
}

/*
 * About 180 writes, each compared with the listing before and after: minutes
 * on a debug kernel under TCG.
 */
TEST_F_TIMEOUT(slow, every_prefix_of_valid_forms, 600)
{
	static const char *const forms[] = {
		"9f3c2a10-7b4e-4c8d-a1b2-c3d4e5f60718\n",
		"9F3C2A10-7B4E-4C8D-A1B2-C3D4E5F60718\n",
		"0xabcdef0123456789ABCDEF0123456789\n",
		"340282366920938463463374607431768211455\n",
		"0x7\n",
	};
	size_t f, n;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	for (f = 0; f < ARRAY_SIZE(forms); f++) {
		for (n = 0; n <= strlen(forms[f]); n++) {
			int bad = try_input(forms[f], n);

			if (bad)
				TH_LOG("form %zu, %zu-byte prefix: line %d", f, n, bad);
			ASSERT_EQ(0, bad);
		}
	}
}

TEST(huge_and_mixed_forms)
{
	static const char *const inputs[] = {
		"340282366920938463463374607431768211456",	/* 2^128 */
		"340282366920938463463374607431768211455",	/* 2^128 - 1 */
		"999999999999999999999999999999999999999",
		"10000000000000000000000000000000000000000",	/* 10^40 */
		"0000000000000000000000000000000000000000042",	/* too long */
		"00000000000000000000000000000000000000042",	/* 41 bytes */
		"0000000000000000000000000000000000000042",	/* 40 bytes */
		"0x00000000000000000000000000000000042",
		"0x9f3c2a10-7b4e-4c8d-a1b2-c3d4e5f60718",
		"9f3c2a10-7b4e-4c8d-a1b2-c3d4e5f607180x",
		"9f3c2a107b4e4c8da1b2c3d4e5f60718",
		"{9f3c2a10-7b4e-4c8d-a1b2-c3d4e5f60718}",
		"9f3c2a10-7b4e-4c8d-a1b2-c3d4e5f6071",
		"9f3c2a10-7b4e-4c8d-a1b2c-3d4e5f60718",
		"0X1f", "0x-1", "+17", "-0", "1e9", "0b101", "0o17", "12 34",
		"\xef\xbc\x91\xef\xbc\x92",	/* fullwidth digits */
		"0x1\r\n", "17\t", "\n17", "17\n\n",
	};
	size_t i;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	for (i = 0; i < ARRAY_SIZE(inputs); i++) {
		int bad = try_input(inputs[i], strlen(inputs[i]));

		if (bad)
			TH_LOG("input %zu: check at line %d", i, bad);
		ASSERT_EQ(0, bad);
	}
}

struct writer {
	pthread_t th;
	int fd, seed, wins, others;
	unsigned long long won;	/* the ID of its last successful write */
	int *start;
};

/*
 * 200 writes at offset 0 through the shared file: IDs of its own (valid,
 * distinct from the other writer's) and garbage. Garbage is EINVAL (rule
 * 2) whatever the target's state; a valid ID registers the target, or, once
 * it is registered, is EALREADY (rule 6). Anything else is not counted.
 */
static void *hammer(void *arg)
{
	struct writer *w = arg;
	unsigned long long id;
	char s[48];
	int i, err;

	spin_until(w->start);
	for (i = 0; i < 200; i++) {
		bool valid = (i + w->seed) % 3;

		id = (0x5e550ull + w->seed) << 8 | i;
		if (valid)
			sprintf(s, "0x%llx\n", id);
		else
			sprintf(s, "bogus%d", i);
		err = pwrite(w->fd, s, strlen(s), 0) < 0 ? errno : 0;
		if (!err && valid) {
			w->wins++;
			w->won = id;
		} else if (valid ? err == EALREADY : err == EINVAL) {
			w->others++;
		}
	}
	return NULL;
}

TEST(interleaved_writes_from_two_threads_on_one_open_file)
{
	struct writer w[2] = { { .seed = 1 }, { .seed = 2 } };
	char path[64], want[CHAIN_MAX] = "";
	int start = 0, fd, i;
	struct kid k;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	kid_start(&k);
	sprintf(path, "/proc/%d/audit_containerid", k.pid);
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2; i++) {
		w[i].fd = fd;
		w[i].start = &start;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, hammer, &w[i]));
	}
	STORE(start, 1);
	for (i = 0; i < 2; i++)
		pthread_join(w[i].th, NULL);
	close(fd);
	/* Write-once: exactly one success, and every other write got a contract errno. */
	EXPECT_EQ(1, w[0].wins + w[1].wins);
	EXPECT_EQ(400, w[0].wins + w[1].wins + w[0].others + w[1].others);
	/* The registered chain is the winning write's ID, below the test's (unset) chain. */
	chain_add(want, w[0].wins ? w[0].won : w[1].won);
	strcat(want, "\n");
	EXPECT_STREQ(want, contid_of(k.pid, 0, chain_buf));
	kid_stop(&k);
}

TEST(writes_after_the_target_died_with_the_file_open)
{
	char path[64], spath[64];
	siginfo_t info;
	int fd, sfd;
	pid_t pid;

	if (unsupported())
		SKIP(return, "%s", unsupported());
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	sprintf(path, "/proc/%d/audit_containerid", pid);
	sprintf(spath, "/proc/%d/audit_containersession", pid);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	sfd = open(spath, O_RDONLY);
	ASSERT_LE(0, sfd);
	kill(pid, SIGKILL);
	/* Dead but not reaped. */
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | WNOWAIT));
	EXPECT_EQ(-1, pwrite(fd, "0x42\n", 5, 0));
	EXPECT_EQ(ESRCH, errno);
	/* Reaped. */
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_EQ(-1, pwrite(fd, "0x42\n", 5, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, pread(fd, path, sizeof(path), 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, pread(sfd, spath, sizeof(spath), 0));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
	close(sfd);
}

TEST_HARNESS_MAIN
