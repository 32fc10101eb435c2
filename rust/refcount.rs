// SPDX-License-Identifier: GPL-2.0

//! Counted objects of this component, and what [`Refcount`] does not wrap yet.
//!
//! Containers and sessions are found without a reference of their own: in
//! the registry (which holds none) or through a task's slot under RCU. Such an
//! object may already be dying, and must then not be given a new reference:
//! [`try_get`] is the one way to turn such a borrow into an [`ARef`].

use core::ptr::NonNull;

use kernel::{
    bindings,
    sync::{
        aref::{ARef, AlwaysRefCounted},
        Refcount,
    },
};

/// An object whose [`AlwaysRefCounted`] count is a [`Refcount`] it exposes.
///
/// # Safety
///
/// `refcount()` must return the count that `inc_ref`/`dec_ref` maintain, the
/// object must stay in memory while that count is above zero, and every value
/// of the type must be built with a count of one (its fields private to its
/// module, whose constructor is the one place that builds it): that is the
/// reference [`crate::slab::SlabUninit::write`] hands out.
pub(crate) unsafe trait Counted: AlwaysRefCounted {
    fn refcount(&self) -> &Refcount;
}

/// A new counted reference on `obj`, unless its count already reached zero
/// (`refcount_inc_not_zero()`): then it is dying and may only be read until
/// its memory is reclaimed. Saturates and warns on overflow, as
/// [`Refcount::inc`] does.
pub(crate) fn try_get<T: Counted>(obj: &T) -> Option<ARef<T>> {
    // CAST: `Refcount` is a transparent wrapper of `Opaque<refcount_t>`,
    // which permits writes through a shared reference.
    let r = core::ptr::from_ref(obj.refcount())
        .cast_mut()
        .cast::<bindings::refcount_t>();
    // SAFETY: `r` is an initialised `refcount_t` borrowed with `obj`, which the
    // C function updates atomically. When it succeeds, the reference it took
    // is `obj`'s own count (per `Counted`), and it moves to the `ARef`.
    unsafe {
        bindings::audit_contid_refcount_inc_not_zero(r).then(|| ARef::from_raw(NonNull::from(obj)))
    }
}
