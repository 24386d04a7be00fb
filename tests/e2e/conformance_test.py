#!/usr/bin/env python3
"""Conformance of `racker compose config` with the official compose schema.

For every compose file in the corpus (awesome-compose/, compose-e2e/,
compose-go/ under ../shared/corpus) this decides
  (a) whether compose-go's JSON Schema (compose-go/schema/compose-spec.json)
      accepts the file, and
  (b) whether racker accepts it (`racker compose -f FILE --project-directory
      DIR config -q` in a clean environment: PATH and HOME only),
and fails on any disagreement not listed in
tests/fixtures/conformance/exceptions.txt. It also fails when racker crashes
(a signal, an exit code >= 128, a sanitizer report), takes longer than
--slow seconds on one file, or rejects a file without saying where
(`file:line:col:` or a key path such as `services.web.ports[1]:`).

For every file racker accepts, the output of `config` must load again and
print itself unchanged (docker compose escapes `$` as `$$` for this).
Finally it checks that the telegraf/InfluxDB/Grafana stack loads unchanged
and that `config --services` lists its three services, influxdb first.

Usage: conformance_test.py --racker BIN --source REPO --corpus CORPUS [-v]
       [--only SUBSTRING] [--jobs N] [--write-exceptions]
"""

import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import jsonschema
import yaml

FOLDERS = ("awesome-compose", "compose-e2e", "compose-go")
SCHEMA = "compose-go/schema/compose-spec.json"
EXCEPTIONS = "tests/fixtures/conformance/exceptions.txt"
TELEGRAF = "telegraf-influx-grafana/docker-compose.yml"

# Top-level keys that make a YAML document a compose file.
COMPOSE_KEYS = {"services", "include", "networks", "volumes", "secrets", "configs", "models", "name"}
# Top-level keys of other YAML worlds (Kubernetes, Helm, kustomize, CI).
FOREIGN_KEYS = {"apiVersion", "kind", "resources", "patches", "jobs", "on", "steps"}

# Where a rejection must point: GCC-style position or a compose key path.
LOCATED = re.compile(r"^\S[^\n]*?:\d+:\d+: ", re.M)
KEY_PATH = re.compile(
    r"(^|[\s(\"'`])(services|networks|volumes|secrets|configs|include|models|name|x-[\w.-]+)"
    r"([.\[][^\s:]*)?: ", re.M)
SANITIZER = re.compile(r"(AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|runtime error:|"
                       r"terminate called|Segmentation fault|core dumped)")


# --- YAML the way compose-go reads it -------------------------------------

class Compose12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars (go-yaml v3, which
    compose-go uses): only true/false are booleans, no sexagesimal ints, no
    timestamps; and the compose tags !reset / !override."""


Compose12Loader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+0123456789."),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
]:
    Compose12Loader.add_implicit_resolver(_tag, re.compile(_regexp), list(_first))


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader, node):
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _construct_bool(loader, node):
    return loader.construct_scalar(node).lower() == "true"


class Reset:
    """A `!reset` value: compose-go drops it before the schema sees the file."""


def _construct_reset(loader, node):
    return Reset()


def _construct_override(loader, node):
    """The value itself, typed as if it had no tag."""
    if isinstance(node, yaml.MappingNode):
        node = yaml.MappingNode("tag:yaml.org,2002:map", node.value, flow_style=node.flow_style)
    elif isinstance(node, yaml.SequenceNode):
        node = yaml.SequenceNode("tag:yaml.org,2002:seq", node.value, flow_style=node.flow_style)
    else:
        tag = loader.resolve(yaml.ScalarNode, node.value, (node.style is None, False))
        node = yaml.ScalarNode(tag, node.value, style=node.style)
    return loader.construct_object(node, deep=True)


Compose12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
Compose12Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
Compose12Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
Compose12Loader.add_constructor("!reset", _construct_reset)
Compose12Loader.add_constructor("!override", _construct_override)


def drop_resets(value):
    if isinstance(value, dict):
        return {k: drop_resets(v) for k, v in value.items() if not isinstance(v, Reset)}
    if isinstance(value, list):
        return [drop_resets(v) for v in value if not isinstance(v, Reset)]
    return value


def load_yaml(text):
    """The document as compose-go's schema check sees it; raises yaml.YAMLError."""
    docs = list(yaml.load_all(text, Loader=Compose12Loader))
    if len(docs) > 1:
        raise yaml.YAMLError("multiple YAML documents in one compose file")
    return drop_resets(docs[0] if docs else None)


