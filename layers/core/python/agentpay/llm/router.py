"""Try providers in order until one answers; tell the consumer when to throw text away.

Why fall back mid-stream too: a provider can fail after streaming half a sentence
(overloaded, connection reset). The half answer is useless, so the router yields
:class:`Restart` (the consumer drops what it showed) and streams the next provider's
answer from the start. Why a first-delta timeout on top of the SDK's read timeout: a
server that sends keep-alive pings but no content never trips a read timeout, and a
shopper waiting 15 s for the first word has already left. Why providers are prepared
first (``prepare``: SDK import and client build, in a worker thread): both take seconds
on a cold start; on the event loop they would stall every other stream, and inside the
timeout they would pass for a slow provider.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import replace

from agentpay.llm.base import (
    Final,
    GenerationRequest,
    LLMError,
    LLMProvider,
    LLMUnavailable,
    Restart,
    StreamEvent,
    TextDelta,
)

logger = logging.getLogger(__name__)


class LLMRouter:
    """Providers in order of preference; itself usable wherever a provider is."""

    name = "router"

    def __init__(self, providers: Sequence[LLMProvider], *, first_delta_timeout: float = 15.0,
                 idle_timeout: float | None = None) -> None:
        if not providers:
            raise ValueError("LLMRouter needs at least one provider")
        self.providers = list(providers)
        self.first_delta_timeout = first_delta_timeout
        self.idle_timeout = idle_timeout  # gap allowed between later events; None: SDK's own

    def warm(self) -> None:
        """Import every provider's SDK (e.g. during a Lambda's init phase)."""
        for provider in self.providers:
            warm = getattr(provider, "warm", None)
            if warm is not None:
                warm()

    @property
    def model(self) -> str:
        return self.providers[0].model

    def __repr__(self) -> str:
        chain = " -> ".join(f"{p.name}:{p.model}" for p in self.providers)
        return f"<LLMRouter {chain}>"

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        failures: list[dict[str, str]] = []
        for provider in self.providers:
            shown = False
            try:
                async with aclosing(self._attempt(provider, request)) as events:
                    async for event in events:
                        if isinstance(event, Final):
                            earlier = [*failures, *event.result.failures]
                            yield Final(replace(event.result, failures=earlier))
                            return
                        shown = isinstance(event, TextDelta) or (
                            shown and not isinstance(event, Restart))
                        yield event
                raise LLMError(provider.name, "bad_response", "stream ended without a result")
            except LLMError as exc:
                reason, detail = exc.reason, str(exc)
            except TimeoutError:
                reason = "timeout"
                detail = f"{provider.name}: no answer within the time allowed"
            failures.append({"provider": provider.name, "error": reason})
            logger.warning("llm provider %s (%s) failed: %s", provider.name,
                           provider.model, detail)
            if shown:
                yield Restart(provider=provider.name, reason=reason)
        raise LLMUnavailable(failures)

    async def _attempt(self, provider: LLMProvider,
                       request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        """The provider's events, with the first (and optionally every later) wait bounded."""
        prepare = getattr(provider, "prepare", None)
        if prepare is not None:  # a cold SDK import or client build must not count
            await prepare()
        async with aclosing(provider.stream(request)) as events:
            limit: float | None = self.first_delta_timeout
            while True:
                try:
                    async with asyncio.timeout(limit):
                        event = await anext(events)
                except StopAsyncIteration:
                    return
                yield event
                limit = self.idle_timeout
