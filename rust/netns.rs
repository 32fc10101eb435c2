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
//! Each attribution is one [`Link`], on two lists: its namespace's, whose
//! head and length are in the namespace's `net_generic()` storage and which
//! the packet path reads under RCU with no lock, and its container's, which
//! only writers walk. A namespace's list holds the newest attribution
//! first, and its length is kept where it changes, so a packet reads the
//! first [`MAX_LISTED`] links and nothing past them: no reference, no sort,
//! no count per packet, whatever the number of containers.
//!
//! Writers hold [`NETS`], a spinlock held only to link or unlink (memory is
//! allocated before it is taken): attributing walks the container's list
//! (its namespaces, a handful) and links at the head; a container's death
//! walks its own list.
//!
//! Lock order: [`NETS`] is taken alone (never with the registry mutex or
//! `tasklist_lock`), by registration, namespace changes, the reaper, the
//! debugfs listing and a namespace's exit, all in process context.

use core::ptr::{self, NonNull};

use kernel::{
    alloc::Flags,
    bindings,
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Relaxed, Release},
        global_lock, rcu,
    },
    task::Task,
    types::Opaque,
};

use crate::container::Container;

/// Most containers a packet's record lists; more are counted, not named.
pub(crate) const MAX_LISTED: usize = 32;

/// One container attributed to one network namespace.
///
/// # Invariants
///
/// - From [`attribute`] until [`forget`] or the namespace's exit unlinks it
///   (with [`NETS`] held), it is on its namespace's list (`next`, and
///   `pprev`: the pointer that points to it) and on its container's
///   (`next_of_container`); it is freed an RCU grace period after that.
/// - `container` is not freed while the link is linked: the reaper calls
///   [`forget`] before it frees a container, a grace period later.
/// - `net` is live while the link is linked: the namespace's exit unlinks
///   its links first.
/// - `pprev` and `next_of_container` are only touched with [`NETS`] held.
/// - `net_id` is the namespace's ID, never reused: it tells namespaces apart
///   where a pointer could be reused after a namespace is freed.
pub(crate) struct Link {
    next: Atomic<*mut Link>,
    pprev: Atomic<*mut Atomic<*mut Link>>,
    next_of_container: Atomic<*mut Link>,
    container: NonNull<Container>,
    net: NonNull<bindings::net>,
    net_id: u64,
    rcu: Opaque<bindings::kvfree_rcu_head>,
}

// SAFETY: Shared between CPUs by design: the fields that change are atomics
// (changed only with `NETS` held), the pointers are to objects that may be
// used from any task, and a link is freed only after a grace period.
unsafe impl Send for Link {}
// SAFETY: As above.
unsafe impl Sync for Link {}

impl Link {
    /// Its container, which stays in memory at least while `self` is
    /// borrowed: under RCU, or with [`NETS`] held (type invariants).
    fn container(&self) -> &Container {
        // SAFETY: Not freed while the link is reachable (type invariant):
        // readers reach it under RCU, writers with `NETS` held.
        unsafe { self.container.as_ref() }
    }
}

/// The writers' lock: what it guards are the links' list pointers and the
/// lists' lengths.
pub(crate) struct Nets(());

global_lock! {
    // SAFETY: Initialised by `init()` from the module initialiser, before
    // any task can be registered or any namespace freed with our storage.
    pub(crate) unsafe(uninit) static NETS: SpinLock<Nets> = Nets(());
}

/// Whether every network namespace has our storage: set once, after the
/// registration of our `pernet_operations` succeeded.
static READY: Atomic<bool> = Atomic::new(false);

/// Sets the lists up: the mutex, then the per-namespace storage, whose exit
/// callback takes it. Called once, from the module initialiser.
pub(crate) fn init() -> Result {
    // SAFETY: Called exactly once, before any other use of `NETS`.
    unsafe { NETS.init() };
    // SAFETY: Registers our `pernet_operations`, once, from the module
    // initialiser (process context), as `register_pernet_subsys()` requires.
    kernel::error::to_result(unsafe { bindings::audit_contid_net_register() })?;
    READY.store(true, Release);
    Ok(())
}

