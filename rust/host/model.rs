// SPDX-License-Identifier: GPL-2.0

//! The rule engine against an independent model, over random sequences of
//! fork, exit, reap and registration.
//!
//! The world is a process tree. The engine is driven the way the kernel
//! drives it: the harness gathers the facts (chains, children, exiting, where
//! the ID is live) and asks `rules`. The model decides from the world alone,
//! formulated differently: it thinks in whole paths (the set of live container
//! paths is every prefix of every unreaped task's chain), not in parent IDs.
//! Both must agree on every outcome, and the world must keep IDs unique among
//! live containers.

use proptest::prelude::*;
use std::{collections::BTreeSet, format, string::String, vec, vec::Vec};

use crate::{
    id::{parse, ContainerId},
    oracle::DEPTH,
    rules::{check_request, check_target, Liveness, Op, Refusal, Request, Target},
};

#[derive(Clone, Debug)]
struct Task {
    parent: usize,
    zombie: bool,
    reaped: bool,
    chain: Vec<ContainerId>,
    session: u32,
}

/// What a registration should do, in the contract's words.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Eperm,
    Einval,
    Esrch,
    Exdev,
    Ealready,
    Ebusy,
    Emlink,
    Eexist,
    Create(Vec<ContainerId>),
    Join(Vec<ContainerId>),
}

#[derive(Clone, Debug)]
enum Action {
    Fork(usize),
    Exit(usize),
    Reap(usize),
    /// The deepest running task forks a child and registers it with a fresh ID.
    Descend,
    Register {
        writer: usize,
        target: usize,
        id: u128,
        form: u8,
        capable: bool,
    },
}

struct World {
    tasks: Vec<Task>,
    next_session: u32,
}

impl World {
    fn new() -> Self {
        // Task 0 is init: never exits, adopts orphans.
        World {
            tasks: vec![Task {
                parent: 0,
                zombie: false,
                reaped: false,
                chain: Vec::new(),
                session: u32::MAX,
            }],
            next_session: 1,
        }
    }

    fn running(&self, i: usize) -> bool {
        let t = &self.tasks[i];
        !t.zombie && !t.reaped
    }

    fn has_children(&self, i: usize) -> bool {
        self.tasks
            .iter()
            .enumerate()
            .any(|(j, c)| j != 0 && c.parent == i && !c.reaped)
    }

    /// Every live container as its full path.
    fn live_paths(&self) -> BTreeSet<Vec<ContainerId>> {
        let mut paths = BTreeSet::new();
        for t in self.tasks.iter().filter(|t| !t.reaped) {
            for n in 1..=t.chain.len() {
                paths.insert(t.chain[..n].to_vec());
            }
        }
        paths
    }

