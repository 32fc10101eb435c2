// SPDX-License-Identifier: GPL-2.0
/*
 * The audit filter field on the container ID (AUDIT_CONTID): rules that
 * hold it on the exit, user and exclude lists, what they match (a task
 * whose chain holds the ID at any level, or, with !=, every other task),
 * how they round-trip through AUDIT_LIST_RULES and AUDIT_DEL_RULE, and the
 * malformed rules refused with EINVAL without touching the rule list.
 *
 * The field's value is 16 bytes in the rule's buf: the ID's 128 bits
 * big-endian, in the order its UUID text shows them; values[i] is 16.
 *
 * Rules are added and deleted over a socket of their own, so that no reply
 * is mixed with the records on the daemon socket. A test deletes its rules
 * before it reads the records (a rule is applied when the record is made),
 * so that a query dying on a lost record leaves no rule behind; the
 * teardown deletes whatever a failed assertion left.
 */
#include <stddef.h>
#include <sys/syscall.h>

#include "../kselftest_harness.h"
#include "audit.h"

/* Not in the kernel's uapi: libaudit's number, a user message type like AUDIT_USER. */
#ifndef AUDIT_TRUSTED_APP
#define AUDIT_TRUSTED_APP 1121
#endif

#define MAX_RULES 16
#define LIST_MAX 65536

/* A pid no task has (above PID_MAX_LIMIT), a file system type none has. */
#define NO_PID 0x7fffffff
#define NO_FSTYPE 0x7e57f11e
/* A message type nobody logs: rules guarded by it drop or keep nothing. */
#define NO_TYPE AUDIT_LAST_USER_MSG2

/* The rules a test added, to delete whatever is left at the end. */
struct rules {
	int fd;
	unsigned int seq;
	int n;
	size_t len[MAX_RULES];
	union rule r[MAX_RULES];
};

static inline int rules_open(struct rules *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	return rs->fd < 0 ? -errno : 0;
}

/* Sends the first @len bytes of @r with AUDIT_ADD_RULE; 0 or a negative errno. */
static inline int rule_add(struct rules *rs, const union rule *r, size_t len)
{
	int err = audit_send(rs->fd, AUDIT_ADD_RULE, r, len);

	if (!err && rs->n < MAX_RULES) {
		memcpy(&rs->r[rs->n], r, len);
		rs->len[rs->n++] = len;
	}
	return err;
}

static inline int rule_del(struct rules *rs, const union rule *r, size_t len)
{
	int err = audit_send(rs->fd, AUDIT_DEL_RULE, r, len);
	int i;

	for (i = 0; !err && i < rs->n; i++) {
		if (rs->len[i] != len || memcmp(&rs->r[i], r, len))
			continue;
		rs->n--;
		rs->len[i] = rs->len[rs->n];
		memcpy(&rs->r[i], &rs->r[rs->n], sizeof(rs->r[i]));
		break;
	}
	return err;
}

static inline void rules_close(struct rules *rs)
{
	while (rs->n > 0) {
		rs->n--;
		audit_send(rs->fd, AUDIT_DEL_RULE, &rs->r[rs->n], rs->len[rs->n]);
	}
	if (rs->fd > 0)
		close(rs->fd);
}

/* ---- AUDIT_LIST_RULES ---- */

/* Each listed rule: its length (a size_t), then its bytes, padded to 8. */
struct listing {
	unsigned char *data;
	size_t len;
	int n;
};

#define ENTRY_HDR sizeof(size_t)
#define ENTRY_PAD(n) (((n) + 7) & ~(size_t)7)

static inline int listing_add(struct listing *l, const void *p, size_t n)
{
	size_t size = ENTRY_HDR + ENTRY_PAD(n);
	unsigned char *data = realloc(l->data, l->len + size);

	if (!data)
		return -ENOMEM;
	memset(data + l->len, 0, size);
	memcpy(data + l->len, &n, ENTRY_HDR);
	memcpy(data + l->len + ENTRY_HDR, p, n);
	l->data = data;
	l->len += size;
	l->n++;
	return 0;
}

/* The listed rule after offset *@off (0 to start); NULL at the end. */
static inline const struct audit_rule_data *listing_next(const struct listing *l, size_t *off,
							 size_t *len)
{
	const struct audit_rule_data *r;

	if (*off >= l->len)
		return NULL;
	memcpy(len, l->data + *off, ENTRY_HDR);
	r = (const void *)(l->data + *off + ENTRY_HDR);
	*off += ENTRY_HDR + ENTRY_PAD(*len);
	return r;
}

static inline void listing_free(struct listing *l)
{
	free(l->data);
	memset(l, 0, sizeof(*l));
}

/*
 * Reads the whole rule list: AUDIT_LIST_RULES replies, one rule each, up to
 * NLMSG_DONE. 0, or a negative errno (an error reply, a reply that does not
 * fit, or none within 5 s).
 */
static inline int listing_get(struct rules *rs, struct listing *l)
{
	struct nlmsghdr req = {
		.nlmsg_len = NLMSG_LENGTH(0),
		.nlmsg_type = AUDIT_LIST_RULES,
		.nlmsg_flags = NLM_F_REQUEST,
		.nlmsg_seq = ++rs->seq,
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct pollfd p = { .fd = rs->fd, .events = POLLIN };
	const struct nlmsghdr *h;
	unsigned char *buf;
	size_t off;
	ssize_t n;
	int err = 0;

	memset(l, 0, sizeof(*l));
	buf = malloc(LIST_MAX);
	if (!buf)
		return -ENOMEM;
	if (sendto(rs->fd, &req, req.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		if (poll(&p, 1, 5000) <= 0) {
			err = -ETIMEDOUT;
			goto out;
		}
		n = recv(rs->fd, buf, LIST_MAX, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n > LIST_MAX) {
			err = -EMSGSIZE;
			goto out;
		}
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)n; off += NLMSG_ALIGN(h->nlmsg_len)) {
			h = (const void *)(buf + off);
			if (h->nlmsg_len < NLMSG_HDRLEN || off + h->nlmsg_len > (size_t)n) {
				err = -EPROTO;
				goto out;
			}
			if (h->nlmsg_seq != req.nlmsg_seq)
				continue;	/* a reply to an earlier request */
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				err = e->error ? e->error : -EPROTO;
				goto out;
			}
			if (h->nlmsg_type != AUDIT_LIST_RULES)
				continue;
			err = listing_add(l, NLMSG_DATA(h), h->nlmsg_len - NLMSG_HDRLEN);
			if (err)
				goto out;
		}
	}
