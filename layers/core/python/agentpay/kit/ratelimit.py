"""Token buckets per key and per conversation: a burst is fine, a flood gets 429.

Why in process: it costs no round trip on the hot path. Locally it is exact; in Lambda
each execution environment keeps its own buckets, so the limit is per environment and
the stage throttling in `template.yaml` (API Gateway) is the global ceiling. Both are
configurable (AGENTPAY_RATE_LIMIT_*; 0 turns a limit off).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from agentpay.kit.errors import RateLimited

MAX_BUCKETS = 50_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, per_minute: int, burst: int | None = None, clock=time.monotonic,
                 what: str = "requests") -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, per_minute))
        self.clock = clock
        self.what = what
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Take one token for ``key`` or raise RateLimited with a Retry-After."""
        if self.rate <= 0:
            return
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = _Bucket(self.capacity, now)
                self._buckets[key] = bucket
                if len(self._buckets) > MAX_BUCKETS:
                    self._buckets.popitem(last=False)  # forget the least recently seen
            else:
                self._buckets.move_to_end(key)
                bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
                bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return
            wait = math.ceil((1 - bucket.tokens) / self.rate)
        raise RateLimited(f"too many {self.what}; retry in {wait} s", retry_after=wait)


_limiters: dict[str, RateLimiter] = {}


def limiter(name: str, per_minute: int, burst: int | None = None,
            what: str = "requests") -> RateLimiter:
    """The process-wide limiter for ``name`` (rebuilt when its configuration changes)."""
    current = _limiters.get(name)
    if current is None or current.rate != per_minute / 60.0 or (
            burst is not None and current.capacity != burst):
        current = _limiters[name] = RateLimiter(per_minute, burst, what=what)
    return current


def reset_limiters() -> None:
    _limiters.clear()
