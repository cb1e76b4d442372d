"""EventBridge Scheduler's stand-in: invoke a real handler with a scheduled event every
few seconds (the dev stack's webhook retries run through deliver_webhooks this way)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

SCHEDULED_EVENT = {"version": "0", "source": "aws.scheduler",
                   "detail-type": "Scheduled Event", "detail": {}}


class Schedule:
    def __init__(self, handler: Callable, context, every_seconds: float) -> None:
        self._handler, self._context, self._every = handler, context, every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="schedule")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._handler(dict(SCHEDULED_EVENT), self._context)
            except Exception:
                logger.exception("scheduled invocation failed")
