// SPDX-License-Identifier: GPL-2.0

//! Registration, top to bottom: a write to `/proc/PID/audit_containerid` is
//! checked (rules 1 to 3), registered under the locks (rules 4 to 9), logged,
//! and answered with a byte count or an errno.

use kernel::{
    bindings,
    ffi::c_char,
    prelude::*,
    sync::{aref::ARef, rcu},
    task::Task,
    uaccess::{UserPtr, UserSlice},
};

use crate::{
    audit::{self, Attempt},
    container::{self, Container},
    id::{self, Chain, ContainerId, ParseError},
    netns,
    registry::{Place, REGISTRY},
    rules::{self, Liveness, Op, Refusal, Request},
    session::Session,
    slab::SlabUninit,
    task::{self, Tasklist},
};

/// What a registration did.
#[derive(Clone, Copy)]
pub(crate) struct Registration {
    pub(crate) op: Op,
    /// The new session's number.
    pub(crate) session: u32,
}

/// Why a registration did not happen.
#[derive(Clone, Copy)]
pub(crate) enum RegisterError {
    /// A rule refused it.
    Refused(Refusal),
    /// Memory for the container or the session could not be had.
    NoMemory,
    /// A container with the ID is still dying: its end was neither logged
    /// nor counted lost within one RCU grace period.
    Busy,
}

/// The writer's and the target's chains, as the registration saw them.
pub(crate) struct Chains {
    pub(crate) writer: Chain,
    pub(crate) target: Chain,
}

impl Chains {
    const EMPTY: Chains = Chains {
        writer: Chain::EMPTY,
        target: Chain::EMPTY,
    };

    /// Fills both chains, in place (they are not small), with the writer's
    /// and the target's as they are now.
    fn read(&mut self, writer: &Task, target: &Task) {
        self.fill(writer, target, &rcu::read_lock());
    }

    /// As [`Chains::read`], inside the caller's read-side section.
    fn fill(&mut self, writer: &Task, target: &Task, rcu: &rcu::Guard) {
        for (chain, t) in [(&mut self.writer, writer), (&mut self.target, target)] {
            match task::session(t, rcu) {
                Some(s) => chain.assign_from_innermost(s.ids()),
                None => chain.assign_from_innermost(core::iter::empty()),
            }
        }
    }
}

/// `/proc/PID/audit_containerid` write: registers `tsk`'s whole process.
///
/// Every attempt that gets past the capability check is audited.
///
/// # Safety
///
/// `file` is the open proc file and `tsk` its task, both held by the caller
/// for the call; `buf`/`count` a user buffer; `ppos` the file position.
#[export]
pub unsafe extern "C" fn audit_contid_proc_write(
    file: *mut bindings::file,
    tsk: *mut bindings::task_struct,
    buf: *const c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // Rule 1 holds for the writer and for whoever opened the file, so that a
    // privileged task cannot be made to write through a file an unprivileged
    // one opened (as `/proc/PID/uid_map` does).
    // SAFETY: Per the function's contract, `file` and `tsk` are live for the
    // call (`Task` is a transparent wrapper of `task_struct`) and nobody else
    // uses `*ppos` meanwhile. The capability checks read the credentials of
    // the live `file` and of current.
    let (target, pos, capable) = unsafe {
        let cap = bindings::CAP_AUDIT_CONTROL as i32;
        (
            &*tsk.cast::<Task>(),
            &mut *ppos,
            bindings::file_ns_capable(file, &raw mut bindings::init_user_ns, cap)
                && bindings::capable(cap),
        )
    };
    let input = UserSlice::new(UserPtr::from_ptr(buf.cast_mut().cast()), count);
    match write(target, capable, input, *pos) {
        Ok(()) => {
            // A second write on the same file is at a non-zero offset: EINVAL.
            *pos += count as bindings::loff_t;
            count as isize
        }
        Err(e) => e.to_errno() as isize,
    }
}

fn write(target: &Task, capable: bool, input: UserSlice, pos: bindings::loff_t) -> Result {
    let writer: &Task = kernel::current!();
    if !capable {
        // Not logged: an unprivileged task cannot flood the log, nor probe
        // the parser (the buffer is not read).
        return Err(EPERM);
    }
    // Filled by whichever step gets furthest; the record reports them.
    let mut chains = Chains::EMPTY;
    let mut refused = |id, why: Refusal| {
        chains.read(writer, target);
        audit::log_registration(&Attempt {
            target,
            id,
            writer_chain: &chains.writer,
            writer_chain_known: false,
            old_chain: &chains.target,
            op: None,
            session: None,
        });
        Err(crate::errno::refusal(why))
    };
    let parsed = match read_id(input, pos) {
        Ok(parsed) => parsed,
        Err(e) => {
            // EFAULT: logged like any other refused attempt.
            let _ = refused(None, Refusal::Invalid(ParseError::Malformed));
            return Err(e);
        }
    };
    let request = Request {
        capable,
        id: parsed,
        own_process: task::own_process_or_kthread(writer, target),
    };
    let id = match rules::check_request(&request) {
        Ok(id) => id,
        Err(why) => return refused(parsed.ok(), why),
    };
    let result = register(writer, target, id, &mut chains);
    let (op, session) = match result {
        Ok(r) => (Some(r.op), Some(r.session)),
        Err(_) => (None, None),
    };
    audit::log_registration(&Attempt {
        target,
        id: Some(id),
        writer_chain: &chains.writer,
        writer_chain_known: true,
        old_chain: &chains.target,
        op,
        session,
    });
    result.map(|_| ()).map_err(Error::from)
}