/// A network namespace.
///
/// # Invariants
///
/// Live for as long as it is borrowed.
#[repr(transparent)]
pub(crate) struct Net(Opaque<bindings::net>);

impl Net {
    /// The namespace at `p`.
    ///
    /// # Safety
    ///
    /// `p` is a namespace that stays live for `'a`.
    pub(crate) unsafe fn from_raw<'a>(p: *const bindings::net) -> &'a Net {
        // SAFETY: Per the function's contract; `Net` is a transparent
        // wrapper of `Opaque<net>`, which has its layout.
        unsafe { &*p.cast::<Net>() }
    }

    fn as_ptr(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// The head of its list and the list's length, unless our storage is
    /// not set up (the registration of our `pernet_operations` failed or is
    /// under way).
    fn list(&self) -> Option<(&Atomic<*mut Link>, &Atomic<u32>)> {
        if !READY.load(Acquire) {
            return None;
        }
        // SAFETY: The namespace is live (type invariant), and so is its
        // `net_generic()` storage, which every namespace has once our
        // registration succeeded (checked above) and which is freed only
        // after its exit. The fields are an aligned pointer and an aligned
        // `unsigned int`, only ever accessed through these atomic views.
        unsafe {
            let storage = bindings::audit_contid_net(self.as_ptr());
            if storage.is_null() {
                return None;
            }
            Some((
                Atomic::from_ptr(ptr::addr_of_mut!((*storage).containers).cast::<*mut Link>()),
                Atomic::from_ptr(ptr::addr_of_mut!((*storage).count)),
            ))
        }
    }

    /// Its namespace ID (`ns_common.ns_id`).
    fn id(&self) -> u64 {
        // SAFETY: Live (type invariant).
        unsafe { bindings::audit_contid_net_ns_id(self.as_ptr()) }
    }
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
}

impl core::ops::Deref for NetRef {
    type Target = Net;

    fn deref(&self) -> &Net {
        // SAFETY: We hold a reference (type invariant), so it stays live
        // for as long as `self` is borrowed.
        unsafe { Net::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for NetRef {
    fn drop(&mut self) {
        // SAFETY: We hold the reference (type invariant) and drop it once.
        unsafe { bindings::audit_contid_put_net(self.0.as_ptr()) };
    }
}

/// The links of a list, from `first` on, following `next` (a namespace's
/// list) or `next_of_container` (`of_container`).
///
/// # Safety
///
/// `first` is the head of such a list, read inside the read-side section or
/// the critical section that `'a` is the borrow of.
unsafe fn walk<'a>(first: *mut Link, of_container: bool) -> impl Iterator<Item = &'a Link> {
    // SAFETY: Links are freed only a grace period after they are unlinked,
    // with `NETS` held, and `next` pointers of a link reached under RCU stay
    // valid meanwhile (type invariants of `Link`); per the caller's promise.
    let first = unsafe { first.as_ref() };
    core::iter::successors(first, move |l| {
        let next = if of_container {
            l.next_of_container.load(Relaxed)
        } else {
            l.next.load(Acquire)
        };
        // SAFETY: As above: the next link of a reachable link is reachable.
        unsafe { next.as_ref() }
    })
}

/// The links of `net`'s list, under RCU.
fn links<'a>(net: &Net, _rcu: &'a rcu::Guard) -> impl Iterator<Item = &'a Link> {
    let first = net.list().map_or(ptr::null_mut(), |(h, _)| h.load(Acquire));
    // SAFETY: The head is read inside the read-side section `_rcu`.
    unsafe { walk(first, false) }
}

/// The links of container `c`, with [`NETS`] held.
fn links_of<'a>(c: &Container, _nets: &'a Nets) -> impl Iterator<Item = &'a Link> {
    // SAFETY: `_nets` proves `NETS` held for `'a` (it is only reachable
    // through the mutex's guard).
    unsafe { walk(c.netns_links().load(Relaxed), true) }
}

