#!/usr/bin/env python3
"""Golden-ish CLI tests for `racker compose config`, following docker compose v2.

Each case builds a small project in a temp directory, runs the racker binary
in a clean environment (PATH, HOME, plus what the case sets) and checks stdout,
stderr and the exit code. Prints one line per case; exits 1 if any failed.

Usage: config_cli_test.py --racker BIN [--source REPO] [--corpus DIR] [-k SUBSTRING] [-v]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import traceback

import yaml

HEX64 = re.compile(r"^[0-9a-f]{64}$")
INVALID_NAME = ('invalid project name "{}": must consist only of lowercase alphanumeric characters, '
                "hyphens, and underscores as well as start with a letter or number")


class Failure(Exception):
    pass


class Env:
    """A temp tree for one case and a way to run racker inside it."""

    def __init__(self, racker, root, verbose):
        self.racker, self.root, self.verbose = racker, root, verbose
        self.home = os.path.join(root, "home")
        os.makedirs(self.home)

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))
        return path

    def path(self, rel):
        return os.path.join(self.root, rel)

    def write_bytes(self, rel, data):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def run(self, args, cwd=".", env=None, timeout=30):
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home}
        full_env.update(env or {})
        workdir = os.path.join(self.root, cwd)
        os.makedirs(workdir, exist_ok=True)
        p = subprocess.run([self.racker, "compose"] + args, cwd=workdir, env=full_env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        if self.verbose:
            print("    $ (cd %s && racker compose %s) -> %d" % (cwd, " ".join(args), p.returncode))
            for line in (out + err).splitlines()[:40]:
                print("    | " + line)
        if p.returncode < 0 or p.returncode >= 128:
            raise Failure("racker crashed (exit %d) on %s:\n%s" % (p.returncode, args, err))
        return p.returncode, out, err

    def ok(self, args, **kw):
        code, out, err = self.run(args, **kw)
        if code != 0:
            raise Failure("`racker compose %s` exited %d, want 0:\n%s" % (" ".join(args), code, err))
        return out

    def fails(self, args, **kw):
        code, out, err = self.run(args, **kw)
        if code != 1:
            raise Failure("`racker compose %s` exited %d, want 1 (stdout %r, stderr %r)"
                          % (" ".join(args), code, out[:200], err[:400]))
        if not err.strip():
            raise Failure("`racker compose %s` failed without a message on stderr" % " ".join(args))
        return err

    def json(self, args, **kw):
        out = self.ok(args + ["--format", "json"] if "config" in args else args, **kw)
        try:
            return json.loads(out)
        except ValueError as e:
            raise Failure("not JSON (%s):\n%s" % (e, out[:500]))


def eq(got, want, what):
    if got != want:
        raise Failure("%s:\n  got  %r\n  want %r" % (what, got, want))


def contains(text, needle, what):
    if needle not in text:
        raise Failure("%s: %r not found in:\n%s" % (what, needle, text))


def lines(text):
    return text.splitlines()


WEB_DB = """
services:
  web:
    image: nginx:1.25
    ports:
      - "8080:80"
    environment:
      - MODE=prod
    volumes:
      - ./html:/usr/share/nginx/html:ro
      - data:/data
    depends_on:
      - db
  db:
    image: postgres:16
    healthcheck:
      test: pg_isready
      interval: 5s
volumes:
  data: {}
