"""Migrations and connections against the real Postgres."""

from __future__ import annotations

import threading
import uuid

import boto3
import psycopg
import pytest
from moto import mock_aws

from agentpay_dev.db.embedded import drop_database, ensure_database, with_database


@pytest.fixture
def fresh_url(database_url, drop_at_end):
    maintenance = with_database(database_url, "postgres")
    name = f"agentpay_fresh_{uuid.uuid4().hex[:8]}"
    url = ensure_database(maintenance, name)
    drop_at_end(lambda: drop_database(maintenance, name))
    return url


def migrate_before(conn, version: str, directory) -> list[str]:
    """Apply only the migrations older than `version` (copied into `directory`): the
    database as an earlier release left it, for upgrade tests."""
    import shutil

    from agentpay.db.migrate import MIGRATIONS_DIR, migrate

    for path in sorted([*MIGRATIONS_DIR.glob("*.sql"), *MIGRATIONS_DIR.glob("*.py")]):
        if path.name < version:
            shutil.copy(path, directory / path.name)
    return migrate(conn, directory)


def test_migrations_apply_once_and_are_recorded(fresh_url):
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import load_migrations, migrate

    with open_connection(fresh_url) as conn:
        first = migrate(conn)
        second = migrate(conn)
        recorded = [r["version"] for r in conn.execute(
            "SELECT version FROM schema_migrations ORDER BY version")]
        tables = {r["tablename"] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        # each store's partition is made with its own graph (migration 0022)
        maker = conn.execute("SELECT prosrc FROM pg_proc"
                             " WHERE proname = 'agentpay_embedding_partition'").fetchone()
        vector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'"
                              ).fetchone()
    assert first == [m.version for m in load_migrations()] and second == []
    assert recorded == first
    assert {"organizations", "api_keys", "agents", "conversations", "messages", "products",
            "product_embeddings", "embedding_cache", "ws_connections"} <= tables
    assert "USING hnsw" in maker["prosrc"] and "vector_cosine_ops" in maker["prosrc"]
    assert tuple(int(x) for x in vector["extversion"].split(".")[:2]) >= (0, 8)


def test_migrations_set_the_search_defaults_for_new_sessions(fresh_url):
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate

    # GIVEN a migrated database, WHEN a new session starts (as behind RDS Proxy)
    with open_connection(fresh_url) as conn:
        migrate(conn)
    with open_connection(fresh_url) as conn:
        settings = {name: conn.execute(f"SHOW {name}").fetchone()[name] for name in (
            "jit", "hnsw.iterative_scan", "hnsw.ef_search",
            "pg_trgm.word_similarity_threshold")}

    # THEN no JIT (it cost more than the search itself) and the search defaults hold
    assert settings == {"jit": "off", "hnsw.iterative_scan": "relaxed_order",
                        "hnsw.ef_search": "200", "pg_trgm.word_similarity_threshold": "0.5"}


def test_product_names_keep_few_statistics_for_the_trigram_estimate(fresh_url):
    """The planner runs word_similarity against each sampled name to estimate the trigram
    condition, on every search: migration 0008 keeps ten."""
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate

    with open_connection(fresh_url) as conn:
        migrate(conn)
        target = conn.execute(
            "SELECT attstattarget FROM pg_attribute"
            " WHERE attrelid = 'products'::regclass AND attname = 'name'").fetchone()
    assert target == {"attstattarget": 10}


def test_concurrent_migrators_apply_once(fresh_url):
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate

    results, errors = [], []

    def run():
        try:
            with open_connection(fresh_url) as conn:
                results.append(migrate(conn))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert sorted(len(r) for r in results)[:2] == [0, 0]


def test_an_edited_migration_is_refused(fresh_url, tmp_path):
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import MigrationError, migrate

    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id int);")
    with open_connection(fresh_url) as conn:
        assert migrate(conn, tmp_path) == ["0001"]
        (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id bigint);")
        with pytest.raises(MigrationError):
            migrate(conn, tmp_path)


def test_a_failed_migration_leaves_nothing(fresh_url, tmp_path):
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate

    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE ok_table (id int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int); SELECT 1/0;")
    with open_connection(fresh_url) as conn:
        with pytest.raises(psycopg.errors.DivisionByZero):
            migrate(conn, tmp_path)
        assert conn.execute("SELECT to_regclass('half') AS t").fetchone()["t"] is None
        assert conn.execute("SELECT to_regclass('schema_migrations') AS t").fetchone()["t"] \
            is None or conn.execute("SELECT count(*) AS n FROM schema_migrations"
                                    ).fetchone()["n"] == 0