/// Reads the ID the writer sent, without looking past what could be valid.
fn read_id(input: UserSlice, pos: bindings::loff_t) -> Result<Result<ContainerId, ParseError>> {
    if pos != 0 {
        return Ok(Err(ParseError::Malformed));
    }
    let mut input = input.reader();
    let count = input.len();
    if count > id::MAX_INPUT {
        return Ok(Err(ParseError::TooLong));
    }
    let mut bytes = [0u8; id::MAX_INPUT];
    input.read_slice(&mut bytes[..count])?;
    Ok(id::parse(&bytes[..count]))
}

/// What the registry holds for the requested ID.
enum Lookup {
    /// No container has it; a new one goes at this place.
    Free(Place),
    /// A live container has it (we hold a reference).
    Live(ARef<Container>),
}

/// What a permitted registration will do to the registry.
enum Plan {
    /// Create the container, with this memory (its first session's too), at
    /// this place.
    Create(Place, SlabUninit<Container>),
    /// Join this live container in a session of this memory.
    Join(ARef<Container>, SlabUninit<Session>),
}

/// Registers `target`'s whole process in container `id` below `writer`'s
/// chain: rules 4 to 9, then the new session for every thread. `chains`
/// receives the chains the rules saw (filled in place), for the record.
fn register(
    writer: &Task,
    target: &Task,
    id: ContainerId,
    chains: &mut Chains,
) -> Result<Registration, RegisterError> {
    let mut waited = false;
    let (mut reg, lookup) = loop {
        let mut reg = REGISTRY.lock();
        let lookup = match reg.find(id) {
            Err(place) => Lookup::Free(place),
            Ok(Some(c)) => Lookup::Live(c),
            Ok(None) if waited => {
                drop(reg);
                chains.read(writer, target);
                return Err(RegisterError::Busy);
            }
            Ok(None) => {
                // Dying, its end not yet logged: a container's end is logged
                // (or counted lost) before its ID is registered again. The
                // reaper never waits for the audit backlog; wait for it
                // once, for at most a grace period's worth of stragglers.
                drop(reg);
                container::flush_reaper();
                waited = true;
                continue;
            }
        };
        break (reg, lookup);
    };
    // Memory first (the mutex allows sleeping): nothing may sleep once
    // `tasklist_lock` is held.
    let plan = match lookup {
        Lookup::Free(place) => Container::alloc().map(|mem| Plan::Create(place, mem)),
        Lookup::Live(c) => Session::alloc().map(|mem| Plan::Join(c, mem)),
    };
    let Ok(plan) = plan else {
        chains.read(writer, target);
        return Err(RegisterError::NoMemory);
    };

    // With the mutex held no other registration changes a slot, the lock
    // below keeps the target from being released, and the writer is
    // running: both sessions stay the ones the rules see.
    let tasklist = Tasklist::read_lock();
    let facts = tasklist.facts(target);
    let gone = facts.gone();
    // One read-side section for both chains and, for a new container, a
    // reference on its parent (the writer's container).
    let parent = {
        let rcu = rcu::read_lock();
        chains.fill(writer, target, &rcu);
        match &plan {
            Plan::Create(..) => task::session(writer, &rcu).and_then(|s| s.container()),
            Plan::Join(..) => None,
        }
    };
    let mut has_children = false;
    if !gone {
        tasklist.for_each_thread(&facts, |t| has_children |= tasklist.facts(t).has_children);
    }
    let liveness = match &plan {
        Plan::Create(..) => Liveness::Free,
        Plan::Join(c, _) => Liveness::Live(c.parent().map(Container::id)),
    };
    let op = rules::check_target(&rules::Target {
        exiting: gone,
        writer_chain: chains.writer.as_slice(),
        target_chain: chains.target.as_slice(),
        has_children,
        liveness,
    })
    .map_err(RegisterError::Refused)?;

    let session = match plan {
        Plan::Join(c, mem) => Session::new(mem, reg.next_session(), c),
        Plan::Create(place, mem) => {
            let c = reg
                .link(place, mem, id, parent)
                .ok_or(RegisterError::Refused(Refusal::IdInUse))?;
            Session::first(c, reg.next_session())
        }
    };
    let num = session.num();
    tasklist.for_each_thread(&facts, |t| {
        // The old session (and maybe its container) is released here: that
        // takes no lock and never sleeps.
        drop(tasklist.replace_session(t, session.clone()));
    });
    drop(tasklist);
    drop(reg);
    // Packets logged in the target's network namespace name the container.
    // The writer is privileged and the link lives as long as the container
    // (not the writer's cgroup): not accounted.
    netns::attribute_task(session.container(), target, GFP_KERNEL);
    Ok(Registration { op, session: num })
}