out:
	free(buf);
	if (err)
		listing_free(l);
	return err;
}

/* How many listed rules are byte for byte the first @len bytes of @r. */
static inline int listing_count(const struct listing *l, const union rule *r, size_t len)
{
	const struct audit_rule_data *x;
	size_t off = 0, n;
	int count = 0;

	while ((x = listing_next(l, &off, &n)))
		count += n == len && !memcmp(x, r, len);
	return count;
}

/* The listed copy of @r, or NULL (telling on stderr what was listed instead). */
static inline const struct audit_rule_data *listing_find(const struct listing *l,
							 const union rule *r)
{
	const struct audit_rule_data *x;
	size_t off = 0, n;

	while ((x = listing_next(l, &off, &n)))
		if (n == rule_len(r) && !memcmp(x, r, n))
			return x;
	fprintf(stderr, "# rule (list %u, %u fields, buflen %u) not among %d listed:\n",
		r->d.flags, r->d.field_count, r->d.buflen, l->n);
	off = 0;
	while ((x = listing_next(l, &off, &n)))
		if (x->flags == r->d.flags)
			fprintf(stderr, "#   list %u, %u fields, buflen %u, %zu bytes\n",
				x->flags, x->field_count, x->buflen, n);
	return NULL;
}

static inline bool listing_same(const struct listing *a, const struct listing *b)
{
	if (a->len == b->len && !memcmp(a->data, b->data, a->len))
		return true;
	fprintf(stderr, "# the rule list changed: %d rules before, %d after\n", a->n, b->n);
	return false;
}

/*
 * Adds a rule the contract calls malformed. Returns what the kernel
 * answered (a negative errno), or CHANGED if it refused but the rule list
 * is not what it was. A rule accepted anyway (0) is deleted again.
 */
static inline int add_refused(struct rules *rs, const union rule *r, size_t len)
{
	struct listing before, after;
	int err;

	err = listing_get(rs, &before);
	if (err)
		return err;
	err = rule_add(rs, r, len);
	if (!err) {
		rule_del(rs, r, len);
		listing_free(&before);
		return 0;
	}
	if (listing_get(rs, &after)) {
		listing_free(&before);
		return -EIO;	/* a refusal we cannot check */
	}
	if (!listing_same(&before, &after))
		err = CHANGED;
	listing_free(&before);
	listing_free(&after);
	return err;
}

/* ---- actors: tasks in a given container that act on command ---- */

enum { DO_GETPPID = 1, DO_USER_MESSAGE };

struct order {
	int op;
	int type;	/* of the user message */
	int phase;	/* told in the user message */
};

struct actor {
	pid_t pid;	/* the acting task */
	pid_t top;	/* our child: the actor, or the writer above it */
	int sock;
};

struct nested {
	pid_t pid;
	int err;
};

#define MSG_FMT "cfilter-%d-%d."	/* pid, phase */

/* Sends a user message of @type; 0, or the errno of the send or of its ack. */
static int user_message(int type, int phase)
{
	struct {
		struct nlmsghdr h;
		char text[64];
	} msg = {};
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
		char more[128];
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct pollfd p;
	int fd, err = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return errno;
	snprintf(msg.text, sizeof(msg.text), MSG_FMT, getpid(), phase);
	msg.h.nlmsg_len = NLMSG_LENGTH(strlen(msg.text) + 1);
	msg.h.nlmsg_type = type;
	msg.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (sendto(fd, &msg, msg.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		goto out;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 5000) <= 0) {
		err = ETIMEDOUT;
		goto out;
	}
	if (recv(fd, &ack, sizeof(ack), 0) < (ssize_t)(NLMSG_HDRLEN + sizeof(ack.e)))
		err = EIO;
	else if (ack.h.nlmsg_type == NLMSG_ERROR)
		err = -ack.e.error;
out:
	close(fd);
	return err;
}

/* Carries out orders until the socket closes; answers each with 0 or an errno. */
static int actor_serve(int sock)
{
	struct order o;
	int err;

	while (read(sock, &o, sizeof(o)) == sizeof(o)) {
		err = 0;
		if (o.op == DO_GETPPID)
			syscall(__NR_getppid);
		else
			err = user_message(o.type, o.phase);
		if (write(sock, &err, sizeof(err)) != sizeof(err))
			return 1;
	}
	return 0;
}

/* In the outer container: forks the actor and registers it with the inner ID. */
static int writer_serve(int sock)
{
	unsigned long long inner;
	struct nested n;
	pid_t c;

	if (read(sock, &inner, sizeof(inner)) != sizeof(inner))
		return 0;
	c = fork();
	if (c < 0)
		return 1;
	if (c == 0)
		_exit(actor_serve(sock));
	n.pid = c;
	n.err = set_contid(c, inner);
	if (write(sock, &n, sizeof(n)) != sizeof(n) || n.err)
		kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	return 0;
}

/*
 * Starts an actor outside containers (@outer 0), in @outer (@inner 0), or
 * in @outer/@inner, nested there by a writer in @outer. 0 or an errno.
 */
static int actor_start(struct actor *a, unsigned long long outer, unsigned long long inner)
{
	struct nested n;
	int sv[2], err;

	a->pid = -1;
	a->top = -1;
	a->sock = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return errno;
	a->top = fork();
	if (a->top < 0) {
		close(sv[0]);
		close(sv[1]);
		return errno;
	}
	if (a->top == 0) {
		close(sv[0]);
		close_all_but(sv[1]);
		_exit(inner ? writer_serve(sv[1]) : actor_serve(sv[1]));
	}
	close(sv[1]);
	a->sock = sv[0];
	a->pid = a->top;
	if (!outer)
		return 0;
	err = set_contid(a->top, outer);
	if (err || !inner)
		return err;
	n.err = EIO;
	if (write(a->sock, &inner, sizeof(inner)) == sizeof(inner) &&
	    read(a->sock, &n, sizeof(n)) == sizeof(n))
		a->pid = n.pid;
	return n.err;
}