def test_single_connection_reopens_after_the_server_drops_it(database_url):
    from agentpay.db import Database

    db = Database(database_url, single=True, ping_after=0)
    with db.connection() as conn:
        pid = conn.info.backend_pid
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with db.connection() as conn:
        assert conn.execute("SELECT 1 AS one").fetchone()["one"] == 1
        assert conn.info.backend_pid != pid
        # no server-side prepared statements (RDS Proxy multiplexing)
        assert conn.prepare_threshold is None
    db.close()


def test_lambda_builds_the_proxy_url_from_secrets_manager():
    from agentpay.config import Settings
    from agentpay.db.url import resolve_database_url

    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name="db", SecretString='{"username": "agentpay",'
                                   ' "password": "p@ss/word"}')["ARN"]
        settings = Settings(DB_HOST="proxy.example.internal", DB_SECRET_ARN=arn,
                            DATABASE_URL=None)
        url = resolve_database_url(settings)
    assert url.startswith("postgresql://agentpay:p%40ss%2Fword@proxy.example.internal:5432/"
                          "agentpay?sslmode=verify-full&sslrootcert=")


def _lambda_conninfo(**env) -> dict:
    from psycopg.conninfo import conninfo_to_dict

    from agentpay.config import Settings
    from agentpay.db.url import resolve_database_url

    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name="db-app", SecretString='{"username": "agentpay_app",'
                                   ' "password": "pw"}')["ARN"]
        settings = Settings(DB_HOST="p.proxy-abc.us-east-1.rds.amazonaws.com",
                            DB_SECRET_ARN=arn, DATABASE_URL=None, **env)
        return conninfo_to_dict(resolve_database_url(settings))


def test_lambda_connections_verify_the_proxy_against_the_shipped_ca_bundle():
    """In Lambda (DB_HOST + secret) the connection asks libpq for verify-full, with the
    CA bundle that ships in the core layer, by default."""
    import ssl
    import time
    from pathlib import Path

    import agentpay
    from agentpay.db.url import RDS_CA_BUNDLE

    params = _lambda_conninfo()
    assert params["sslmode"] == "verify-full"
    assert params["host"] == "p.proxy-abc.us-east-1.rds.amazonaws.com"
    bundle = Path(params["sslrootcert"])
    assert bundle == RDS_CA_BUNDLE and bundle.is_file()
    # the bundle is inside the package, so the core layer (cp -R python/.) ships it at
    # /opt/python/agentpay/db/certs/
    package = Path(agentpay.__file__).parent
    assert bundle.relative_to(package).as_posix() == "db/certs/rds-ca-bundle.pem"

    # Every entry is a CA that OpenSSL loads: the Amazon Trust Services roots that RDS
    # Proxy's ACM certificates chain to, and the RDS root CAs for a direct connection.
    context = ssl.create_default_context(cafile=str(bundle))
    cas = context.get_ca_certs()
    assert len(cas) == bundle.read_text().count("-----BEGIN CERTIFICATE-----")
    names = {dict(field[0] for field in ca["subject"])["commonName"] for ca in cas}
    assert {"Amazon Root CA 1", "Amazon Root CA 2", "Amazon Root CA 3",
            "Amazon Root CA 4"} <= names
    for region in ("us-east-1", "eu-west-1", "ap-southeast-2"):
        assert {f"Amazon RDS {region} Root CA RSA2048 G1",
                f"Amazon RDS {region} Root CA RSA4096 G1",
                f"Amazon RDS {region} Root CA ECC384 G1"} <= names, region
    # none expired (libpq would skip it, and a stale bundle should be refreshed)
    a_year = 365 * 24 * 3600
    assert min(ssl.cert_time_to_seconds(ca["notAfter"]) for ca in cas) > time.time() + a_year


def test_lambda_tls_settings_can_be_overridden():
    params = _lambda_conninfo(DB_SSLROOTCERT="/opt/certs/mine.pem")
    assert (params["sslmode"], params["sslrootcert"]) == ("verify-full", "/opt/certs/mine.pem")
    params = _lambda_conninfo(DB_SSLMODE="require")
    assert params["sslmode"] == "require" and "sslrootcert" not in params


def test_database_url_wins(monkeypatch):
    from agentpay.config import Settings
    from agentpay.db.url import resolve_database_url

    settings = Settings(DATABASE_URL="postgresql://u@h/db", DB_HOST="x", DB_SECRET_ARN="y")
    assert resolve_database_url(settings) == "postgresql://u@h/db"


