// SPDX-License-Identifier: GPL-2.0

//! The edge to `task_struct`: each task's session slot, `tasklist_lock`, the
//! thread lists, and the task facts the rules need.
//!
//! Every raw access to a task's fields in this component is in this file.
//!
//! # The slot
//!
//! `task_struct::audit_contid` holds a pointer to the task's [`Session`], or
//! null when the task is in no container. A non-null slot owns one counted
//! reference on its session. Writers are serialised by `tasklist_lock`: fork
//! and release hold it for writing, registration holds it for reading and the
//! registry mutex (so one registration at a time). Readers without either lock
//! load the slot under RCU and see either the old or the new session, both of
//! which stay in memory until a grace period after their last reference.

use core::ptr::{self, NonNull};

use kernel::{
    bindings,
    ffi::c_void,
    sync::{
        aref::ARef,
        atomic::{Acquire, Atomic, Relaxed, Release},
        rcu,
    },
    task::Task,
};

use crate::session::{Session, SessionView};

/// The session slot of `t`, as an atomic pointer.
fn slot(t: &Task) -> &Atomic<*mut Session> {
    // SAFETY: `audit_contid` is an aligned pointer field of the live task `t`,
    // so it is valid for as long as `t` is borrowed. Every access to it goes
    // through this atomic view, except `dup_task_struct()`'s copy into a new
    // task that nothing else can see yet (and `inherit` then overwrites).
    unsafe { Atomic::from_ptr(ptr::addr_of_mut!((*t.as_ptr()).audit_contid).cast()) }
}

/// What `t`'s session is, read under RCU: usable until the read-side section ends.
///
/// The view cannot be turned into a counted reference except through
/// [`SessionView::get`], which refuses a session whose count reached zero.
pub(crate) fn session<'a>(t: &Task, _rcu: &'a rcu::Guard) -> Option<SessionView<'a>> {
    let p = NonNull::new(slot(t).load(Acquire))?;
    // SAFETY: Sessions are freed only an RCU grace period after their last
    // reference is dropped (`Session::dec_ref`), and `p` was loaded inside the
    // read-side section that `_rcu` holds, so `*p` stays valid for `'a`.
    Some(SessionView::new(unsafe { p.as_ref() }))
}

/// A counted reference to `t`'s session, unless it has none or it is dying.
pub(crate) fn session_ref(t: &Task) -> Option<ARef<Session>> {
    let rcu = rcu::read_lock();
    session(t, &rcu)?.get()
}

/// Gives the new task `child` a reference on its creator's session.
///
/// Called from `copy_process()` with `tasklist_lock` held for writing: no
/// registration can replace `parent`'s session meanwhile. `child`'s slot holds
/// a stale copy of `parent`'s pointer that owns nothing; it is overwritten.
pub(crate) fn inherit(child: &Task, parent: &Task) {
    // `parent`'s slot holds a reference that cannot be dropped while
    // `tasklist_lock` is held for writing (by our caller), so `get` succeeds.
    let (had, s) = {
        let rcu = rcu::read_lock();
        let view = session(parent, &rcu);
        (view.is_some(), view.and_then(SessionView::get))
    };
    if had && s.is_none() {
        kernel::pr_warn_once!("audit_contid: a new task could not inherit its session\n");
    }
    slot(child).store(
        s.map_or(ptr::null_mut(), |s| ARef::into_raw(s).as_ptr()),
        Release,
    );
}

/// Takes `t`'s session out of its slot (the task is being released).
///
/// Called from `release_task()` with `tasklist_lock` held for writing.
pub(crate) fn take_session(t: &Task) -> Option<ARef<Session>> {
    from_slot(slot(t).xchg(ptr::null_mut(), Acquire))
}

/// The reference a slot owned, now the caller's.
fn from_slot(p: *mut Session) -> Option<ARef<Session>> {
    // SAFETY: A non-null slot owns one reference on its session (see the
    // module documentation); the caller has just removed the pointer from its
    // slot, so that reference moves to the returned `ARef`.
    NonNull::new(p).map(|p| unsafe { ARef::from_raw(p) })
}

/// `tasklist_lock` held for reading: no task forks, exits, is released, or
/// changes thread group meanwhile.
///
/// # Invariants
///
/// The lock is held while the guard exists.
pub(crate) struct Tasklist(());

impl Tasklist {
    pub(crate) fn read_lock() -> Self {
        // SAFETY: Takes the global rwlock; released in `drop`.
        unsafe { bindings::audit_contid_tasklist_read_lock() };
        // INVARIANT: Just taken.
        Tasklist(())
    }

