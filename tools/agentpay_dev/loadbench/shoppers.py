"""The shoppers of `agentpay bench load`, and the tally of what they saw.

A shopper plays SCRIPT in a fresh conversation, again and again, until the deadline. Past
the deadline it starts no conversation and sends nothing more, except the first line in a
conversation it has just opened (a slow create must not leave a channel without traffic);
it always waits for the request in flight, so every request sent is either answered or
counted lost.

- HTTP shopper: `POST /v1/agent/conversations` with the agent's publishable key (as the
  widget does), then each line as `POST .../messages` with the conversation token.
- WebSocket shopper: the same create over HTTP, then a socket with the token; each line
  is a `{"action": "message"}` frame, and the next waits for its `agent_message`.
- Bare shopper: the baseline app's one endpoint, with the same lines.

Every request ends one way: answered (its latency counts, whatever the status), and of
those an error (HTTP status >= 400 or an error frame) or rate limited (429 or a
`rate_limited` frame, kept apart); or lost (no answer: transport failure, closed socket,
timeout).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

SCRIPT = (
    "I'm looking for running shoes",      # search
    "something in blue under $150",        # refine
    "tell me more about the second one",   # details
    "add it to my cart in size 9",         # add to cart
    "what's in my cart?",                  # view cart
)
ANSWER_TIMEOUT_S = 60
BACKOFF_S = 0.2  # after a failed create, before the next try
WARM_UP_S = 2.0  # the same mix, untimed, before each measured run

Shopper = Callable[[httpx.AsyncClient, float, "Tally"], Awaitable[None]]


@dataclass
class Tally:
    """Latencies by request kind, and every way a request went wrong."""

    latencies_ms: defaultdict[str, list[float]] = field(
        default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    conversations: int = 0
    ws_connect_ms: list[float] = field(default_factory=list)

    def answered(self, kind: str, started: float, error: str | None = None) -> None:
        self.latencies_ms[kind].append((time.perf_counter() - started) * 1000)
        if error == "rate_limited":
            self.rate_limited += 1
        elif error:
            self.errors[f"{kind}: {error}"] += 1

    def lost_one(self, kind: str, exc: BaseException) -> None:
        self.lost[f"{kind}: {type(exc).__name__}"] += 1


async def run_shoppers(shoppers: list[Shopper], duration_s: float) -> tuple[Tally, float]:
    """Warm up, then run every shopper until `duration_s`; the tally and the elapsed time
    (the last in-flight request may end after the deadline)."""
    limits = httpx.Limits(max_connections=len(shoppers),
                          max_keepalive_connections=len(shoppers))
    async with httpx.AsyncClient(limits=limits, timeout=ANSWER_TIMEOUT_S) as client:
        await _all(shoppers, client, WARM_UP_S, Tally())
        tally = Tally()
        t0 = time.perf_counter()
        await _all(shoppers, client, duration_s, tally)
        return tally, time.perf_counter() - t0


async def _all(shoppers: list[Shopper], client: httpx.AsyncClient, seconds: float,
               tally: Tally) -> None:
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(shopper(client, deadline, tally) for shopper in shoppers))


async def http_shopper(base: str, key: str, client: httpx.AsyncClient, deadline: float,
                       tally: Tally) -> None:
    while time.monotonic() < deadline:
        created = await _start(client, base, key, tally)
        if created is None:
            await asyncio.sleep(BACKOFF_S)
            continue
        url = f"{base}/v1/agent/conversations/{created['conversation']['id']}/messages"
        for n, text in enumerate(SCRIPT):
            if n and time.monotonic() >= deadline:
                return
            await _post(client, tally, "http_message", url, {"content": text},
                        created["token"])


async def ws_shopper(base: str, key: str, client: httpx.AsyncClient, deadline: float,
                     tally: Tally) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    ws_base = base.replace("http://", "ws://", 1) + "/ws"
    while time.monotonic() < deadline:
        created = await _start(client, base, key, tally)
        if created is None:
            await asyncio.sleep(BACKOFF_S)
            continue
        started = time.perf_counter()
        try:
            ws = await connect(f"{ws_base}?token={created['token']}",
                               open_timeout=ANSWER_TIMEOUT_S)
        except (OSError, TimeoutError, WebSocketException) as exc:
            tally.errors[f"websocket_connect: {type(exc).__name__}"] += 1
            await asyncio.sleep(BACKOFF_S)
            continue
        tally.ws_connect_ms.append((time.perf_counter() - started) * 1000)
        async with ws:
            for n, text in enumerate(SCRIPT):
                if n and time.monotonic() >= deadline:
                    break
                if not await _ws_message(ws, tally, text):
                    break


async def bare_shopper(url: str, client: httpx.AsyncClient, deadline: float,
                       tally: Tally) -> None:
    lines = itertools.cycle(SCRIPT)
    while time.monotonic() < deadline:
        if await _post(client, tally, "bare_http", url, {"content": next(lines)}) is None:
            await asyncio.sleep(BACKOFF_S)


async def _start(client: httpx.AsyncClient, base: str, key: str, tally: Tally) -> dict | None:
    created = await _post(client, tally, "http_create_conversation",
                          f"{base}/v1/agent/conversations", {}, key)
    if created is not None:
        tally.conversations += 1
    return created


async def _post(client: httpx.AsyncClient, tally: Tally, kind: str, url: str, body: dict,
                credential: str | None = None) -> dict | None:
    """One JSON request; its body when it succeeded."""
    headers = {"Authorization": f"Bearer {credential}"} if credential else None
    started = time.perf_counter()
    try:
        response = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        tally.lost_one(kind, exc)
        return None
    if response.is_success:
        tally.answered(kind, started)
        return response.json()
    tally.answered(kind, started, _http_error(response))
    return None


def _http_error(response: httpx.Response) -> str:
    if response.status_code == 429:
        return "rate_limited"
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "unparsed"
    return f"{response.status_code} {code}"


async def _ws_message(ws, tally: Tally, text: str) -> bool:
    """Send one line; wait for its `agent_message` (or an error frame). False: the socket
    is no longer usable."""
    from websockets.exceptions import ConnectionClosed

    started = time.perf_counter()
    try:
        await ws.send(json.dumps({"action": "message", "content": text}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), ANSWER_TIMEOUT_S))
            if frame.get("type") == "agent_message":
                tally.answered("websocket_message", started)
                return True
            if frame.get("type") == "error":
                tally.answered("websocket_message", started, frame["error"]["code"])
                return True
    except (TimeoutError, ConnectionClosed) as exc:
        tally.lost_one("websocket_message", exc)
        return False
