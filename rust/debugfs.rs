// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/debug/audit_containerid/containers`: one line per live
//! container: `<chain> <tasks> <children>`.
//! `/sys/kernel/debug/audit_containerid/memory`: what each object costs, as
//! the allocator charges it.

use core::fmt;

use kernel::{debugfs::Dir, prelude::*};

use crate::{id::ChainText, registry};

/// The debugfs directory and its files; removed when dropped.
pub(crate) struct Debugfs {
    _dir: Dir,
    _containers: Pin<KBox<kernel::debugfs::File<()>>>,
    _memory: Pin<KBox<kernel::debugfs::File<()>>>,
}

fn memory(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let m = registry::footprint();
    writeln!(f, "container {}", m.container)?;
    writeln!(f, "tree_node {}", m.tree_node)?;
    writeln!(f, "session {}", m.session)?;
    writeln!(f, "task {}", m.per_task)
}

fn show(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut res = Ok(());
    registry::for_each_container(|chain, tasks, children| {
        if res.is_ok() {
            let text = ChainText::new(chain.as_slice());
            res = writeln!(f, "{} {} {}", text.as_str(), tasks, children);
        }
    });
    res
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
