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

/* A task's namespaces as CONTAINER_OP reports them: nsfs inode numbers. */
struct audit_contid_ns_ids {
	dev_t dev;		/* the nsfs device the inodes live on */
	unsigned int mnt;
	unsigned int uts;	/* 0 where a type is not configured */
	unsigned int ipc;
	unsigned int pid;
	unsigned int net;
	unsigned int user;
	unsigned int cgroup;
	unsigned int time;
};

/* The namespaces of @t; 0 for each that @t no longer has. */
struct audit_contid_ns_ids audit_contid_task_ns(struct task_struct *t);

/* The device of nsfs, where namespace inodes live. */
dev_t audit_contid_nsfs_dev(void);

/*
 * The namespaces of @t by type (enum audit_contid_ns_type), as op=ns
 * compares them; 0 for each that @t no longer has.
 */
void audit_contid_task_ns_inums(struct task_struct *t,
				unsigned int inum[AUDIT_CONTID_NS_TYPES]);

/*
 * Each network namespace's storage (net_generic()): the first link of the
 * list of containers whose tasks have used it, or NULL. Rust owns the list.
 */
struct audit_contid_net {
	void *containers;
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

/* put_net(), which bindgen cannot see. */
void audit_contid_put_net(struct net *net);

/* The nsfs inode number of @net. */
unsigned int audit_contid_net_inum(const struct net *net);

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
