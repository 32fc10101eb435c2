// SPDX-License-Identifier: GPL-2.0

//! Namespace changes of tasks in containers, top to bottom: `unshare()` and
//! `setns()` save the task's namespaces before they commit and compare after
//! (kernel/fork.c, kernel/nsproxy.c); `clone()` with namespace flags compares
//! the new task's with its creator's (kernel_clone()). A change is logged as
//! `CONTAINER_OP op=ns` in the syscall's event, and a network namespace the
//! task entered is attributed to its container ([`crate::netns`]).

use kernel::{bindings, prelude::*, task::Task};

use crate::{
    audit,
    netns::{self, NetRef},
    task,
};

/// The namespace types, in the order of `enum audit_contid_ns_type`.
pub(crate) const TYPES: usize = bindings::audit_contid_ns_type_AUDIT_CONTID_NS_TYPES as usize;

/// A task's namespaces by type: nsfs inode numbers, 0 for none.
pub(crate) type Inums = [u32; TYPES];

/// The record's name of each type (`old-<name>=`, `new-<name>=`), as in
/// `/proc/PID/ns/` with `ns` added. For PID and time namespaces it is the
/// namespace new children get, which is what `unshare()` and `setns()`
/// change.
pub(crate) const NAMES: [&str; TYPES] = [
    "mntns",
    "utsns",
    "ipcns",
    "pidns_for_children",
    "netns",
    "userns",
    "cgroupns",
    "timens_for_children",
];

/// The index of the network namespace in [`Inums`].
const NET: usize = bindings::audit_contid_ns_type_AUDIT_CONTID_NS_NET as usize;

/// The namespaces of `t`.
fn inums(t: &Task) -> Inums {
    let mut inum = [0; TYPES];
    // SAFETY: `t` is live; the C function fills exactly `TYPES` entries,
    // taking and dropping its own reference on each namespace.
    unsafe { bindings::audit_contid_task_ns_inums(t.as_ptr(), inum.as_mut_ptr()) };
    inum
}

/// Saves current's namespaces in `ns` before `unshare()` or `setns()`
/// commits.
///
/// # Safety
///
/// `ns` is valid for writes and the caller's alone, for the call.
#[export]
pub unsafe extern "C" fn __audit_contid_ns_save(ns: *mut bindings::audit_contid_ns) {
    // SAFETY: Per the function's contract.
    let ns = unsafe { &mut *ns };
    ns.inum = inums(kernel::current!());
}

/// Logs how current's namespaces changed since `ns` was saved.
///
/// # Safety
///
/// `ns` is valid for reads, saved by `__audit_contid_ns_save()`; process
/// context, in current's syscall.
#[export]
pub unsafe extern "C" fn __audit_contid_ns_log(ns: *const bindings::audit_contid_ns) {
    // SAFETY: Per the function's contract.
    let old = unsafe { &(*ns).inum };
    let current: &Task = kernel::current!();
    changed(current, old, &inums(current));
}

/// Logs the namespaces a new task got that its creator (current) does not
/// have.
///
/// # Safety
///
/// `child` is the task current just created, not yet woken up (so it is
/// live and has its namespaces); process context, in current's syscall.
#[export]
pub unsafe extern "C" fn __audit_contid_clone_ns(child: *mut bindings::task_struct) {
    // SAFETY: Per the function's contract; `Task` is a transparent wrapper.
    let child = unsafe { &*child.cast::<Task>() };
    changed(child, &inums(kernel::current!()), &inums(child));
}

/// `t`'s namespaces went from `old` to `new`: logs the change for a task in
/// a container, and attributes its container to a network namespace it
/// entered.
fn changed(t: &Task, old: &Inums, new: &Inums) {
    if old == new {
        return;
    }
    let Some(session) = task::session_ref(t) else {
        return;
    };
    audit::log_ns_change(t, &session, old, new);
    if old[NET] != new[NET] {
        if let Some(net) = NetRef::of_task(t) {
            netns::attribute(session.container(), &net);
        }
    }
}
