#!/usr/bin/env python3
# Finishes bench-results.json: records how the run was made (clock, KVM,
# CPUs, kernel) and, given the samples of the alternating-boot comparison,
# adds figure 1's CONFIG_AUDIT_CONTAINERID=n vs =y pair and prints it.
#
#   bench-json.py RESULTS CLOCK ACCEL VCPUS KERNEL [OFF-SAMPLES]
import json
import statistics
import sys

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

with open(results, "w") as f:
    json.dump(data, f, indent=2)
    f.write("\n")
