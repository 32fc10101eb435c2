// SPDX-License-Identifier: GPL-2.0

//! The registry: every container from its creation until it is reaped, by ID.
//!
//! A red-black tree linked through each container's own node (so creating a
//! container is one allocation), under one mutex, [`REGISTRY`]. The registry
//! holds no reference: a container found here may be dying (count zero, not
//! yet reaped), so look-ups take a reference with [`Container::get`], which
//! refuses those. Who takes the mutex: registration, the reaper and the
//! debugfs listing, all in process context. Never the fork or exit paths.
//!
//! Lock order: [`REGISTRY`] → `tasklist_lock`.

use core::{
    cmp::Ordering,
    ptr::{self, NonNull},
};

use kernel::{
    bindings,
    prelude::*,
    sync::{aref::ARef, global_lock},
};

use crate::{
    container::{Container, NewContainer},
    id::ContainerId,
    session,
    slab::SlabUninit,
};

/// The tree and the session counter.
///
/// # Invariants
///
/// Every node in `root` is the `node` of a container that is not yet freed:
/// the reaper unlinks a container (with the mutex held) before freeing it.
pub(crate) struct Registry {
    root: bindings::rb_root,
    /// The next session number.
    next_session: u32,
    /// Changes whenever the tree does, so that a [`Place`] is never stale.
    generation: u64,
}

// SAFETY: The tree's raw pointers are only followed with the mutex held, from
// whichever task holds it; the containers themselves are `Sync`.
unsafe impl Send for Registry {}

global_lock! {
    // SAFETY: Initialised by `init()` from the module initialiser, before
    // userspace can open a proc file of ours.
    pub(crate) unsafe(uninit) static REGISTRY: Mutex<Registry> = Registry {
        root: bindings::rb_root { rb_node: ptr::null_mut() },
        next_session: 1,
        generation: 0,
    };
}

/// Sets the registry up. Called once, from the module initialiser.
pub(crate) fn init() {
    // SAFETY: Called exactly once, before any other use of `REGISTRY`.
    unsafe { REGISTRY.init() };
}

/// Where a container with a given ID would be linked, as of one generation.
pub(crate) struct Place {
    parent: *mut bindings::rb_node,
    link: *mut *mut bindings::rb_node,
    generation: u64,
}

impl Registry {
    /// A counted reference to the live container with `id` (`Ok(None)`
    /// while one with that ID is dying, not yet reaped), or where a new one
    /// would go: one walk from the root. No `&Container` of a dying container
    /// leaves this module.
    pub(crate) fn find(&mut self, id: ContainerId) -> Result<Option<ARef<Container>>, Place> {
        let mut parent = ptr::null_mut();
        let mut link = ptr::addr_of_mut!(self.root.rb_node);
        // SAFETY: Every node in the tree belongs to a container that is not
        // freed while it is linked (type invariant), and nothing relinks nodes
        // while we hold the mutex (`&mut self`). A node is the first field of
        // its `repr(C)` container, so the casts give the containers.
        unsafe {
            while !(*link).is_null() {
                parent = *link;
                let c = &*parent.cast::<Container>();
                link = match id.cmp(&c.id()) {
                    Ordering::Less => ptr::addr_of_mut!((*parent).rb_left),
                    Ordering::Greater => ptr::addr_of_mut!((*parent).rb_right),
                    Ordering::Equal => return Ok(c.get()),
                };
            }
        }
        Err(Place {
            parent,
            link,
            generation: self.generation,
        })
    }

    /// Makes container `id` inside `parent` in `mem` and links it at
    /// `place`, found for `id`. `None` if the ID was taken since (cannot
    /// happen while the mutex is held from `find` to here, as registration
    /// does): nothing is made then.
    pub(crate) fn link(
        &mut self,
        place: Place,
        mem: SlabUninit<Container>,
        id: ContainerId,
        parent: Option<ARef<Container>>,
    ) -> Option<NewContainer> {
        let place = if place.generation == self.generation {
            place
        } else {
            self.find(id).err()?
        };
        let c = NewContainer::new(mem, id, parent);
        self.generation = self.generation.wrapping_add(1);
        // INVARIANT: `c` is linked before the mutex is released, and stays in
        // memory until the reaper unlinks it.
        // SAFETY: `place` was found in this generation of the tree, so its
        // pointers are the current parent and the empty link for `id`; `c`
        // was just made, so its node is not linked anywhere yet.
        unsafe {
            bindings::rb_link_node(c.node(), place.parent, place.link);
            bindings::rb_insert_color(c.node(), &mut self.root);
        }
        Some(c)
    }

    /// The session number the next registration will take (for tests).
    #[cfg(CONFIG_AUDIT_CONTAINERID_KUNIT_TEST)]
    pub(crate) fn peek_next_session(&self) -> u32 {
        self.next_session
    }

    /// Takes the next session number.
    pub(crate) fn next_session(&mut self) -> u32 {
        let n = self.next_session;
        self.next_session = session::next_session_number(n);
        n
    }

    /// Counted references to every live container, for the listing.
    pub(crate) fn live(&self) -> Result<KVec<ARef<Container>>> {
        let mut out = KVec::new();
        let mut node: *mut bindings::rb_node = ptr::null_mut();
        loop {
            // SAFETY: As in `find`: `node` is null (the start) or a linked
            // node; `rb_first`/`rb_next` only follow the links.
            let c = unsafe {
                node = if node.is_null() {
                    bindings::rb_first(&self.root)
                } else {
                    bindings::rb_next(node)
                };
                node.cast::<Container>().as_ref()
            };
            let Some(c) = c else {
                return Ok(out);
            };
            if let Some(c) = c.get() {
                out.push(c, GFP_KERNEL)?;
            }
        }
    }
}

/// Unlinks a dead container (the reaper, after logging its end).
///
/// # Safety
///
/// `c` must be a container whose count reached zero, handed to the reaper,
/// and not unlinked yet: every container is linked from its creation
/// (`Registry::link`) until then.
pub(crate) unsafe fn unlink(c: NonNull<Container>) {
    let mut reg = REGISTRY.lock();
    reg.generation = reg.generation.wrapping_add(1);
    // SAFETY: Per the function's contract `c` is linked in this tree, and we
    // hold the mutex.
    unsafe { bindings::rb_erase(c.as_ref().node(), &mut reg.root) };
}
