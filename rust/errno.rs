// SPDX-License-Identifier: GPL-2.0

//! The one place where registration failures become errnos.
//!
//! Keep this table and the one in
//! Documentation/admin-guide/audit-containerid.rst in step.

use kernel::error::{code::*, Error};

use crate::{register::RegisterError, rules::Refusal};

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

impl From<RegisterError> for Error {
    fn from(e: RegisterError) -> Error {
        match e {
            RegisterError::Refused(r) => refusal(r),
            RegisterError::NoMemory => ENOMEM,
            RegisterError::Busy => EBUSY,
        }
    }
}
