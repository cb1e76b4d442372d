"""Migrations, applied in order, each once, recorded with a checksum.

Plain SQL (``NNNN_name.sql``), except where a change needs the application: a Python
migration (``NNNN_name.py``) defines ``up(conn)`` and runs in the same transaction, e.g.
to seal existing secrets with the data key, which the database never sees.

Safe to re-run and to run concurrently (an advisory lock serialises runners).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(sql|py)$")
LOCK_KEY = 7_342_001  # arbitrary, constant: "agentpay migrations" (and the app role)


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str  # the file's text: SQL, or a Python migration's source
    kind: str = "sql"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted([*directory.glob("*.sql"), *directory.glob("*.py")]):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"bad migration file name: {path.name}")
        found.append(Migration(match.group(1), match.group(2), path.read_text(),
                               match.group(3)))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migrations share a version number")
    return found


def migrate(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; return the versions applied now."""
    applied_now: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    text PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        done = {
            row["version"] if isinstance(row, dict) else row[0]: (
                row["checksum"] if isinstance(row, dict) else row[1]
            )
            for row in conn.execute("SELECT version, checksum FROM schema_migrations")
        }
        for migration in load_migrations(directory):
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version}_{migration.name} changed after it was "
                        "applied; add a new migration instead"
                    )
                continue
            with conn.transaction():
                _apply(conn, migration)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
            applied_now.append(migration.version)
    return applied_now


def _apply(conn: psycopg.Connection, migration: Migration) -> None:
    if migration.kind == "sql":
        conn.execute(migration.sql)
        return
    namespace: dict = {"__name__": f"agentpay_migration_{migration.version}"}
    exec(compile(migration.sql, f"{migration.version}_{migration.name}.py", "exec"),  # noqa: S102
         namespace)
    namespace["up"](conn)
