// SPDX-License-Identifier: GPL-2.0

//! The registration rules, decided over plain data.
//!
//! Pure logic over `core` only: the kernel side gathers the facts (under its
//! locks) and this module decides, in the contract's order, whether writer W
//! may register target T with a given ID and what T's chain becomes. The
//! mapping of each [`Refusal`] to an errno lives in one place in the kernel
//! side (`errno.rs`), next to nothing else.

// Also compiled by the host crate (rust/host), where these items are its API.
#![allow(unreachable_pub)]

use crate::id::{ContainerId, ParseError, MAX_DEPTH};

/// Why a registration is refused, in the order the checks are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 1. W lacks CAP_AUDIT_CONTROL in the initial user namespace.
    NotCapable,
    /// 2. Not exactly one valid, non-nil ID written at offset 0.
    Invalid(ParseError),
    /// 3. T is in W's own process (or is a kernel thread).
    OwnProcess,
    /// 4. T is exiting or gone.
    Gone,
    /// 5. W's chain is not a prefix of T's chain.
    OutOfScope,
    /// 6. T is already registered at or below W's level.
    AlreadyRegistered,
    /// 7. T's process has children.
    HasChildren,
    /// 8. The new chain would be deeper than [`MAX_DEPTH`].
    TooDeep,
    /// 9. The ID is live under a different parent.
    IdInUse,
}

/// What a write asks for, known before any lock is taken (checks 1 to 3).
pub struct Request {
    /// W holds CAP_AUDIT_CONTROL in the initial user namespace.
    pub capable: bool,
    /// The parsed ID; a write at a non-zero offset is [`ParseError::Malformed`].
    pub id: Result<ContainerId, ParseError>,
    /// T is a thread of W's process, or a kernel thread.
    pub own_process: bool,
}

/// Checks 1 to 3, which need no lock. Returns the requested ID.
pub fn check_request(r: &Request) -> Result<ContainerId, Refusal> {
    if !r.capable {
        return Err(Refusal::NotCapable);
    }
    let id = r.id.map_err(Refusal::Invalid)?;
    if r.own_process {
        return Err(Refusal::OwnProcess);
    }
    Ok(id)
}

/// Where the requested ID is live, if it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// No live container has this ID.
    Free,
    /// A live container has this ID; its parent is the given ID (`None`: top level).
    Live(Option<ContainerId>),
}

/// The facts about W and T, gathered under the registration locks.
pub struct Target<'a> {
    /// T is exiting or has been released.
    pub exiting: bool,
    /// W's chain, outermost first.
    pub writer_chain: &'a [ContainerId],
    /// T's chain, outermost first.
    pub target_chain: &'a [ContainerId],
    /// Some thread of T's process has a child.
    pub has_children: bool,
    /// Where the requested ID is live.
    pub liveness: Liveness,
}

/// What a permitted registration does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Creates a top-level container (W is in no container).
    Set,
    /// Creates a container inside W's container.
    Nest,
    /// Enters an existing container that is a child of W's container (or top level).
    Join,
}

impl Op {
    /// The name used in audit records.
    pub const fn name(self) -> &'static str {
        match self {
            Op::Set => "set",
            Op::Nest => "nest",
            Op::Join => "join",
        }
    }
}

/// Checks 4 to 9. On success T's chain becomes the writer's chain plus the new ID.
pub fn check_target(t: &Target<'_>) -> Result<Op, Refusal> {
    if t.exiting {
        return Err(Refusal::Gone);
    }
    if !t.target_chain.starts_with(t.writer_chain) {
        return Err(Refusal::OutOfScope);
    }
    if t.target_chain.len() > t.writer_chain.len() {
        return Err(Refusal::AlreadyRegistered);
    }
    if t.has_children {
        return Err(Refusal::HasChildren);
    }
    if t.writer_chain.len() + 1 > MAX_DEPTH {
        return Err(Refusal::TooDeep);
    }
    match t.liveness {
        Liveness::Free if t.writer_chain.is_empty() => Ok(Op::Set),
        Liveness::Free => Ok(Op::Nest),
        Liveness::Live(parent) if parent == t.writer_chain.last().copied() => Ok(Op::Join),
        Liveness::Live(_) => Err(Refusal::IdInUse),
    }
}

#[cfg(CONFIG_AUDIT_CONTAINERID_KUNIT_TEST)]
#[kernel::macros::kunit_tests(audit_contid_rules)]
mod tests {
    use super::*;

