// SPDX-License-Identifier: GPL-2.0

//! `contid`: see `contid --help` and docs/contid.md.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = contid::cli::Cli::parse();
    match contid::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("contid: {e:#}");
            ExitCode::FAILURE
        }
    }
}
