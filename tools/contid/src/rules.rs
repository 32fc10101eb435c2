// SPDX-License-Identifier: GPL-2.0

//! `contid` audit filter rules: the model, and `struct audit_rule_data`.
//!
//! Why not netlink-packet-audit's `RuleMessage`: its fields are a closed
//! enum of the fields it knows, with string values for the buffer fields.
//! It has no variant for `AUDIT_CONTID` (27), cannot carry 16 arbitrary
//! bytes in the buffer, and refuses to decode a listed rule holding an
//! unknown buffer field, so one `contid` rule in the kernel would make it
//! fail on the whole `AUDIT_LIST_RULES` reply. The rule is therefore
//! encoded here as the uapi `struct audit_rule_data` (a `#[repr(C)]`
//! struct of native-endian `u32`s, laid out and checked by zerocopy, no
//! hand-computed offsets) followed by its buffer; netlink framing is done
//! by netlink-packet-core (see [`crate::netlink`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::{anyhow, bail, Result};
use serde::Serialize;
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use crate::id::ContainerId;
use crate::ids;

/// `AUDIT_ADD_RULE`: add a rule (`struct audit_rule_data`).
pub const AUDIT_ADD_RULE: u16 = 1011;
/// `AUDIT_DEL_RULE`: delete the identical rule.
pub const AUDIT_DEL_RULE: u16 = 1012;
/// `AUDIT_LIST_RULES`: list rules, one message each, then `NLMSG_DONE`.
pub const AUDIT_LIST_RULES: u16 = 1013;

/// Filter lists.
pub const AUDIT_FILTER_USER: u32 = 0;
/// The syscall exit list.
pub const AUDIT_FILTER_EXIT: u32 = 4;
/// The exclude list.
pub const AUDIT_FILTER_EXCLUDE: u32 = 5;
/// Flag on `flags`: the rule was added at the head of its list.
pub const AUDIT_FILTER_PREPEND: u32 = 0x10;

/// Actions.
pub const AUDIT_NEVER: u32 = 0;
/// Log.
pub const AUDIT_ALWAYS: u32 = 2;

/// Rule fields used here.
pub const AUDIT_ARCH: u32 = 11;
/// The container ID field: 16 bytes, big-endian, in the buffer.
pub const AUDIT_CONTID: u32 = 27;
/// The rule's key, a string in the buffer.
pub const AUDIT_FILTERKEY: u32 = 210;

/// Operators.
pub const AUDIT_EQUAL: u32 = 0x4000_0000;
/// `!=`.
pub const AUDIT_NOT_EQUAL: u32 = 0x3000_0000;

/// `AUDIT_ARCH_X86_64`: `EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE`.
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

/// Fields per rule.
pub const AUDIT_MAX_FIELDS: usize = 64;
/// Words in the syscall mask.
pub const AUDIT_BITMASK_SIZE: usize = 64;
/// The top bits of the mask name syscall classes, not syscalls; the kernel
/// clears them when it stores a rule.
pub const AUDIT_SYSCALL_CLASSES: usize = 16;
/// Longest key.
pub const AUDIT_MAX_KEY_LEN: usize = 256;
/// Bytes of an `AUDIT_CONTID` value.
pub const CONTID_LEN: u32 = 16;

/// Highest syscall number a rule's mask can name.
pub const MAX_SYSCALL: u32 = (AUDIT_BITMASK_SIZE * 32 - AUDIT_SYSCALL_CLASSES - 1) as u32;

/// `struct audit_rule_data` of include/uapi/linux/audit.h, without its
/// flexible `buf[]`.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Clone, Debug)]
#[repr(C)]
pub struct AuditRuleData {
    /// `AUDIT_PER_{TASK,CALL}`, `AUDIT_PREPEND`: the list, and flags.
    pub flags: u32,
    /// `AUDIT_NEVER`, `AUDIT_ALWAYS`.
    pub action: u32,
    /// Fields used.
    pub field_count: u32,
    /// Syscall(s) matched.
    pub mask: [u32; AUDIT_BITMASK_SIZE],
    /// Field types.
    pub fields: [u32; AUDIT_MAX_FIELDS],
    /// Field values (for buffer fields: their length in `buf`).
    pub values: [u32; AUDIT_MAX_FIELDS],
    /// Field operators.
    pub fieldflags: [u32; AUDIT_MAX_FIELDS],
    /// Total length of the string fields.
    pub buflen: u32,
}

