// SPDX-License-Identifier: GPL-2.0

//! Containers, sessions, and the registry of live containers.
//!
//! Ownership (each arrow is one counted reference):
//! task → session (one per task), session → container (one per session),
//! container → parent container (one per child). The registry holds none: a
//! container's count drops to zero only with [`REGISTRY`] held, and the
//! container leaves the registry in that same critical section, so anything
//! found in the registry has a non-zero count and may be given a new reference.
//!
//! Sessions and containers are freed after an RCU grace period, so readers
//! may follow task → session → container → parent under `rcu_read_lock()`
//! without taking any reference.
//!
//! Lock order: `tasklist_lock` → [`REGISTRY`]. Fork takes one reference and no
//! lock; exit takes [`REGISTRY`] only when a container dies.
//!
//! A container that dies leaves the registry at once (its ID is free again)
//! but goes on a dead list, keeping its memory and its parent reference, until
//! the reaper (a work item, process context) has logged its `op=destroy`
//! record; then its parent is released, which may kill the parent in turn.

use core::ptr::NonNull;

use kernel::{
    alloc::AllocError,
    bindings,
    prelude::*,
    rbtree::{Entry as TreeEntry, RBTree, RBTreeNodeReservation},
    sync::{
        atomic::{Atomic, Relaxed},
        global_lock, GlobalGuard, GlobalLockedBy,
    },
    types::Opaque,
};

use crate::{
    audit,
    id::{Chain, ChainText, ContainerId},
    rules::{self, Liveness, Op, Refusal},
    task::{current, session_of, set_session, TaskPtr, TasklistReadGuard},
};

/// Session number reported when a task is in no container.
pub(crate) const NO_SESSION: u32 = u32::MAX;

/// A `refcount_t`: saturating, with the kernel's underflow and overflow checks.
struct RefCount(Opaque<bindings::refcount_t>);

impl RefCount {
    fn new(n: u32) -> Self {
        // A task group or child count never comes near `i32::MAX`.
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        // SAFETY: FFI call that builds a value.
        RefCount(Opaque::new(unsafe { bindings::REFCOUNT_INIT(n) }))
    }

    fn inc(&self) {
        // SAFETY: `self.0` is a valid, initialised `refcount_t`.
        unsafe { bindings::refcount_inc(self.0.get()) }
    }

    fn dec_and_test(&self) -> bool {
        // SAFETY: `self.0` is a valid, initialised `refcount_t`.
        unsafe { bindings::refcount_dec_and_test(self.0.get()) }
    }

    /// Decrements unless the count is one; false means the caller holds the last reference.
    fn dec_not_one(&self) -> bool {
        // SAFETY: `self.0` is a valid, initialised `refcount_t`.
        unsafe { bindings::refcount_dec_not_one(self.0.get()) }
    }
}

/// A live container: one link of a chain.
pub(crate) struct Container {
    id: ContainerId,
    /// One reference on the enclosing container; `None` at top level.
    parent: Option<NonNull<Container>>,
    /// Sessions and child containers referring to this container.
    refs: RefCount,
    /// Live child containers. Written only with [`REGISTRY`] held.
    children: Atomic<u32>,
    /// Scratch for the debugfs task count. Used only with [`REGISTRY`] held.
    tasks: Atomic<u32>,
    /// The next container on the dead list.
    next_dead: GlobalLockedBy<Option<Entry>, REGISTRY>,
    rcu: Opaque<bindings::kvfree_rcu_head>,
}

/// A container session: the tasks that entered a container through one registration.
///
/// C knows it as the opaque `struct audit_contid_session` in `task_struct`.
pub(crate) struct Session {
    /// Tasks whose `audit_contid` points here.
    refs: RefCount,
    num: u32,
    /// One reference on the container.
    container: NonNull<Container>,
    rcu: Opaque<bindings::kvfree_rcu_head>,
}

/// A registry entry. Holds no reference (see the module documentation).
struct Entry(NonNull<Container>);

