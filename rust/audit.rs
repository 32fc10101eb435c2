// SPDX-License-Identifier: GPL-2.0

//! Audit records: `CONTAINER_OP` (1020) for registrations and container ends,
//! `CONTAINER_ID` (1340) naming the container of an event's subject or target.
//!
//! Formats follow the audit subsystem's conventions: `key=value`, the chain as
//! read from procfs, `unset` for none, the writer's task info, `res=` last.

use core::fmt::{self, Write};

use kernel::{
    bindings,
    ffi::{c_char, c_int},
    prelude::*,
    sync::{
        atomic::{atomic_load, Relaxed},
        rcu,
    },
};

use crate::{
    id::{Chain, ChainText, ContainerId, UUID_LEN},
    registry::{self, Session},
    rules::Op,
    task::{self, TaskPtr},
};

/// `AUDIT_CONTAINER_OP`, from the uapi header.
const CONTAINER_OP: i32 = bindings::AUDIT_CONTAINER_OP as i32;
/// `AUDIT_CONTAINER_ID`, from the uapi header.
const CONTAINER_ID: i32 = bindings::AUDIT_CONTAINER_ID as i32;

fn audit_enabled() -> bool {
    // SAFETY: `audit_enabled` is a valid, aligned global word; like every
    // reader in kernel/audit.c we tolerate a concurrent change (READ_ONCE).
    unsafe { atomic_load(&raw mut bindings::audit_enabled, Relaxed) != 0 }
}

/// A NUL-terminated text buffer on the stack, filled with `write!`.
struct Text<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    fn new() -> Self {
        Text {
            buf: [0; N],
            len: 0,
        }
    }

    fn as_ptr(&self) -> *const c_char {
        self.buf.as_ptr().cast()
    }
}

