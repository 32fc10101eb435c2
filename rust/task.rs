// SPDX-License-Identifier: GPL-2.0

//! The edge to `task_struct`: the per-task session slot, thread iteration and
//! `tasklist_lock`. Every raw task access of the component goes through here.

use core::ptr;

use kernel::{
    bindings,
    sync::atomic::{atomic_load, atomic_store, Relaxed, Release},
};

use crate::registry::Session;

/// A raw task pointer that is valid for as long as the caller says.
pub(crate) type TaskPtr = *mut bindings::task_struct;

/// The task running this code.
pub(crate) fn current() -> TaskPtr {
    // SAFETY: Always valid to call in process context.
    unsafe { bindings::get_current() }
}

fn slot(t: TaskPtr) -> *mut *mut Session {
    // SAFETY: Callers pass a valid task (a contract of every function here that
    // takes one); taking the field's address does not read it.
    unsafe { ptr::addr_of_mut!((*t).audit_contid) }.cast()
}

/// Loads `t`'s session pointer (`READ_ONCE`).
///
/// # Safety
///
/// `t` must be a valid task. The result may only be dereferenced while the
/// session is known to stay alive: under `rcu_read_lock()` (sessions are freed
/// after a grace period), or while holding `tasklist_lock`, which excludes the
/// release and registration paths that replace it.
pub(crate) unsafe fn session_of(t: TaskPtr) -> *mut Session {
    // SAFETY: The slot is a valid, aligned pointer field; all writers use atomic stores.
    unsafe { atomic_load(slot(t), Relaxed) }
}

/// Publishes `s` as `t`'s session (`smp_store_release`, like `rcu_assign_pointer`).
///
/// # Safety
///
/// `t` must be a valid task, the caller must hold `tasklist_lock` (so that fork,
/// release and registration of `t` are serialised), and the caller transfers one
/// reference on `s` (if not null) to `t`.
pub(crate) unsafe fn set_session(t: TaskPtr, s: *mut Session) {
    // SAFETY: The slot is a valid, aligned pointer field; concurrent readers use atomic loads.
    unsafe { atomic_store(slot(t), s, Release) }
}

/// `tasklist_lock` held for reading: no task forks, exits or is released meanwhile.
pub(crate) struct TasklistReadGuard(());

impl TasklistReadGuard {
    pub(crate) fn lock() -> Self {
        // SAFETY: Takes a global rwlock; released in `drop`.
        unsafe { bindings::audit_contid_tasklist_read_lock() };
        TasklistReadGuard(())
    }

    /// Calls `f` on every thread of `t`'s process, `t` first.
    ///
    /// # Safety
    ///
    /// `t` must be a valid task that has not been released.
    pub(crate) unsafe fn for_each_thread(&self, t: TaskPtr, mut f: impl FnMut(TaskPtr)) {
        let mut cur = t;
        loop {
            f(cur);
            // SAFETY: The thread list is stable while `tasklist_lock` is held
            // (by `self`), and `cur` is one of its members.
            cur = unsafe { bindings::audit_contid_next_thread(cur) };
            if cur == t {
                break;
            }
        }
    }

    /// Whether `t` is released, exiting, or its whole process is exiting.
    ///
    /// # Safety
    ///
    /// `t` must be a valid task.
    pub(crate) unsafe fn exiting(&self, t: TaskPtr) -> bool {
        // SAFETY: `t` is valid; its exit state is stable under `tasklist_lock`.
        unsafe { bindings::audit_contid_task_exiting(t) }
    }

    /// Whether `t` has children.
    ///
    /// # Safety
    ///
    /// `t` must be a valid task.
    pub(crate) unsafe fn has_children(&self, t: TaskPtr) -> bool {
        // SAFETY: `t` is valid; its children list is stable under `tasklist_lock`.
        unsafe { bindings::audit_contid_task_has_children(t) }
    }
}

impl Drop for TasklistReadGuard {
    fn drop(&mut self) {
        // SAFETY: Taken in `lock`.
        unsafe { bindings::audit_contid_tasklist_read_unlock() };
    }
}

/// Whether `t` is a thread of the caller's own process or a kernel thread.
///
/// # Safety
///
/// `t` must be a valid task.
pub(crate) unsafe fn own_process_or_kthread(t: TaskPtr) -> bool {
    // SAFETY: Both tasks are valid; a task never changes thread group.
    unsafe {
        bindings::audit_contid_same_thread_group(current(), t)
            || bindings::audit_contid_task_is_kthread(t)
    }
}

/// Calls `f` on every thread in the system, under `rcu_read_lock()`.
pub(crate) fn for_each_thread_in_system<F: FnMut(TaskPtr)>(mut f: F) {
    /// # Safety
    ///
    /// `arg` must be the `&mut F` given to the walk below, still borrowed.
    unsafe extern "C" fn trampoline<F: FnMut(TaskPtr)>(t: TaskPtr, arg: *mut kernel::ffi::c_void) {
        // SAFETY: `arg` is the `&mut F` passed below, live for the whole walk.
        let f = unsafe { &mut *arg.cast::<F>() };
        f(t);
    }
    let arg: *mut kernel::ffi::c_void = ptr::from_mut(&mut f).cast();
    // SAFETY: The callback only runs during this call, while `f` is borrowed.
    unsafe { bindings::audit_contid_walk_threads(Some(trampoline::<F>), arg) };
}