// SAFETY: Containers are shared between CPUs by design; their mutable fields
// are atomics or are only written under `REGISTRY`.
unsafe impl Send for Entry {}

pub(crate) struct Registry {
    /// Live containers by ID; `None` until [`init`].
    live: Option<RBTree<ContainerId, Entry>>,
    /// Dead containers waiting for the reaper, newest first.
    dead: Option<Entry>,
    next_session: u32,
}

global_lock! {
    // SAFETY: Initialised by `init()` from the module initialiser, before
    // userspace can open any proc file.
    pub(crate) unsafe(uninit) static REGISTRY: SpinLock<Registry> = Registry {
        live: None,
        dead: None,
        next_session: 1,
    };
}

type RegistryGuard = GlobalGuard<REGISTRY>;

/// Sets up the registry. Called once, from the module initialiser.
pub(crate) fn init() {
    // SAFETY: Called exactly once, before any other use of `REGISTRY`.
    unsafe { REGISTRY.init() };
    REGISTRY.lock().live = Some(RBTree::new());
}

/// Frees `p` (a `KBox` turned raw) after an RCU grace period.
///
/// # Safety
///
/// `p` must come from `KBox::into_raw`, `head` must point into `*p`, and
/// nothing may use `p` except RCU readers that started before this call.
unsafe fn free_after_grace_period<T>(p: NonNull<T>, head: *mut bindings::kvfree_rcu_head) {
    // SAFETY: Per the function's contract; `KBox` memory can be freed by `kvfree`.
    unsafe { bindings::kvfree_call_rcu(head, p.as_ptr().cast()) };
}

impl Container {
    /// # Safety
    ///
    /// `c` must be live: referenced, or reached under `rcu_read_lock()`.
    unsafe fn get<'a>(c: NonNull<Container>) -> &'a Container {
        // SAFETY: Per the function's contract, `c` is not freed before the caller's
        // reference or RCU read-side section ends.
        unsafe { c.as_ref() }
    }

    /// The IDs of the chain ending at `c`, innermost first.
    ///
    /// # Safety
    ///
    /// As for [`Container::get`]; parents live at least as long as their children.
    unsafe fn ids(c: Option<NonNull<Container>>) -> impl Iterator<Item = ContainerId> {
        // SAFETY: Per the function's contract.
        core::iter::successors(c, |c| unsafe { Container::get(*c) }.parent)
            // SAFETY: Per the function's contract.
            .map(|c| unsafe { Container::get(c) }.id)
    }

    /// The chain ending at `c`.
    ///
    /// # Safety
    ///
    /// As for [`Container::ids`].
    unsafe fn chain(c: Option<NonNull<Container>>) -> Chain {
        // SAFETY: Per the function's contract.
        Chain::from_innermost(unsafe { Container::ids(c) })
    }
}

/// The container of session `s`, if any.
///
/// # Safety
///
/// `s` must be null or live (referenced, or reached under `rcu_read_lock()`).
unsafe fn container_of(s: *mut Session) -> Option<NonNull<Container>> {
    // SAFETY: Per the function's contract.
    NonNull::new(s).map(|s| unsafe { s.as_ref() }.container)
}

/// Session `s`'s number, or [`NO_SESSION`] for null.
///
/// # Safety
///
/// As for [`container_of`].
pub(crate) unsafe fn session_num(s: *mut Session) -> u32 {
    // SAFETY: Per the function's contract.
    NonNull::new(s).map_or(NO_SESSION, |s| unsafe { s.as_ref() }.num)
}

/// Formats session `s`'s chain into `text`, straight from its containers.
///
/// # Safety
///
/// As for [`container_of`].
pub(crate) unsafe fn chain_text(s: *mut Session, text: &mut ChainText) {
    // SAFETY: Per the function's contract, and containers outlive their sessions.
    text.assign_from_innermost(unsafe { Container::ids(container_of(s)) });
}

