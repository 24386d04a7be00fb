#!/usr/bin/env python3
"""The dev-env worker: takes note ids from the Redis queue, counts the
note's words and stores the result in PostgreSQL."""
from datetime import datetime, timezone

from common import QUEUE, cache, db

r = cache()
conn = db()
print("worker: waiting for notes", flush=True)
while True:
    item = r.blpop(QUEUE, timeout=1)
    if item is None:
        continue
    note_id = int(item[1])
    with conn, conn.cursor() as cur:
        cur.execute("SELECT body FROM notes WHERE id = %s", (note_id,))
        row = cur.fetchone()
        if row is None:
            continue
        cur.execute("UPDATE notes SET words = %s, processed_at = %s WHERE id = %s",
                    (len(row[0].split()), datetime.now(timezone.utc), note_id))
    r.incr("notes:processed")
    print(f"worker: processed note {note_id}", flush=True)
