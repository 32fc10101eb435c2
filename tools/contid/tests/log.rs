// SPDX-License-Identifier: GPL-2.0

//! `contid log` on a recorded audit.log, through the real libauparse.
//!
//! tests/data/audit.log is written by hand in the exact format of Debian's
//! auditd 3.0.9 (enriched, `type=UNKNOWN[1340|1341]`): containers A and C
//! at the top level, B nested in A, and tasks outside any container. Its
//! events, in time order (serial: what):
//!
//! * 87 runc registers A (op=set, session 1);      88 A's init execs sh
//! * 89 an outside `id`;                           90 crun registers C (session 2), a lone record
//! * 91 cat in A opens /etc/shadow;                92 a user message from A (CONTAINER_ID first)
//! * 93 runc joins A (session 3);                  94 `ls -l` in A's session 3
//! * 95 A's sh in wait4: logged after 97, but earlier in time
//! * 96 nginx in C;                                97 A's sh registers A/B (op=nest, session 4)
//! * 98 sleep in A/B;                              99 an outside kill of A/B's sleep (opid)
//! * 100 A/B ends (op=destroy);                    101 an outside user message
//! * 102 C's worker, whose comm is hex encoded
//! * 103 crun's registration into C refused (EBUSY: no session)
//! * 104 C's worker unshares UTS and net (op=ns, an exit rule on unshare)
//!
//! The records are in the grammar of the kernel's issue 20: namespaces as
//! their IDs, `unset` the only placeholder, the subject's fields only in a
//! registration record that stands alone (90: crun had no audit context).

use std::path::PathBuf;
use std::process::Command;

use contid::ids::parse_id;
use contid::log::{self, Role};

const A: &str = "7d9c5b1e-2f4a-4c3b-9e8d-00000000000a";
const B: &str = "00000000-0000-0000-0000-000000000b0b";
const C: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/audit.log")
}

fn events() -> Vec<log::Event> {
    contid::auparse::read_events(&[fixture()]).expect("libauparse reads the fixture")
}

fn serials(id: &str) -> Vec<u64> {
    let events = events();
    log::select(&events, parse_id(id).expect("valid ID"))
        .iter()
        .map(|f| f.event.serial)
        .collect()
}

#[test]
fn libauparse_groups_container_records_into_their_events() {
    let events = events();
    let types = |serial: u64| -> Vec<u32> {
        let e = events
            .iter()
            .find(|e| e.serial == serial)
            .expect("event present");
        e.records.iter().map(|r| r.rtype).collect()
    };
    // 19 events: the daemon's start and serials 87 to 104.
    assert_eq!(events.len(), 19);
    // CONTAINER_ID right after SYSCALL, in the same event.
    assert_eq!(types(88), vec![1300, 1340, 1309, 1307, 1302, 1302, 1327]);
    // A user message preceded by its CONTAINER_ID: one event.
    assert_eq!(types(92), vec![1340, 1123]);
    // The registration record belongs to the writer's syscall event.
    assert_eq!(types(97), vec![1341, 1300, 1340, 1327]);
    // A lone CONTAINER_OP is an event of its own.
    assert_eq!(types(100), vec![1341]);
    assert_eq!(types(90), vec![1341]);
    // A namespace change belongs to its system call's event.
    assert_eq!(types(104), vec![1300, 1340, 1341, 1327]);
    let e102 = events
        .iter()
        .find(|e| e.serial == 102)
        .expect("event present");
    assert_eq!(e102.records[0].text_field("comm"), Some("nginx: worker"));
    assert_eq!((e102.sec, e102.milli), (1_764_450_004, 500));
}

#[test]
fn a_container_has_its_own_and_its_nested_containers_events_in_time_order() {
    // 95 is logged after 97 but happened before 96 and 97.
    assert_eq!(
        serials(A),
        vec![87, 88, 91, 92, 93, 94, 95, 97, 98, 99, 100]
    );
    // Any form of the ID: B is 0xb0b, 2827.
    for b in [B, "0xb0b", "2827"] {
        assert_eq!(serials(b), vec![97, 98, 99, 100], "{b}");
    }
    assert_eq!(serials(C), vec![90, 96, 102, 103, 104]);
    assert!(serials("0x1234").is_empty());
}

#[test]
fn each_event_says_how_it_concerns_the_container() {
    let events = events();
    let found = log::select(&events, parse_id(B).expect("valid ID"));
    let ab = format!("{A}/{B}");
    let roles: Vec<Vec<(Role, Option<u32>)>> = found
        .iter()
        .map(|f| f.matches.iter().map(|m| (m.role, m.session)).collect())
        .collect();
    assert_eq!(
        roles,
        vec![
            vec![(Role::Op, Some(4))],
            vec![(Role::Subject, Some(4))],
            vec![(Role::Target, Some(4))],
            vec![(Role::Op, None)],
        ]
    );
    assert!(found
        .iter()
        .all(|f| f.matches.iter().all(|m| m.contid == ab)));
    assert_eq!(found[2].matches[0].opid, Some(330));
    assert_eq!(found[3].matches[0].op.as_deref(), Some("destroy"));

    let text = log::render_events(&found);
    assert!(text.starts_with(&format!(
        "---- 2025-11-29T21:00:03.000Z audit(1764450003.000:97) op=nest {ab} session 4\n\
         type=UNKNOWN[1341] msg=audit(1764450003.000:97): op=nest opid=330 contid={ab}"
    )));
    assert!(text.contains(&format!(
        "audit(1764450003.500:99) target pid 330 in {ab} session 4\n"
    )));
    assert!(!text.contains('\u{1d}'));
}