/// Takes one more reference on `s` (a new task joins its creator's session).
///
/// # Safety
///
/// `s` must be null or a session the caller already holds a reference on.
pub(crate) unsafe fn session_get(s: *mut Session) {
    if let Some(s) = NonNull::new(s) {
        // SAFETY: Per the function's contract, `s` is live.
        unsafe { s.as_ref() }.refs.inc();
    }
}

/// Takes a reference on `s` unless its count already reached zero; returns
/// `s`, or null when `s` is null or dying.
///
/// # Safety
///
/// `s` must be null or valid, e.g. loaded under `rcu_read_lock()`.
pub(crate) unsafe fn session_tryget(s: *mut Session) -> *mut Session {
    let Some(nn) = NonNull::new(s) else {
        return s;
    };
    // SAFETY: Per the function's contract `s` is valid; its count is a `refcount_t`.
    if unsafe { bindings::audit_contid_refcount_inc_not_zero(nn.as_ref().refs.0.get()) } {
        s
    } else {
        core::ptr::null_mut()
    }
}

/// Drops one reference on `s`, freeing it and releasing its container when it was the last.
///
/// # Safety
///
/// `s` must be null or a session the caller holds a reference on, which it gives up.
pub(crate) unsafe fn session_put(s: *mut Session) {
    let Some(s) = NonNull::new(s) else { return };
    // SAFETY: Per the function's contract, `s` is live until this reference is dropped.
    let sref = unsafe { s.as_ref() };
    if sref.refs.dec_and_test() {
        let c = sref.container;
        // SAFETY: The last reference is gone; only RCU readers may still see `s`.
        unsafe { free_after_grace_period(s, sref.rcu.get()) };
        container_put(c);
    }
}

/// As [`session_put`], with [`REGISTRY`] already held.
///
/// # Safety
///
/// As for [`session_put`].
unsafe fn session_put_locked(s: *mut Session, reg: &mut RegistryGuard) {
    let Some(s) = NonNull::new(s) else { return };
    // SAFETY: Per the function's contract, `s` is live until this reference is dropped.
    let sref = unsafe { s.as_ref() };
    if sref.refs.dec_and_test() {
        let c = sref.container;
        // SAFETY: The last reference is gone; only RCU readers may still see `s`.
        unsafe { free_after_grace_period(s, sref.rcu.get()) };
        container_put_locked(c, reg);
    }
}

/// Drops one reference on `c`; takes [`REGISTRY`] only if it may be the last.
fn container_put(c: NonNull<Container>) {
    // SAFETY: The caller gives up a reference, so `c` is live until it is dropped.
    if unsafe { Container::get(c) }.refs.dec_not_one() {
        return;
    }
    let mut reg = REGISTRY.lock();
    container_put_locked(c, &mut reg);
}

/// Drops one reference on `c` with [`REGISTRY`] held. A container whose count
/// reaches zero leaves the registry and goes on the dead list for the reaper.
fn container_put_locked(c: NonNull<Container>, reg: &mut RegistryGuard) {
    // SAFETY: We hold a reference on `c`, given by the caller.
    let cref = unsafe { Container::get(c) };
    if !cref.refs.dec_and_test() {
        return;
    }
    if let Some(live) = reg.live.as_mut() {
        live.remove(&cref.id);
    }
    if let Some(p) = cref.parent {
        // SAFETY: The child's reference keeps the parent live.
        let _ = unsafe { Container::get(p) }.children.fetch_sub(1, Relaxed);
    }
    let head = reg.dead.take();
    *cref.next_dead.as_mut(reg) = head;
    reg.dead = Some(Entry(c));
    // SAFETY: FFI call; queueing work is allowed in any context.
    unsafe { bindings::audit_contid_schedule_reap() };
}

