// SPDX-License-Identifier: GPL-2.0

//! Fuzzes the container ID parser: it must never panic, must accept exactly
//! what the contract accepts (the oracle), and format ∘ parse must be the
//! identity on everything it accepts.

#![no_main]

use audit_contid_core::id::{parse, ChainText, ContainerId, UUID_LEN};
use libfuzzer_sys::fuzz_target;

// Only the parser's oracle is used here, not the contract's other numbers.
#[allow(dead_code)]
#[path = "../../oracle.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    let got = parse(data);
    assert_eq!(got.ok(), oracle::oracle(data).and_then(ContainerId::new), "{data:?}");
    if let Ok(id) = got {
        let mut uuid = [0u8; UUID_LEN];
        id.format_uuid(&mut uuid);
        assert_eq!(parse(&uuid), Ok(id));
        let text = ChainText::new(&[id]);
        assert_eq!(parse(text.as_bytes()), Ok(id));
    }
});
