// SPDX-License-Identifier: GPL-2.0

//! Container IDs and chains as text, through the kernel's own parser and
//! formatter ([`crate::id`]).

use anyhow::{bail, Result};

use crate::id::{self, ChainText, ContainerId, ParseError, MAX_DEPTH, UUID_LEN};

/// What every message about a malformed ID tells the user to give instead.
pub const ID_FORMS: &str =
    "give a UUID (8-4-4-4-12 hex digits), 0x and 1 to 32 hex digits, or a decimal number from 1 to 2^128-1";

/// Why `text` is not a container ID, in words, with what to give instead.
pub fn parse_error_message(text: &str, e: ParseError) -> String {
    match e {
        ParseError::Empty => format!("the container ID is empty: {ID_FORMS}"),
        ParseError::TooLong => format!(
            "the container ID {text:?} is longer than {} bytes: {ID_FORMS} (without extra leading zeros)",
            id::MAX_INPUT
        ),
        ParseError::Malformed => format!("{text:?} is not a container ID: {ID_FORMS}"),
        ParseError::OutOfRange => {
            format!("the container ID {text:?} does not fit in 128 bits: {ID_FORMS}")
        }
        ParseError::Nil => format!("the ID {text:?} is nil, which means \"no container\": {ID_FORMS}, not zero"),
    }
}

/// Parses one container ID in any form the kernel accepts on write.
pub fn parse_id(text: &str) -> Result<ContainerId, String> {
    id::parse(text.as_bytes()).map_err(|e| parse_error_message(text, e))
}

/// The lowercase canonical UUID of `id`, as the kernel prints it.
pub fn uuid_string(id: ContainerId) -> String {
    let mut out = [0u8; UUID_LEN];
    id.format_uuid(&mut out);
    // format_uuid writes only ASCII hex digits and dashes.
    out.iter().map(|&b| char::from(b)).collect()
}

/// The ID's 16 bytes, big-endian: the order its UUID text shows them, as an
/// audit rule's `contid` field holds them.
pub fn to_be_bytes(id: ContainerId) -> [u8; 16] {
    id.to_be_bytes()
}

/// A chain (outermost first) as the kernel prints it, without the newline:
/// `uuid/uuid/...`, or `unset` when empty.
pub fn chain_string(chain: &[ContainerId]) -> String {
    ChainText::new(chain).as_str().to_owned()
}

/// Parses a chain as the kernel prints it (`/proc/PID/audit_containerid`,
/// debugfs, audit records): `unset` is the empty chain; otherwise canonical
/// UUIDs joined by `/`, at most [`MAX_DEPTH`] of them. A trailing newline
/// is allowed.
pub fn parse_chain(text: &str) -> Result<Vec<ContainerId>> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text == "unset" {
        return Ok(Vec::new());
    }
    let mut chain = Vec::new();
    for part in text.split('/') {
        // The kernel prints only canonical UUIDs: refuse anything else, so
        // that a change of format is noticed rather than misread.
        if part.len() != UUID_LEN {
            bail!("{text:?} is not a container chain as the kernel prints it: check that contid matches the running kernel");
        }
        match id::parse(part.as_bytes()) {
            Ok(id) => chain.push(id),
            Err(_) => bail!("{text:?} is not a container chain as the kernel prints it: check that contid matches the running kernel"),
        }
    }
    if chain.len() > MAX_DEPTH {
        bail!("the chain {text:?} is deeper than {MAX_DEPTH} levels: check that contid matches the running kernel");
    }
    Ok(chain)
}

/// A fresh random ID: a version 4 UUID from the kernel's random numbers
/// (getrandom). Never nil: the version and variant bits are set.
pub fn random_id() -> ContainerId {
    let v = uuid::Uuid::new_v4().as_u128();
    // A v4 UUID has its version nibble set to 4, so it is never zero.
    ContainerId::new(v).unwrap_or_else(|| unreachable!("a v4 UUID is never nil"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(v: u128) -> ContainerId {
        ContainerId::new(v).expect("non-zero")
    }

    #[test]
    fn every_kernel_form_parses_to_the_same_id() {
        let want = Ok(id(0x1092));
        assert_eq!(parse_id("4242"), want);
        assert_eq!(parse_id("0x1092"), want);
        assert_eq!(parse_id("00000000-0000-0000-0000-000000001092"), want);
        assert_eq!(parse_id("4242\n"), want);
    }

    #[test]
    fn bad_ids_say_what_to_give() {
        for bad in [
            "",
            "0",
            "0x0",
            "x",
            "0x",
            "1 ",
            &"1".repeat(41),
            "0x1ffffffffffffffffffffffffffffffff",
        ] {
            let msg = parse_id(bad).expect_err(bad);
            assert!(msg.contains(ID_FORMS), "{msg}");
        }
    }

    #[test]
    fn chains_round_trip() {
        let a = id(0x7d9c5b1e_2f4a_4c3b_9e8d_00000000000a);
        let b = id(0xb0b);
        let text = "7d9c5b1e-2f4a-4c3b-9e8d-00000000000a/00000000-0000-0000-0000-000000000b0b";
        assert_eq!(parse_chain(text).ok(), Some(vec![a, b]));
        assert_eq!(parse_chain(&format!("{text}\n")).ok(), Some(vec![a, b]));
        assert_eq!(chain_string(&[a, b]), text);
        assert_eq!(parse_chain("unset\n").ok(), Some(vec![]));
        assert_eq!(chain_string(&[]), "unset");
        assert_eq!(uuid_string(b), "00000000-0000-0000-0000-000000000b0b");
        assert_eq!(
            to_be_bytes(a),
            [0x7d, 0x9c, 0x5b, 0x1e, 0x2f, 0x4a, 0x4c, 0x3b, 0x9e, 0x8d, 0, 0, 0, 0, 0, 0x0a]
        );
        assert_eq!(ContainerId::from_be_bytes(to_be_bytes(a)), Some(a));
    }

    #[test]
    fn chains_in_other_forms_are_refused() {
        assert!(parse_chain("4242").is_err());
        assert!(parse_chain("").is_err());
        assert!(parse_chain("7d9c5b1e-2f4a-4c3b-9e8d-00000000000a/").is_err());
        let nine = ["00000000-0000-0000-0000-000000000001"; 9].join("/");
        assert!(parse_chain(&nine).is_err());
    }

    #[test]
    fn random_ids_are_v4_uuids() {
        let a = uuid_string(random_id());
        let b = uuid_string(random_id());
        assert_ne!(a, b);
        assert_eq!(a.as_bytes()[14], b'4');
        assert!(matches!(a.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    }
}