/// Which filter list a rule is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum List {
    /// System calls, at their exit.
    Exit,
    /// User-space messages.
    User,
    /// Records to drop.
    Exclude,
}

impl List {
    fn number(self) -> u32 {
        match self {
            List::Exit => AUDIT_FILTER_EXIT,
            List::User => AUDIT_FILTER_USER,
            List::Exclude => AUDIT_FILTER_EXCLUDE,
        }
    }

    fn from_number(n: u32) -> Option<Self> {
        match n {
            AUDIT_FILTER_EXIT => Some(List::Exit),
            AUDIT_FILTER_USER => Some(List::User),
            AUDIT_FILTER_EXCLUDE => Some(List::Exclude),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            List::Exit => "exit",
            List::User => "user",
            List::Exclude => "exclude",
        }
    }
}

/// What a matching rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Log (on the exclude list: drop the record).
    Always,
    /// Do not log.
    Never,
}

/// A rule on the container ID, as `contid rule` expresses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContidRule {
    /// Its list.
    pub list: List,
    /// Its action.
    pub action: Action,
    /// The container ID.
    pub contid: ContainerId,
    /// `contid != ID` rather than `contid = ID`.
    pub negate: bool,
    /// x86_64 syscall numbers (exit list only); empty means all.
    pub syscalls: BTreeSet<u32>,
    /// The rule's key.
    pub key: Option<String>,
}

/// Parses a syscall given by x86_64 name or number.
pub fn parse_syscall(text: &str) -> Result<u32> {
    if let Ok(n) = text.parse::<u32>() {
        if n > MAX_SYSCALL {
            bail!("system call number {n} is out of range: give a number up to {MAX_SYSCALL}");
        }
        return Ok(n);
    }
    text.parse::<syscalls::x86_64::Sysno>()
        .ok()
        .and_then(|s| u32::try_from(s.id()).ok())
        .ok_or_else(|| {
            anyhow!("unknown x86_64 system call {text:?}: give a name from the x86_64 table (`ausyscall x86_64 --dump` lists them) or a number")
        })
}

/// The x86_64 name of syscall `n`, or its number.
pub fn syscall_name(n: u32) -> String {
    syscalls::x86_64::Sysno::new(n as usize).map_or_else(|| n.to_string(), |s| s.name().to_owned())
}

impl ContidRule {
    /// Checks what the kernel would refuse for reasons contid can tell.
    pub fn validate(&self) -> Result<()> {
        if !self.syscalls.is_empty() && self.list != List::Exit {
            bail!("--syscall applies only to the exit list: drop it, or use --list exit");
        }
        if let Some(key) = &self.key {
            if key.is_empty() || key.len() > AUDIT_MAX_KEY_LEN {
                bail!("the key must be 1 to {AUDIT_MAX_KEY_LEN} bytes long: give a shorter key");
            }
        }
        if let Some(&n) = self.syscalls.iter().find(|&&n| n > MAX_SYSCALL) {
            bail!("system call number {n} is out of range: give a number up to {MAX_SYSCALL}");
        }
        Ok(())
    }

