// SPDX-License-Identifier: GPL-2.0

//! Audit records: `CONTAINER_OP` (1341) for registrations and container ends,
//! `CONTAINER_ID` (1340) naming the container of an event's subject or target.
//!
//! Every record follows the grammar of the admin guide: `key=value` with
//! single spaces, the chain as read from procfs, `unset` the one placeholder
//! for no value, `old-<name>=` before `<name>=` for a change, namespace IDs,
//! the subject only in a record that stands alone, `res=` last.
//!
//! A `CONTAINER_ID` record is an auxiliary record in the buffer of the record
//! it describes (`audit_buffer_aux_new()`): same timestamp, serial and
//! rate-limit decision, so audit userspace reads it inside that event. It follows a `SYSCALL` or `OBJ_PID`
//! record and precedes a user message, which userspace takes as the end of
//! its event.

use core::{
    marker::PhantomData,
    ptr::{self, NonNull},
};

use kernel::{
    bindings,
    ffi::c_char,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{atomic_load, Relaxed},
        rcu,
    },
    task::Task,
};

use crate::{
    id::{Chain, ChainText, ContainerId, MAX_CHAIN_TEXT, UUID_LEN},
    namespaces::{self, Ids},
    netns,
    rules::Op,
    session::{Session, SessionView},
    task,
};

/// `AUDIT_CONTAINER_OP`, from the uapi header.
const CONTAINER_OP: i32 = bindings::AUDIT_CONTAINER_OP as i32;
/// `AUDIT_CONTAINER_ID`, from the uapi header.
const CONTAINER_ID: i32 = bindings::AUDIT_CONTAINER_ID as i32;

/// A text buffer on the stack.
pub(crate) struct Text<const N: usize> {
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

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Appends `bytes` as they are; what does not fit is cut (the last byte
    /// stays a NUL).
    fn push(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(N - 1 - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    /// Appends `v` in decimal, without going through `core::fmt` (this runs
    /// for every audited event of a contained task).
    fn push_decimal(&mut self, v: u64) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut v = v;
        loop {
            at -= 1;
            digits[at] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.push(&digits[at..]);
    }
}

/// What to write into an audit buffer.
enum Part<'a> {
    /// Text, as it is.
    Text(&'a [u8]),
    /// The calling task's identity (`ppid=`, `pid=`, ..., `exe=`).
    TaskInfo,
}

/// An audit record being built, by us or by the C code that lends it.
///
/// # Invariants
///
/// `ab` is a live buffer from `audit_log_start()`, not ended during `'a`.
struct Buffer<'a> {
    ab: NonNull<bindings::audit_buffer>,
    _lent: PhantomData<&'a mut bindings::audit_buffer>,
}

impl Buffer<'_> {
    /// Writes `part` into the record: whether it was written whole (a text
    /// that the record could not grow for is not written at all).
    fn write(&self, part: Part<'_>) -> bool {
        let ab = self.ab.as_ptr();
        // SAFETY: The buffer is live (type invariant) and used by one task at
        // a time, as audit buffers are. `audit_log_n_raw()` copies `len`
        // bytes of `text`, which we formatted from trusted fields; the task
        // info describes current, which is running.
        unsafe {
            match part {
                Part::Text(text) => {
                    bindings::audit_log_n_raw(ab, text.as_ptr().cast::<c_char>(), text.len()) == 0
                }
                Part::TaskInfo => {
                    bindings::audit_log_task_info(ab);
                    true
                }
            }
        }
    }
}

impl Buffer<'_> {
    /// Adds an auxiliary record of type `ty` to the buffer's event, after
    /// its record or (`first`) before it, whose text `fill` writes through
    /// the buffer it is given. Nothing if the record cannot be had (audit
    /// counts it as lost). The aux record and its event are queued or lost
    /// together (one rate-limit decision in `audit_log_end()`).
    fn aux(&self, ty: i32, first: bool, fill: impl FnOnce(&Self)) {
        let ab = self.ab.as_ptr();
        // SAFETY: The buffer is live (type invariant) and ours for the call;
        // on success its writes go to the new aux record until `aux_end`.
        if unsafe { bindings::audit_buffer_aux_new(ab, ty, first) } != 0 {
            return;
        }
        fill(self);
        // SAFETY: As above; back to the main record.
        unsafe { bindings::audit_buffer_aux_end(ab) };
    }
}

