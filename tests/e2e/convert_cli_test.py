#!/usr/bin/env python3
"""The racker binary's `compose graph` and `compose convert` front ends:
formats, -o, the svg path through Graphviz (and its error without dot), and
plain `convert` behaving as docker compose's alias of `config`."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--racker", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--corpus")
    args = ap.parse_args()
    racker = os.path.abspath(args.racker)
    stack = os.path.join(args.source, "examples/web-stack")
    failures = []

    def run(*cmd, env=None):
        e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")} if env is None else env
        return subprocess.run([racker, "compose"] + list(cmd), cwd=stack, capture_output=True, text=True, env=e)

    def expect(cond, what):
        if not cond:
            failures.append(what)

    golden = os.path.join(args.source, "tests/data/convert/golden")
    for fmt, ext in (("dot", "dot"), ("mermaid", "mmd")):
        r = run("graph", "--format", fmt)
        with open(os.path.join(golden, "web-stack." + ext)) as f:
            expect(r.returncode == 0 and r.stdout == f.read(), f"graph --format {fmt} differs from its golden file")
    r = run("graph", "--format", "png")
    expect(r.returncode == 1 and "unsupported format" in r.stderr, "graph --format png is refused")

    r = run("graph", "--format", "svg", env={"PATH": "/nonexistent"})
    expect(r.returncode == 1 and "Graphviz" in r.stderr, f"svg without dot: a clear error ({r.stderr!r})")
    if shutil.which("dot"):
        r = run("graph", "--format", "svg")
        expect(r.returncode == 0 and "<svg" in r.stdout and ">seed<" in r.stdout, "graph --format svg renders")
    else:
        failures.append("dot not found (Debian package graphviz; scripts/setup installs it)")

    r1, r2 = run("convert"), run("config")
    expect(r1.returncode == 0 and r1.stdout == r2.stdout, "plain convert prints what config prints")
    r1, r2 = run("convert", "--format", "json"), run("config", "--format", "json")
    expect(r1.returncode == 0 and r1.stdout == r2.stdout, "convert --format json is config's")

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "k8s")
        r = run("convert", "--format", "kubernetes", "-o", out)
        expect(r.returncode == 0, f"convert -o: exit {r.returncode} {r.stderr}")
        files = sorted(os.listdir(out)) if os.path.isdir(out) else []
        expect("kustomization.yaml" in files and "web-deployment.yaml" in files, f"kubernetes files: {files}")
        expect("not converted" in r.stderr, "warnings go to stderr")
        if "web-deployment.yaml" in files:
            with open(os.path.join(out, "kustomization.yaml")) as f:
                expect("- web-deployment.yaml" in f.read(), "kustomization.yaml lists the objects")
        out = os.path.join(tmp, "units")
        r = run("convert", "--format", "systemd", "-o", out)
        files = sorted(os.listdir(out)) if os.path.isdir(out) else []
        expect(r.returncode == 0 and "racker-webstack.target" in files and "webstack-web.nspawn" in files,
               f"systemd files: {files} {r.stderr}")
        # systemd's own parser checks the units offline: it names the file of
        # every unknown key or bad value (and still exits 0), so any line
        # naming one of ours fails. A unit with a bad key proves it reports.
        analyze = shutil.which("systemd-analyze")
        if analyze:
            bad = os.path.join(out, "racker-selftest-bad.service")
            with open(bad, "w") as f:
                f.write("[Service]\nExecStart=/bin/true\nNoSuchKey=1\n")
            units = [os.path.join(out, f) for f in sorted(os.listdir(out)) if f.endswith((".service", ".target"))]
            v = subprocess.run([analyze, "verify", "--man=no"] + units, capture_output=True, text=True, timeout=120)
            complaints = [l for l in (v.stdout + v.stderr).splitlines() if out in l]
            expect(any("racker-selftest-bad" in l for l in complaints), "systemd-analyze reports a bad key")
            complaints = [l for l in complaints if "racker-selftest-bad" not in l]
            expect(not complaints, "systemd-analyze verify: " + "; ".join(complaints))
        else:
            failures.append("systemd-analyze not found (Debian package systemd)")

    for f in failures:
        print("FAIL", f)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