    /// The rule as `struct audit_rule_data` and its buffer. Fields, in
    /// order: `arch=b64` (exit list only), `contid`, then `key` if any;
    /// buffer fields are packed in `buf` in field order.
    pub fn encode(&self) -> Result<Vec<u8>> {
        self.validate()?;
        let mut d = AuditRuleData::new_zeroed();
        d.flags = self.list.number();
        d.action = match self.action {
            Action::Always => AUDIT_ALWAYS,
            Action::Never => AUDIT_NEVER,
        };
        let mut buf = Vec::new();
        let mut fields: Vec<(u32, u32, u32)> = Vec::new();
        if self.list == List::Exit {
            fields.push((AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64));
            if self.syscalls.is_empty() {
                d.mask = [u32::MAX; AUDIT_BITMASK_SIZE];
            }
            for &n in &self.syscalls {
                d.mask[n as usize / 32] |= 1 << (n % 32);
            }
        }
        let op = if self.negate {
            AUDIT_NOT_EQUAL
        } else {
            AUDIT_EQUAL
        };
        fields.push((AUDIT_CONTID, op, CONTID_LEN));
        buf.extend_from_slice(&ids::to_be_bytes(self.contid));
        if let Some(key) = &self.key {
            // validate() bounds the key to 256 bytes.
            fields.push((AUDIT_FILTERKEY, AUDIT_EQUAL, key.len() as u32));
            buf.extend_from_slice(key.as_bytes());
        }
        for (i, &(field, op, value)) in fields.iter().enumerate() {
            d.fields[i] = field;
            d.fieldflags[i] = op;
            d.values[i] = value;
        }
        d.field_count = fields.len() as u32;
        d.buflen = buf.len() as u32;
        let mut out = d.as_bytes().to_vec();
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// The rule in `contid rule add|del` syntax.
    pub fn to_args(&self) -> String {
        let mut s = format!(
            "--list {} --contid {}",
            self.list.name(),
            ids::uuid_string(self.contid)
        );
        if self.negate {
            s.push_str(" --not");
        }
        for &n in &self.syscalls {
            let _ = write!(s, " --syscall {}", syscall_name(n));
        }
        if let Some(key) = &self.key {
            let _ = write!(s, " --key {}", shell_quote(key));
        }
        if self.action == Action::Never {
            s.push_str(" --action never");
        }
        s
    }
}

/// `text` quoted for a POSIX shell when it needs to be.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"_-.,:/@%+=".contains(&c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// One field of a listed rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawField {
    /// Its type (`AUDIT_*`).
    pub field: u32,
    /// Its operator.
    pub op: u32,
    /// Its value, or for a buffer field the length of its bytes.
    pub value: u32,
    /// A buffer field's bytes.
    pub bytes: Option<Vec<u8>>,
}

/// A rule as the kernel lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRule {
    /// `flags`: the list, and `AUDIT_FILTER_PREPEND`.
    pub flags: u32,
    /// The action.
    pub action: u32,
    /// The syscall mask.
    pub mask: [u32; AUDIT_BITMASK_SIZE],
    /// The fields, in order.
    pub fields: Vec<RawField>,
    /// The rule exactly as listed, to delete it with.
    pub data: Vec<u8>,
}

/// Whether rule field `field` carries its value in the buffer (strings of
/// LSM labels, watches, directories, keys and executables, and the
/// container ID), as kernel/auditfilter.c packs them.
pub fn is_buffer_field(field: u32) -> bool {
    matches!(field, 13..=17 | 19..=23 | 105 | 107 | 112 | 210 | AUDIT_CONTID)
}

/// Decodes one `AUDIT_LIST_RULES` reply payload.
pub fn decode(data: &[u8]) -> Result<RawRule> {
    let bad = |why: &str| {
        anyhow!("the kernel listed a rule contid cannot read ({why}): check that contid matches the running kernel")
    };
    let (d, buf) = AuditRuleData::read_from_prefix(data).map_err(|_| bad("too short"))?;
    let count = d.field_count as usize;
    if count > AUDIT_MAX_FIELDS {
        return Err(bad("too many fields"));
    }
    let buf = buf
        .get(..d.buflen as usize)
        .ok_or_else(|| bad("buffer shorter than its length"))?;
    let mut at = 0usize;
    let mut fields = Vec::with_capacity(count);
    for i in 0..count {
        let (field, op, value) = (d.fields[i], d.fieldflags[i], d.values[i]);
        let bytes = if is_buffer_field(field) {
            let end = at + value as usize;
            let b = buf
                .get(at..end)
                .ok_or_else(|| bad("field past the buffer"))?;
            at = end;
            Some(b.to_vec())
        } else {
            None
        };
        fields.push(RawField {
            field,
            op,
            value,
            bytes,
        });
    }
    Ok(RawRule {
        flags: d.flags,
        action: d.action,
        mask: d.mask,
        fields,
        data: data.to_vec(),
    })
}

