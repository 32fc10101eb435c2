// SPDX-License-Identifier: GPL-2.0

//! What the kernel's refusals mean, in words, with what to do.
//!
//! A write to `/proc/PID/audit_containerid` is checked against the rules
//! of docs/admin-guide.rst ("Rules") in order; the first failing rule
//! decides the errno. Each errno maps to one line naming that rule and
//! telling the user what to do about it.

use nix::errno::Errno;

/// The symbolic name of an errno (`EBUSY`), or `errno N` when unknown.
pub fn name(errno: i32) -> String {
    match Errno::from_raw(errno) {
        Errno::UnknownErrno => format!("errno {errno}"),
        e => format!("{e:?}"),
    }
}

/// Why the kernel refused to register a process, and what to do.
///
/// `has_cap` tells the two `EPERM` rules apart: `Some(false)` when contid
/// lacks `CAP_AUDIT_CONTROL` (rule 1), `Some(true)` when it has it, so the
/// target must be its own process or a kernel thread (rule 3), `None` when
/// unknown.
pub fn refusal(errno: i32, has_cap: Option<bool>) -> String {
    let n = name(errno);
    match Errno::from_raw(errno) {
        Errno::EPERM => match has_cap {
            Some(false) => format!(
                "contid lacks CAP_AUDIT_CONTROL ({n}): run it as root in the initial user namespace"
            ),
            Some(true) => format!(
                "the target is contid's own process or a kernel thread ({n}): register another, user-space process (contid run starts one)"
            ),
            None => format!(
                "contid lacks CAP_AUDIT_CONTROL, or the target is its own process or a kernel thread ({n}): run contid as root on another, user-space process"
            ),
        },
        Errno::EACCES => format!(
            "permission denied opening the file for writing ({n}): run contid as root"
        ),
        Errno::EINVAL => format!(
            "the kernel refused the ID as malformed or nil ({n}): give a UUID, 0x and 1 to 32 hex digits, or a decimal number from 1 to 2^128-1"
        ),
        Errno::ESRCH => format!(
            "the target is exiting or gone ({n}): register a live process"
        ),
        Errno::EXDEV => format!(
            "the target is outside the container contid runs in ({n}): run contid in the target's container or above it (on the host)"
        ),
        Errno::EALREADY => format!(
            "the target is already registered, and a process's container is write-once ({n}): register a new process instead (contid run starts one)"
        ),
        Errno::EBUSY => format!(
            "the target already has children ({n}): register a container's first process before it forks"
        ),
        Errno::EMLINK => format!(
            "the container would be nested deeper than 8 levels ({n}): register it at a shallower level"
        ),
        Errno::EEXIST => format!(
            "the ID is live under another parent container ({n}): choose another ID, or wait until that container has ended"
        ),
        Errno::ENOMEM => format!(
            "the kernel is out of memory ({n}): free some memory and try again"
        ),
        Errno::EFAULT => format!(
            "the kernel could not read the ID from contid's memory ({n}): this is a bug in contid, please report it"
        ),
        e => format!(
            "{} ({n}): check docs/admin-guide.rst for this error",
            e.desc()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_has_its_own_line_with_what_to_do() {
        let cases: &[(Errno, Option<bool>, &str)] = &[
            (Errno::EPERM, Some(false), "lacks CAP_AUDIT_CONTROL (EPERM): run it as root"),
            (Errno::EPERM, Some(true), "own process or a kernel thread (EPERM): register another"),
            (Errno::EPERM, None, "(EPERM): run contid as root on another"),
            (Errno::EINVAL, None, "malformed or nil (EINVAL): give a UUID"),
            (Errno::ESRCH, None, "exiting or gone (ESRCH): register a live process"),
            (Errno::EXDEV, None, "outside the container contid runs in (EXDEV): run contid in"),
            (Errno::EALREADY, None, "already registered, and a process's container is write-once (EALREADY): register a new process"),
            (Errno::EBUSY, None, "target already has children (EBUSY): register a container's first process before it forks"),
            (Errno::EMLINK, None, "deeper than 8 levels (EMLINK): register it at a shallower level"),
            (Errno::EEXIST, None, "live under another parent container (EEXIST): choose another ID"),
            (Errno::EACCES, None, "(EACCES): run contid as root"),
            (Errno::ENOMEM, None, "(ENOMEM): free some memory"),
            (Errno::EFAULT, None, "(EFAULT): this is a bug in contid"),
            (Errno::EIO, None, "(EIO): check docs/admin-guide.rst"),
        ];
        for &(e, cap, want) in cases {
            let msg = refusal(e as i32, cap);
            assert!(msg.contains(want), "{e:?}: {msg}");
            assert!(!msg.contains('\n'), "{e:?}: one line");
        }
    }

    #[test]
    fn unknown_errnos_are_named_by_number() {
        assert_eq!(name(100_000), "errno 100000");
        assert!(refusal(100_000, None).contains("(errno 100000)"));
    }
}
