#!/usr/bin/env python3
"""The dev-env web app (python3 stdlib + Debian's python3-psycopg2 and
python3-redis). Notes are rows in PostgreSQL; each new note is queued in
Redis for the worker and counted there.

  GET  /          greeting.txt (read per request: edit it, reload the page)
  GET  /healthz   200 when PostgreSQL and Redis answer
  POST /notes     body = the note; -> {"id": N}
  GET  /notes     all notes, newest first, with what the worker added
  GET  /stats     counters kept in Redis
"""
import http.server
import json
import os
import socketserver

from common import QUEUE, cache, db

HERE = os.path.dirname(os.path.abspath(__file__))


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        print("web: " + fmt % args, flush=True)

    def reply(self, code, value, ctype="application/json"):
        body = (json.dumps(value, default=str) + "\n" if ctype == "application/json" else value).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        try:
            if self.path == "/":
                with open(os.path.join(HERE, "greeting.txt")) as f:
                    return self.reply(200, f.read(), "text/plain; charset=utf-8")
            if self.path == "/healthz":
                conn = db()
                conn.close()
                cache().ping()
                return self.reply(200, {"status": "ok"})
            if self.path == "/notes":
                conn = db()
                with conn, conn.cursor() as cur:
                    cur.execute("SELECT id, body, created_at, processed_at, words FROM notes ORDER BY id DESC")
                    cols = [c.name for c in cur.description]
                    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
                conn.close()
                return self.reply(200, rows)
            if self.path == "/stats":
                r = cache()
                return self.reply(200, {"created": int(r.get("notes:created") or 0),
                                        "processed": int(r.get("notes:processed") or 0),
                                        "queued": r.llen(QUEUE)})
            return self.reply(404, {"error": "not found"})
        except Exception as e:  # a dev server: show what broke
            return self.reply(503, {"error": str(e)})

    def do_POST(self):
        if self.path != "/notes":
            return self.reply(404, {"error": "not found"})
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        try:
            conn = db()
            with conn, conn.cursor() as cur:
                cur.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id", (body,))
                note_id = cur.fetchone()[0]
            conn.close()
            r = cache()
            r.incr("notes:created")
            r.rpush(QUEUE, note_id)
            return self.reply(201, {"id": note_id})
        except Exception as e:
            return self.reply(503, {"error": str(e)})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"web: listening on :{port}", flush=True)
    Server(("0.0.0.0", port), Handler).serve_forever()
