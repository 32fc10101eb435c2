/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers for the Rust core of audit container identifiers: thin wrappers
 * over kernel macros and inline functions that bindgen cannot see. They hold
 * no policy; every rule is decided in Rust. Included by
 * rust/bindings/bindings_helper.h, with <linux/audit.h> for the audit API.
 */
#ifndef _AUDIT_CONTID_GLUE_H
#define _AUDIT_CONTID_GLUE_H

#include <linux/audit.h>
#include <linux/audit_contid.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/types.h>

struct net;
struct task_struct;

void audit_contid_tasklist_read_lock(void);
void audit_contid_tasklist_read_unlock(void);

/* The next thread of @t's thread group, wrapping around; tasklist_lock held. */
struct task_struct *audit_contid_next_thread(struct task_struct *t);

typedef void (*audit_contid_thread_fn)(struct task_struct *t, void *arg);

/* Calls @fn on every thread in the system under rcu_read_lock(). */
void audit_contid_walk_threads(audit_contid_thread_fn fn, void *arg);

/* refcount_inc_not_zero(), which bindgen cannot see. */
bool audit_contid_refcount_inc_not_zero(refcount_t *r);

struct cred;
struct nsproxy;
struct pid_namespace;

/*
 * The IDs (ns_common.ns_id, as NS_GET_ID reports them), by type (enum
 * audit_contid_ns_type), of the namespaces of @nsp and @cred, whose own pid
 * namespace is @own_pid; all of them live for the call. 0 for a type that
 * is not configured.
 */
void audit_contid_ns_ids(const struct nsproxy *nsp, const struct cred *cred,
			 const struct pid_namespace *own_pid,
			 u64 id[AUDIT_CONTID_NS_TYPES]);

/* As audit_contid_ns_ids(), for a task (task_lock() and RCU inside). */
void audit_contid_task_ns_ids(struct task_struct *t,
			      u64 id[AUDIT_CONTID_NS_TYPES]);

/*
 * @t's nsproxy and creds, with no reference: for current, or for a task
 * current created and has not woken up.
 */
struct nsproxy *audit_contid_nsproxy_of(struct task_struct *t);
const struct cred *audit_contid_cred_of(struct task_struct *t);

/* @t's own pid namespace (current's, or a new child's: see above). */
struct pid_namespace *audit_contid_own_pid_ns_of(struct task_struct *t);

/*
 * Implemented in Rust: @t, current or a task current created and has not
 * woken up, enters (or entered) @net in current's syscall, which holds a
 * reference on it.
 */
void audit_contid_net_entered(struct task_struct *t, struct net *net);

/* Whether current is in a syscall with an audit context. */
bool audit_contid_in_syscall(void);

/*
 * Each network namespace's storage (net_generic()): the first link of the
 * sorted list of containers whose tasks have used it, or NULL, and the
 * list's length. Rust owns both.
 */
struct audit_contid_net {
	void *containers;
	unsigned int count;
};

/* Registers the per-network-namespace storage; module init. */
int audit_contid_net_register(void);

/*
 * @net's storage, once audit_contid_net_register() has succeeded; it stays
 * until @net's exit has run (net_generic() takes rcu_read_lock() itself).
 */
struct audit_contid_net *audit_contid_net(const struct net *net);

/* A reference on @t's network namespace, or NULL if it has none left. */
struct net *audit_contid_task_net(struct task_struct *t);

/* The namespace ID of @t's network namespace, or 0 if it has none left. */
u64 audit_contid_task_net_id(struct task_struct *t);

/* put_net(), which bindgen cannot see. */
void audit_contid_put_net(struct net *net);

/* The namespace ID of @net (ns_common.ns_id). */
u64 audit_contid_net_ns_id(const struct net *net);

/* Implemented in Rust: forgets a network namespace being freed. */
void audit_contid_net_exit(struct net *net);

/* kmem_cache_create() for a Rust type, which cannot call the macro. */
struct kmem_cache *audit_contid_cache_create(const char *name, unsigned int size,
					     unsigned int align);

/* Queue audit_contid_reap() on the system workqueue. */
void audit_contid_schedule_reap(void);

/* Wait until a queued audit_contid_reap() has run. */
void audit_contid_flush_reap(void);

/* Implemented in Rust: logs and frees dead containers (process context). */
void audit_contid_reap(void);

#endif /* _AUDIT_CONTID_GLUE_H */
