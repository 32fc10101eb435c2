#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Prints an audit log's events as the distribution's libauparse groups them.

Every audisp plugin and log forwarder reads the log through libauparse, so
this is how they see which records belong together. Output, per event:

    event <serial> <type>,<type>,...
    record <serial> <type> <record text>

Types are numbers (auparse_get_type), whether or not this libauparse has a
name for them.
"""
import ctypes
import sys

AUSOURCE_FILE = 1  # ausource_t in auparse-defs.h


def main(path):
    lib = ctypes.CDLL("libauparse.so.0")
    lib.auparse_init.restype = ctypes.c_void_p
    lib.auparse_init.argtypes = [ctypes.c_int, ctypes.c_char_p]
    for f in ("auparse_next_event", "auparse_first_record", "auparse_next_record",
              "auparse_get_type"):
        getattr(lib, f).argtypes = [ctypes.c_void_p]
        getattr(lib, f).restype = ctypes.c_int
    lib.auparse_get_serial.argtypes = [ctypes.c_void_p]
    lib.auparse_get_serial.restype = ctypes.c_ulong
    lib.auparse_get_record_text.argtypes = [ctypes.c_void_p]
    lib.auparse_get_record_text.restype = ctypes.c_char_p
    lib.auparse_destroy.argtypes = [ctypes.c_void_p]

    au = lib.auparse_init(AUSOURCE_FILE, path.encode())
    if not au:
        sys.exit("auparse_events: libauparse cannot open %s" % path)
    while True:
        rc = lib.auparse_next_event(au)
        if rc == 0:
            break
        if rc < 0:
            sys.exit("auparse_events: libauparse failed to read %s" % path)
        serial = lib.auparse_get_serial(au)
        records = []
        if lib.auparse_first_record(au) == 1:
            while True:
                name = str(lib.auparse_get_type(au))
                text = (lib.auparse_get_record_text(au) or b"").decode("utf-8", "replace")
                records.append((name, text))
                if lib.auparse_next_record(au) != 1:
                    break
        print("event %d %s" % (serial, ",".join(n for n, _ in records)))
        for name, text in records:
            print("record %d %s %s" % (serial, name, text))
    lib.auparse_destroy(au)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: auparse_events.py AUDIT_LOG")
    main(sys.argv[1])
