// SPDX-License-Identifier: GPL-2.0

//! `contid run`: start a command as the first process of a container.
//!
//! The child is forked, then waits on a pipe; the parent registers it
//! (the child has no children yet, and is not the parent's own process,
//! so the kernel's rules 3 and 7 hold), and only then lets it exec the
//! command. A child that is never registered never runs the command: if
//! the parent fails or dies, the child reads end-of-file and exits 125.

use std::ffi::{CString, OsString};
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;

use anyhow::{anyhow, Context, Result};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::signal::{signal, SigHandler, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{execvp, fork, pipe2, read, write, ForkResult, Pid};

use crate::id::ContainerId;
use crate::ids;
use crate::ls;
use crate::proc::{self, Target};

/// The child's exit status when it was never registered.
pub const NOT_REGISTERED: i32 = 125;

/// The exit status for a child's wait status: its own, or 128 + the
/// signal that killed it, as shells report it.
pub fn exit_status(status: WaitStatus) -> Option<u8> {
    match status {
        WaitStatus::Exited(_, code) => Some(u8::try_from(code & 0xff).unwrap_or(1)),
        WaitStatus::Signaled(_, sig, _) => Some(u8::try_from(128 + sig as i32).unwrap_or(255)),
        _ => None,
    }
}

fn wait(child: Pid) -> Result<u8> {
    loop {
        match waitpid(child, None) {
            Ok(status) => {
                if let Some(code) = exit_status(status) {
                    return Ok(code);
                }
            }
            Err(Errno::EINTR) => {}
            Err(e) => {
                return Err(anyhow!(
                    "cannot wait for process {child} ({e}): it may still run; check with ps"
                ))
            }
        }
    }
}

/// Ends the forked child at once: not `exit`, which would run the
/// parent's atexit handlers and flush its stdio buffers a second time.
fn _exit(code: i32) -> ! {
    // SAFETY: _exit(2) takes any status and touches no memory of ours.
    unsafe { nix::libc::_exit(code) }
}

/// In the child: wait for the parent's go, then exec. Never returns.
fn child(go: OwnedFd, exec_errors: OwnedFd, argv: &[CString]) -> ! {
    let mut byte = [0u8; 1];
    let go_ahead = loop {
        match read(&go, &mut byte) {
            Ok(1) => break true,
            Err(Errno::EINTR) => {}
            _ => break false,
        }
    };
    if !go_ahead {
        _exit(NOT_REGISTERED);
    }
    // Rust ignores SIGPIPE in its own process; the command gets the
    // default, as it would from a shell.
    // SAFETY: setting a signal to its default disposition installs no
    // handler.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
    let e = match execvp(&argv[0], argv) {
        Err(e) => e,
        Ok(never) => match never {},
    };
    let _ = write(&exec_errors, &(e as i32).to_ne_bytes());
    _exit(127)
}

/// What `contid run` prints once the child is registered.
pub fn describe(pid: i32, info: &proc::Info, joined: Option<bool>) -> String {
    let how = match joined {
        Some(true) => " (joined the live container)",
        Some(false) => " (new container)",
        None => "",
    };
    let session = info
        .session
        .map_or_else(|| "none".to_owned(), |s| s.to_string());
    format!(
        "contid: process {pid} runs in {}{how}, session {session}",
        info.contid
    )
}

/// Forks a child that runs `command` once `register` has returned `Ok`
/// for its PID, waits for it, and returns its exit status (127 when the
/// command cannot be found, 126 when it cannot be run). When `register`
/// fails, the child exits without running the command and the error is
/// returned.
pub fn spawn_registered(
    command: &[OsString],
    register: impl FnOnce(i32) -> Result<()>,
) -> Result<u8> {
    let argv: Vec<CString> = command
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow!("a command argument holds a NUL byte: remove it"))?;
    if argv.is_empty() {
        return Err(anyhow!("no command to run: give one after --"));
    }
    let (go_r, go_w) =
        pipe2(OFlag::O_CLOEXEC).context("cannot create a pipe: check the open-file limit")?;
    let (err_r, err_w) =
        pipe2(OFlag::O_CLOEXEC).context("cannot create a pipe: check the open-file limit")?;
    // SAFETY: the child only reads a pipe, resets SIGPIPE and execs (or
    // exits). contid starts no threads; where a test harness has some, the
    // child's allocation in execvp relies on glibc's fork handling of its
    // malloc locks.
    let child_pid = match unsafe { fork() }.context("cannot fork: check the process limit")? {
        ForkResult::Child => {
            drop(go_w);
            drop(err_r);
            child(go_r, err_w, &argv)
        }
        ForkResult::Parent { child } => child,
    };
    drop(go_r);
    drop(err_w);

    if let Err(e) = register(child_pid.as_raw()) {
        // Closing the pipe tells the child to exit without running CMD.
        drop(go_w);
        let _ = wait(child_pid);
        return Err(e);
    }
    // Like system(3): the terminal's ^C and ^\ are for the command; contid
    // stays to report how it ended.
    // SAFETY: ignoring a signal installs no handler.
    unsafe {
        let _ = signal(Signal::SIGINT, SigHandler::SigIgn);
        let _ = signal(Signal::SIGQUIT, SigHandler::SigIgn);
    }
    write(&go_w, b"1")
        .context("cannot start the registered process: it exited early; check the command")?;
    drop(go_w);

    let mut buf = Vec::new();
    let mut err_r = std::fs::File::from(err_r);
    let _ = err_r.read_to_end(&mut buf);
    if let Ok(bytes) = <[u8; 4]>::try_from(buf.as_slice()) {
        let _ = wait(child_pid);
        let e = Errno::from_raw(i32::from_ne_bytes(bytes));
        let name = command[0].to_string_lossy();
        eprintln!("contid: cannot run {name:?}: {} ({e:?}): check the command's name, PATH and permissions", e.desc());
        return Ok(if e == Errno::ENOENT { 127 } else { 126 });
    }
    wait(child_pid)
}