    fn text(id: u128, form: u8) -> String {
        match form % 5 {
            0 => format!("{id}\n"),
            1 => format!("0x{id:x}"),
            2 => {
                let h = format!("{id:032x}");
                format!("{}-{}-{}-{}-{}\n", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
            }
            3 => format!(" {id}"),
            _ => format!("{id}\n\n"),
        }
    }

    /// The model's verdict.
    fn model(&self, w: usize, t: usize, id: u128, form: u8, capable: bool) -> Outcome {
        if !capable {
            return Outcome::Eperm;
        }
        if form % 5 >= 3 || id == 0 {
            return Outcome::Einval;
        }
        if w == t {
            return Outcome::Eperm;
        }
        let (wc, tc) = (&self.tasks[w].chain, &self.tasks[t].chain);
        if self.tasks[t].zombie {
            return Outcome::Esrch;
        }
        if tc.len() < wc.len() || tc[..wc.len()] != wc[..] {
            return Outcome::Exdev;
        }
        if tc != wc {
            return Outcome::Ealready;
        }
        if self.has_children(t) {
            return Outcome::Ebusy;
        }
        if wc.len() == DEPTH {
            return Outcome::Emlink;
        }
        let id = ContainerId::new(id).unwrap();
        let mut want = wc.clone();
        want.push(id);
        let live = self.live_paths();
        if live.contains(&want) {
            Outcome::Join(want)
        } else if live.iter().any(|p| p.last() == Some(&id)) {
            Outcome::Eexist
        } else {
            Outcome::Create(want)
        }
    }

    /// The engine's verdict, from facts gathered as the kernel gathers them.
    fn engine(&self, w: usize, t: usize, id: u128, form: u8, capable: bool) -> Outcome {
        let text = Self::text(id, form);
        let request = Request {
            capable,
            id: parse(text.as_bytes()),
            own_process: w == t,
        };
        let refusal = |r: Refusal| match r {
            Refusal::NotCapable | Refusal::OwnProcess => Outcome::Eperm,
            Refusal::Invalid(_) => Outcome::Einval,
            Refusal::Gone => Outcome::Esrch,
            Refusal::OutOfScope => Outcome::Exdev,
            Refusal::AlreadyRegistered => Outcome::Ealready,
            Refusal::HasChildren => Outcome::Ebusy,
            Refusal::TooDeep => Outcome::Emlink,
            Refusal::IdInUse => Outcome::Eexist,
        };
        let cid = match check_request(&request) {
            Ok(cid) => cid,
            Err(r) => return refusal(r),
        };
        // Where is the ID live? Look at each unreaped task's chain.
        let mut liveness = Liveness::Free;
        for task in self.tasks.iter().filter(|t| !t.reaped) {
            if let Some(k) = task.chain.iter().position(|&v| v == cid) {
                liveness = Liveness::Live(k.checked_sub(1).map(|p| task.chain[p]));
            }
        }
        let (wc, tc) = (&self.tasks[w].chain, &self.tasks[t].chain);
        let facts = Target {
            exiting: self.tasks[t].zombie,
            writer_chain: wc,
            target_chain: tc,
            has_children: self.has_children(t),
            liveness,
        };
        let mut new = wc.clone();
        new.push(cid);
        match check_target(&facts) {
            Ok(Op::Join) => Outcome::Join(new),
            Ok(Op::Set | Op::Nest) => Outcome::Create(new),
            Err(r) => refusal(r),
        }
    }

    fn apply(&mut self, a: &Action) -> Option<(Outcome, Outcome)> {
        let n = self.tasks.len();
        match *a {
            Action::Fork(p) => {
                let p = p % n;
                if self.running(p) {
                    let mut c = self.tasks[p].clone();
                    c.parent = p;
                    self.tasks.push(c);
                }
                None
            }
            Action::Exit(i) => {
                let i = i % n;
                if i != 0 && self.running(i) {
                    self.tasks[i].zombie = true;
                    for c in self.tasks.iter_mut().filter(|c| c.parent == i) {
                        c.parent = 0;
                    }
                }
                None
            }
            Action::Reap(i) => {
                let i = i % n;
                if self.tasks[i].zombie && !self.tasks[i].reaped {
                    self.tasks[i].reaped = true;
                }
                None
            }
            Action::Descend => {
                let w = (0..n)
                    .filter(|&i| self.running(i))
                    .max_by_key(|&i| self.tasks[i].chain.len())?;
                self.apply(&Action::Fork(w));
                let t = self.tasks.len() - 1;
                let id = 1000 + t as u128;
                self.apply(&Action::Register {
                    writer: w,
                    target: t,
                    id,
                    form: 0,
                    capable: true,
                })
            }
            Action::Register {
                writer,
                target,
                id,
                form,
                capable,
            } => {
                let (w, t) = (writer % n, target % n);
                // A writer is a running process; a reaped target has no proc file.
                if !self.running(w) || self.tasks[t].reaped || (t == 0 && w != 0) {
                    return None;
                }
                let want = self.model(w, t, id, form, capable);
                let got = self.engine(w, t, id, form, capable);
                if let Outcome::Create(c) | Outcome::Join(c) = &want {
                    self.tasks[t].chain = c.clone();
                    self.tasks[t].session = self.next_session;
                    self.next_session += 1;
                }
                Some((want, got))
            }
        }
    }

    /// IDs are unique among live containers: each ID ends exactly one live path.
    fn ids_unique(&self) -> bool {
        let live = self.live_paths();
        let ends: Vec<ContainerId> = live.iter().filter_map(|p| p.last().copied()).collect();
        let distinct: BTreeSet<ContainerId> = ends.iter().copied().collect();
        distinct.len() == ends.len()
    }
}

fn action() -> impl Strategy<Value = Action> {
    // A small ID pool makes joins and collisions common.
    let id = prop_oneof![1u128..=6, Just(0u128), Just(u128::MAX)];
    prop_oneof![
        3 => (0..64usize).prop_map(Action::Fork),
        1 => (0..64usize).prop_map(Action::Exit),
        1 => (0..64usize).prop_map(Action::Reap),
        2 => Just(Action::Descend),
        6 => (0..64usize, 0..64usize, id, 0..12u8, prop::bool::weighted(0.95)).prop_map(
            |(writer, target, id, form, capable)| Action::Register {
                writer,
                target,
                id,
                // Mostly valid forms.
                form: if form < 10 { form % 3 } else { form },
                capable,
            }
        ),
    ]
}

proptest! {
    // Failing cases are saved beside this file (rust/host), never in the
    // kernel component's directory above it.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: Some(std::boxed::Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn engine_agrees_with_model(actions in prop::collection::vec(action(), 1..120)) {
        let mut world = World::new();
        for a in &actions {
            if let Some((want, got)) = world.apply(a) {
                prop_assert_eq!(&want, &got, "after {:?}", a);
            }
            prop_assert!(world.ids_unique());
            prop_assert!(world.tasks.iter().all(|t| t.chain.len() <= DEPTH));
        }
    }
}

/// Every outcome must be reachable, or the model test proves little.
#[test]
fn model_reaches_every_outcome() {
    use proptest::{
        strategy::ValueTree,
        test_runner::{Config, TestRunner},
    };
    let mut seen = BTreeSet::new();
    let mut runner = TestRunner::new(Config::default());
    for _ in 0..3000 {
        let actions = prop::collection::vec(action(), 1..120)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let mut world = World::new();
        for a in &actions {
            if let Some((_, got)) = world.apply(a) {
                let name = format!("{got:?}");
                seen.insert(String::from(name.split('(').next().unwrap()));
            }
        }
    }
    for want in ["Eperm", "Einval", "Esrch", "Exdev", "Ealready", "Ebusy", "Emlink", "Eexist", "Create", "Join"] {
        assert!(seen.contains(want), "no {want} in {seen:?}");
    }
}
