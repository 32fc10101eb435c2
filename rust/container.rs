// SPDX-License-Identifier: GPL-2.0

//! Containers: one link of a chain each, counted, reaped in process context.
//!
//! Each arrow is one counted reference:
//! task slot → session → container → parent container → ...
//!
//! When a container's count reaches zero (on any path: a task's release under
//! `tasklist_lock` with interrupts off, an audit context's reset, a
//! registration, the reaper) it is
//! pushed on a lock-free stack and the reaper work item is queued; nothing else
//! happens there. The reaper, in process context, logs the container's end,
//! unlinks it from the registry, frees it after a grace period and releases
//! its parent, which may die and be reaped in turn: child before parent.

use core::ptr::{self, NonNull};

use kernel::{
    alloc::AllocError,
    bindings,
    prelude::*,
    sync::{
        aref::{ARef, AlwaysRefCounted},
        atomic::{Acquire, Atomic, Relaxed, Release},
        rcu, Refcount, SetOnce,
    },
    types::Opaque,
};

use crate::{
    audit,
    id::{Chain, ContainerId},
    netns,
    refcount::{self, Counted},
    registry,
    session::Session,
    slab::{KmemCache, SlabUninit},
};

/// A container.
///
/// # Invariants
///
/// - `refs` counts the sessions and child containers referring to it, and
///   transient `ARef`s. At zero it is on [`DEAD`] or being reaped.
/// - A `&Container` outside this module, the registry's and
///   [`netns`]'s always has a non-zero count, but for one: the packet path
///   borrows the containers of a network namespace's list under RCU
///   (`netns::each_listed`) and reads only their chains, which stay in
///   memory for the read-side section (a container is freed a grace period
///   after it is unlinked, its parent after it). The registry hands out
///   counted references only (`Registry::find` uses [`Container::get`]),
///   and dead containers travel as raw pointers (to the reaper, which hands
///   one to `netns::forget`).
/// - From creation until the reaper unlinks it, `node` links it into the
///   registry's tree (only touched with the registry mutex held); it is
///   freed an RCU grace period after that.
/// - `parent` holds one reference on the enclosing container until freed.
/// - `first` is the session that created the container, in the same
///   allocation: uninitialised until [`Session::first`] writes it, once, from
///   the [`NewContainer`] that only [`NewContainer::new`] hands out. Its memory
///   goes with the container's.
/// - Allocated from [`CONTAINERS`].
#[repr(C)]
pub(crate) struct Container {
    /// First, so that the tree's nodes are the containers themselves.
    node: Opaque<bindings::rb_node>,
    refs: Refcount,
    /// Child containers not yet reaped.
    children: Atomic<u32>,
    id: ContainerId,
    /// The summary of the chain ending here: the OR of its IDs'
    /// [`ContainerId::summary_bit`]s, so that a rule on another container
    /// is told apart without walking the chain.
    summary: u64,
    parent: Option<ARef<Container>>,
    /// The next container on [`DEAD`].
    next_dead: Atomic<*mut Container>,
    /// The network namespaces it is attributed to: the first link of its
    /// list, which only [`netns`] touches, with its mutex held.
    netns: Atomic<*mut netns::Link>,
    rcu: Opaque<bindings::kvfree_rcu_head>,
    /// The first session, so that a new container costs one allocation.
    first: Opaque<Session>,
}

/// A container just made, whose first session is not written yet: the one
/// value from which [`Session::first`] may write it.
///
/// # Invariants
///
/// Nobody has written the container's `first` session, and no other
/// `NewContainer` of the same container exists.
pub(crate) struct NewContainer(ARef<Container>);

impl core::ops::Deref for NewContainer {
    type Target = Container;

    fn deref(&self) -> &Container {
        &self.0
    }
}

