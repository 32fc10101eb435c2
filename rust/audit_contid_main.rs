// SPDX-License-Identifier: GPL-2.0

//! Audit container identifiers.
//!
//! An orchestrator with CAP_AUDIT_CONTROL registers the first process of a
//! container by writing a 128-bit ID to `/proc/PID/audit_containerid`; every
//! descendant inherits it, IDs nest append-only, and each registration starts
//! a container session. See Documentation/security/audit-containerid.rst
//! for how the pieces fit.

use kernel::prelude::*;

mod audit;
mod container;
mod debugfs;
mod errno;
mod filter;
mod hooks;
mod id;
mod namespaces;
mod netns;
mod proc;
mod refcount;
mod register;
mod registry;
mod rules;
mod session;
mod signal;
mod slab;
mod task;

// The C-callable API declared in include/linux/audit_contid.h.
pub use audit::{
    audit_contid_log_net, audit_contid_log_subject, audit_contid_log_target, audit_contid_ref_set,
    audit_contid_refs_put,
};
pub use container::audit_contid_reap;
pub use filter::audit_contid_match;
pub use hooks::{audit_contid_fork, audit_contid_release};
pub use namespaces::{__audit_contid_ns_change_log, audit_contid_net_entered};
pub use netns::audit_contid_net_exit;
pub use proc::{audit_contid_proc_read, audit_contsession_proc_read};
pub use register::audit_contid_proc_write;
pub use signal::{audit_contid_sig_sender, audit_contid_sig_sender_take};

module! {
    type: AuditContid,
    name: "audit_contid",
    authors: ["audit-contid developers"],
    description: "Audit container identifiers",
    license: "GPL",
}

struct AuditContid {
    _debugfs: debugfs::Debugfs,
}

impl kernel::Module for AuditContid {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        registry::init();
        let containers = slab::KmemCache::new(c"audit_contid_container")?;
        let sessions = slab::KmemCache::new(c"audit_contid_session")?;
        // Set once, here: the initialiser runs once.
        if !container::CONTAINERS.populate(containers) || !session::SESSIONS.populate(sessions) {
            return Err(EBUSY);
        }
        netns::init()?;
        Ok(AuditContid {
            _debugfs: debugfs::Debugfs::new()?,
        })
    }
}
