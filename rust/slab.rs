// SPDX-License-Identifier: GPL-2.0

//! A slab cache of one Rust type.
//!
//! Objects are freed with `kvfree_call_rcu()` (an RCU grace period after
//! their last reference): `kfree()`, which it ends in, frees objects of any
//! slab cache.
//!
//! Containers and sessions are allocated on every registration: a dedicated
//! cache takes the slab allocator's fast path directly, where `KBox` goes
//! through `krealloc()`. The 7.3 kernel crate has no such abstraction.

use core::{marker::PhantomData, mem::MaybeUninit, ptr::NonNull};

use kernel::{alloc::AllocError, bindings, prelude::*, sync::aref::ARef};

use crate::refcount::Counted;

/// A `struct kmem_cache` whose objects are `T`s.
///
/// # Invariants
///
/// `cache` points to a cache created for objects of `size_of::<T>()` bytes
/// aligned for `T`. It is never destroyed: the component is built in (a
/// destroy would first need `kvfree_rcu_barrier()` for objects freed with
/// `kvfree_call_rcu()`).
pub(crate) struct KmemCache<T> {
    cache: NonNull<bindings::kmem_cache>,
    /// The object size the cache reports (`kmem_cache_size()`): `T`'s size
    /// rounded up to its alignment; the slab's own slot may add metadata.
    object_size: usize,
    _type: PhantomData<T>,
}

// SAFETY: A slab cache may be used from any CPU and any task; it only hands
// out memory, so sharing it says nothing about the `T`s themselves.
unsafe impl<T> Send for KmemCache<T> {}
// SAFETY: As above.
unsafe impl<T> Sync for KmemCache<T> {}

impl<T: 'static> KmemCache<T> {
    /// Creates the cache, named `name` in /proc/slabinfo.
    pub(crate) fn new(name: &'static CStr) -> Result<Self> {
        let size = u32::try_from(core::mem::size_of::<T>())?;
        let align = u32::try_from(core::mem::align_of::<T>())?;
        // SAFETY: `name` is a NUL-terminated string that lives forever, as a
        // cache's name must; a cache just created (non-null) is live.
        let (cache, object_size) = unsafe {
            let cache = bindings::audit_contid_cache_create(name.as_char_ptr(), size, align);
            let cache = NonNull::new(cache).ok_or(ENOMEM)?;
            (cache, bindings::kmem_cache_size(cache.as_ptr()) as usize)
        };
        // INVARIANT: Created for `T`'s size and alignment just above.
        Ok(KmemCache {
            cache,
            object_size,
            _type: PhantomData,
        })
    }

    /// Allocates one object, not yet initialised; may sleep.
    pub(crate) fn alloc(&'static self) -> Result<SlabUninit<T>, AllocError> {
        // SAFETY: `self.cache` is a live cache (type invariant); GFP_KERNEL
        // because callers run in process context with no lock that forbids
        // sleeping.
        let p =
            unsafe { bindings::kmem_cache_alloc_noprof(self.cache.as_ptr(), bindings::GFP_KERNEL) };
        // INVARIANT: A fresh object of `self`, owned by nobody else.
        Ok(SlabUninit {
            ptr: NonNull::new(p.cast::<MaybeUninit<T>>()).ok_or(AllocError)?,
            cache: self,
        })
    }

    /// The object size the cache reports (see the field).
    pub(crate) fn object_size(&self) -> usize {
        self.object_size
    }
}

/// An object of a [`KmemCache`] that is not initialised yet; freed if dropped.
///
/// # Invariants
///
/// `ptr` is an object of `cache`, owned by this value alone.
pub(crate) struct SlabUninit<T: 'static> {
    ptr: NonNull<MaybeUninit<T>>,
    cache: &'static KmemCache<T>,
}

impl<T: Counted + 'static> SlabUninit<T> {
    /// Initialises the object with `value`, whose count must be one: that
    /// reference is the returned `ARef`'s.
    pub(crate) fn write(self, value: T) -> ARef<T> {
        let p = core::mem::ManuallyDrop::new(self).ptr;
        // SAFETY: `p` is valid for writes and owned by us alone (type
        // invariant), and `MaybeUninit<T>` has `T`'s layout. Constructors
        // start the count at one (see `NewContainer::new`, `Session::new`), and
        // that reference moves to the `ARef`.
        unsafe {
            (*p.as_ptr()).write(value);
            ARef::from_raw(p.cast())
        }
    }
}

impl<T: 'static> Drop for SlabUninit<T> {
    fn drop(&mut self) {
        // SAFETY: The object belongs to `self.cache` and to nobody else (type
        // invariant); it was never initialised, so nothing needs dropping.
        unsafe { bindings::kmem_cache_free(self.cache.cache.as_ptr(), self.ptr.as_ptr().cast()) };
    }
}