static int actor_do(struct actor *a, int op, int type, int phase)
{
	struct order o = { .op = op, .type = type, .phase = phase };
	int err = EIO;

	if (send(a->sock, &o, sizeof(o), MSG_NOSIGNAL) != sizeof(o) ||
	    read(a->sock, &err, sizeof(err)) != sizeof(err))
		err = EIO;
	return err;
}

static void actor_stop(struct actor *a)
{
	if (a->sock >= 0)
		close(a->sock);
	if (a->top > 0)
		waitpid(a->top, NULL, 0);
	a->sock = -1;
	a->top = -1;
}

/* Four actors: in X, in X/Y, in Z, and outside containers. */
enum { IN_X, IN_XY, IN_Z, OUTSIDE, CAST };

#define ONLY(i) (1u << (i))
#define ALL (ONLY(CAST) - 1)

static const char *const cast_name[CAST] = { "in X", "in X/Y", "in Z", "outside" };

struct cast {
	unsigned long long x, y, z;
	struct actor a[CAST];
	char chain[CAST][CHAIN_MAX];
	unsigned long long session[CAST];	/* as /proc shows it */
};

static int cast_start(struct cast *c)
{
	int i, err;

	c->x = test_id(0);
	c->y = test_id(1);
	c->z = test_id(2);
	memset(c->chain, 0, sizeof(c->chain));
	chain_add(c->chain[IN_X], c->x);
	chain_add(c->chain[IN_XY], c->x);
	chain_add(c->chain[IN_XY], c->y);
	chain_add(c->chain[IN_Z], c->z);
	for (i = 0; i < CAST; i++) {
		c->a[i].sock = -1;
		c->a[i].top = -1;
	}
	err = actor_start(&c->a[IN_X], c->x, 0);
	if (!err)
		err = actor_start(&c->a[IN_XY], c->x, c->y);
	if (!err)
		err = actor_start(&c->a[IN_Z], c->z, 0);
	if (!err)
		err = actor_start(&c->a[OUTSIDE], 0, 0);
	for (i = 0; !err && i < CAST; i++)
		c->session[i] = session_of(c->a[i].pid, 0);
	return err;
}

/* Every actor carries out the order; 0, or the first error. */
static int cast_do(struct cast *c, int op, int type, int phase)
{
	int i, err, first = 0;

	for (i = 0; i < CAST; i++) {
		err = actor_do(&c->a[i], op, type, phase);
		if (err && !first)
			first = err;
	}
	return first;
}

static void cast_stop(struct cast *c)
{
	int i;

	for (i = 0; i < CAST; i++)
		actor_stop(&c->a[i]);
}

/* ---- records ---- */

/* Reads and forgets what is pending (registrations, earlier phases). */
static void drain(struct auditd *d)
{
	auditd_collect(d, 300);
	auditd_forget(d);
}

static struct record *getppid_record(struct auditd *d, pid_t pid)
{
	char sys[32], who[32];

	snprintf(sys, sizeof(sys), "syscall=%d ", __NR_getppid);
	snprintf(who, sizeof(who), " pid=%d ", pid);
	return find(d, AUDIT_SYSCALL, (const char *const[]){ sys, who, NULL });
}

static struct record *user_record(struct auditd *d, int type, pid_t pid, int phase)
{
	char text[64];

	snprintf(text, sizeof(text), MSG_FMT, pid, phase);
	return find(d, type, (const char *const[]){ text, NULL });
}

/*
 * Whether @r's event has the CONTAINER_ID record of @chain and @session, in
 * full: "contid=<chain> contsession=<session>".
 */
static bool names_chain(struct auditd *d, const struct record *r, const char *chain,
			unsigned long long session)
{
	char want[CHAIN_MAX + 48];
	struct record *cid = in_event(d, AUDIT_CONTAINER_ID, r->serial);
	const char *body = cid ? strstr(cid->text, "): ") : NULL;

	snprintf(want, sizeof(want), "contid=%s contsession=%llu", chain, session);
	if (body && !strcmp(body + 3, want))
		return true;
	fprintf(stderr, "# wanted %s, event %u has %s\n", want, r->serial,
		cid ? cid->text : "no CONTAINER_ID record");
	return false;
}

/*
 * Checks that exactly the actors in @want had their getppid() audited; for
 * those in a container, with the CONTAINER_ID record of their chain.
 */
static void expect_getppid(struct __test_metadata *_metadata, struct auditd *d,
			   const struct cast *c, unsigned int want, const char *rule)
{
	struct record *sys;
	int i;

	for (i = 0; i < CAST; i++) {
		sys = getppid_record(d, c->a[i].pid);
		if (!(want & ONLY(i))) {
			EXPECT_EQ(NULL, sys)
				TH_LOG("%s: getppid() of the task %s was audited", rule,
				       cast_name[i]);
			continue;
		}
		EXPECT_NE(NULL, sys)
			TH_LOG("%s: getppid() of the task %s was not audited (%d records)",
			       rule, cast_name[i], d->n);
		if (sys && c->chain[i][0])
			EXPECT_TRUE(names_chain(d, sys, c->chain[i], c->session[i]))
				TH_LOG("%s: no CONTAINER_ID %s in event %u", rule, c->chain[i],
				       sys->serial);
	}
}

/* Checks that exactly the actors in @want had their @type message of @phase logged. */
static void expect_user(struct __test_metadata *_metadata, struct auditd *d,
			const struct cast *c, int type, int phase, unsigned int want,
			const char *rule)
{
	struct record *r;
	int i;

	for (i = 0; i < CAST; i++) {
		r = user_record(d, type, c->a[i].pid, phase);
		if (want & ONLY(i)) {
			EXPECT_NE(NULL, r)
				TH_LOG("%s: the %d message of the task %s was not logged (%d)",
				       rule, type, cast_name[i], d->n);
		} else {
			EXPECT_EQ(NULL, r)
				TH_LOG("%s: the %d message of the task %s was logged", rule, type,
				       cast_name[i]);
		}
	}
}

FIXTURE(filter) {
	struct auditd d;
	struct rules rules;
};

