/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal audit daemon for tests: takes over NETLINK_AUDIT, installs
 * syscall rules, collects records and restores everything afterwards.
 */
#ifndef AUDIT_CONTID_AUDIT_H
#define AUDIT_CONTID_AUDIT_H

#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>

#include "common.h"

#ifndef AUDIT_CONTAINER_OP
#define AUDIT_CONTAINER_OP 1341
#endif
#ifndef AUDIT_CONTAINER_ID
#define AUDIT_CONTAINER_ID 1340
#endif
#ifndef AUDIT_SIGNAL_INFO2
#define AUDIT_SIGNAL_INFO2 1020
struct audit_sig_info2 {
	__u32 uid;
	__u32 pid;
	__u32 ctx_len;
	__u32 contid_len;
	char data[];
};
#endif

#define MAX_RECORDS 4096
#define RECORD_MAX 2048

struct record {
	int type;
	unsigned int serial;
	char text[RECORD_MAX];
};

struct auditd {
	int fd;
	struct audit_status saved;
	struct record *rec;
	int n;
	unsigned int rules[8];
	int nrules;
	int lost;	/* records lost on our side since rec was last emptied */
};

static inline int audit_send(int fd, int type, const void *data, size_t len)
{
	struct {
		struct nlmsghdr h;
		char data[RECORD_MAX];
	} req = {};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
		char more[64];
	} ack;
	ssize_t n;

	req.h.nlmsg_len = NLMSG_LENGTH(len);
	req.h.nlmsg_type = type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	memcpy(req.data, data, len);
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	/*
	 * The ack; records may arrive first on a daemon socket: skip them, and
	 * an overrun notice (ENOBUFS) too. Never wait more than 5 s.
	 */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, &ack, sizeof(ack), 0);
		if (n < 0 && errno == ENOBUFS)
			continue;
		if (n < 0)
			return -errno;
		if (ack.h.nlmsg_type == NLMSG_ERROR)
			return ack.e.error;
	}
}

static inline int audit_status(int fd, struct audit_status *st)
{
	struct {
		struct nlmsghdr h;
		struct audit_status s;
	} req = {}, rep;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	req.h.nlmsg_len = NLMSG_LENGTH(0);
	req.h.nlmsg_type = AUDIT_GET;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, &rep, sizeof(rep), 0);
		if (n < 0)
			return -errno;
		if (rep.h.nlmsg_type == AUDIT_GET) {
			*st = rep.s;
			return 0;
		}
	}
}

/*
 * The kernel's audit status (AUDIT_GET), asked on a socket of its own: an
 * AUDIT_GET on a daemon socket would throw away the records queued before
 * its answer. Dies if it cannot be read.
 */
static inline struct audit_status kernel_status(void)
{
	struct audit_status st = {};
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		die("opening an audit socket", errno);
	err = audit_status(fd, &st);
	close(fd);
	if (err)
		die("AUDIT_GET", -err);
	return st;
}

/* The kernel's count of lost records; dies if it cannot be read. */
static inline unsigned int kernel_lost(void)
{
	return kernel_status().lost;
}

static inline int audit_set(int fd, __u32 mask, __u32 enabled, __u32 pid, __u32 backlog)
{
	struct audit_status s = {
		.mask = mask, .enabled = enabled, .pid = pid, .backlog_limit = backlog,
	};

	return audit_send(fd, AUDIT_SET, &s, sizeof(s));
}

/* Sets the backlog limit and how long a task waits for room. */
static inline int audit_set_backlog(int fd, __u32 limit, __u32 wait)
{
	struct audit_status s = {
		.mask = AUDIT_STATUS_BACKLOG_LIMIT | AUDIT_STATUS_BACKLOG_WAIT_TIME,
		.backlog_limit = limit, .backlog_wait_time = wait,
	};

	return audit_send(fd, AUDIT_SET, &s, sizeof(s));
}

#ifndef AUDIT_CONTID
#define AUDIT_CONTID 27
#endif

#define CONTID_LEN 16u
#define RULE_BUF 256

/* Rules: struct audit_rule_data and its buf. */

union rule {
	struct audit_rule_data d;
	unsigned char raw[sizeof(struct audit_rule_data) + RULE_BUF];
};

static inline size_t rule_len(const union rule *r)
{
	return offsetof(struct audit_rule_data, buf) + r->d.buflen;
}

