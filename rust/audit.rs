// SPDX-License-Identifier: GPL-2.0

//! Audit records: `CONTAINER_OP` (1341) for registrations and container ends,
//! `CONTAINER_ID` (1340) naming the container of an event's subject or target.
//!
//! Formats follow the audit subsystem's conventions: `key=value`, the chain as
//! read from procfs, `unset` for none, the writer's task info, `res=` last.
//!
//! A `CONTAINER_ID` record is an auxiliary record in the buffer of the record
//! it describes (`audit_log_aux()`): same timestamp and serial, so audit
//! userspace reads it inside that event. It follows a `SYSCALL` or `OBJ_PID`
//! record and precedes a user message, which userspace takes as the end of
//! its event.

use core::{
    ffi::CStr,
    fmt::{self, Write},
    marker::PhantomData,
    ptr::{self, NonNull},
};

use kernel::{
    bindings,
    ffi::{c_char, c_int},
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{atomic_load, Relaxed},
        rcu,
    },
    task::Task,
};

use crate::{
    container::Container,
    id::{Chain, ChainText, ContainerId, MAX_CHAIN_TEXT, UUID_LEN},
    namespaces::{self, Inums},
    netns,
    rules::Op,
    session::{Session, SessionView},
    task,
};

/// `AUDIT_CONTAINER_OP`, from the uapi header.
const CONTAINER_OP: i32 = bindings::AUDIT_CONTAINER_OP as i32;
/// `AUDIT_CONTAINER_ID`, from the uapi header.
const CONTAINER_ID: i32 = bindings::AUDIT_CONTAINER_ID as i32;

/// A text buffer on the stack, filled with `write!`.
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

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The text up to its first NUL: all of it, for text that [`Text::push`]
    /// wrote (it leaves the zeroed last byte alone) and that holds no NUL.
    fn as_c_str(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.buf).unwrap_or(c"")
    }

    /// Appends `bytes` as they are; what does not fit is cut, so that the
    /// text always ends in a NUL (see [`Text::as_c_str`]).
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

impl<const N: usize> Write for Text<N> {
    /// Appends `s` whole, or fails; the last byte stays a NUL, as for
    /// [`Text::push`].
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end >= N {
            return Err(fmt::Error);
        }
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// What to write into an audit buffer.
enum Part<'a> {
    /// Text, as it is.
    Text(&'a [u8]),
    /// The calling task's identity (`pid=`, `auid=`, ..., `exe=`).
    TaskInfo,
    /// An auxiliary record of the buffer's event with this type and text,
    /// after the buffer's record or (`first`) before it. Last, just before
    /// the record is ended.
    Aux {
        ty: i32,
        first: bool,
        text: &'a CStr,
    },
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
    /// Writes `part` into the record.
    fn write(&self, part: Part<'_>) {
        let ab = self.ab.as_ptr();
        // SAFETY: The buffer is live (type invariant) and used by one task at
        // a time, as audit buffers are. "%.*s" reads `len` bytes of `text`,
        // with arguments of the types it converts; the task info describes
        // current, which is running; the aux text is NUL-terminated. A failed
        // aux allocation is not ours to report: audit counts lost records.
        unsafe {
            match part {
                Part::Text(text) => bindings::audit_log_format(
                    ab,
                    c"%.*s".as_char_ptr(),
                    c_int::try_from(text.len()).unwrap_or(0),
                    text.as_ptr().cast::<c_char>(),
                ),
                Part::TaskInfo => bindings::audit_log_task_info(ab),
                Part::Aux { ty, first, text } => {
                    let _ = bindings::audit_log_aux(ab, ty, first, text.as_char_ptr());
                }
            }
        }
    }
}

impl Buffer<'_> {
    /// Adds an auxiliary record of type `ty` after the buffer's record, with
    /// `len` bytes of text that `fill` writes in place (they start zeroed).
    /// Nothing if the record cannot be had (audit counts it as lost).
    fn aux_with(&self, ty: i32, len: usize, fill: impl FnOnce(&mut [u8])) {
        // SAFETY: The buffer is live (type invariant). The record's text is
        // `len` writable bytes of an skb that the buffer owns until it is
        // ended, which is after our borrow of it; they are zeroed before a
        // slice of them is made, and nothing else touches them meanwhile.
        let text = unsafe {
            let p = bindings::audit_log_aux_reserve(self.ab.as_ptr(), ty, false, len);
            let Some(p) = NonNull::new(p.cast::<u8>()) else {
                return;
            };
            ptr::write_bytes(p.as_ptr(), 0, len);
            core::slice::from_raw_parts_mut(p.as_ptr(), len)
        };
        fill(text);
    }
}

