// SPDX-License-Identifier: GPL-2.0

//! `contid`: the userspace side of audit container identifiers.
//!
//! Registers processes in containers (`/proc/PID/audit_containerid`), lists
//! live containers (debugfs), runs as an OCI `createRuntime` hook, manages
//! `contid` audit filter rules over netlink, and finds a container's events
//! in the audit log through libauparse. See docs/contid.md.

/// The kernel's own ID parser and formatter (rust/id.rs, pure `core`),
/// compiled here from the very file the kernel builds, so that the tool
/// accepts exactly what the kernel accepts and prints what it prints.
/// The kernel's lint formats it; `cargo fmt` here leaves it alone.
#[allow(dead_code)]
#[rustfmt::skip]
#[path = "../../../rust/id.rs"]
pub mod id;

pub mod auparse;
pub mod cli;
pub mod errno;
pub mod ids;
pub mod log;
pub mod ls;
pub mod netlink;
pub mod oci;
pub mod proc;
pub mod rules;
pub mod run;
