// SPDX-License-Identifier: GPL-2.0

//! The component's pure logic, compiled for the host from the very files the
//! kernel builds (no copies): the ID parser and formatter, and the rules.
//! `no_std` keeps them honest about using only `core`.

#![no_std]

#[path = "../id.rs"]
pub mod id;
#[path = "../rules.rs"]
pub mod rules;

#[cfg(test)]
extern crate std;

#[cfg(test)]
mod model;
#[cfg(test)]
mod oracle;
#[cfg(test)]
mod props;
