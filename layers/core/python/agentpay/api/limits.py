"""Refuse oversized bodies before they are read or parsed."""

from __future__ import annotations

import json

from agentpay.api.errors import error_body
from agentpay.kit.errors import PayloadTooLarge


class BodySizeLimit:
    """Pure ASGI middleware: 413 on a declared or streamed body above the limit."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    return await self._reject(send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(f"request body is larger than {self.max_bytes} bytes")
            return message

        # A streamed body that grows past the limit surfaces as an AppError (413) from
        # wherever the route reads it, and the app's error handler shapes the reply.
        await self.app(scope, limited_receive, send)

    async def _reject(self, send) -> None:
        body = json.dumps(error_body("payload_too_large",
                                     f"request body is larger than {self.max_bytes} bytes"))
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body.encode()})


class _TooLarge(PayloadTooLarge):
    pass
