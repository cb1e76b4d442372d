"""`agentpay bench realtime`: what a shopper's browser waits for over the WebSocket.

The bench starts its own `agentpay dev --no-demo` (a subprocess on a free port, against
the configured database, with no model keys so the offline responder answers) and talks
to it as browsers do. Every frame takes the production path: the real ws handlers on a
worker thread, boto3 `post_to_connection`, the local `@connections` API, the socket. It
reports:

- the round trip of an application ping (`{"action":"ping"}` → `pong`);
- per shopper message, the time to the first `agent_message_delta` and to the final
  `agent_message` (a scripted conversation over a small generated catalog);
- the time for one message to reach 100 tabs of one conversation (`agent_message` on all).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from agentpay.db import Database

STARTUP_TIMEOUT_S = 180
FRAME_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stats(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 2),
            "p95": round(ordered[round(0.95 * (len(ordered) - 1))], 2),
            "max": round(ordered[-1], 2)}


class DevServer:
    """`agentpay dev --no-demo` in a subprocess: the stack exactly as a developer runs it."""

    def __init__(self, database_url: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/ws"
        self._dir = tempfile.TemporaryDirectory(prefix="agentpay-bench-realtime-")
        self._log = Path(self._dir.name) / "dev.log"
        env = {**os.environ, "DATABASE_URL": database_url, "AGENTPAY_DATA_DIR": self._dir.name}
        for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "AGENTPAY_LLM_SECRET_ARN",
                     "AGENTPAY_WS_ENDPOINT"):
            env.pop(name, None)  # the offline responder, and @connections on this server
        command = [sys.executable, "-m", "agentpay.cli", "dev", "--no-demo",
                   "--port", str(self.port)]
        with self._log.open("w") as log:
            self._proc = subprocess.Popen(command, env=env, stdout=log,
                                          stderr=subprocess.STDOUT)

    def wait_ready(self) -> float:
        t0 = time.perf_counter()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                pass
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the dev stack did not start:\n"
                                   + self._log.read_text()[-4000:])
            time.sleep(0.2)

    def stop(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._dir.cleanup()


async def _next(ws, kind: str) -> dict:
    """Frames until one of `kind` (the others are counted by the callers that need them)."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT_S))
        if frame.get("type") == kind:
            return frame
        if frame.get("type") == "error":
            raise RuntimeError(f"error frame: {frame}")


async def _pings(url: str, count: int) -> list[float]:
    from websockets.asyncio.client import connect

    out = []
    async with connect(url, open_timeout=60) as ws:
        for i in range(count + 10):  # ten to warm the path up
            t0 = time.perf_counter()
            await ws.send('{"action":"ping"}')
            await _next(ws, "pong")
            if i >= 10:
                out.append((time.perf_counter() - t0) * 1000)
    return out


async def _messages(urls: list[str], script: tuple[str, ...]) -> dict[str, list[float]]:
    """Each conversation plays the script; the first one only warms up."""
    from websockets.asyncio.client import connect

    first_delta, final, deltas = [], [], []
    for n, url in enumerate(urls):
        async with connect(url, open_timeout=60) as ws:
            for text in script:
                t0 = time.perf_counter()
                await ws.send(json.dumps({"action": "message", "content": text}))
                got_delta, count = None, 0
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT_S))
                    kind = frame.get("type")
                    if kind == "agent_message_delta":
                        count += 1
                        got_delta = got_delta or time.perf_counter()
                    elif kind == "agent_message":
                        break
                    elif kind == "error":
                        raise RuntimeError(f"error frame: {frame}")
                if n == 0:
                    continue
                done = time.perf_counter()
                first_delta.append(((got_delta or done) - t0) * 1000)
                final.append((done - t0) * 1000)
                deltas.append(count)
    return {"first_delta": first_delta, "final": final, "deltas": deltas}


