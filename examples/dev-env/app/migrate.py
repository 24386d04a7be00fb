#!/usr/bin/env python3
"""The init container: applies migrations/*.sql in order, each once, then
exits 0 so the web app and the worker start (service_completed_successfully)."""
import os
import sys

from common import db

here = os.path.dirname(os.path.abspath(__file__))
conn = db()
with conn, conn.cursor() as cur:
    cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz DEFAULT now())")
    cur.execute("SELECT name FROM schema_migrations")
    done = {r[0] for r in cur.fetchall()}
    for name in sorted(os.listdir(os.path.join(here, "migrations"))):
        if not name.endswith(".sql") or name in done:
            continue
        with open(os.path.join(here, "migrations", name)) as f:
            cur.execute(f.read())
        cur.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
        print(f"migrate: applied {name}", flush=True)
print("migrate: schema up to date", flush=True)
sys.exit(0)
