#!/usr/bin/env python3
"""docs/cli-reference.md must be exactly what `racker system cli-reference` prints.

The reference is generated from racker's command tree; this test fails when a
flag or command changed without regenerating it. Needs no root.
To regenerate: build-h/racker system cli-reference > docs/cli-reference.md

Usage: cli_reference_test.py --racker BIN --source REPO [--corpus DIR]
"""

import argparse
import difflib
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--racker", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--corpus")  # passed to every script test; unused here
    args = ap.parse_args()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"}
    out = subprocess.run([args.racker, "system", "cli-reference"], capture_output=True, text=True, env=env,
                         timeout=60)
    if out.returncode != 0:
        print("FAIL: racker system cli-reference exited %d: %s" % (out.returncode, out.stderr))
        return 1
    path = os.path.join(args.source, "docs", "cli-reference.md")
    with open(path, encoding="utf-8") as f:
        committed = f.read()
    if committed == out.stdout:
        print("ok: docs/cli-reference.md matches the binary (%d lines)" % committed.count("\n"))
        return 0
    sys.stdout.writelines(difflib.unified_diff(committed.splitlines(True), out.stdout.splitlines(True),
                                               "docs/cli-reference.md (committed)", "racker system cli-reference"))
    print("FAIL: docs/cli-reference.md is stale; regenerate it: racker system cli-reference > docs/cli-reference.md")
    return 1


if __name__ == "__main__":
    sys.exit(main())
