// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for the Rust core of audit container identifiers.
 * See audit_contid_glue.h.
 */
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "audit_contid_glue.h"

void audit_contid_tasklist_read_lock(void)
{
	read_lock(&tasklist_lock);
}

void audit_contid_tasklist_read_unlock(void)
{
	read_unlock(&tasklist_lock);
}

struct task_struct *audit_contid_next_thread(struct task_struct *t)
{
	return next_thread(t);
}

bool audit_contid_task_exiting(struct task_struct *t)
{
	return !pid_alive(t) || (t->flags & PF_EXITING) ||
	       (t->signal->flags & SIGNAL_GROUP_EXIT);
}

bool audit_contid_task_has_children(struct task_struct *t)
{
	return !list_empty(&t->children);
}

bool audit_contid_same_thread_group(struct task_struct *a,
				    struct task_struct *b)
{
	return same_thread_group(a, b);
}

bool audit_contid_task_is_kthread(struct task_struct *t)
{
	return t->flags & PF_KTHREAD;
}

void audit_contid_walk_threads(audit_contid_thread_fn fn, void *arg)
{
	struct task_struct *p, *t;

	rcu_read_lock();
	for_each_process_thread(p, t)
		fn(t, arg);
	rcu_read_unlock();
}
