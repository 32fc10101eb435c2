// SPDX-License-Identifier: GPL-2.0

//! A container's events in the audit log: pure functions over events as
//! libauparse groups them ([`crate::auparse`] reads them).
//!
//! An event is a container's when one of its records names a chain that
//! holds the container's ID at any level (so nested containers count):
//!
//! * a `CONTAINER_ID` record (1340) without `opid=`: the event's subject
//!   is in the container ([`Role::Subject`]);
//! * a `CONTAINER_ID` record with `opid=`: a signal or ptrace target is in
//!   it ([`Role::Target`]);
//! * a `CONTAINER_OP` record (1341): a registration into the container,
//!   its end, or a namespace change of one of its tasks ([`Role::Op`]),
//!   with the namespaces it names ([`Namespace`]);
//! * a `CONTAINER_ID` record in the event of a `NETFILTER_PKT` record
//!   (1324): a packet logged in a network namespace the container's tasks
//!   have used; its `contid=` lists every such container's chain,
//!   comma-separated ([`Role::Packet`]).
//!
//! The records' grammar: `key=value` fields separated by single spaces,
//! `unset` for "no value" (no container, no chain, no session: such a field
//! names no container and no session), namespaces as their 64-bit IDs
//! (`mntns=`, ..., `timens=`, and `old-<ns>=` before a change).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::id::ContainerId;
use crate::ids;
use crate::proc::NO_SESSION;

/// `AUDIT_SYSCALL`.
pub const SYSCALL: u32 = 1300;
/// `AUDIT_NETFILTER_PKT`.
pub const NETFILTER_PKT: u32 = 1324;
/// `AUDIT_CONTAINER_ID`.
pub const CONTAINER_ID: u32 = 1340;
/// `AUDIT_CONTAINER_OP`.
pub const CONTAINER_OP: u32 = 1341;

/// One field of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its value as logged.
    pub value: String,
    /// Its value as libauparse interprets it (kept for `comm` and `exe`:
    /// unquoted, hex decoded).
    pub interpreted: Option<String>,
}

/// One record of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Its type number.
    pub rtype: u32,
    /// The whole line as logged.
    pub text: String,
    /// Its fields, in order.
    pub fields: Vec<Field>,
}

impl Record {
    /// The raw value of the first field called `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// The interpreted value of the first field called `name`, or its raw
    /// value.
    pub fn text_field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.interpreted.as_deref().unwrap_or(&f.value))
    }
}

/// One event: records sharing a timestamp and serial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Milliseconds.
    pub milli: u32,
    /// The event's serial.
    pub serial: u64,
    /// Its records, in log order.
    pub records: Vec<Record>,
}

impl Event {
    /// The audit timestamp, `1764450001.004:91`.
    pub fn stamp(&self) -> String {
        format!("{}.{:03}:{}", self.sec, self.milli, self.serial)
    }

    /// The time in RFC 3339, UTC, with milliseconds.
    pub fn time(&self) -> String {
        format_time(self.sec, self.milli)
    }
}

/// An epoch time as RFC 3339 in UTC, with milliseconds.
pub fn format_time(sec: i64, milli: u32) -> String {
    match jiff::Timestamp::new(sec, i32::try_from(milli).unwrap_or(0) * 1_000_000) {
        Ok(ts) => format!("{ts:.3}"),
        Err(_) => format!("{sec}.{milli:03}"),
    }
}

/// How an event concerns the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The event's subject is in the container.
    Subject,
    /// A signal or ptrace target is in it.
    Target,
    /// A registration into the container, its end, or a namespace change.
    Op,
    /// A packet logged in a network namespace its tasks have used.
    Packet,
}

/// The namespace fields of `CONTAINER_OP` records: the task's own
/// namespaces, and those its children get (`childpidns`, `childtimens`).
pub const NAMESPACES: &[&str] = &[
    "mntns",
    "utsns",
    "ipcns",
    "pidns",
    "childpidns",
    "netns",
    "userns",
    "cgroupns",
    "timens",
    "childtimens",
];

/// A namespace a `CONTAINER_OP` record names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Namespace {
    /// The field's name: `mntns`, `netns`, ...
    pub name: String,
    /// Its ID (what `NS_GET_ID` returns on `/proc/PID/ns/...`; 0: the
    /// kernel has no such namespace type).
    pub id: u64,
    /// For `op=ns`: the ID before the change (`old-<name>=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<u64>,
}