impl NewContainer {
    /// A new container `id` inside `parent`, with one reference, for its
    /// first session. Made only by [`crate::registry::Registry::link`], which
    /// links it into the tree before the registry mutex is released.
    pub(crate) fn new(
        mem: SlabUninit<Container>,
        id: ContainerId,
        parent: Option<ARef<Container>>,
    ) -> Self {
        if let Some(p) = &parent {
            p.children.add(1, Relaxed);
        }
        // INVARIANT: One reference, returned; the parent reference is ours;
        // our caller links the node. The first session is left to the one
        // `NewContainer`.
        NewContainer(mem.write(Container {
            node: Opaque::uninit(),
            refs: Refcount::new(1),
            children: Atomic::new(0),
            id,
            summary: id.summary_bit() | parent.as_ref().map_or(0, |p| p.summary),
            parent,
            next_dead: Atomic::new(ptr::null_mut()),
            netns: Atomic::new(ptr::null_mut()),
            rcu: Opaque::uninit(),
            first: Opaque::uninit(),
        }))
    }

    /// The slot for the first session, and the reference it is to hold.
    pub(crate) fn into_parts(self) -> (*mut Session, ARef<Container>) {
        (self.0.first.get(), self.0)
    }
}

/// Where containers are allocated; set up by the module initialiser.
pub(crate) static CONTAINERS: SetOnce<KmemCache<Container>> = SetOnce::new();

impl Container {
    /// Memory for one container, from [`CONTAINERS`].
    pub(crate) fn alloc() -> Result<SlabUninit<Container>, AllocError> {
        CONTAINERS.as_ref().ok_or(AllocError)?.alloc()
    }

    /// Whether `s` is this container's first session (in its memory).
    pub(crate) fn is_first(&self, s: NonNull<Session>) -> bool {
        ptr::eq(self.first.get(), s.as_ptr())
    }

    pub(crate) fn id(&self) -> ContainerId {
        self.id
    }

    pub(crate) fn parent(&self) -> Option<&Container> {
        self.parent.as_deref()
    }

    pub(crate) fn children(&self) -> u32 {
        self.children.load(Relaxed)
    }

    /// The IDs of the chain ending here, innermost first.
    pub(crate) fn ids(&self) -> impl Iterator<Item = ContainerId> + '_ {
        core::iter::successors(Some(self), |c| c.parent()).map(Container::id)
    }

    /// Whether the chain ending here holds `id`, at any level.
    pub(crate) fn holds(&self, id: ContainerId) -> bool {
        self.summary & id.summary_bit() != 0 && self.ids().any(|c| c == id)
    }

    /// The chain ending here.
    pub(crate) fn chain(&self) -> Chain {
        Chain::from_innermost(self.ids())
    }

    /// A counted reference, unless the container is dying.
    pub(crate) fn get(&self) -> Option<ARef<Container>> {
        refcount::try_get(self)
    }

    /// Whether it is live (not dying), as of now: a hint, for counting.
    pub(crate) fn is_live(&self) -> bool {
        self.refs.as_atomic().load(Relaxed) != 0
    }

    /// The head of its list of network namespaces (see [`netns`]).
    pub(crate) fn netns_links(&self) -> &Atomic<*mut netns::Link> {
        &self.netns
    }

    /// The tree node inside the container: the first field of this
    /// `repr(C)` type, so a node's address is its container's.
    pub(crate) fn node(&self) -> *mut bindings::rb_node {
        self.node.get()
    }
}

// SAFETY: `refs` is the count `inc_ref`/`dec_ref` maintain, and a container
// stays in memory until the reaper frees it, after the count reached zero.
unsafe impl Counted for Container {
    fn refcount(&self) -> &Refcount {
        &self.refs
    }
}

// SAFETY: The count is a `refcount_t`, and a container whose count reaches
// zero is freed only by the reaper, a grace period after it is unlinked. No
// `&Container` with a zero count is reachable outside this module and the
// registry (type invariant), so `inc_ref` never revives a dying container.
unsafe impl AlwaysRefCounted for Container {
    fn inc_ref(&self) {
        self.refs.inc();
    }

