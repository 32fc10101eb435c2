// SPDX-License-Identifier: GPL-2.0

//! Namespace changes of tasks in containers, top to bottom: `unshare()`,
//! `setns()` and `execve()` (its switch to the time namespace for children)
//! keep a reference on the namespaces the task leaves just before they
//! commit (kernel/fork.c, kernel/nsproxy.c); `clone()` with namespace flags
//! keeps one on the new task's (kernel_clone()). What changed is worked out
//! when the record is logged.
//!
//! A change is auxiliary data of the syscall's event: it is kept in the
//! syscall's audit context (nothing is kept when the context is a dummy) and
//! logged as `CONTAINER_OP op=ns` by `audit_log_exit()` only if the event is
//! recorded; an event that is not recorded drops it when the context is
//! reset. So a namespace change logs nothing unless a rule selects its
//! syscall, and it never waits for the audit backlog. A network namespace
//! the task entered is attributed to its container ([`crate::netns`]) at
//! once, whatever the rules: packets need it.

use kernel::{bindings, prelude::*, task::Task};

use crate::{audit, netns, task};

/// The namespace types, in the order of `enum audit_contid_ns_type`.
pub(crate) const TYPES: usize = bindings::audit_contid_ns_type_AUDIT_CONTID_NS_TYPES as usize;

/// A task's namespaces by type: namespace IDs (`ns_common.ns_id`), 0 for
/// none.
pub(crate) type Ids = [u64; TYPES];

/// The record's field name of each type, as in `/proc/PID/ns/` with `ns`
/// added; the namespaces a task's new children get are `child...`.
pub(crate) const NAMES: [&str; TYPES] = [
    "mntns",
    "utsns",
    "ipcns",
    "pidns",
    "childpidns",
    "netns",
    "userns",
    "cgroupns",
    "timens",
    "childtimens",
];

/// Whether a type is the task's own (not one for its children): what
/// `op=set` reports.
pub(crate) const fn is_own(ty: usize) -> bool {
    ty != bindings::audit_contid_ns_type_AUDIT_CONTID_NS_PID_FOR_CHILDREN as usize
        && ty != bindings::audit_contid_ns_type_AUDIT_CONTID_NS_TIME_FOR_CHILDREN as usize
}

/// The namespaces of `t`.
pub(crate) fn ids(t: &Task) -> Ids {
    let mut id = [0; TYPES];
    // SAFETY: `t` is live; the C function fills exactly `TYPES` entries and
    // takes the locks it needs.
    unsafe { bindings::audit_contid_task_ns_ids(t.as_ptr(), id.as_mut_ptr()) };
    id
}

/// A task's namespaces as it holds them: its nsproxy and its creds (for the
/// user namespace), with no reference of ours.
///
/// # Invariants
///
/// Both pointers are live while the value is borrowed: they are current's,
/// or those of a task current created and has not woken up, or we hold a
/// reference on each.
#[derive(Clone, Copy)]
struct Held {
    nsproxy: *mut bindings::nsproxy,
    cred: *const bindings::cred,
}

impl Held {
    /// What `t` holds now.
    ///
    /// # Safety
    ///
    /// `t` is current, or a task current created and has not woken up, and
    /// the value is used before `t` changes them (within current's syscall).
    unsafe fn of(t: &Task) -> Self {
        // SAFETY: Per the function's contract, nobody else changes `t`'s
        // nsproxy or creds meanwhile, and `t` holds references on both.
        unsafe {
            Held {
                nsproxy: bindings::audit_contid_nsproxy_of(t.as_ptr()),
                cred: bindings::audit_contid_cred_of(t.as_ptr()),
            }
        }
    }

    /// Their namespace IDs, with `own_pid` as the own pid namespace.
    fn ids(&self, own_pid: *const bindings::pid_namespace) -> Ids {
        let mut id = [0; TYPES];
        // SAFETY: Both are live (type invariant), and so is `own_pid` (the
        // caller's); the C function fills exactly `TYPES` entries.
        unsafe { bindings::audit_contid_ns_ids(self.nsproxy, self.cred, own_pid, id.as_mut_ptr()) };
        id
    }
}

/// `t` enters (or entered) network namespace `net` in current's syscall:
/// attributes its container to it, whatever the rules (packets need it).
/// Called by the namespace hooks' C mechanics (audit_contid_glue.c), which
/// keep the change for the syscall's event.
///
/// # Safety
///
/// `t` is current, or a task current created and has not woken up; current
/// holds a reference on `net` for the call; process context, in current's
/// syscall.
#[export]
pub unsafe extern "C" fn audit_contid_net_entered(
    t: *mut bindings::task_struct,
    net: *mut bindings::net,
) {
    // SAFETY: The caller guarantees `t` is live for the call; `Task` is a
    // transparent wrapper of `task_struct`.
    let t = unsafe { &*t.cast::<Task>() };
    // SAFETY: The caller holds a reference on `net` for the call.
    let net = unsafe { netns::Net::from_raw(net) };
    if let Some(session) = task::session_ref(t) {
        // Any task in a container may do this: accounted to it.
        netns::attribute(session.container(), net, GFP_KERNEL_ACCOUNT);
    }
}

/// Logs the namespace change kept in `change`, if any namespace differs:
/// `audit_log_exit()`, for a recorded event.
///
/// # Safety
///
/// `change` is current's audit context's, with a reference on its nsproxy
/// and on its creds unless they are null (current's user namespace did not
/// change); process context, at the exit of the syscall that kept it.
#[export]
pub unsafe extern "C" fn __audit_contid_ns_change_log(
    change: *mut bindings::audit_contid_ns_change,
) {
    // SAFETY: The caller lends current's context's change for the call.
    let change = unsafe { &*change };
    let current: &Task = kernel::current!();
    // SAFETY: current's own; it has not changed them since (one change a
    // syscall), and a child's own pid namespace is the one its nsproxy
    // gives its children (`alloc_pid()` in copy_process()).
    let (now, own_pid, kept_pid) = unsafe {
        let own = bindings::audit_contid_own_pid_ns_of(current.as_ptr());
        let kept_pid = if change.clone {
            (*change.nsproxy).pid_ns_for_children
        } else {
            own
        };
        (Held::of(current), own, kept_pid)
    };
    // INVARIANT: The change holds a reference on its nsproxy, and on its
    // creds if it has them; else they are current's.
    let kept = Held {
        nsproxy: change.nsproxy,
        cred: if change.cred.is_null() {
            now.cred
        } else {
            change.cred
        },
    };
    let (old, new) = if change.clone {
        (now.ids(own_pid), kept.ids(kept_pid))
    } else {
        (kept.ids(kept_pid), now.ids(own_pid))
    };
    // A setns() into the namespaces the task was in changes nothing.
    if old == new {
        return;
    }
    let rcu = kernel::sync::rcu::read_lock();
    let Some(s) = task::session(current, &rcu) else {
        return;
    };
    let text = audit::ns_change_text(change.pid, s, &old, &new);
    drop(rcu);
    audit::log_ns_change(&text);
}
