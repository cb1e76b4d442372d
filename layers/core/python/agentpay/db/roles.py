"""The application's database role: data access only, provisioned by the migration owner.

Why two roles: the functions that serve shoppers and stores need to read and write rows,
never to change the schema. Connected as the owner, a bug or an injected statement in the
request path could drop a table, alter a column or create a function; connected as this
role it can only do what the data layer does anyway. The owner (RDS's master user, whose
credentials only the migrate function reads) applies the migrations and then calls
:func:`ensure_app_role`, on every deploy, so tables added by a new migration are granted
too.

What the role may do, in the application's database only:
- CONNECT (no TEMPORARY, which PUBLIC loses); USAGE on schema ``public`` (no CREATE);
- SELECT, INSERT, UPDATE, DELETE on every table (no TRUNCATE, REFERENCES or TRIGGER),
  and the same by default on the tables the owner creates later: the per-organization
  partitions made by the SECURITY DEFINER functions of migrations 0006/0011, new tables;
- SELECT only on ``schema_migrations`` (the health check counts it);
- USAGE on the sequences, EXECUTE on the ``agentpay_*`` functions (search text, catalog
  words and terms, the partition makers its organizations trigger calls). The SECURITY
  DEFINER ones are taken away from PUBLIC: only this role and the owner may call them.

The password never appears in a statement: libpq turns it into a SCRAM-SHA-256 verifier
on the client, which is what the server stores (and what a statement log would show).
The role must carry no attribute beyond LOGIN and belong to no other role; one that does
(someone granted it more by hand) is refused rather than silently used.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from agentpay.db.migrate import LOCK_KEY

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
READ_ONLY_TABLES = ("schema_migrations",)
FUNCTION_PREFIX = "agentpay_"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_FORBIDDEN_ATTRIBUTES = ("rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication",
                         "rolbypassrls")


class AppRoleError(RuntimeError):
    pass


def ensure_app_role(conn: psycopg.Connection, username: str, password: str) -> list[str]:
    """Create or update the DML-only login role and (re)grant its privileges.

    Runs as the owner of the schema, after the migrations; idempotent, serialised with
    them. Returns the functions the role may execute.
    """
    if not _ROLE_NAME.fullmatch(username):
        raise AppRoleError(f"application role name {username!r} is not a plain identifier")
    if not password:
        raise AppRoleError("the application role needs a password")
    owner = conn.execute("SELECT current_user AS u").fetchone()
    owner_name = owner["u"] if isinstance(owner, dict) else owner[0]
    if username == owner_name:
        raise AppRoleError("the application role must not be the migration owner")
    role = sql.Identifier(username)
    verifier = sql.Literal(_scram_verifier(conn, username, password))
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                              (username,)).fetchone()
        if exists:
            _refuse_extra_powers(conn, username)
            conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(role, verifier))
        else:
            # Every other attribute keeps its default: NOSUPERUSER NOCREATEDB NOCREATEROLE
            # NOREPLICATION NOBYPASSRLS (naming them would need superuser on RDS).
            conn.execute(sql.SQL("CREATE ROLE {} WITH LOGIN PASSWORD {}").format(role, verifier))
        _refuse_extra_powers(conn, username)
        return _grant(conn, role, owner_name)


def _scram_verifier(conn: psycopg.Connection, username: str, password: str) -> str:
    encrypted = conn.pgconn.encrypt_password(
        password.encode(), username.encode(), b"scram-sha-256")
    return encrypted.decode()


def _refuse_extra_powers(conn: psycopg.Connection, username: str) -> None:
    row = conn.execute(
        sql.SQL("SELECT {} FROM pg_roles WHERE rolname = %s").format(
            sql.SQL(", ").join(map(sql.Identifier, _FORBIDDEN_ATTRIBUTES))),
        (username,)).fetchone()
    values = row.values() if isinstance(row, dict) else row
    extra = [name for name, value in zip(_FORBIDDEN_ATTRIBUTES, values, strict=True) if value]
    groups = [r["name"] if isinstance(r, dict) else r[0] for r in conn.execute(
        """SELECT g.rolname AS name FROM pg_auth_members m
             JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
            WHERE r.rolname = %s ORDER BY 1""", (username,))]
    if extra or groups:
        raise AppRoleError(
            f"role {username} has more than data access ({', '.join(extra + groups)}); "
            "remove that by hand or choose another name")


def _grant(conn: psycopg.Connection, role: sql.Identifier, owner_name: str) -> list[str]:
    owner = sql.Identifier(owner_name)
    database = sql.Identifier(_one(conn, "SELECT current_database()"))
    dml = sql.SQL(", ").join(map(sql.SQL, TABLE_PRIVILEGES))
    for statement in (
        "GRANT CONNECT ON DATABASE {database} TO {role}",
        # Temporary tables are objects the role could create (and would pin an RDS Proxy
        # connection); the database is AgentPay's, so PUBLIC loses TEMPORARY here.
        "REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC",
        "REVOKE TEMPORARY ON DATABASE {database} FROM {role}",
        # PostgreSQL 15+ has no CREATE for PUBLIC on public; older clusters did.
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        "REVOKE CREATE ON SCHEMA public FROM {role}",
        "GRANT USAGE ON SCHEMA public TO {role}",
        "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}",
        "GRANT {dml} ON ALL TABLES IN SCHEMA public TO {role}",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # the owner's later tables: new migrations, per-organization partitions
        ("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
         "GRANT {dml} ON TABLES TO {role}"),
        ("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
         "GRANT USAGE ON SEQUENCES TO {role}"),
    ):
        conn.execute(sql.SQL(statement).format(
            database=database, role=role, owner=owner, dml=dml))
    for table in READ_ONLY_TABLES:
        if _one(conn, "SELECT to_regclass(%s) IS NOT NULL", (f"public.{table}",)):
            conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(table), role))
            conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(table), role))
    granted = []
    for row in conn.execute(
        """SELECT p.oid::regprocedure::text AS signature, p.prosecdef AS definer
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND p.prokind = 'f' AND starts_with(p.proname, %s)
              AND NOT EXISTS (SELECT 1 FROM pg_depend d
                               WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                 AND d.deptype = 'e')
            ORDER BY 1""", (FUNCTION_PREFIX,)).fetchall():
        signature, definer = (row["signature"], row["definer"]) if isinstance(row, dict) \
            else row
        function = sql.SQL(signature)  # regprocedure text: quoted by the server
        if definer:
            conn.execute(sql.SQL("REVOKE EXECUTE ON FUNCTION {} FROM PUBLIC").format(function))
        conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(function, role))
        granted.append(signature)
    return granted


def _one(conn: psycopg.Connection, query: str, params: tuple = ()):
    row = conn.execute(query, params).fetchone()
    return next(iter(row.values())) if isinstance(row, dict) else row[0]
