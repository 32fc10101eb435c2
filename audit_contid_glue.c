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
#include <linux/export.h>
#include <linux/nsproxy.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
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

static unsigned int ns_inum(struct task_struct *t,
			    const struct proc_ns_operations *ops)
{
	struct ns_common *ns = ops->get(t);
	unsigned int inum = ns ? ns->inum : 0;

	if (ns)
		ops->put(ns);
	return inum;
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

struct audit_contid_ns_ids audit_contid_task_ns(struct task_struct *t)
{
	return (struct audit_contid_ns_ids) {
		.dev = audit_contid_nsfs_dev(),
		.mnt = ns_inum(t, &mntns_operations),
		.uts = IS_ENABLED(CONFIG_UTS_NS) ? ns_inum(t, &utsns_operations) : 0,
		.ipc = IS_ENABLED(CONFIG_IPC_NS) ? ns_inum(t, &ipcns_operations) : 0,
		.pid = IS_ENABLED(CONFIG_PID_NS) ? ns_inum(t, &pidns_operations) : 0,
		.net = IS_ENABLED(CONFIG_NET_NS) ? ns_inum(t, &netns_operations) : 0,
		.user = IS_ENABLED(CONFIG_USER_NS) ? ns_inum(t, &userns_operations) : 0,
		.cgroup = IS_ENABLED(CONFIG_CGROUPS) ? ns_inum(t, &cgroupns_operations) : 0,
		.time = IS_ENABLED(CONFIG_TIME_NS) ? ns_inum(t, &timens_operations) : 0,
	};
}

void audit_contid_task_ns_inums(struct task_struct *t,
				unsigned int inum[AUDIT_CONTID_NS_TYPES])
{
	static const struct proc_ns_operations *const ops[AUDIT_CONTID_NS_TYPES] = {
		[AUDIT_CONTID_NS_MNT] = &mntns_operations,
#ifdef CONFIG_UTS_NS
		[AUDIT_CONTID_NS_UTS] = &utsns_operations,
#endif
#ifdef CONFIG_IPC_NS
		[AUDIT_CONTID_NS_IPC] = &ipcns_operations,
#endif
#ifdef CONFIG_PID_NS
		[AUDIT_CONTID_NS_PID_FOR_CHILDREN] = &pidns_for_children_operations,
#endif
#ifdef CONFIG_NET_NS
		[AUDIT_CONTID_NS_NET] = &netns_operations,
#endif
#ifdef CONFIG_USER_NS
		[AUDIT_CONTID_NS_USER] = &userns_operations,
#endif
#ifdef CONFIG_CGROUPS
		[AUDIT_CONTID_NS_CGROUP] = &cgroupns_operations,
#endif
#ifdef CONFIG_TIME_NS
		[AUDIT_CONTID_NS_TIME_FOR_CHILDREN] = &timens_for_children_operations,
#endif
	};
	int i;

	for (i = 0; i < AUDIT_CONTID_NS_TYPES; i++)
		inum[i] = ops[i] ? ns_inum(t, ops[i]) : 0;
}

static unsigned int audit_contid_net_id __read_mostly;

static void audit_contid_net_exit_op(struct net *net)
{
	audit_contid_net_exit(net);
}

static struct pernet_operations audit_contid_net_ops = {
	.exit = audit_contid_net_exit_op,
	.id = &audit_contid_net_id,
	.size = sizeof(struct audit_contid_net),
};

int audit_contid_net_register(void)
{
	return register_pernet_subsys(&audit_contid_net_ops);
}

struct audit_contid_net *audit_contid_net(const struct net *net)
{
	return net_generic(net, audit_contid_net_id);
}

struct net *audit_contid_task_net(struct task_struct *t)
{
	struct net *net = NULL;

	task_lock(t);
	if (t->nsproxy)
		net = get_net(t->nsproxy->net_ns);
	task_unlock(t);
	return net;
}

void audit_contid_put_net(struct net *net)
{
	put_net(net);
}

unsigned int audit_contid_net_inum(const struct net *net)
{
	return net->ns.inum;
}

/* Called by the netfilter modules (nft_log, xt_AUDIT); defined in Rust. */
EXPORT_SYMBOL_GPL(audit_contid_log_net);

struct kmem_cache *audit_contid_cache_create(const char *name, unsigned int size,
					     unsigned int align)
{
	return kmem_cache_create(name, size, align, 0, NULL);
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