FIXTURE_SETUP(filter)
{
	if (!auditd_setup(_metadata, &self->d))
		return;
	ASSERT_EQ(0, rules_open(&self->rules));
}

FIXTURE_TEARDOWN(filter)
{
	rules_close(&self->rules);
	if (self->d.fd > 0)
		auditd_stop(&self->d);
}

/* "-a always,exit -F arch=b64 -S getppid -F contid<op>@v" */
static void exit_contid_rule(union rule *r, __u32 op, unsigned long long v)
{
	exit_rule(r, __NR_getppid);
	rule_contid(r, op, v);
}

/* ---- the exit list ---- */

/*
 * One phase on the exit list: the rule "contid <op> @v" while every actor
 * calls getppid(), then exactly the actors in @want must have been audited.
 */
static void exit_phase(struct __test_metadata *_metadata, struct auditd *d, struct rules *rs,
		       struct cast *c, __u32 op, unsigned long long v, unsigned int want,
		       const char *what)
{
	union rule r;

	drain(d);
	exit_contid_rule(&r, op, v);
	ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, cast_do(c, DO_GETPPID, 0, 0));
	ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	auditd_collect(d, 500);
	expect_getppid(_metadata, d, c, want, what);
}

TEST_F(filter, exit_rule_on_x_audits_x_and_nested_and_not_equal_the_rest)
{
	struct cast c;

	ASSERT_EQ(0, cast_start(&c));
	/* contid=X: the tasks in X and in X/Y, not the one in Z nor outside. */
	exit_phase(_metadata, &self->d, &self->rules, &c, AUDIT_EQUAL, c.x,
		   ONLY(IN_X) | ONLY(IN_XY), "contid=X");
	/* contid!=X, the exact negation: the other two (the controls above). */
	exit_phase(_metadata, &self->d, &self->rules, &c, AUDIT_NOT_EQUAL, c.x,
		   ONLY(IN_Z) | ONLY(OUTSIDE), "contid!=X");
	cast_stop(&c);
}

TEST_F(filter, exit_rule_on_inner_id_audits_only_tasks_nested_there)
{
	struct cast c;

	ASSERT_EQ(0, cast_start(&c));
	/* contid=Y: Y at the second level of X/Y; X alone does not hold it. */
	exit_phase(_metadata, &self->d, &self->rules, &c, AUDIT_EQUAL, c.y, ONLY(IN_XY),
		   "contid=Y");
	exit_phase(_metadata, &self->d, &self->rules, &c, AUDIT_NOT_EQUAL, c.y,
		   ALL & ~ONLY(IN_XY), "contid!=Y");
	cast_stop(&c);
}

/* ---- deep chains ---- */

/* At the bottom of a chain: tells its pid, then carries out orders. */
static int deep_serve(void *arg)
{
	int sock = *(int *)arg;
	pid_t me = getpid();

	if (write(sock, &me, sizeof(me)) != sizeof(me))
		return 1;
	return actor_serve(sock);
}

/*
 * Logs a user message of ours (we are in no container; no user rule is
 * loaded) and collects until it is in: the records logged before it, in
 * the order they were logged, are then in too.
 */
static void collect_all(struct __test_metadata *_metadata, struct auditd *d)
{
	static int phase = 1000;
	double end = now() + 30;

	phase++;
	ASSERT_EQ(0, user_message(AUDIT_USER, phase));
	while (!user_record(d, AUDIT_USER, getpid(), phase) && now() < end)
		auditd_collect(d, 100);
	ASSERT_NE(NULL, user_record(d, AUDIT_USER, getpid(), phase));
}

/*
 * The rule "contid <op> @v" while @a calls getppid(): audited exactly when
 * @want, with the CONTAINER_ID record of @chain and @session.
 */
static void deep_phase(struct __test_metadata *_metadata, struct auditd *d, struct rules *rs,
		       struct actor *a, const char *chain, unsigned long long session,
		       __u32 op, unsigned long long v, bool want, const char *what)
{
	struct record *sys;
	union rule r;

	drain(d);
	exit_contid_rule(&r, op, v);
	ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, actor_do(a, DO_GETPPID, 0, 0));
	ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	collect_all(_metadata, d);
	sys = getppid_record(d, a->pid);
	if (!want) {
		EXPECT_EQ(NULL, sys) TH_LOG("%s: getppid() at depth 8 was audited", what);
		return;
	}
	EXPECT_NE(NULL, sys) TH_LOG("%s: getppid() at depth 8 was not audited", what);
	if (sys)
		EXPECT_TRUE(names_chain(d, sys, chain, session)) TH_LOG("%s", what);
}

TEST_F(filter, exit_rule_matches_an_id_at_level_3_or_8_of_a_chain_of_8)
{
	unsigned long long ids[MAX_DEPTH], other = test_id(30), session;
	struct shared *sh = shared_new();
	char chain[CHAIN_MAX] = "", want[CHAIN_MAX + 1], got[CHAIN_MAX];
	struct actor a = { .pid = -1, .top = -1, .sock = -1 };
	struct rules *rs = &self->rules;
	int sv[2], i, up;

	for (i = 0; i < MAX_DEPTH; i++) {
		ids[i] = test_id(10 + i);
		chain_add(chain, ids[i]);
	}
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	a.top = fork();
	ASSERT_LE(0, a.top);
	if (a.top == 0) {
		close(sv[0]);
		_exit(descend_run(sh, 0, MAX_DEPTH, ids, deep_serve, &sv[1]));
	}
	close(sv[1]);
	a.sock = sv[0];
	up = read(a.sock, &a.pid, sizeof(a.pid)) == sizeof(a.pid);
	if (!up)
		actor_stop(&a);
	for (i = 0; !up && i < MAX_DEPTH; i++)
		if (sh->err[i])
			TH_LOG("level %d: %s", i + 1, strerror(sh->err[i]));
	ASSERT_TRUE(up);
	/* Eight levels deep, with the session its last registration started. */
	snprintf(want, sizeof(want), "%s\n", chain);
	EXPECT_STREQ(want, contid_of(a.pid, 0, got));
	session = session_of(a.pid, 0);

	deep_phase(_metadata, &self->d, rs, &a, chain, session, AUDIT_EQUAL, ids[2], true,
		   "contid=level 3");
	deep_phase(_metadata, &self->d, rs, &a, chain, session, AUDIT_EQUAL, ids[7], true,
		   "contid=level 8");
	/* Controls: an ID not in the chain; and the negations, which match the rest. */
	deep_phase(_metadata, &self->d, rs, &a, chain, session, AUDIT_EQUAL, other, false,
		   "contid=other");
	deep_phase(_metadata, &self->d, rs, &a, chain, session, AUDIT_NOT_EQUAL, other, true,
		   "contid!=other");
	deep_phase(_metadata, &self->d, rs, &a, chain, session, AUDIT_NOT_EQUAL, ids[2], false,
		   "contid!=level 3");
	deep_phase(_metadata, &self->d, rs, &a, chain, session, AUDIT_NOT_EQUAL, ids[7], false,
		   "contid!=level 8");
	actor_stop(&a);
}

