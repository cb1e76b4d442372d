"""Deliver frames through the API Gateway Management API (`@connections`).

A 410 (GoneException) means that one connection is stale: delivery to the others goes
on, and the stale id is collected by the invocation's :class:`Delivery`. The broadcaster
never touches the database: frames are posted while the turn's transaction holds the
connection (in Lambda the only one, behind a lock), so the caller deletes the gone ids
once that transaction is over (:func:`agentpay.realtime.service.handle_frame`). Any other
failure of one connection is logged and counted as not delivered; the others still get
the frame.

Fan-out is concurrent: every post is an HTTP call (to API Gateway in Lambda, to the local
`@connections` API in the dev stack), so one frame to 100 tabs in sequence costs 100 round
trips. `send_all` posts one frame to all its connections on a small shared thread pool and
returns once every post has answered, so the next frame to a connection is posted only
after the previous one was taken: connections no longer wait on each other, and frames to
one connection keep their order (agent_typing, deltas, user_message, agent_message).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 32 * 1024
# Posts in flight per execution environment. Each is mostly waiting on the network, so a
# few dozen threads cost little; boto3's connection pool is sized to match below.
FANOUT_WORKERS = 16

_DELIVERED, _GONE, _FAILED = "delivered", "gone", "failed"


def encode(frame: dict) -> bytes:
    """UTF-8 JSON, not \\u-escaped: an emoji costs 4 bytes of the limit, not 12."""
    return json.dumps(frame, default=str, separators=(",", ":"), ensure_ascii=False).encode()


def _checked(frame: dict) -> bytes:
    data = encode(frame)
    if len(data) > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {len(data)} bytes exceeds the 32 KB WebSocket limit")
    return data


@dataclass(frozen=True)
class Sent:
    """What one fan-out did: how many connections took the frame, which ones are gone."""

    delivered: int
    gone: tuple[str, ...] = ()


class Broadcaster:
    """Posts frames to connections; one per management-API client, shared by threads.

    boto3 clients are safe to call from several threads; the pool is created on the first
    fan-out to more than one connection and lives as long as the execution environment.
    Shared by concurrent invocations (the dev stack), so it keeps no per-invocation state:
    each invocation posts through its own :meth:`delivery`.
    """

    def __init__(self, client: Any, workers: int = FANOUT_WORKERS) -> None:
        self._client = client
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def delivery(self) -> Delivery:
        return Delivery(self)

    def send(self, connection_id: str, frame: dict) -> bool:
        """One frame to one connection; False when it is gone (410). Other errors
        propagate."""
        data = _checked(frame)
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
            return True
        except self._client.exceptions.GoneException:
            logger.info("connection gone", extra={"connection_id": connection_id})
            return False

    def close(self, connection_id: str) -> None:
        """Close the socket (``DELETE @connections/{id}``); API Gateway then runs
        ``$disconnect``. A connection already gone is as good as closed; any other failure
        is logged, the caller has refused the frame anyway."""
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except self._client.exceptions.GoneException:
            pass
        except Exception:
            logger.warning("could not close connection", exc_info=True,
                           extra={"connection_id": connection_id})

    def send_all(self, connection_ids: Iterable[str], frame: dict) -> Sent:
        """One frame to every connection, concurrently.

        Returns after every post has answered. Gone connections are reported, not
        forgotten; any other failure is logged for that connection only.
        """
        data = _checked(frame)
        ids = list(connection_ids)
        if len(ids) <= 1 or self._workers <= 1:
            outcomes = [self._post(cid, data) for cid in ids]
        else:
            outcomes = list(self._executor().map(lambda cid: self._post(cid, data), ids))
        gone = tuple(cid for cid, outcome in zip(ids, outcomes, strict=True)
                     if outcome == _GONE)
        for cid in gone:
            logger.info("connection gone", extra={"connection_id": cid})
        return Sent(outcomes.count(_DELIVERED), gone)

    def _post(self, connection_id: str, data: bytes) -> str:
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
            return _DELIVERED
        except self._client.exceptions.GoneException:
            return _GONE
        except Exception:  # one connection's failure must not stop the others
            logger.exception("post to connection failed",
                             extra={"connection_id": connection_id})
            return _FAILED

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=self._workers,
                                                    thread_name_prefix="ws-fanout")
        return self._pool


class Delivery:
    """One invocation's posts: remembers the connections that answered 410, skips them for
    the rest of the invocation, and leaves deleting them to the caller (see ``gone``)."""

    def __init__(self, broadcaster: Broadcaster) -> None:
        self._broadcaster = broadcaster
        self.gone: set[str] = set()

    def send(self, connection_id: str, frame: dict) -> bool:
        if connection_id in self.gone:
            return False
        taken = self._broadcaster.send(connection_id, frame)
        if not taken:
            self.gone.add(connection_id)
        return taken

    def send_all(self, connection_ids: Iterable[str], frame: dict) -> int:
        """How many connections took the frame."""
        sent = self._broadcaster.send_all(
            [cid for cid in connection_ids if cid not in self.gone], frame)
        self.gone.update(sent.gone)
        return sent.delivered


def management_client(endpoint_url: str):
    import boto3
    from botocore.config import Config

    # The fan-out threads plus the callers' own single sends (the dev stack runs ten
    # handlers in one process): without room for both, urllib3 discards connections.
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint_url,
                        config=Config(max_pool_connections=2 * FANOUT_WORKERS))


def endpoint_from_event(event: dict) -> str:
    ctx = event["requestContext"]
    return f"https://{ctx['domainName']}/{ctx['stage']}"