/// The namespaces `r` names, in its order. A field that is no number (a
/// malformed record) is left out.
fn namespaces_of(r: &Record) -> Vec<Namespace> {
    r.fields
        .iter()
        .filter(|f| NAMESPACES.contains(&f.name.as_str()))
        .filter_map(|f| {
            Some(Namespace {
                name: f.name.clone(),
                id: f.value.parse().ok()?,
                old: r
                    .field(&format!("old-{}", f.name))
                    .and_then(|v| v.parse().ok()),
            })
        })
        .collect()
}

/// One record that ties an event to the container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Match {
    /// How.
    pub role: Role,
    /// The chain the record names.
    pub contid: String,
    /// The container session, if any.
    pub session: Option<u32>,
    /// For [`Role::Op`]: `set`, `nest`, `join`, `destroy` or `ns`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// For [`Role::Op`]: whether the kernel accepted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// For [`Role::Target`] and [`Role::Op`]: the target process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opid: Option<i64>,
    /// For [`Role::Op`]: the namespaces the record names (the target's,
    /// for `set`, `nest` and `join`; those that changed, for `ns`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<Namespace>,
}

impl Match {
    fn describe(&self) -> String {
        let session = self
            .session
            .map(|s| format!(" session {s}"))
            .unwrap_or_default();
        match self.role {
            Role::Subject => format!("in {}{session}", self.contid),
            Role::Target => format!(
                "target pid {} in {}{session}",
                self.opid.map_or_else(|| "?".to_owned(), |p| p.to_string()),
                self.contid
            ),
            Role::Packet => format!("packet in a network namespace of {}", self.contid),
            Role::Op => format!(
                "op={} {}{session}{}{}",
                self.op.as_deref().unwrap_or("?"),
                self.contid,
                if self.success == Some(false) {
                    " refused"
                } else {
                    ""
                },
                self.changes()
            ),
        }
    }

    /// For `op=ns`: ": utsns 21->31, netns 25->32"; "" otherwise.
    fn changes(&self) -> String {
        let changed: Vec<String> = self
            .namespaces
            .iter()
            .filter_map(|n| n.old.map(|old| format!("{} {old}->{}", n.name, n.id)))
            .collect();
        if changed.is_empty() {
            String::new()
        } else {
            format!(": {}", changed.join(", "))
        }
    }
}

fn chain_holds(text: &str, id: ContainerId) -> Option<String> {
    let chain = ids::parse_chain(text).ok()?;
    chain.contains(&id).then(|| ids::chain_string(&chain))
}

/// The session a record names: `contsession=<n>`; none for `unset` (and
/// for 4294967295, which logs of older kernels wrote for it).
fn session_of(r: &Record) -> Option<u32> {
    r.field("contsession")
        .and_then(|s| s.parse::<u32>().ok())
        .filter(|&s| s != NO_SESSION)
}

/// The records of `event` that tie it to container `id`.
pub fn matches(event: &Event, id: ContainerId) -> Vec<Match> {
    let mut out = Vec::new();
    let packet = event.records.iter().any(|r| r.rtype == NETFILTER_PKT);
    for r in &event.records {
        if packet && r.rtype == CONTAINER_ID {
            // Every container of the packet's network namespace.
            let chain = r
                .field("contid")
                .and_then(|list| list.split(',').find_map(|c| chain_holds(c, id)));
            if let Some(contid) = chain {
                out.push(Match {
                    role: Role::Packet,
                    contid,
                    session: None,
                    op: None,
                    success: None,
                    opid: None,
                    namespaces: Vec::new(),
                });
            }
            continue;
        }
        if r.rtype != CONTAINER_ID && r.rtype != CONTAINER_OP {
            continue;
        }
        let Some(contid) = r.field("contid").and_then(|c| chain_holds(c, id)) else {
            continue;
        };
        let opid = r.field("opid").and_then(|p| p.parse::<i64>().ok());
        out.push(if r.rtype == CONTAINER_ID {
            Match {
                role: if opid.is_some() {
                    Role::Target
                } else {
                    Role::Subject
                },
                contid,
                session: session_of(r),
                op: None,
                success: None,
                opid,
                namespaces: Vec::new(),
            }
        } else {
            Match {
                role: Role::Op,
                contid,
                session: session_of(r),
                op: r.field("op").map(str::to_owned),
                success: r.field("res").map(|v| v == "1" || v == "success"),
                opid,
                namespaces: namespaces_of(r),
            }
        });
    }
    out
}

/// An event of the container, with what ties it to the container.
#[derive(Clone, Debug)]
pub struct Found<'a> {
    /// The event.
    pub event: &'a Event,
    /// Its records that name the container.
    pub matches: Vec<Match>,
}

