// SPDX-License-Identifier: GPL-2.0

//! The audit netlink socket: requests and their replies.
//!
//! netlink-sys owns the socket, netlink-packet-core the message framing
//! (header, `NLMSG_ERROR`, `NLMSG_DONE`); the audit payloads are opaque
//! bytes here ([`AuditPayload`]), encoded and decoded by [`crate::rules`].

use std::convert::Infallible;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use netlink_packet_core::{
    NetlinkBuffer, NetlinkDeserializable, NetlinkHeader, NetlinkMessage, NetlinkPayload,
    NetlinkSerializable, NLM_F_ACK, NLM_F_REQUEST,
};
use netlink_sys::{protocols::NETLINK_AUDIT, Socket, SocketAddr};
use nix::sys::socket::{setsockopt, sockopt::ReceiveTimeout};
use nix::sys::time::TimeVal;

use crate::errno;

/// How long to wait for the kernel's answer.
const TIMEOUT: Duration = Duration::from_secs(5);

/// An audit message: its type and its payload bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditPayload {
    /// `AUDIT_*` message type.
    pub msg_type: u16,
    /// The payload.
    pub data: Vec<u8>,
}

impl NetlinkSerializable for AuditPayload {
    fn message_type(&self) -> u16 {
        self.msg_type
    }

    fn buffer_len(&self) -> usize {
        self.data.len()
    }

    fn serialize(&self, buffer: &mut [u8]) {
        buffer.copy_from_slice(&self.data);
    }
}

impl NetlinkDeserializable for AuditPayload {
    type Error = Infallible;

    fn deserialize(header: &NetlinkHeader, payload: &[u8]) -> Result<Self, Infallible> {
        Ok(AuditPayload {
            msg_type: header.message_type,
            data: payload.to_vec(),
        })
    }
}

/// A connection to the kernel's audit.
pub struct AuditSocket {
    socket: Socket,
    seq: u32,
}

/// What to tell the user when the kernel refuses an audit request.
pub fn refusal(errno_value: i32) -> String {
    let n = errno::name(errno_value);
    match nix::errno::Errno::from_raw(errno_value) {
        nix::errno::Errno::EPERM => {
            format!("managing audit rules needs CAP_AUDIT_CONTROL ({n}): run contid as root")
        }
        nix::errno::Errno::ECONNREFUSED => format!(
            "the kernel's audit does not take requests from here ({n}): run contid as root in the initial user, pid and network namespaces"
        ),
        nix::errno::Errno::EEXIST => format!(
            "an identical rule is already there ({n}): nothing to add; `contid rule list` shows it"
        ),
        nix::errno::Errno::ENOENT => format!(
            "the kernel has no such rule ({n}): `contid rule list` shows the rules there are"
        ),
        nix::errno::Errno::EINVAL => format!(
            "the kernel refused the rule as invalid ({n}): a kernel without CONFIG_AUDIT_CONTAINERID does not know the contid field; otherwise check the list, action and key"
        ),
        nix::errno::Errno::ENOSPC | nix::errno::Errno::ENOMEM => format!(
            "the kernel has no room for the rule ({n}): delete unused audit rules (auditctl -l lists them)"
        ),
        e => format!("{} ({n}): check `auditctl -s` and the kernel log", e.desc()),
    }
}

impl AuditSocket {
    /// Opens and connects an audit netlink socket.
    pub fn open() -> Result<Self> {
        let mut socket = Socket::new(NETLINK_AUDIT).map_err(|e| {
            if e.raw_os_error() == Some(nix::libc::EPROTONOSUPPORT) {
                anyhow!("this kernel has no audit (EPROTONOSUPPORT): boot a kernel built with CONFIG_AUDIT=y")
            } else {
                anyhow!("cannot open an audit netlink socket ({e}): run contid as root")
            }
        })?;
        socket
            .bind_auto()
            .context("cannot bind the audit netlink socket: run contid as root")?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .context("cannot connect to the kernel's audit: run contid as root")?;
        setsockopt(
            &socket,
            ReceiveTimeout,
            &TimeVal::new(TIMEOUT.as_secs() as _, 0),
        )
        .context("cannot set a timeout on the audit socket: run contid as root")?;
        Ok(AuditSocket { socket, seq: 0 })
    }

