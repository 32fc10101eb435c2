// SPDX-License-Identifier: GPL-2.0

//! The one place where registration failures become errnos.
//!
//! Keep this table and the one in docs/admin-guide.rst in step.

use kernel::error::{code::*, Error};

use crate::{registry::RegisterError, rules::Refusal};

/// The errno userspace sees for a refused registration.
pub(crate) fn refusal(r: Refusal) -> Error {
    match r {
        Refusal::NotCapable => EPERM,
        Refusal::Invalid(_) => EINVAL,
        Refusal::OwnProcess => EPERM,
        Refusal::Gone => ESRCH,
        Refusal::OutOfScope => EXDEV,
        Refusal::AlreadyRegistered => EALREADY,
        Refusal::HasChildren => EBUSY,
        Refusal::TooDeep => EMLINK,
        Refusal::IdInUse => EEXIST,
    }
}

/// The errno userspace sees for any failed registration.
pub(crate) fn register(e: RegisterError) -> Error {
    match e {
        RegisterError::Refused(r) => refusal(r),
        RegisterError::NoMemory => ENOMEM,
        RegisterError::Exhausted => EOVERFLOW,
        // Never leaves registry::register(), which retries.
        RegisterError::Raced => EAGAIN,
    }
}
