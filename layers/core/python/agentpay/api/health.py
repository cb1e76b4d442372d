"""Liveness with a real database round trip."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from agentpay import __version__
from agentpay.api.deps import ConnDep

router = APIRouter(tags=["health"], responses={
    503: {"description": "The database is unmigrated or briefly unavailable"}})


@router.get("/healthz")
def healthz(conn: ConnDep):
    table = conn.execute("SELECT to_regclass('schema_migrations') AS t").fetchone()["t"]
    if table is None:
        return JSONResponse({"status": "unmigrated", "version": __version__}, status_code=503)
    count = conn.execute("SELECT count(*) AS n FROM schema_migrations").fetchone()["n"]
    return {"status": "ok", "version": __version__, "migrations": count}