/// The events of container `id` (nested containers included), in time
/// order (then by serial).
pub fn select(events: &[Event], id: ContainerId) -> Vec<Found<'_>> {
    let mut found: Vec<Found<'_>> = events
        .iter()
        .filter_map(|event| {
            let matches = matches(event, id);
            (!matches.is_empty()).then_some(Found { event, matches })
        })
        .collect();
    found.sort_by_key(|f| (f.event.sec, f.event.milli, f.event.serial));
    found
}

/// One container session as `--sessions` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Session {
    /// The session's chain.
    pub contid: String,
    /// The session number.
    pub session: u32,
    /// Its first event's time.
    pub first: String,
    /// Its last event's time.
    pub last: String,
    /// Its events: those of its tasks, of its registration, and those
    /// where its tasks were a signal or ptrace target.
    pub events: usize,
    /// The login UID of its first task event (4294967295: unset), `None`
    /// when it has no task event.
    pub auid: Option<u32>,
    /// `comm` of the first successful system call of its tasks (of the
    /// first failed one if none succeeded).
    pub comm: Option<String>,
    /// `exe` of the same system call.
    pub exe: Option<String>,
    #[serde(skip)]
    order: (i64, u32, u64),
    #[serde(skip)]
    has_task_event: bool,
    #[serde(skip)]
    command_failed: bool,
}

fn auid_of(event: &Event) -> Option<u32> {
    let r = event.records.iter().find(|r| {
        r.rtype == SYSCALL || (1100..=1199).contains(&r.rtype) || (2100..=2999).contains(&r.rtype)
    })?;
    // auid=-1 is how some records print the unset login UID.
    r.field("auid").and_then(|a| {
        a.parse::<u32>()
            .ok()
            .or_else(|| a.parse::<i32>().ok().map(|a| a as u32))
    })
}

/// One line per container session seen in `found` (which is in time
/// order), in order of first event.
pub fn sessions(found: &[Found<'_>]) -> Vec<Session> {
    let mut by_key: BTreeMap<(String, u32), Session> = BTreeMap::new();
    for f in found {
        let e = f.event;
        let mut seen: Vec<(String, u32)> = Vec::new();
        for m in &f.matches {
            let Some(n) = m.session else { continue };
            let key = (m.contid.clone(), n);
            let s = by_key.entry(key.clone()).or_insert_with(|| Session {
                contid: m.contid.clone(),
                session: n,
                first: e.time(),
                last: e.time(),
                events: 0,
                auid: None,
                comm: None,
                exe: None,
                order: (e.sec, e.milli, e.serial),
                has_task_event: false,
                command_failed: false,
            });
            if !seen.contains(&key) {
                s.events += 1;
                s.last = e.time();
                seen.push(key);
            }
            if m.role != Role::Subject {
                continue;
            }
            if !s.has_task_event {
                s.has_task_event = true;
                s.auid = auid_of(e);
            }
            // A failed system call does not name the command: an execve
            // that execvp(3) tries in each PATH directory in turn fails
            // while comm and exe are still the caller's (`contid run`'s).
            // The first successful one replaces it.
            let unset = s.comm.is_none() && s.exe.is_none();
            if unset || s.command_failed {
                if let Some(sc) = e.records.iter().find(|r| r.rtype == SYSCALL) {
                    let failed = sc.field("success") == Some("no");
                    if unset || !failed {
                        s.comm = sc.text_field("comm").map(str::to_owned);
                        s.exe = sc.text_field("exe").map(str::to_owned);
                        s.command_failed = failed;
                    }
                }
            }
        }
    }
    let mut out: Vec<Session> = by_key.into_values().collect();
    out.sort_by_key(|s| s.order);
    out
}

/// An event as `contid log --json` prints it.
#[derive(Debug, Serialize)]
pub struct JsonEvent<'a> {
    /// RFC 3339, UTC.
    pub time: String,
    /// The audit timestamp, `sec.milli:serial`.
    pub stamp: String,
    /// The serial.
    pub serial: u64,
    /// What ties the event to the container.
    pub matches: &'a [Match],
    /// Its records.
    pub records: Vec<JsonRecord<'a>>,
}

/// A record as `contid log --json` prints it.
#[derive(Debug, Serialize)]
pub struct JsonRecord<'a> {
    /// Its type number.
    #[serde(rename = "type")]
    pub rtype: u32,
    /// The line as logged.
    pub text: &'a str,
}

