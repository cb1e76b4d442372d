"""`agentpay bench message`: server time and database round trips per shopper message.

A scripted conversation goes through the real `http_api` Lambda handler (API Gateway v2
events, Mangum, FastAPI, the engine) against the configured database, with a catalog of
generated products and the offline responder. Round trips are counted exactly from
libpq's protocol trace of the handler's one connection: each run of messages the client
sends before it reads the server's answer is one (a simple Query; an extended query's
Sync; inside a pipeline, also the Flush that asks for a result before the Sync, as the
turn's claim does to keep its lock until its write commits).
"""

from __future__ import annotations

import copy
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPT = (
    "hi",
    "I'm looking for running shoes under $150",
    "tell me more about the second one",
    "do you have it in size 9?",
    "add it in size 9",
    "hmm, that's a bit expensive",
    "what's in my cart?",
    "how long does shipping take?",
    "ok, checkout please",
    "thanks!",
)

_EVENT = Path(__file__).resolve().parents[3] / "events" / "http_api_create_agent.json"
_DIRECTION = re.compile(r"^([FB])\t", re.MULTILINE)  # F: client to server; B: back


class RoundTrips:
    """Counts client→server round trips on one psycopg connection via libpq's trace."""

    def __init__(self) -> None:
        self._file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the counter
            "w+", suffix=".trace", delete=False)
        self._conn = None
        self._seen = 0

    def attach(self, conn) -> None:
        from psycopg import pq

        if conn is self._conn:
            return
        self._conn = conn
        conn.pgconn.trace(self._file.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def take(self) -> int:
        """Round trips since the last call: the client's runs of messages, each ended by
        reading the server's answer."""
        self._file.flush()
        text = Path(self._file.name).read_text(errors="replace")
        directions = _DIRECTION.findall(text)
        total = sum(1 for i, d in enumerate(directions)
                    if d == "F" and (i == 0 or directions[i - 1] == "B"))
        new, self._seen = total - self._seen, total
        return new

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.pgconn.untrace()
        self._file.close()
        os.unlink(self._file.name)


def _event(base_path: str, method: str, path: str, token: str, body: Any) -> dict:
    event = copy.deepcopy(json.loads(_EVENT.read_text()))
    raw = f"{base_path.rstrip('/')}{path}"
    payload = json.dumps(body)
    event["rawPath"] = raw
    event["requestContext"]["http"].update(method=method, path=raw)
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["headers"].update({"authorization": f"Bearer {token}",
                             "content-length": str(len(payload))})
    event["body"] = payload
    return event


def bench_message(database_url: str, products: int = 10_000, conversations: int = 5,
                  seed: int = 7) -> dict[str, Any]:
    from agentpay.config import get_settings
    from agentpay.db import Database, set_database
    from agentpay.embeddings import get_embedder
    from agentpay.understanding.classifier import get_classifier
    from agentpay_dev.catalog.bench import bench_org, load_inline
    from agentpay_dev.catalog.demo import generate_catalog
    from agentpay_dev.localstack.functions import LocalContext, load_function

    settings = get_settings()
    loader = Database(database_url, max_size=2)  # the bench's own; the handler gets another
    embedder = get_embedder()
    catalog = generate_catalog(products, seed=seed)
    server_ms: list[float] = []
    round_trips: list[int] = []
    per_step: dict[str, list[float]] = {}
    trips_by_step: dict[str, list[int]] = {}
    statuses: dict[int, int] = {}
    with bench_org(loader, "bench-message") as org:
        load = load_inline(loader, org, catalog, embedder)
        from agentpay.agents.schemas import AgentCreate
        from agentpay.agents.service import create_agent
        from agentpay.conversations.schemas import ConversationCreate
        from agentpay.conversations.service import create_conversation

        with loader.transaction() as conn:
            agent = create_agent(conn, org, AgentCreate(
                name="Bench assistant",
                rules={"max_discount_percent": 10,
                       "policies": {"shipping": "Standard shipping takes 3-5 business days."}}))
        # The handler's own database: one connection, as in Lambda, traced.
        single = Database(database_url, single=True)
        set_database(single)
        counter = RoundTrips()
        handler = load_function("http_api").handler
        context = LocalContext("http_api")
        get_classifier()
        embedder.embed(["warm up"])
        try:
            for n in range(conversations + 1):  # the first conversation warms caches
                with loader.transaction() as conn:
                    conversation, token, _, _ = create_conversation(
                        conn, org, agent["id"], ConversationCreate(session_id=f"bench-{n}"),
                        settings, may_resume=True)
                path = f"/v1/agent/conversations/{conversation['id']}/messages"
                for text in SCRIPT:
                    event = _event(settings.api_base_path, "POST", path, token,
                                   {"content": text})
                    with single.connection() as conn:
                        counter.attach(conn)
                    counter.take()
                    t0 = time.perf_counter()
                    response = handler(event, context)
                    elapsed = (time.perf_counter() - t0) * 1000
                    trips = counter.take()
                    status = int(response["statusCode"])
                    statuses[status] = statuses.get(status, 0) + 1
                    if n == 0:
                        continue
                    server_ms.append(elapsed)
                    round_trips.append(trips)
                    per_step.setdefault(text, []).append(elapsed)
                    trips_by_step.setdefault(text, []).append(trips)
        finally:
            counter.close()
            set_database(None)  # closes the handler's connection
    loader.close()
    ordered = sorted(server_ms)
    return {
        "products": products, "embedder": embedder.name, "responder": "offline",
        "conversations": conversations, "messages": len(server_ms),
        "catalog_load_s": round(load.get("upsert_s", 0) + load.get("index_s", 0), 1),
        "server_ms_p50": round(statistics.median(ordered), 2),
        "server_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "db_round_trips_per_message_p50": statistics.median(round_trips),
        "db_round_trips_per_message_max": max(round_trips),
        "http_statuses": statuses,
        "p50_ms_by_message": {k: round(statistics.median(v), 2) for k, v in per_step.items()},
        "round_trips_by_message": {k: max(v) for k, v in trips_by_step.items()},
    }
