// SPDX-License-Identifier: GPL-2.0

//! The fork and release hooks called from kernel/fork.c and kernel/exit.c.
//! Neither takes a lock of ours, allocates, or sleeps.

use kernel::{bindings, prelude::*, task::Task};

use crate::task;

/// A new task takes its creator's session.
///
/// # Safety
///
/// Called from `copy_process()` with `tasklist_lock` held for writing, after the
/// last failure point; `child` is the new task.
#[export]
pub unsafe extern "C" fn audit_contid_fork(child: *mut bindings::task_struct) {
    // SAFETY: `child` is a valid task for the call (per the contract), and
    // `Task` is a transparent wrapper of `task_struct`.
    let child = unsafe { &*child.cast::<Task>() };
    task::inherit(child, kernel::current!());
}

/// A reaped task gives up its session.
///
/// # Safety
///
/// Called from `release_task()` with `tasklist_lock` held for writing and
/// interrupts off; `tsk` is valid for the call.
#[export]
pub unsafe extern "C" fn audit_contid_release(tsk: *mut bindings::task_struct) {
    // SAFETY: As for `audit_contid_fork`.
    let tsk = unsafe { &*tsk.cast::<Task>() };
    // Dropping the last reference on a session frees it after a grace period
    // and may hand its container to the reaper: no lock, no sleep.
    drop(task::take_session(tsk));
}
