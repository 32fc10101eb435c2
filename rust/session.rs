// SPDX-License-Identifier: GPL-2.0

//! Container sessions: the tasks that entered a container through one registration.

use core::ptr::{self, NonNull};

use kernel::{
    alloc::AllocError,
    bindings,
    prelude::*,
    sync::{
        aref::{ARef, AlwaysRefCounted},
        Refcount,
    },
    types::Opaque,
};

use crate::{
    container::{Container, NewContainer},
    id::ContainerId,
    refcount::{self, Counted},
    slab::{self, KmemCache},
};

/// Session number of a task in no container.
pub(crate) const NO_SESSION: u32 = u32::MAX;

/// The session number after `n`: numbers wrap like the kernel's own
/// `sessionid` and never take [`NO_SESSION`], so registration never runs out.
pub(crate) const fn next_session_number(n: u32) -> u32 {
    match n.wrapping_add(1) {
        NO_SESSION => 0,
        next => next,
    }
}

/// A container session. C knows it as the opaque `struct audit_contid_session`
/// a task's `audit_contid` points to.
///
/// # Invariants
///
/// - `refs` counts the task slots and `ARef`s pointing here; at zero the
///   session is freed an RCU grace period later.
/// - The session holds one reference on `container` until it is freed.
/// - Allocated from [`SESSIONS`], or the first session of `container`, in
///   its memory ([`Container::is_first`]), which is freed with it.
pub(crate) struct Session {
    refs: Refcount,
    num: u32,
    container: ARef<Container>,
    rcu: Opaque<bindings::kvfree_rcu_head>,
}

/// Where sessions are allocated; set up by the module initialiser.
pub(crate) static SESSIONS: kernel::sync::SetOnce<KmemCache<Session>> =
    kernel::sync::SetOnce::new();

impl Session {
    /// Starts session `num` in `container`, with one reference.
    pub(crate) fn new(
        mem: slab::SlabUninit<Session>,
        num: u32,
        container: ARef<Container>,
    ) -> ARef<Session> {
        // INVARIANT: One reference, returned; the container reference is ours.
        mem.write(Session {
            refs: Refcount::new(1),
            num,
            container,
            rcu: Opaque::uninit(),
        })
    }

    /// Starts session `num` as the first of a new container, in the
    /// container's own memory, with one reference.
    pub(crate) fn first(new: NewContainer, num: u32) -> ARef<Session> {
        let (slot, container) = new.into_parts();
        // SAFETY: `slot` is the container's `first` session, valid for writes
        // as long as the container (we hold a reference, which moves into the
        // session), never written before and by nobody else (the
        // `NewContainer` invariant; we consumed it). Once written, the one
        // reference it starts with is the returned `ARef`'s.
        // INVARIANT: As in `new`; its memory is the container's.
        unsafe {
            slot.write(Session {
                refs: Refcount::new(1),
                num,
                container,
                rcu: Opaque::uninit(),
            });
            ARef::from_raw(NonNull::new_unchecked(slot))
        }
    }

    /// Its number.
    pub(crate) fn num(&self) -> u32 {
        self.num
    }

    /// Its container (referenced for as long as the session lives).
    pub(crate) fn container(&self) -> &Container {
        &self.container
    }

    /// Memory for one session, from [`SESSIONS`].
    pub(crate) fn alloc() -> Result<slab::SlabUninit<Session>, AllocError> {
        SESSIONS.as_ref().ok_or(AllocError)?.alloc()
    }
}

