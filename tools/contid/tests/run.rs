// SPDX-License-Identifier: GPL-2.0

//! `contid run`'s process handling, with the registration stubbed out (the
//! kernel side needs a kernel with the feature): the child waits until it
//! is registered, never runs the command when registration fails, and
//! contid exits with the command's status.

use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;

use anyhow::anyhow;
use contid::run::spawn_registered;

fn cmd(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{name}-{}", std::process::id()));
    let _ = fs::remove_file(&path);
    path
}

#[test]
fn the_child_waits_for_its_registration_then_runs_the_command() {
    let marker = scratch("ran");
    let script = format!("touch '{}'; exit 3", marker.display());
    let mut seen = None;
    let status = spawn_registered(&cmd(&["sh", "-c", &script]), |pid| {
        // Still contid, not yet sh: the command waits for us.
        let exe = fs::read_link(format!("/proc/{pid}/exe"))?;
        seen = Some(exe == fs::read_link("/proc/self/exe")?);
        assert!(!marker.exists());
        Ok(())
    })
    .expect("runs");
    assert_eq!(status, 3);
    assert_eq!(seen, Some(true));
    assert!(marker.exists());
    let _ = fs::remove_file(&marker);
}

#[test]
fn a_refused_registration_never_runs_the_command() {
    let marker = scratch("never");
    let script = format!("touch '{}'", marker.display());
    let err = spawn_registered(&cmd(&["sh", "-c", &script]), |_| Err(anyhow!("refused")))
        .expect_err("registration fails");
    assert_eq!(err.to_string(), "refused");
    assert!(!marker.exists());
}

#[test]
fn signals_and_missing_commands_give_shell_statuses() {
    let ok = |_| Ok(());
    assert_eq!(
        spawn_registered(&cmd(&["sh", "-c", "kill -TERM $$"]), ok).expect("runs"),
        128 + 15
    );
    assert_eq!(
        spawn_registered(&cmd(&["/nonexistent/command"]), ok).expect("runs"),
        127
    );
    assert_eq!(
        spawn_registered(&cmd(&["/proc/self/status"]), ok).expect("runs"),
        126
    );
    assert_eq!(spawn_registered(&cmd(&["true"]), ok).expect("runs"), 0);
    assert!(spawn_registered(&[], ok).is_err());
}