static inline void rule_init(union rule *r, __u32 list, __u32 action)
{
	memset(r, 0, sizeof(*r));
	r->d.flags = list;
	r->d.action = action;
}

static inline void rule_num(union rule *r, __u32 field, __u32 op, __u32 value)
{
	__u32 i = r->d.field_count++;

	r->d.fields[i] = field;
	r->d.fieldflags[i] = op;
	r->d.values[i] = value;
}

/*
 * A field whose value lives in buf: @value in values[], and @n bytes from
 * @p appended to buf after those of the fields before it. @value and @n
 * differ only in malformed rules.
 */
static inline void rule_buf_field(union rule *r, __u32 field, __u32 op, __u32 value,
				  const void *p, __u32 n)
{
	unsigned char *buf = r->raw + offsetof(struct audit_rule_data, buf);

	if (r->d.buflen + n > RULE_BUF)
		die("a test rule does not fit", EOVERFLOW);
	rule_num(r, field, op, value);
	memcpy(buf + r->d.buflen, p, n);
	r->d.buflen += n;
}

static inline int hex_digit(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* The 16 bytes of ID @v, read off its UUID text, left to right. */
static inline void contid_bytes(unsigned long long v, unsigned char *out)
{
	char text[40];
	const char *p = text;
	unsigned int i;

	fmt_uuid(v, text);
	for (i = 0; i < CONTID_LEN; i++) {
		if (*p == '-')
			p++;
		out[i] = hex_digit(p[0]) << 4 | hex_digit(p[1]);
		p += 2;
	}
}

/* "-F contid=X" (AUDIT_EQUAL) or "-F contid!=X" (AUDIT_NOT_EQUAL). */
static inline void rule_contid(union rule *r, __u32 op, unsigned long long v)
{
	unsigned char b[CONTID_LEN];

	contid_bytes(v, b);
	rule_buf_field(r, AUDIT_CONTID, op, CONTID_LEN, b, CONTID_LEN);
}

static inline void rule_key(union rule *r, const char *key)
{
	rule_buf_field(r, AUDIT_FILTERKEY, AUDIT_EQUAL, strlen(key), key, strlen(key));
}

/* "-a always,exit -F arch=b64 -S @nr", as audit_rule() builds it. */
static inline void exit_rule(union rule *r, int nr)
{
	rule_init(r, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
	rule_num(r, AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64);
	r->d.mask[AUDIT_WORD(nr)] |= AUDIT_BIT(nr);
}

/* An exit rule: "-a always,exit -F arch=b64 -S @nr". */
static inline int audit_rule(int fd, int type, unsigned int nr)
{
	union rule r;

	exit_rule(&r, nr);
	return audit_send(fd, type, &r, rule_len(&r));
}

/* Becomes the audit daemon: enabled, records to us. 0, or a negative errno. */
static inline int auditd_start(struct auditd *d)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->rec = calloc(MAX_RECORDS, sizeof(*d->rec));
	d->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (d->fd < 0 || !d->rec)
		return -errno;
	err = audit_status(d->fd, &d->saved);
	if (err)
		return err;
	if (d->saved.pid)
		return -EBUSY;	/* a real auditd runs: leave it alone */
	return audit_set(d->fd, AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID, 1, getpid(), 0);
}

static inline int auditd_add_rule(struct auditd *d, unsigned int nr)
{
	int err;

	/* A crashed earlier run may have left the same rule behind. */
	audit_rule(d->fd, AUDIT_DEL_RULE, nr);
	err = audit_rule(d->fd, AUDIT_ADD_RULE, nr);

	if (!err)
		d->rules[d->nrules++] = nr;
	return err;
}

static inline void auditd_stop(struct auditd *d)
{
	int i;

	for (i = 0; i < d->nrules; i++)
		audit_rule(d->fd, AUDIT_DEL_RULE, d->rules[i]);
	audit_set_backlog(d->fd, d->saved.backlog_limit, d->saved.backlog_wait_time);
	audit_set(d->fd, AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID, d->saved.enabled, 0, 0);
	close(d->fd);
	free(d->rec);
}

#ifdef __KSELFTEST_HARNESS_H
/*
 * A fixture's setup: makes @d the audit daemon and returns true, or skips the
 * test (false) where container IDs are unsupported or a real audit daemon
 * runs. Any other failure fails the test.
 */
static inline bool auditd_setup(struct __test_metadata *_metadata, struct auditd *d)
{
	int err;

	if (unsupported())
		SKIP(return false, "%s", unsupported());
	err = auditd_start(d);
	if (err == -EBUSY)
		SKIP(return false, "an audit daemon is running");
	ASSERT_EQ(0, err);
	return true;
}
#endif

/*
 * Collects records until @ms milliseconds pass without one. Records lost on
 * our side (the socket overran, or more than MAX_RECORDS came) are counted in
 * d->lost, and every query below then dies: a test must not look for a record,
 * or for its absence, in an incomplete log. Other receive errors die at once.
 */
static inline void auditd_collect(struct auditd *d, int ms)
{
	struct {
		struct nlmsghdr h;
		char text[RECORD_MAX];
	} m;
	struct pollfd p = { .fd = d->fd, .events = POLLIN };
	struct record *r;
	unsigned long sec, msec;
	ssize_t n;

	while (poll(&p, 1, ms) > 0) {
		n = recv(d->fd, &m, sizeof(m) - 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0 && errno == ENOBUFS) {
			d->lost++;
			continue;
		}
		if (n < 0)
			die("receiving audit records", errno);
		if (n <= (ssize_t)NLMSG_HDRLEN)
			continue;
		if (d->n >= MAX_RECORDS) {
			d->lost++;
			continue;
		}
		r = &d->rec[d->n];
		r->type = m.h.nlmsg_type;
		n -= NLMSG_HDRLEN;
		memcpy(r->text, m.text, n < RECORD_MAX ? n : RECORD_MAX - 1);
		r->text[n < RECORD_MAX ? n : RECORD_MAX - 1] = '\0';
		if (sscanf(r->text, "audit(%lu.%lu:%u)", &sec, &msec, &r->serial) == 3)
			d->n++;
	}
}

/* Forgets the records collected so far (and whether any were lost). */
static inline void auditd_forget(struct auditd *d)
{
	d->n = 0;
	d->lost = 0;
}

/* Every query starts here: the log it reads must be complete. */
static inline void records_complete(const struct auditd *d)
{
	if (d->lost)
		die("audit records were lost: the log cannot be searched", ENOBUFS);
}

/* "key=value" into a static buffer (one per call site is enough for needles). */
#define FIELD(fmt, ...) ({ static char _f[CHAIN_MAX + 64]; \
	snprintf(_f, sizeof(_f), fmt, __VA_ARGS__); _f; })

