// SPDX-License-Identifier: GPL-2.0

//! The write contract of /proc/PID/audit_containerid, read literally and
//! written with `std`, independently of `id.rs`: the proptests and the fuzzer
//! compare the parser against it.

use std::vec::Vec;

/// The longest write the contract accepts (docs/admin-guide.rst, rule 2): a
/// longer write is refused with EINVAL whatever it holds. Every accepted form
/// fits with its newline: 39 decimal digits and a newline is the longest.
pub const MAX_WRITE: usize = 40;

/// The deepest nesting the contract allows (docs/admin-guide.rst,
/// Semantics: "At most 8 levels"; rule 8: a chain "deeper than 8" is
/// EMLINK).
pub const DEPTH: usize = 8;

/// The longest text `/proc/PID/audit_containerid` reads back
/// (docs/admin-guide.rst, Interface): a chain of [`DEPTH`] lowercase
/// canonical UUIDs of 36 characters each, joined by `/` (7 of them), and a
/// newline.
pub const CHAIN_TEXT: usize = 8 * 36 + 7 + 1;

/// The contract, read literally: one ID in one of three forms, at most one
/// trailing newline, nothing else, not zero, and no longer than
/// [`MAX_WRITE`] bytes (so leading zeros are accepted only within that).
pub fn oracle(input: &[u8]) -> Option<u128> {
    if input.len() > MAX_WRITE {
        return None;
    }
    let s = std::str::from_utf8(input).ok()?;
    let s = s.strip_suffix('\n').unwrap_or(s);
    let hex = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_hexdigit());
    let v = if s.len() == 36 && s.as_bytes()[8] == b'-' {
        let parts: Vec<&str> = s.split('-').collect();
        let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        if lens != [8, 4, 4, 4, 12] || !parts.iter().all(|p| hex(p)) {
            return None;
        }
        u128::from_str_radix(&parts.concat(), 16).ok()?
    } else if let Some(h) = s.strip_prefix("0x") {
        if !hex(h) || h.len() > 32 {
            return None;
        }
        u128::from_str_radix(h, 16).ok()?
    } else {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse::<u128>().ok()?
    };
    (v != 0).then_some(v)
}