def test_a_connection_dropped_within_a_burst_fails_once_then_reopens(database_url):
    """Within `ping_after` there is no ping: the first statement on a dead connection
    fails cleanly (psycopg marks it broken) and the next use opens a new one."""
    from agentpay.db import Database

    db = Database(database_url, single=True, ping_after=3600)
    with db.connection() as conn:
        pid = conn.info.backend_pid
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(psycopg.OperationalError), db.connection() as conn:
        conn.execute("SELECT 1")
    with db.connection() as conn:
        assert conn.execute("SELECT 1 AS one").fetchone()["one"] == 1
        assert conn.info.backend_pid != pid
    db.close()


def test_the_lambda_connection_asked_for_again_on_its_own_thread_fails_fast(database_url):
    """The Lambda wrapper's lock is not re-entrant: a nested use on the holding thread
    (a callback inside a turn's transaction) is refused at once, not a wait until the
    function's timeout; another thread still just waits its turn."""
    from agentpay.db import Database
    from agentpay.db.connection import ConnectionInUse

    db = Database(database_url, single=True)
    waited: list[int] = []

    def other_thread():
        with db.connection() as conn:
            waited.append(conn.execute("SELECT 1 AS one").fetchone()["one"])

    with db.transaction():
        done = threading.Event()
        worker = threading.Thread(target=lambda: (other_thread(), done.set()), daemon=True)
        worker.start()
        with pytest.raises(ConnectionInUse), db.connection():
            pass
        assert not done.wait(0.2)  # the other thread waits for the transaction
    worker.join(10)
    assert waited == [1]
    with db.connection() as conn:  # and the wrapper is usable afterwards
        assert conn.execute("SELECT 1 AS one").fetchone()["one"] == 1
    db.close()


# --------------------------------------------------------------------------------------
# The application's DML-only role (agentpay.db.roles), on a database made as RDS makes it
# --------------------------------------------------------------------------------------


@pytest.fixture
def rds_like(database_url, drop_at_end):
    """A database owned by a login role that is no superuser (RDS's master user: CREATEROLE,
    CREATEDB), migrated by that owner. The extensions are made first by the superuser, as
    rds_superuser would (this server's pgvector is not a trusted extension)."""
    from types import SimpleNamespace

    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    from agentpay.db.migrate import migrate

    maintenance = with_database(database_url, "postgres")
    suffix = uuid.uuid4().hex[:8]
    owner, app, name = f"ap_owner_{suffix}", f"ap_app_{suffix}", f"agentpay_roles_{suffix}"

    def drop_roles():  # after the database they own or are granted on
        with psycopg.connect(maintenance, autocommit=True) as admin:
            for role in (app, owner):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    drop_at_end(drop_roles)
    drop_at_end(lambda: drop_database(maintenance, name))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE CREATEDB").format(
            sql.Identifier(owner)))
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(name), sql.Identifier(owner)))
    superuser_url = with_database(maintenance, name)
    with psycopg.connect(superuser_url, autocommit=True) as su:
        su.execute("CREATE EXTENSION vector")
        su.execute("CREATE EXTENSION pg_trgm")
    owner_url = make_conninfo(superuser_url, user=owner)
    with psycopg.connect(owner_url, autocommit=True) as conn:
        migrate(conn)
    return SimpleNamespace(owner=owner, owner_url=owner_url, app=app,
                           app_url=make_conninfo(superuser_url, user=app),
                           superuser_url=superuser_url)


def _provision(rds_like, password: str = "app-Passw0rd!") -> list[str]:
    from psycopg.rows import dict_row

    from agentpay.db.roles import ensure_app_role

    with psycopg.connect(rds_like.owner_url, autocommit=True, row_factory=dict_row) as conn:
        return ensure_app_role(conn, rds_like.app, password)


def _scram_matches(verifier: str, password: str) -> bool:
    """Whether a stored SCRAM-SHA-256 verifier was made from this password (RFC 5802)."""
    import base64
    import hashlib
    import hmac

    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt),
                                 int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return method == "SCRAM-SHA-256" and (
        base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key)