// SAFETY: The count is a `refcount_t` (so it is atomic and saturating), and
// `dec_ref` frees the session only after an RCU grace period once it is zero.
unsafe impl AlwaysRefCounted for Session {
    fn inc_ref(&self) {
        self.refs.inc();
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference, so `obj` is valid until the
        // count reaches zero. Then the last reference is gone, and only RCU
        // readers that began earlier can still see the session: the container
        // reference is read out exactly once, and the memory freed after a
        // grace period (`kfree()` frees slab objects) without dropping it. A
        // container's first session is not freed here: its memory is the
        // container's, freed by the reaper a grace period after the container
        // reference read out here, its last, is dropped.
        let container = unsafe {
            let s = obj.as_ref();
            if !s.refs.dec_and_test() {
                return;
            }
            let container = ptr::read(&s.container);
            if !container.is_first(obj) {
                bindings::kvfree_call_rcu(s.rcu.get(), obj.as_ptr().cast());
            }
            container
        };
        // Readers still inside the session see a container that is freed after
        // a later grace period than the session (see `container::reap`).
        drop(container);
    }
}

// SAFETY: `refs` is the count `inc_ref`/`dec_ref` maintain, and a session
// stays in memory until a grace period after it reached zero.
unsafe impl Counted for Session {
    fn refcount(&self) -> &Refcount {
        &self.refs
    }
}

// SAFETY: Shared between tasks by design: the count is atomic and the other
// fields never change after construction.
unsafe impl Send for Session {}
// SAFETY: As above.
unsafe impl Sync for Session {}

/// A session read under RCU, possibly dying: its number and chain can be
/// read, but a counted reference only through [`SessionView::get`].
///
/// # Invariants
///
/// The session's memory stays valid for `'a` (an RCU read-side section).
#[derive(Clone, Copy)]
pub(crate) struct SessionView<'a>(&'a Session);

impl<'a> SessionView<'a> {
    /// Wraps a session that stays in memory for `'a`.
    pub(crate) fn new(s: &'a Session) -> Self {
        SessionView(s)
    }

    pub(crate) fn num(self) -> u32 {
        self.0.num
    }

    /// The IDs of its chain, innermost first.
    pub(crate) fn ids(self) -> impl Iterator<Item = ContainerId> + 'a {
        // Containers are freed a grace period after their last session (see
        // `Session::dec_ref`), so they outlive this view too.
        self.0.container.ids()
    }

    /// Whether its chain holds `id`, at any level.
    pub(crate) fn holds(self, id: ContainerId) -> bool {
        // As in `ids`: the containers outlive the view.
        self.0.container.holds(id)
    }

    /// A counted reference to its container, unless that is dying (it is
    /// not while the session is referenced, as a task's slot does).
    pub(crate) fn container(self) -> Option<ARef<Container>> {
        self.0.container.get()
    }

    /// The address of its container, to compare with others (never followed).
    pub(crate) fn container_addr(self) -> usize {
        core::ptr::from_ref::<Container>(&self.0.container) as usize
    }

    /// A counted reference, unless the session is already dying.
    pub(crate) fn get(self) -> Option<ARef<Session>> {
        refcount::try_get(self.0)
    }
}

#[cfg(CONFIG_AUDIT_CONTAINERID_KUNIT_TEST)]
#[kernel::macros::kunit_tests(audit_contid_session)]
mod tests {
    use super::*;

    #[test]
    fn numbers_count_up_from_one() {
        // Documentation/admin-guide/audit-containerid.rst: "Numbers come
        // from one counter, starting at 1". Boot-time KUnit runs after the
        // component's initialiser and before userspace, so no registration
        // has taken a number yet. Assert with the lock released (a failed
        // assertion ends the test where it stands).
        let first = crate::registry::REGISTRY.lock().peek_next_session();
        assert_eq!(first, 1);
        assert_eq!(next_session_number(1), 2);
        assert_eq!(next_session_number(41), 42);
    }

    #[test]
    fn numbers_wrap_past_unset_to_zero() {
        // Documentation/security/audit-containerid.rst: after 4294967294
        // comes 0; 4294967295 means "no session" and is never handed out.
        assert_eq!(next_session_number(4_294_967_294), 0);
        assert_eq!(next_session_number(0), 1);
    }

    #[test]
    fn unset_is_never_a_next_number() {
        let mut n = 4_294_967_290u32;
        for _ in 0..10 {
            n = next_session_number(n);
            assert_ne!(n, NO_SESSION);
        }
    }
}
