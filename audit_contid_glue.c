// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for the Rust core of audit container identifiers.
 * See audit_contid_glue.h.
 */
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/ns_common.h>
#include <linux/nsfs.h>
#include <linux/path.h>
#include <linux/proc_ns.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
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

bool audit_contid_refcount_inc_not_zero(refcount_t *r)
{
	return refcount_inc_not_zero(r);
}

static const struct proc_ns_operations *const ns_ops[AUDIT_CONTID_NR_NS] = {
	&mntns_operations,
	IS_ENABLED(CONFIG_UTS_NS) ? &utsns_operations : NULL,
	IS_ENABLED(CONFIG_IPC_NS) ? &ipcns_operations : NULL,
	IS_ENABLED(CONFIG_PID_NS) ? &pidns_operations : NULL,
	IS_ENABLED(CONFIG_NET_NS) ? &netns_operations : NULL,
	IS_ENABLED(CONFIG_USER_NS) ? &userns_operations : NULL,
	IS_ENABLED(CONFIG_CGROUPS) ? &cgroupns_operations : NULL,
	IS_ENABLED(CONFIG_TIME_NS) ? &timens_operations : NULL,
};

void audit_contid_ns_inums(struct task_struct *t, unsigned int inums[AUDIT_CONTID_NR_NS])
{
	struct ns_common *ns;
	int i;

	for (i = 0; i < AUDIT_CONTID_NR_NS; i++) {
		ns = ns_ops[i] ? ns_ops[i]->get(t) : NULL;
		inums[i] = ns ? ns->inum : 0;
		if (ns)
			ns_ops[i]->put(ns);
	}
}

dev_t audit_contid_nsfs_dev(void)
{
	static dev_t dev;
	struct path path;

	if (!READ_ONCE(dev) && !ns_get_path(&path, current, &mntns_operations)) {
		WRITE_ONCE(dev, path.dentry->d_sb->s_dev);
		path_put(&path);
	}
	return READ_ONCE(dev);
}

static void audit_contid_reap_work(struct work_struct *work)
{
	audit_contid_reap();
}

static DECLARE_WORK(reap_work, audit_contid_reap_work);

void audit_contid_schedule_reap(void)
{
	schedule_work(&reap_work);
}

void audit_contid_flush_reap(void)
{
	flush_work(&reap_work);
}