async def _broadcast(url: str, tabs: int) -> dict[str, Any]:
    """Open `tabs` sockets of one conversation; one sends; time until every tab has it."""
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(20)

    async def open_one():
        async with gate:
            return await connect(url, open_timeout=120, max_queue=None)

    t0 = time.perf_counter()
    sockets = await asyncio.gather(*(open_one() for _ in range(tabs)))
    connect_s = time.perf_counter() - t0
    try:
        for ws in sockets:  # every tab is registered: each answers a ping
            await ws.send('{"action":"ping"}')
        await asyncio.gather(*(_next(ws, "pong") for ws in sockets))

        async def arrival(ws) -> float:
            await _next(ws, "agent_message")
            return time.perf_counter()

        waiting = [asyncio.create_task(arrival(ws)) for ws in sockets]
        t0 = time.perf_counter()
        await sockets[0].send(json.dumps({"action": "message",
                                          "content": "I'm looking for a coffee mug"}))
        arrivals = sorted((t - t0) * 1000 for t in await asyncio.gather(*waiting))
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {"connections": tabs, "open_all_s": round(connect_s, 2),
            "first_tab_ms": round(arrivals[0], 1),
            "median_tab_ms": round(statistics.median(arrivals), 1),
            "all_tabs_ms": round(arrivals[-1], 1)}


def _conversations(db: Database, org_id, count: int) -> list[str]:
    """An agent and `count` conversations; their tokens."""
    from agentpay.agents.schemas import AgentCreate
    from agentpay.agents.service import create_agent
    from agentpay.config import get_settings
    from agentpay.conversations.schemas import ConversationCreate
    from agentpay.conversations.service import create_conversation

    settings = get_settings()
    with db.transaction() as conn:
        agent = create_agent(conn, org_id, AgentCreate(
            name="Realtime bench assistant", rules={"max_discount_percent": 10}))
        tokens = []
        for n in range(count):
            _, token, _, _ = create_conversation(
                conn, org_id, agent["id"], ConversationCreate(session_id=f"rt-bench-{n}"),
                settings, may_resume=True)
            tokens.append(token)
    return tokens


def bench_realtime(db: Database, pings: int = 200, messages: int = 20, tabs: int = 100,
                   products: int = 300) -> dict[str, Any]:
    from agentpay.catalog.bench import bench_org, load_inline
    from agentpay.catalog.demo import generate_catalog
    from agentpay.embeddings import get_embedder
    from agentpay.orchestrator.bench import SCRIPT

    load_before = os.getloadavg()[0]
    script_runs = -(-messages // len(SCRIPT))  # conversations needed for `messages`
    with bench_org(db, "bench-realtime") as org_id:
        load = load_inline(db, org_id, generate_catalog(products, seed=7), get_embedder())
        # conversation 0: pings; 1: warm-up; 2..: the script; last: the 100 tabs
        tokens = _conversations(db, org_id, script_runs + 3)
        server = DevServer(db.url)
        try:
            startup_s = server.wait_ready()
            urls = [f"{server.ws}?token={token}" for token in tokens]
            ping_ms = asyncio.run(_pings(urls[0], pings))
            timed = asyncio.run(_messages(urls[1:-1], SCRIPT))
            fanout = asyncio.run(_broadcast(urls[-1], tabs))
        finally:
            server.stop()
    return {
        "stack": "agentpay dev subprocess: uvicorn /ws → ws handlers on worker threads → "
                 "boto3 post_to_connection → local @connections → socket",
        "responder": "offline", "catalog_products": products,
        # the machine is shared: quote these figures with the load they were taken under
        "load_average_1m": {"before": round(load_before, 2),
                            "after": round(os.getloadavg()[0], 2)},
        "catalog_load_s": round(load["upsert_s"] + load["index_s"], 1),
        "stack_startup_s": round(startup_s, 1),
        "ping_rtt_ms": _stats(ping_ms),
        "message": {
            "first_delta_ms": _stats(timed["first_delta"]),
            "agent_message_ms": _stats(timed["final"]),
            "deltas_per_message_p50": statistics.median(timed["deltas"]),
        },
        "broadcast_one_message": fanout,
    }
