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
#include <linux/refcount.h>
#include <linux/types.h>

struct task_struct;

void audit_contid_tasklist_read_lock(void);
void audit_contid_tasklist_read_unlock(void);

/* The next thread of @t's thread group, wrapping around; tasklist_lock held. */
struct task_struct *audit_contid_next_thread(struct task_struct *t);

/* True when @t is released, exiting, or its thread group is exiting. */
bool audit_contid_task_exiting(struct task_struct *t);

/* True when @t has children of its own; tasklist_lock held. */
bool audit_contid_task_has_children(struct task_struct *t);

/* True when @a and @b are threads of one process. */
bool audit_contid_same_thread_group(struct task_struct *a,
				    struct task_struct *b);

/* True for kernel threads. */
bool audit_contid_task_is_kthread(struct task_struct *t);

typedef void (*audit_contid_thread_fn)(struct task_struct *t, void *arg);

/* Calls @fn on every thread in the system under rcu_read_lock(). */
void audit_contid_walk_threads(audit_contid_thread_fn fn, void *arg);

/* refcount_inc_not_zero(), which bindgen cannot see. */
bool audit_contid_refcount_inc_not_zero(refcount_t *r);

/* Number of namespace types reported in CONTAINER_OP records. */
#define AUDIT_CONTID_NR_NS 8

/*
 * Inode numbers of @t's mnt, uts, ipc, pid, net, user, cgroup and time
 * namespaces, in that order; 0 where a type is not configured or @t has
 * none left.
 */
void audit_contid_ns_inums(struct task_struct *t, unsigned int inums[AUDIT_CONTID_NR_NS]);

/* The device of the nsfs file system, which the inode numbers live on. */
dev_t audit_contid_nsfs_dev(void);

/* Queue audit_contid_reap() on the system workqueue. */
void audit_contid_schedule_reap(void);

/* Wait until a queued audit_contid_reap() has run. */
void audit_contid_flush_reap(void);

/* Implemented in Rust: logs and frees dead containers (process context). */
void audit_contid_reap(void);

#endif /* _AUDIT_CONTID_GLUE_H */