/// Whether a container with `id` is dead but not yet reaped, and whether one is live.
fn peek(id: ContainerId) -> (bool, bool) {
    let mut reg = REGISTRY.lock();
    let live = reg.live.as_ref().is_some_and(|l| l.get(&id).is_some());
    let mut next = reg.dead.as_ref().map(|e| e.0);
    while let Some(c) = next {
        // SAFETY: Dead containers stay allocated until reaped, which needs REGISTRY.
        let cref = unsafe { Container::get(c) };
        if cref.id == id {
            return (true, live);
        }
        next = cref.next_dead.as_mut(&mut reg).as_ref().map(|e| e.0);
    }
    (false, live)
}

/// Waits until every container that died so far has been reaped (logged).
pub(crate) fn flush_reaper() {
    // SAFETY: FFI call; called in process context, never from the reaper.
    unsafe { bindings::audit_contid_flush_reap() };
}

/// The reaper: logs each dead container's end, frees it, releases its parent.
///
/// # Safety
///
/// Called by the work item in audit_contid_glue.c, in process context.
#[export]
pub unsafe extern "C" fn audit_contid_reap() {
    loop {
        let c = {
            let mut reg = REGISTRY.lock();
            let Some(Entry(c)) = reg.dead.take() else {
                return;
            };
            // SAFETY: Dead containers stay allocated until freed below.
            let next = unsafe { Container::get(c) }
                .next_dead
                .as_mut(&mut reg)
                .take();
            reg.dead = next;
            c
        };
        // SAFETY: `c` is ours now; it still holds its parent, so the chain is live.
        let (chain, parent) = unsafe { (Container::chain(Some(c)), Container::get(c).parent) };
        audit::log_destroy(&chain);
        // SAFETY: Dead and unlisted: only RCU readers can still see `c`.
        unsafe { free_after_grace_period(c, Container::get(c).rcu.get()) };
        if let Some(p) = parent {
            container_put(p);
        }
    }
}

/// Why a registration did not happen.
pub(crate) enum RegisterError {
    /// A rule refused it.
    Refused(Refusal),
    /// Allocation failed.
    NoMemory,
    /// All session numbers have been used.
    Exhausted,
    /// The ID stopped being live between the first look and the locks, and a
    /// new container is needed after all (internal: `register` retries).
    Raced,
}

impl From<AllocError> for RegisterError {
    fn from(_: AllocError) -> Self {
        RegisterError::NoMemory
    }
}

/// What a registration saw and did, for its audit record.
pub(crate) struct Outcome {
    pub(crate) result: Result<Op, RegisterError>,
    pub(crate) writer_chain: Chain,
    pub(crate) old_chain: Chain,
    /// The new session, or [`NO_SESSION`].
    pub(crate) session: u32,
}

impl Outcome {
    pub(crate) const fn new() -> Self {
        Outcome {
            result: Err(RegisterError::NoMemory),
            writer_chain: Chain::EMPTY,
            old_chain: Chain::EMPTY,
            session: NO_SESSION,
        }
    }
}

/// Fills `out`'s chains with the writer's (current) and `target`'s, read under RCU.
///
/// # Safety
///
/// `target` must be a valid task.
pub(crate) unsafe fn read_chains(target: TaskPtr, out: &mut Outcome) {
    let _rcu = kernel::sync::rcu::read_lock();
    // SAFETY: Both tasks are valid; sessions are freed after a grace period,
    // and containers outlive their sessions.
    unsafe {
        out.writer_chain
            .assign_from_innermost(Container::ids(container_of(session_of(current()))));
        out.old_chain
            .assign_from_innermost(Container::ids(container_of(session_of(target))));
    }
}