/// Runs `command` as the first process of container `id` (a new random
/// ID if `None`), waits for it, and returns its exit status.
pub fn run(id: Option<ContainerId>, command: &[OsString], quiet: bool) -> Result<u8> {
    if !proc::feature_present() {
        return Err(anyhow!(proc::NO_FEATURE));
    }
    let id = id.unwrap_or_else(ids::random_id);
    // Whether the chain the child will have is live already (then the
    // kernel joins it). Best effort: debugfs may be missing.
    let joined = proc::read_info(Target::SelfProcess).ok().and_then(|me| {
        let mut chain = ids::parse_chain(&me.contid).ok()?;
        chain.push(id);
        let live = ls::read().ok()?;
        Some(live.iter().any(|c| c.chain == chain))
    });
    spawn_registered(command, |pid| {
        proc::register(pid, id)?;
        if !quiet {
            // The child is still waiting: its chain and session are settled.
            match proc::read_info(Target::Pid(pid)) {
                Ok(info) => eprintln!("{}", describe(pid, &info, joined)),
                Err(e) => {
                    eprintln!("contid: registered process {pid}, but cannot read it back: {e:#}")
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_is_the_commands_or_128_plus_signal() {
        let p = Pid::from_raw(1);
        assert_eq!(exit_status(WaitStatus::Exited(p, 0)), Some(0));
        assert_eq!(exit_status(WaitStatus::Exited(p, 3)), Some(3));
        assert_eq!(
            exit_status(WaitStatus::Signaled(p, Signal::SIGKILL, false)),
            Some(137)
        );
        assert_eq!(
            exit_status(WaitStatus::Signaled(p, Signal::SIGINT, true)),
            Some(130)
        );
        assert_eq!(exit_status(WaitStatus::StillAlive), None);
    }

    #[test]
    fn the_registration_is_described() {
        let info = proc::Info {
            pid: 9,
            contid: "00000000-0000-0000-0000-00000000002a".to_owned(),
            chain: vec!["00000000-0000-0000-0000-00000000002a".to_owned()],
            session: Some(3),
        };
        assert_eq!(
            describe(9, &info, Some(true)),
            "contid: process 9 runs in 00000000-0000-0000-0000-00000000002a (joined the live container), session 3"
        );
        assert!(describe(9, &info, None).ends_with("2a, session 3"));
    }
}