/* ---- the user list ---- */

/* "-a never,user -F contid<op>@v" */
static void user_never_rule(union rule *r, __u32 op, unsigned long long v)
{
	rule_init(r, AUDIT_FILTER_USER, AUDIT_NEVER);
	rule_contid(r, op, v);
}

TEST_F(filter, user_never_rule_drops_messages_of_tasks_in_x_only)
{
	struct rules *rs = &self->rules;
	struct record *msg;
	struct cast c;
	union rule r;

	ASSERT_EQ(0, cast_start(&c));
	drain(&self->d);

	/* No rule: every message is logged; X's with its CONTAINER_ID record. */
	ASSERT_EQ(0, cast_do(&c, DO_USER_MESSAGE, AUDIT_USER, 0));
	auditd_collect(&self->d, 500);
	expect_user(_metadata, &self->d, &c, AUDIT_USER, 0, ALL, "no rule");
	msg = user_record(&self->d, AUDIT_USER, c.a[IN_X].pid, 0);
	ASSERT_NE(NULL, msg);
	EXPECT_TRUE(names_chain(&self->d, msg, c.chain[IN_X], c.session[IN_X]));

	auditd_forget(&self->d);
	user_never_rule(&r, AUDIT_EQUAL, c.x);
	ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, cast_do(&c, DO_USER_MESSAGE, AUDIT_USER, 1));
	ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	auditd_collect(&self->d, 500);
	expect_user(_metadata, &self->d, &c, AUDIT_USER, 1, ONLY(IN_Z) | ONLY(OUTSIDE),
		    "never contid=X");

	auditd_forget(&self->d);
	user_never_rule(&r, AUDIT_NOT_EQUAL, c.x);
	ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, cast_do(&c, DO_USER_MESSAGE, AUDIT_USER, 2));
	ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	auditd_collect(&self->d, 500);
	expect_user(_metadata, &self->d, &c, AUDIT_USER, 2, ONLY(IN_X) | ONLY(IN_XY),
		    "never contid!=X");

	cast_stop(&c);
}

/* ---- the exclude list ---- */

/* "-a always,exclude -F msgtype=@type -F contid<op>@v" */
static void exclude_rule(union rule *r, int type, __u32 op, unsigned long long v)
{
	rule_init(r, AUDIT_FILTER_EXCLUDE, AUDIT_ALWAYS);
	rule_num(r, AUDIT_MSGTYPE, AUDIT_EQUAL, type);
	rule_contid(r, op, v);
}

TEST_F(filter, exclude_rule_drops_that_type_from_tasks_in_x_only)
{
	struct rules *rs = &self->rules;
	struct cast c;
	union rule r;

	ASSERT_EQ(0, cast_start(&c));
	drain(&self->d);

	ASSERT_EQ(0, cast_do(&c, DO_USER_MESSAGE, AUDIT_USER, 0));
	auditd_collect(&self->d, 500);
	expect_user(_metadata, &self->d, &c, AUDIT_USER, 0, ALL, "no rule");

	/* Another type from the same task in X is still logged. */
	auditd_forget(&self->d);
	exclude_rule(&r, AUDIT_USER, AUDIT_EQUAL, c.x);
	ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, cast_do(&c, DO_USER_MESSAGE, AUDIT_USER, 1));
	EXPECT_EQ(0, actor_do(&c.a[IN_X], DO_USER_MESSAGE, AUDIT_TRUSTED_APP, 1));
	ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	auditd_collect(&self->d, 500);
	expect_user(_metadata, &self->d, &c, AUDIT_USER, 1, ONLY(IN_Z) | ONLY(OUTSIDE),
		    "exclude msgtype=USER contid=X");
	EXPECT_NE(NULL, user_record(&self->d, AUDIT_TRUSTED_APP, c.a[IN_X].pid, 1));

	auditd_forget(&self->d);
	exclude_rule(&r, AUDIT_USER, AUDIT_NOT_EQUAL, c.x);
	ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, cast_do(&c, DO_USER_MESSAGE, AUDIT_USER, 2));
	ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	auditd_collect(&self->d, 500);
	expect_user(_metadata, &self->d, &c, AUDIT_USER, 2, ONLY(IN_X) | ONLY(IN_XY),
		    "exclude msgtype=USER contid!=X");

	cast_stop(&c);
}

TEST_F(filter, exclude_rule_on_syscall_records_judges_the_syscall_task)
{
	struct rules *rs = &self->rules;
	union rule all, r;
	struct cast c;

	ASSERT_EQ(0, cast_start(&c));
	drain(&self->d);

	/* Every getppid() audited (getpgrp too: no leftover rule is the same). */
	exit_rule(&all, __NR_getppid);
	all.d.mask[AUDIT_WORD(__NR_getpgrp)] |= AUDIT_BIT(__NR_getpgrp);
	ASSERT_EQ(0, rule_add(rs, &all, rule_len(&all)));
	EXPECT_EQ(0, cast_do(&c, DO_GETPPID, 0, 0));
	ASSERT_EQ(0, rule_del(rs, &all, rule_len(&all)));
	auditd_collect(&self->d, 500);
	expect_getppid(_metadata, &self->d, &c, ALL, "no exclude rule");

	auditd_forget(&self->d);
	exclude_rule(&r, AUDIT_SYSCALL, AUDIT_EQUAL, c.x);
	ASSERT_EQ(0, rule_add(rs, &all, rule_len(&all)));
	ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, cast_do(&c, DO_GETPPID, 0, 0));
	ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	ASSERT_EQ(0, rule_del(rs, &all, rule_len(&all)));
	auditd_collect(&self->d, 500);
	expect_getppid(_metadata, &self->d, &c, ONLY(IN_Z) | ONLY(OUTSIDE),
		       "exclude msgtype=SYSCALL contid=X");

	auditd_forget(&self->d);
	exclude_rule(&r, AUDIT_SYSCALL, AUDIT_NOT_EQUAL, c.x);
	ASSERT_EQ(0, rule_add(rs, &all, rule_len(&all)));
	ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, cast_do(&c, DO_GETPPID, 0, 0));
	ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	ASSERT_EQ(0, rule_del(rs, &all, rule_len(&all)));
	auditd_collect(&self->d, 500);
	expect_getppid(_metadata, &self->d, &c, ONLY(IN_X) | ONLY(IN_XY),
		       "exclude msgtype=SYSCALL contid!=X");

	cast_stop(&c);
}