impl<const N: usize> Write for Text<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Keep room for the terminating NUL.
        let end = self.len + s.len();
        if end >= N {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// An audit record being built; ended (and queued) when dropped.
struct Record(*mut bindings::audit_buffer);

impl Record {
    /// Starts a record in the event of `ctx` (null: an event of its own).
    fn start(ctx: *mut bindings::audit_context, gfp: bindings::gfp_t, ty: i32) -> Option<Self> {
        // SAFETY: `ctx` is null or the caller's own audit context.
        let ab = unsafe { bindings::audit_log_start(ctx, gfp, ty) };
        (!ab.is_null()).then_some(Record(ab))
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from `audit_log_start` and is ended once.
        unsafe { bindings::audit_log_end(self.0) };
    }
}

/// Appends `t` to the record `ab`.
fn append<const N: usize>(ab: &Record, t: &Text<N>) {
    // SAFETY: `ab` is a live record; `t` is NUL-terminated and "%s" takes one string.
    unsafe { bindings::audit_log_format(ab.0, c"%s".as_char_ptr(), t.as_ptr()) };
}

/// The `contid=<chain> contsession=<n>` body of a `CONTAINER_ID` record.
///
/// This runs for every audited event of a contained task: the chain is
/// formatted straight from the containers and handed to the record in one
/// `audit_log_format()` call.
fn log_container_id(ctx: *mut bindings::audit_context, opid: Option<i32>, s: *mut Session) {
    let mut text = ChainText::blank();
    let num = {
        let _rcu = rcu::read_lock();
        // SAFETY: `s` is referenced by the caller (a task's own slot, or a
        // captured reference) and sessions are freed after a grace period.
        unsafe {
            registry::chain_text(s, &mut text);
            registry::session_num(s)
        }
    };
    if num == registry::NO_SESSION {
        return;
    }
    let Some(ab) = Record::start(ctx, bindings::GFP_KERNEL, CONTAINER_ID) else {
        return;
    };
    let chain = text.as_str();
    // At most `MAX_CHAIN_TEXT` bytes.
    let len = c_int::try_from(chain.len()).unwrap_or(0);
    let ptr = chain.as_ptr().cast::<c_char>();
    // SAFETY: `ab` is a live record; each conversion has its argument of
    // the right type, and "%.*s" reads `len` bytes of `chain`.
    unsafe {
        match opid {
            Some(pid) => bindings::audit_log_format(
                ab.0,
                c"opid=%d contid=%.*s contsession=%u".as_char_ptr(),
                pid,
                len,
                ptr,
                num,
            ),
            None => bindings::audit_log_format(
                ab.0,
                c"contid=%.*s contsession=%u".as_char_ptr(),
                len,
                ptr,
                num,
            ),
        }
    }
}

/// Adds current's `CONTAINER_ID` record to its syscall event.
///
/// # Safety
///
/// Called from `audit_log_exit()` with current's audit context.
#[export]
pub unsafe extern "C" fn audit_contid_log_exit(ctx: *mut bindings::audit_context) {
    // SAFETY: current's own slot; its session cannot be freed while current
    // runs in it except by a registration, and readers use RCU.
    let s = unsafe { task::session_of(task::current()) };
    if !s.is_null() {
        log_container_id(ctx, None, s);
    }
}

/// The audit context a user message of current's should join.
///
/// # Safety
///
/// Called in process context from the audit netlink receive path.
#[export]
pub unsafe extern "C" fn audit_contid_event_context() -> *mut bindings::audit_context {
    let cur = task::current();
    // SAFETY: `cur` is current; the pointer is only compared with null.
    if unsafe { task::session_of(cur) }.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: current's own audit context field.
    unsafe { (*cur).audit_context }
}

fn ref_slot(r: *mut bindings::audit_contid_ref) -> *mut *mut Session {
    // SAFETY: Callers pass a valid reference structure; only its address is taken.
    unsafe { core::ptr::addr_of_mut!((*r).session) }.cast()
}

/// Captures `t`'s session in `r` (an event's target), dropping what `r` held.
///
/// # Safety
///
/// `r` must be valid and owned by the caller's audit context; `t` a valid task.
#[export]
pub unsafe extern "C" fn audit_contid_ref_set(
    r: *mut bindings::audit_contid_ref,
    t: *mut bindings::task_struct,
) {
    let slot = ref_slot(r);
    let new = {
        let _rcu = rcu::read_lock();
        // SAFETY: `t` is valid; under RCU its session, if any, is not freed.
        // A session whose count already reached zero is not taken.
        unsafe { registry::session_tryget(task::session_of(t)) }
    };
    // SAFETY: `slot` is the caller's; it owns the reference it holds.
    unsafe {
        let old = core::ptr::replace(slot, new);
        registry::session_put(old);
    }
}

/// Drops the references in `refs[..n]`.
///
/// # Safety
///
/// `refs` must point to `n` valid reference structures owned by the caller.
#[export]
pub unsafe extern "C" fn audit_contid_refs_put(refs: *mut bindings::audit_contid_ref, n: i32) {
    for i in 0..usize::try_from(n).unwrap_or(0) {
        // SAFETY: `i < n`, per the function's contract.
        let slot = ref_slot(unsafe { refs.add(i) });
        // SAFETY: The slot owns its reference, which moves to us.
        unsafe { registry::session_put(core::ptr::replace(slot, core::ptr::null_mut())) };
    }
}

/// Logs the `CONTAINER_ID` record of an event's target, after its `OBJ_PID`.
///
/// # Safety
///
/// `ctx` is the event's audit context and `r` a valid captured reference.
#[export]
pub unsafe extern "C" fn audit_contid_log_target(
    ctx: *mut bindings::audit_context,
    pid: bindings::pid_t,
    r: *mut bindings::audit_contid_ref,
) {
    // SAFETY: The reference keeps the session alive until the context is reset.
    let s = unsafe { *ref_slot(r) };
    if !s.is_null() {
        log_container_id(ctx, Some(pid), s);
    }
}

/// What a registration attempt asked for and what it did, for `CONTAINER_OP`.
pub(crate) struct Attempt<'a> {
    pub(crate) target: TaskPtr,
    /// The requested ID, if the write held one.
    pub(crate) id: Option<ContainerId>,
    /// The writer's chain, if the attempt got far enough to know it.
    pub(crate) writer_chain: Option<&'a Chain>,
    pub(crate) old_chain: &'a Chain,
    /// `None` for a failed attempt.
    pub(crate) op: Option<Op>,
    pub(crate) session: u32,
}