    fn send(&mut self, msg_type: u16, data: Vec<u8>, flags: u16) -> Result<u32> {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = flags;
        header.sequence_number = self.seq;
        let mut msg = NetlinkMessage::new(
            header,
            NetlinkPayload::InnerMessage(AuditPayload { msg_type, data }),
        );
        msg.finalize();
        let mut buf = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut buf);
        let sent = self
            .socket
            .send(&buf, 0)
            .map_err(|e| anyhow!("cannot send to the kernel's audit ({e}): run contid as root"))?;
        if sent != buf.len() {
            bail!(
                "the kernel took {sent} of {} bytes of the audit request: try again",
                buf.len()
            );
        }
        Ok(self.seq)
    }

    /// Receives the replies to request `seq` until `done` says so.
    fn receive(
        &mut self,
        seq: u32,
        mut each: impl FnMut(NetlinkPayload<AuditPayload>) -> Result<bool>,
    ) -> Result<()> {
        loop {
            let (buf, _) = self.socket.recv_from_full().map_err(|e| {
                if matches!(e.raw_os_error(), Some(nix::libc::EAGAIN)) {
                    anyhow!("the kernel's audit did not answer within {} s: check `auditctl -s` and try again", TIMEOUT.as_secs())
                } else {
                    anyhow!("cannot read the kernel's audit answer ({e}): try again")
                }
            })?;
            let mut at = 0;
            while at < buf.len() {
                let bad = |e: &dyn std::fmt::Display| {
                    anyhow!("unreadable audit netlink message ({e}): check that contid matches the running kernel")
                };
                let len = NetlinkBuffer::new_checked(&buf[at..])
                    .map_err(|e| bad(&e))?
                    .length() as usize;
                let msg = NetlinkMessage::<AuditPayload>::deserialize(&buf[at..at + len])
                    .map_err(|e| bad(&e))?;
                at += (len + 3) & !3;
                if msg.header.sequence_number != seq {
                    // An answer to another request, or an event: not ours.
                    continue;
                }
                if each(msg.payload)? {
                    return Ok(());
                }
            }
        }
    }

    /// Sends a request that the kernel acknowledges; `Ok(Err(errno))` when
    /// the kernel refuses it.
    pub fn request(&mut self, msg_type: u16, data: Vec<u8>) -> Result<Result<(), i32>> {
        let seq = self.send(msg_type, data, NLM_F_REQUEST | NLM_F_ACK)?;
        let mut status = Ok(());
        self.receive(seq, |payload| match payload {
            NetlinkPayload::Error(e) => {
                if let Some(code) = e.code {
                    status = Err(-code.get());
                }
                Ok(true)
            }
            _ => Ok(false),
        })?;
        Ok(status)
    }

    /// Lists the kernel's audit rules: each reply's payload, in order.
    pub fn list_rules(&mut self) -> Result<Result<Vec<Vec<u8>>, i32>> {
        let seq = self.send(
            crate::rules::AUDIT_LIST_RULES,
            Vec::new(),
            NLM_F_REQUEST | NLM_F_ACK,
        )?;
        let mut rules = Vec::new();
        let mut status = Ok(());
        self.receive(seq, |payload| match payload {
            // The acknowledgement may come before the list: go on reading.
            NetlinkPayload::Error(e) => match e.code {
                None => Ok(false),
                Some(code) => {
                    status = Err(-code.get());
                    Ok(true)
                }
            },
            NetlinkPayload::Done(_) => Ok(true),
            NetlinkPayload::InnerMessage(m) if m.msg_type == crate::rules::AUDIT_LIST_RULES => {
                rules.push(m.data);
                Ok(false)
            }
            _ => Ok(false),
        })?;
        Ok(status.map(|()| rules))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_framed_as_netlink_says() {
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK;
        header.sequence_number = 7;
        let mut msg = NetlinkMessage::new(
            header,
            NetlinkPayload::InnerMessage(AuditPayload {
                msg_type: 1011,
                data: vec![1, 2, 3, 4, 5],
            }),
        );
        msg.finalize();
        let mut buf = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut buf);
        // struct nlmsghdr: u32 len, u16 type, u16 flags, u32 seq, u32 pid.
        let mut want = Vec::new();
        want.extend_from_slice(&21u32.to_ne_bytes());
        want.extend_from_slice(&1011u16.to_ne_bytes());
        want.extend_from_slice(&5u16.to_ne_bytes());
        want.extend_from_slice(&7u32.to_ne_bytes());
        want.extend_from_slice(&0u32.to_ne_bytes());
        want.extend_from_slice(&[1, 2, 3, 4, 5]);
        assert_eq!(buf, want);
    }

    #[test]
    fn refusals_say_what_to_do() {
        for (e, want) in [
            (nix::libc::EPERM, "(EPERM): run contid as root"),
            (nix::libc::EEXIST, "(EEXIST): nothing to add"),
            (nix::libc::ENOENT, "(ENOENT): `contid rule list` shows"),
            (
                nix::libc::EINVAL,
                "(EINVAL): a kernel without CONFIG_AUDIT_CONTAINERID",
            ),
        ] {
            assert!(refusal(e).contains(want), "{}", refusal(e));
        }
    }
}