/* ---- round trips ---- */

/*
 * Checks the contract on the listed field @k of @l, at byte @off of buf:
 * AUDIT_CONTID, operator @op, values 16, and ID @v's 128 bits big-endian
 * (the upper 64 zero), which are also its UUID text's bytes in order.
 */
static void expect_listed_contid(struct __test_metadata *_metadata,
				 const struct audit_rule_data *l, int k, size_t off,
				 __u32 op, unsigned long long v)
{
	unsigned char text_order[CONTID_LEN];
	const unsigned char *b = (const unsigned char *)l->buf + off;
	int i;

	EXPECT_EQ((__u32)AUDIT_CONTID, l->fields[k]);
	EXPECT_EQ(op, l->fieldflags[k]);
	EXPECT_EQ(CONTID_LEN, l->values[k]);
	ASSERT_LE(off + CONTID_LEN, l->buflen);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0, b[i]) TH_LOG("byte %d", i);
	for (i = 0; i < 8; i++)
		EXPECT_EQ((v >> (56 - 8 * i)) & 0xff, b[8 + i]) TH_LOG("byte %d", 8 + i);
	contid_bytes(v, text_order);
	EXPECT_EQ(0, memcmp(text_order, b, CONTID_LEN));
}

/*
 * A rule of the field on @list, guarded so that it changes nothing while
 * it exists: on the exit list getppid only, on the others type NO_TYPE only.
 * Returns the index of the contid field (0 where it comes first).
 */
static int harmless_rule(union rule *r, __u32 list, __u32 op, unsigned long long v)
{
	if (list == AUDIT_FILTER_EXIT) {
		exit_contid_rule(r, op, v);
		return 1;
	}
	rule_init(r, list, AUDIT_ALWAYS);
	rule_contid(r, op, v);
	rule_num(r, AUDIT_MSGTYPE, AUDIT_EQUAL, NO_TYPE);
	return 0;
}

TEST_F(filter, list_returns_the_field_on_every_valid_list_and_delete_removes_it)
{
	static const __u32 lists[] = {
		AUDIT_FILTER_EXIT, AUDIT_FILTER_USER, AUDIT_FILTER_EXCLUDE,
	};
	static const __u32 ops[] = { AUDIT_EQUAL, AUDIT_NOT_EQUAL };
	struct rules *rs = &self->rules;
	const struct audit_rule_data *l;
	struct listing before, with, after;
	unsigned long long v = test_id(3);
	unsigned int i, j;
	union rule r;
	int k;

	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		for (j = 0; j < ARRAY_SIZE(ops); j++) {
			k = harmless_rule(&r, lists[i], ops[j], v);
			ASSERT_EQ(0, listing_get(rs, &before));
			ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)))
				TH_LOG("list %u, operator %#x", lists[i], ops[j]);
			ASSERT_EQ(0, listing_get(rs, &with));
			EXPECT_EQ(before.n + 1, with.n);
			EXPECT_EQ(1, listing_count(&with, &r, rule_len(&r)));
			l = listing_find(&with, &r);
			EXPECT_NE(NULL, l) TH_LOG("list %u, operator %#x", lists[i], ops[j]);
			if (l)
				expect_listed_contid(_metadata, l, k, 0, ops[j], v);
			ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
			ASSERT_EQ(0, listing_get(rs, &after));
			EXPECT_EQ(0, listing_count(&after, &r, rule_len(&r)));
			EXPECT_TRUE(listing_same(&before, &after));
			listing_free(&before);
			listing_free(&with);
			listing_free(&after);
		}
	}
}

TEST_F(filter, identical_rule_twice_is_eexist)
{
	struct rules *rs = &self->rules;
	struct listing once, twice;
	union rule r;

	exit_contid_rule(&r, AUDIT_EQUAL, test_id(3));
	ASSERT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	ASSERT_EQ(0, listing_get(rs, &once));
	EXPECT_EQ(-EEXIST, rule_add(rs, &r, rule_len(&r)));
	ASSERT_EQ(0, listing_get(rs, &twice));
	EXPECT_EQ(1, listing_count(&twice, &r, rule_len(&r)));
	EXPECT_TRUE(listing_same(&once, &twice));
	listing_free(&once);
	listing_free(&twice);
	ASSERT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	ASSERT_EQ(0, listing_get(rs, &once));
	EXPECT_EQ(0, listing_count(&once, &r, rule_len(&r)));
	listing_free(&once);
}

TEST_F(filter, rules_differing_only_in_id_or_operator_are_distinct)
{
	struct rules *rs = &self->rules;
	struct listing l;
	union rule r[3];
	int i;

	exit_contid_rule(&r[0], AUDIT_EQUAL, test_id(3));
	exit_contid_rule(&r[1], AUDIT_EQUAL, test_id(4));
	exit_contid_rule(&r[2], AUDIT_NOT_EQUAL, test_id(3));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, rule_add(rs, &r[i], rule_len(&r[i]))) TH_LOG("rule %d", i);
	ASSERT_EQ(0, listing_get(rs, &l));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(1, listing_count(&l, &r[i], rule_len(&r[i]))) TH_LOG("rule %d", i);
	listing_free(&l);

	/* Deleting the first leaves the other two. */
	ASSERT_EQ(0, rule_del(rs, &r[0], rule_len(&r[0])));
	ASSERT_EQ(0, listing_get(rs, &l));
	EXPECT_EQ(0, listing_count(&l, &r[0], rule_len(&r[0])));
	EXPECT_EQ(1, listing_count(&l, &r[1], rule_len(&r[1])));
	EXPECT_EQ(1, listing_count(&l, &r[2], rule_len(&r[2])));
	listing_free(&l);
	for (i = 1; i < 3; i++)
		EXPECT_EQ(0, rule_del(rs, &r[i], rule_len(&r[i]))) TH_LOG("rule %d", i);
}

