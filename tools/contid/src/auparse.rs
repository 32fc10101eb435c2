// SPDX-License-Identifier: GPL-2.0

//! Reading audit logs with the distribution's libauparse.
//!
//! Every audisp plugin and log forwarder reads the log through libauparse,
//! so contid groups records into events exactly as they do (and as
//! ausearch does). This module is the only place with `unsafe`: the
//! declarations of the few functions used (from auparse.h, 3.0.9) and a
//! safe wrapper that copies each event out into a [`crate::log::Event`].
//!
//! libauparse keeps some state in globals (its interpretation list, for
//! one), so two parsers must not run at once, even on different threads:
//! [`read_events`] holds a process-wide lock while it reads.

use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void, CStr, CString};
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};
use std::sync::{Mutex, PoisonError};

use anyhow::{anyhow, bail, Result};
use nix::libc::time_t;

use crate::log::{Event, Field, Record};

/// `auparse_state_t`: opaque.
#[repr(C)]
struct AuparseState {
    _opaque: [u8; 0],
}

/// `AUSOURCE_FILE_ARRAY` of `ausource_t`: a NULL-terminated array of paths.
const AUSOURCE_FILE_ARRAY: c_int = 2;

#[link(name = "auparse")]
extern "C" {
    fn auparse_init(source: c_int, b: *const c_void) -> *mut AuparseState;
    fn auparse_destroy(au: *mut AuparseState);
    fn auparse_next_event(au: *mut AuparseState) -> c_int;
    fn auparse_get_time(au: *mut AuparseState) -> time_t;
    fn auparse_get_milli(au: *mut AuparseState) -> c_uint;
    fn auparse_get_serial(au: *mut AuparseState) -> c_ulong;
    fn auparse_first_record(au: *mut AuparseState) -> c_int;
    fn auparse_next_record(au: *mut AuparseState) -> c_int;
    fn auparse_get_type(au: *mut AuparseState) -> c_int;
    fn auparse_get_record_text(au: *mut AuparseState) -> *const c_char;
    fn auparse_first_field(au: *mut AuparseState) -> c_int;
    fn auparse_next_field(au: *mut AuparseState) -> c_int;
    fn auparse_get_field_name(au: *mut AuparseState) -> *const c_char;
    fn auparse_get_field_str(au: *mut AuparseState) -> *const c_char;
    fn auparse_interpret_field(au: *mut AuparseState) -> *const c_char;
}

/// Fields whose interpretation (libauparse's unescaping of hex-encoded or
/// quoted strings) is kept beside the raw value.
const INTERPRETED: &[&str] = &["comm", "exe"];

/// Copies a C string that libauparse owns.
///
/// # Safety
///
/// `p` is null or points to a NUL-terminated string that stays valid for
/// the call.
unsafe fn copy_str(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null, and NUL-terminated and valid per the contract.
    let s = unsafe { CStr::from_ptr(p) };
    Some(s.to_string_lossy().into_owned())
}

/// Held while a parser exists: libauparse is not thread-safe.
static LIBAUPARSE: Mutex<()> = Mutex::new(());

/// A libauparse parser over audit log files. Only [`read_events`] makes
/// one, under [`LIBAUPARSE`].
struct Parser {
    au: NonNull<AuparseState>,
    // Kept alive while libauparse may refer to them.
    _paths: Vec<CString>,
    _array: Vec<*const c_char>,
}

fn check_readable(path: &Path) -> Result<()> {
    match File::open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => bail!(
            "cannot read {}: permission denied: run contid log as root (audit logs are readable by root only)",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} does not exist: give the audit log with --file (auditd.conf's log_file names it)",
            path.display()
        ),
        Err(e) => bail!("cannot read {} ({e}): give a readable audit log with --file", path.display()),
    }
}

