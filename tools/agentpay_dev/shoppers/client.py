"""JSON over HTTP to the AgentPay API, standard library only.

A 429 is waited out (its `Retry-After`, within bounds) and the same request sent again; a
request that got no answer at all is sent again a few times. Both are safe for messages
because every turn carries its `client_message_id`: the server replays instead of
answering twice.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_S = 120
RATE_LIMIT_WAIT_S = (0.5, 30.0)  # bounds on a Retry-After
MAX_RATE_LIMITED = 30            # 429s in a row before giving up
MAX_UNANSWERED = 3               # transport failures in a row before giving up


@dataclass
class Response:
    status: int
    body: Any
    ms: float  # the last attempt's round trip


class ApiError(RuntimeError):
    pass


class Api:
    def __init__(self, base: str, sleep=time.sleep) -> None:
        self.base = base.rstrip("/")
        self._sleep = sleep
        self.rate_limited = 0  # 429s waited out, over the client's life

    def call(self, method: str, path: str, key: str | None = None,
             body: Any = None) -> Response:
        rate_limited = unanswered = 0
        while True:
            try:
                return self._once(method, path, key, body)
            except urllib.error.HTTPError as exc:  # only a 429 gets here
                if rate_limited >= MAX_RATE_LIMITED:
                    raise ApiError(f"{method} {path}: still rate limited after "
                                   f"{rate_limited} waits") from exc
                rate_limited += 1
                self.rate_limited += 1
                self._sleep(retry_after_s(exc.headers.get("Retry-After")))
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                unanswered += 1
                if unanswered > MAX_UNANSWERED:
                    raise ApiError(f"{method} {path}: no answer: {exc}") from exc
                self._sleep(1.0)

    def _once(self, method: str, path: str, key: str | None, body: Any) -> Response:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            if exc.code == 429:
                raise
            raw, status = exc.read(), exc.code
        ms = (time.perf_counter() - started) * 1000
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Response(status, parsed, ms)

    def json(self, method: str, path: str, key: str | None = None, body: Any = None) -> Any:
        """The body of a 2xx answer; anything else is an ApiError."""
        response = self.call(method, path, key, body)
        if not 200 <= response.status < 300:
            raise ApiError(f"{method} {path}: HTTP {response.status}: {response.body}")
        return response.body


def retry_after_s(header: str | None) -> float:
    low, high = RATE_LIMIT_WAIT_S
    try:
        seconds = float(header) if header else 2.0
    except ValueError:
        seconds = 2.0  # an HTTP date: not worth parsing for a local server
    return min(max(seconds, low), high)
