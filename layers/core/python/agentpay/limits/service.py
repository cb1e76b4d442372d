"""Which limits apply to what, and what a refusal says.

Why in Postgres: a Lambda execution environment's memory is its own, so a limit kept
there allowed as many times its value as there were warm instances. Every limit below
holds across instances, with the database's clock, and costs no extra round trip on a
shopper's message (see ``repository``, ``conversations.repository.load_turn`` and
``realtime.repository.check_frame``).

- every API call, per credential: ``AGENTPAY_RATE_LIMIT_KEY_PER_MINUTE`` (token bucket);
- conversations started with a publishable key, per client address and per key:
  ``AGENTPAY_RATE_LIMIT_NEW_CONVERSATIONS_PER_IP_PER_MINUTE`` and ``..._PER_KEY_...``;
- shopper messages per conversation: ``AGENTPAY_RATE_LIMIT_CONVERSATION_PER_MINUTE`` (the
  conversation's own messages over the last minute, counted with the turn's locked read);
- WebSocket frames per connection: ``AGENTPAY_RATE_LIMIT_FRAMES_PER_MINUTE``;
- model spend per organization and UTC day: ``AGENTPAY_MODEL_BUDGET_USD_PER_DAY``, or the
  organization's own ``limits.model_budget_usd_per_day``.

0 turns a rate limit off. A refusal is 429 ``rate_limited`` with ``Retry-After``.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import random
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from agentpay.config import Settings
from agentpay.kit.errors import RateLimited
from agentpay.limits import repository
from agentpay.limits.repository import Bucket, Take

logger = logging.getLogger(__name__)


def retry_after(tokens: float | None, per_second: float) -> int:
    """Whole seconds until one token has refilled (at least 1)."""
    if per_second <= 0:
        return 60
    return max(1, math.ceil((1 - (tokens or 0.0)) / per_second))


def check(takes: list[Take]) -> None:
    """Raise RateLimited for the first refused take."""
    for take in takes:
        if take.granted is False:
            wait = retry_after(take.tokens, take.bucket.per_second)
            raise RateLimited(f"too many {take.bucket.what}; retry in {wait} s",
                              retry_after=wait)


# ------------------------------------------------------------------- credentials


def credential_buckets(token_hash: str, settings: Settings) -> list[Bucket]:
    """The bucket every call with this credential takes from (none when off)."""
    per_minute = settings.rate_limit_key_per_minute
    return [Bucket(f"key:{token_hash[:32]}", per_minute)] if per_minute > 0 else []


# ------------------------------------------------------------ new conversations


def client_address(host: str | None) -> str | None:
    """The address a limit counts by: an IPv4 address, or the /64 an IPv6 address is in
    (one subscriber's network: a browser can pick any address in it)."""
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]  # not an address (a test client): counted as given
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def new_conversation_buckets(agent_id: UUID, host: str | None,
                             settings: Settings) -> list[Bucket]:
    """The address (at this store: shoppers behind one carrier's NAT who visit different
    stores do not share) first: a browser refused for its address spends none of its
    store's allowance, so one address cannot lock every shopper of a store out."""
    buckets = []
    address = client_address(host)
    per_ip = settings.rate_limit_new_conversations_per_ip_per_minute
    if address is not None and per_ip > 0:
        buckets.append(Bucket(f"new-conversations:ip:{agent_id}:{address}", per_ip,
                              "new conversations from this address"))
    per_key = settings.rate_limit_new_conversations_per_key_per_minute
    if per_key > 0:
        buckets.append(Bucket(f"new-conversations:agent:{agent_id}", per_key,
                              "new conversations for this store"))
    return buckets


def take_new_conversation(conn: psycopg.Connection, agent_id: UUID, host: str | None,
                          settings: Settings) -> None:
    """Count a conversation a publishable key starts, or raise RateLimited."""
    check(repository.take(conn, new_conversation_buckets(agent_id, host, settings)))


# About one conversation start in TIDY_EVERY also deletes up to TIDY_BATCH idle buckets
# (full ones, the same as none). A conversation brings at most a few rows (its token's,
# its address's), so the table keeps to the buckets in use, for one statement per
# TIDY_EVERY starts and none on a shopper's message.
TIDY_EVERY = 20
TIDY_BATCH = 500


def tidy(conn: psycopg.Connection) -> None:
    if random.random() < 1 / TIDY_EVERY:
        repository.prune(conn, TIDY_BATCH)


# ------------------------------------------------------------------ frames


@dataclass(frozen=True)
class FrameLimit:
    """Frames per WebSocket connection per minute, with bursts of as many (0: off)."""

    per_minute: int

    @property
    def capacity(self) -> float | None:
        return float(self.per_minute) if self.per_minute > 0 else None

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


# ------------------------------------------------------------- model budget


@dataclass(frozen=True)
class ModelBudget:
    """An organization's model spend today (UTC) against its daily budget."""

    limit_usd: float
    spent_usd: float
    source: str = "default"  # or "organization": where limit_usd comes from

    def allows(self, this_turn_usd: float = 0.0) -> bool:
        """Whether another model call may start: what was spent so far stays below."""
        return self.spent_usd + this_turn_usd < self.limit_usd


def organization_budget(stored: dict[str, Any] | None) -> float | None:
    """The organization's own daily budget (settings.limits), or None for the default."""
    value = ((stored or {}).get("limits") or {}).get("model_budget_usd_per_day")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def model_budget(own_limit: Any, spent_usd: Any, settings: Settings) -> ModelBudget:
    """The budget a turn reads with its conversation (``own_limit`` None: the default)."""
    spent = float(spent_usd or 0)
    if own_limit is not None:
        try:
            return ModelBudget(float(own_limit), spent, "organization")
        except (TypeError, ValueError):
            logger.warning("organization model budget %r is not a number; using the default",
                           own_limit)
    return ModelBudget(settings.model_budget_usd_per_day, spent, "default")


def may_call_model(organization_id: UUID, budget: ModelBudget | None,
                   this_turn_usd: float = 0.0) -> bool:
    """Checked before each model call of a turn (``this_turn_usd``: what the turn's
    earlier calls cost); False, with a log line and a metric, when the budget is spent."""
    if budget is None or budget.allows(this_turn_usd):
        return True
    model_call_refused(organization_id, budget, this_turn_usd)
    return False


def model_call_refused(organization_id: UUID, budget: ModelBudget,
                       this_turn_usd: float) -> None:
    """A log line and a metric when the budget keeps a model call from starting."""
    logger.warning(
        "model budget reached: the offline reply is used",
        extra={"organization_id": str(organization_id),
               "model_budget_usd_per_day": budget.limit_usd,
               "model_budget_source": budget.source,
               "model_spent_usd_today": round(budget.spent_usd + this_turn_usd, 6)})
    try:
        from aws_lambda_powertools.metrics import MetricUnit

        from agentpay.observability import metrics

        metrics.add_metric(name="ModelBudgetExceeded", unit=MetricUnit.Count, value=1)
    except Exception:
        logger.debug("could not count ModelBudgetExceeded", exc_info=True)
