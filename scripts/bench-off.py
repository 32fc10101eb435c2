#!/usr/bin/env python3
# Adds the CONFIG_AUDIT_CONTAINERID=n vs =y comparison of figure 1 (one fork
# loop per boot, boots alternated) to bench-results.json and prints it.
import json
import statistics
import sys

samples, results = sys.argv[1], sys.argv[2]
runs = {"on": [], "off": []}
with open(samples) as f:
    for line in f:
        kind, value = line.split()
        runs[kind].append(float(value))
if not runs["on"] or not runs["off"] or min(runs["on"] + runs["off"]) <= 0:
    sys.exit("bench: the =n/=y comparison produced no valid samples")

with open(results) as f:
    data = json.load(f)
names = {
    "off": "1. fork+exit+wait, CONFIG_AUDIT_CONTAINERID=n (own boots)",
    "on": "1. fork+exit+wait, =y but unused (own boots)",
}
for kind in ("off", "on"):
    v = runs[kind]
    fig = {
        "name": names[kind], "unit": "ns", "median": statistics.median(v),
        "min": min(v), "max": max(v), "rounds": len(v),
        "baseline": names["off"] if kind == "on" else None,
        "ratio": statistics.median(v) / statistics.median(runs["off"]) if kind == "on" else 0,
        "target": 1.005 if kind == "on" else 0,
    }
    data["figures"].append(fig)
    line = f"{fig['name']:<62} {fig['median']:10.0f}   {fig['min']:10.0f}   {fig['max']:10.0f}"
    if kind == "on":
        line += f"   {fig['ratio']:8.3f} {fig['target']:8.3f}"
    print(line)
with open(results, "w") as f:
    json.dump(data, f, indent=2)
    f.write("\n")
