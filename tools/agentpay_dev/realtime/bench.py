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
  Locally each of its ~400 posts is CPU work in the one dev-server process (boto3 on the
  handler side, uvicorn on the `@connections` side), so this tracks the CPU the machine
  gives that process; in AWS the posts wait on the network, where fanning out pays most;
- a load run: 50 shoppers at once, each on its own socket and conversation, sending 20
  messages of a scripted visit over the demo catalog, each after the agent_message of the
  previous one: throughput, latency (send → agent_message) and any message that got no
  reply.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections import Counter
from typing import Any

from agentpay.db import Database
from agentpay_dev.loadbench.servers import dev_stack

FRAME_TIMEOUT_S = 60
# In the load run, a message with no agent_message after this long counts as lost.
LOAD_REPLY_TIMEOUT_S = 120

# Shoppers of the load run, over the demo catalog (`agentpay_dev.catalog.demo`): greet, search,
# refine, ask about one, add to cart, look at the cart, haggle or ask a policy question,
# check out. A shopper with more messages to send goes on with the next visit.
SHOPPERS: tuple[tuple[str, ...], ...] = (
    ("hi", "I'm looking for running shoes under $150", "any in blue?",
     "tell me more about the second one", "do you have it in size 9?", "add it in size 9",
     "what's in my cart?", "hmm, that's a bit expensive", "how long does shipping take?",
     "ok, checkout please"),
    ("hello", "do you have rain jackets?", "any waterproof ones in green?",
     "what is the first one made of?", "add the first one in size M", "show me my cart",
     "I also need hiking socks", "add the first one", "what's your return policy?",
     "thanks, that's all"),
    ("hey there", "I need a coffee mug", "any ceramic mugs under $30?",
     "tell me more about the second one", "add 2 in 12 oz", "I also need an electric kettle",
     "tell me about the first one", "add it to my cart", "what's in my cart now?",
     "checkout please"),
    ("hi", "looking for wireless headphones", "any with noise cancelling?",
     "compare the first two", "does the first one come in black?",
     "add the first one in black", "do you have a laptop sleeve too?", "add the first one",
     "can I get a discount?", "ok let's check out"),
    ("good morning", "show me sofas", "any in gray?", "how big is the second one?",
     "any under $800?", "add the first one", "do you have a coffee table to match?",
     "add the first one", "what's in my cart?", "proceed to checkout"),
)


def _stats(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    if not ordered:
        return {"n": 0}
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 2),
            "p95": round(ordered[round(0.95 * (len(ordered) - 1))], 2),
            "p99": round(ordered[round(0.99 * (len(ordered) - 1))], 2),
            "max": round(ordered[-1], 2)}


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


def shopper_messages(shopper: int, count: int) -> list[str]:
    """What shopper `shopper` of the load run says: its visit, then the next ones, cycling."""
    visits = SHOPPERS[shopper % len(SHOPPERS):] + SHOPPERS[:shopper % len(SHOPPERS)]
    lines = [line for visit in visits for line in visit]
    return [lines[k % len(lines)] for k in range(count)]


