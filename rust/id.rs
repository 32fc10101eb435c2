// SPDX-License-Identifier: GPL-2.0

//! Container IDs: parsing what userspace writes, formatting what it reads.
//!
//! Pure logic over `core` only, so that the same file can be tested on the host.
//!
//! Accepted on write (at most one trailing newline, nothing else):
//! a canonical UUID `8-4-4-4-12` in either case, `0x` followed by 1 to 32 hex
//! digits, or a decimal number from 1 to 2^128-1. Zero means "no container"
//! and is never a valid ID. Always printed as a lowercase canonical UUID.

// Also compiled by the host crate (rust/host), where these items are its API.
#![allow(unreachable_pub)]

/// Deepest nesting of containers: a chain holds at most this many IDs.
pub const MAX_DEPTH: usize = 8;

/// Length of a canonical UUID.
pub const UUID_LEN: usize = 36;

/// Longest write that can hold a valid ID: 39 decimal digits and a newline.
pub const MAX_INPUT: usize = 40;

/// Longest chain as read from procfs: `MAX_DEPTH` UUIDs, `/` between them, newline.
pub const MAX_CHAIN_TEXT: usize = MAX_DEPTH * (UUID_LEN + 1);

/// A 128-bit container ID; never zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContainerId(u128);

/// Why a write is not one container ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing but (at most) a newline.
    Empty,
    /// Longer than any valid form.
    TooLong,
    /// Not one of the accepted forms.
    Malformed,
    /// A decimal or hex value that does not fit in 128 bits.
    OutOfRange,
    /// The nil ID (0), which means "no container".
    Nil,
}

impl ContainerId {
    /// The ID with value `v`, or `None` for 0.
    pub const fn new(v: u128) -> Option<Self> {
        if v == 0 {
            None
        } else {
            Some(ContainerId(v))
        }
    }

    /// Writes the lowercase canonical UUID form into `out`.
    pub fn format_uuid(self, out: &mut [u8; UUID_LEN]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut pos = 0;
        // Byte by byte: no 128-bit shift per digit.
        for (i, byte) in self.0.to_be_bytes().iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                out[pos] = b'-';
                pos += 1;
            }
            out[pos] = HEX[usize::from(byte >> 4)];
            out[pos + 1] = HEX[usize::from(byte & 0xf)];
            pos += 2;
        }
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn parse_uuid(s: &[u8]) -> Option<u128> {
    if s.len() != UUID_LEN {
        return None;
    }
    let mut v: u128 = 0;
    for (i, &c) in s.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
        } else {
            v = (v << 4) | u128::from(hex_value(c)?);
        }
    }
    Some(v)
}

fn parse_hex(digits: &[u8]) -> Result<u128, ParseError> {
    if digits.is_empty() {
        return Err(ParseError::Malformed);
    }
    if digits.len() > 32 {
        return Err(if digits.iter().all(|&c| hex_value(c).is_some()) {
            ParseError::OutOfRange
        } else {
            ParseError::Malformed
        });
    }
    let mut v: u128 = 0;
    for &c in digits {
        v = (v << 4) | u128::from(hex_value(c).ok_or(ParseError::Malformed)?);
    }
    Ok(v)
}

fn parse_decimal(digits: &[u8]) -> Result<u128, ParseError> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::Malformed);
    }
    digits.iter().try_fold(0u128, |v, &c| {
        v.checked_mul(10)
            .and_then(|v| v.checked_add(u128::from(c - b'0')))
            .ok_or(ParseError::OutOfRange)
    })
}

/// Parses one container ID as written to `/proc/PID/audit_containerid`.
pub fn parse(input: &[u8]) -> Result<ContainerId, ParseError> {
    if input.len() > MAX_INPUT {
        return Err(ParseError::TooLong);
    }
    let s = input.strip_suffix(b"\n").unwrap_or(input);
    if s.is_empty() {
        return Err(ParseError::Empty);
    }
    let v = if s.len() == UUID_LEN && s.get(8) == Some(&b'-') {
        parse_uuid(s).ok_or(ParseError::Malformed)?
    } else if let Some(hex) = s.strip_prefix(b"0x") {
        parse_hex(hex)?
    } else {
        parse_decimal(s)?
    };
    ContainerId::new(v).ok_or(ParseError::Nil)
}

/// A chain of container IDs, outermost first, at most [`MAX_DEPTH`] long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chain {
    ids: [ContainerId; MAX_DEPTH],
    len: usize,
}

impl Chain {
    /// The empty chain: not in a container.
    pub const EMPTY: Chain = Chain {
        ids: [ContainerId(u128::MAX); MAX_DEPTH],
        len: 0,
    };

    /// Builds a chain from its innermost ID outwards; IDs past [`MAX_DEPTH`] are dropped.
    pub fn from_innermost(ids: impl Iterator<Item = ContainerId>) -> Chain {
        let mut c = Chain::EMPTY;
        for id in ids.take(MAX_DEPTH) {
            c.ids[c.len] = id;
            c.len += 1;
        }
        c.ids[..c.len].reverse();
        c
    }

    /// The IDs, outermost first.
    pub fn as_slice(&self) -> &[ContainerId] {
        &self.ids[..self.len]
    }
}

/// A chain formatted for reading: `<uuid>/<uuid>...\n`, or `unset\n` when empty.
pub struct ChainText {
    buf: [u8; MAX_CHAIN_TEXT],
    len: usize,
}

