// SPDX-License-Identifier: GPL-2.0

//! The command line, and what each command does.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::id::ContainerId;
use crate::netlink::{self, AuditSocket};
use crate::rules::{self, Action, ContidRule, List};
use crate::{auparse, ids, log, ls, oci, proc, run};

/// Audit container identifiers: register processes in containers, list
/// containers, hook into OCI runtimes, filter and search the audit log.
#[derive(Debug, Parser)]
#[command(name = "contid", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

fn id_arg(text: &str) -> Result<ContainerId, String> {
    ids::parse_id(text)
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the container chain and session of a process.
    ///
    /// Prints the chain (outermost container first, `unset` outside
    /// containers) and the container session (`none` outside containers).
    Get {
        /// The process (default: contid itself, so its caller's container).
        #[arg(value_parser = clap::value_parser!(i32).range(1..))]
        pid: Option<i32>,
        /// Print JSON: {"pid", "contid", "chain", "session"}.
        #[arg(long)]
        json: bool,
    },
    /// Register a process, with all its threads, in a container.
    ///
    /// The new container is nested in contid's own (top-level on the
    /// host). The process must have no children yet. With the ID of a live
    /// container under the same parent, the process joins that container
    /// in a new session. Needs CAP_AUDIT_CONTROL.
    Set {
        /// The process to register.
        #[arg(value_parser = clap::value_parser!(i32).range(1..))]
        pid: i32,
        /// The container ID: a UUID, 0x and 1 to 32 hex digits, or a decimal number.
        #[arg(value_parser = id_arg)]
        id: ContainerId,
    },
    /// Run a command as the first process of a container.
    ///
    /// Forks, registers the child, then lets it exec CMD; exits with CMD's
    /// status (128+N when a signal N killed it). Without --id the container
    /// gets a new random (v4) UUID; the ID of a live container under the
    /// same parent joins it in a new session (as `docker exec` does).
    /// Needs CAP_AUDIT_CONTROL.
    Run {
        /// The container ID (default: a new random UUID).
        #[arg(long, value_parser = id_arg)]
        id: Option<ContainerId>,
        /// Do not print the container and session on standard error.
        #[arg(long, short)]
        quiet: bool,
        /// The command and its arguments.
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "CMD"
        )]
        command: Vec<OsString>,
    },
    /// List the live containers as a tree, with their task counts.
    ///
    /// Reads /sys/kernel/debug/audit_containerid/containers (root, debugfs).
    /// TASKS counts a container's own tasks, not those of containers nested
    /// in it; NESTED counts the containers directly inside it.
    Ls {
        /// Print JSON: a list of {"id", "contid", "depth", "tasks", "nested"}, in tree order.
        #[arg(long)]
        json: bool,
    },
    /// OCI createRuntime hook: register the container's process.
    ///
    /// Reads the OCI state JSON on standard input. The ID is the annotation
    /// org.linux.audit.containerid if present; else the OCI id if it is a
    /// UUID; else its first 32 hex digits if it is 64 hex digits (Docker,
    /// Podman, containerd, CRI-O); else the first 16 bytes of its SHA-256.
    /// Fails closed: a non-zero exit makes the runtime abort the container.
    OciHook {
        /// On error, print it and exit 0 so that the container starts anyway.
        #[arg(long)]
        fail_open: bool,
    },
    /// Add, delete or list audit filter rules on the container ID.
    Rule {
        /// What to do with rules.
        #[command(subcommand)]
        command: RuleCommand,
    },
    /// Show a container's events from the audit log (nested containers included).
    ///
    /// Events are grouped by libauparse (as ausearch groups them) and
    /// printed in time order, each after a header naming the container and
    /// session. Reading the log needs root.
    Log {
        /// The container ID, in any form the kernel accepts.
        #[arg(value_parser = id_arg)]
        id: ContainerId,
        /// Audit log to read; repeat for rotated logs, oldest first.
        #[arg(
            long = "file",
            value_name = "PATH",
            default_value = "/var/log/audit/audit.log"
        )]
        files: Vec<PathBuf>,
        /// One line per container session instead: first and last time,
        /// events, auid, and the first command.
        #[arg(long)]
        sessions: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `contid rule` commands.
#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// Add a rule on the container ID (needs CAP_AUDIT_CONTROL).
    ///
    /// Exit rules get arch=b64 (x86_64 system calls) and, without
    /// --syscall, match every system call.
    Add(RuleArgs),
    /// Delete the rule that `add` with the same arguments added.
    Del(RuleArgs),
    /// List the kernel's contid rules, in `add` syntax.
    List {
        /// Print JSON: {"rules": [{"args" | "raw"}], "other_rules": N}.
        #[arg(long)]
        json: bool,
    },
}

/// A rule on the container ID.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// The container ID; matches tasks in it and in containers nested in it.
    #[arg(long, value_parser = id_arg)]
    pub contid: ContainerId,
    /// Match tasks outside the container instead (contid != ID).
    #[arg(long)]
    pub not: bool,
    /// An x86_64 system call, by name or number (exit list only); repeat
    /// for more. Default: all.
    #[arg(long = "syscall", short = 'S', value_name = "NAME")]
    pub syscalls: Vec<String>,
    /// The rule's key, shown as key= in the records it logs.
    #[arg(long, short)]
    pub key: Option<String>,
    /// The filter list.
    #[arg(long, value_enum, default_value_t = List::Exit)]
    pub list: List,
    /// What a match does.
    #[arg(long, value_enum, default_value_t = Action::Always)]
    pub action: Action,
}