def test_the_app_role_is_a_plain_login_with_a_scram_password(rds_like):
    # WHEN the owner (no superuser) provisions the role, and later again with a new password
    _provision(rds_like, "first-Passw0rd")
    with psycopg.connect(rds_like.superuser_url) as su:
        first = su.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s",
                           (rds_like.app,)).fetchone()[0]
    _provision(rds_like, "second-Passw0rd")
    with psycopg.connect(rds_like.superuser_url) as su:
        role = su.execute(
            "SELECT rolpassword, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb,"
            " rolreplication, rolbypassrls FROM pg_authid WHERE rolname = %s",
            (rds_like.app,)).fetchone()
        groups = su.execute(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member"
            " WHERE r.rolname = %s", (rds_like.app,)).fetchone()[0]
    # THEN the server holds a SCRAM verifier of the current password (never the password)
    assert _scram_matches(first, "first-Passw0rd")
    assert _scram_matches(role[0], "second-Passw0rd") and not _scram_matches(role[0], "x")
    # AND the role can log in and nothing more, and belongs to no other role
    assert role[1:] == (True, False, False, False, False, False)
    assert groups == 0


def test_the_app_role_refuses_names_and_roles_it_cannot_trust(rds_like):
    from psycopg import sql

    from agentpay.db.roles import AppRoleError, ensure_app_role

    with psycopg.connect(rds_like.owner_url, autocommit=True) as conn:
        for bad in ("App", "x; DROP TABLE products", rds_like.owner):
            with pytest.raises(AppRoleError):
                ensure_app_role(conn, bad, "pw")
    # a role that was given more than data access by hand is refused, not used
    with psycopg.connect(rds_like.superuser_url, autocommit=True) as su:
        su.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(rds_like.app)))
    with pytest.raises(AppRoleError, match="rolcreatedb"):
        _provision(rds_like)


def test_the_app_role_reads_and_writes_rows_but_cannot_change_the_schema(rds_like):
    from psycopg import errors, sql

    from agentpay.db.connection import open_connection
    from agentpay.organizations.service import create_organization

    granted = _provision(rds_like)
    names = {signature.split("(")[0] for signature in granted}
    assert {"agentpay_catalog_words", "agentpay_catalog_terms", "agentpay_search_text",
            "agentpay_embedding_partition", "agentpay_word_partition"} <= names

    with open_connection(rds_like.app_url) as conn:
        assert conn.execute("SELECT current_user AS u").fetchone()["u"] == rds_like.app
        # rows: a new organization (its trigger makes the store's partitions through the
        # SECURITY DEFINER functions), read, changed and deleted
        with conn.transaction():
            org, _key = create_organization(conn, "Least Privilege Store")
        with conn.transaction():
            conn.execute("UPDATE organizations SET name = 'Renamed' WHERE id = %s", (org["id"],))
        assert conn.execute("SELECT name FROM organizations WHERE id = %s",
                            (org["id"],)).fetchone()["name"] == "Renamed"
        # the health check reads the migrations table, which the role cannot write
        assert conn.execute("SELECT count(*) AS n FROM schema_migrations").fetchone()["n"] > 0
        refused = [
            "INSERT INTO schema_migrations (version, name, checksum) VALUES ('9999','x','x')",
            "DELETE FROM schema_migrations",
            "CREATE TABLE stolen (id int)",
            "CREATE TEMP TABLE t AS SELECT 1",
            "DROP TABLE products",
            "ALTER TABLE products ADD COLUMN x int",
            "TRUNCATE conversations",
            "CREATE INDEX ON products (name)",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "CREATE ROLE intruder",
            f"ALTER DATABASE {conn.info.dbname} SET jit = on",
            "DROP TABLE product_embeddings_" + str(org["id"]).replace("-", ""),
        ]
        for statement in refused:
            with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)
                pytest.fail(f"the app role could run {statement!r}")
        with conn.transaction():
            conn.execute("DELETE FROM organizations WHERE id = %s", (org["id"],))

    with open_connection(rds_like.superuser_url) as su:
        def can(table: str, privilege: str) -> bool:
            return su.execute("SELECT has_table_privilege(%s, %s, %s) AS ok",
                              (rds_like.app, table, privilege)).fetchone()["ok"]

        # tables the owner makes later (a new migration) are granted by default
        with psycopg.connect(rds_like.owner_url, autocommit=True) as owner:
            owner.execute("CREATE TABLE later_feature (id bigserial PRIMARY KEY)")
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            assert can("later_feature", privilege) and can("products", privilege), privilege
        for privilege in ("TRUNCATE", "REFERENCES", "TRIGGER"):
            assert not can("products", privilege), privilege
        assert su.execute("SELECT has_sequence_privilege(%s, 'later_feature_id_seq', 'USAGE')"
                          " AS ok", (rds_like.app,)).fetchone()["ok"]
        # SECURITY DEFINER functions run with the owner's rights: not for PUBLIC
        public_definers = su.execute(
            """SELECT p.proname FROM pg_proc p, aclexplode(coalesce(p.proacl,
                      acldefault('f', p.proowner))) a
                WHERE p.prosecdef AND starts_with(p.proname, 'agentpay_') AND a.grantee = 0
                  AND a.privilege_type = 'EXECUTE'""").fetchall()
        assert public_definers == []
        assert not su.execute(sql.SQL("SELECT has_schema_privilege(%s, 'public', 'CREATE') AS ok"),
                              (rds_like.app,)).fetchone()["ok"]


