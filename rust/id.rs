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

    /// The ID whose 128 bits are `bytes`, big-endian: the bytes in the order
    /// its UUID text shows them, as an audit rule's `contid` field holds
    /// them. `None` for 0.
    pub const fn from_be_bytes(bytes: [u8; 16]) -> Option<Self> {
        Self::new(u128::from_be_bytes(bytes))
    }

    /// This ID's bit in a chain's summary: one of 64, from a multiplicative
    /// hash of its value. A chain's summary is the OR of its IDs' bits, so a
    /// chain whose summary lacks an ID's bit does not hold that ID; one that
    /// has it may (at most 8 of 64 bits are set, so mostly it does).
    pub const fn summary_bit(self) -> u64 {
        let folded = (self.0 as u64) ^ ((self.0 >> 64) as u64);
        1 << (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
    }

    /// Its 128 bits, big-endian (see [`ContainerId::from_be_bytes`]).
    pub const fn to_be_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// Writes the lowercase canonical UUID form into `out`.
    pub fn format_uuid(self, out: &mut [u8; UUID_LEN]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        /// Where each byte's two digits go: the dashes sit at 8, 13, 18 and 23.
        const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        // Byte by byte at fixed offsets: no 128-bit shift per digit. Plain
        // index loops: they stay cheap even where iterator adapters over
        // arrays are not inlined (opt-level s).
        let bytes = self.to_be_bytes();
        for i in 0..bytes.len() {
            let (byte, at) = (bytes[i], AT[i]);
            out[at] = HEX[usize::from(byte >> 4)];
            out[at + 1] = HEX[usize::from(byte & 0xf)];
        }
        out[8] = b'-';
        out[13] = b'-';
        out[18] = b'-';
        out[23] = b'-';
    }
}

/// Each byte's value as a hex digit, or `NOT_HEX`.
const HEX_VALUE: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};
const NOT_HEX: u8 = 0xff;

