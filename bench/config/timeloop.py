#!/usr/bin/env python3
"""Fallback timer when hyperfine is absent: runs two commands alternately
(A, B, A, B, ...) so load changes hit both alike, measures wall and CPU time
of each run, and writes hyperfine-shaped JSON ({"results": [{"times": [...],
"user": mean, "system": mean}]}) for each command.

Usage: timeloop.py --runs N [--extra-runs M] --json-a A.json --json-b B.json -- "CMD A" "CMD B"
(M more runs of A alone afterwards; commands are split on whitespace.)
"""
import argparse
import json
import os
import statistics
import subprocess
import time


def once(argv):
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit("timeloop: %s exited %d" % (" ".join(argv), p.returncode))
    return wall, usage.ru_utime, usage.ru_stime


def dump(path, cmd, samples):
    times = [s[0] for s in samples]
    result = {"command": cmd, "times": times, "mean": statistics.mean(times), "median": statistics.median(times),
              "user": statistics.mean(s[1] for s in samples), "system": statistics.mean(s[2] for s in samples)}
    with open(path, "w") as f:
        json.dump({"results": [result]}, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--extra-runs", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--json-a", required=True)
    ap.add_argument("--json-b", required=True)
    ap.add_argument("commands", nargs=2)
    args = ap.parse_args()
    a, b = (c.split() for c in args.commands)
    for _ in range(args.warmup):
        once(a)
        once(b)
    sa, sb = [], []
    for _ in range(args.runs):
        sa.append(once(a))
        sb.append(once(b))
    for _ in range(max(0, args.extra_runs)):
        sa.append(once(a))
    dump(args.json_a, args.commands[0], sa)
    dump(args.json_b, args.commands[1], sb)


if __name__ == "__main__":
    main()
