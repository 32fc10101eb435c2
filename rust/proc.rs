// SPDX-License-Identifier: GPL-2.0

//! Reads of `/proc/PID/audit_containerid` and `/proc/PID/audit_containersession`
//! (the write is registration: see register.rs).
//!
//! fs/proc/base.c resolves the file to a task, holds a reference on it for the
//! duration of the call, and calls these.

use core::fmt::Write;

use kernel::{
    bindings,
    ffi::c_char,
    prelude::*,
    sync::rcu,
    task::Task,
    uaccess::{UserPtr, UserSlice},
};

use crate::{id::ChainText, session::NO_SESSION, task};

/// Copies `data` to the user buffer at `*pos`, like `simple_read_from_buffer()`.
fn read_out(data: &[u8], buf: *mut c_char, count: usize, pos: &mut bindings::loff_t) -> isize {
    let mut w = UserSlice::new(UserPtr::from_ptr(buf.cast()), count).writer();
    match w.write_slice_file(data, pos) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `/proc/PID/audit_containerid` read: the chain, or `unset`.
///
/// # Safety
///
/// `tsk` must be a valid task for the call; `buf`/`count` a user buffer;
/// `ppos` the file position, used by nobody else during the call.
#[export]
pub unsafe extern "C" fn audit_contid_proc_read(
    tsk: *mut bindings::task_struct,
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: Per the function's contract; `Task` is a transparent wrapper of
    // `task_struct`.
    let (tsk, pos) = unsafe { (&*tsk.cast::<Task>(), &mut *ppos) };
    let mut text = ChainText::blank();
    {
        let rcu = rcu::read_lock();
        if let Some(s) = task::session(tsk, &rcu) {
            text.assign_from_innermost(s.ids());
        } else {
            text.assign_from_innermost(core::iter::empty());
        }
    }
    read_out(text.as_bytes(), buf, count, pos)
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
/// As for [`audit_contid_proc_read`].
#[export]
pub unsafe extern "C" fn audit_contsession_proc_read(
    tsk: *mut bindings::task_struct,
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: As in `audit_contid_proc_read`.
    let (tsk, pos) = unsafe { (&*tsk.cast::<Task>(), &mut *ppos) };
    let num = task::session(tsk, &rcu::read_lock()).map_or(NO_SESSION, |s| s.num());
    let mut text = NumText {
        buf: [0; 12],
        len: 0,
    };
    // A u32 and a newline always fit.
    let _ = writeln!(text, "{num}");
    read_out(&text.buf[..text.len], buf, count, pos)
}