/// Registers `target`'s whole process in container `id` under the caller's chain
/// (checks 4 to 9 of the contract; the caller has made checks 1 to 3).
/// The outcome is written into `out` (filled in place: chains are not small).
///
/// # Safety
///
/// `target` must be a valid task (the caller holds a reference on it).
pub(crate) unsafe fn register(target: TaskPtr, id: ContainerId, out: &mut Outcome) {
    // A container with this ID that died earlier is logged before this
    // registration is; other pending destroy records need not be waited for.
    let (dead, live) = peek(id);
    if dead {
        flush_reaper();
    }
    // Joining a live container needs no container or registry node.
    let mut need_container = !live;
    loop {
        // SAFETY: Per the function's contract.
        out.result = unsafe { register_locked(target, id, need_container, out) };
        match out.result {
            Err(RegisterError::Raced) => need_container = true,
            _ => break,
        }
    }
    if let Err(RegisterError::NoMemory) = out.result {
        // Failed before the locks showed the chains: read them for the record.
        // SAFETY: Per the function's contract.
        unsafe { read_chains(target, out) };
    }
}

/// # Safety
///
/// As for [`register`].
unsafe fn register_locked(
    target: TaskPtr,
    id: ContainerId,
    need_container: bool,
    out: &mut Outcome,
) -> Result<Op, RegisterError> {
    // Allocate first: nothing below may sleep.
    let session_box = KBox::<Session>::new_uninit(GFP_KERNEL)?;
    let fresh = if need_container {
        Some((
            KBox::<Container>::new_uninit(GFP_KERNEL)?,
            RBTreeNodeReservation::new(GFP_KERNEL).map_err(|_| RegisterError::NoMemory)?,
        ))
    } else {
        None
    };

    // Holding tasklist_lock excludes fork, new threads, exit-release and other
    // registrations' thread walks; REGISTRY excludes concurrent registrations
    // and container deaths.
    let tasklist = TasklistReadGuard::lock();
    let mut reg = REGISTRY.lock();

    // SAFETY: `target` is valid per the function's contract.
    let exiting = unsafe { tasklist.exiting(target) };
    // SAFETY: `current` is valid; its session is stable: only a registration
    // (excluded by REGISTRY) could replace it.
    let writer = unsafe { session_of(current()) };
    // SAFETY: `target` is valid; its session is stable under both locks.
    let old = unsafe { session_of(target) };
    // SAFETY: The writer's session is referenced by current, which is running.
    let writer_container = unsafe { container_of(writer) };
    // What the locks show is what the record reports; the rules read the
    // same chains, built once in place.
    // SAFETY: Both sessions are referenced by their tasks, which cannot be
    // released while tasklist_lock is held.
    unsafe {
        out.writer_chain
            .assign_from_innermost(Container::ids(writer_container));
        out.old_chain
            .assign_from_innermost(Container::ids(container_of(old)));
    }
    let mut has_children = false;
    let mut threads = 0u32;
    if !exiting {
        // SAFETY: `target` is valid and not released.
        unsafe {
            tasklist.for_each_thread(target, |t| {
                has_children |= tasklist.has_children(t);
                threads += 1;
            });
        }
    }
    let registry = &mut *reg;
    let live = registry.live.as_mut().ok_or(RegisterError::NoMemory)?;
    // One walk of the tree finds the ID or the place a new container goes.
    let slot = live.entry(id);
    let existing = match &slot {
        TreeEntry::Occupied(o) => Some(o.get().0),
        TreeEntry::Vacant(_) => None,
    };
    let liveness = match existing {
        None => Liveness::Free,
        // SAFETY: Containers in the registry are live while REGISTRY is held.
        Some(c) => Liveness::Live(unsafe { Container::get(c) }.parent.map(|p| {
            // SAFETY: A live container's parent is live.
            unsafe { Container::get(p) }.id
        })),
    };
    let facts = rules::Target {
        exiting,
        writer_chain: out.writer_chain.as_slice(),
        target_chain: out.old_chain.as_slice(),
        has_children,
        liveness,
    };
    let op = rules::check_target(&facts).map_err(RegisterError::Refused)?;

    if registry.next_session == NO_SESSION {
        return Err(RegisterError::Exhausted);
    }
    let container = match (slot, fresh) {
        (TreeEntry::Occupied(o), _) => {
            let c = o.get().0;
            // SAFETY: In the registry, hence live with a non-zero count.
            unsafe { Container::get(c) }.refs.inc();
            c
        }
        (TreeEntry::Vacant(v), Some((container_box, node))) => {
            if let Some(p) = writer_container {
                // SAFETY: The writer's session holds a reference on its container.
                let pref = unsafe { Container::get(p) };
                pref.refs.inc();
                let _ = pref.children.fetch_add(1, Relaxed);
            }
            let c = KBox::write(
                container_box,
                Container {
                    id,
                    parent: writer_container,
                    refs: RefCount::new(1),
                    children: Atomic::new(0),
                    tasks: Atomic::new(0),
                    next_dead: GlobalLockedBy::new(None),
                    rcu: Opaque::uninit(),
                },
            );
            // SAFETY: `KBox::into_raw` never returns null.
            let c = unsafe { NonNull::new_unchecked(KBox::into_raw(c)) };
            v.insert(Entry(c), node);
            c
        }
        // The ID stopped being live after `peek()`: allocate and retry.
        (TreeEntry::Vacant(_), None) => return Err(RegisterError::Raced),
    };
    let num = registry.next_session;
    registry.next_session += 1;

    let session = KBox::write(
        session_box,
        Session {
            refs: RefCount::new(threads),
            num,
            container,
            rcu: Opaque::uninit(),
        },
    );
    let session = KBox::into_raw(session);
    // SAFETY: `target` is valid and not exiting; tasklist_lock is held; each
    // thread receives one of the `threads` references and gives up its old one.
    unsafe {
        tasklist.for_each_thread(target, |t| {
            let old = session_of(t);
            set_session(t, session);
            session_put_locked(old, &mut reg);
        });
    }
    out.session = num;
    Ok(op)
}

