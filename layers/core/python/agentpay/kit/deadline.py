"""The time a piece of work has left: one deadline for a turn, read where it waits.

A turn must end before its function does (``Timeout`` in template.yaml: 30 s for the HTTP
API), or nothing answers the shopper and the turn is lost. Its slow parts are calls out
(the model, a payment provider), each with its own timeouts that add up past that. So the
conversation service opens a deadline for the turn, and each call out asks how long it
may take (:func:`remaining`) instead of trusting its own timeout. A context variable,
like ``asyncio.timeout``: the tools between the service and the payment provider need
not carry it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ends_at: ContextVar[float | None] = ContextVar("agentpay_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """The work inside has ``seconds`` (or what an enclosing deadline leaves, if less)."""
    ends = time.monotonic() + seconds
    outer = _ends_at.get()
    token = _ends_at.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _ends_at.reset(token)


def remaining() -> float | None:
    """Seconds left (never below 0), or None when no deadline applies."""
    ends = _ends_at.get()
    return None if ends is None else max(0.0, ends - time.monotonic())
