"""Databases for parallel test workers: migrate once into a template, copy it per worker.

Why: with pytest-xdist each worker needs its own database. Copying a migrated template
(CREATE DATABASE ... TEMPLATE) takes about a tenth of a second, and only one process
runs the migrations, so no two workers race on them.

A copy holds the template's schema, rows, functions and extensions, but not what
PostgreSQL keeps per database outside it: the `ALTER DATABASE ... SET` defaults that
migrations 0002, 0005 and 0007 give (hnsw.ef_search, jit, ...). `copy_database` carries
those over, so a copy behaves as a freshly migrated database does.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from agentpay.db.migrate import migrate
from agentpay_dev.db.embedded import drop_database, with_database


def create_template(maintenance_uri: str, name: str) -> str:
    """Create and migrate the template database `name`; return its URI."""
    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(maintenance_uri, name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn)
    except BaseException:
        drop_database(maintenance_uri, name)
        raise
    return url


def copy_database(maintenance_uri: str, template: str, name: str) -> str:
    """Create `name` as a copy of `template`, with its per-database settings; its URI."""
    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))
        for setting in database_settings(conn, template):
            key, value = setting.split("=", 1)
            conn.execute(sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                sql.Identifier(name), sql.Identifier(*key.split(".")), sql.Literal(value)))
    return with_database(maintenance_uri, name)


def database_settings(conn: psycopg.Connection, name: str) -> list[str]:
    """The `ALTER DATABASE name SET` defaults (for every role), as sorted "key=value"."""
    row = conn.execute(
        """SELECT s.setconfig FROM pg_db_role_setting s
             JOIN pg_database d ON d.oid = s.setdatabase
            WHERE d.datname = %s AND s.setrole = 0""", (name,)).fetchone()
    return sorted(row[0]) if row else []