/// Logs a registration attempt (audit enabled only; any rule or none).
pub(crate) fn log_registration(a: &Attempt<'_>) {
    if !audit_enabled() {
        return;
    }
    // SAFETY: current's own audit context field.
    let ctx = unsafe { (*task::current()).audit_context };
    let Some(ab) = Record::start(ctx, bindings::GFP_KERNEL, CONTAINER_OP) else {
        return;
    };
    let op = match a.op {
        Some(op) => op,
        None if a.writer_chain.is_some_and(|c| !c.as_slice().is_empty()) => Op::Nest,
        None => Op::Set,
    };
    let mut t = Text::<{ 3 * crate::id::MAX_CHAIN_TEXT + 512 }>::new();
    // SAFETY: `a.target` is valid (the proc file holds a reference).
    let opid = unsafe { (*a.target).tgid };
    let _ = write!(t, "op={} opid={opid} contid=", op.name());
    let _ = match (a.writer_chain, a.id) {
        (_, None) => write!(t, "?"),
        (None, Some(id)) => write!(t, "{}", ChainText::new(&[id]).as_str()),
        (Some(w), Some(id)) => {
            if !w.as_slice().is_empty() {
                let _ = write!(t, "{}/", ChainText::new(w.as_slice()).as_str());
            }
            let mut uuid = [0u8; UUID_LEN];
            id.format_uuid(&mut uuid);
            write!(t, "{}", core::str::from_utf8(&uuid).unwrap_or("?"))
        }
    };
    let old = ChainText::new(a.old_chain.as_slice());
    let old = if a.old_chain.as_slice().is_empty() {
        "unset"
    } else {
        old.as_str()
    };
    let mut ns = [0u32; bindings::AUDIT_CONTID_NR_NS as usize];
    // SAFETY: `a.target` is valid; `ns` has the documented length.
    unsafe { bindings::audit_contid_ns_inums(a.target, ns.as_mut_ptr()) };
    // SAFETY: FFI call without preconditions.
    let dev = unsafe { bindings::audit_contid_nsfs_dev() };
    let _ = write!(
        t,
        " old-contid={old} contsession={} nsdev={}:{} mntns={} utsns={} ipcns={} pidns={} \
         netns={} userns={} cgroupns={} timens={} ",
        a.session,
        dev >> 20,
        dev & 0xfffff,
        ns[0],
        ns[1],
        ns[2],
        ns[3],
        ns[4],
        ns[5],
        ns[6],
        ns[7],
    );
    append(&ab, &t);
    // SAFETY: `ab` is a live record; this appends current's task information.
    unsafe { bindings::audit_log_task_info(ab.0) };
    let mut res = Text::<16>::new();
    let _ = write!(res, " res={}", u8::from(a.op.is_some()));
    append(&ab, &res);
}

/// Logs the end of a container.
pub(crate) fn log_destroy(chain: &Chain) {
    if !audit_enabled() {
        return;
    }
    let Some(ab) = Record::start(core::ptr::null_mut(), bindings::GFP_KERNEL, CONTAINER_OP) else {
        return;
    };
    let mut t = Text::<{ crate::id::MAX_CHAIN_TEXT + 64 }>::new();
    let _ = write!(
        t,
        "op=destroy contid={} res=1",
        ChainText::new(chain.as_slice()).as_str()
    );
    append(&ab, &t);
}
