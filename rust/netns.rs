// SPDX-License-Identifier: GPL-2.0

//! Network namespaces and the containers whose tasks used them: what a
//! packet's `CONTAINER_ID` record lists, since a packet is logged in softirq
//! context with no task to ask.
//!
//! A container is attributed to a network namespace when it is registered
//! (the target's namespace) and when one of its tasks creates or enters
//! another ([`crate::namespaces`]); the namespace forgets it when the
//! container dies or the namespace is freed. A container that has left a
//! namespace stays listed there until then: the list over-approximates.
//!
//! Each namespace keeps its list in its `net_generic()` storage as chunks of
//! slots. Readers (the packet path) walk it under RCU with no lock; writers
//! hold [`NETS`] and only ever fill an empty slot, clear one, or publish a
//! new chunk in front, so a reader sees each slot either before or after.
//!
//! Lock order: [`NETS`] is taken alone (never with the registry mutex or
//! `tasklist_lock`), by registration, namespace changes, the reaper, the
//! debugfs listing and the namespace's exit, all in process context.

use core::ptr::{self, NonNull};

use kernel::{
    bindings,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{Acquire, Atomic, Relaxed, Release},
        global_lock, rcu,
    },
    task::Task,
    types::Opaque,
};

use crate::container::Container;

/// Slots in one chunk: with the link and the RCU head, 256 bytes.
const SLOTS: usize = 29;

/// Most containers a packet's record lists; more are counted, not named.
pub(crate) const MAX_LISTED: usize = 32;

/// One chunk of a namespace's list.
///
/// # Invariants
///
/// - `next` is written before the chunk is published and never changes.
/// - A non-null slot points to a container that is not freed yet: the
///   reaper clears every slot of a container ([`forget`]) before it frees it
///   an RCU grace period later.
/// - A published chunk is freed only an RCU grace period after its
///   namespace's exit unlinked it.
#[repr(C)]
struct Chunk {
    next: *mut Chunk,
    slots: [Atomic<*mut Container>; SLOTS],
    rcu: Opaque<bindings::kvfree_rcu_head>,
}

/// The namespaces whose list is not empty, so that the reaper finds every
/// slot of a dying container.
///
/// # Invariants
///
/// Each entry is a live namespace (its exit removes it first) whose list
/// holds at least one chunk; a chunk is published only while its namespace
/// is listed here.
pub(crate) struct Nets {
    nets: KVec<NonNull<bindings::net>>,
}

// SAFETY: The namespace pointers are only followed with the mutex held,
// from whichever task holds it; namespaces may be used from any task.
unsafe impl Send for Nets {}

global_lock! {
    // SAFETY: Initialised by `init()` from the module initialiser, before
    // any task can be registered or any namespace freed with our storage.
    pub(crate) unsafe(uninit) static NETS: Mutex<Nets> = Nets { nets: KVec::new() };
}

/// Sets the lists up: the mutex, then the per-namespace storage, whose exit
/// callback takes it. Called once, from the module initialiser.
pub(crate) fn init() -> Result {
    // SAFETY: Called exactly once, before any other use of `NETS`.
    unsafe { NETS.init() };
    // SAFETY: FFI call in process context, once.
    kernel::error::to_result(unsafe { bindings::audit_contid_net_register() })
}

/// The head of `net`'s list, as an atomic pointer.
fn head(net: &bindings::net) -> &Atomic<*mut Chunk> {
    // SAFETY: `net` is live for the borrow, and so is its `net_generic()`
    // storage, which is allocated with it (the component registers before
    // userspace runs) and freed after its exit. The field is an aligned
    // pointer, only ever accessed through this atomic view.
    unsafe {
        let storage = bindings::audit_contid_net(net);
        Atomic::from_ptr(ptr::addr_of_mut!((*storage).containers).cast::<*mut Chunk>())
    }
}

/// The chunks of a list, from `first`.
///
/// # Safety
///
/// The caller is inside an RCU read-side section or holds [`NETS`], for as
/// long as it uses the chunks.
unsafe fn chunks<'a>(first: *mut Chunk) -> impl Iterator<Item = &'a Chunk> {
    /// # Safety
    ///
    /// `p` is null or a chunk of a list, and the caller's promise holds.
    unsafe fn chunk<'a>(p: *mut Chunk) -> Option<&'a Chunk> {
        // SAFETY: Chunks are freed only a grace period after the namespace's
        // exit (which holds `NETS`) unlinked them, so a chunk reached from
        // the head or from another chunk (`next` never changes) stays in
        // memory for as long as the caller's promise holds.
        unsafe { p.as_ref() }
    }
    // SAFETY: `first` is the head of a list, and so is every `next`.
    core::iter::successors(unsafe { chunk(first) }, |c| {
        // SAFETY: As above.
        unsafe { chunk(c.next) }
    })
}

/// A counted reference on a network namespace.
///
/// # Invariants
///
/// `self.0` is a namespace we hold one reference on.
pub(crate) struct NetRef(NonNull<bindings::net>);

impl NetRef {
    /// `t`'s network namespace, unless it has none left (it is exiting).
    pub(crate) fn of_task(t: &Task) -> Option<NetRef> {
        // SAFETY: `t` is live; the C function takes the reference under
        // `task_lock()`.
        let net = unsafe { bindings::audit_contid_task_net(t.as_ptr()) };
        // INVARIANT: The reference it took is ours.
        NonNull::new(net).map(NetRef)
    }

    fn as_ref(&self) -> &bindings::net {
        // SAFETY: We hold a reference (type invariant), so it is live.
        unsafe { self.0.as_ref() }
    }
}

