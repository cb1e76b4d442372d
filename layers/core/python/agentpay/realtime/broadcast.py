"""Deliver frames through the API Gateway Management API (`@connections`).

A 410 (GoneException) means that one connection is stale: it is forgotten, and delivery
to the others goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 32 * 1024


def encode(frame: dict) -> bytes:
    """UTF-8 JSON, not \\u-escaped: an emoji costs 4 bytes of the limit, not 12."""
    return json.dumps(frame, default=str, separators=(",", ":"), ensure_ascii=False).encode()


class Broadcaster:
    def __init__(self, client: Any, forget: Callable[[str], None]) -> None:
        self._client = client
        self._forget = forget

    def send(self, connection_id: str, frame: dict) -> bool:
        data = encode(frame)
        if len(data) > MAX_FRAME_BYTES:
            raise ValueError(f"frame of {len(data)} bytes exceeds the 32 KB WebSocket limit")
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
            return True
        except self._client.exceptions.GoneException:
            logger.info("connection gone; forgetting it", extra={"connection_id": connection_id})
            self._forget(connection_id)
            return False

    def send_all(self, connection_ids: Iterable[str], frame: dict) -> int:
        return sum(1 for cid in connection_ids if self.send(cid, frame))


def management_client(endpoint_url: str):
    import boto3

    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint_url)


def endpoint_from_event(event: dict) -> str:
    ctx = event["requestContext"]
    return f"https://{ctx['domainName']}/{ctx['stage']}"