/// Bytes the allocator really hands out for each object (its kmalloc bucket).
pub(crate) struct Footprint {
    pub(crate) container: usize,
    pub(crate) tree_node: usize,
    pub(crate) session: usize,
    pub(crate) per_task: usize,
}

/// What the allocator charges for a container, its registry node and a session.
pub(crate) fn footprint() -> Footprint {
    // The registry's node: an `rb_node` with our key and value, laid out as
    // `kernel::rbtree` lays out its private node type.
    #[allow(dead_code)]
    struct NodeLayout {
        links: bindings::rb_node,
        key: ContainerId,
        value: Entry,
    }
    // SAFETY: Pure functions of a size.
    let bucket = |size| unsafe { bindings::kmalloc_size_roundup(size) };
    Footprint {
        container: bucket(core::mem::size_of::<Container>()),
        tree_node: bucket(core::mem::size_of::<NodeLayout>()),
        session: bucket(core::mem::size_of::<Session>()),
        per_task: core::mem::size_of::<*mut Session>(),
    }
}

/// Calls `f` with each live container's chain, task count and child count.
pub(crate) fn for_each_container(mut f: impl FnMut(&Chain, u32, u32)) {
    // Containers whose children just died leave once those are reaped.
    flush_reaper();
    let reg = REGISTRY.lock();
    let Some(live) = reg.live.as_ref() else {
        return;
    };
    for e in live.values() {
        // SAFETY: Live while REGISTRY is held.
        unsafe { Container::get(e.0) }.tasks.store(0, Relaxed);
    }
    crate::task::for_each_thread_in_system(|t| {
        // SAFETY: `t` is valid under the RCU read lock held by the walk, and
        // sessions are freed only after a grace period. The container cannot
        // die meanwhile: that needs REGISTRY, which we hold.
        if let Some(c) = unsafe { container_of(session_of(t)) } {
            // SAFETY: As above.
            let _ = unsafe { Container::get(c) }.tasks.fetch_add(1, Relaxed);
        }
    });
    for e in live.values() {
        // SAFETY: Live while REGISTRY is held.
        let c = unsafe { Container::get(e.0) };
        // SAFETY: As above; parents outlive children.
        let chain = unsafe { Container::chain(Some(e.0)) };
        f(&chain, c.tasks.load(Relaxed), c.children.load(Relaxed));
    }
}
