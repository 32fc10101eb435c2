// SPDX-License-Identifier: GPL-2.0

//! The fork and release hooks called from kernel/fork.c and kernel/exit.c.

use kernel::{bindings, prelude::*};

use crate::{registry, task};

/// A new task takes its creator's session.
///
/// # Safety
///
/// Called from `copy_process()` with `tasklist_lock` held for writing, after the
/// last failure point; `child` is the new task, whose slot still holds a stale
/// copy of its creator's pointer and owns nothing yet.
#[export]
pub unsafe extern "C" fn audit_contid_fork(child: *mut bindings::task_struct) {
    // SAFETY: `current` is valid and its session cannot change while
    // tasklist_lock is held for writing (registration needs it for reading),
    // so it holds a reference we may add to.
    unsafe {
        let s = task::session_of(task::current());
        registry::session_get(s);
        task::set_session(child, s);
    }
}

/// A reaped task gives up its session.
///
/// # Safety
///
/// Called from `release_task()` with `tasklist_lock` held for writing; `tsk`
/// is valid and owns the reference in its slot.
#[export]
pub unsafe extern "C" fn audit_contid_release(tsk: *mut bindings::task_struct) {
    // SAFETY: tasklist_lock excludes registration of `tsk`; the slot's
    // reference moves to us and the slot is cleared before it is dropped.
    unsafe {
        let s = task::session_of(tsk);
        task::set_session(tsk, core::ptr::null_mut());
        registry::session_put(s);
    }
}
