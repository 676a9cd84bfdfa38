#!/usr/bin/env python3
"""The Python SDK's side of the engram SQLite interop test (engram_sqlite_interop_test.cc).

Standard library only, with the DDL, statements and row formats of cosmonapse/engram/sqlite.py
(SqliteEngram): content/tags/meta as json.dumps text, times as datetime.isoformat() of aware
UTC datetimes, soft delete through deleted_at, idempotency rows in engram_imprint_seen.

  engram_python_interop.py write DB    create DB as the Python SDK would and fill it
  engram_python_interop.py append DB   add one row as the Python SDK would (schema exists)
  engram_python_interop.py check DB    read what neuromesh wrote; exit 1 on any mismatch
"""
import json
import sqlite3
import sys
from datetime import UTC, datetime

SCHEMA = """
CREATE TABLE IF NOT EXISTS engram_entries (
    id           TEXT PRIMARY KEY,
    engram_kind  TEXT NOT NULL,
    merge_key    TEXT,
    content      TEXT NOT NULL,         -- JSON
    tags         TEXT NOT NULL DEFAULT '[]',  -- JSON array
    meta         TEXT NOT NULL DEFAULT '{}',  -- JSON
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT
);

CREATE INDEX IF NOT EXISTS engram_entries_kind_idx
    ON engram_entries (engram_kind);
CREATE INDEX IF NOT EXISTS engram_entries_merge_key_idx
    ON engram_entries (merge_key)
    WHERE merge_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS engram_entries_updated_idx
    ON engram_entries (updated_at);

CREATE TABLE IF NOT EXISTS engram_imprint_seen (
    imprint_id TEXT PRIMARY KEY,
    entry_id   TEXT NOT NULL,
    seen_at    TEXT NOT NULL
);
"""

INSERT = ("INSERT INTO engram_entries "
          "(id, engram_kind, merge_key, content, tags, meta, "
          " version, created_at, updated_at) "
          "VALUES (?,?,?,?,?,?,?,?,?)")

T1 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC).isoformat()
T2 = datetime(2026, 1, 2, tzinfo=UTC).isoformat()


def insert(conn, eid, merge_key, content, tags, meta, when):
    conn.execute(INSERT, (eid, "relational", merge_key, json.dumps(content),
                          json.dumps(tags), json.dumps(meta), 1, when, when))


def write(path):
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    insert(conn, "eng_PY1", "q:capital", {"answer": "Bern", "note": "caf\u00e9 \U0001F600"},
           ["geo", "\u00fcber"], {"source": "python"}, T1)
    insert(conn, "eng_PY2", None, [1, 2.5, None, True], [], {}, T2)
    insert(conn, "eng_PY3", "gone", "deleted text", [], {}, T1)
    conn.execute("UPDATE engram_entries SET deleted_at = ? WHERE id = ?", (T2, "eng_PY3"))
    conn.execute("INSERT OR IGNORE INTO engram_imprint_seen (imprint_id, entry_id, seen_at) "
                 "VALUES (?,?,?)", ("evt_PYSEEN", "eng_PY1", T1))
    conn.commit()
    conn.close()


def append(path):
    conn = sqlite3.connect(path)
    insert(conn, "eng_PY4", None, {"late": "arrival from python"}, ["late"], {}, T2)
    conn.commit()
    conn.close()


# What neuromesh writes in engram_sqlite_interop_test.cc.
EXPECTED = {
    "nm-1": ("k:1", {"text": "Gr\u00fc\u00dfe", "n": [1, 2.5, 1e-05, 1e16], "ok": None},
             ["a", "\u00e9"], {"by": "neuromesh"}, 2),
    "nm-2": (None, "plain", [], {}, 1),
}


def check(path):
    conn = sqlite3.connect(path)
    errors = []
    rows = {r[0]: r for r in conn.execute(
        "SELECT id, engram_kind, merge_key, content, tags, meta, version, created_at, "
        "updated_at, deleted_at FROM engram_entries")}
    for eid, (merge_key, content, tags, meta, version) in EXPECTED.items():
        row = rows.get(eid)
        if row is None:
            errors.append(f"{eid}: missing")
            continue
        _, kind, mk, c, t, m, v, created, updated, deleted = row
        # Byte-identical to what the Python engram writes for the same values...
        if c != json.dumps(content):
            errors.append(f"{eid}: content {c!r}, Python writes {json.dumps(content)!r}")
        if t != json.dumps(tags):
            errors.append(f"{eid}: tags {t!r}, Python writes {json.dumps(tags)!r}")
        if m != json.dumps(meta):
            errors.append(f"{eid}: meta {m!r}, Python writes {json.dumps(meta)!r}")
        # ...and read back by its own decoding.
        if json.loads(c) != content or json.loads(t) != tags or json.loads(m) != meta:
            errors.append(f"{eid}: decodes differently")
        if mk != merge_key or v != version or kind != "context" or deleted is not None:
            errors.append(f"{eid}: merge_key/version/kind/deleted_at {mk!r} {v!r} {kind!r} "
                          f"{deleted!r}")
        for name, ts in (("created_at", created), ("updated_at", updated)):
            parsed = datetime.fromisoformat(ts)
            if parsed.tzinfo is None or parsed.isoformat() != ts:
                errors.append(f"{eid}: {name} {ts!r} is not an aware isoformat() string")
    dead = rows.get("nm-3")
    if dead is None or dead[9] is None:
        errors.append("nm-3: expected a soft-deleted row (deleted_at set)")
    # The Python engram's own recall query sees the live rows only.
    live = [r[0] for r in conn.execute(
        "SELECT id FROM engram_entries WHERE deleted_at IS NULL ORDER BY updated_at DESC")]
    if sorted(live) != ["nm-1", "nm-2"]:
        errors.append(f"live rows {live}")
    seen = conn.execute("SELECT entry_id FROM engram_imprint_seen WHERE imprint_id = ?",
                        ("evt_NM1",)).fetchone()
    if seen is None or seen[0] != "nm-1":
        errors.append(f"engram_imprint_seen for evt_NM1: {seen!r}")
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    mode, db = sys.argv[1], sys.argv[2]
    if mode == "write":
        write(db)
        sys.exit(0)
    if mode == "append":
        append(db)
        sys.exit(0)
    sys.exit(check(db))
