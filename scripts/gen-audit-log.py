#!/usr/bin/env python3
"""Writes a synthetic audit log of N records for make bench-userspace.

Events of three records (SYSCALL, CONTAINER_ID, PROCTITLE) for tasks in
containers and of two (SYSCALL, PROCTITLE) for the others, one in two events
contained. Login sessions and containers are spread so that one session and
one container select the same number of events:

    event i: ses = i % SESSIONS; if i is odd, container (i // 2) % CONTAINERS,
             nested one level deeper for one container in four.

so `--session 7` and `--contid <container 7>` both select one event in
SESSIONS (SESSIONS == CONTAINERS * 2). Deterministic: same N, same bytes.
"""

import sys

SESSIONS = 200
CONTAINERS = 100


def uuid(n: int) -> str:
    return f"0b5e1c2d-3f40-4a5b-8c6d-{n:012x}"


def chain(c: int) -> str:
    """Container c's chain; one in four is nested in container c + 1000."""
    if c % 4 == 3:
        return f"{uuid(c + 1000)}/{uuid(c)}"
    return uuid(c)


def main() -> None:
    records = int(sys.argv[1])
    out = sys.stdout
    i = n = 0
    t = 1764450000
    while n < records:
        stamp = f"audit({t + i // 1000}.{i % 1000:03d}:{i + 1})"
        ses = i % SESSIONS
        pid = 1000 + i % 30000
        lines = [
            f"type=SYSCALL msg={stamp}: arch=c000003e syscall=110 success=yes exit={pid - 1} "
            f"a0=0 a1=0 a2=0 a3=0 items=0 ppid={pid - 1} pid={pid} auid=1000 uid=0 gid=0 "
            f"euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses={ses} comm=\"sh\" "
            f"exe=\"/usr/bin/dash\" key=\"bench\""
        ]
        if i % 2:
            c = (i // 2) % CONTAINERS
            lines.append(f"type=CONTAINER_ID msg={stamp}: contid={chain(c)} contsession={c % 7}")
        lines.append(f"type=PROCTITLE msg={stamp}: proctitle=7368002D630065786974203000")
        out.write("\n".join(lines[: records - n]) + "\n")
        n += min(len(lines), records - n)
        i += 1


if __name__ == "__main__":
    main()
