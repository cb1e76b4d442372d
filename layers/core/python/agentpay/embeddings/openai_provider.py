"""OpenAI ``text-embedding-3-small`` shortened to 384 dimensions, with our own retries.

Why our own retry loop (the client gets ``max_retries=0``): the indexer runs inside an
SQS-triggered Lambda with a hard timeout, so the number of attempts, the backoff and the
honouring of ``Retry-After`` must be bounded, visible and testable (``sleep`` is
injected). The same holds for a shopper's query inside a turn, which must end before the
HTTP function does: there each attempt gets at most what the turn's deadline leaves
(``agentpay.kit.deadline``) and no retry starts that could not finish in it. Why batching
by an estimated token budget: the API rejects a request above 2,048 inputs or 300,000
tokens in total, and one over-long input (> 8,191 tokens) fails the whole request;
without a tokenizer, ``len(text) / 3`` over-estimates tokens for normal text, so the
budget is conservative. ``openai`` is imported on first use (cold start).

The API's ``dimensions=384`` output is already unit length; rows are re-normalised anyway
because the database relies on it.
"""

from __future__ import annotations

import base64
import email.utils
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from agentpay.embeddings.base import DIMENSIONS, EmbedderBase, EmbeddingError, empty, l2_normalize
from agentpay.kit import deadline

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "text-embedding-3-small"
MAX_INPUTS_PER_REQUEST = 2048
MAX_TOKENS_PER_REQUEST = 250_000  # the API allows 300,000; estimates are rough
MAX_CHARS_PER_INPUT = 24_000  # ~8,000 tokens at 3 chars/token; the API limit is 8,191
CHARS_PER_TOKEN = 3
MAX_RETRY_AFTER_SECONDS = 60.0
_RETRYABLE_STATUS = frozenset({408, 409, 429})
# Inside a turn (``agentpay.kit.deadline``): the query's embedding leaves this much of the
# turn for the reply, and no attempt starts with less than MIN_ATTEMPT_SECONDS to run.
# A failed query embedding is a failed search tool (an error result), not a hung turn.
DEADLINE_RESERVE_SECONDS = 2.0
MIN_ATTEMPT_SECONDS = 0.2


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def plan_batches(
    texts: list[str],
    max_inputs: int = MAX_INPUTS_PER_REQUEST,
    max_tokens: int = MAX_TOKENS_PER_REQUEST,
) -> Iterator[tuple[int, int]]:
    """Yield (start, end) slices that respect both per-request limits, in input order."""
    start, tokens = 0, 0
    for i, text in enumerate(texts):
        cost = estimate_tokens(text)
        if i > start and (i - start >= max_inputs or tokens + cost > max_tokens):
            yield start, i
            start, tokens = i, 0
        tokens += cost
    if start < len(texts):
        yield start, len(texts)


