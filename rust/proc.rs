// SPDX-License-Identifier: GPL-2.0

//! Bodies of `/proc/PID/audit_containerid` and `/proc/PID/audit_containersession`.
//!
//! fs/proc/base.c resolves the file to a task, holds a reference on it for the
//! duration of the call, and calls these.

use core::fmt::Write;

use kernel::{
    bindings,
    ffi::c_char,
    prelude::*,
    sync::rcu,
    uaccess::{UserPtr, UserSlice},
};

use crate::{
    audit::{self, Attempt},
    errno,
    id::{self, ChainText, ParseError},
    registry,
    rules::{self, Refusal, Request},
    task,
};

/// Copies `data` to userspace at `*ppos`, like `simple_read_from_buffer()`.
///
/// # Safety
///
/// `ppos` must be valid for reads and writes.
unsafe fn read_out(
    data: &[u8],
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    let mut w = UserSlice::new(UserPtr::from_ptr(buf.cast()), count).writer();
    // SAFETY: Per the function's contract.
    let pos = unsafe { &mut *ppos };
    match w.write_slice_file(data, pos) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `/proc/PID/audit_containerid` read: the chain, or `unset`.
///
/// # Safety
///
/// `tsk` must be a valid task; `buf`/`count` a user buffer; `ppos` valid.
#[export]
pub unsafe extern "C" fn audit_contid_proc_read(
    tsk: *mut bindings::task_struct,
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    let mut text = ChainText::blank();
    {
        let _rcu = rcu::read_lock();
        // SAFETY: `tsk` is valid; the session and its containers are freed only
        // after a grace period, and we are in an RCU read-side section.
        unsafe { registry::chain_text(task::session_of(tsk), &mut text) };
    }
    // SAFETY: Per the function's contract.
    unsafe { read_out(text.as_bytes(), buf, count, ppos) }
}

/// A small stack buffer for formatting numbers.
struct NumText {
    buf: [u8; 12],
    len: usize,
}

impl Write for NumText {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(core::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `/proc/PID/audit_containersession` read: the session number in decimal.
///
/// # Safety
///
/// `tsk` must be a valid task; `buf`/`count` a user buffer; `ppos` valid.
#[export]
pub unsafe extern "C" fn audit_contsession_proc_read(
    tsk: *mut bindings::task_struct,
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    let num = {
        let _rcu = rcu::read_lock();
        // SAFETY: As in `audit_contid_proc_read`.
        unsafe { registry::session_num(task::session_of(tsk)) }
    };
    let mut text = NumText {
        buf: [0; 12],
        len: 0,
    };
    // A u32 and a newline always fit.
    let _ = writeln!(text, "{num}");
    // SAFETY: Per the function's contract.
    unsafe { read_out(&text.buf[..text.len], buf, count, ppos) }
}

/// Reads the ID the writer sent, without looking past what could be valid.
fn read_id(
    buf: *const c_char,
    count: usize,
    pos: bindings::loff_t,
) -> Result<Result<id::ContainerId, ParseError>> {
    if pos != 0 {
        return Ok(Err(ParseError::Malformed));
    }
    if count > id::MAX_INPUT {
        return Ok(Err(ParseError::TooLong));
    }
    let mut bytes = [0u8; id::MAX_INPUT];
    let mut r = UserSlice::new(UserPtr::from_ptr(buf.cast_mut().cast()), count).reader();
    r.read_slice(&mut bytes[..count])?;
    Ok(id::parse(&bytes[..count]))
}

/// `/proc/PID/audit_containerid` write: registers `tsk`'s process.
///
/// Every attempt that gets past the capability check is audited.
///
/// # Safety
///
/// `tsk` must be a valid task; `buf`/`count` a user buffer; `ppos` valid.
#[export]
pub unsafe extern "C" fn audit_contid_proc_write(
    tsk: *mut bindings::task_struct,
    buf: *const c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: FFI call; checks the current task's credentials.
    let capable = unsafe { bindings::capable(bindings::CAP_AUDIT_CONTROL as i32) };
    let mut out = registry::Outcome::new();
    // A refusal before the locks: the record reports the chains as they are now.
    let refused = |id, out: &mut registry::Outcome| {
        // SAFETY: `tsk` is valid.
        unsafe { registry::read_chains(tsk, out) };
        audit::log_registration(&Attempt {
            target: tsk,
            id,
            writer_chain: None,
            old_chain: &out.old_chain,
            op: None,
            session: registry::NO_SESSION,
        });
    };
    // The buffer is read only after the capability check: an unprivileged
    // writer cannot probe the parser.
    let parsed = if capable {
        // SAFETY: Per the function's contract.
        match read_id(buf, count, unsafe { *ppos }) {
            Ok(p) => p,
            Err(e) => {
                refused(None, &mut out);
                return e.to_errno() as isize;
            }
        }
    } else {
        Err(ParseError::Malformed)
    };
    let request = Request {
        capable,
        id: parsed,
        // SAFETY: `tsk` is valid.
        own_process: unsafe { task::own_process_or_kthread(tsk) },
    };
    let result = match rules::check_request(&request) {
        Err(Refusal::NotCapable) => Err(errno::refusal(Refusal::NotCapable)),
        Err(r) => {
            refused(parsed.ok(), &mut out);
            Err(errno::refusal(r))
        }
        Ok(id) => {
            // SAFETY: `tsk` is valid.
            unsafe { registry::register(tsk, id, &mut out) };
            audit::log_registration(&Attempt {
                target: tsk,
                id: Some(id),
                writer_chain: Some(&out.writer_chain),
                old_chain: &out.old_chain,
                op: out.result.as_ref().ok().copied(),
                session: out.session,
            });
            out.result.map(|_| ()).map_err(errno::register)
        }
    };
    match result {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}
