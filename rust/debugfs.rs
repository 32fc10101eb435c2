// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/debug/audit_containerid/containers`: one line per live
//! container: `<chain> <tasks> <children> <netns>`, the last the namespace IDs
//! of the network namespaces it is attributed to, comma-separated, or `-`.
//! `/sys/kernel/debug/audit_containerid/memory`: what each object costs, as
//! the allocator charges it.

use core::fmt;

use kernel::{debugfs::Dir, prelude::*, sync::aref::ARef};

use crate::{
    container::{self, Container, CONTAINERS},
    id::ChainText,
    netns,
    registry::REGISTRY,
    session::{Session, SESSIONS},
    task,
};

/// The debugfs directory and its files; removed when dropped.
pub(crate) struct Debugfs {
    _dir: Dir,
    _containers: Pin<KBox<kernel::debugfs::File<()>>>,
    _memory: Pin<KBox<kernel::debugfs::File<()>>>,
}

fn memory(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let size = |c: Option<usize>| c.unwrap_or(0);
    writeln!(
        f,
        "container {}",
        size(CONTAINERS.as_ref().map(|c| c.object_size()))
    )?;
    // The tree node and the first session are inside the container.
    writeln!(f, "tree_node 0")?;
    writeln!(
        f,
        "session {}",
        size(SESSIONS.as_ref().map(|c| c.object_size()))
    )?;
    writeln!(f, "task {}", core::mem::size_of::<*mut Session>())
}

/// Every live container with the number of tasks in it (not counting
/// nested containers' tasks).
///
/// The registry mutex is held only to take a reference on each container;
/// the walk over every thread in the system holds none of our locks.
fn census() -> Result<KVec<(ARef<Container>, u32)>> {
    // Containers whose children just died leave once those are reaped.
    container::flush_reaper();
    let live = REGISTRY.lock().live()?;
    let mut counts = KVec::with_capacity(live.len(), GFP_KERNEL)?;
    for c in live {
        counts.push((c, 0u32), GFP_KERNEL)?;
    }
    counts.sort_unstable_by_key(|(c, _)| core::ptr::from_ref::<Container>(c) as usize);
    task::for_each_thread_in_system(|t, rcu| {
        let Some(s) = task::session(t, rcu) else {
            return;
        };
        let c = s.container_addr();
        if let Ok(i) =
            counts.binary_search_by_key(&c, |(c, _)| core::ptr::from_ref::<Container>(c) as usize)
        {
            counts[i].1 += 1;
        }
    });
    Ok(counts)
}

fn show(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let Ok(counts) = census() else {
        return Err(fmt::Error);
    };
    for (c, tasks) in &counts {
        let text = ChainText::from_innermost(c.ids());
        write!(f, "{} {} {} ", text.as_str(), tasks, c.children())?;
        let mut sep = "";
        let mut written = Ok(());
        netns::namespaces_of(c, |id| {
            written = written.and_then(|()| write!(f, "{sep}{id}"));
            sep = ",";
        });
        written?;
        writeln!(f, "{}", if sep.is_empty() { "-" } else { "" })?;
    }
    Ok(())
}

impl Debugfs {
    pub(crate) fn new() -> Result<Self> {
        let dir = Dir::new(c"audit_containerid");
        let containers =
            KBox::pin_init(dir.read_callback_file(c"containers", (), &show), GFP_KERNEL)?;
        let memory = KBox::pin_init(dir.read_callback_file(c"memory", (), &memory), GFP_KERNEL)?;
        Ok(Debugfs {
            _dir: dir,
            _containers: containers,
            _memory: memory,
        })
    }
}
