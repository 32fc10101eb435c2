// SPDX-License-Identifier: GPL-2.0

//! Who signalled the audit daemon: the container of the last task that sent
//! auditd SIGTERM, SIGHUP, SIGUSR1 or SIGUSR2, for the `AUDIT_SIGNAL_INFO2`
//! request.
//!
//! kernel/audit.c keeps the sender's pid, uid and LSM label; this keeps one
//! counted reference on its container session, taken on the kill path
//! (no lock, no allocation, no sleep) and given up when auditd reads it or a
//! later signal replaces it.

use core::ptr::{self, NonNull};

use kernel::{
    ffi::c_char,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{Atomic, Full},
    },
};

use crate::{
    id::ChainText,
    session::{Session, SessionView},
    task,
};

/// The last sender's session, or null (a sender in no container, or read
/// already).
///
/// # Invariants
///
/// A non-null value owns one reference on its session; whoever exchanges it
/// out owns that reference.
static SENDER: Atomic<*mut Session> = Atomic::new(ptr::null_mut());

/// Puts `new` in [`SENDER`]; returns what it held.
fn exchange(new: Option<ARef<Session>>) -> Option<ARef<Session>> {
    let new = new.map_or(ptr::null_mut(), |s| ARef::into_raw(s).as_ptr());
    // INVARIANT: `new` owns the reference `into_raw` gave up.
    let old = SENDER.xchg(new, Full);
    // SAFETY: By the invariant of `SENDER`, a non-null `old` owns one
    // reference, which the exchange handed to us alone.
    NonNull::new(old).map(|p| unsafe { ARef::from_raw(p) })
}

/// Captures current's container session as the sender of a signal to auditd.
///
/// # Safety
///
/// Called from `audit_signal_info()` on the kill path, for current. Any
/// context a signal is sent from: dropping a session never sleeps.
#[export]
pub unsafe extern "C" fn audit_contid_sig_sender() {
    drop(exchange(task::session_ref(kernel::current!())));
}

/// Gives up the captured sender's session, writing its chain (outermost
/// first, as records print it, without a newline) to `buf` when `buf` is not
/// null. Returns the length written: 0 for no container.
///
/// # Safety
///
/// `buf` is null or valid for writes of `len` bytes for the call.
#[export]
pub unsafe extern "C" fn audit_contid_sig_sender_take(buf: *mut c_char, len: usize) -> usize {
    let Some(s) = exchange(None) else {
        return 0;
    };
    if buf.is_null() {
        return 0;
    }
    let text = ChainText::from_innermost(SessionView::new(&s).ids());
    let chain = text.as_str().as_bytes();
    if chain.len() > len {
        return 0;
    }
    // SAFETY: `buf` is valid for `len` bytes (the contract), no less than
    // `chain.len()`, and cannot overlap our stack copy.
    unsafe { ptr::copy_nonoverlapping(chain.as_ptr(), buf.cast::<u8>(), chain.len()) };
    chain.len()
}