"""


# --- output formats ------------------------------------------------------------

def case_format_json_is_canonical(t):
    t.write("myapp/compose.yaml", WEB_DB)
    cfg = t.json(["config"], cwd="myapp")
    proj = t.path("myapp")
    eq(cfg.get("name"), "myapp", "name from the directory")
    web = cfg["services"]["web"]
    eq(web["image"], "nginx:1.25", "image")
    eq(web["ports"], [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}],
       "short port syntax in long form")
    eq(web["environment"], {"MODE": "prod"}, "environment list as a map")
    eq(web["depends_on"], {"db": {"condition": "service_started", "required": True}}, "depends_on defaults")
    eq(web["networks"], {"default": None}, "services join the default network")
    bind, vol = web["volumes"]
    eq({k: bind.get(k) for k in ("type", "source", "target", "read_only")},
       {"type": "bind", "source": os.path.join(proj, "html"), "target": "/usr/share/nginx/html",
        "read_only": True}, "bind mount resolved against the project directory")
    eq({k: vol.get(k) for k in ("type", "source", "target")},
       {"type": "volume", "source": "data", "target": "/data"}, "named volume")
    eq(cfg["services"]["db"]["healthcheck"]["test"], ["CMD-SHELL", "pg_isready"], "healthcheck test string")
    eq(cfg["networks"]["default"].get("name"), "myapp_default", "default network name")
    eq(cfg["volumes"]["data"].get("name"), "myapp_data", "volume name")


def case_yaml_output_matches_json(t):
    t.write("myapp/compose.yaml", WEB_DB)
    out = t.ok(["config"], cwd="myapp")
    if not out.startswith("name: myapp\n"):
        raise Failure("YAML output must start with the project name:\n" + out[:200])
    keys = [l.split(":")[0] for l in lines(out) if l and not l[0].isspace()]
    eq(keys, ["name", "services", "networks", "volumes"], "top-level key order")
    eq(yaml.safe_load(out), t.json(["config"], cwd="myapp"), "YAML and JSON outputs describe the same model")
    eq(t.ok(["config", "--format", "yaml"], cwd="myapp"), out, "--format yaml is the default")


def case_unknown_format_is_an_error(t):
    t.write("p/compose.yaml", "services: {a: {image: x}}\n")
    t.fails(["config", "--format", "toml"], cwd="p")


def case_quiet_prints_nothing(t):
    t.write("p/compose.yaml", WEB_DB)
    eq(t.ok(["config", "-q"], cwd="p"), "", "-q stdout")
    eq(t.ok(["config", "--quiet"], cwd="p"), "", "--quiet stdout")
    t.write("bad/compose.yaml", "services:\n  web:\n    image: [\n")
    t.fails(["config", "-q"], cwd="bad")


def case_output_file(t):
    t.write("p/compose.yaml", WEB_DB)
    want = t.ok(["config"], cwd="p")
    eq(t.ok(["config", "-o", "out.yaml"], cwd="p"), "", "stdout with -o")
    with open(t.path("p/out.yaml"), encoding="utf-8") as f:
        eq(f.read(), want, "-o file content")
    eq(t.ok(["config", "--format", "json", "--output", t.path("out.json")], cwd="p"), "", "stdout with --output")
    with open(t.path("out.json"), encoding="utf-8") as f:
        eq(json.load(f)["name"], "p", "--output json content")


# --- listings --------------------------------------------------------------------

def case_services_in_dependency_order(t):
    t.write("p/compose.yaml", """
        services:
          frontend:
            image: x
            depends_on: [api]
          api:
            image: x
            depends_on:
              db: {condition: service_healthy}
              cache: {condition: service_started}
          db: {image: x}
          cache: {image: x}
          zzz-standalone: {image: x}
          worker:
            image: x
            links: [db]
    """)
    got = lines(t.ok(["config", "--services"], cwd="p"))
    eq(sorted(got), ["api", "cache", "db", "frontend", "worker", "zzz-standalone"], "--services set")
    pos = {s: i for i, s in enumerate(got)}
    for before, after in [("db", "api"), ("cache", "api"), ("api", "frontend"), ("db", "worker")]:
        if pos[before] > pos[after]:
            raise Failure("--services printed %r: %s must come before %s" % (got, before, after))


def case_volumes_networks(t):
    t.write("p/compose.yaml", """
        services:
          a:
            image: x
            networks: [front, back]
            volumes: [logs:/logs, data:/data]
          b:
            image: x
        networks:
          front: {}
          back: {internal: true}
        volumes:
          logs: {}
          data:
            driver: local
    """)
    eq(t.ok(["config", "--volumes"], cwd="p"), "data\nlogs\n", "--volumes")
    eq(t.ok(["config", "--networks"], cwd="p"), "back\ndefault\nfront\n", "--networks (b joins default)")


def case_profiles_lists_all_profiles(t):
    t.write("p/compose.yaml", """
        services:
          app: {image: x}
          debug:
            image: x
            profiles: [debug]
          tools:
            image: x
            profiles: [tools, debug]
          admin:
            image: x
            profiles: [admin]
    """)
    eq(t.ok(["config", "--profiles"], cwd="p"), "admin\ndebug\ntools\n", "--profiles (sorted, inactive too)")
    eq(t.ok(["config", "--services"], cwd="p"), "app\n", "inactive profiles are not loaded")
    eq(sorted(lines(t.ok(["--profile", "debug", "config", "--services"], cwd="p"))), ["app", "debug", "tools"],
       "--profile debug")
    eq(sorted(lines(t.ok(["config", "--services"], cwd="p", env={"COMPOSE_PROFILES": "admin,tools"}))),
       ["admin", "app", "tools"], "COMPOSE_PROFILES")


def case_images(t):
    t.write("shop/compose.yaml", """
        services:
          web:
            image: nginx:1.25
          api:
            build: ./api
          worker:
            image: registry.example.com/team/worker@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    """)
    got = sorted(lines(t.ok(["config", "--images"], cwd="shop")))
    eq(got, sorted(["nginx:1.25", "shop-api",
                    "registry.example.com/team/worker@sha256:" + "0123456789abcdef" * 4]),
       "--images (build-only services: <project>-<service>)")


def case_hash(t):
    t.write("p/compose.yaml", """
        services:
          web:
            image: nginx
            environment: {A: "1"}
          db:
            image: postgres
    """)
    out = t.ok(["config", "--hash", "web"], cwd="p")
    m = re.fullmatch(r"web ([0-9a-f]{64})\n", out)
    if not m:
        raise Failure("--hash web printed %r, want `web <sha256>`" % out)
    web_hash = m.group(1)
    both = dict(l.split(" ", 1) for l in lines(t.ok(["config", "--hash", "*"], cwd="p")))
    eq(sorted(both), ["db", "web"], "--hash '*' services")
    eq(both["web"], web_hash, "same hash for the same service")
    if not HEX64.match(both["db"]) or both["db"] == web_hash:
        raise Failure("db hash %r" % both["db"])
    eq(dict(l.split(" ", 1) for l in lines(t.ok(["config", "--hash", "db,web"], cwd="p"))), both,
       "--hash db,web")
    # depends_on does not change the container: same hash. The image does.
    t.write("p/compose.yaml", """
        services:
          web:
            image: nginx
            environment: {A: "1"}
            depends_on: [db]
          db:
            image: postgres
    """)
    eq(t.ok(["config", "--hash", "web"], cwd="p"), out, "hash ignores depends_on")
    t.write("p/compose.yaml", """
        services:
          web:
            image: nginx
            environment: {A: "2"}
    """)
    if t.ok(["config", "--hash", "web"], cwd="p") == out:
        raise Failure("hash did not change with the environment")
    contains(t.fails(["config", "--hash", "nope"], cwd="p"), "no such service: nope", "--hash unknown service")


# --- interpolation and environment ------------------------------------------------

def case_interpolation_and_no_interpolate(t):
    t.write("p/.env", "TAG=1.25\nPORT=8081\n")
    t.write("p/compose.yaml", """
        services:
          web:
            image: "nginx:${TAG}"
            ports: ["${PORT}:80"]
            command: echo $$HOME ${MISSING:-fallback}
    """)
    cfg = t.json(["config"], cwd="p")
    eq(cfg["services"]["web"]["image"], "nginx:1.25", "${TAG} from .env")
    eq(cfg["services"]["web"]["ports"][0]["published"], "8081", "${PORT} from .env")
    # docker compose escapes every `$` of interpolated output as `$$`
    # (cmd/compose/config.go escapeDollarSign), so the output loads again.
    eq(cfg["services"]["web"]["command"], ["echo", "$$HOME", "fallback"], "$$ kept escaped, defaults applied")
    cfg = t.json(["config"], cwd="p", env={"TAG": "from-process"})
    eq(cfg["services"]["web"]["image"], "nginx:from-process", "the process environment wins over .env")
    # --no-interpolate: templates stay as written (in fields whose syntax
    # does not depend on the value; ports would need one to be parsed).
    t.write("q/.env", "TAG=1.25\n")
    t.write("q/compose.yaml", """
        services:
          web:
            image: "nginx:${TAG}"
            labels:
              port: "${PORT:-80}"
            command: echo ${MISSING:-fallback}
    """)
    out = t.ok(["config", "--no-interpolate"], cwd="q", env={"TAG": "from-process"})
    for template in ("nginx:${TAG}", "${PORT:-80}", "${MISSING:-fallback}"):
        contains(out, template, "--no-interpolate keeps templates")
    if "from-process" in out or "1.25" in out:
        raise Failure("--no-interpolate substituted a variable:\n" + out)
    cfg = t.json(["config", "--no-interpolate"], cwd="q")
    eq(cfg["services"]["web"]["image"], "nginx:${TAG}", "--no-interpolate with --format json")


def case_config_output_loads_again_unchanged(t):
    t.write("p/.env", "SECRET='pa$word'\n")
    t.write("p/compose.yaml", """
        services:
          web:
            image: nginx
            command: ["sh", "-c", "echo $$HOME $${USER}"]
            environment:
              SECRET: ${SECRET}
              LITERAL: "cost: $$5"
            volumes: ["./data:/data"]
            depends_on: [db]
          db:
            image: postgres
    """)
    out = t.ok(["config"], cwd="p")
    web = t.json(["config"], cwd="p")["services"]["web"]
    eq(web["command"], ["sh", "-c", "echo $$HOME $${USER}"], "command with escaped dollars")
    eq(web["environment"], {"SECRET": "pa$$word", "LITERAL": "cost: $$5"}, "dollars in values are escaped")
    t.write("again/compose.yaml", out)
    eq(t.ok(["config", "--project-directory", t.path("p")], cwd="again"), out,
       "`config` of the output of `config` is the same output")


def case_required_variable_error(t):
    t.write("p/compose.yaml", """
        services:
          web:
            image: "nginx:${TAG:?set TAG first}"
    """)
    err = t.fails(["config"], cwd="p")
    contains(err, "required variable TAG is missing a value: set TAG first", "required variable message")
    if not re.search(r"compose\.yaml:3:12: ", err):
        raise Failure("the error must point at compose.yaml:3:12 (the image value):\n" + err)
    eq(t.json(["config"], cwd="p", env={"TAG": "1"})["services"]["web"]["image"], "nginx:1", "TAG set")


def case_environment_flag(t):
    t.write("p/.env", "FROM_DOTENV=dot\nBOTH=dotenv\n")
    t.write("p/compose.yaml", "services: {a: {image: x}}\n")
    got = lines(t.ok(["config", "--environment"], cwd="p", env={"FROM_PROCESS": "proc", "BOTH": "process"}))
    for want in ["FROM_DOTENV=dot", "FROM_PROCESS=proc", "BOTH=process"]:
        if want not in got:
            raise Failure("--environment lacks %r:\n%s" % (want, "\n".join(got)))
    if "BOTH=dotenv" in got:
        raise Failure("--environment shows the .env value of a variable the process sets")


def case_variables_table(t):
    t.write("p/compose.yaml", """
        services:
          web:
            image: "${IMAGE:-nginx}:${TAG:?tag needed}"
            environment:
              PLAIN: $PLAIN
              ALT: ${ALT:+alternate}
    """)
    out = t.ok(["config", "--variables"], cwd="p")
    rows = lines(out)
    header = rows[0]
    cols = [header.find(h) for h in ("NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE")]
    if cols[0] != 0 or sorted(cols) != cols or min(cols) < 0:
        raise Failure("--variables header %r" % header)

    def cells(row):
        bounds = cols + [None]
        return [row[bounds[i]:bounds[i + 1]].strip() for i in range(4)]

    table = {cells(r)[0]: cells(r)[1:] for r in rows[1:]}
    eq(table, {"ALT": ["false", "", "alternate"], "IMAGE": ["false", "nginx", ""], "PLAIN": ["false", "", ""],
               "TAG": ["true", "", ""]}, "--variables rows")


def case_env_file_flag(t):
    t.write("p/.env", "TAG=from-dotenv\n")
    t.write("p/custom.env", "TAG=from-custom\n")
    t.write("p/compose.yaml", 'services: {web: {image: "nginx:${TAG:-none}"}}\n')
    eq(t.json(["--env-file", "custom.env", "config"], cwd="p")["services"]["web"]["image"], "nginx:from-custom",
       "--env-file replaces .env")
    eq(t.json(["config"], cwd="p")["services"]["web"]["image"], "nginx:from-dotenv", "default .env")
    t.fails(["--env-file", "missing.env", "config"], cwd="p")


# --- project name ------------------------------------------------------------------

def case_invalid_project_name(t):
    t.write("p/compose.yaml", "services: {a: {image: x}}\n")
    for bad in ["Upper", "-dash", "has space", "dot.ted"]:
        contains(t.fails(["-p", bad, "config"], cwd="p"), INVALID_NAME.format(bad), "-p %r" % bad)
    contains(t.fails(["config"], cwd="p", env={"COMPOSE_PROJECT_NAME": "Bad!"}), INVALID_NAME.format("Bad!"),
             "COMPOSE_PROJECT_NAME")
    t.write("q/compose.yaml", "name: Not_Valid\nservices: {a: {image: x}}\n")
    contains(t.fails(["config"], cwd="q"), 'invalid project name "Not_Valid"', "top-level name")


def case_project_name_precedence(t):
    def name(**kw):
        return t.json(["config"], cwd="My_App.v2", **kw)["name"]

    t.write("My_App.v2/compose.yaml", "services: {a: {image: x}}\n")
    eq(name(), "my_appv2", "directory name, normalized")
    t.write("My_App.v2/compose.yaml", "name: fromfile\nservices: {a: {image: x}}\n")
    eq(name(), "fromfile", "top-level name over the directory")
    t.write("My_App.v2/.env", "COMPOSE_PROJECT_NAME=fromdotenv\n")
    eq(name(), "fromdotenv", "COMPOSE_PROJECT_NAME from .env over the top-level name")
    eq(name(env={"COMPOSE_PROJECT_NAME": "fromenv"}), "fromenv", "process COMPOSE_PROJECT_NAME over .env")
    eq(t.json(["-p", "fromflag", "config"], cwd="My_App.v2", env={"COMPOSE_PROJECT_NAME": "fromenv"})["name"],
       "fromflag", "-p over everything")
    cfg = t.json(["-p", "fromflag", "config"], cwd="My_App.v2")
    eq(cfg["networks"]["default"]["name"], "fromflag_default", "resource names follow the project name")


# --- files ---------------------------------------------------------------------------

def case_discovery_upward_with_override(t):
    t.write("proj/compose.yaml", """
        services:
          web:
            image: nginx
            environment: {LEVEL: base}
            volumes: ["./data:/data"]
    """)
    t.write("proj/compose.override.yaml", """
        services:
          web:
            environment: {LEVEL: override}
          extra:
            image: busybox
    """)
    os.makedirs(t.path("proj/a/b"))
    cfg = t.json(["config"], cwd="proj/a/b")
    eq(cfg["name"], "proj", "project named after the compose file's directory")
    eq(sorted(cfg["services"]), ["extra", "web"], "override file merged")
    eq(cfg["services"]["web"]["environment"], {"LEVEL": "override"}, "override wins")
    eq(cfg["services"]["web"]["volumes"][0]["source"], t.path("proj/data"), "paths relative to the project dir")
    # docker-compose.yml pairs with docker-compose.override.yml
    t.write("legacy/docker-compose.yml", "services: {a: {image: x}}\n")
    t.write("legacy/docker-compose.override.yml", "services: {b: {image: y}}\n")
    eq(sorted(t.json(["config"], cwd="legacy/sub")["services"]), ["a", "b"], "docker-compose.override.yml")
    # An explicit -f disables the override file.
    eq(sorted(t.json(["-f", "compose.yaml", "config"], cwd="proj")["services"]), ["web"], "-f skips override")


def case_no_compose_file(t):
    d = t.path("empty/dir")
    os.makedirs(d)
    probe = d
    while True:  # a stray compose file above the temp dir would be found: skip then
        if any(os.path.exists(os.path.join(probe, n)) for n in
               ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")):
            print("    (skipped: a compose file exists above %s)" % d)
            return
        if probe == "/":
            break
        probe = os.path.dirname(probe)
    contains(t.fails(["config"], cwd="empty/dir"), "no configuration file provided: not found", "no file")


def case_compose_file_variable(t):
    t.write("p/base.yaml", "services: {web: {image: nginx, environment: {A: base}}}\n")
    t.write("p/extra.yaml", "services: {web: {environment: {A: extra}}, db: {image: postgres}}\n")
    cfg = t.json(["config"], cwd="p", env={"COMPOSE_FILE": "base.yaml:extra.yaml"})
    eq(sorted(cfg["services"]), ["db", "web"], "COMPOSE_FILE with ':'")
    eq(cfg["services"]["web"]["environment"], {"A": "extra"}, "later file wins")
    cfg = t.json(["config"], cwd="p", env={"COMPOSE_FILE": "base.yaml;extra.yaml", "COMPOSE_PATH_SEPARATOR": ";"})
    eq(sorted(cfg["services"]), ["db", "web"], "COMPOSE_FILE with COMPOSE_PATH_SEPARATOR=;")
    t.write("p/.env", "COMPOSE_FILE=base.yaml\n")
    eq(sorted(t.json(["config"], cwd="p")["services"]), ["web"], "COMPOSE_FILE from .env")
    eq(sorted(t.json(["-f", "base.yaml", "-f", "extra.yaml", "config"], cwd="p")["services"]), ["db", "web"],
       "-f twice")


# --- errors --------------------------------------------------------------------------

def caret_check(err, file_suffix, line, col, source_line):
    """The error's first line is `<file>:<line>:<col>: `, then the source line
    and a caret under <col>: the offending value for a bad value, the key for
    a bad key."""
    first = err.splitlines()[0] if err else ""
    m = re.match(r"^(\S*?%s):(\d+):(\d+): " % re.escape(file_suffix), first)
    if not m:
        raise Failure("first line must be `<file>:<line>:<col>: ...`:\n" + err)
    got = (int(m.group(2)), int(m.group(3)))
    eq(got, (line, col), "line:col in %r" % first)
    rest = err.splitlines()[1:3]
    if len(rest) < 2:
        raise Failure("the source line and a caret must follow:\n" + err)
    eq(rest[0], source_line, "quoted source line")
    eq(rest[1], " " * (col - 1) + "^", "caret under column %d" % col)


def case_yaml_syntax_error_has_position_and_caret(t):
    t.write("p/compose.yaml", """
        services:
          web:
            image: nginx
            ports:
              - "80:80"
             - "81:81"
    """)
    err = t.fails(["config"], cwd="p")
    first = err.splitlines()[0]
    m = re.match(r"^(\S*compose\.yaml):(\d+):(\d+): ", first)
    if not m:
        raise Failure("a YAML error must start with compose.yaml:line:col:\n" + err)
    line, col = int(m.group(2)), int(m.group(3))
    with open(t.path("p/compose.yaml"), encoding="utf-8") as f:
        src = f.read().splitlines()
    caret_check(err, "compose.yaml", line, col, src[line - 1])
    eq(os.path.realpath(m.group(1)) if os.path.isabs(m.group(1)) else os.path.realpath(t.path("p/" + m.group(1))),
       os.path.realpath(t.path("p/compose.yaml")), "the file named in the error")


def case_validation_error_has_key_path_and_caret(t):
    t.write("p/compose.yaml", """
        services:
          web:
            image: nginx
            ports:
              - "8080:80"
              - "80:80:80:80"
    """)
    err = t.fails(["config"], cwd="p")
    caret_check(err, "compose.yaml", 6, 9, '      - "80:80:80:80"')
    contains(err.splitlines()[0], "services.web.ports[1]: ", "key path of the bad port")


def case_error_in_override_names_that_file(t):
    t.write("p/compose.yaml", "services:\n  web:\n    image: nginx\n")
    t.write("p/compose.override.yaml", "services:\n  web:\n    restart: sometimes\n")
    err = t.fails(["config"], cwd="p")
    # A bad value: the caret goes under the value, in the file that set it.
    caret_check(err, "compose.override.yaml", 3, 14, "    restart: sometimes")
    contains(err.splitlines()[0], "services.web.restart", "key path")


def case_unknown_key_and_bad_type(t):
    t.write("p/compose.yaml", "services:\n  web:\n    image: nginx\n    wrongField: 1\n")
    err = t.fails(["config"], cwd="p")
    caret_check(err, "compose.yaml", 4, 5, "    wrongField: 1")
    contains(err, "wrongField", "names the unknown key")
    t.write("q/compose.yaml", "services:\n  web:\n    image: nginx\n    privileged: maybe\n")
    err = t.fails(["config"], cwd="q")
    caret_check(err, "compose.yaml", 4, 17, "    privileged: maybe")
    contains(err.splitlines()[0], "services.web.privileged", "key path")


def case_hostile_input_fails_cleanly(t):
    # Inputs the fuzzer found (tests/fuzz/regressions/): each must be a
    # located error with exit 1, quickly; no hang, no "internal error".
    inputs = {
        "leading_comma": b",\n",
        "invalid_utf8": b"services:\n  app:\n    image: \xff\xfebusybox\n",
        "nul_bytes": b"services:\n  app:\n    image: a\x00b\n",
        "alias_bomb": b"x-a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
            b"x-%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n" % ((c, c) + (c - 1,) * 9)
            for c in range(ord("b"), ord("k"))) + b"services: {}\n",
        "deep_nesting": b"services:\n  a:\n    labels: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    }
    problems = []
    for name, data in inputs.items():
        t.write_bytes(name + "/compose.yaml", data)
        try:
            code, out, err = t.run(["config", "--format", "json"], cwd=name, timeout=5)
        except subprocess.TimeoutExpired:
            problems.append("%s: racker did not finish in 5s" % name)
            continue
        except Failure as e:  # a crash
            problems.append("%s: %s" % (name, e))
            continue
        if code != 1 or "internal error" in err:
            problems.append("%s: exit %d, want 1 with a compose error: %s" % (name, code, err.strip()[:300]))
        elif not re.match(r"^\S*compose\.yaml:\d+:\d+: ", err):
            problems.append("%s: the error must start with compose.yaml:line:col: %s" % (name, err.strip()[:300]))
    if problems:
        raise Failure("\n".join(problems))


def case_dependency_cycle(t):
    t.write("p/compose.yaml", """
        services:
          a: {image: x, depends_on: [b]}
          b: {image: x, depends_on: [a]}
    """)
    contains(t.fails(["config"], cwd="p"), "cycle", "cycle message")
    t.write("q/compose.yaml", "services:\n  a:\n    image: x\n    depends_on: [nope]\n")
    contains(t.fails(["config"], cwd="q"), "nope", "undefined dependency named")


CASES = [(name[len("case_"):], fn) for name, fn in sorted(globals().items()) if name.startswith("case_")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--racker", required=True)
    ap.add_argument("--source")
    ap.add_argument("--corpus")
    ap.add_argument("-k", help="run the cases whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    racker = os.path.abspath(args.racker)
    failed = []
    ran = 0
    for name, fn in CASES:
        if args.k and args.k not in name:
            continue
        ran += 1
        with tempfile.TemporaryDirectory(prefix="racker-config-cli-") as root:
            t = Env(racker, root, args.verbose)
            try:
                fn(t)
                print("ok    %s" % name)
            except Failure as e:
                failed.append(name)
                print("FAIL  %s\n%s" % (name, textwrap.indent(str(e), "      ")))
            except Exception:  # a bug in the case itself, or a timeout
                failed.append(name)
                print("FAIL  %s (error in the test)\n%s" % (name, textwrap.indent(traceback.format_exc(), "      ")))
    print("\n%d cases, %d failed%s" % (ran, len(failed), (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