impl RawRule {
    /// Whether the rule has a `contid` field.
    pub fn has_contid(&self) -> bool {
        self.fields.iter().any(|f| f.field == AUDIT_CONTID)
    }

    fn syscalls(&self) -> BTreeSet<u32> {
        let all = (0..=MAX_SYSCALL).all(|n| self.mask[n as usize / 32] & (1 << (n % 32)) != 0);
        if all {
            return BTreeSet::new();
        }
        (0..=MAX_SYSCALL)
            .filter(|&n| self.mask[n as usize / 32] & (1 << (n % 32)) != 0)
            .collect()
    }

    /// The rule in contid's terms, or why it cannot be expressed there.
    pub fn to_contid_rule(&self) -> Result<ContidRule, String> {
        let list = List::from_number(self.flags & !AUDIT_FILTER_PREPEND)
            .ok_or_else(|| format!("list {}", self.flags))?;
        let action = match self.action {
            AUDIT_ALWAYS => Action::Always,
            AUDIT_NEVER => Action::Never,
            a => return Err(format!("action {a}")),
        };
        let (mut contid, mut negate, mut key, mut arch) = (None, false, None, false);
        for f in &self.fields {
            match (f.field, f.op, &f.bytes) {
                (AUDIT_CONTID, AUDIT_EQUAL | AUDIT_NOT_EQUAL, Some(b)) if contid.is_none() => {
                    let bytes = <[u8; 16]>::try_from(b.as_slice())
                        .map_err(|_| "contid of bad length".to_owned())?;
                    contid = Some(ContainerId::from_be_bytes(bytes).ok_or("nil contid")?);
                    negate = f.op == AUDIT_NOT_EQUAL;
                }
                (AUDIT_FILTERKEY, AUDIT_EQUAL, Some(b)) if key.is_none() => {
                    key =
                        Some(String::from_utf8(b.clone()).map_err(|_| "key not UTF-8".to_owned())?);
                }
                (AUDIT_ARCH, AUDIT_EQUAL, None)
                    if list == List::Exit && f.value == AUDIT_ARCH_X86_64 && !arch =>
                {
                    arch = true;
                }
                (field, op, _) => return Err(format!("f{field} op {op:#x} value {}", f.value)),
            }
        }
        let contid = contid.ok_or("no contid field")?;
        if list == List::Exit && !arch {
            return Err("no arch=b64 field".to_owned());
        }
        let syscalls = if list == List::Exit {
            self.syscalls()
        } else {
            BTreeSet::new()
        };
        Ok(ContidRule {
            list,
            action,
            contid,
            negate,
            syscalls,
            key,
        })
    }

    /// A listed rule that contid cannot express, described field by field.
    pub fn describe_raw(&self) -> String {
        let mut s = format!("list={} action={}", self.flags, self.action);
        for f in &self.fields {
            match (f.field, &f.bytes) {
                (AUDIT_CONTID, Some(b)) if b.len() == 16 => {
                    let id = <[u8; 16]>::try_from(b.as_slice())
                        .ok()
                        .and_then(ContainerId::from_be_bytes);
                    let text = id.map_or_else(|| "nil".to_owned(), ids::uuid_string);
                    let _ = write!(s, " contid{}{text}", op_text(f.op));
                }
                (field, Some(b)) => {
                    let _ = write!(
                        s,
                        " f{field}{}{:?}",
                        op_text(f.op),
                        String::from_utf8_lossy(b)
                    );
                }
                (field, None) => {
                    let _ = write!(s, " f{field}{}{:#x}", op_text(f.op), f.value);
                }
            }
        }
        s
    }
}