/// Attributes container `c` to `net`: from now on, packets logged there list
/// it, until it dies or `net` is freed. Without memory the container is left
/// out, with a warning. Process context; allocates only for a namespace the
/// container is not attributed to yet, before taking the lock, with `flags`.
/// The newest attribution goes first.
pub(crate) fn attribute(c: &Container, net: &Net, flags: Flags) {
    let net_id = net.id();
    let attributed = |nets: &Nets| links_of(c, nets).any(|l| l.net_id == net_id);
    if is_attributed(c, net_id) {
        return;
    }
    let link = KBox::new(
        Link {
            next: Atomic::new(ptr::null_mut()),
            pprev: Atomic::new(ptr::null_mut()),
            next_of_container: Atomic::new(ptr::null_mut()),
            container: NonNull::from(c),
            // SAFETY: A reference points to a live namespace.
            net: unsafe { NonNull::new_unchecked(net.as_ptr()) },
            net_id,
            rcu: Opaque::uninit(),
        },
        flags,
    );
    let Ok(link) = link else {
        kernel::pr_warn_once!(
            "audit_contid: no memory to attribute a container to a network namespace\n"
        );
        return;
    };
    let nets = NETS.lock();
    let Some((head, count)) = net.list() else {
        return;
    };
    if attributed(&nets) {
        return;
    }
    let first = head.load(Relaxed);
    link.next.store(first, Relaxed);
    link.pprev.store(ptr::from_ref(head).cast_mut(), Relaxed);
    link.next_of_container
        .store(c.netns_links().load(Relaxed), Relaxed);
    let link = KBox::into_raw(link);
    // INVARIANT (`Link`): linked on both lists with `NETS` held; `c` is
    // live (the caller holds a reference) and `net` too (the caller's).
    // SAFETY: `link` was just made and is ours; `first` is null or a link
    // of the namespace's list (`NETS` is held, so it stays linked), whose
    // `pprev` now points to the new link's `next`. The release store
    // publishes the link, complete, to readers.
    unsafe {
        if let Some(first) = first.as_ref() {
            first.pprev.store(ptr::addr_of_mut!((*link).next), Relaxed);
        }
        c.netns_links().store(link, Relaxed);
        head.store(link, Release);
    }
    count.store(count.load(Relaxed) + 1, Relaxed);
    drop(nets);
}

/// Whether `c` is attributed to the namespace whose ID is `net_id`. A
/// container with no namespace yet (a new one) needs no look.
fn is_attributed(c: &Container, net_id: u64) -> bool {
    !c.netns_links().load(Relaxed).is_null()
        && links_of(c, &NETS.lock()).any(|l| l.net_id == net_id)
}

/// Attributes container `c` to `t`'s network namespace (see [`attribute`]),
/// taking a reference on the namespace only if there is something to do.
pub(crate) fn attribute_task(c: &Container, t: &Task, flags: Flags) {
    // SAFETY: `t` is live; the C function reads its namespace's ID under
    // `task_lock()`.
    let net_id = unsafe { bindings::audit_contid_task_net_id(t.as_ptr()) };
    if net_id == 0 || is_attributed(c, net_id) {
        return;
    }
    if let Some(net) = NetRef::of_task(t) {
        attribute(c, &net, flags);
    }
}

/// Takes `l` off its namespace's list, whose length is `count`.
///
/// # Safety
///
/// `l` is linked there, and [`NETS`] is held.
unsafe fn unlink_from_net(l: &Link, count: &Atomic<u32>) {
    let next = l.next.load(Relaxed);
    // SAFETY: While `l` is linked, `pprev` points to the head or to the
    // previous link's `next`, and `next` is null or a linked link: `NETS`
    // (held) keeps them so. Readers that are on `l` still find its `next`.
    unsafe {
        (*l.pprev.load(Relaxed)).store(next, Release);
        if let Some(next) = next.as_ref() {
            next.pprev.store(l.pprev.load(Relaxed), Relaxed);
        }
    }
    count.store(count.load(Relaxed).saturating_sub(1), Relaxed);
}

