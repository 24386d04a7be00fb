#!/usr/bin/env python3
"""A stand-in for Grafana, written for racker's example (Debian does not
package Grafana). On :3000 it does the part of Grafana's job this stack uses:

  /                      302 to /login when not signed in (as Grafana does),
                         else the list of provisioned dashboards
  /login                 sign-in form; GF_SECURITY_ADMIN_USER/PASSWORD
  /d/<uid>               a provisioned dashboard: each panel's InfluxQL query
                         run against the datasource, results as tables
  /explore               the datasource's measurements and their latest points
  /api/health            {"database": "ok", ...}
  /api/datasources       the provisioned datasources
  /api/datasources/proxy/<id>/query   InfluxDB's /query through the datasource
  /api/search            the provisioned dashboards

Datasources come from provisioning/datasources/*.yml and dashboards from the
folders named in provisioning/dashboards/*.yml, as Grafana reads them. The
/api/* routes take HTTP Basic auth or the session cookie.
"""
import base64
import glob
import html
import http.server
import json
import os
import secrets
import socketserver
import urllib.error
import urllib.parse
import urllib.request

import yaml

PROVISIONING = os.environ.get("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning")
USER = os.environ.get("GF_SECURITY_ADMIN_USER", "admin")
PASSWORD = os.environ.get("GF_SECURITY_ADMIN_PASSWORD", "admin")
VERSION = "racker-stand-in"
SESSIONS = set()


def load_yaml_dir(sub):
    docs = []
    for path in sorted(glob.glob(os.path.join(PROVISIONING, sub, "*.y*ml"))):
        with open(path) as f:
            docs.append(yaml.safe_load(f) or {})
    return docs


def datasources():
    out = []
    for doc in load_yaml_dir("datasources"):
        for ds in doc.get("datasources") or []:
            out.append(dict(ds, id=len(out) + 1))
    return out


def dashboards():
    out = []
    for doc in load_yaml_dir("dashboards"):
        for provider in doc.get("providers") or []:
            folder = (provider.get("options") or {}).get("path", "")
            for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
                with open(path) as f:
                    out.append(json.load(f))
    return out


def influx_query(ds, query, db=None):
    params = {"q": query, "db": db or ds.get("database", ""), "epoch": "s"}
    if ds.get("user"):
        params.update(u=ds["user"], p=ds.get("password", ""))
    url = ds["url"].rstrip("/") + "/query?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read()


def panel_queries(panel):
    """InfluxQL for a panel's targets, built from the query editor's parts."""
    for t in panel.get("targets", []):
        if t.get("rawQuery") and t.get("query"):
            yield t["query"].replace("$timeFilter", "time > now() - 15m").replace("$__interval", "10s")
            continue
        if not t.get("measurement"):
            continue
        selects = []
        for parts in t.get("select", []):
            expr = ""
            for p in parts:
                if p["type"] == "field":
                    expr = f'"{p["params"][0]}"'
                elif p["type"] in ("mean", "sum", "max", "min", "count", "last"):
                    expr = f"{p['type']}({expr})"
            selects.append(expr)
        group = []
        for g in t.get("groupBy", []):
            if g["type"] == "time":
                group.append("time(10s)")
            elif g["type"] == "tag":
                group.append(f'"{g["params"][0]}"')
        q = f'SELECT {", ".join(selects) or "*"} FROM "{t["measurement"]}" WHERE time > now() - 15m'
        yield q + (" GROUP BY " + ", ".join(group) if group else "")


def page(title, body):
    return (f"<!doctype html><html><head><title>{html.escape(title)} - racker dashboard</title></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}<p><small>racker's Grafana stand-in</small></p>"
            "</body></html>").encode()


def table(columns, rows):
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table border=1><tr>{head}</tr>{body}</table>"