fn op_text(op: u32) -> &'static str {
    match op {
        AUDIT_EQUAL => "=",
        AUDIT_NOT_EQUAL => "!=",
        _ => "?",
    }
}

/// A listed contid rule as `contid rule list --json` prints it.
#[derive(Debug, Serialize)]
pub struct JsonRule {
    /// The rule in `contid rule add|del` syntax, or `None` when contid
    /// cannot express it.
    pub args: Option<String>,
    /// Field by field, for rules contid cannot express.
    pub raw: Option<String>,
}

/// `contid rule list`'s result: the contid rules, and how many others.
#[derive(Debug, Serialize)]
pub struct Listing {
    /// The rules with a contid field, in the kernel's order.
    pub rules: Vec<JsonRule>,
    /// How many rules have no contid field.
    pub other_rules: usize,
}

/// Sorts listed rules into contid rules and a count of the others.
pub fn listing(rules: &[RawRule]) -> Listing {
    let mut out = Vec::new();
    let mut other = 0;
    for r in rules {
        if !r.has_contid() {
            other += 1;
            continue;
        }
        out.push(match r.to_contid_rule() {
            Ok(c) => JsonRule {
                args: Some(c.to_args()),
                raw: None,
            },
            Err(_) => JsonRule {
                args: None,
                raw: Some(r.describe_raw()),
            },
        });
    }
    Listing {
        rules: out,
        other_rules: other,
    }
}

