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
#include <linux/pid_namespace.h>
#include <linux/time_namespace.h>
#include <linux/utsname.h>
#include <linux/ipc_namespace.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "audit.h"
#include "../fs/mount.h"
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

void audit_contid_ns_ids(const struct nsproxy *nsp, const struct cred *cred,
			 const struct pid_namespace *own_pid,
			 u64 id[AUDIT_CONTID_NS_TYPES])
{
	/* A type that is configured out has no namespace: NULL, reported as 0. */
#define NS_ID(p) ({ typeof(p) __p = (p); __p ? __p->ns.ns_id : 0; })
	id[AUDIT_CONTID_NS_MNT] = NS_ID(nsp->mnt_ns);
	id[AUDIT_CONTID_NS_UTS] = NS_ID(nsp->uts_ns);
	id[AUDIT_CONTID_NS_IPC] = NS_ID(nsp->ipc_ns);
	id[AUDIT_CONTID_NS_PID] = NS_ID(own_pid);
	id[AUDIT_CONTID_NS_PID_FOR_CHILDREN] = NS_ID(nsp->pid_ns_for_children);
	id[AUDIT_CONTID_NS_NET] = NS_ID(nsp->net_ns);
	id[AUDIT_CONTID_NS_USER] = NS_ID(cred->user_ns);
	id[AUDIT_CONTID_NS_CGROUP] = NS_ID(nsp->cgroup_ns);
	id[AUDIT_CONTID_NS_TIME] = NS_ID(nsp->time_ns);
	id[AUDIT_CONTID_NS_TIME_FOR_CHILDREN] = NS_ID(nsp->time_ns_for_children);
#undef NS_ID
}

void audit_contid_task_ns_ids(struct task_struct *t,
			      u64 id[AUDIT_CONTID_NS_TYPES])
{
	memset(id, 0, sizeof(u64) * AUDIT_CONTID_NS_TYPES);
	rcu_read_lock();
	task_lock(t);
	if (t->nsproxy)
		audit_contid_ns_ids(t->nsproxy, __task_cred(t),
				    task_active_pid_ns(t), id);
	task_unlock(t);
	rcu_read_unlock();
}

struct nsproxy *audit_contid_nsproxy_of(struct task_struct *t)
{
	return t->nsproxy;
}

const struct cred *audit_contid_cred_of(struct task_struct *t)
{
	/* Only current, or a child not yet running, changes its creds. */
	return rcu_dereference_protected(t->cred, 1);
}

struct pid_namespace *audit_contid_own_pid_ns_of(struct task_struct *t)
{
	return task_active_pid_ns(t);
}

/*
 * Where current's syscall keeps a namespace change for its event: NULL when
 * current has no audit context, is not in a syscall, or its context is a
 * dummy (no audit rules: the event cannot be recorded).
 */
static struct audit_contid_ns_change *audit_contid_ns_slot(void)
{
	struct audit_context *ctx = audit_context();

	if (!ctx || ctx->dummy || ctx->context != AUDIT_CTX_SYSCALL)
		return NULL;
	return &ctx->contid_ns;
}

/*
 * The namespace hooks' mechanics, here so that a contained task's
 * unshare() pays one call: a reference on the namespaces it leaves, moved
 * into the audit context, and a network namespace it enters reported to
 * audit_contid_net_entered(). What changed is worked out, and logged, by
 * __audit_contid_ns_change_log() only for a recorded event.
 */
static void audit_contid_ns_keep(struct audit_contid_ns_change *slot,
				 struct task_struct *t, struct nsproxy *nsp,
				 const struct cred *cred, bool clone)
{
	get_nsproxy(nsp);
	slot->nsproxy = nsp;
	slot->cred = cred ? get_cred(cred) : NULL;
	slot->pid = task_tgid_nr(t);
	slot->clone = clone;
}

void __audit_contid_ns_change(struct nsproxy *new, const struct cred *new_cred)
{
	struct audit_contid_ns_change *slot = audit_contid_ns_slot();
	struct nsproxy *old = current->nsproxy;

	if (new && new->net_ns != old->net_ns)
		audit_contid_net_entered(current, new->net_ns);
	if (slot && !slot->nsproxy)
		audit_contid_ns_keep(slot, current, old,
				     new_cred ? current_cred() : NULL, false);
}

void __audit_contid_clone_ns(struct task_struct *child)
{
	struct audit_contid_ns_change *slot = audit_contid_ns_slot();
	struct nsproxy *nsp = child->nsproxy;
	const struct cred *cred = audit_contid_cred_of(child);

	if (nsp->net_ns != current->nsproxy->net_ns)
		audit_contid_net_entered(child, nsp->net_ns);
	if (slot && !slot->nsproxy)
		audit_contid_ns_keep(slot, child, nsp,
				     cred->user_ns != current_user_ns() ? cred : NULL,
				     true);
}

bool audit_contid_in_syscall(void)
{
	struct audit_context *ctx = audit_context();

	return ctx && ctx->context == AUDIT_CTX_SYSCALL;
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

u64 audit_contid_task_net_id(struct task_struct *t)
{
	u64 id = 0;

	task_lock(t);
	if (t->nsproxy && t->nsproxy->net_ns)
		id = t->nsproxy->net_ns->ns.ns_id;
	task_unlock(t);
	return id;
}

void audit_contid_put_net(struct net *net)
{
	put_net(net);
}

u64 audit_contid_net_ns_id(const struct net *net)
{
	return net->ns.ns_id;
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
