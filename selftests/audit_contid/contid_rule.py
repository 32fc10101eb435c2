#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Adds or deletes an audit exit rule on a container ID over netlink.

    contid_rule.py add|del UUID KEY

The rule is "-a always,exit -F arch=b64 -S getppid -F key=KEY -F contid=UUID":
stock auditctl cannot write the contid field (AUDIT_CONTID, 27), so the
end-to-end test adds it this way and checks that stock auditctl lists and
deletes it. The ID goes in the rule's buffer as 16 bytes, big-endian: the
bytes in the order the UUID text shows them
(Documentation/admin-guide/audit-containerid.rst).
"""
import os
import socket
import struct
import sys
import uuid

NETLINK_AUDIT = 9
AUDIT_ADD_RULE, AUDIT_DEL_RULE = 1011, 1012
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
AUDIT_FILTER_EXIT, AUDIT_ALWAYS = 4, 2
AUDIT_ARCH, AUDIT_FILTERKEY, AUDIT_CONTID = 11, 210, 27
AUDIT_EQUAL = 0x40000000
AUDIT_ARCH_X86_64 = 0xC000003E
NR_GETPPID = 110
MAX_FIELDS = 64


def rule(contid, key):
    mask = [0] * MAX_FIELDS
    mask[NR_GETPPID // 32] |= 1 << (NR_GETPPID % 32)
    idbytes = uuid.UUID(contid).bytes  # big-endian, text order
    keybytes = key.encode()
    fields = [AUDIT_ARCH, AUDIT_FILTERKEY, AUDIT_CONTID]
    values = [AUDIT_ARCH_X86_64, len(keybytes), len(idbytes)]
    buf = keybytes + idbytes  # buffer fields in field order
    pad = MAX_FIELDS - len(fields)
    return struct.pack(
        "=3I%dI%dI%dI%dII" % (MAX_FIELDS, MAX_FIELDS, MAX_FIELDS, MAX_FIELDS),
        AUDIT_FILTER_EXIT, AUDIT_ALWAYS, len(fields), *mask,
        *(fields + [0] * pad), *(values + [0] * pad),
        *([AUDIT_EQUAL] * len(fields) + [0] * pad), len(buf)) + buf


def send(msg_type, payload):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    s.bind((0, 0))
    s.send(struct.pack("=IHHII", 16 + len(payload), msg_type,
                       NLM_F_REQUEST | NLM_F_ACK, 1, 0) + payload)
    while True:
        m = s.recv(65536)
        _, t = struct.unpack_from("=IH", m)
        if t == NLMSG_ERROR:
            (err,) = struct.unpack_from("=i", m, 16)
            return -err
        # Records multicast or queued for us are not the answer: read on.


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("add", "del"):
        sys.exit("usage: contid_rule.py add|del UUID KEY")
    op = AUDIT_ADD_RULE if sys.argv[1] == "add" else AUDIT_DEL_RULE
    err = send(op, rule(sys.argv[2], sys.argv[3]))
    if err:
        sys.exit("contid_rule.py: the kernel refused the rule: %s" % os.strerror(err))


if __name__ == "__main__":
    main()