/// The listing as text.
pub fn render_listing(l: &Listing) -> String {
    let mut s = String::new();
    for r in &l.rules {
        match (&r.args, &r.raw) {
            (Some(args), _) => {
                let _ = writeln!(s, "{args}");
            }
            (None, Some(raw)) => {
                let _ = writeln!(s, "# not expressible with contid rule: {raw}");
            }
            _ => {}
        }
    }
    if l.rules.is_empty() {
        s.push_str("no contid rules\n");
    }
    let _ = writeln!(
        s,
        "{} other audit rule{} (auditctl -l lists them)",
        l.other_rules,
        if l.other_rules == 1 { "" } else { "s" }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "7d9c5b1e-2f4a-4c3b-9e8d-00000000000a";
    /// A's 16 bytes, as docs/admin-guide.rst spells them out.
    const A_BYTES: [u8; 16] = [
        0x7d, 0x9c, 0x5b, 0x1e, 0x2f, 0x4a, 0x4c, 0x3b, 0x9e, 0x8d, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x0a,
    ];

    fn id(text: &str) -> ContainerId {
        ids::parse_id(text).expect("valid ID")
    }

    /// `struct audit_rule_data` written out word by word from
    /// include/uapi/linux/audit.h, independently of [`AuditRuleData`]:
    /// flags, action, field_count, mask[64], fields[64], values[64],
    /// fieldflags[64], buflen, then buf. Host byte order.
    fn by_hand(
        flags: u32,
        action: u32,
        mask: &[(usize, u32)],
        fields: &[(u32, u32, u32)],
        buf: &[u8],
    ) -> Vec<u8> {
        let mut words = vec![flags, action, fields.len() as u32];
        let mut m = [0u32; 64];
        for &(i, w) in mask {
            m[i] = w;
        }
        words.extend_from_slice(&m);
        for pick in 0..3 {
            let mut col = [0u32; 64];
            for (i, f) in fields.iter().enumerate() {
                col[i] = [f.0, f.2, f.1][pick];
            }
            words.extend_from_slice(&col);
        }
        words.push(buf.len() as u32);
        let mut out: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        out.extend_from_slice(buf);
        out
    }

    fn rule(list: List, negate: bool, syscalls: &[&str], key: Option<&str>) -> ContidRule {
        ContidRule {
            list,
            action: Action::Always,
            contid: id(A),
            negate,
            syscalls: syscalls
                .iter()
                .map(|s| parse_syscall(s).expect("known syscall"))
                .collect(),
            key: key.map(str::to_owned),
        }
    }

    #[test]
    fn exit_rule_bytes_follow_the_uapi_struct() {
        let got = rule(List::Exit, false, &["execve"], Some("exec"))
            .encode()
            .expect("valid rule");
        // execve is 59 on x86_64: word 1, bit 27.
        let mut buf = A_BYTES.to_vec();
        buf.extend_from_slice(b"exec");
        let want = by_hand(
            4,
            2,
            &[(1, 1 << 27)],
            &[
                (11, 0x4000_0000, 0xc000_003e),
                (27, 0x4000_0000, 16),
                (210, 0x4000_0000, 4),
            ],
            &buf,
        );
        assert_eq!(got, want);
        // The offsets of the uapi struct, for the record.
        assert_eq!(got.len(), 1040 + 20);
        assert_eq!(&got[268..272], &11u32.to_ne_bytes()); // fields[0]
        assert_eq!(&got[524..528], &0xc000_003eu32.to_ne_bytes()); // values[0]
        assert_eq!(&got[784..788], &0x4000_0000u32.to_ne_bytes()); // fieldflags[1]
        assert_eq!(&got[1036..1040], &20u32.to_ne_bytes()); // buflen
        assert_eq!(&got[1040..1056], &A_BYTES); // buf: the ID first
    }

    #[test]
    fn exit_rule_without_syscalls_matches_all_of_them() {
        let got = rule(List::Exit, true, &[], None)
            .encode()
            .expect("valid rule");
        let all: Vec<(usize, u32)> = (0..64).map(|i| (i, u32::MAX)).collect();
        let want = by_hand(
            4,
            2,
            &all,
            &[(11, 0x4000_0000, 0xc000_003e), (27, 0x3000_0000, 16)],
            &A_BYTES,
        );
        assert_eq!(got, want);
    }

    #[test]
    fn user_and_exclude_rules_have_no_arch_and_no_mask() {
        let got = rule(List::User, true, &[], None)
            .encode()
            .expect("valid rule");
        assert_eq!(got, by_hand(0, 2, &[], &[(27, 0x3000_0000, 16)], &A_BYTES));
        let mut never = rule(List::Exclude, false, &[], Some("k"));
        never.action = Action::Never;
        let mut buf = A_BYTES.to_vec();
        buf.push(b'k');
        let want = by_hand(
            5,
            0,
            &[],
            &[(27, 0x4000_0000, 16), (210, 0x4000_0000, 1)],
            &buf,
        );
        assert_eq!(never.encode().expect("valid rule"), want);
    }

    #[test]
    fn the_id_is_big_endian_in_every_form() {
        let mut r = rule(List::User, false, &[], None);
        r.contid = id("0x2a");
        let got = r.encode().expect("valid rule");
        let mut want = [0u8; 16];
        want[15] = 0x2a;
        assert_eq!(&got[1040..], &want);
    }

    #[test]
    fn listed_rules_read_back_whatever_their_field_order() {
        for r in [
            rule(
                List::Exit,
                false,
                &["execve", "openat", "getppid"],
                Some("exec"),
            ),
            rule(List::Exit, true, &[], None),
            rule(List::User, false, &[], Some("k")),
        ] {
            let raw = decode(&r.encode().expect("valid")).expect("decodes");
            assert_eq!(raw.to_contid_rule(), Ok(r.clone()));
        }
        // As selftests/audit_contid/contid_rule.py adds it: arch, key, then
        // contid; getppid (110: word 3, bit 14).
        let mut buf = b"k1".to_vec();
        buf.extend_from_slice(&A_BYTES);
        let data = by_hand(
            4,
            2,
            &[(3, 1 << 14)],
            &[
                (11, 0x4000_0000, 0xc000_003e),
                (210, 0x4000_0000, 2),
                (27, 0x4000_0000, 16),
            ],
            &buf,
        );
        let got = decode(&data)
            .expect("decodes")
            .to_contid_rule()
            .expect("expressible");
        assert_eq!(got, rule(List::Exit, false, &["getppid"], Some("k1")));
        assert_eq!(
            got.to_args(),
            format!("--list exit --contid {A} --syscall getppid --key k1")
        );
    }

    #[test]
    fn a_stored_all_syscalls_mask_reads_as_all() {
        // The kernel clears the 16 syscall-class bits at the top.
        let mut mask: Vec<(usize, u32)> = (0..63).map(|i| (i, u32::MAX)).collect();
        mask.push((63, 0x0000_ffff));
        let data = by_hand(
            4,
            2,
            &mask,
            &[(11, 0x4000_0000, 0xc000_003e), (27, 0x4000_0000, 16)],
            &A_BYTES,
        );
        let got = decode(&data)
            .expect("decodes")
            .to_contid_rule()
            .expect("expressible");
        assert!(got.syscalls.is_empty());
        assert_eq!(got.to_args(), format!("--list exit --contid {A}"));
    }

    #[test]
    fn other_rules_are_counted_and_odd_contid_rules_shown_raw() {
        let plain = by_hand(
            4,
            2,
            &[],
            &[(11, 0x4000_0000, 0xc000_003e), (0, 0x4000_0000, 5)],
            &[],
        );
        let odd = by_hand(
            4,
            2,
            &[],
            &[
                (11, 0x4000_0000, 0xc000_003e),
                (27, 0x4000_0000, 16),
                (1, 0x4000_0000, 0),
            ],
            &A_BYTES,
        );
        let ok = rule(List::User, false, &[], None).encode().expect("valid");
        let raws: Vec<RawRule> = [plain, odd, ok]
            .iter()
            .map(|d| decode(d).expect("decodes"))
            .collect();
        let l = listing(&raws);
        assert_eq!(l.other_rules, 1);
        assert_eq!(l.rules.len(), 2);
        assert_eq!(
            l.rules[0].raw.as_deref(),
            Some(format!("list=4 action=2 f11=0xc000003e contid={A} f1=0x0").as_str())
        );
        assert_eq!(
            l.rules[1].args.as_deref(),
            Some(format!("--list user --contid {A}").as_str())
        );
        let text = render_listing(&l);
        assert!(
            text.ends_with("1 other audit rule (auditctl -l lists them)\n"),
            "{text}"
        );
    }

    #[test]
    fn truncated_listings_are_refused() {
        let ok = rule(List::Exit, false, &[], Some("exec"))
            .encode()
            .expect("valid");
        assert!(decode(&ok[..1000]).is_err());
        assert!(decode(&ok[..ok.len() - 1]).is_err());
    }

    #[test]
    fn rules_are_checked_before_the_kernel_sees_them() {
        let e = rule(List::User, false, &["execve"], None)
            .validate()
            .expect_err("user + syscall");
        assert!(e
            .to_string()
            .contains("--syscall applies only to the exit list"));
        let long = "k".repeat(257);
        assert!(rule(List::Exit, false, &[], Some(&long)).encode().is_err());
        assert!(rule(List::Exit, false, &[], Some("")).encode().is_err());
        assert_eq!(parse_syscall("execve").ok(), Some(59));
        assert_eq!(parse_syscall("59").ok(), Some(59));
        assert!(parse_syscall("nope")
            .expect_err("unknown")
            .to_string()
            .contains("ausyscall"));
        assert!(parse_syscall("2032").is_err());
        assert_eq!(syscall_name(59), "execve");
        assert_eq!(syscall_name(2000), "2000");
    }

    #[test]
    fn keys_are_quoted_for_the_shell_when_needed() {
        let r = rule(List::User, false, &[], Some("it's mine"));
        assert!(
            r.to_args().ends_with(r"--key 'it'\''s mine'"),
            "{}",
            r.to_args()
        );
    }
}
