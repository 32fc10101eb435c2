// SPDX-License-Identifier: GPL-2.0

//! Audit filter rules on the container ID: the `contid` field (`AUDIT_CONTID`)
//! of exit, user and exclude rules.
//!
//! `contid = X` matches a task whose chain holds X at any level, so a rule on
//! a container covers everything nested in it; `contid != X` is its negation
//! and also matches tasks in no container. kernel/auditfilter.c checks the
//! rule (list, operator, 16 bytes, not nil) when it is added.

use kernel::{bindings, ffi::c_int, prelude::*, sync::rcu, task::Task};

use crate::{id::ContainerId, task};

/// Whether `t` matches the rule field `id` with operator `op` (an
/// `Audit_*` operator; only `Audit_equal` and `Audit_not_equal` are
/// accepted in rules). One walk of at most [`crate::id::MAX_DEPTH`] IDs
/// under RCU: no lock, no allocation.
fn matches(t: &Task, op: u32, id: Option<ContainerId>) -> bool {
    let inside = id.is_some_and(|id| {
        let rcu = rcu::read_lock();
        task::session(t, &rcu).is_some_and(|s| s.ids().any(|c| c == id))
    });
    match op {
        bindings::Audit_equal => inside,
        bindings::Audit_not_equal => !inside,
        _ => false,
    }
}

/// An `AUDIT_CONTID` rule field evaluated for `tsk`: 1 if it matches.
///
/// # Safety
///
/// `tsk` is a live task and `f` an `AUDIT_CONTID` field of a rule, both
/// held by the caller (under `rcu_read_lock()`, as audit rules are) for the
/// call.
#[export]
pub unsafe extern "C" fn audit_contid_filter(
    tsk: *mut bindings::task_struct,
    f: *const bindings::audit_field,
) -> c_int {
    // SAFETY: Per the function's contract (`Task` is a transparent wrapper
    // of `task_struct`). For an `AUDIT_CONTID` field the union holds the 16
    // bytes of `contid` (kernel/auditfilter.c writes them when the rule is
    // added); they are plain bytes, valid for any value.
    let (t, op, bytes) = unsafe { (&*tsk.cast::<Task>(), (*f).op, (*f).__bindgen_anon_1.contid) };
    c_int::from(matches(t, op, ContainerId::from_be_bytes(bytes)))
}