    /// Calls `f` on every thread of the process whose `facts` these are,
    /// that task first; on none if it is released (its thread list links
    /// are stale then).
    pub(crate) fn for_each_thread(&self, facts: &TaskFacts<'_>, mut f: impl FnMut(&Task)) {
        if facts.released {
            return;
        }
        let t = facts.task;
        let mut cur = t;
        loop {
            f(cur);
            // SAFETY: `cur` is an unreleased thread of `t`'s process, whose
            // thread list is stable while `tasklist_lock` is held (type
            // invariant): its next thread is unreleased too, and cannot be
            // released (nor freed) before the lock is dropped, which the
            // borrow of `self` outlives.
            cur = unsafe { &*bindings::audit_contid_next_thread(cur.as_ptr()).cast::<Task>() };
            if ptr::eq(cur, t) {
                return;
            }
        }
    }

    /// The facts about `t` the rules read.
    ///
    /// Released and children are stable while `tasklist_lock` is held; the
    /// exit flags are set by other paths at any time (under `siglock`), so
    /// they are read once (`READ_ONCE`): a task that starts exiting just after
    /// is registered, and its release drops the new session as any other.
    pub(crate) fn facts<'a>(&self, task: &'a Task) -> TaskFacts<'a> {
        let t = task.as_ptr();
        // SAFETY: `t` is live; `thread_pid` and `children` change only with
        // `tasklist_lock` held for writing (excluded by the type invariant);
        // the flag words are aligned `u32`s, read atomically as the writers
        // on other CPUs expect; the signal struct lives as long as the task.
        unsafe {
            let flags = Atomic::from_ptr(ptr::addr_of_mut!((*t).flags)).load(Relaxed);
            let signal_flags =
                Atomic::from_ptr(ptr::addr_of_mut!((*(*t).signal).flags)).load(Relaxed);
            TaskFacts {
                task,
                released: (*t).thread_pid.is_null(),
                exiting: flags & bindings::PF_EXITING != 0,
                group_exiting: signal_flags & bindings::SIGNAL_GROUP_EXIT != 0,
                has_children: !ptr::eq((*t).children.next, ptr::addr_of!((*t).children)),
            }
        }
    }

    /// Replaces `t`'s session with `new`; returns the old one, whose
    /// reference is now the caller's.
    ///
    /// The registry mutex must be held too (one registration at a time).
    pub(crate) fn replace_session(&self, t: &Task, new: ARef<Session>) -> Option<ARef<Session>> {
        from_slot(slot(t).xchg(ARef::into_raw(new).as_ptr(), Release))
    }
}

impl Drop for Tasklist {
    fn drop(&mut self) {
        // SAFETY: Held (type invariant), and released once.
        unsafe { bindings::audit_contid_tasklist_read_unlock() };
    }
}

/// A task's state as rule 4 ("exiting or gone") and rule 7 ("has children")
/// see it. Made only by [`Tasklist::facts`], so `released` is `task`'s.
pub(crate) struct TaskFacts<'a> {
    task: &'a Task,
    /// Released: no longer on any list (`!pid_alive()`).
    pub(crate) released: bool,
    /// The thread has started `do_exit()`.
    pub(crate) exiting: bool,
    /// The whole process is exiting (a fatal signal, `exit_group()`).
    pub(crate) group_exiting: bool,
    /// The thread has children of its own.
    pub(crate) has_children: bool,
}

impl TaskFacts<'_> {
    /// Rule 4: a target whose process cannot take a new container.
    pub(crate) fn gone(&self) -> bool {
        self.released || self.exiting || self.group_exiting
    }
}

/// Whether `t` is a thread of `writer`'s process, or a kernel thread (rule 3).
pub(crate) fn own_process_or_kthread(writer: &Task, t: &Task) -> bool {
    // Both are live, so their (global) thread group IDs are unique.
    writer.tgid() == t.tgid() || {
        // SAFETY: `t` is live; `PF_KTHREAD` is set before a kernel thread is
        // visible and never changes.
        unsafe { (*t.as_ptr()).flags & bindings::PF_KTHREAD != 0 }
    }
}

/// Calls `f` on every thread in the system, under the RCU read lock.
pub(crate) fn for_each_thread_in_system<F: FnMut(&Task, &rcu::Guard)>(mut f: F) {
    /// # Safety
    ///
    /// `arg` must be the `&mut F` passed below, `t` a thread the walk is on.
    unsafe extern "C" fn visit<F: FnMut(&Task, &rcu::Guard)>(
        t: *mut bindings::task_struct,
        arg: *mut c_void,
    ) {
        // SAFETY: `arg` is the `&mut F` borrowed for the walk; `t` is live
        // while the walk holds the RCU read lock, which a nested guard also
        // proves for the callback (nesting is allowed).
        let (f, t) = unsafe { (&mut *arg.cast::<F>(), &*t.cast::<Task>()) };
        f(t, &rcu::read_lock());
    }
    // SAFETY: The callback runs only during this call, while `f` is borrowed.
    unsafe { bindings::audit_contid_walk_threads(Some(visit::<F>), ptr::from_mut(&mut f).cast()) };
}