impl ChainText {
    /// Formats `chain` (outermost first). Chains longer than [`MAX_DEPTH`] are cut there.
    pub fn new(chain: &[ContainerId]) -> Self {
        let mut t = ChainText {
            buf: [0; MAX_CHAIN_TEXT],
            len: 0,
        };
        if chain.is_empty() {
            t.buf[..6].copy_from_slice(b"unset\n");
            t.len = 6;
            return t;
        }
        for id in chain.iter().take(MAX_DEPTH) {
            let mut uuid = [0u8; UUID_LEN];
            id.format_uuid(&mut uuid);
            t.buf[t.len..t.len + UUID_LEN].copy_from_slice(&uuid);
            t.buf[t.len + UUID_LEN] = b'/';
            t.len += UUID_LEN + 1;
        }
        // The last separator becomes the newline.
        t.buf[t.len - 1] = b'\n';
        t
    }

    /// The formatted bytes, newline included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The formatted text without its newline, for embedding in other output.
    pub fn as_str(&self) -> &str {
        // Only ASCII was written.
        core::str::from_utf8(&self.buf[..self.len - 1]).unwrap_or("?")
    }
}

#[cfg(CONFIG_AUDIT_CONTAINERID_KUNIT_TEST)]
#[kernel::macros::kunit_tests(audit_contid_id)]
mod tests {
    use super::*;

    const MAX: u128 = u128::MAX;

    fn id(v: u128) -> ContainerId {
        ContainerId::new(v).unwrap()
    }

    #[test]
    fn uuid_is_accepted_in_either_case() {
        let want = Ok(id(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef));
        assert_eq!(parse(b"01234567-89ab-cdef-0123-456789abcdef"), want);
        assert_eq!(parse(b"01234567-89AB-CDEF-0123-456789ABCDEF\n"), want);
    }

    #[test]
    fn malformed_uuids_are_rejected() {
        let bad: [&[u8]; 4] = [
            b"01234567-89ab-cdef-0123-456789abcdeg",
            b"01234567_89ab-cdef-0123-456789abcdef",
            b"0123456789ab-cdef-0123-456789abcdef-",
            b"01234567-89ab-cdef-0123-456789abcde",
        ];
        for b in bad {
            assert_eq!(parse(b), Err(ParseError::Malformed));
        }
    }

    #[test]
    fn hex_takes_one_to_32_digits() {
        assert_eq!(parse(b"0x1"), Ok(id(1)));
        assert_eq!(parse(b"0xABCdef\n"), Ok(id(0xabcdef)));
        assert_eq!(parse(b"0xffffffffffffffffffffffffffffffff"), Ok(id(MAX)));
        assert_eq!(
            parse(b"0x1ffffffffffffffffffffffffffffffff"),
            Err(ParseError::OutOfRange)
        );
        assert_eq!(parse(b"0x"), Err(ParseError::Malformed));
        assert_eq!(parse(b"0xg"), Err(ParseError::Malformed));
        assert_eq!(parse(b"0X1"), Err(ParseError::Malformed));
    }

    #[test]
    fn decimal_covers_one_to_two_pow_128_minus_one() {
        assert_eq!(parse(b"1"), Ok(id(1)));
        assert_eq!(
            parse(b"340282366920938463463374607431768211455\n"),
            Ok(id(MAX))
        );
        assert_eq!(
            parse(b"340282366920938463463374607431768211456"),
            Err(ParseError::OutOfRange)
        );
    }

    #[test]
    fn nil_is_rejected_in_every_form() {
        assert_eq!(parse(b"0"), Err(ParseError::Nil));
        assert_eq!(parse(b"0x0\n"), Err(ParseError::Nil));
        assert_eq!(
            parse(b"00000000-0000-0000-0000-000000000000"),
            Err(ParseError::Nil)
        );
    }

    #[test]
    fn only_one_trailing_newline_is_allowed() {
        assert_eq!(parse(b""), Err(ParseError::Empty));
        assert_eq!(parse(b"\n"), Err(ParseError::Empty));
        assert_eq!(parse(b"1\n\n"), Err(ParseError::Malformed));
        assert_eq!(parse(b" 1"), Err(ParseError::Malformed));
        assert_eq!(parse(b"1 "), Err(ParseError::Malformed));
        assert_eq!(parse(b"1\0"), Err(ParseError::Malformed));
        assert_eq!(parse(b"1\n2"), Err(ParseError::Malformed));
        assert_eq!(parse(&[b'1'; MAX_INPUT + 1]), Err(ParseError::TooLong));
    }

    #[test]
    fn format_is_lowercase_canonical_uuid() {
        let mut out = [0u8; UUID_LEN];
        id(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef).format_uuid(&mut out);
        assert_eq!(&out, b"01234567-89ab-cdef-0123-456789abcdef");
        id(1).format_uuid(&mut out);
        assert_eq!(&out, b"00000000-0000-0000-0000-000000000001");
    }

    #[test]
    fn format_then_parse_is_identity() {
        for v in [1, 2, 0xdead_beef, MAX, MAX - 1, 1 << 127] {
            let mut out = [0u8; UUID_LEN];
            id(v).format_uuid(&mut out);
            assert_eq!(parse(&out), Ok(id(v)));
        }
    }

    #[test]
    fn chains_read_back_as_the_contract_says() {
        assert_eq!(ChainText::new(&[]).as_bytes(), b"unset\n");
        assert_eq!(
            ChainText::new(&[id(1)]).as_bytes(),
            b"00000000-0000-0000-0000-000000000001\n"
        );
        assert_eq!(
            ChainText::new(&[id(1), id(0xa)]).as_str(),
            "00000000-0000-0000-0000-000000000001/00000000-0000-0000-0000-00000000000a"
        );
        assert_eq!(
            ChainText::new(&[id(MAX); MAX_DEPTH]).as_bytes().len(),
            MAX_CHAIN_TEXT
        );
    }
}
