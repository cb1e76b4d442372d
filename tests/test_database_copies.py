"""The parallel workers' databases (tests/database_copies.py): a copy of the migrated
template must behave as a freshly migrated database does."""

from __future__ import annotations

import uuid

import psycopg

from agentpay.db.migrate import load_migrations
from agentpay_dev.db.embedded import drop_database, with_database
from database_copies import copy_database, create_template, database_settings


def test_a_copy_of_the_template_is_migrated_and_keeps_the_per_database_settings(
        db, database_url, drop_at_end):
    # GIVEN a migrated template and a copy of it
    maintenance = with_database(database_url, "postgres")
    suffix = uuid.uuid4().hex[:8]
    template, copy = f"agentpay_tpl_{suffix}", f"agentpay_copy_{suffix}"
    drop_at_end(lambda: drop_database(maintenance, template))
    drop_at_end(lambda: drop_database(maintenance, copy))
    create_template(maintenance, template)
    url = copy_database(maintenance, template, copy)
    # THEN the copy has every migration and the settings the migrations gave the
    # template with ALTER DATABASE, which CREATE DATABASE ... TEMPLATE leaves behind
    with psycopg.connect(maintenance) as conn:
        settings = database_settings(conn, template)
        assert database_settings(conn, copy) == settings
    assert {"jit=off", "hnsw.ef_search=200"} <= set(settings)
    with psycopg.connect(url) as conn:
        applied = [r[0] for r in conn.execute(
            "SELECT version FROM schema_migrations ORDER BY version")]
        assert applied == [m.version for m in load_migrations()]
        assert conn.execute("SHOW hnsw.ef_search").fetchone()[0] == "200"
        assert conn.execute("SHOW jit").fetchone()[0] == "off"
    # AND the suite's own database (a copy in a parallel run) has the same settings
    with psycopg.connect(database_url) as conn:
        own = conn.execute("SELECT current_database()").fetchone()[0]
    with psycopg.connect(maintenance) as conn:
        assert database_settings(conn, own) == settings