impl Parser {
    /// Opens `paths`, read in that order as one log (older files first).
    fn open(paths: &[PathBuf]) -> Result<Self> {
        if paths.is_empty() {
            bail!("no audit log to read: give one with --file");
        }
        let mut cpaths = Vec::with_capacity(paths.len());
        for p in paths {
            check_readable(p)?;
            cpaths.push(CString::new(p.as_os_str().as_bytes()).map_err(|_| {
                anyhow!(
                    "the path {:?} holds a NUL byte: give a valid path",
                    p.display()
                )
            })?);
        }
        let mut array: Vec<*const c_char> = cpaths.iter().map(|c| c.as_ptr()).collect();
        array.push(ptr::null());
        // SAFETY: `array` is a NULL-terminated array of pointers to
        // NUL-terminated strings (`cpaths`), as AUSOURCE_FILE_ARRAY wants;
        // both live in the returned Parser for as long as `au` does.
        let au = unsafe { auparse_init(AUSOURCE_FILE_ARRAY, array.as_ptr().cast()) };
        let au = NonNull::new(au).ok_or_else(|| {
            anyhow!(
                "libauparse cannot open the audit log ({}): check the --file paths",
                std::io::Error::last_os_error()
            )
        })?;
        Ok(Parser {
            au,
            _paths: cpaths,
            _array: array,
        })
    }

    /// The next event, or `None` at the end of the log.
    fn next_event(&mut self) -> Result<Option<Event>> {
        let au = self.au.as_ptr();
        // SAFETY: `au` is a live parser from auparse_init (destroyed only in
        // Drop); `&mut self` keeps calls on it from overlapping.
        let rc = unsafe { auparse_next_event(au) };
        if rc == 0 {
            return Ok(None);
        }
        if rc < 0 {
            bail!("libauparse failed reading the audit log: check that the --file paths are audit logs");
        }
        // SAFETY: as above; an event is current (rc == 1).
        let (sec, milli, serial) = unsafe {
            (
                auparse_get_time(au),
                auparse_get_milli(au),
                auparse_get_serial(au),
            )
        };
        // time_t and unsigned long are narrower than 64 bits on some targets.
        #[allow(clippy::useless_conversion)]
        let mut event = Event {
            sec: i64::from(sec),
            milli,
            serial: u64::from(serial),
            records: Vec::new(),
        };
        // SAFETY: as above.
        let mut more = unsafe { auparse_first_record(au) } == 1;
        while more {
            event.records.push(self.record());
            // SAFETY: as above.
            more = unsafe { auparse_next_record(au) } == 1;
        }
        Ok(Some(event))
    }

    /// Copies out the current record.
    fn record(&mut self) -> Record {
        let au = self.au.as_ptr();
        // SAFETY: `au` is live with a current record; the text it returns
        // is valid until the parser moves, and is copied at once.
        let (rtype, text) =
            unsafe { (auparse_get_type(au), copy_str(auparse_get_record_text(au))) };
        let mut record = Record {
            rtype: u32::try_from(rtype).unwrap_or(0),
            text: text.unwrap_or_default(),
            fields: Vec::new(),
        };
        // SAFETY: as above.
        let mut more = unsafe { auparse_first_field(au) } == 1;
        while more {
            // SAFETY: as above, with a current field; each string is
            // copied before the next call on the parser.
            let (name, value) = unsafe {
                (
                    copy_str(auparse_get_field_name(au)),
                    copy_str(auparse_get_field_str(au)),
                )
            };
            if let (Some(name), Some(value)) = (name, value) {
                let interpreted = if INTERPRETED.contains(&name.as_str()) {
                    // SAFETY: as above; the interpretation is valid until
                    // the next interpretation, and is copied at once.
                    unsafe { copy_str(auparse_interpret_field(au)) }
                } else {
                    None
                };
                record.fields.push(Field {
                    name,
                    value,
                    interpreted,
                });
            }
            // SAFETY: as above.
            more = unsafe { auparse_next_field(au) } == 1;
        }
        record
    }
}

impl Drop for Parser {
    fn drop(&mut self) {
        // SAFETY: `au` came from auparse_init and is destroyed only here.
        unsafe { auparse_destroy(self.au.as_ptr()) };
    }
}

/// Every event of the logs `paths`, as libauparse groups them, in log order.
pub fn read_events(paths: &[PathBuf]) -> Result<Vec<Event>> {
    // A panic elsewhere while holding the lock leaves no parser behind:
    // the lock is still good.
    let _guard = LIBAUPARSE.lock().unwrap_or_else(PoisonError::into_inner);
    let mut parser = Parser::open(paths)?;
    let mut events = Vec::new();
    while let Some(e) = parser.next_event()? {
        events.push(e);
    }
    Ok(events)
}
