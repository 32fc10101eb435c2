// SPDX-License-Identifier: GPL-2.0

//! The `contid` binary: arguments, the OCI hook's input handling, and
//! errors that say what to do. Nothing here registers a real process on a
//! kernel without the feature; on one with it, `run` is exercised for real.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn contid(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_contid"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("contid starts");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("writes stdin");
    drop(input);
    child.wait_with_output().expect("contid ends")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn feature() -> bool {
    Path::new("/proc/self/audit_containerid").exists()
}

/// A PID above the kernel's limit (PID_MAX_LIMIT, 2^22): no such process.
const NO_PID: &str = "4194305";

#[test]
fn every_command_has_help() {
    for cmd in [
        &["--help"][..],
        &["get", "--help"],
        &["set", "--help"],
        &["run", "--help"],
        &["ls", "--help"],
        &["oci-hook", "--help"],
        &["rule", "--help"],
        &["rule", "add", "--help"],
        &["rule", "del", "--help"],
        &["rule", "list", "--help"],
        &["log", "--help"],
    ] {
        let out = contid(cmd, b"");
        assert!(out.status.success(), "{cmd:?}: {}", stderr(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: contid"),
            "{cmd:?}"
        );
    }
}

#[test]
fn bad_ids_are_refused_with_the_forms_to_give() {
    for id in [
        "0",
        "0x0",
        "hello",
        "00000000-0000-0000-0000-000000000000",
        "0x1ffffffffffffffffffffffffffffffff",
    ] {
        let out = contid(&["set", "1234", id], b"");
        assert_eq!(out.status.code(), Some(2), "{id}");
        assert!(
            stderr(&out).contains("0x and 1 to 32 hex digits"),
            "{id}: {}",
            stderr(&out)
        );
    }
    let out = contid(&["set", "0", "1"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hook_fails_closed_with_one_line() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "cannot read the OCI state JSON"),
        (b"{\"ociVersion\": ", "cannot read the OCI state JSON"),
        (br#"{"ociVersion":"1.0.2","id":"web","status":"creating","bundle":"/b"}"#, "has no \"pid\""),
        (
            br#"{"ociVersion":"1.0.2","id":"web","status":"creating","pid":1,"bundle":"/b","annotations":{"org.linux.audit.containerid":"nope"}}"#,
            "annotation org.linux.audit.containerid",
        ),
    ];
    for &(input, want) in cases {
        let out = contid(&["oci-hook"], input);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(input)
        );
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("contid: ") && err.contains(want), "{err}");
    }
}

#[test]
fn hook_fails_open_when_asked() {
    let out = contid(&["oci-hook", "--fail-open"], b"not json");
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("(ignored: --fail-open)"), "{err}");
}

#[test]
fn hook_refusal_by_the_system_is_one_line() {
    let state = format!(
        r#"{{"ociVersion":"1.0.2","id":"web","status":"creating","pid":{NO_PID},"bundle":"/b"}}"#
    );
    let out = contid(&["oci-hook"], state.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    let want = if feature() {
        "there is no process 4194305"
    } else {
        "CONFIG_AUDIT_CONTAINERID=y"
    };
    assert!(err.contains(want), "{err}");
    let out = contid(&["oci-hook", "--fail-open"], state.as_bytes());
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn get_and_ls_explain_a_kernel_without_the_feature() {
    let out = contid(&["get"], b"");
    if feature() {
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("contid: "));
        let out = contid(&["get", "--json"], b"");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert!(v["contid"].is_string());
    } else {
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("boot a kernel built with CONFIG_AUDIT_CONTAINERID=y"));
        let out = contid(&["ls"], b"");
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("CONFIG_AUDIT_CONTAINERID=y"));
    }
    let out = contid(&["get", NO_PID], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn run_exits_with_the_commands_status() {
    let out = contid(&["run", "--", "sh", "-c", "exit 3"], b"");
    if !feature() {
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("CONFIG_AUDIT_CONTAINERID=y"));
        return;
    }
    // Registering needs CAP_AUDIT_CONTROL (rule 1 of docs/admin-guide.rst).
    // Without it `run` must refuse, say why, and never run the command
    // (whose status, 3, would show).
    let has_cap = caps::has_cap(
        None,
        caps::CapSet::Effective,
        caps::Capability::CAP_AUDIT_CONTROL,
    )
    .expect("capabilities readable");
    if !has_cap {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("lacks CAP_AUDIT_CONTROL (EPERM)"),
            "{}",
            stderr(&out)
        );
        return;
    }
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(" runs in "), "{}", stderr(&out));
    // The command runs in the container and session `run` reports
    // ("process P runs in ID (new container), session N").
    let out = contid(
        &[
            "run",
            "--",
            "sh",
            "-c",
            "cat /proc/self/audit_containerid /proc/self/audit_containersession",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    let words: Vec<&str> = said.split_whitespace().collect();
    let at = words.iter().position(|&w| w == "in").expect("runs in ID");
    let session = words.last().expect("session N");
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(shown, format!("{}\n{session}\n", words[at + 1]), "{said}");
    assert_ne!(*session, "4294967295", "{said}");
    let out = contid(&["run", "-q", "--", "sh", "-c", "kill -TERM $$"], b"");
    assert_eq!(out.status.code(), Some(128 + 15));
    let out = contid(&["run", "-q", "--", "/nonexistent/cmd"], b"");
    assert_eq!(out.status.code(), Some(127));
}

#[test]
fn rule_arguments_are_checked_before_the_kernel_is_asked() {
    let out = contid(
        &[
            "rule",
            "add",
            "--contid",
            "42",
            "--list",
            "user",
            "--syscall",
            "execve",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--syscall applies only to the exit list"));
    let out = contid(
        &["rule", "add", "--contid", "42", "--syscall", "nosuchcall"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ausyscall x86_64 --dump"));
    let out = contid(&["rule", "add", "--contid", "0"], b"");
    assert_eq!(out.status.code(), Some(2));
}