/* The listing holds @na copies of rule @a and @nb of rule @b. */
static void expect_listed(struct __test_metadata *_metadata, struct rules *rs,
			  const union rule *a, int na, const union rule *b, int nb)
{
	struct listing l;

	ASSERT_EQ(0, listing_get(rs, &l));
	EXPECT_EQ(na, listing_count(&l, a, rule_len(a)));
	EXPECT_EQ(nb, listing_count(&l, b, rule_len(b)));
	listing_free(&l);
}

TEST_F(filter, rules_with_and_without_the_field_coexist)
{
	struct rules *rs = &self->rules;
	union rule plain, with;

	/* The same rule twice, the second with the field; getpgrp keeps it ours. */
	exit_rule(&plain, __NR_getppid);
	plain.d.mask[AUDIT_WORD(__NR_getpgrp)] |= AUDIT_BIT(__NR_getpgrp);
	with = plain;
	rule_contid(&with, AUDIT_EQUAL, test_id(3));

	ASSERT_EQ(0, rule_add(rs, &plain, rule_len(&plain)));
	ASSERT_EQ(0, rule_add(rs, &with, rule_len(&with)));
	expect_listed(_metadata, rs, &plain, 1, &with, 1);
	ASSERT_EQ(0, rule_del(rs, &with, rule_len(&with)));
	expect_listed(_metadata, rs, &plain, 1, &with, 0);

	/* And the other way round: the plain rule goes, the one with the field stays. */
	ASSERT_EQ(0, rule_add(rs, &with, rule_len(&with)));
	ASSERT_EQ(0, rule_del(rs, &plain, rule_len(&plain)));
	expect_listed(_metadata, rs, &plain, 0, &with, 1);
	ASSERT_EQ(0, rule_del(rs, &with, rule_len(&with)));
}

TEST_F(filter, field_mixes_with_a_key_in_either_order)
{
	static const char key_after[] = "cfilter-key", key_before[] = "key";
	const size_t after_len = strlen(key_after), before_len = strlen(key_before);
	struct rules *rs = &self->rules;
	unsigned long long v = test_id(3);
	const struct audit_rule_data *l;
	union rule first, second;
	struct listing list;

	/* arch, contid, key: the ID's bytes at 0, the key's after them. */
	exit_contid_rule(&first, AUDIT_EQUAL, v);
	rule_key(&first, key_after);
	/* arch, key, contid: the key's bytes at 0, the ID's at 3. */
	exit_rule(&second, __NR_getppid);
	rule_key(&second, key_before);
	rule_contid(&second, AUDIT_EQUAL, v);

	ASSERT_EQ(0, rule_add(rs, &first, rule_len(&first)));
	ASSERT_EQ(0, rule_add(rs, &second, rule_len(&second)));
	ASSERT_EQ(0, listing_get(rs, &list));

	l = listing_find(&list, &first);
	EXPECT_NE(NULL, l);
	if (l) {
		EXPECT_EQ(3u, l->field_count);
		EXPECT_EQ(CONTID_LEN + after_len, l->buflen);
		expect_listed_contid(_metadata, l, 1, 0, AUDIT_EQUAL, v);
		EXPECT_EQ((__u32)AUDIT_FILTERKEY, l->fields[2]);
		EXPECT_EQ(after_len, l->values[2]);
		EXPECT_EQ(0, memcmp(l->buf + CONTID_LEN, key_after, after_len));
	}
	l = listing_find(&list, &second);
	EXPECT_NE(NULL, l);
	if (l) {
		EXPECT_EQ(3u, l->field_count);
		EXPECT_EQ(before_len + CONTID_LEN, l->buflen);
		EXPECT_EQ((__u32)AUDIT_FILTERKEY, l->fields[1]);
		EXPECT_EQ(before_len, l->values[1]);
		EXPECT_EQ(0, memcmp(l->buf, key_before, before_len));
		expect_listed_contid(_metadata, l, 2, before_len, AUDIT_EQUAL, v);
	}
	listing_free(&list);

	ASSERT_EQ(0, rule_del(rs, &first, rule_len(&first)));
	ASSERT_EQ(0, rule_del(rs, &second, rule_len(&second)));
	ASSERT_EQ(0, listing_get(rs, &list));
	EXPECT_EQ(0, listing_count(&list, &first, rule_len(&first)));
	EXPECT_EQ(0, listing_count(&list, &second, rule_len(&second)));
	listing_free(&list);
}

/* ---- malformed rules ---- */

TEST_F(filter, other_lists_are_einval_and_change_nothing)
{
	static const __u32 lists[] = {
		AUDIT_FILTER_TASK, AUDIT_FILTER_FS, AUDIT_FILTER_URING_EXIT,
	};
	static const __u32 ops[] = { AUDIT_EQUAL, AUDIT_NOT_EQUAL };
	struct rules *rs = &self->rules;
	union rule base, r;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		/* A rule that matches nothing, and that the list accepts. */
		rule_init(&base, lists[i], AUDIT_ALWAYS);
		if (lists[i] == AUDIT_FILTER_FS)
			rule_num(&base, AUDIT_FSTYPE, AUDIT_EQUAL, NO_FSTYPE);
		else
			rule_num(&base, AUDIT_PID, AUDIT_EQUAL, NO_PID);
		/* Control: the list takes the rule without the field. */
		EXPECT_EQ(0, rule_add(rs, &base, rule_len(&base))) TH_LOG("list %u", lists[i]);
		EXPECT_EQ(0, rule_del(rs, &base, rule_len(&base))) TH_LOG("list %u", lists[i]);
		for (j = 0; j < ARRAY_SIZE(ops); j++) {
			r = base;
			rule_contid(&r, ops[j], test_id(3));
			EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r)))
				TH_LOG("list %u, operator %#x", lists[i], ops[j]);
		}
	}
}