impl RuleArgs {
    fn rule(&self) -> Result<ContidRule> {
        let syscalls = self
            .syscalls
            .iter()
            .map(|s| rules::parse_syscall(s))
            .collect::<Result<_>>()?;
        let rule = ContidRule {
            list: self.list,
            action: self.action,
            contid: self.contid,
            negate: self.not,
            syscalls,
            key: self.key.clone(),
        };
        rule.validate()?;
        Ok(rule)
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)
        .context("cannot write JSON to standard output")?;
    writeln!(out).context("cannot write to standard output")?;
    Ok(())
}

fn get(pid: Option<i32>, json: bool) -> Result<()> {
    let target = pid.map_or(proc::Target::SelfProcess, proc::Target::Pid);
    let info = proc::read_info(target)?;
    if json {
        return print_json(&info);
    }
    let session = info
        .session
        .map_or_else(|| "none".to_owned(), |s| s.to_string());
    println!("contid: {}\nsession: {session}", info.contid);
    Ok(())
}

fn set(pid: i32, id: ContainerId) -> Result<()> {
    if !proc::feature_present() {
        return Err(anyhow!(proc::NO_FEATURE));
    }
    proc::register(pid, id)?;
    let info = proc::read_info(proc::Target::Pid(pid))?;
    let session = info
        .session
        .map_or_else(|| "none".to_owned(), |s| s.to_string());
    println!(
        "process {pid} registered: {}, session {session}",
        info.contid
    );
    Ok(())
}

fn oci_hook(fail_open: bool) -> Result<()> {
    let result = (|| -> Result<()> {
        let mut input = Vec::new();
        std::io::stdin()
            .take(oci::MAX_STATE)
            .read_to_end(&mut input)
            .context(
                "cannot read the OCI state on standard input: run contid oci-hook as an OCI hook",
            )?;
        let plan = oci::plan(&input)?;
        if !proc::feature_present() {
            return Err(anyhow!(proc::NO_FEATURE));
        }
        proc::register(plan.pid, plan.id)
    })();
    match result {
        Err(e) if fail_open => {
            eprintln!("contid oci-hook: {e:#} (ignored: --fail-open)");
            Ok(())
        }
        other => other,
    }
}

fn socket_refusal(what: &str, errno: i32) -> anyhow::Error {
    anyhow!("{what}: {}", netlink::refusal(errno))
}

fn list_raw(sock: &mut AuditSocket) -> Result<Vec<rules::RawRule>> {
    let raw = sock
        .list_rules()?
        .map_err(|e| socket_refusal("cannot list the audit rules", e))?;
    raw.iter().map(|r| rules::decode(r)).collect()
}

fn rule(cmd: RuleCommand) -> Result<()> {
    match cmd {
        RuleCommand::Add(args) => {
            let rule = args.rule()?;
            let mut sock = AuditSocket::open()?;
            sock.request(rules::AUDIT_ADD_RULE, rule.encode()?)?
                .map_err(|e| socket_refusal("cannot add the rule", e))
        }
        RuleCommand::Del(args) => {
            let rule = args.rule()?;
            let mut sock = AuditSocket::open()?;
            // Delete the kernel's own copy of the matching rule: it is
            // found whatever order another tool put its fields in.
            let listed = list_raw(&mut sock)?;
            let found = listed
                .iter()
                .find(|r| r.to_contid_rule().ok().as_ref() == Some(&rule))
                .ok_or_else(|| {
                    anyhow!(
                        "there is no rule {}: `contid rule list` shows the rules there are",
                        rule.to_args()
                    )
                })?;
            sock.request(rules::AUDIT_DEL_RULE, found.data.clone())?
                .map_err(|e| socket_refusal("cannot delete the rule", e))
        }
        RuleCommand::List { json } => {
            let mut sock = AuditSocket::open()?;
            let listing = rules::listing(&list_raw(&mut sock)?);
            if json {
                print_json(&listing)
            } else {
                print!("{}", rules::render_listing(&listing));
                Ok(())
            }
        }
    }
}

fn log_cmd(id: ContainerId, files: &[PathBuf], sessions: bool, json: bool) -> Result<()> {
    let events = auparse::read_events(files)?;
    let found = log::select(&events, id);
    if sessions {
        let s = log::sessions(&found);
        if json {
            return print_json(&s);
        }
        print!("{}", log::render_sessions(&s));
    } else if json {
        return print_json(&log::to_json(&found));
    } else {
        print!("{}", log::render_events(&found));
    }
    if found.is_empty() && !json {
        eprintln!(
            "contid: no events of container {} in the log",
            ids::uuid_string(id)
        );
    }
    Ok(())
}

/// Runs a parsed command line; returns the process's exit status.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Get { pid, json } => get(pid, json)?,
        Command::Set { pid, id } => set(pid, id)?,
        Command::Run { id, quiet, command } => {
            return Ok(ExitCode::from(run::run(id, &command, quiet)?))
        }
        Command::Ls { json } => {
            let containers = ls::read()?;
            if json {
                print_json(&ls::to_json(&containers))?;
            } else {
                print!("{}", ls::render(&containers));
            }
        }
        Command::OciHook { fail_open } => oci_hook(fail_open)?,
        Command::Rule { command } => rule(command)?,
        Command::Log {
            id,
            files,
            sessions,
            json,
        } => log_cmd(id, &files, sessions, json)?,
    }
    Ok(ExitCode::SUCCESS)
}