def _retry_after_seconds(exc: BaseException) -> float | None:
    """Server-requested delay from ``retry-after-ms`` / ``retry-after`` (seconds or date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class OpenAIEmbedder(EmbedderBase):
    """Embeddings from the OpenAI API (or any server speaking its wire protocol)."""

    dimensions = DIMENSIONS

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        max_inputs_per_request: int = MAX_INPUTS_PER_REQUEST,
        max_tokens_per_request: int = MAX_TOKENS_PER_REQUEST,
    ) -> None:
        if not api_key:
            raise EmbeddingError("OpenAIEmbedder needs an API key (OPENAI_API_KEY)")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.name = f"openai:{model}"
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_inputs_per_request = min(max_inputs_per_request, MAX_INPUTS_PER_REQUEST)
        self.max_tokens_per_request = max_tokens_per_request
        self._api_key = api_key
        self._sleep = sleep
        self._jitter = jitter
        self._client: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the key
        return f"<OpenAIEmbedder {self.name} base_url={self.base_url!r}>"

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    from openai import OpenAI

                    self._client = OpenAI(
                        api_key=self._api_key,
                        base_url=self.base_url,
                        timeout=self.timeout,
                        max_retries=0,
                    )
        return self._client

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return empty(self.dimensions)
        import numpy as np

        # The API rejects empty strings and over-long inputs; a blank embeds as " ".
        prepared = [(str(t)[:MAX_CHARS_PER_INPUT] or " ") for t in texts]
        out = np.empty((len(prepared), self.dimensions), dtype=np.float32)
        for start, end in plan_batches(
            prepared, self.max_inputs_per_request, self.max_tokens_per_request
        ):
            out[start:end] = self._embed_batch(prepared[start:end])
        return l2_normalize(out)

    def _backoff(self, attempt: int) -> float:
        """Exponential with 'equal jitter': half fixed, half random, capped."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return ceiling / 2 + self._jitter() * ceiling / 2

    @staticmethod
    def _time_left() -> float | None:
        """Seconds one request may take: what the turn's deadline leaves (less a reserve for
        the reply), or None outside a turn (the indexer's own timeout applies)."""
        left = deadline.remaining()
        if left is None:
            return None
        left -= DEADLINE_RESERVE_SECONDS
        if left <= MIN_ATTEMPT_SECONDS:
            raise EmbeddingError("OpenAI embeddings: no time left in the turn (deadline)")
        return left

    def _embed_batch(self, batch: list[str]) -> np.ndarray:
        import openai

        for attempt in range(1, self.max_attempts + 1):
            # inside a turn (a shopper's query), never past the turn's deadline
            seconds = self._time_left()
            try:
                client = self.client if seconds is None else self.client.with_options(
                    timeout=min(self.timeout, seconds))
                response = client.embeddings.create(
                    model=self.model,
                    input=batch,
                    dimensions=self.dimensions,
                    encoding_format="base64",
                )
                return self._decode(response, len(batch))
            except openai.APIStatusError as exc:
                retryable = exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500
                if not retryable:
                    raise EmbeddingError(
                        f"OpenAI embeddings failed with HTTP {exc.status_code}: {exc.message}"
                    ) from exc
                error: Exception = exc
                reason = f"HTTP {exc.status_code}"
            except openai.APIConnectionError as exc:  # includes APITimeoutError
                error = exc
                reason = "timeout" if isinstance(exc, openai.APITimeoutError) else "connection"
            if attempt == self.max_attempts:
                raise EmbeddingError(
                    f"OpenAI embeddings failed after {attempt} attempts ({reason}): {error}"
                ) from error
            delay = _retry_after_seconds(error)
            delay = self._backoff(attempt) if delay is None else min(delay, MAX_RETRY_AFTER_SECONDS)
            left = deadline.remaining()
            if left is not None and delay + MIN_ATTEMPT_SECONDS >= left - DEADLINE_RESERVE_SECONDS:
                raise EmbeddingError(
                    f"OpenAI embeddings failed ({reason}) with no time left in the turn for "
                    f"another attempt: {error}") from error
            logger.warning(
                "openai embeddings %s; retrying in %.2fs (attempt %d of %d)",
                reason, delay, attempt, self.max_attempts,
            )
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _decode(self, response: Any, expected: int) -> np.ndarray:
        import numpy as np

        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != expected or [d.index for d in data] != list(range(expected)):
            raise EmbeddingError(
                f"OpenAI returned {len(data)} embeddings for {expected} inputs"
            )
        rows = np.empty((expected, self.dimensions), dtype=np.float32)
        for i, item in enumerate(data):
            raw = item.embedding
            if isinstance(raw, str):
                vector = np.frombuffer(base64.b64decode(raw), dtype="<f4")
            else:
                vector = np.asarray(raw, dtype=np.float32)
            if vector.shape != (self.dimensions,):
                raise EmbeddingError(
                    f"OpenAI returned a {vector.shape[0]}-dimensional vector, "
                    f"expected {self.dimensions}"
                )
            rows[i] = vector
        return rows