    // The contract's depth, written out from
    // Documentation/admin-guide/audit-containerid.rst ("At most 8 levels")
    // rather than taken from the code under test.
    const DEPTH: usize = 8;

    #[test]
    fn depth_is_the_contracts() {
        assert_eq!(MAX_DEPTH, DEPTH);
    }

    fn id(v: u128) -> ContainerId {
        ContainerId::new(v).unwrap()
    }

    fn target<'a>(w: &'a [ContainerId], t: &'a [ContainerId]) -> Target<'a> {
        Target {
            exiting: false,
            writer_chain: w,
            target_chain: t,
            has_children: false,
            liveness: Liveness::Free,
        }
    }

    #[test]
    fn capability_is_checked_before_the_id() {
        let r = Request {
            capable: false,
            id: Err(ParseError::Nil),
            own_process: true,
        };
        assert_eq!(check_request(&r), Err(Refusal::NotCapable));
    }

    #[test]
    fn invalid_id_is_checked_before_own_process() {
        let r = Request {
            capable: true,
            id: Err(ParseError::Nil),
            own_process: true,
        };
        assert_eq!(check_request(&r), Err(Refusal::Invalid(ParseError::Nil)));
    }

    #[test]
    fn own_process_is_refused() {
        let r = Request {
            capable: true,
            id: Ok(id(1)),
            own_process: true,
        };
        assert_eq!(check_request(&r), Err(Refusal::OwnProcess));
    }

    #[test]
    fn top_level_registration_is_set() {
        assert_eq!(check_target(&target(&[], &[])), Ok(Op::Set));
    }

    #[test]
    fn registration_inside_writer_container_is_nest() {
        let a = [id(1)];
        assert_eq!(check_target(&target(&a, &a)), Ok(Op::Nest));
    }

    #[test]
    fn live_id_under_same_parent_is_join() {
        let a = [id(1)];
        let mut t = target(&a, &a);
        t.liveness = Liveness::Live(Some(id(1)));
        assert_eq!(check_target(&t), Ok(Op::Join));
        let mut top = target(&[], &[]);
        top.liveness = Liveness::Live(None);
        assert_eq!(check_target(&top), Ok(Op::Join));
    }

    #[test]
    fn live_id_under_other_parent_is_in_use() {
        let mut t = target(&[], &[]);
        t.liveness = Liveness::Live(Some(id(9)));
        assert_eq!(check_target(&t), Err(Refusal::IdInUse));
    }

    #[test]
    fn exiting_target_is_gone_before_scope() {
        let w = [id(1)];
        let t2 = [id(2)];
        let mut t = target(&w, &t2);
        t.exiting = true;
        assert_eq!(check_target(&t), Err(Refusal::Gone));
    }

    #[test]
    fn sibling_and_outside_targets_are_out_of_scope() {
        let w = [id(1), id(2)];
        assert_eq!(
            check_target(&target(&w, &[id(1), id(3)])),
            Err(Refusal::OutOfScope)
        );
        assert_eq!(
            check_target(&target(&w, &[id(1)])),
            Err(Refusal::OutOfScope)
        );
        assert_eq!(check_target(&target(&w, &[])), Err(Refusal::OutOfScope));
    }

    #[test]
    fn registered_target_is_already_registered_before_children() {
        let w = [id(1)];
        let t12 = [id(1), id(2)];
        let mut t = target(&w, &t12);
        t.has_children = true;
        assert_eq!(check_target(&t), Err(Refusal::AlreadyRegistered));
    }

    #[test]
    fn target_with_children_is_busy_before_depth() {
        let w = [id(1); DEPTH];
        let mut t = target(&w, &w);
        t.has_children = true;
        assert_eq!(check_target(&t), Err(Refusal::HasChildren));
    }

    #[test]
    fn ninth_level_is_too_deep_and_eighth_is_not() {
        let w8 = [id(1); DEPTH];
        assert_eq!(check_target(&target(&w8, &w8)), Err(Refusal::TooDeep));
        let w7 = [id(1); DEPTH - 1];
        assert_eq!(check_target(&target(&w7, &w7)), Ok(Op::Nest));
    }

    #[test]
    fn depth_is_checked_before_liveness() {
        let w8 = [id(1); DEPTH];
        let mut t = target(&w8, &w8);
        t.liveness = Liveness::Live(Some(id(7)));
        assert_eq!(check_target(&t), Err(Refusal::TooDeep));
    }
}