/// Writes into a byte slice, cutting what does not fit.
struct Cursor<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl Cursor<'_> {
    fn push(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.out.len() - self.at);
        self.out[self.at..self.at + n].copy_from_slice(&bytes[..n]);
        self.at += n;
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
    /// change).
    fn start(in_syscall: bool, ty: i32, always: bool) -> Option<Self> {
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
            bindings::audit_log_start(ctx, bindings::GFP_KERNEL, ty)
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
        if pid < 0 {
            t.push(b"-");
        }
        t.push_decimal(u64::from(pid.unsigned_abs()));
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
    ab.write(Part::Aux {
        ty: CONTAINER_ID,
        first,
        text: t.as_c_str(),
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
/// are counted in `contid-omitted=` (an audit record holds at most 8970
/// bytes, and a packet's event has other records).
const NET_TEXT_MAX: usize = 4096;

/// Adds the `CONTAINER_ID` record of a packet's network namespace after its
/// `NETFILTER_PKT` record: `contid=<chain>[,<chain>...]`, every live
/// container attributed to the namespace, sorted; none if there is none.
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
    // SAFETY: Per the function's contract, live for the call.
    let net = unsafe { netns::Net::from_raw(net) };
    let mut found = [const { None::<ARef<Container>> }; netns::MAX_LISTED];
    let (n, more) = netns::present(net, &mut found);
    let found = &mut found[..n];
    found.sort_unstable_by_key(|c| c.as_deref().map(Container::chain));
    // The chains that fit, in order.
    let mut len = "contid=".len();
    let mut listed = 0;
    for c in found.iter().flatten() {
        let add = Container::chain(c).text_len() + usize::from(listed > 0);
        if len + add > NET_TEXT_MAX {
            break;
        }
        len += add;
        listed += 1;
    }
    if listed == 0 {
        return;
    }
    let mut tail = Text::<48>::new();
    let omitted = more + (n - listed);
    if omitted > 0 {
        tail.push(b" contid-omitted=");
        tail.push_decimal(omitted as u64);
    }
    ab.aux_with(CONTAINER_ID, len + tail.len, |out| {
        let mut out = Cursor { out, at: 0 };
        out.push(b"contid=");
        for (i, c) in found.iter().flatten().take(listed).enumerate() {
            if i > 0 {
                out.push(b",");
            }
            out.push(
                ChainText::new(Container::chain(c).as_slice())
                    .as_str()
                    .as_bytes(),
            );
        }
        out.push(tail.as_bytes());
    });
}

/// Logs a change of `t`'s namespaces from `old` to `new`, in current's
/// syscall event: `op=ns`, `t`'s container and session, and the old and
/// new nsfs inode of each namespace that changed (audit enabled only; any
/// rule or none).
pub(crate) fn log_ns_change(t: &Task, s: &Session, old: &Inums, new: &Inums) {
    let Some(ab) = Record::start(true, CONTAINER_OP, true) else {
        return;
    };
    ab.append(b"op=ns ");
    ab.append(container_id_text(Some(t.tgid()), SessionView::new(s)).as_bytes());
    // SAFETY: FFI call in process context.
    let dev = unsafe { bindings::audit_contid_nsfs_dev() };
    let mut text = Text::<640>::new();
    let _ = write!(text, " nsdev={}:{}", dev >> 20, dev & 0xfffff);
    for ((name, old), new) in namespaces::NAMES.iter().zip(old).zip(new) {
        if old != new {
            let _ = write!(text, " old-{name}={old} new-{name}={new}");
        }
    }
    text.push(b" res=1");
    ab.append(text.as_bytes());
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
    pub(crate) session: u32,
}

/// Logs a registration attempt (audit enabled only; any rule or none).
///
/// Written in three parts, each formatted into a small buffer, so that the
/// stack holds at most one chain's text at a time.
pub(crate) fn log_registration(a: &Attempt<'_>) {
    let Some(ab) = Record::start(true, CONTAINER_OP, true) else {
        return;
    };
    let op = match a.op {
        Some(op) => op,
        None if !a.writer_chain.as_slice().is_empty() => Op::Nest,
        None => Op::Set,
    };
    {
        let mut t = Text::<{ MAX_CHAIN_TEXT + 96 }>::new();
        let _ = write!(t, "op={} opid={} contid=", op.name(), a.target.tgid());
        let _ = match a.id {
            None => write!(t, "?"),
            Some(id) => {
                if a.writer_chain_known && !a.writer_chain.as_slice().is_empty() {
                    let _ = write!(t, "{}/", ChainText::new(a.writer_chain.as_slice()).as_str());
                }
                let mut uuid = [0u8; UUID_LEN];
                id.format_uuid(&mut uuid);
                write!(t, "{}", core::str::from_utf8(&uuid).unwrap_or("?"))
            }
        };
        ab.append(t.as_bytes());
    }
    {
        let mut t = Text::<{ MAX_CHAIN_TEXT + 64 }>::new();
        let old = ChainText::new(a.old_chain.as_slice());
        let _ = write!(t, " old-contid={} contsession={}", old.as_str(), a.session);
        ab.append(t.as_bytes());
    }
    let ns = task::namespaces(a.target);
    let mut t = Text::<256>::new();
    let _ = write!(
        t,
        " nsdev={}:{} mntns={} utsns={} ipcns={} pidns={} netns={} userns={} cgroupns={} \
         timens={} ",
        ns.dev >> 20,
        ns.dev & 0xfffff,
        ns.mnt,
        ns.uts,
        ns.ipc,
        ns.pid,
        ns.net,
        ns.user,
        ns.cgroup,
        ns.time,
    );
    ab.append(t.as_bytes());
    ab.0.write(Part::TaskInfo);
    ab.append(if a.op.is_some() { b" res=1" } else { b" res=0" });
}

/// Logs the end of a container.
pub(crate) fn log_destroy(chain: &Chain) {
    let mut t = Text::<{ MAX_CHAIN_TEXT + 64 }>::new();
    let _ = write!(
        t,
        "op=destroy contid={} res=1",
        ChainText::new(chain.as_slice()).as_str()
    );
    if let Some(ab) = Record::start(false, CONTAINER_OP, true) {
        ab.append(t.as_bytes());
    }
}