/// Frees an unlinked link after a grace period.
///
/// # Safety
///
/// `l` is off both lists, and nothing else frees it.
unsafe fn free(l: &Link) {
    let p = ptr::from_ref(l).cast_mut();
    // SAFETY: Made by `KBox` (kmalloc memory, which `kfree()` frees), with
    // nothing to drop; readers that began before it was unlinked may still
    // see it until the grace period ends.
    unsafe { bindings::kvfree_call_rcu(l.rcu.get(), p.cast()) };
}

/// Unlinks and frees every link of a dying container, before the reaper
/// frees it.
pub(crate) fn forget(c: &Container) {
    let nets = NETS.lock();
    let first = c.netns_links().xchg(ptr::null_mut(), Relaxed);
    // SAFETY: `first` is the head of `c`'s list, read with `NETS` held.
    for l in unsafe { walk(first, true) } {
        // SAFETY: A linked link's namespace is live (type invariant), and
        // `NETS` keeps the link linked until we unlink it here.
        let net = unsafe { Net::from_raw(l.net.as_ptr()) };
        let Some((_, count)) = net.list() else {
            continue;
        };
        // SAFETY: Linked on its namespace's list, `NETS` held; it is off
        // `c`'s list (emptied above, and the walk has read its next) and
        // freed once.
        unsafe {
            unlink_from_net(l, count);
            free(l);
        }
    }
    drop(nets);
}

/// Forgets a network namespace being freed (its `pernet_operations` exit).
///
/// # Safety
///
/// Called once per namespace by the networking core, in process context,
/// with `net` still live and no task left in it.
#[export]
pub unsafe extern "C" fn audit_contid_net_exit(net: *mut bindings::net) {
    let nets = NETS.lock();
    // SAFETY: The networking core passes a namespace that is live for the
    // call.
    let net = unsafe { Net::from_raw(net) };
    let Some((head, count)) = net.list() else {
        return;
    };
    let first = head.xchg(ptr::null_mut(), Relaxed);
    count.store(0, Relaxed);
    // SAFETY: `first` is the head of the namespace's list, read with `NETS`
    // held.
    for l in unsafe { walk(first, false) } {
        // Off its container's list too: find what points to it there.
        let mut at = l.container().netns_links();
        loop {
            let p = at.load(Relaxed);
            if ptr::eq(p, l) {
                at.store(l.next_of_container.load(Relaxed), Relaxed);
                break;
            }
            // SAFETY: `p` is null or a link of the container's list, `NETS`
            // held; `l` is on that list (type invariant), so the walk ends
            // there before reaching the end.
            let Some(p) = (unsafe { p.as_ref() }) else {
                break;
            };
            at = &p.next_of_container;
        }
        // SAFETY: Off both lists now (the namespace's head was emptied and
        // the walk has read its next), and freed once.
        unsafe { free(l) };
    }
    drop(nets);
}

/// Calls `f` with the first [`MAX_LISTED`] live containers attributed to
/// `net`, in the list's order (newest attribution first), until `f` returns
/// `false`;
/// returns how many links it passed, live or not, and the list's length.
/// Under RCU, with no lock and no reference: any context. A container that
/// is dying (no task left) is not listed. `f` may read a container's chain
/// only: its memory stays while `_rcu` is held (the reaper frees it a grace
/// period after it unlinks it, and its parents after it).
pub(crate) fn each_listed(
    net: &Net,
    rcu: &rcu::Guard,
    mut f: impl FnMut(&Container) -> bool,
) -> (usize, usize) {
    let Some((_, count)) = net.list() else {
        return (0, 0);
    };
    let total = count.load(Relaxed) as usize;
    let (mut listed, mut passed) = (0, 0);
    for l in links(net, rcu) {
        if listed == MAX_LISTED {
            break;
        }
        let c = l.container();
        if c.is_live() {
            if !f(c) {
                break;
            }
            listed += 1;
        }
        passed += 1;
    }
    (passed, total)
}

/// Calls `f` with the ID of every network namespace `c` is attributed to.
pub(crate) fn namespaces_of(c: &Container, mut f: impl FnMut(u64)) {
    let nets = NETS.lock();
    for l in links_of(c, &nets) {
        f(l.net_id);
    }
}