TEST_F(filter, value_other_than_16_is_einval_and_changes_nothing)
{
	static const __u32 sizes[] = { 0, 1, 8, 15, 17, 32 };
	unsigned char bytes[32] = {};
	struct rules *rs = &self->rules;
	unsigned int i;
	union rule r;

	contid_bytes(test_id(3), bytes);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* As many bytes in buf as the value says. */
		exit_rule(&r, __NR_getppid);
		rule_buf_field(&r, AUDIT_CONTID, AUDIT_EQUAL, sizes[i], bytes, sizes[i]);
		EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r))) TH_LOG("values %u", sizes[i]);
	}
	/* Control: 16. */
	exit_rule(&r, __NR_getppid);
	rule_buf_field(&r, AUDIT_CONTID, AUDIT_EQUAL, CONTID_LEN, bytes, CONTID_LEN);
	EXPECT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, rule_del(rs, &r, rule_len(&r)));
}

/*
 * Documentation/admin-guide/audit-containerid.rst: the nil ID names no
 * container; a rule on it is refused.
 */
TEST_F(filter, nil_id_is_einval_and_changes_nothing)
{
	static const unsigned char nil[CONTID_LEN];
	struct rules *rs = &self->rules;
	__u32 op[] = { AUDIT_EQUAL, AUDIT_NOT_EQUAL };
	unsigned int i;
	union rule r;

	for (i = 0; i < ARRAY_SIZE(op); i++) {
		exit_rule(&r, __NR_getppid);
		rule_buf_field(&r, AUDIT_CONTID, op[i], CONTID_LEN, nil, CONTID_LEN);
		EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r))) TH_LOG("op %#x", op[i]);
	}
	/* Control: the ID 1, the smallest there is. */
	exit_rule(&r, __NR_getppid);
	rule_contid(&r, AUDIT_EQUAL, 1);
	EXPECT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, rule_del(rs, &r, rule_len(&r)));
}

TEST_F(filter, short_buf_is_einval_and_changes_nothing)
{
	struct rules *rs = &self->rules;
	unsigned char id[CONTID_LEN];
	union rule r;

	contid_bytes(test_id(3), id);

	/* buflen says 16, but the message ends 8 bytes into them. */
	exit_contid_rule(&r, AUDIT_EQUAL, test_id(3));
	EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r) - 8));
	/* buflen and the message agree on 8 bytes, the field needs 16. */
	exit_rule(&r, __NR_getppid);
	rule_buf_field(&r, AUDIT_CONTID, AUDIT_EQUAL, CONTID_LEN, id, 8);
	EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r)));
	/* No bytes at all. */
	exit_rule(&r, __NR_getppid);
	rule_buf_field(&r, AUDIT_CONTID, AUDIT_EQUAL, CONTID_LEN, id, 0);
	EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r)));
	/* The ID's 16 bytes, then a key's 3 missing: from the message, then from buflen too. */
	exit_contid_rule(&r, AUDIT_EQUAL, test_id(3));
	rule_key(&r, "key");
	EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r) - 3));
	exit_contid_rule(&r, AUDIT_EQUAL, test_id(3));
	rule_buf_field(&r, AUDIT_FILTERKEY, AUDIT_EQUAL, 3, "key", 0);
	EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r)));
	/* A key's 3 bytes, then only 8 of the ID's. */
	exit_rule(&r, __NR_getppid);
	rule_key(&r, "key");
	rule_buf_field(&r, AUDIT_CONTID, AUDIT_EQUAL, CONTID_LEN, id, 8);
	EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r)));

	/* Controls: the complete rules. */
	exit_contid_rule(&r, AUDIT_EQUAL, test_id(3));
	rule_key(&r, "key");
	EXPECT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, rule_del(rs, &r, rule_len(&r)));
	exit_rule(&r, __NR_getppid);
	rule_key(&r, "key");
	rule_contid(&r, AUDIT_EQUAL, test_id(3));
	EXPECT_EQ(0, rule_add(rs, &r, rule_len(&r)));
	EXPECT_EQ(0, rule_del(rs, &r, rule_len(&r)));
}

TEST_F(filter, other_operators_are_einval_and_change_nothing)
{
	static const __u32 bad[] = {
		AUDIT_GREATER_THAN, AUDIT_LESS_THAN, AUDIT_BIT_MASK, AUDIT_BIT_TEST,
		AUDIT_LESS_THAN_OR_EQUAL, AUDIT_GREATER_THAN_OR_EQUAL,
	};
	static const __u32 good[] = { AUDIT_EQUAL, AUDIT_NOT_EQUAL };
	struct rules *rs = &self->rules;
	unsigned int i;
	union rule r;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		exit_contid_rule(&r, bad[i], test_id(3));
		EXPECT_EQ(-EINVAL, add_refused(rs, &r, rule_len(&r)))
			TH_LOG("operator %#x", bad[i]);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		exit_contid_rule(&r, good[i], test_id(3));
		EXPECT_EQ(0, rule_add(rs, &r, rule_len(&r))) TH_LOG("operator %#x", good[i]);
		EXPECT_EQ(0, rule_del(rs, &r, rule_len(&r))) TH_LOG("operator %#x", good[i]);
	}
}

/*
 * AUDIT_GET says the kernel has container IDs with a feature bit of its
 * own, outside AUDIT_FEATURE_BITMAP_ALL (which every kernel reports whole).
 */
TEST(feature_bit_says_the_kernel_has_container_ids)
{
	struct audit_status st = kernel_status();

	EXPECT_EQ(0, AUDIT_FEATURE_BITMAP_ALL & AUDIT_FEATURE_BITMAP_CONTAINERID);
	EXPECT_EQ(AUDIT_FEATURE_BITMAP_CONTAINERID,
		  st.feature_bitmap & AUDIT_FEATURE_BITMAP_CONTAINERID);
	EXPECT_EQ(AUDIT_FEATURE_BITMAP_ALL, st.feature_bitmap & AUDIT_FEATURE_BITMAP_ALL);
}

TEST_HARNESS_MAIN