/* What follows "audit(...): " in @r: its fields ("" if it has no such prefix). */
static inline const char *body_of(const struct record *r)
{
	const char *p = strstr(r->text, "): ");

	return p ? p + 3 : "";
}

/* Whether @r is of @type and its text contains every one of @needles. */
static inline bool matches(const struct record *r, int type, const char *const *needles)
{
	int k;

	if (r->type != type)
		return false;
	for (k = 0; needles[k]; k++)
		if (!strstr(r->text, needles[k]))
			return false;
	return true;
}

/* The first record of @type whose text contains every one of @needles. */
static inline struct record *find(struct auditd *d, int type, const char *const *needles)
{
	int i;

	records_complete(d);
	for (i = 0; i < d->n; i++)
		if (matches(&d->rec[i], type, needles))
			return &d->rec[i];
	return NULL;
}

static inline int count(struct auditd *d, int type, const char *const *needles)
{
	int i, n = 0;

	records_complete(d);
	for (i = 0; i < d->n; i++)
		n += matches(&d->rec[i], type, needles);
	return n;
}

/*
 * Where the event @serial has a record of @type in the stream: its index
 * among the event's records (0 first), or -1 if it has none. The records of
 * one audit buffer arrive in the order they were queued.
 */
static inline int event_index(struct auditd *d, int type, unsigned int serial)
{
	int i, k = 0;

	records_complete(d);
	for (i = 0; i < d->n; i++) {
		if (d->rec[i].serial != serial)
			continue;
		if (d->rec[i].type == type)
			return k;
		k++;
	}
	return -1;
}

/* The record of @type in the event @serial, if any. */
static inline struct record *in_event(struct auditd *d, int type, unsigned int serial)
{
	int i;

	records_complete(d);
	for (i = 0; i < d->n; i++)
		if (d->rec[i].type == type && d->rec[i].serial == serial)
			return &d->rec[i];
	return NULL;
}

#endif /* AUDIT_CONTID_AUDIT_H */