/// The events as `--json` prints them.
pub fn to_json<'a>(found: &'a [Found<'a>]) -> Vec<JsonEvent<'a>> {
    found
        .iter()
        .map(|f| JsonEvent {
            time: f.event.time(),
            stamp: f.event.stamp(),
            serial: f.event.serial,
            matches: &f.matches,
            records: f
                .event
                .records
                .iter()
                .map(|r| JsonRecord {
                    rtype: r.rtype,
                    text: &r.text,
                })
                .collect(),
        })
        .collect()
}

/// The events as text: a header line per event, then its records as
/// logged (auditd's enriched-format separator shown as a space).
pub fn render_events(found: &[Found<'_>]) -> String {
    let mut out = String::new();
    for f in found {
        let what: Vec<String> = f.matches.iter().map(Match::describe).collect();
        let _ = writeln!(
            out,
            "---- {} audit({}) {}",
            f.event.time(),
            f.event.stamp(),
            what.join("; ")
        );
        for r in &f.event.records {
            let _ = writeln!(out, "{}", r.text.replace('\u{1d}', " "));
        }
    }
    out
}

fn command(s: &Session) -> String {
    match (&s.comm, &s.exe) {
        (Some(c), Some(e)) => format!("{c} ({e})"),
        (Some(x), None) | (None, Some(x)) => x.clone(),
        (None, None) => "-".to_owned(),
    }
}

/// The sessions as text, one line each.
pub fn render_sessions(sessions: &[Session]) -> String {
    let cmd_width = sessions
        .iter()
        .map(|s| command(s).len())
        .max()
        .unwrap_or(0)
        .max(7);
    let mut out = format!(
        "{:>10}  {:<24}  {:<24}  {:>6}  {:>10}  {:<cmd_width$}  CONTAINER\n",
        "SESSION", "FIRST", "LAST", "EVENTS", "AUID", "COMMAND"
    );
    for s in sessions {
        let auid = match s.auid {
            None => "-".to_owned(),
            Some(u32::MAX) => "unset".to_owned(),
            Some(a) => a.to_string(),
        };
        let _ = writeln!(
            out,
            "{:>10}  {:<24}  {:<24}  {:>6}  {:>10}  {:<cmd_width$}  {}",
            s.session,
            s.first,
            s.last,
            s.events,
            auid,
            command(s),
            s.contid
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "7d9c5b1e-2f4a-4c3b-9e8d-00000000000a";
    const B: &str = "00000000-0000-0000-0000-000000000b0b";

    fn rec(rtype: u32, fields: &[(&str, &str)]) -> Record {
        Record {
            rtype,
            text: String::new(),
            fields: fields
                .iter()
                .map(|&(n, v)| Field {
                    name: n.to_owned(),
                    value: v.to_owned(),
                    interpreted: None,
                })
                .collect(),
        }
    }

    fn ev(sec: i64, serial: u64, records: Vec<Record>) -> Event {
        Event {
            sec,
            milli: 0,
            serial,
            records,
        }
    }

    fn id(text: &str) -> ContainerId {
        ids::parse_id(text).expect("valid ID")
    }

    #[test]
    fn nested_chains_match_their_ancestors_but_not_siblings() {
        let ab = format!("{A}/{B}");
        let e = ev(
            1,
            1,
            vec![
                rec(SYSCALL, &[("comm", "\"sh\"")]),
                rec(CONTAINER_ID, &[("contid", &ab), ("contsession", "4")]),
            ],
        );
        let m = matches(&e, id(A));
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].role, m[0].session), (Role::Subject, Some(4)));
        assert_eq!(m[0].contid, ab);
        assert_eq!(matches(&e, id("0xb0b")).len(), 1);
        assert!(matches(&e, id("0xa")).is_empty());
    }

    #[test]
    fn targets_ops_and_placeholders_are_told_apart() {
        let e = ev(
            1,
            1,
            vec![
                rec(
                    CONTAINER_OP,
                    &[
                        ("op", "set"),
                        ("opid", "9"),
                        ("contid", A),
                        ("old-contid", "unset"),
                        ("contsession", "unset"),
                        ("mntns", "12"),
                        ("utsns", "13"),
                        ("res", "0"),
                    ],
                ),
                rec(
                    CONTAINER_ID,
                    &[("opid", "9"), ("contid", A), ("contsession", "2")],
                ),
                // A write that held no valid ID names no container.
                rec(
                    CONTAINER_OP,
                    &[
                        ("op", "set"),
                        ("opid", "9"),
                        ("contid", "unset"),
                        ("old-contid", "unset"),
                        ("contsession", "unset"),
                        ("res", "0"),
                    ],
                ),
            ],
        );
        let m = matches(&e, id(A));
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].role, m[0].session, m[0].success),
            (Role::Op, None, Some(false))
        );
        assert_eq!(
            (m[1].role, m[1].opid, m[1].session),
            (Role::Target, Some(9), Some(2))
        );
        let ns: Vec<(&str, u64, Option<u64>)> = m[0]
            .namespaces
            .iter()
            .map(|n| (n.name.as_str(), n.id, n.old))
            .collect();
        assert_eq!(ns, vec![("mntns", 12, None), ("utsns", 13, None)]);
        assert!(m[1].namespaces.is_empty());
        assert_eq!(m[0].describe(), format!("op=set {A} refused"));
    }

    #[test]
    fn a_namespace_change_says_what_changed() {
        let e = ev(
            1,
            1,
            vec![rec(
                CONTAINER_OP,
                &[
                    ("op", "ns"),
                    ("opid", "9"),
                    ("contid", A),
                    ("contsession", "2"),
                    ("old-utsns", "21"),
                    ("utsns", "31"),
                    ("old-childpidns", "4"),
                    ("childpidns", "33"),
                    ("res", "1"),
                ],
            )],
        );
        let m = matches(&e, id(A));
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].describe(),
            format!("op=ns {A} session 2: utsns 21->31, childpidns 4->33")
        );
        let json = serde_json::to_value(&m[0]).expect("JSON");
        assert_eq!(
            json["namespaces"],
            serde_json::json!([
                {"name": "utsns", "id": 31, "old": 21},
                {"name": "childpidns", "id": 33, "old": 4},
            ])
        );
    }

    #[test]
    fn packets_match_every_container_of_their_namespace() {
        let ab = format!("{A}/{B}");
        let c = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
        let e = ev(
            1,
            1,
            vec![
                rec(NETFILTER_PKT, &[("mark", "0x0"), ("proto", "17")]),
                rec(CONTAINER_ID, &[("contid", &format!("{ab},{c}"))]),
            ],
        );
        let m = matches(&e, id(B));
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].role, m[0].session, m[0].opid),
            (Role::Packet, None, None)
        );
        assert_eq!(m[0].contid, ab);
        assert_eq!(matches(&e, id(c))[0].contid, c);
        // An outer container matches through the chain nested in it.
        assert_eq!(matches(&e, id(A))[0].contid, ab);
        assert!(matches(&e, id("0xc")).is_empty());
        assert_eq!(
            m[0].describe(),
            format!("packet in a network namespace of {ab}")
        );
    }

    #[test]
    fn events_come_out_in_time_order() {
        let rec_a = || rec(CONTAINER_ID, &[("contid", A), ("contsession", "1")]);
        let events = vec![
            ev(5, 9, vec![rec_a()]),
            ev(3, 7, vec![rec_a()]),
            ev(4, 8, vec![rec(SYSCALL, &[])]),
        ];
        let serials: Vec<u64> = select(&events, id(A))
            .iter()
            .map(|f| f.event.serial)
            .collect();
        assert_eq!(serials, vec![7, 9]);
    }

    #[test]
    fn a_session_command_is_its_first_successful_system_call() {
        let syscall = |success: &str, comm: &str| {
            rec(
                SYSCALL,
                &[("success", success), ("comm", comm), ("exe", comm)],
            )
        };
        let in_a = |session: &str| rec(CONTAINER_ID, &[("contid", A), ("contsession", session)]);
        let events = vec![
            // Session 2: execvp's PATH search fails first, as contid.
            ev(1, 1, vec![syscall("no", "contid"), in_a("2")]),
            ev(2, 2, vec![syscall("yes", "crun"), in_a("2")]),
            ev(3, 3, vec![syscall("yes", "sh"), in_a("2")]),
            // Session 3: nothing succeeds; the failed call is all there is.
            ev(4, 4, vec![syscall("no", "contid"), in_a("3")]),
        ];
        let found = select(&events, id(A));
        let s = sessions(&found);
        let commands: Vec<_> = s.iter().map(|s| (s.session, s.comm.as_deref())).collect();
        assert_eq!(commands, vec![(2, Some("crun")), (3, Some("contid"))]);
        assert_eq!(s[0].events, 3);
    }

    #[test]
    fn time_is_utc_with_milliseconds() {
        assert_eq!(format_time(1_764_450_001, 4), "2025-11-29T21:00:01.004Z");
        assert_eq!(format_time(1_764_450_000, 200), "2025-11-29T21:00:00.200Z");
    }
}
