#!/usr/bin/env python3
# Finishes bench-results.json: records how the run was made (clock, KVM,
# CPUs, kernel) and, given the samples of the alternating-boot comparison,
# adds figure 1's CONFIG_AUDIT_CONTAINERID=n vs =y pair and prints it. Each
# figure gets what it measures ("measures") and, when it has a target,
# whether its ratio meets it ("met"); the figures that miss theirs are
# printed (docs/benchmarks.md explains each).
#
#   bench-json.py RESULTS CLOCK ACCEL VCPUS KERNEL [OFF-SAMPLES]
import json
import statistics
import sys

# What each figure measures, by its number (the text before the first ". ").
MEASURES = {
    "1": "fork+exit+wait per iteration: a task in a 3-level container against one in none "
         "(target <= 1.005); or CONFIG_AUDIT_CONTAINERID=y unused against =n, across boots",
    "2": "one write of /proc/PID/audit_containerid (new container, or join) against a "
         "loginuid write (target <= 2)",
    "3": "a registration with 10,000 live containers against 10 (target <= 1.5)",
    "4": "a read of a 3-level /proc/self/audit_containerid against a loginuid read "
         "(target <= 2)",
    "5": "an audited getppid() in a 2-level container against none, the reader draining "
         "the records (target <= 1.20)",
    "6": "bytes per object as the kernel's allocator charges them (container <= 128, "
         "session <= 64)",
    "7": "getppid() with exit rules on the container ID against the same rules on the "
         "login uid: 10 none matching, 1 matching (target <= 1.1)",
    "8": "one UDP packet logged by nftables (NETFILTER_PKT and its CONTAINER_ID record), "
         "until kauditd sent every record on: in a namespace of 1,000 containers against "
         "one of 32 (32 are named either way; target <= 1.02); the second container's "
         "increment (2 containers minus 1) as a fraction of a logged packet in a "
         "namespace without containers (target <= 0.02)",
    "9": "a namespace change that no rule selects (unshare(CLONE_NEWUTS), or "
         "clone(CLONE_NEWUTS)+waitpid), per operation, by a task in a 2-level container "
         "against one in none, audit on with a reader and one unrelated exit rule "
         "(getppid), until the backlog is empty (target <= 1.02 each)",
}

results, clock, accel, vcpus, kernel = sys.argv[1:6]
samples = sys.argv[6] if len(sys.argv) > 6 else None

with open(results) as f:
    data = json.load(f)
data["run"] = {
    "clock": clock,
    "unit": "guest instructions (1 ns of guest time each)" if clock == "icount" else "ns",
    "accelerator": accel,
    "guest_vcpus": int(vcpus),
    "kernel": kernel,
}

if samples:
    runs = {"on": [], "off": []}
    with open(samples) as f:
        for line in f:
            kind, value = line.split()
            runs[kind].append(float(value))
    if not runs["on"] or not runs["off"] or min(runs["on"] + runs["off"]) <= 0:
        sys.exit("bench: the =n/=y comparison produced no valid samples")
    names = {
        "off": "1. fork+exit+wait, CONFIG_AUDIT_CONTAINERID=n (own boots)",
        "on": "1. fork+exit+wait, =y but unused (own boots)",
    }
    for kind in ("off", "on"):
        v = runs[kind]
        on = kind == "on"
        fig = {
            "name": names[kind], "unit": "ns", "median": statistics.median(v),
            "min": min(v), "max": max(v), "rounds": len(v),
            "baseline": names["off"] if on else None,
            "ratio": statistics.median(v) / statistics.median(runs["off"]) if on else 0,
            "target": 1.005 if on else 0,
        }
        data["figures"].append(fig)
        line = f"{fig['name']:<62} {fig['median']:10.0f}   {fig['min']:10.0f}   {fig['max']:10.0f}"
        if on:
            line += f"   {fig['ratio']:8.3f} {fig['target']:8.3f}"
        print(line)

missed = []
for fig in data["figures"]:
    fig["measures"] = MEASURES.get(fig["name"].split(". ", 1)[0], "")
    if fig.get("target"):
        fig["met"] = fig["ratio"] <= fig["target"]
        if not fig["met"]:
            missed.append(fig)
for fig in missed:
    print(f"bench: misses its target: {fig['name']}: {fig['ratio']:.4f} > {fig['target']}",
          file=sys.stderr)

with open(results, "w") as f:
    json.dump(data, f, indent=2)
    f.write("\n")
