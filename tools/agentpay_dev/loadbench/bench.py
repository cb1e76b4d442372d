"""`agentpay bench load`: throughput and latency of the local stack under concurrent
shoppers, against a bare FastAPI app on the same machine in the same run.

1. A throwaway organization gets a generated catalog (indexed before the clock starts)
   and an agent; its publishable key is what the shoppers hold.
2. `agentpay dev --no-demo` starts with the rate limits raised (the defaults would turn
   most of the load into 429s); half the shoppers use HTTP, half WebSocket, for the
   duration, after a short untimed warm-up.
3. The dev stack stops, and the bare app (same uvicorn settings) takes the same number of
   concurrent HTTP shoppers for the same duration.

The figure to watch is `agentpay_http_p50_over_bare_p50`: what AgentPay's own work
(auth, the engine, the database) costs over the framework and the server on this machine,
under the same client load.
"""

from __future__ import annotations

import asyncio
import math
import os
from functools import partial
from typing import Any

from agentpay.db import Database
from agentpay_dev.loadbench import servers
from agentpay_dev.loadbench.shoppers import (
    SCRIPT,
    WARM_UP_S,
    Shopper,
    Tally,
    bare_shopper,
    http_shopper,
    run_shoppers,
    ws_shopper,
)

CHANNELS = {"http": ("http_create_conversation", "http_message"),
            "websocket": ("websocket_message",)}


def bench_load(db: Database, shoppers: int = 20, duration_s: float = 30.0,
               products: int = 1000) -> dict[str, Any]:
    from agentpay.embeddings import get_embedder
    from agentpay_dev.catalog.bench import bench_org, load_inline
    from agentpay_dev.catalog.demo import generate_catalog

    if shoppers < 1 or duration_s <= 0:
        raise ValueError("the bench needs at least one shopper and a positive duration")
    load_before = os.getloadavg()[0]
    http_n, ws_n = shoppers - shoppers // 2, shoppers // 2
    with bench_org(db, "bench-load") as org_id:
        catalog = load_inline(db, org_id, generate_catalog(products, seed=7), get_embedder())
        key = _publishable_key(db, org_id)
        with servers.dev_stack(db.url) as stack:
            mix: list[Shopper] = ([partial(http_shopper, stack.base, key)] * http_n
                                  + [partial(ws_shopper, stack.base, key)] * ws_n)
            tally, elapsed = asyncio.run(run_shoppers(mix, duration_s))
            stack_startup_s = stack.startup_s
    with servers.bare_app() as bare:
        from agentpay_dev.loadbench.bare_app import ECHO_PATH

        baseline, bare_elapsed = asyncio.run(
            run_shoppers([partial(bare_shopper, bare.base + ECHO_PATH)] * shoppers,
                         duration_s))

    http_p50 = _stats(_channel(tally, "http"))["p50"]
    bare_p50 = _stats(baseline.latencies_ms["bare_http"])["p50"]
    requests = sum(len(v) for v in tally.latencies_ms.values())
    return {
        "stack": "agentpay dev --no-demo subprocess: uvicorn serving the HTTP API and /ws "
                 "on one port, ws handlers on worker threads, offline responder",
        "rate_limits": f"raised for the bench: {servers.RAISED_RATE_LIMIT}/min per key, "
                       "per conversation, per new conversation (store and address) and "
                       "per socket (defaults 600, 30, 120, 20, 60); 429s counted apart",
        "catalog_products": products,
        "catalog_load_s": round(catalog["upsert_s"] + catalog["index_s"], 1),
        "stack_startup_s": round(stack_startup_s, 1),
        "shoppers": {"http": http_n, "websocket": ws_n},
        "script": list(SCRIPT),
        "warm_up_s": WARM_UP_S,
        "duration_s": duration_s,
        "elapsed_s": round(elapsed, 2),
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1),
        "latency_ms": {"overall": _stats([ms for v in tally.latencies_ms.values() for ms in v]),
                       "http": _stats(_channel(tally, "http")),
                       "websocket": _stats(_channel(tally, "websocket"))},
        "latency_ms_by_request": {kind: _stats(v) for kind, v in
                                  sorted(tally.latencies_ms.items())},
        "conversations": tally.conversations,
        "websocket_connect_ms": _stats(tally.ws_connect_ms),
        "errors": sum(tally.errors.values()),
        "errors_by_kind": dict(tally.errors),
        "rate_limited_429": tally.rate_limited,
        "messages_lost": sum(tally.lost.values()),
        "messages_lost_by_kind": dict(tally.lost),
        "bare_fastapi": _baseline(baseline, bare_elapsed, shoppers),
        "agentpay_http_p50_over_bare_p50": (round(http_p50 / bare_p50, 2)
                                            if http_p50 and bare_p50 else None),
        # the machine is shared (and runs the client too): quote these figures with the
        # load they were taken under
        "cpus": os.cpu_count(),
        "load_average_1m": {"before": round(load_before, 2),
                            "after": round(os.getloadavg()[0], 2)},
    }


def _publishable_key(db: Database, org_id) -> str:
    from agentpay.agents.schemas import AgentCreate
    from agentpay.agents.service import create_agent

    with db.transaction() as conn:
        agent = create_agent(conn, org_id, AgentCreate(
            name="Load bench assistant", rules={"max_discount_percent": 10}))
    return agent["publishable_key"]


def _baseline(tally: Tally, elapsed: float, shoppers: int) -> dict[str, Any]:
    latencies = tally.latencies_ms["bare_http"]
    return {
        "app": "FastAPI, one sync POST endpoint (validated JSON body in, JSON out), in its "
               "own process under the dev stack's uvicorn settings",
        "concurrency": shoppers,
        "elapsed_s": round(elapsed, 2),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": _stats(latencies),
        "errors": sum(tally.errors.values()) + tally.rate_limited,
        "messages_lost": sum(tally.lost.values()),
    }


def _channel(tally: Tally, channel: str) -> list[float]:
    return [ms for kind in CHANNELS[channel] for ms in tally.latencies_ms.get(kind, [])]


def _stats(values_ms: list[float]) -> dict[str, Any]:
    if not values_ms:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values_ms)

    def rank(q: float) -> float:  # nearest rank
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 2)

    return {"n": len(ordered), "p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99),
            "max": round(ordered[-1], 2)}
