#!/usr/bin/env python3
"""The Python SDK's side of the SQLite interop test (sqlite_interop_test.cc).

Uses only the standard library, with the DDL and row formats of
cosmonapse/storage/sqlite.py (SqliteRegistryStore): capabilities as json.dumps text,
timestamps as datetime.isoformat() of aware UTC datetimes.

  python_sqlite_interop.py write DB   create DB as the Python SDK would and fill it
  python_sqlite_interop.py check DB   read what neuromesh wrote; exit 1 on any mismatch
"""
import json
import sqlite3
import sys
from datetime import UTC, datetime

SCHEMA = """
CREATE TABLE IF NOT EXISTS neurons (
    neuron_id      TEXT PRIMARY KEY,
    capabilities   TEXT NOT NULL DEFAULT '[]',
    version        TEXT,
    status         TEXT NOT NULL DEFAULT 'registered',
    last_heartbeat TEXT,
    registered_at  TEXT NOT NULL
);
"""

# (neuron_id, capabilities, version, status, last_heartbeat, registered_at)
RECORDS = [
    ("alpha", ["nlp", "vision"], "1.0", "registered",
     datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC), datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("beta", ["caf\u00e9", "\U0001F600", 'quote"back\\'], None, "ok",
     None, datetime(2026, 2, 3, 4, 5, 6, 7, tzinfo=UTC)),
    ("gamma", [], "2", "deregistered",
     datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
]


def iso(value):
    return value.isoformat() if value is not None else None


def write(path):
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    for nid, caps, version, status, hb, reg in RECORDS:
        # The Python store's upsert statement and parameter formats.
        conn.execute(
            """
            INSERT INTO neurons
                (neuron_id, capabilities, version, status,
                 last_heartbeat, registered_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(neuron_id) DO UPDATE SET
                capabilities   = excluded.capabilities,
                version        = excluded.version,
                status         = excluded.status,
                last_heartbeat = excluded.last_heartbeat
            """,
            (nid, json.dumps(caps), version, status, iso(hb), iso(reg)),
        )
    # A naive timestamp (an older writer): the Python store reads it as UTC.
    conn.execute(
        "INSERT INTO neurons VALUES ('delta', '[\"x\"]', NULL, 'registered', "
        "'2026-01-01T00:00:00', '2026-01-01T00:00:00')")
    conn.commit()
    conn.close()


def check(path):
    conn = sqlite3.connect(path)
    rows = {r[0]: r for r in conn.execute(
        "SELECT neuron_id, capabilities, version, status, last_heartbeat, registered_at FROM neurons")}
    errors = []
    if len(rows) != len(RECORDS):
        errors.append(f"expected {len(RECORDS)} rows, found {sorted(rows)}")
    for nid, caps, version, status, hb, reg in RECORDS:
        row = rows.get(nid)
        if row is None:
            errors.append(f"{nid}: missing")
            continue
        # Byte-identical to what the Python store would have written...
        expected = (nid, json.dumps(caps), version, status, iso(hb), iso(reg))
        if tuple(row) != expected:
            errors.append(f"{nid}: stored {tuple(row)!r}, Python writes {expected!r}")
        # ...and read back by the Python store's own decoding.
        if json.loads(row[1]) != caps:
            errors.append(f"{nid}: capabilities decode to {json.loads(row[1])!r}")
        if (datetime.fromisoformat(row[4]) if row[4] else None) != hb:
            errors.append(f"{nid}: last_heartbeat {row[4]!r}")
        if datetime.fromisoformat(row[5]) != reg:
            errors.append(f"{nid}: registered_at {row[5]!r}")
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    mode, db = sys.argv[1], sys.argv[2]
    if mode == "write":
        write(db)
        sys.exit(0)
    sys.exit(check(db))
