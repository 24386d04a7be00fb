#!/usr/bin/env python3
"""The bash completion from `racker completion bash`, sourced in bash.

Each case sets COMP_WORDS/COMP_CWORD as bash would for a partly typed command
line, calls _racker and compares COMPREPLY. Needs bash, no root.

Usage: completion_test.py --racker BIN [--source REPO] [--corpus DIR]
"""

import argparse
import os
import shlex
import subprocess
import sys
import tempfile

# (words typed, the cursor on the last one) -> words offered (exactly, sorted)
# or, for a set of the form ("contains", {...}), at least these.
CASES = [
    (["racker", "comp"], ["completion", "compose"]),
    (["racker", "compose", "u"], ["unpause", "up"]),
    (["racker", "compose", "-f", "x.yaml", "u"], ["unpause", "up"]),
    (["racker", "compose", "up", "--abort-on"], ["--abort-on-container-exit", "--abort-on-container-failure"]),
    (["racker", "completion", ""], ["--help", "-h", "bash"]),
    (["racker", "ima"], ["image", "images"]),
    (["racker", "image", "b"], ["bootstrap"]),
    (["racker", "sys"], []),  # hidden commands are not offered
    (["racker", "compose", "--file", ""], ("files", None)),
    (["racker", "compose", "-f", "compose.yaml", "up", ""], ("contains", {"web", "db", "--detach"})),
]


def complete(script, racker_dir, words, cwd):
    line = " ".join(shlex.quote(w) for w in words)
    program = (
        "source %s\n"
        "COMP_WORDS=(%s)\nCOMP_CWORD=%d\nCOMP_LINE=%s\nCOMP_POINT=${#COMP_LINE}\n"
        "_racker\nprintf '%%s\\n' \"${COMPREPLY[@]}\"\n"
    ) % (shlex.quote(script), " ".join(shlex.quote(w) for w in words), len(words) - 1, shlex.quote(line))
    env = {"PATH": racker_dir + ":" + os.environ.get("PATH", "/usr/bin:/bin"), "HOME": cwd}
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                         env=env, cwd=cwd, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("bash exited %d: %s" % (out.returncode, out.stderr))
    return sorted(w for w in out.stdout.split("\n") if w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--racker", required=True)
    ap.add_argument("--source")
    ap.add_argument("--corpus")
    args = ap.parse_args()
    racker = os.path.abspath(args.racker)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        # The service-name case runs `racker compose ... config --services`
        # through PATH: a directory with `racker` in it, and a project.
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        os.symlink(racker, os.path.join(bindir, "racker"))
        with open(os.path.join(tmp, "compose.yaml"), "w") as f:
            f.write("services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n")
        open(os.path.join(tmp, "x.yaml"), "w").close()
        script = os.path.join(tmp, "racker.bash")
        out = subprocess.run([racker, "completion", "bash"], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            print("FAIL: racker completion bash exited %d: %s" % (out.returncode, out.stderr))
            return 1
        with open(script, "w") as f:
            f.write(out.stdout)
        for words, want in CASES:
            got = complete(script, bindir, words, tmp)
            if isinstance(want, tuple) and want[0] == "files":
                ok = "compose.yaml" in got and "x.yaml" in got
            elif isinstance(want, tuple):
                ok = want[1] <= set(got)
            else:
                ok = got == sorted(want)
            print("%s: %s -> %s" % ("ok" if ok else "FAIL", " ".join(words) + "<TAB>", " ".join(got)))
            failed += not ok
    print("%d of %d cases failed" % (failed, len(CASES)) if failed else "all %d cases passed" % len(CASES))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