#[test]
fn registrations_and_namespace_changes_name_their_namespaces() {
    let events = events();
    let found = log::select(&events, parse_id(C).expect("valid ID"));
    let ns = |i: usize| -> Vec<(String, u64, Option<u64>)> {
        found[i].matches[0]
            .namespaces
            .iter()
            .map(|n| (n.name.clone(), n.id, n.old))
            .collect()
    };
    // The registration (90, a record of its own with its subject's fields):
    // the target's eight namespaces, by ID.
    assert_eq!(found[0].matches[0].op.as_deref(), Some("set"));
    assert_eq!(
        ns(0),
        [
            ("mntns", 20),
            ("utsns", 21),
            ("ipcns", 22),
            ("pidns", 23),
            ("netns", 25),
            ("userns", 3),
            ("cgroupns", 24),
            ("timens", 6)
        ]
        .map(|(n, id)| (n.to_owned(), id, None))
    );
    // The refused registration: no session (contsession=unset).
    let refused = &found[3].matches[0];
    assert_eq!(
        (refused.session, refused.success, refused.opid),
        (None, Some(false), Some(345))
    );
    // The namespace change: what changed, old and new.
    let m: Vec<(Role, Option<u32>)> = found[4]
        .matches
        .iter()
        .map(|m| (m.role, m.session))
        .collect();
    assert_eq!(m, vec![(Role::Subject, Some(2)), (Role::Op, Some(2))]);
    let changed: Vec<(String, u64, Option<u64>)> = found[4].matches[1]
        .namespaces
        .iter()
        .map(|n| (n.name.clone(), n.id, n.old))
        .collect();
    assert_eq!(
        changed,
        vec![
            ("utsns".to_owned(), 31, Some(21)),
            ("netns".to_owned(), 32, Some(25))
        ]
    );
    let text = log::render_events(&found);
    assert!(text.contains(&format!("audit(1764450005.000:103) op=set {C} refused\n")));
    assert!(text.contains(&format!(
        "audit(1764450005.500:104) in {C} session 2; op=ns {C} session 2: utsns 21->31, netns 25->32\n"
    )));
}

#[test]
fn sessions_summarise_each_entry_into_the_container() {
    let events = events();
    let found = log::select(&events, parse_id(A).expect("valid ID"));
    let s = log::sessions(&found);
    let ab = format!("{A}/{B}");
    let got = serde_json::to_value(&s).expect("JSON");
    let want = serde_json::json!([
        // set (87), sh (88), cat (91), user message (92), wait4 (95), nest (97)
        {"contid": A, "session": 1, "first": "2025-11-29T21:00:00.123Z",
         "last": "2025-11-29T21:00:03.000Z", "events": 6, "auid": 4294967295u32,
         "comm": "sh", "exe": "/usr/bin/dash"},
        // join (93), ls (94)
        {"contid": A, "session": 3, "first": "2025-11-29T21:00:02.000Z",
         "last": "2025-11-29T21:00:02.100Z", "events": 2, "auid": 1000,
         "comm": "ls", "exe": "/usr/bin/ls"},
        // nest (97), sleep (98), the kill's target (99)
        {"contid": ab, "session": 4, "first": "2025-11-29T21:00:03.000Z",
         "last": "2025-11-29T21:00:03.500Z", "events": 3, "auid": 4294967295u32,
         "comm": "sleep", "exe": "/usr/bin/sleep"},
    ]);
    assert_eq!(got, want);
    let text = log::render_sessions(&s);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(
        lines[2].contains("1000") && lines[2].contains("ls (/usr/bin/ls)") && lines[2].ends_with(A)
    );
    assert!(lines[1].contains("unset"));
}

#[test]
fn the_log_command_prints_text_and_json() {
    let bin = env!("CARGO_BIN_EXE_contid");
    let out = Command::new(bin)
        .args(["log", C, "--file"])
        .arg(fixture())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().filter(|l| l.starts_with("---- ")).count(), 5);
    assert!(text.contains("type=UNKNOWN[1340] msg=audit(1764450004.500:102): contid=3f2504e0"));

    let out = Command::new(bin)
        .args(["log", C, "--sessions", "--json", "--file"])
        .arg(fixture())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_eq!(v[0]["contid"], C);
    assert_eq!(v[0]["session"], 2);
    // 90, 96, 102 and 104 (103, refused, has no session).
    assert_eq!(v[0]["events"], 4);
    assert_eq!(v[0]["comm"], "nginx");

    let out = Command::new(bin)
        .args(["log", B, "--json", "--file"])
        .arg(fixture())
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v[1]["serial"], 98);
    assert_eq!(v[1]["matches"][0]["role"], "subject");
    assert_eq!(v[1]["records"][1]["type"], 1340);
}

#[test]
fn a_missing_log_says_what_to_do() {
    let out = Command::new(env!("CARGO_BIN_EXE_contid"))
        .args(["log", A, "--file", "/nonexistent/audit.log"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("does not exist: give the audit log with --file"),
        "{err}"
    );
}
