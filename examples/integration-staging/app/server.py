#!/usr/bin/env python3
"""The application under test: a small inventory API over PostgreSQL
(python3 stdlib + Debian's python3-psycopg2). It makes its table at start.

  GET  /healthz         200 when the database answers
  PUT  /items/<name>    body = a quantity (integer); -> the item
  GET  /items/<name>    -> {"name": ..., "quantity": ...} or 404
  POST /items/<name>/take   body = how many; 409 when there are not enough
"""
import http.server
import json
import os
import socketserver
import time

import psycopg2


def connect():
    return psycopg2.connect(host=os.environ.get("DB_HOST", "db"), dbname=os.environ["POSTGRES_DB"],
                            user=os.environ["POSTGRES_USER"], password=os.environ["POSTGRES_PASSWORD"],
                            connect_timeout=5)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        print("app: " + fmt % args, flush=True)

    def reply(self, code, value):
        body = (json.dumps(value) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body_int(self):
        text = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode().strip()
        return int(text) if text.lstrip("-").isdigit() else None

    def item(self, cur, name):
        cur.execute("SELECT quantity FROM items WHERE name = %s", (name,))
        row = cur.fetchone()
        return None if row is None else {"name": name, "quantity": row[0]}

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        with connect() as conn, conn.cursor() as cur:
            if parts == ["healthz"]:
                cur.execute("SELECT 1")
                return self.reply(200, {"status": "ok"})
            if len(parts) == 2 and parts[0] == "items":
                found = self.item(cur, parts[1])
                return self.reply(200, found) if found else self.reply(404, {"error": "no such item"})
        return self.reply(404, {"error": "not found"})

    def do_PUT(self):
        parts = self.path.strip("/").split("/")
        quantity = self.body_int()
        if len(parts) != 2 or parts[0] != "items" or quantity is None or quantity < 0:
            return self.reply(400, {"error": "PUT /items/<name> with a quantity >= 0"})
        with connect() as conn, conn.cursor() as cur:
            cur.execute("INSERT INTO items (name, quantity) VALUES (%s, %s) "
                        "ON CONFLICT (name) DO UPDATE SET quantity = EXCLUDED.quantity", (parts[1], quantity))
            return self.reply(200, self.item(cur, parts[1]))

    def do_POST(self):
        parts = self.path.strip("/").split("/")
        n = self.body_int()
        if len(parts) != 3 or parts[0] != "items" or parts[2] != "take" or n is None or n <= 0:
            return self.reply(400, {"error": "POST /items/<name>/take with a count > 0"})
        with connect() as conn, conn.cursor() as cur:
            cur.execute("UPDATE items SET quantity = quantity - %s WHERE name = %s AND quantity >= %s "
                        "RETURNING quantity", (n, parts[1], n))
            if cur.fetchone() is None:
                found = self.item(cur, parts[1])
                return self.reply(409 if found else 404, {"error": "not enough" if found else "no such item"})
            return self.reply(200, self.item(cur, parts[1]))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    for attempt in range(60):  # the database may still be starting
        try:
            with connect() as conn, conn.cursor() as cur:
                cur.execute("CREATE TABLE IF NOT EXISTS items (name text PRIMARY KEY, quantity integer NOT NULL)")
            break
        except psycopg2.OperationalError as e:
            print(f"app: waiting for the database ({e.args[0].strip()})", flush=True)
            time.sleep(1)
    print("app: listening on :8080", flush=True)
    Server(("0.0.0.0", 8080), Handler).serve_forever()
