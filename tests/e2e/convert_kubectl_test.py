#!/usr/bin/env python3
"""`racker compose convert --format kubernetes` against kubectl, offline.

For each stack with a golden file (tests/data/convert/golden/*.kubernetes.yaml):
1. the racker binary's output equals the golden file (the CLI path: env_file
   ConfigMaps come from the un-normalized document);
2. every object decodes into kubectl's typed Go structs: `kubectl set ... --local`
   needs no cluster, decodes with the client's own scheme and fails on an
   unknown kind/apiVersion or a value of the wrong type;
3. Deployments and Services go through a typed round trip (`set env`,
   `set selector`): a field kubectl does not know is dropped, so every field
   racker wrote must come back with the same value;
4. other kinds (ConfigMap, Secret, PersistentVolumeClaim, NetworkPolicy),
   which no local kubectl command prints back typed, are checked against
   the structural schema below (the fields racker emits, from the API reference).

`kubectl apply --dry-run=client` is not used: it needs the server's OpenAPI
document even to skip validation. Needs kubectl (Debian: kubernetes-client).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

STACKS = {
    "hello-stack": "examples/hello-stack",
    "web-stack": "examples/web-stack",
    "dev-env": "examples/dev-env",
    "integration-staging": "examples/integration-staging",
    "telegraf-influx-grafana": "tests/data/convert/telegraf-influx-grafana",
}

# Allowed keys per kind; "*" is any key (maps of data, labels); a list holds
# the schema of its items. Leaves: the Python type the value must have.
LABELS = {"*": str}
METADATA = {"name": str, "labels": LABELS, "annotations": LABELS}
SELECTOR = {"matchLabels": LABELS}
PEER = {"podSelector": SELECTOR, "namespaceSelector": SELECTOR}
PORT = {"protocol": str, "port": int}
SCHEMAS = {
    "ConfigMap": {"apiVersion": str, "kind": str, "metadata": METADATA, "data": {"*": str}, "binaryData": {"*": str}},
    "Secret": {"apiVersion": str, "kind": str, "metadata": METADATA, "type": str, "stringData": {"*": str},
               "data": {"*": str}},
    "PersistentVolumeClaim": {"apiVersion": str, "kind": str, "metadata": METADATA,
                              "spec": {"accessModes": [str], "resources": {"requests": {"storage": str}}}},
    "NetworkPolicy": {"apiVersion": str, "kind": str, "metadata": METADATA,
                      "spec": {"podSelector": SELECTOR, "policyTypes": [str],
                               "ingress": [{"from": [PEER], "ports": [PORT]}],
                               "egress": [{"to": [PEER], "ports": [PORT]}]}},
}
API_VERSIONS = {"ConfigMap": "v1", "Secret": "v1", "PersistentVolumeClaim": "v1",
                "NetworkPolicy": "networking.k8s.io/v1", "Deployment": "apps/v1", "Service": "v1"}


def schema_errors(value, schema, path):
    if isinstance(schema, type):
        return [] if isinstance(value, schema) and not isinstance(value, bool) else [f"{path}: not a {schema.__name__}"]
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [e for i, item in enumerate(value) for e in schema_errors(item, schema[0], f"{path}[{i}]")]
    if not isinstance(value, dict):
        return [f"{path}: not a map"]
    errors = []
    for k, v in value.items():
        sub = schema.get(k, schema.get("*"))
        if sub is None:
            errors.append(f"{path}.{k}: unknown field")
        else:
            errors += schema_errors(v, sub, f"{path}.{k}")
    return errors


def missing(sent, back, path):
    """Fields of `sent` that `back` lacks or holds with another value."""
    if isinstance(sent, dict):
        if not isinstance(back, dict):
            return [path]
        return [m for k, v in sent.items() for m in missing(v, back.get(k, None), f"{path}.{k}")]
    if isinstance(sent, list):
        # `set env` appends its variable to every env list.
        extra = 1 if path.endswith(".env") else 0
        if not isinstance(back, list) or len(back) != len(sent) + extra:
            return [path]
        return [m for i, v in enumerate(sent) for m in missing(v, back[i], f"{path}[{i}]")]
    return [] if sent == back else [f"{path}: {sent!r} came back as {back!r}"]


def kubectl(binary, args, tmp):
    env = dict(os.environ, KUBECONFIG=os.path.join(tmp, "no-kubeconfig"), HOME=tmp)
    return subprocess.run([binary] + args, capture_output=True, text=True, env=env)


def check_object(binary, obj, tmp):
    kind = obj.get("kind")
    where = f"{kind} {obj.get('metadata', {}).get('name')}"
    if API_VERSIONS.get(kind) != obj.get("apiVersion"):
        return [f"{where}: unexpected kind/apiVersion {obj.get('apiVersion')}"]
    path = os.path.join(tmp, "object.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(obj, f)
    if kind == "Deployment":
        r = kubectl(binary, ["set", "env", "--local", "-f", path, "RACKER_KUBECTL_CHECK=1", "-o", "json"], tmp)
    elif kind == "Service":
        sel = ",".join(f"{k}={v}" for k, v in obj["spec"]["selector"].items())
        r = kubectl(binary, ["set", "selector", "--local", "-f", path, sel, "-o", "json"], tmp)
    else:
        # Decodes typed, then refuses the kind: only a decode error counts.
        r = kubectl(binary, ["set", "env", "--local", "-f", path, "RACKER_KUBECTL_CHECK=1", "-o", "json"], tmp)
        errors = [f"{where}: kubectl: {r.stderr.strip()}"] if "unable to decode" in r.stderr else []
        if "not a pod" not in r.stderr and not errors:
            errors.append(f"{where}: kubectl did not decode it: {r.stderr.strip()}")
        return errors + [f"{where}: {e}" for e in schema_errors(obj, SCHEMAS[kind], kind)]
    if r.returncode != 0:
        return [f"{where}: kubectl: {r.stderr.strip()}"]
    back = json.loads(r.stdout)
    return [f"{where}: kubectl dropped or changed {m}" for m in missing(obj, back, kind)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--racker", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--corpus")
    args = ap.parse_args()
    args.racker = os.path.abspath(args.racker)
    binary = os.environ.get("RACKER_KUBECTL") or shutil.which("kubectl")
    if not binary:
        print("kubectl not found (Debian package kubernetes-client; scripts/setup installs it)")
        return 1
    failures = []
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        # Self-test: the checks must be able to fail.
        bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}},
                        "template": {"metadata": {"labels": {"a": "b"}},
                                     "spec": {"containers": [{"name": "x", "image": "i", "bogus": 1}]}}}}
        if not check_object(binary, bad, tmp):
            failures.append("self-test: an unknown Deployment field passed")
        bad_cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": 1}}
        if not check_object(binary, bad_cm, tmp):
            failures.append("self-test: a ConfigMap with a number in data passed")
        for name, rel in STACKS.items():
            golden = os.path.join(args.source, "tests/data/convert/golden", name + ".kubernetes.yaml")
            with open(golden) as f:
                expected = f.read()
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            r = subprocess.run([args.racker, "compose", "convert", "--format", "kubernetes"],
                               cwd=os.path.join(args.source, rel), capture_output=True, text=True, env=env)
            if r.returncode != 0:
                failures.append(f"{name}: racker exited {r.returncode}: {r.stderr}")
            elif r.stdout != expected:
                failures.append(f"{name}: racker's output differs from {golden}")
            for obj in yaml.safe_load_all(expected):
                if obj is None:
                    continue
                checked += 1
                failures += [f"{name}: {e}" for e in check_object(binary, obj, tmp)]
    for f in failures:
        print("FAIL", f)
    print(f"{checked} objects checked with {binary}, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