impl Drop for NetRef {
    fn drop(&mut self) {
        // SAFETY: We hold the reference (type invariant) and drop it once.
        unsafe { bindings::audit_contid_put_net(self.0.as_ptr()) };
    }
}

/// Attributes container `c` to `net`: from now on, packets logged there list
/// it, until it dies or `net` is freed. Without memory for a new chunk the
/// container is left out, with a warning.
pub(crate) fn attribute(c: &Container, net: &NetRef) {
    let mut nets = NETS.lock();
    let head = head(net.as_ref());
    let first = head.load(Relaxed);
    let want = ptr::from_ref(c).cast_mut();
    let mut empty = None;
    // SAFETY: `NETS` is held.
    for chunk in unsafe { chunks(first) } {
        for slot in &chunk.slots {
            let p = slot.load(Relaxed);
            if p == want {
                return;
            }
            if p.is_null() && empty.is_none() {
                empty = Some(slot);
            }
        }
    }
    // INVARIANT (`Chunk`): `c` is live (the caller holds a reference), and
    // the reaper clears this slot, under `NETS`, before it frees `c`.
    if let Some(slot) = empty {
        slot.store(want, Release);
        return;
    }
    if first.is_null() && nets.nets.push(net.0, GFP_KERNEL).is_err() {
        kernel::pr_warn_once!(
            "audit_contid: no memory to attribute a container to a network namespace\n"
        );
        return;
    }
    let chunk = KBox::new(
        Chunk {
            next: first,
            slots: [const { Atomic::new(ptr::null_mut()) }; SLOTS],
            rcu: Opaque::uninit(),
        },
        GFP_KERNEL,
    );
    let Ok(chunk) = chunk else {
        if first.is_null() {
            let _ = nets.nets.pop();
        }
        kernel::pr_warn_once!(
            "audit_contid: no memory to attribute a container to a network namespace\n"
        );
        return;
    };
    chunk.slots[0].store(want, Relaxed);
    // INVARIANT (`Nets`): `net` is listed; the chunk is complete before the
    // release store publishes it.
    head.store(KBox::into_raw(chunk), Release);
}

/// Clears every slot of a dying container, before the reaper frees it.
pub(crate) fn forget(c: NonNull<Container>) {
    let nets = NETS.lock();
    for net in &nets.nets {
        // SAFETY: A listed namespace is live (type invariant of `Nets`),
        // and `NETS` is held for the walk.
        for chunk in unsafe { chunks(head(net.as_ref()).load(Relaxed)) } {
            for slot in &chunk.slots {
                if slot.load(Relaxed) == c.as_ptr() {
                    slot.store(ptr::null_mut(), Release);
                }
            }
        }
    }
}

/// Forgets a network namespace being freed (its `pernet_operations` exit).
///
/// # Safety
///
/// Called once per namespace by the networking core, in process context,
/// with `net` still live and no task left in it.
#[export]
pub unsafe extern "C" fn audit_contid_net_exit(net: *mut bindings::net) {
    let mut nets = NETS.lock();
    // SAFETY: Per the function's contract.
    let first = head(unsafe { &*net }).xchg(ptr::null_mut(), Acquire);
    nets.nets.retain(|n| n.as_ptr() != net);
    let mut next = first;
    while let Some(chunk) = NonNull::new(next) {
        // SAFETY: The chunks were published by `attribute` from `KBox`es
        // (kmalloc memory, which `kfree()` frees) and are unlinked now; only
        // readers that began before can still see them, and the memory goes
        // after a grace period. `Chunk` has nothing to drop.
        unsafe {
            next = chunk.as_ref().next;
            bindings::kvfree_call_rcu(chunk.as_ref().rcu.get(), chunk.as_ptr().cast());
        }
    }
}

/// The live containers attributed to `net`, as counted references in
/// `out`, at most [`MAX_LISTED`]: how many there are in `out`, and how many
/// more live ones did not fit. Under RCU, with no lock: any context.
pub(crate) fn present(
    net: &bindings::net,
    out: &mut [Option<ARef<Container>>; MAX_LISTED],
) -> (usize, usize) {
    let rcu = rcu::read_lock();
    let (mut n, mut more) = (0, 0);
    // SAFETY: Inside the read-side section `rcu`, for the whole walk.
    for chunk in unsafe { chunks(head(net).load(Acquire)) } {
        for slot in &chunk.slots {
            // SAFETY: A non-null slot is a container not yet freed (type
            // invariant of `Chunk`), and it stays in memory at least until
            // `rcu` ends: the reaper clears the slot before it queues the
            // container's freeing after a grace period.
            let Some(c) = (unsafe { slot.load(Acquire).as_ref() }) else {
                continue;
            };
            // A dying container has no task left: it is not listed.
            let Some(c) = c.get() else {
                continue;
            };
            if n < MAX_LISTED {
                out[n] = Some(c);
                n += 1;
            } else {
                more += 1;
            }
        }
    }
    drop(rcu);
    (n, more)
}

/// Calls `f` with the nsfs inode of every namespace `c` is attributed to.
pub(crate) fn namespaces_of(c: &Container, mut f: impl FnMut(u32)) {
    let nets = NETS.lock();
    let want = ptr::from_ref(c).cast_mut();
    for net in &nets.nets {
        // SAFETY: As in `forget`.
        let listed = unsafe { chunks(head(net.as_ref()).load(Relaxed)) }
            .any(|chunk| chunk.slots.iter().any(|s| s.load(Relaxed) == want));
        if listed {
            // SAFETY: Live (type invariant of `Nets`).
            f(unsafe { bindings::audit_contid_net_inum(net.as_ptr()) });
        }
    }
}
