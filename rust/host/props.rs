// SPDX-License-Identifier: GPL-2.0

//! Properties of the parser and formatter, against an oracle written with
//! `std` from the contract's text.

use proptest::prelude::*;
use std::{format, string::String, vec::Vec};

use crate::{
    id::{parse, Chain, ChainText, ContainerId, MAX_DEPTH, UUID_LEN},
    oracle::{oracle, MAX_WRITE},
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

    /// A chain's summary has the bit of every ID it holds (so a missing bit
    /// proves absence, as the rule filter uses it).
    #[test]
    fn a_chain_summary_has_every_member_bit(ids in proptest::collection::vec(nonzero(), 1..=MAX_DEPTH)) {
        let ids: Vec<ContainerId> = ids.into_iter().filter_map(ContainerId::new).collect();
        let summary = ids.iter().fold(0u64, |s, id| s | id.summary_bit());
        for id in &ids {
            prop_assert!(id.summary_bit().count_ones() == 1);
            prop_assert!(summary & id.summary_bit() != 0);
        }
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
    fn chains_read_as_uuids_joined_by_slashes(ids in proptest::collection::vec(nonzero(), 0..=MAX_DEPTH)) {
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
        a in proptest::collection::vec(nonzero(), 1..=MAX_DEPTH),
        b in proptest::collection::vec(nonzero(), 0..MAX_DEPTH),
        shared in 0..=MAX_DEPTH,
    ) {
        // Often one chain nested in, or sharing a prefix with, the other.
        // Both are containers' chains: never empty.
        let b: Vec<u128> = a.iter().take(shared.max(1)).chain(b.iter()).take(MAX_DEPTH).copied().collect();
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
    assert_eq!(MAX_WRITE, 40);
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
