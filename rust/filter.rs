// SPDX-License-Identifier: GPL-2.0

//! Audit filter rules on the container ID: the `contid` field (`AUDIT_CONTID`)
//! of exit, user and exclude rules.
//!
//! `contid = X` matches a task whose chain holds X at any level, so a rule on
//! a container covers everything nested in it; `contid != X` is its negation
//! and also matches tasks in no container. kernel/auditfilter.c checks the
//! rule (list, operator, 16 bytes, not nil) when it is added.

use core::ptr::NonNull;

use kernel::{bindings, ffi::c_int, prelude::*};

use crate::{
    id::ContainerId,
    session::{Session, SessionView},
};

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

/// An `AUDIT_CONTID` rule field evaluated for a task in session `s` (null:
/// in no container): 1 if it matches.
///
/// # Safety
///
/// `s` is null or the session a task's slot held when read inside the
/// read-side section the caller holds for the call (audit rules are matched
/// under `rcu_read_lock()`), and `f` an `AUDIT_CONTID` field of a rule held
/// by the caller.
#[export]
pub unsafe extern "C" fn audit_contid_match(
    s: *const bindings::audit_contid_session,
    f: *const bindings::audit_field,
) -> c_int {
    // SAFETY: Per the function's contract: sessions are freed only a grace
    // period after their last reference is dropped, so `s` stays valid for
    // the call (C's opaque `audit_contid_session` is our `Session`). For an
    // `AUDIT_CONTID` field the union holds the 16 bytes of `contid`
    // (kernel/auditfilter.c writes them when the rule is added); they are
    // plain bytes, valid for any value.
    let (session, op, bytes) = unsafe {
        (
            NonNull::new(s.cast_mut().cast::<Session>()).map(|p| SessionView::new(p.as_ref())),
            (*f).op,
            (*f).__bindgen_anon_1.contid,
        )
    };
    c_int::from(matches(session, op, ContainerId::from_be_bytes(bytes)))
}
