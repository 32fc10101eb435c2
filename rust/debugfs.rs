// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/debug/audit_containerid/containers`: one line per live
//! container: `<chain> <tasks> <children>`.

use core::fmt;

use kernel::{debugfs::Dir, prelude::*};

use crate::{id::ChainText, registry};

/// The debugfs directory and its files; removed when dropped.
pub(crate) struct Debugfs {
    _dir: Dir,
    _containers: Pin<KBox<kernel::debugfs::File<()>>>,
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
        Ok(Debugfs {
            _dir: dir,
            _containers: containers,
        })
    }
}
