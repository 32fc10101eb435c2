// SPDX-License-Identifier: GPL-2.0

//! `/proc/PID/audit_containerid` and `/proc/PID/audit_containersession`.

use std::fs::{self, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use crate::errno;
use crate::id::ContainerId;
use crate::ids;

/// The session number that means "in no container".
pub const NO_SESSION: u32 = u32::MAX;

/// What to tell a user whose kernel lacks the feature.
pub const NO_FEATURE: &str = "this kernel has no audit container IDs (/proc/self/audit_containerid does not exist): boot a kernel built with CONFIG_AUDIT_CONTAINERID=y";

/// Which process: a PID, or contid itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// contid's own process (`/proc/self`).
    SelfProcess,
    /// The process with this PID.
    Pid(i32),
}

impl Target {
    fn dir(self) -> PathBuf {
        match self {
            Target::SelfProcess => PathBuf::from("/proc/self"),
            Target::Pid(pid) => PathBuf::from(format!("/proc/{pid}")),
        }
    }

    fn describe(self) -> String {
        match self {
            Target::SelfProcess => "contid's own process".to_owned(),
            Target::Pid(pid) => format!("process {pid}"),
        }
    }
}

/// A process's container chain and session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Info {
    /// The process.
    pub pid: i32,
    /// Its chain as the kernel prints it, `unset` when in no container.
    pub contid: String,
    /// Its chain's IDs, outermost first.
    pub chain: Vec<String>,
    /// Its container session; `None` when in no container.
    pub session: Option<u32>,
}

/// Whether the running kernel has the feature.
pub fn feature_present() -> bool {
    Path::new("/proc/self/audit_containerid").exists()
}

/// Parses `/proc/PID/audit_containersession`: a decimal number and a
/// newline; [`NO_SESSION`] means none.
pub fn parse_session(text: &str) -> Result<Option<u32>> {
    let n: u32 = text
        .strip_suffix('\n')
        .unwrap_or(text)
        .parse()
        .map_err(|_| {
            anyhow!("{text:?} is not a container session number: check that contid matches the running kernel")
        })?;
    Ok((n != NO_SESSION).then_some(n))
}

fn missing(target: Target, path: &Path) -> anyhow::Error {
    if !feature_present() {
        anyhow!(NO_FEATURE)
    } else if !target.dir().exists() {
        anyhow!(
            "there is no {}: check the PID (ps -e lists processes)",
            target.describe()
        )
    } else {
        anyhow!(
            "{} does not exist: check that contid matches the running kernel",
            path.display()
        )
    }
}

fn read_proc_file(target: Target, name: &str) -> Result<String> {
    let path = target.dir().join(name);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(missing(target, &path)),
        Err(e) if e.raw_os_error() == Some(nix::libc::ESRCH) => {
            Err(anyhow!("{} has exited: check the PID", target.describe()))
        }
        Err(e) => Err(e).with_context(|| {
            format!(
                "cannot read {}: check that it exists and that you may read it",
                path.display()
            )
        }),
    }
}

/// Reads the chain and session of `target`.
pub fn read_info(target: Target) -> Result<Info> {
    let chain_text = read_proc_file(target, "audit_containerid")?;
    let session_text = read_proc_file(target, "audit_containersession")?;
    let chain = ids::parse_chain(&chain_text)?;
    let session = parse_session(&session_text)?;
    let pid = match target {
        Target::SelfProcess => i32::try_from(std::process::id()).unwrap_or(-1),
        Target::Pid(pid) => pid,
    };
    Ok(Info {
        pid,
        contid: ids::chain_string(&chain),
        chain: chain.iter().map(|&id| ids::uuid_string(id)).collect(),
        session,
    })
}

/// Whether contid holds `CAP_AUDIT_CONTROL` in its effective set, if that
/// can be told.
pub fn has_audit_control() -> Option<bool> {
    caps::has_cap(
        None,
        caps::CapSet::Effective,
        caps::Capability::CAP_AUDIT_CONTROL,
    )
    .ok()
}

/// Registers the whole process `pid` in container `id` below contid's own
/// container. Returns a one-line error naming the kernel's rule on refusal.
pub fn register(pid: i32, id: ContainerId) -> Result<()> {
    if pid <= 0 {
        bail!("{pid} is not a process ID: give a positive PID");
    }
    let target = Target::Pid(pid);
    let path = target.dir().join("audit_containerid");
    let uuid = ids::uuid_string(id);
    let what = format!("cannot register process {pid} in container {uuid}");
    let file = match OpenOptions::new().write(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(missing(target, &path)),
        Err(e) => {
            let n = e.raw_os_error().unwrap_or(0);
            bail!("{what}: {}", errno::refusal(n, has_audit_control()));
        }
    };
    // One write at offset 0, as the kernel requires (a second write on
    // the same open file would be at a non-zero offset).
    match file.write_at(uuid.as_bytes(), 0) {
        Ok(n) if n == uuid.len() => Ok(()),
        Ok(n) => bail!(
            "{what}: the kernel took {n} of {} bytes: check that contid matches the running kernel",
            uuid.len()
        ),
        Err(e) => {
            let n = e.raw_os_error().unwrap_or(0);
            bail!("{what}: {}", errno::refusal(n, has_audit_control()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_parse_with_none_for_the_sentinel() {
        assert_eq!(parse_session("3\n").ok(), Some(Some(3)));
        assert_eq!(parse_session("0\n").ok(), Some(Some(0)));
        assert_eq!(parse_session("4294967295\n").ok(), Some(None));
        assert!(parse_session("x\n").is_err());
        assert!(parse_session("-1\n").is_err());
    }

    #[test]
    fn a_bad_pid_is_refused_before_the_kernel_sees_it() {
        let id = ContainerId::new(1).expect("non-zero");
        let e = register(0, id).expect_err("pid 0");
        assert!(e.to_string().contains("give a positive PID"));
    }
}