def jsonable(value):
    """Mapping keys become strings, as they do in compose-go's map[string]any."""
    if isinstance(value, dict):
        return {("null" if k is None else str(k).lower() if isinstance(k, bool) else str(k)): jsonable(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


# --- which files -------------------------------------------------------------

def is_compose_name(path):
    return fnmatch.fnmatch(os.path.basename(path).lower(), "*compose*.y*ml")


def classify(path):
    """(is_compose, document or None, yaml error text or None)."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return is_compose_name(path), None, "not UTF-8: %s" % e
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as e:
        # Unparsable: a compose file only if it is named like one.
        return is_compose_name(path), None, str(e).splitlines()[0]
    if doc is None:
        return True, None, None  # an empty compose fixture (compose-go's empty.yaml)
    if not isinstance(doc, dict):
        return is_compose_name(path), doc, None
    keys = set(str(k) for k in doc)
    if keys & FOREIGN_KEYS:
        return False, doc, None
    return bool(keys & COMPOSE_KEYS) or is_compose_name(path), doc, None


def corpus_files(corpus):
    out = []
    for folder in FOLDERS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(corpus, folder)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".yml", ".yaml")):
                    out.append(os.path.join(dirpath, name))
    return out


# --- the two verdicts ---------------------------------------------------------

def schema_verdict(validator, doc, yaml_error):
    """(accepted, reason)."""
    if yaml_error is not None:
        return False, "YAML: " + yaml_error
    if doc is None:
        return False, "empty document"
    errors = sorted(validator.iter_errors(jsonable(doc)), key=lambda e: list(e.absolute_path))
    if not errors:
        return True, ""
    e = errors[0]
    where = ".".join(str(p) for p in e.absolute_path) or "(root)"
    return False, "%s: %s" % (where, e.message[:160])


def clean_env(home):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home}


def run_racker(racker, args, cwd, home, timeout):
    start = time.monotonic()
    try:
        p = subprocess.run([racker] + args, cwd=cwd, env=clean_env(home), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        code, out, err = p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        code, out = None, (e.stdout or b"").decode("utf-8", "replace")
        err = (e.stderr or b"").decode("utf-8", "replace")
    return code, out, err, time.monotonic() - start


def racker_verdict(racker, path, cwd, home, timeout):
    args = ["compose", "-f", path, "--project-directory", os.path.dirname(path), "config", "-q"]
    return run_racker(racker, args, cwd, home, timeout)


# --- exceptions --------------------------------------------------------------

class ListedException:
    def __init__(self, path, expect, reason, pattern, lineno):
        self.path, self.expect, self.reason, self.lineno = path, expect, reason, lineno
        self.pattern = re.compile(pattern) if pattern else None
        self.used = False


def read_exceptions(path):
    """Lines `corpus/relative/path | accept|reject | reason [| stderr regex]`."""
    out, problems = {}, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(" | ")]
            if len(parts) not in (3, 4) or parts[1] not in ("accept", "reject") or not parts[2]:
                problems.append("%s:%d: expected `path | accept|reject | reason [| regex]`" % (path, n))
                continue
            if parts[0] in out:
                problems.append("%s:%d: %s listed twice" % (path, n, parts[0]))
            out[parts[0]] = ListedException(parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None, n)
    return out, problems


# --- the run -----------------------------------------------------------------

def check_file(args, validator, path, home):
    rel = os.path.relpath(path, args.corpus)
    is_compose, doc, yaml_error = classify(path)
    if not is_compose:
        return None
    schema_ok, schema_why = schema_verdict(validator, doc, yaml_error)
    code, _, err, secs = racker_verdict(args.racker, path, home, home, args.timeout)
    roundtrip = None
    if code == 0:
        roundtrip = check_roundtrip(args, path, home)
    return {"rel": rel, "schema_ok": schema_ok, "schema_why": schema_why,
            "code": code, "stderr": err, "secs": secs, "roundtrip": roundtrip}


def check_roundtrip(args, path, home):
    """`config` output must load again and print itself (docker compose escapes
    `$` as `$$` for exactly this). Returns None when it does, else why not."""
    project_dir = os.path.dirname(path)
    first = ["compose", "-f", path, "--project-directory", project_dir, "config"]
    code, out, err, _ = run_racker(args.racker, first, home, home, args.timeout)
    if code != 0:
        return "`config` exited %s after `config -q` passed: %s" % (code, first_line(err))
    fd, copy = tempfile.mkstemp(suffix=".yaml", dir=home)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(out)
        second = ["compose", "-f", copy, "--project-directory", project_dir, "config"]
        code, again, err, _ = run_racker(args.racker, second, home, home, args.timeout)
    finally:
        os.unlink(copy)
    if code != 0:
        return "its `config` output does not load again: %s" % first_line(err)
    if again != out:
        a, b = out.splitlines(), again.splitlines()
        n = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        return "its `config` output loads as something else: line %d %r became %r" % (
            n + 1, a[n] if n < len(a) else "", b[n] if n < len(b) else "")
    return None


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return "(no message)"


def check_telegraf(args, home, failures):
    path = os.path.join(args.corpus, TELEGRAF)
    if not os.path.isfile(path):
        failures.append("telegraf: %s is missing" % TELEGRAF)
        return
    with open(path, encoding="utf-8") as f:
        source = load_yaml(f.read())
    code, out, err, _ = run_racker(args.racker, ["compose", "-f", path, "config", "--services"], home, home,
                                   args.timeout)
    services = out.split()
    if code != 0:
        failures.append("telegraf: `config --services` exited %s: %s" % (code, first_line(err)))
    elif sorted(services) != sorted(source["services"]) or len(services) != 3:
        failures.append("telegraf: `config --services` printed %r, want the three services %r"
                        % (services, sorted(source["services"])))
    elif services[0] != "influxdb":
        failures.append("telegraf: `config --services` printed %r: influxdb must come first (the others "
                        "depend on it)" % services)
    code, out, err, _ = run_racker(args.racker, ["compose", "-f", path, "config", "--format", "json"], home, home,
                                   args.timeout)
    if code != 0:
        failures.append("telegraf: `config --format json` exited %s: %s" % (code, first_line(err)))
        return
    try:
        cfg = json.loads(out)
    except ValueError as e:
        failures.append("telegraf: `config --format json` is not JSON: %s" % e)
        return
    if cfg.get("name") != "telegraf-influx-grafana":
        failures.append("telegraf: project name %r, want the directory's name" % cfg.get("name"))
    for name, svc in source["services"].items():
        got = cfg.get("services", {}).get(name, {})
        if got.get("image") != svc["image"]:
            failures.append("telegraf: services.%s.image is %r, want %r" % (name, got.get("image"), svc["image"]))
        if "env_file" in svc and got.get("environment", {}).get("INFLUXDB_DB") != "influx":
            failures.append("telegraf: services.%s.environment lacks configuration.env's INFLUXDB_DB" % name)
    if sorted(cfg.get("volumes", {})) != ["grafana_data", "influxdb_data"]:
        failures.append("telegraf: volumes %r" % sorted(cfg.get("volumes", {})))
    if not failures:
        print("telegraf stack: loads unchanged; services %s" % " ".join(services))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--racker", required=True)
    ap.add_argument("--source", required=True, help="the racker repository")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--only", help="check only corpus paths containing this")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--timeout", type=float, default=20.0, help="kill racker after this many seconds")
    ap.add_argument("--slow", type=float, default=5.0, help="fail when one file takes longer than this")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--write-exceptions", metavar="FILE",
                    help="write a draft exceptions list for the current mismatches to FILE (reasons to fill in)")
    args = ap.parse_args()
    args.racker = os.path.abspath(args.racker)
    args.corpus = os.path.abspath(args.corpus)

    with open(os.path.join(args.corpus, SCHEMA), encoding="utf-8") as f:
        schema = json.load(f)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)

    exceptions, failures = read_exceptions(os.path.join(args.source, EXCEPTIONS))
    files = [p for p in corpus_files(args.corpus) if not args.only or args.only in os.path.relpath(p, args.corpus)]

    tally = {"both accept": 0, "both reject": 0, "exception": 0, "mismatch": 0}
    skipped = 0
    tally_roundtrip_ok = tally_roundtrip_bad = 0
    drafts = []
    with tempfile.TemporaryDirectory(prefix="racker-conformance-") as home:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(lambda p: check_file(args, validator, p, home), files))
        for r in results:
            if r is None:
                skipped += 1
                continue
            rel, code, err = r["rel"], r["code"], r["stderr"]
            if code is None:
                failures.append("%s: racker did not finish in %.0fs" % (rel, args.timeout))
                continue
            if code < 0 or code >= 128 or SANITIZER.search(err):
                failures.append("%s: racker crashed (exit %d): %s" % (rel, code, first_line(err)))
                continue
            if r["secs"] > args.slow:
                failures.append("%s: racker took %.1fs (limit %.1fs)" % (rel, r["secs"], args.slow))
            racker_ok = code == 0
            if not racker_ok and code != 1:
                failures.append("%s: racker rejected with exit %d, want 1" % (rel, code))
            if not racker_ok and not (LOCATED.search(err) or KEY_PATH.search(err)):
                failures.append("%s: rejection does not say where (file:line:col or key path): %s"
                                % (rel, first_line(err)))
            if r["roundtrip"]:
                failures.append("%s: %s" % (rel, r["roundtrip"]))
                tally_roundtrip_bad += 1
            elif racker_ok:
                tally_roundtrip_ok += 1
            outcome = "accept" if racker_ok else "reject"
            exc = exceptions.get(rel)
            if exc is not None:
                exc.used = True
                if outcome != exc.expect:
                    failures.append("%s: listed in exceptions.txt:%d as racker %s (%s), but racker %ss%s"
                                    % (rel, exc.lineno, exc.expect, exc.reason, outcome,
                                       (": " + first_line(err)) if err.strip() else ""))
                elif exc.pattern and not exc.pattern.search(err):
                    failures.append("%s: racker's message does not match exceptions.txt:%d /%s/: %s"
                                    % (rel, exc.lineno, exc.pattern.pattern, first_line(err)))
                else:
                    tally["exception"] += 1
                if args.verbose:
                    print("EXCEPT  %-70s racker %s (%s)" % (rel, outcome, exc.reason))
                continue
            if racker_ok == r["schema_ok"]:
                tally["both accept" if racker_ok else "both reject"] += 1
                if args.verbose:
                    print("ok      %-70s %s%s" % (rel, outcome, "" if racker_ok else ": " + first_line(err)))
                continue
            tally["mismatch"] += 1
            if r["schema_ok"]:
                msg = "%s: the schema accepts it but racker rejects it: %s" % (rel, first_line(err))
            else:
                msg = "%s: the schema rejects it (%s) but racker accepts it" % (rel, r["schema_why"])
            failures.append(msg)
            drafts.append("%s | %s | TODO %s" % (rel, outcome, first_line(err) if not racker_ok else r["schema_why"]))
        for exc in exceptions.values():
            if not exc.used and (not args.only or args.only in exc.path):
                failures.append("exceptions.txt:%d: %s is not a compose file of the corpus (stale entry)"
                                % (exc.lineno, exc.path))
        check_telegraf(args, home, failures)

    checked = sum(tally.values())
    print("conformance over %d compose files (%d other YAML files skipped):" % (checked, skipped))
    print("  both accept  %4d" % tally["both accept"])
    print("  both reject  %4d" % tally["both reject"])
    print("  exceptions   %4d  (documented in %s)" % (tally["exception"], EXCEPTIONS))
    print("  mismatches   %4d" % tally["mismatch"])
    print("`config` output loads back unchanged: %d of %d accepted files"
          % (tally_roundtrip_ok, tally_roundtrip_ok + tally_roundtrip_bad))
    if args.write_exceptions and drafts:
        with open(args.write_exceptions, "w", encoding="utf-8") as f:
            f.write("\n".join(drafts) + "\n")
        print("wrote %d draft exception lines to %s" % (len(drafts), args.write_exceptions))
    if failures:
        print("\nFAILED (%d):" % len(failures))
        for f in failures:
            print("  " + f)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
