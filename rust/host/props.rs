// SPDX-License-Identifier: GPL-2.0

//! Properties of the parser and formatter, against an oracle written with
//! `std` from the contract's text.

use proptest::prelude::*;
use std::{format, string::String, vec::Vec};

use crate::{
    id::{parse, Chain, ChainText, ContainerId, MAX_CHAIN_TEXT, MAX_DEPTH, MAX_INPUT, UUID_LEN},
    oracle::{oracle, CHAIN_TEXT, DEPTH, MAX_WRITE},
};

fn uuid(v: u128) -> String {
    let h = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn nonzero() -> impl Strategy<Value = u128> {
    prop_oneof![1..=u128::MAX, 1u128..1000, Just(u128::MAX), (0u32..128).prop_map(|b| 1u128 << b)]
}

proptest! {
    // Failing cases are saved beside this file (rust/host), never in the
    // kernel component's directory above it.
    #![proptest_config(ProptestConfig {
        cases: 4096,
        failure_persistence: Some(std::boxed::Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_valid_form_parses_to_its_value(v in nonzero(), nl in any::<bool>(), upper in any::<bool>()) {
        let end = if nl { "\n" } else { "" };
        let mut forms = std::vec![format!("{v}{end}"), format!("0x{v:x}{end}"), format!("{}{end}", uuid(v))];
        if upper {
            forms.push(format!("0x{v:X}{end}"));
            forms.push(format!("{}{end}", uuid(v).to_uppercase()));
        }
        for f in forms {
            prop_assert_eq!(parse(f.as_bytes()).ok(), ContainerId::new(v), "{:?}", f);
        }
    }

    #[test]
    fn format_then_parse_is_identity(v in nonzero()) {
        let id = ContainerId::new(v).unwrap();
        let mut out = [0u8; UUID_LEN];
        id.format_uuid(&mut out);
        prop_assert_eq!(std::str::from_utf8(&out).unwrap(), uuid(v));
        prop_assert_eq!(parse(&out), Ok(id));
    }

    /// The rule filter's shortcut never changes its answer: deciding whether
    /// a chain holds an ID as the filter does (the chain's summary, the OR of
    /// its IDs' bits built as container.rs builds it, must have the ID's bit,
    /// and only then the chain is walked) agrees with a plain search of the
    /// chain's values, for members and non-members alike.
    #[test]
    fn the_summary_shortcut_agrees_with_a_plain_search(
        values in proptest::collection::vec(nonzero(), 1..=DEPTH),
        member in any::<proptest::sample::Index>(),
        other in nonzero(),
        ask_member in any::<bool>(),
    ) {
        let query = if ask_member { values[member.index(values.len())] } else { other };
        let chain: Vec<ContainerId> = values.iter().map(|&v| ContainerId::new(v).unwrap()).collect();
        let q = ContainerId::new(query).unwrap();
        // Outermost first: each container's summary is its ID's bit or its parent's.
        let summary = chain.iter().fold(0u64, |parent, id| id.summary_bit() | parent);
        let filter = summary & q.summary_bit() != 0 && chain.iter().any(|&c| c == q);
        prop_assert_eq!(filter, values.contains(&query));
        // One bit of 64: never none (that would hide every member), never
        // more (that would make the shortcut weaker than it claims).
        prop_assert_eq!(q.summary_bit().count_ones(), 1);
    }

    /// docs/admin-guide.rst: a rule's `contid` is 16 bytes in the order the
    /// UUID text shows them.
    #[test]
    fn rule_bytes_are_the_uuid_text_in_order(bytes in any::<[u8; 16]>()) {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        match ContainerId::from_be_bytes(bytes) {
            None => prop_assert!(bytes.iter().all(|b| *b == 0)),
            Some(id) => {
                let mut out = [0u8; UUID_LEN];
                id.format_uuid(&mut out);
                prop_assert_eq!(std::str::from_utf8(&out).unwrap().replace('-', ""), hex);
            }
        }
    }

    #[test]
    fn parser_agrees_with_the_oracle_on_any_bytes(input in proptest::collection::vec(any::<u8>(), 0..48)) {
        prop_assert_eq!(parse(&input).ok().map(|_| ()), oracle(&input).map(|_| ()));
        if let Some(v) = oracle(&input) {
            prop_assert_eq!(parse(&input).ok(), ContainerId::new(v));
        }
    }

    #[test]
    fn parser_agrees_with_the_oracle_near_valid_inputs(
        v in nonzero(),
        form in 0..3usize,
        edit in 0..6usize,
        pos in any::<usize>(),
        byte in prop_oneof![Just(b' '), Just(b'\n'), Just(0u8), Just(b'-'), Just(b'x'), Just(b'g'), any::<u8>()],
    ) {
        let mut s = match form { 0 => format!("{v}"), 1 => format!("0x{v:x}"), _ => uuid(v) }.into_bytes();
        let p = pos % (s.len() + 1);
        match edit {
            0 => s.insert(p, byte),
            1 if p < s.len() => { s.remove(p); }
            2 if p < s.len() => s[p] = byte,
            3 => s.truncate(p),
            4 => { s.push(b'\n'); s.push(b'\n'); }
            _ => s.splice(0..0, b"0".iter().copied()).for_each(drop),
        }
        prop_assert_eq!(parse(&s).ok().map(|_| ()), oracle(&s).map(|_| ()), "{:?}", String::from_utf8_lossy(&s));
    }

    #[test]
    fn chains_read_as_uuids_joined_by_slashes(ids in proptest::collection::vec(nonzero(), 0..=DEPTH)) {
        let chain: Vec<ContainerId> = ids.iter().map(|&v| ContainerId::new(v).unwrap()).collect();
        let want = if ids.is_empty() {
            String::from("unset\n")
        } else {
            ids.iter().map(|&v| uuid(v)).collect::<Vec<_>>().join("/") + "\n"
        };
        let text = ChainText::new(&chain);
        prop_assert_eq!(text.as_bytes(), want.as_bytes());
    }

    // A packet's CONTAINER_ID record lists chains sorted as text and sizes
    // its text before writing it (admin-guide: "sorted, each chain as in the
    // proc file").
    #[test]
    fn chains_sort_as_their_texts_and_know_their_length(
        a in proptest::collection::vec(nonzero(), 1..=DEPTH),
        b in proptest::collection::vec(nonzero(), 0..DEPTH),
        shared in 0..=DEPTH,
    ) {
        // Often one chain nested in, or sharing a prefix with, the other.
        // Both are containers' chains: never empty.
        let b: Vec<u128> = a.iter().take(shared.max(1)).chain(b.iter()).take(DEPTH).copied().collect();
        let text = |ids: &[u128]| if ids.is_empty() {
            String::from("unset")
        } else {
            ids.iter().map(|&v| uuid(v)).collect::<Vec<_>>().join("/")
        };
        let chain = |ids: &[u128]| Chain::from_innermost(ids.iter().rev().map(|&v| ContainerId::new(v).unwrap()));
        let (ca, cb) = (chain(&a), chain(&b));
        prop_assert_eq!(ca.cmp(&cb), text(&a).cmp(&text(&b)));
        prop_assert_eq!(ca.text_len(), text(&a).len());
        prop_assert_eq!(cb.text_len(), text(&b).len());
        prop_assert_eq!(Chain::EMPTY.text_len(), "unset".len());
    }
}

/// Rule 2 of the contract: a write longer than 40 bytes is refused; every
/// accepted form fits in 40 bytes with its newline (the 39-digit decimal
/// maximum and a newline is the longest), so leading zeros are accepted only
/// within that length.
#[test]
fn writes_longer_than_40_bytes_are_refused_and_every_form_fits() {
    let longest = [
        format!("{}\n", u128::MAX),
        format!("0x{:x}\n", u128::MAX),
        format!("{}\n", uuid(u128::MAX)),
    ];
    for f in &longest {
        assert!(f.len() <= MAX_WRITE, "{f:?}");
        assert_eq!(parse(f.as_bytes()).ok(), ContainerId::new(u128::MAX), "{f:?}");
    }
    assert_eq!(longest[0].len(), MAX_WRITE);
    for (text, accepted) in [
        (format!("{:0>40}", 42), true),
        (format!("{:0>39}\n", 42), true),
        (format!("{:0>41}", 42), false),
        (format!("{:0>40}\n", 42), false),
        (format!("0x{:0>32}\n", "2a"), true),
        (format!("0x{:0>33}", "2a"), false),
    ] {
        let want = if accepted { ContainerId::new(42) } else { None };
        assert_eq!(parse(text.as_bytes()).ok(), want, "{text:?}");
        assert_eq!(oracle(text.as_bytes()), want.map(|_| 42), "{text:?}");
    }
}

/// The implementation's limits are the contract's numbers, written out in
/// oracle.rs from docs/admin-guide.rst rather than taken from the code under
/// test (where a depth of 9 would agree with itself).
#[test]
fn limits_are_the_contracts() {
    assert_eq!(MAX_DEPTH, DEPTH);
    assert_eq!(MAX_INPUT, MAX_WRITE);
    assert_eq!(UUID_LEN, 36);
    assert_eq!(MAX_CHAIN_TEXT, CHAIN_TEXT);
    // And the text really is that long: a chain of the deepest nesting.
    let deepest = [ContainerId::new(u128::MAX).unwrap(); DEPTH];
    assert_eq!(ChainText::new(&deepest).as_bytes().len(), CHAIN_TEXT);
    assert_eq!(Chain::from_innermost(deepest.iter().copied()).text_len(), CHAIN_TEXT - 1);
}

/// The summary bits spread: consecutive IDs (as decimal IDs often are)
/// reach every one of the 64 bits, so a summary of at most 8 bits proves
/// most IDs absent without a walk.
#[test]
fn summary_bits_spread_over_all_64() {
    let mut hits = [0u32; 64];
    for v in 1..=4096u128 {
        hits[ContainerId::new(v).unwrap().summary_bit().trailing_zeros() as usize] += 1;
    }
    // 64 per bit on average.
    assert!(hits.iter().all(|&n| (16..=256).contains(&n)), "{hits:?}");
}
