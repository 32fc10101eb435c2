// SPDX-License-Identifier: GPL-2.0

//! Audit filter rules on the container ID: the `contid` field (`AUDIT_CONTID`)
//! of exit, user and exclude rules.
//!
//! `contid = X` matches a task whose chain holds X at any level, so a rule on
//! a container covers everything nested in it; `contid != X` is its negation
//! and also matches tasks in no container. kernel/auditfilter.c checks the
//! rule (list, operator, 16 bytes, not nil) when it is added.

use kernel::{bindings, ffi::c_int, prelude::*, task::Task};

use crate::{id::ContainerId, session::SessionView, task};

/// Whether a task in `session` matches the rule field `id` with operator
/// `op` (an `Audit_*` operator; only `Audit_equal` and `Audit_not_equal` are
/// accepted in rules). A test of the chain's summary, and only if that may
/// hold the ID a walk of at most [`crate::id::MAX_DEPTH`] IDs: no lock, no
/// allocation.
fn matches(session: Option<SessionView<'_>>, op: u32, id: Option<ContainerId>) -> bool {
    let inside = id.is_some_and(|id| session.is_some_and(|s| s.holds(id)));
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
/// held by the caller for the call, which runs under `rcu_read_lock()` (as
/// audit rules are matched).
#[export]
pub unsafe extern "C" fn audit_contid_filter(
    tsk: *mut bindings::task_struct,
    f: *const bindings::audit_field,
) -> c_int {
    // SAFETY: Per the function's contract (`Task` is a transparent wrapper
    // of `task_struct`), including the read-side section the session is
    // read in (it lasts for this call). For an `AUDIT_CONTID` field the
    // union holds the 16 bytes of `contid` (kernel/auditfilter.c writes them
    // when the rule is added); they are plain bytes, valid for any value.
    let (session, op, bytes) = unsafe {
        (
            task::session_in_rcu(&*tsk.cast::<Task>()),
            (*f).op,
            (*f).__bindgen_anon_1.contid,
        )
    };
    c_int::from(matches(session, op, ContainerId::from_be_bytes(bytes)))
}