/// The buffer a C caller lends to one of our `#[export]`s, if not null.
///
/// The caller's contract: `ab` is null or a live buffer from
/// `audit_log_start()` that it ends only after the call.
fn lent<'a>(ab: *mut bindings::audit_buffer) -> Option<Buffer<'a>> {
    // INVARIANT: Per the caller's contract, for the call (`'a`).
    NonNull::new(ab).map(|ab| Buffer {
        ab,
        _lent: PhantomData,
    })
}

/// An audit record we started; ended (and queued) when dropped.
///
/// # Invariants
///
/// `self.0`'s buffer is ended only by `drop`.
struct Record(Buffer<'static>);

impl Record {
    /// Starts a record in the event of current's syscall (`in_syscall`) or
    /// in an event of its own. With `always`, even when no rule asks for it,
    /// but only while audit is enabled (as the kernel logs a `loginuid`
    /// change). With `wait`, it may wait for room in the audit backlog;
    /// without, a record that finds no room is counted lost (and its memory
    /// comes from `GFP_ATOMIC`, which never sleeps but may use reserves).
    fn start(in_syscall: bool, ty: i32, always: bool, wait: bool) -> Option<Self> {
        let current = kernel::current!();
        // SAFETY: `audit_enabled` is a valid, aligned global word that, like
        // every reader in kernel/audit.c, we read once and tolerate changing.
        // current's audit context is its own field, which only current
        // changes; it stays for the call. Process context.
        let ab = unsafe {
            if always && atomic_load(&raw mut bindings::audit_enabled, Relaxed) == 0 {
                return None;
            }
            let ctx = if in_syscall {
                (*current.as_ptr()).audit_context
            } else {
                ptr::null_mut()
            };
            let gfp = if wait {
                bindings::GFP_KERNEL
            } else {
                bindings::GFP_ATOMIC | bindings::__GFP_NOWARN
            };
            bindings::audit_log_start(ctx, gfp, ty)
        };
        // INVARIANT: Just started; only `drop` ends it.
        NonNull::new(ab).map(|ab| {
            Record(Buffer {
                ab,
                _lent: PhantomData,
            })
        })
    }

    /// Appends `text` as it is.
    fn append(&self, text: &[u8]) {
        self.0.write(Part::Text(text));
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        // SAFETY: Live until now (type invariant), and ended exactly once.
        unsafe { bindings::audit_log_end(self.0.ab.as_ptr()) };
    }
}

/// The body of a `CONTAINER_ID` record: `[opid=<pid> ]contid=<chain> contsession=<n>`.
type ContainerIdText = Text<{ MAX_CHAIN_TEXT + 64 }>;

/// Formats the `CONTAINER_ID` body for session `s`, straight from its
/// containers. Cheap and non-sleeping: it may run under RCU.
fn container_id_text(opid: Option<i32>, s: SessionView<'_>) -> ContainerIdText {
    let mut t = ContainerIdText::new();
    if let Some(pid) = opid {
        t.push(b"opid=");
        push_pid(&mut t, pid);
        t.push(b" ");
    }
    t.push(b"contid=");
    t.push(ChainText::from_innermost(s.ids()).as_str().as_bytes());
    t.push(b" contsession=");
    t.push_decimal(u64::from(s.num()));
    t
}

/// Adds a `CONTAINER_ID` record with body `t` to the event of the record in
/// `ab`, after it or (`first`) before it. May sleep (it allocates with the
/// buffer's flags): never under RCU.
fn log_container_id(ab: &Buffer<'_>, first: bool, t: &ContainerIdText) {
    ab.aux(CONTAINER_ID, first, |aux| {
        aux.write(Part::Text(t.as_bytes()));
    });
}

/// Adds current's `CONTAINER_ID` record to the event of the record in `ab`
/// (a syscall's, or a user message's with `first`).
///
/// # Safety
///
/// `ab` is null or a live buffer from `audit_log_start()` whose record is
/// about to be ended, owned by the caller, who ends it after the call.
#[export]
pub unsafe extern "C" fn audit_contid_log_subject(ab: *mut bindings::audit_buffer, first: bool) {
    let Some(ab) = lent(ab) else {
        return;
    };
    let current: &Task = kernel::current!();
    // The session is read inside the RCU section that keeps it in memory
    // (another task may register current's process meanwhile and drop it),
    // and the record is written after it ends.
    let text = {
        let rcu = rcu::read_lock();
        task::session(current, &rcu).map(|s| container_id_text(None, s))
    };
    if let Some(t) = text {
        log_container_id(&ab, first, &t);
    }
}

/// Replaces the session captured in `r`; returns the one it held.
fn ref_replace(
    r: &mut bindings::audit_contid_ref,
    new: Option<ARef<Session>>,
) -> Option<ARef<Session>> {
    // CAST: The C struct points to the opaque `audit_contid_session`, which
    // is our `Session`.
    let new = new.map_or(ptr::null_mut(), |s| ARef::into_raw(s).as_ptr().cast());
    let old = core::mem::replace(&mut r.session, new).cast::<Session>();
    // SAFETY: A non-null captured pointer owns one reference, which moves to
    // the caller with the pointer.
    NonNull::new(old).map(|p| unsafe { ARef::from_raw(p) })
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
    // SAFETY: Per the function's contract; `Task` is a transparent wrapper.
    let (r, t) = unsafe { (&mut *r, &*t.cast::<Task>()) };
    drop(ref_replace(r, task::session_ref(t)));
}

/// Drops the references in `refs[..n]`.
///
/// # Safety
///
/// `refs` must point to `n` valid reference structures owned by the caller.
#[export]
pub unsafe extern "C" fn audit_contid_refs_put(refs: *mut bindings::audit_contid_ref, n: i32) {
    let n = usize::try_from(n).unwrap_or(0);
    // SAFETY: Per the function's contract.
    let refs = unsafe { core::slice::from_raw_parts_mut(refs, n) };
    for r in refs {
        drop(ref_replace(r, None));
    }
}

/// Adds the `CONTAINER_ID` record of an event's target after its `OBJ_PID`
/// record, in `ab`.
///
/// # Safety
///
/// `ab` is null or the live buffer of the `OBJ_PID` record, about to be
/// ended (by the caller, after the call), and `r` a valid captured
/// reference owned by the caller.
#[export]
pub unsafe extern "C" fn audit_contid_log_target(
    ab: *mut bindings::audit_buffer,
    pid: bindings::pid_t,
    r: *mut bindings::audit_contid_ref,
) {
    let Some(ab) = lent(ab) else {
        return;
    };
    // SAFETY: Per the function's contract.
    let r = unsafe { &mut *r };
    // Borrow the captured reference for the record, then put it back.
    let held = ref_replace(r, None);
    if let Some(s) = &held {
        log_container_id(
            &ab,
            false,
            &container_id_text(Some(pid), SessionView::new(s)),
        );
    }
    drop(ref_replace(r, held));
}

/// Longest text of a packet's `CONTAINER_ID` record: chains that do not fit
/// are counted in `contid-omitted=`. An audit record holds at most
/// [`AUDITD_MAX_RECORD`] bytes and a packet's event has other records.
const NET_TEXT_MAX: usize = 4096;

/// auditd's limit on one record (`MAX_AUDIT_MESSAGE_LENGTH` in libaudit.h):
/// what it cannot read whole it cuts.
const AUDITD_MAX_RECORD: usize = 8970;

/// The record prefix `audit(<seconds>.<ms>:<serial>): ` at its longest.
const STAMP_MAX: usize = "audit(18446744073709551615.999:4294967295): ".len();

// Every record we write fits auditd's limit with its prefix: the packet
// record, and `op=set` (two chains, the namespaces and the subject, whose
// `exe=` and `comm=` `audit_log_task_info()` bounds by PATH_MAX).
const _: () = assert!(STAMP_MAX + NET_TEXT_MAX + 48 <= AUDITD_MAX_RECORD);
const _: () = assert!(STAMP_MAX + 2 * MAX_CHAIN_TEXT + 512 + 4096 + 512 <= AUDITD_MAX_RECORD);

/// Adds the `CONTAINER_ID` record of a packet's network namespace after its
/// `NETFILTER_PKT` record: `contid=<chain>[,<chain>...][ contid-omitted=<n>]`,
/// the first [`netns::MAX_LISTED`] live containers attributed to the
/// namespace, newest attribution first; none if there is none.
///
/// # Safety
///
/// `ab` is null or the live buffer of the `NETFILTER_PKT` record, about to
/// be ended (by the caller, after the call); `net` is the live namespace the
/// packet was logged in. Any context.
#[export]
pub unsafe extern "C" fn audit_contid_log_net(
    ab: *mut bindings::audit_buffer,
    net: *const bindings::net,
) {
    let Some(ab) = lent(ab) else {
        return;
    };
    // SAFETY: The caller guarantees `net` is live for the call.
    let net = unsafe { netns::Net::from_raw(net) };
    let rcu = rcu::read_lock();
    // Whether there is anyone to name, before the record is made.
    let mut any = false;
    let _ = netns::each_listed(net, &rcu, |_| {
        any = true;
        false
    });
    if !any {
        return;
    }
    ab.aux(CONTAINER_ID, false, |aux| {
        if !aux.write(Part::Text(b"contid=")) {
            return;
        }
        let mut len = "contid=".len();
        let mut named = 0usize;
        let (passed, total) = netns::each_listed(net, &rcu, |c| {
            let chain = ChainText::from_innermost(c.ids());
            // Without its newline (and without the UTF-8 check of `as_str`).
            let chain = chain.as_bytes();
            let chain = &chain[..chain.len() - 1];
            // A separator and its chain are written in one piece, so that a
            // record that cannot grow (in softirq, `GFP_ATOMIC`) stops at a
            // chain's end and stays well formed; the rest count as omitted.
            let mut t = Text::<{ MAX_CHAIN_TEXT + 2 }>::new();
            if named > 0 {
                t.push(b",");
            }
            t.push(chain);
            if len + t.len > NET_TEXT_MAX || !aux.write(Part::Text(t.as_bytes())) {
                return false;
            }
            len += t.len;
            named += 1;
            true
        });
        if named == 0 {
            // They all ended since the look above.
            aux.write(Part::Text(b"unset"));
        }
        let omitted = total.saturating_sub(passed);
        if omitted > 0 {
            let mut t = Text::<32>::new();
            t.push(b" contid-omitted=");
            t.push_decimal(omitted as u64);
            aux.write(Part::Text(t.as_bytes()));
        }
    });
    drop(rcu);
}

/// The body of an `op=ns` record.
pub(crate) type NsChangeText = Text<{ MAX_CHAIN_TEXT + 64 + namespaces::TYPES * 64 + 16 }>;

/// Formats the namespace change of task `pid` in session `s` from `old` to
/// `new`: `op=ns opid= contid= contsession=`, then `old-<ns>= <ns>=` for
/// each namespace that changed, and `res=1`. Cheap and non-sleeping: it may
/// run under RCU.
pub(crate) fn ns_change_text(pid: i32, s: SessionView<'_>, old: &Ids, new: &Ids) -> NsChangeText {
    let mut text = NsChangeText::new();
    text.push(b"op=ns ");
    text.push(container_id_text(Some(pid), s).as_bytes());
    for ((name, old), new) in namespaces::NAMES.iter().zip(old).zip(new) {
        if old != new {
            text.push(b" old-");
            text.push(name.as_bytes());
            text.push(b"=");
            text.push_decimal(*old);
            text.push(b" ");
            text.push(name.as_bytes());
            text.push(b"=");
            text.push_decimal(*new);
        }
    }
    text.push(b" res=1");
    text
}

/// Logs an `op=ns` record with body `text` in current's syscall event,
/// which is being recorded (`audit_log_exit()`).
pub(crate) fn log_ns_change(text: &NsChangeText) {
    if let Some(ab) = Record::start(true, CONTAINER_OP, false, true) {
        ab.append(text.as_bytes());
    }
}

/// What a registration attempt asked for and what it did, for `CONTAINER_OP`.
pub(crate) struct Attempt<'a> {
    pub(crate) target: &'a Task,
    /// The requested ID, if the write held one.
    pub(crate) id: Option<ContainerId>,
    /// The writer's chain (it decides `set` or `nest` for a refusal).
    pub(crate) writer_chain: &'a Chain,
    /// Whether the attempt got far enough to be placed under the writer's
    /// chain: `contid=` is then that chain and the ID, else the ID alone.
    pub(crate) writer_chain_known: bool,
    pub(crate) old_chain: &'a Chain,
    /// `None` for a failed attempt.
    pub(crate) op: Option<Op>,
    /// The new session, `None` for a failed attempt.
    pub(crate) session: Option<u32>,
}