def test_the_api_works_as_the_app_role(rds_like, client, monkeypatch):
    """The request path needs nothing beyond the role's grants: the README's flow (agent,
    products indexed inline, search, a conversation to a checkout link) as the role."""
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue
    from agentpay.db import Database, connection
    from agentpay.organizations.service import create_organization

    _provision(rds_like)
    database = Database(rds_like.app_url, max_size=2)
    monkeypatch.setattr(connection, "_database", database)
    set_index_queue(InlineIndexQueue())
    try:
        with database.transaction() as conn:
            _org, key = create_organization(conn, "Role Store")
        auth = {"Authorization": f"Bearer {key.secret}"}
        assert client.get("/healthz").json()["status"] == "ok"
        agent = client.post("/v1/agent/agents", headers=auth,
                            json={"name": "Ava", "personality": {"tone": "friendly"}})
        assert agent.status_code == 201, agent.text
        products = client.put("/v1/agent/products", headers=auth, json={"products": [
            {"external_id": "shoe-1", "name": "Trail Running Shoe", "price": 12900,
             "currency": "USD", "attributes": {"colors": ["blue"]},
             "variants": [{"sku": "shoe-1-9", "size": "9", "stock": 4}]}]})
        assert products.status_code in (200, 202), products.text
        found = client.post("/v1/agent/products/search", headers=auth,
                            json={"query": "running shoes", "k": 3})
        assert [p["external_id"] for p in found.json()["data"]] == ["shoe-1"], found.text
        created = client.post("/v1/agent/conversations", json={"session_id": "v-1"},
                              headers={"Authorization":
                                       f"Bearer {agent.json()['publishable_key']}"})
        assert created.status_code == 201, created.text
        token = {"Authorization": f"Bearer {created.json()['token']}"}
        url = f"/v1/agent/conversations/{created.json()['conversation']['id']}/messages"
        for text in ("hi, I need running shoes under $150",
                     "add the trail running shoe in size 9", "great, checkout please"):
            reply = client.post(url, headers=token, json={"content": text})
            assert reply.status_code in (200, 201), reply.text
        assert "/checkout/" in reply.json()["reply"]["content"]
    finally:
        set_index_queue(None)
        database.close()


def test_production_has_no_embedded_fallback():
    # GIVEN neither DATABASE_URL nor the RDS Proxy (DB_HOST + secret) configured
    from agentpay.config import Settings
    from agentpay.db.url import DatabaseNotConfigured, resolve_database_url

    settings = Settings(DATABASE_URL=None, DB_HOST=None, DB_SECRET_ARN=None)
    # THEN the production package refuses, naming what to set, and starts no server
    with pytest.raises(DatabaseNotConfigured, match="DATABASE_URL"):
        resolve_database_url(settings)


def test_the_dev_tools_leave_a_configured_database_alone(monkeypatch):
    from agentpay.config import reset_settings
    from agentpay_dev.db.embedded import use_local_database

    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    reset_settings()
    try:
        assert use_local_database() == "postgresql://u@h/db"
    finally:
        monkeypatch.undo()
        reset_settings()


def test_the_dev_tools_start_the_embedded_database_when_none_is_configured(
        database_url, monkeypatch):
    """`agentpay` and the local stack use the embedded server's `agentpay` database, and
    say so in DATABASE_URL for the production code and the processes they start."""
    import os

    from psycopg.conninfo import conninfo_to_dict

    from agentpay.config import get_settings, reset_settings
    from agentpay_dev.db import embedded

    if embedded._server is None:
        pytest.skip("the suite runs on a configured server, not the embedded one")
    # GIVEN no database configured
    for name in ("DATABASE_URL", "AGENTPAY_DATABASE_URL", "DB_HOST"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    try:
        # WHEN the dev tools ask for theirs
        url = embedded.use_local_database()
        # THEN it is the embedded server's `agentpay` database, in the environment too
        assert os.environ["DATABASE_URL"] == url == get_settings().database_url
        assert conninfo_to_dict(url)["dbname"] == "agentpay"
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone()[0] == 1
    finally:
        monkeypatch.undo()
        reset_settings()