async def _load(urls: list[str], messages: int,
                reply_timeout_s: float = LOAD_REPLY_TIMEOUT_S) -> dict[str, Any]:
    """Every url is one shopper on its own socket; all play their visit at once.

    A message is matched to its reply by its `client_message_id` (echoed in the
    `user_message` frame) and the reply's `reply_to`, so a late reply to an earlier
    message is never taken for the current one.
    """
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    gate = asyncio.Semaphore(20)
    latencies: list[float] = []
    counts: Counter[str] = Counter()
    errors: Counter[str] = Counter()

    async def open_one(url: str):
        async with gate:
            try:
                return await connect(url, open_timeout=120, max_queue=None)
            except (OSError, TimeoutError, WebSocketException) as exc:
                errors[f"connect: {type(exc).__name__}"] += 1
                return None

    async def reply(ws, client_message_id: str, deadline: float) -> str:
        """`agent_message`, `error`, or `timeout`: how this message ended."""
        loop = asyncio.get_running_loop()
        user_id = None
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return "timeout"
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), remaining))
            except TimeoutError:
                return "timeout"
            kind = frame.get("type")
            message = frame.get("message") if isinstance(frame.get("message"), dict) else {}
            if kind == "user_message" and message.get("client_message_id") == client_message_id:
                user_id = message.get("id")
            elif kind == "agent_message" and user_id and message.get("reply_to") == user_id:
                return "agent_message"
            elif kind == "error":
                errors[f"frame: {(frame.get('error') or {}).get('code')}"] += 1
                return "error"
            elif kind is None and frame.get("message") == "Internal server error":
                errors["frame: internal_server_error"] += 1  # the handler crashed
                return "error"

    async def shopper(n: int, ws) -> None:
        loop = asyncio.get_running_loop()
        try:
            for k, text in enumerate(shopper_messages(n, messages)):
                client_message_id = f"load-{n}-{k}"
                t0 = time.perf_counter()
                await ws.send(json.dumps({"action": "message", "content": text,
                                          "client_message_id": client_message_id}))
                counts["sent"] += 1
                ended = await reply(ws, client_message_id, loop.time() + reply_timeout_s)
                if ended == "agent_message":
                    counts["received"] += 1
                    latencies.append((time.perf_counter() - t0) * 1000)
                # else lost (an error frame, or no reply in time): on to the next message
        except WebSocketException as exc:  # the socket closed under this shopper
            errors[f"connection: {type(exc).__name__}"] += 1

    t0 = time.perf_counter()
    sockets = await asyncio.gather(*(open_one(url) for url in urls))
    open_s = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(shopper(n, ws) for n, ws in enumerate(sockets)
                               if ws is not None))
        duration_s = time.perf_counter() - t0
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets if ws is not None),
                             return_exceptions=True)
    return {
        "conversations": len(urls), "messages_per_conversation": messages,
        "messages_sent": counts["sent"], "agent_messages_received": counts["received"],
        "messages_lost": counts["sent"] - counts["received"],
        "messages_unsent": len(urls) * messages - counts["sent"],  # their socket failed
        "throughput_msg_s": round(counts["received"] / duration_s, 2) if duration_s else 0.0,
        "latency_ms": _stats(latencies),
        "errors": sum(errors.values()), "errors_by_kind": dict(errors),
        "open_all_s": round(open_s, 2), "duration_s": round(duration_s, 2),
        "reply_timeout_s": reply_timeout_s,
    }


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
                   products: int = 300, load_conversations: int = 50,
                   load_messages: int = 20) -> dict[str, Any]:
    """Every part runs unless its count is 0 (a test runs a small load run alone)."""
    from agentpay.embeddings import get_embedder
    from agentpay_dev.catalog.bench import bench_org, load_inline
    from agentpay_dev.catalog.demo import generate_catalog
    from agentpay_dev.orchestrator.bench import SCRIPT

    load_before = os.getloadavg()[0]
    script_runs = -(-messages // len(SCRIPT)) + 1 if messages else 0  # + one warm-up
    load_runs = load_conversations if load_messages else 0
    with bench_org(db, "bench-realtime") as org_id:
        load = load_inline(db, org_id, generate_catalog(products, seed=7), get_embedder())
        # in order: pings; warm-up and the script; the tabs; the load run's shoppers
        tokens = _conversations(db, org_id, (1 if pings else 0) + script_runs
                                + (1 if tabs else 0) + load_runs)
        result: dict[str, Any] = {}
        # default limits, but the frame rate: 200 pings on one socket time the round
        # trip, not the limiter
        with dev_stack(db.url, raise_limits=False, env_extra={
                "AGENTPAY_RATE_LIMIT_FRAMES_PER_MINUTE": "0"}) as server:
            startup_s = server.startup_s
            ws_url = server.base.replace("http://", "ws://", 1) + "/ws"
            urls = iter([f"{ws_url}?token={token}" for token in tokens])
            if pings:
                result["ping_rtt_ms"] = _stats(asyncio.run(_pings(next(urls), pings)))
            if script_runs:
                timed = asyncio.run(_messages([next(urls) for _ in range(script_runs)],
                                              SCRIPT))
                result["message"] = {
                    "first_delta_ms": _stats(timed["first_delta"]),
                    "agent_message_ms": _stats(timed["final"]),
                    "deltas_per_message_p50": statistics.median(timed["deltas"]),
                }
            if tabs:
                result["broadcast_one_message"] = asyncio.run(_broadcast(next(urls), tabs))
            if load_runs:
                result["load"] = asyncio.run(_load([next(urls) for _ in range(load_runs)],
                                                   load_messages))
    return {
        "stack": "agentpay dev subprocess: uvicorn /ws → ws handlers on worker threads → "
                 "boto3 post_to_connection → local @connections → socket",
        "responder": "offline", "catalog_products": products,
        # the machine is shared: quote these figures with the load they were taken under
        "load_average_1m": {"before": round(load_before, 2),
                            "after": round(os.getloadavg()[0], 2)},
        "catalog_load_s": round(load["upsert_s"] + load["index_s"], 1),
        "stack_startup_s": round(startup_s, 1),
        **result,
    }