/// Logs a registration attempt (audit enabled only; any rule or none), in
/// the writer's syscall event: `op= opid= contid= old-contid= contsession=`,
/// the target's own namespaces, the writer's identity only if the record
/// stands alone (no syscall record carries it), and `res=`.
///
/// Written in parts, each formatted into a small buffer, so that the stack
/// holds at most one chain's text at a time.
pub(crate) fn log_registration(a: &Attempt<'_>) {
    let Some(ab) = Record::start(true, CONTAINER_OP, true, true) else {
        return;
    };
    let op = match a.op {
        Some(op) => op,
        None if !a.writer_chain.as_slice().is_empty() => Op::Nest,
        None => Op::Set,
    };
    {
        let mut t = Text::<{ MAX_CHAIN_TEXT + 96 }>::new();
        t.push(b"op=");
        t.push(op.name().as_bytes());
        t.push(b" opid=");
        push_pid(&mut t, a.target.tgid());
        t.push(b" contid=");
        match a.id {
            None => t.push(b"unset"),
            Some(id) => {
                if a.writer_chain_known && !a.writer_chain.as_slice().is_empty() {
                    t.push(
                        ChainText::new(a.writer_chain.as_slice())
                            .as_str()
                            .as_bytes(),
                    );
                    t.push(b"/");
                }
                let mut uuid = [0u8; UUID_LEN];
                id.format_uuid(&mut uuid);
                t.push(&uuid);
            }
        }
        ab.append(t.as_bytes());
    }
    {
        let mut t = Text::<{ MAX_CHAIN_TEXT + 64 }>::new();
        t.push(b" old-contid=");
        t.push(ChainText::new(a.old_chain.as_slice()).as_str().as_bytes());
        t.push(b" contsession=");
        match a.session {
            Some(n) => t.push_decimal(u64::from(n)),
            None => t.push(b"unset"),
        }
        ab.append(t.as_bytes());
    }
    let ids = namespaces::ids(a.target);
    let mut t = Text::<{ namespaces::TYPES * 32 }>::new();
    for (ty, (name, id)) in namespaces::NAMES.iter().zip(ids).enumerate() {
        if namespaces::is_own(ty) {
            t.push(b" ");
            t.push(name.as_bytes());
            t.push(b"=");
            t.push_decimal(id);
        }
    }
    ab.append(t.as_bytes());
    if !in_syscall() {
        // It starts with its own space.
        ab.0.write(Part::TaskInfo);
    }
    ab.append(if a.op.is_some() { b" res=1" } else { b" res=0" });
}

/// Appends a pid in decimal (a negative one, which a pid never is, too).
fn push_pid<const N: usize>(t: &mut Text<N>, pid: i32) {
    if pid < 0 {
        t.push(b"-");
    }
    t.push_decimal(u64::from(pid.unsigned_abs()));
}

/// Whether current is in a syscall with an audit context: then its
/// `SYSCALL` record comes with ours and carries the subject.
fn in_syscall() -> bool {
    // SAFETY: FFI call; it reads current's own audit context.
    unsafe { bindings::audit_contid_in_syscall() }
}

/// Logs the end of a container, as an event of its own. Never waits for
/// room in the audit backlog: a record that finds none is counted lost.
pub(crate) fn log_destroy(chain: &Chain) {
    let mut t = Text::<{ MAX_CHAIN_TEXT + 64 }>::new();
    t.push(b"op=destroy contid=");
    t.push(ChainText::new(chain.as_slice()).as_str().as_bytes());
    t.push(b" res=1");
    if let Some(ab) = Record::start(false, CONTAINER_OP, true, false) {
        ab.append(t.as_bytes());
    }
}