def results_html(raw):
    out = []
    for result in json.loads(raw).get("results", []):
        if "error" in result:
            out.append(f"<p>error: {html.escape(result['error'])}</p>")
        for s in result.get("series", []):
            tags = ", ".join(f"{k}={v}" for k, v in (s.get("tags") or {}).items())
            out.append(f"<h3>{html.escape(s.get('name', ''))} {html.escape(tags)}</h3>")
            out.append(table(s.get("columns", []), s.get("values", [])[-10:]))
    return "".join(out) or "<p>no data yet</p>"


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "racker-dashboard"

    def log_message(self, fmt, *args):
        print("dashboard: " + fmt % args, flush=True)

    def send(self, code, body=b"", ctype="text/html; charset=utf-8", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, code, value):
        self.send(code, json.dumps(value).encode(), "application/json")

    def signed_in(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return False
            return (user, pw) == (USER, PASSWORD)
        for part in self.headers.get("Cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == "grafana_session" and v in SESSIONS:
                return True
        return False

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/login":
            return self.send(404, b"not found\n", "text/plain")
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if (form.get("user", [""])[0], form.get("password", [""])[0]) != (USER, PASSWORD):
            return self.send(401, page("Login failed", '<p><a href="/login">try again</a></p>'))
        token = secrets.token_hex(16)
        SESSIONS.add(token)
        self.send(302, headers=[("Location", "/"), ("Set-Cookie", f"grafana_session={token}; Path=/; HttpOnly")])

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        if path == "/login":
            form = ('<form method="post" action="/login"><input name="user" placeholder="user">'
                    '<input name="password" type="password" placeholder="password">'
                    '<button type="submit">Log in</button></form>')
            return self.send(200, page("Welcome to the dashboard", form))
        if path == "/api/health":
            return self.send_json(200, {"commit": "", "database": "ok", "version": VERSION})
        if not self.signed_in():
            if path.startswith("/api/"):
                return self.send_json(401, {"message": "Unauthorized"})
            return self.send(302, headers=[("Location", "/login")])
        try:
            return self.route(path, query)
        except (urllib.error.URLError, OSError) as e:
            return self.send_json(502, {"message": f"datasource unreachable: {e}"})

    def route(self, path, query):
        sources = datasources()
        if path == "/":
            links = "".join(f'<li><a href="/d/{html.escape(d.get("uid", ""))}">{html.escape(d.get("title", ""))}</a></li>'
                            for d in dashboards())
            return self.send(200, page("Home", f'<ul>{links}<li><a href="/explore">Explore</a></li></ul>'))
        if path == "/api/datasources":
            return self.send_json(200, [{k: v for k, v in ds.items() if k != "password"} for ds in sources])
        if path == "/api/search":
            return self.send_json(200, [{"uid": d.get("uid"), "title": d.get("title"), "type": "dash-db",
                                         "url": f"/d/{d.get('uid')}"} for d in dashboards()])
        if path.startswith("/api/datasources/proxy/") and path.endswith("/query"):
            ds_id = path.split("/")[4]
            ds = next((d for d in sources if str(d["id"]) == ds_id), None)
            if ds is None:
                return self.send_json(404, {"message": "Data source not found"})
            try:
                status, raw = influx_query(ds, query.get("q", [""])[0], query.get("db", [None])[0])
            except urllib.error.HTTPError as e:
                status, raw = e.code, e.read()
            return self.send(status, raw, "application/json")
        ds = next((d for d in sources if d.get("isDefault")), sources[0] if sources else None)
        if ds is None:
            return self.send(500, page("No datasource", "<p>none provisioned</p>"))
        if path == "/explore":
            _, raw = influx_query(ds, "SHOW MEASUREMENTS")
            names = [v[0] for r in json.loads(raw).get("results", []) for s in r.get("series", []) for v in s["values"]]
            body = [f"<p>datasource {html.escape(ds['name'])}: {html.escape(ds['url'])} database "
                    f"{html.escape(ds.get('database', ''))}</p>"]
            for name in names:
                _, raw = influx_query(ds, f'SELECT * FROM "{name}" ORDER BY time DESC LIMIT 3')
                body.append(results_html(raw))
            return self.send(200, page("Explore", "".join(body)))
        if path.startswith("/d/"):
            uid = path.split("/")[2]
            dash = next((d for d in dashboards() if d.get("uid") == uid), None)
            if dash is None:
                return self.send(404, page("Dashboard not found", ""))
            panels = dash.get("panels", []) + [p for r in dash.get("rows", []) for p in r.get("panels", [])]
            body = []
            for panel in panels:
                body.append(f"<h2>{html.escape(panel.get('title', ''))}</h2>")
                for q in panel_queries(panel):
                    _, raw = influx_query(ds, q)
                    body.append(f"<pre>{html.escape(q)}</pre>" + results_html(raw))
            return self.send(200, page(dash.get("title", uid), "".join(body)))
        return self.send(404, page("Not found", ""))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    port = int(os.environ.get("GF_SERVER_HTTP_PORT", "3000"))
    print(f"dashboard: listening on :{port}, provisioning from {PROVISIONING}", flush=True)
    Server(("0.0.0.0", port), Handler).serve_forever()