    /// At zero, hands the container to the reaper: pushes it on [`DEAD`] and
    /// queues the work item. Takes no lock and never sleeps: callers include
    /// `release_task()`.
    unsafe fn dec_ref(obj: NonNull<Self>) {
        // The read-side section spans the count's fall to zero and the push:
        // a registration that finds the container dying waits one grace
        // period (`flush_reaper`), after which it is on `DEAD` and its
        // reaper queued.
        let _rcu = rcu::read_lock();
        // SAFETY: The caller gives up a reference, so `obj` is valid until the
        // count reaches zero. After that it is ours alone (look-ups use `get`,
        // which refuses it) and stays in memory until the reaper frees it,
        // which it does only after taking it from `DEAD`: it is touched here
        // until the exchange that pushes it succeeds, never after. Queueing
        // work is allowed in any context.
        unsafe {
            if !obj.as_ref().refs.dec_and_test() {
                return;
            }
            let mut head = DEAD.load(Relaxed);
            loop {
                obj.as_ref().next_dead.store(head, Relaxed);
                match DEAD.cmpxchg(head, obj.as_ptr(), Release) {
                    Ok(_) => break,
                    Err(now) => head = now,
                }
            }
            bindings::audit_contid_schedule_reap();
        }
    }
}

// SAFETY: Shared between tasks by design: the mutable fields are atomics, and
// `node` is only touched with the registry mutex held.
unsafe impl Send for Container {}
// SAFETY: As above.
unsafe impl Sync for Container {}

/// Dead containers waiting for the reaper, newest first (a Treiber stack:
/// pushed from any context, taken whole by the reaper, so no ABA). Pushed as
/// pointers: once pushed, the reaper may free a container at any time.
static DEAD: Atomic<*mut Container> = Atomic::new(ptr::null_mut());

/// Waits until every container that died so far has been reaped (logged,
/// or counted lost, and unlinked). Process context, never from the reaper
/// itself.
///
/// A container's count reaches zero a moment before it is pushed, inside
/// one RCU read-side section (`dec_ref`): one grace period lets every such
/// pusher finish, and the reaper it queued is then waited for. The reaper
/// itself never waits for the audit backlog, so this is bounded.
pub(crate) fn flush_reaper() {
    kernel::sync::rcu::synchronize_rcu();
    // SAFETY: Waits for our work item; we are in process context and not
    // the work item itself, as `flush_work()` requires.
    unsafe { bindings::audit_contid_flush_reap() };
}

/// The reaper: logs each dead container's end, unlinks and frees it, and
/// releases its parent.
///
/// # Safety
///
/// Called only by the reaper work item (audit_contid_glue.c), in process context.
#[export]
pub unsafe extern "C" fn audit_contid_reap() {
    loop {
        let mut next = DEAD.xchg(ptr::null_mut(), Acquire);
        if next.is_null() {
            return;
        }
        while let Some(p) = NonNull::new(next) {
            // SAFETY: A dead container belongs to the reaper alone: its count
            // is zero, so nothing gives it a new reference (look-ups use
            // `get`), it is still linked (so `unlink` may take it out), and
            // only the reaper frees it, here, after `forget` cleared every
            // network namespace's slot of it. Once it is logged and unlinked,
            // only RCU readers can still see it: its parent reference is read
            // out exactly once, and its memory freed after a grace period
            // (`kfree()` frees slab objects) without running its destructor.
            let parent = unsafe {
                let c = p.as_ref();
                next = c.next_dead.load(Relaxed);
                audit::log_destroy(&c.chain());
                registry::unlink(p);
                netns::forget(c);
                if let Some(parent) = c.parent() {
                    let _ = parent.children.fetch_sub(1, Relaxed);
                }
                let parent = ptr::read(&c.parent);
                bindings::kvfree_call_rcu(c.rcu.get(), p.as_ptr().cast());
                parent
            };
            drop(parent);
        }
    }
}
