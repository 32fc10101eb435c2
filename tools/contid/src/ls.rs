// SPDX-License-Identifier: GPL-2.0

//! Live containers, from debugfs: one line per container,
//! `<chain> <tasks> <children> <netns>`, the last the network namespaces the
//! container is attributed to (nsfs inodes, comma-separated, or `-`).

use std::fmt::Write as _;
use std::fs;
use std::io::ErrorKind;

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use crate::id::ContainerId;
use crate::ids;
use crate::proc;

/// Where debugfs is mounted.
pub const DEBUGFS: &str = "/sys/kernel/debug";

/// The listing of live containers.
pub const CONTAINERS: &str = "/sys/kernel/debug/audit_containerid/containers";

/// One live container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// Its full chain, outermost first.
    pub chain: Vec<ContainerId>,
    /// Its own tasks (nested containers' tasks not counted).
    pub tasks: u64,
    /// Containers nested directly inside it.
    pub children: u64,
    /// The network namespaces its tasks have used (nsfs inode numbers):
    /// packets logged there name it.
    pub netns: Vec<u64>,
}

/// One container as `contid ls --json` prints it.
#[derive(Debug, Serialize)]
pub struct JsonContainer {
    /// The container's own ID.
    pub id: String,
    /// Its full chain, as the kernel prints it.
    pub contid: String,
    /// 1 for a top-level container, 2 for one nested in it, ...
    pub depth: usize,
    /// Its own tasks.
    pub tasks: u64,
    /// Containers nested directly inside it.
    pub nested: u64,
    /// The network namespaces it is attributed to (nsfs inode numbers).
    pub netns: Vec<u64>,
}

/// Parses the debugfs listing.
pub fn parse(text: &str) -> Result<Vec<Container>> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let bad = || {
            anyhow!("unexpected line {line:?} in {CONTAINERS}: check that contid matches the running kernel")
        };
        let mut it = line.split_whitespace();
        let (Some(chain), Some(tasks), Some(children), Some(netns), None) =
            (it.next(), it.next(), it.next(), it.next(), it.next())
        else {
            return Err(bad());
        };
        let netns = match netns {
            "-" => Vec::new(),
            list => list
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|_| bad())?,
        };
        let chain = ids::parse_chain(chain).map_err(|_| bad())?;
        if chain.is_empty() {
            return Err(bad());
        }
        out.push(Container {
            chain,
            tasks: tasks.parse().map_err(|_| bad())?,
            children: children.parse().map_err(|_| bad())?,
            netns,
        });
    }
    Ok(out)
}

/// Orders containers as a tree: each container right before the ones
/// nested in it, siblings by ID.
pub fn sort_tree(containers: &mut [Container]) {
    containers.sort_by(|a, b| a.chain.cmp(&b.chain));
}

fn leaf(c: &Container) -> ContainerId {
    // parse() refuses empty chains.
    c.chain[c.chain.len() - 1]
}

/// Renders containers (in tree order) as an indented tree with counts.
pub fn render(containers: &[Container]) -> String {
    if containers.is_empty() {
        return "no live containers\n".to_owned();
    }
    let width = containers
        .iter()
        .map(|c| 2 * (c.chain.len() - 1) + crate::id::UUID_LEN)
        .max()
        .unwrap_or(crate::id::UUID_LEN)
        .max("CONTAINER".len());
    let mut out = format!(
        "{:<width$}  {:>6}  {:>6}  NETNS\n",
        "CONTAINER", "TASKS", "NESTED"
    );
    for c in containers {
        let name = format!(
            "{}{}",
            "  ".repeat(c.chain.len() - 1),
            ids::uuid_string(leaf(c))
        );
        let netns = if c.netns.is_empty() {
            "-".to_owned()
        } else {
            c.netns
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let _ = writeln!(
            out,
            "{name:<width$}  {:>6}  {:>6}  {netns}",
            c.tasks, c.children
        );
    }
    out
}

/// The containers as `--json` prints them.
pub fn to_json(containers: &[Container]) -> Vec<JsonContainer> {
    containers
        .iter()
        .map(|c| JsonContainer {
            id: ids::uuid_string(leaf(c)),
            contid: ids::chain_string(&c.chain),
            depth: c.chain.len(),
            tasks: c.tasks,
            nested: c.children,
            netns: c.netns.clone(),
        })
        .collect()
}

fn debugfs_mounted() -> bool {
    nix::sys::statfs::statfs(DEBUGFS)
        .map(|s| s.filesystem_type() == nix::sys::statfs::DEBUGFS_MAGIC)
        .unwrap_or(false)
}

/// Reads the live containers, in tree order.
pub fn read() -> Result<Vec<Container>> {
    if !proc::feature_present() {
        bail!(proc::NO_FEATURE);
    }
    let text = match fs::read_to_string(CONTAINERS) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            bail!("cannot read {CONTAINERS}: permission denied: run contid ls as root")
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if debugfs_mounted() {
                bail!("{CONTAINERS} does not exist although debugfs is mounted: check that contid matches the running kernel");
            }
            bail!("debugfs is not mounted on {DEBUGFS}: mount it with `mount -t debugfs none {DEBUGFS}`");
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read {CONTAINERS}: run contid ls as root"))
        }
    };
    let mut containers = parse(&text)?;
    sort_tree(&mut containers);
    Ok(containers)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "7d9c5b1e-2f4a-4c3b-9e8d-00000000000a";
    const B: &str = "00000000-0000-0000-0000-000000000b0b";
    const C: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

    #[test]
    fn listing_becomes_an_indented_tree() {
        // Debugfs lists in no particular order.
        let text = format!("{A}/{B} 1 0 4026532301\n{C} 2 0 4026531840,4026532400\n{A} 0 1 -\n");
        let mut cs = parse(&text).expect("valid listing");
        sort_tree(&mut cs);
        // The widest name is the nested one: 2 spaces and 36 characters.
        let want = [
            "CONTAINER                                TASKS  NESTED  NETNS".to_owned(),
            format!("{C}         2       0  4026531840,4026532400"),
            format!("{A}         0       1  -"),
            format!("  {B}       1       0  4026532301"),
        ]
        .map(|l| l + "\n")
        .concat();
        assert_eq!(render(&cs), want);
        let json = serde_json::to_value(to_json(&cs)).expect("json");
        assert_eq!(json[2]["id"], B);
        assert_eq!(json[2]["contid"], format!("{A}/{B}"));
        assert_eq!(json[2]["depth"], 2);
        assert_eq!(json[1]["nested"], 1);
        assert_eq!(
            json[0]["netns"],
            serde_json::json!([4026531840u64, 4026532400u64])
        );
        assert_eq!(json[1]["netns"], serde_json::json!([]));
    }

    #[test]
    fn empty_listing_says_so() {
        assert_eq!(parse("").expect("empty"), vec![]);
        assert_eq!(render(&[]), "no live containers\n");
    }

    #[test]
    fn malformed_lines_are_refused() {
        for bad in [
            format!("{A} 1\n"),
            format!("{A} 1 0\n"),
            format!("{A} 1 0 - 9\n"),
            format!("{A} x 0 -\n"),
            format!("{A} 1 0 12,x\n"),
            format!("{A} 1 0 12,\n"),
            "unset 1 0 -\n".to_owned(),
            "42 1 0 -\n".to_owned(),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
    }
}