fn hex_value(c: u8) -> Option<u8> {
    match HEX_VALUE[usize::from(c)] {
        NOT_HEX => None,
        v => Some(v),
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
#[derive(Clone, Copy, Debug)]
pub struct Chain {
    ids: [ContainerId; MAX_DEPTH],
    len: usize,
}

impl Chain {
    /// The empty chain: not in a container. (The unused slots hold the nil
    /// ID: zeros are the cheapest thing to fill a fresh chain with.)
    pub const EMPTY: Chain = Chain {
        ids: [ContainerId(0); MAX_DEPTH],
        len: 0,
    };

    /// Builds a chain from its innermost ID outwards; IDs past [`MAX_DEPTH`] are dropped.
    pub fn from_innermost(ids: impl Iterator<Item = ContainerId>) -> Chain {
        let mut c = Chain::EMPTY;
        c.assign_from_innermost(ids);
        c
    }

    /// Replaces the chain in place (no copy of the array) with `ids`, given
    /// innermost first; IDs past [`MAX_DEPTH`] are dropped.
    pub fn assign_from_innermost(&mut self, ids: impl Iterator<Item = ContainerId>) {
        self.len = 0;
        for (slot, id) in self.ids.iter_mut().zip(ids) {
            *slot = id;
            self.len += 1;
        }
        self.ids[..self.len].reverse();
    }

    /// The IDs, outermost first.
    pub fn as_slice(&self) -> &[ContainerId] {
        &self.ids[..self.len]
    }

    /// The length of its text as [`ChainText::as_str`] gives it.
    // Used by the host crate's property tests; the kernel formats instead.
    #[allow(dead_code)]
    pub fn text_len(&self) -> usize {
        match self.len {
            0 => "unset".len(),
            n => n * (UUID_LEN + 1) - 1,
        }
    }
}

/// Containers' chains sort as their texts do: ID by ID from the outermost (a
/// UUID's text sorts as its 128-bit value), a chain before the chains nested
/// in it. (The empty chain sorts first, though its text is `unset`.)
impl Ord for Chain {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl PartialOrd for Chain {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Two chains are equal when their IDs are: slots past the length do not count.
impl PartialEq for Chain {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Chain {}

/// A chain formatted for reading: `<uuid>/<uuid>...\n`, or `unset\n` when empty.
///
/// Filled from the end of the buffer backwards, so that a chain can be
/// formatted straight from the innermost container outwards.
pub struct ChainText {
    buf: [u8; MAX_CHAIN_TEXT],
    start: usize,
}

impl ChainText {
    /// Formats `chain` (outermost first). Chains longer than [`MAX_DEPTH`] are cut there.
    pub fn new(chain: &[ContainerId]) -> Self {
        let chain = chain.get(..MAX_DEPTH).unwrap_or(chain);
        Self::from_innermost(chain.iter().rev().copied())
    }

    /// Formats a chain given innermost first, as containers link to their
    /// parents. Chains longer than [`MAX_DEPTH`] keep their innermost part.
    pub fn from_innermost(ids: impl Iterator<Item = ContainerId>) -> Self {
        let mut t = ChainText::blank();
        t.assign_from_innermost(ids);
        t
    }

    /// An empty text, to be filled in place by [`ChainText::assign_from_innermost`].
    pub const fn blank() -> Self {
        ChainText {
            buf: [0; MAX_CHAIN_TEXT],
            start: MAX_CHAIN_TEXT,
        }
    }

    /// Replaces the text in place (the buffer is not small) with the chain
    /// `ids`, given innermost first.
    pub fn assign_from_innermost(&mut self, ids: impl Iterator<Item = ContainerId>) {
        self.start = MAX_CHAIN_TEXT;
        let mut sep = b'\n';
        for id in ids.take(MAX_DEPTH) {
            // Each UUID and its separator: `UUID_LEN + 1` bytes, which
            // `MAX_DEPTH` of them fill exactly.
            let at = self.start - UUID_LEN - 1;
            self.buf[at + UUID_LEN] = sep;
            sep = b'/';
            if let Some(uuid) = self
                .buf
                .get_mut(at..at + UUID_LEN)
                .and_then(|s| <&mut [u8; UUID_LEN]>::try_from(s).ok())
            {
                id.format_uuid(uuid);
            }
            self.start = at;
        }
        if self.start == MAX_CHAIN_TEXT {
            self.start -= 6;
            self.buf[self.start..].copy_from_slice(b"unset\n");
        }
    }

    /// The formatted bytes, newline included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// The formatted text without its newline, for embedding in other output.
    pub fn as_str(&self) -> &str {
        // Only ASCII was written.
        core::str::from_utf8(&self.buf[self.start..MAX_CHAIN_TEXT - 1]).unwrap_or("?")
    }
}

#[cfg(CONFIG_AUDIT_CONTAINERID_KUNIT_TEST)]
#[kernel::macros::kunit_tests(audit_contid_id)]
mod tests {
    use super::*;

    const MAX: u128 = u128::MAX;

    // The contract's numbers, written out from
    // Documentation/admin-guide/audit-containerid.rst rather than taken from
    // the code under test: "At most 8 levels"; "A write is at most 40 bytes
    // long"; a chain reads back as 8 canonical UUIDs of 36 characters, a `/`
    // between each two, and a newline.
    const DEPTH: usize = 8;
    const MAX_WRITE: usize = 40;
    const CHAIN_TEXT: usize = 8 * 36 + 7 + 1;

    #[test]
    fn limits_are_the_contracts() {
        assert_eq!(MAX_DEPTH, DEPTH);
        assert_eq!(MAX_INPUT, MAX_WRITE);
        assert_eq!(UUID_LEN, 36);
        assert_eq!(MAX_CHAIN_TEXT, CHAIN_TEXT);
    }

    #[test]
    fn writes_of_40_bytes_parse_and_longer_ones_do_not() {
        // Leading zeros, then "1\n": a valid decimal form of any length.
        let mut w = [b'0'; MAX_WRITE + 1];
        w[MAX_WRITE - 2] = b'1';
        w[MAX_WRITE - 1] = b'\n';
        assert_eq!(parse(&w[..MAX_WRITE]), Ok(id(1)));
        w[MAX_WRITE - 1] = b'1';
        w[MAX_WRITE] = b'\n';
        assert_eq!(parse(&w), Err(ParseError::TooLong));
    }

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
        assert_eq!(parse(&[b'1'; MAX_WRITE + 1]), Err(ParseError::TooLong));
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
            ChainText::new(&[id(MAX); DEPTH]).as_bytes().len(),
            CHAIN_TEXT
        );
    }

    #[test]
    fn innermost_first_builders_agree_with_outermost_first() {
        let outer_first = [id(1), id(2), id(3)];
        let text = ChainText::from_innermost(outer_first.iter().rev().copied());
        assert_eq!(text.as_bytes(), ChainText::new(&outer_first).as_bytes());
        assert_eq!(
            ChainText::from_innermost(core::iter::empty()).as_str(),
            "unset"
        );
        // Reassigning in place forgets the longer chain that was there.
        let mut c = Chain::from_innermost(outer_first.iter().rev().copied());
        assert_eq!(c.as_slice(), &outer_first);
        c.assign_from_innermost([id(9)].into_iter());
        assert_eq!(c.as_slice(), &[id(9)]);
        c.assign_from_innermost(core::iter::empty());
        assert_eq!(c, Chain::EMPTY);
    }
}
