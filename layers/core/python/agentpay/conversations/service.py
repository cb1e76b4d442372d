"""Conversation rules: tokens, idempotent sends, a turn in two short transactions.

Services never commit; the caller (endpoint, handler, CLI) owns the transaction. The one
exception is :func:`send_message`, whose turn must not hold a transaction while a model or
a payment provider is called: it runs its own two.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from pydantic import ValidationError

from agentpay.agents import repository as agents_repo
from agentpay.config import Settings
from agentpay.conversations import replayed, repository
from agentpay.conversations.schemas import (
    BROWSER_CUSTOMER_FIELDS,
    BrowserCustomer,
    ConversationCreate,
    MessageCreate,
)
from agentpay.handoff import repository as handoff_repo
from agentpay.handoff.turns import handoff_event, held_exchange
from agentpay.kit import deadline
from agentpay.kit.errors import Conflict, InvalidInput, NotFound, RateLimited
from agentpay.kit.text import utf8_encodable
from agentpay.kit.tokens import CONVERSATION_TOKEN_PREFIX, hash_token, new_token
from agentpay.limits.service import model_budget, take_new_conversation, tidy
from agentpay.orchestrator import cart, negotiation
from agentpay.orchestrator.context import TurnContext
from agentpay.orchestrator.shopping import ShoppingState
from agentpay.webhooks.queue import nudge

logger = logging.getLogger(__name__)

HISTORY_WINDOW = 20
CLOSED = {"completed", "abandoned"}
# A turn's lease outlasts its deadline by this much: time to save after the last call out.
LEASE_MARGIN_SECONDS = 5.0


def _new_token(ttl_seconds: int) -> tuple[str, str, datetime]:
    token = new_token(CONVERSATION_TOKEN_PREFIX)
    return token, hash_token(token), datetime.now(UTC) + timedelta(seconds=ttl_seconds)


def admit_new_conversation(conn: psycopg.Connection, agent_id: UUID, client_host: str | None,
                           settings: Settings, *, browser: bool) -> None:
    """A browser (publishable key) may start only so many conversations a minute, per
    client address at this store and per store (429 ``rate_limited``). Called outside the
    creation's transaction: the store's bucket row is shared by all its shoppers, and its
    lock is held only for this one statement. Now and then, idle buckets are deleted."""
    if browser:
        take_new_conversation(conn, agent_id, client_host, settings)
    tidy(conn)


def _problems(error: ValidationError) -> list[dict]:
    # the rule broken, never the value sent
    return [{"field": ".".join(str(p) for p in e["loc"]), "msg": e["msg"]}
            for e in error.errors()[:10]]


def check_customer(customer: dict[str, Any], settings: Settings, *,
                   browser: bool) -> dict[str, Any]:
    """The ``customer`` object a conversation keeps and every model call of it reads.

    From a browser (publishable key, so anyone): only the fields of ``BrowserCustomer``,
    each short and well formed (422 ``customer_field_not_allowed`` names the others,
    ``invalid_customer`` a bad value). From the store's backend (secret key): any object
    up to ``max_customer_bytes`` of JSON (422 ``customer_too_large``)."""
    if browser:
        unknown = sorted(set(customer) - BROWSER_CUSTOMER_FIELDS)
        if unknown:
            raise InvalidInput(
                "a publishable key may send only these customer fields: "
                + ", ".join(sorted(BROWSER_CUSTOMER_FIELDS)),
                code="customer_field_not_allowed",
                details={"fields": [f[:64] for f in unknown[:10]],
                         "allowed": sorted(BROWSER_CUSTOMER_FIELDS)})
        try:
            shopper = BrowserCustomer.model_validate(customer)
        except ValidationError as exc:
            raise InvalidInput("a customer field is not valid", code="invalid_customer",
                               details=_problems(exc)) from None
        return shopper.model_dump(exclude_none=True)
    size = len(json.dumps(customer, separators=(",", ":"), ensure_ascii=False).encode())
    if size > settings.max_customer_bytes:
        raise InvalidInput(
            f"customer is {size} bytes of JSON; at most {settings.max_customer_bytes}",
            code="customer_too_large", details={"max_bytes": settings.max_customer_bytes})
    return customer


def create_conversation(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID,
                        data: ConversationCreate, settings: Settings,
                        *, may_resume: bool,
                        browser: bool = False) -> tuple[dict, str, datetime, bool]:
    """Start a conversation; returns (conversation, token, expiry, created).

    A session id already in use resumes that conversation with a fresh token only when
    the caller may resume (a secret key); a browser's publishable key gets a conflict, so
    knowing someone's session id never yields their conversation. ``browser``: the
    caller used a publishable key, so ``customer`` is held to the browser's allow-list.
    """
    customer = check_customer(data.customer, settings, browser=browser)
    agent = agents_repo.get(conn, organization_id, agent_id)
    if agent is None:
        raise NotFound("agent not found", code="agent_not_found")
    if not agent["is_active"]:
        raise Conflict("agent is not active", code="agent_inactive")
    session_id = data.session_id or f"s_{uuid.uuid4().hex}"
    token, token_hash, expires = _new_token(settings.conversation_token_ttl_seconds)
    conversation = repository.insert_conversation(
        conn, organization_id, agent_id, session_id, customer, token_hash, expires
    )
    if conversation is not None:
        return conversation, token, expires, True
    if not may_resume:
        raise Conflict("a conversation with this session id exists", code="session_exists")
    existing = repository.find_by_session(conn, organization_id, session_id, agent_id)
    if existing is None:  # deleted between the insert and the read
        raise Conflict("a conversation with this session id exists", code="session_exists")
    repository.rotate_token(conn, organization_id, existing["id"], token_hash, expires)
    return existing, token, expires, False


def get_conversation(conn: psycopg.Connection, organization_id: UUID,
                     conversation_id: UUID) -> dict:
    conversation = repository.get_conversation(conn, organization_id, conversation_id)
    if conversation is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    return conversation


def get_by_session(conn: psycopg.Connection, organization_id: UUID, session_id: str,
                   agent_id: UUID | None) -> dict:
    conversation = repository.find_by_session(conn, organization_id, session_id, agent_id)
    if conversation is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    return conversation


def _like(text: str) -> str:
    """A case-insensitive substring pattern that matches ``text`` literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _encode_cursor(row: dict[str, Any]) -> str:
    raw = json.dumps([row["waiting"], row["active_at"].isoformat(), str(row["id"])])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[bool, datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        waiting, at, ident = json.loads(raw)
        if not isinstance(waiting, bool):
            raise TypeError
        return waiting, datetime.fromisoformat(at), UUID(ident)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API returned",
                           code="invalid_cursor") from None


def list_conversations(conn: psycopg.Connection, organization_id: UUID, *,
                       status: str | None, q: str | None, agent_id: UUID | None,
                       limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
    """(rows, next cursor) for the dashboard's list; see ``repository.list_conversations``."""
    if q is not None and "\x00" in q:
        raise InvalidInput("q must be plain text", code="invalid_query")
    rows = repository.list_conversations(
        conn, organization_id,
        status=None if status in (None, "waiting") else status,
        waiting_only=status == "waiting",
        pattern=_like(q.strip()) if q and q.strip() else None, agent_id=agent_id,
        after=_decode_cursor(cursor) if cursor else None, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    out = []
    for row in rows:
        summary = cart.summary({"cart": row["cart"] or {"lines": []}})
        out.append({
            **{k: row[k] for k in ("id", "agent_id", "session_id", "status", "stage",
                                   "waiting", "message_count", "last_message_at",
                                   "created_at")},
            "cart": {k: summary[k] for k in ("item_count", "subtotal_minor", "currency")},
            "last_message": None if row["last_role"] is None else {
                "role": row["last_role"], "content": row["last_content"],
                "created_at": row["last_created_at"]},
        })
    return out, (_encode_cursor(rows[-1]) if more else None)


def validate_content(content: str, settings: Settings) -> str:
    if "\x00" in content:
        raise InvalidInput("content must not contain NUL characters", code="invalid_content")
    if not utf8_encodable(content):
        raise InvalidInput("content must not contain unpaired surrogates",
                           code="invalid_content")
    text = content.strip()
    if not text:
        raise InvalidInput("content must not be empty", code="empty_content")
    if len(text) > settings.max_message_chars:
        raise InvalidInput(
            f"content is longer than {settings.max_message_chars} characters",
            code="content_too_long",
        )
    return text


class ConversationBusy(Conflict):
    """Another message of this conversation is being answered (409 ``conversation_busy``,
    ``Retry-After: 1``): a second tab is told at once, never made to wait for a reply."""

    code = "conversation_busy"

    def __init__(self) -> None:
        super().__init__("another message of this conversation is being answered; retry "
                         "when it is done")
        self.headers = {"Retry-After": "1"}


@dataclass
class _Claim:
    """What the first transaction read and took: the turn's lease, and the message."""

    conversation: dict
    agent: dict
    history: list[dict]
    vocabulary_version: int | None
    budget: Any
    version: int
    turn_id: UUID
    message: dict


def send_message(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                 data: MessageCreate, settings: Settings, *,
                 on_delta: Callable[[str], None] | None = None,
                 on_restart: Callable[[], None] | None = None) -> dict:
    """Answer the shopper's message, or replay a retry, in two short transactions.

    Unlike the other services, this one owns its transactions (``conn`` must have none
    open): no transaction may stay open while a model or a payment provider is called.

    1. Claim: lock the conversation (waiting at most ``turn_lock_timeout_ms``), check the
       idempotency key, the conversation and the rate, record the shopper's message and
       take the turn's lease; commit. A turn in flight answers 409 ``conversation_busy``.
    2. Play: understanding, tools and the model, with no transaction open, within
       ``turn_deadline_seconds``. The cart and every other state change stay in memory.
    3. Save: one statement writes the reply and the new state, only while the lease and
       the state's version are still this turn's. A turn that lost them (its lease
       expired and another took over, or a paid checkout completed the conversation
       meanwhile) saves nothing: 409 ``conversation_changed``, and the same message may
       be sent again. A turn that fails, or loses, takes back its message and frees the
       lease, so nothing of it is half-written and a retry runs afresh.
    """
    content = validate_content(data.content, settings)
    if data.client_message_id is not None and "\x00" in data.client_message_id:
        raise InvalidInput("client_message_id must be plain text",
                           code="invalid_client_message_id")
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise RuntimeError("send_message runs its own short transactions; call it with no "
                           "transaction open")
    with deadline.within(settings.turn_deadline_seconds):
        claim = _claim(conn, organization_id, conversation_id, content,
                       data.client_message_id, settings)
        if isinstance(claim, dict):
            return claim  # a replay, or a message while a person holds the conversation
        webhook = None
        try:
            ctx = TurnContext.load(conn, organization_id, claim.agent, claim.conversation,
                                   claim.history, settings, datetime.now(UTC),
                                   vocabulary_version=claim.vocabulary_version)
            ctx.model_budget = claim.budget  # checked before each model call (generate)
            # the six layers load with the first turn: creating, reading or listing
            # conversations (and a WebSocket's connect) need none of them
            from agentpay.orchestrator.engine import get_engine

            outcome = get_engine().run(
                ctx, content, claim.message["seq"], on_delta=on_delta, on_restart=on_restart,
                cart_edit=data.cart_edit.model_dump() if data.cart_edit else None)
            webhook = handoff_event(claim.conversation, claim.conversation["status"],
                                    ctx.status, ctx.state, claim.history, content,
                                    outcome.text, settings)
            saved = repository.save_turn(
                conn, organization_id, conversation_id, claim.turn_id, claim.version,
                claim.message["id"],
                reply={"content": outcome.text, "tool_calls": outcome.tool_records(),
                       "usage": outcome.usage},
                understood={"intent": outcome.intent, "intent_confidence": outcome.confidence,
                            "intent_source": outcome.source, "entities": outcome.entities},
                state={"stage": outcome.stage, "status": ctx.status, "context": ctx.state,
                       "negotiation_history": ctx.negotiation,
                       "hesitation_signals": ctx.hesitation},
                webhook=webhook)
        except Exception:
            _drop(conn, organization_id, conversation_id, claim)
            raise
    if saved is None:
        _drop(conn, organization_id, conversation_id, claim)
        logger.info("turn overtaken; nothing saved",
                    extra={"conversation_id": str(conversation_id)})
        raise Conflict("the conversation changed while this reply was being written (another "
                       "message, a payment or the store); nothing was saved: send the "
                       "message again", code="conversation_changed")
    message, reply, conversation = saved
    if webhook is not None:  # committed with the save: the sender may go now
        nudge(webhook.id)
    summary = cart.summary(ctx.state)
    return {"message": message, "reply": reply, "conversation": conversation,
            "replayed": False, "products": outcome.products(), "cart": summary,
            "reply_with_cards": outcome.text_with_cards(),
            "offer": negotiation.offer_view(ctx.rules, ctx.negotiation,
                                            summary["subtotal_minor"], summary["currency"],
                                            ctx.now),
            "state": ctx.shopping.model_dump()}


def _claim(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
           content: str, client_message_id: str | None,
           settings: Settings) -> _Claim | dict:
    """The first transaction: a claimed turn, or the exchange a retry replays.

    Two round trips, one pipeline: the lock and the read, then the message, the lease and
    the commit. While a person holds the conversation (status ``handoff``) the message is
    recorded with no lease and no turn: the exchange returned has no reply.

    In autocommit, what a pipeline sends before its Sync is one implicit transaction, and reading a result sends a Flush, not a Sync: so the lock taken by the
    first holds until the second commits (``begin_turn`` also writes only where no lease
    is held, should that ever change)."""
    try:
        with conn.pipeline():
            # Locked before the read, so the read sees every turn committed before ours.
            repository.lock_conversation(conn, organization_id, conversation_id,
                                         settings.turn_lock_timeout_ms)
            loaded = repository.load_turn(conn, organization_id, conversation_id,
                                          client_message_id, HISTORY_WINDOW,
                                          per_minute=settings.rate_limit_conversation_per_minute)
            claim = _check_turn(conn, organization_id, conversation_id, content,
                                client_message_id, loaded, settings)
            if isinstance(claim, dict):
                return claim
            if claim.conversation["status"] == "handoff":
                # a person holds it: the message is recorded, and the agent stays quiet
                held = handoff_repo.hold_message(conn, organization_id, conversation_id,
                                                 content, client_message_id)
            else:
                began = repository.begin_turn(conn, organization_id, conversation_id,
                                              claim.turn_id, content, client_message_id,
                                              settings.turn_deadline_seconds
                                              + LEASE_MARGIN_SECONDS)
    except psycopg.errors.LockNotAvailable:
        # another statement held the conversation for longer than turn_lock_timeout_ms
        raise ConversationBusy() from None
    if claim.conversation["status"] == "handoff":
        recorded = handoff_repo.read_held(held)
        if recorded is None:
            raise ConversationBusy()
        return held_exchange(*recorded)
    message = repository.read_message(began)
    if message is None:  # another turn holds the lease after all
        raise ConversationBusy()
    claim.message = message
    return claim


def _check_turn(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                content: str, client_message_id: str | None, loaded: dict | None,
                settings: Settings) -> _Claim | dict:
    """The claim's rules, in order: a retry of an answered message replays it (free, even
    while another turn runs); a turn in flight makes this one wait (409); a turn whose
    lease expired is cleared; then the conversation must be open, its agent active and the
    message within the rate."""
    if loaded is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    agent = loaded.pop("agent")
    history = loaded.pop("history")
    earlier_id = loaded.pop("earlier_id")
    earlier_answered = loaded.pop("earlier_answered")
    vocabulary_version = loaded.pop("vocabulary_version", None)
    rate_wait = loaded.pop("rate_wait_s", None)
    budget = model_budget(loaded.pop("model_budget_usd", None),
                          loaded.pop("model_spent_usd", None), settings)
    version = loaded.pop("version")
    turn_id, turn_message_id = loaded.pop("turn_id"), loaded.pop("turn_message_id")
    turn_live = loaded.pop("turn_live")
    conversation = loaded
    if earlier_id is not None and (earlier_answered or earlier_id != turn_message_id):
        return _replay(conn, organization_id, conversation_id, client_message_id, content,
                       conversation)
    if turn_id is not None:
        if turn_live:
            raise ConversationBusy()
        # A turn that never saved (its function was stopped): its message and lease go.
        repository.drop_turn(conn, organization_id, conversation_id, turn_id,
                             turn_message_id)
        logger.warning("expired turn cleared", extra={"conversation_id": str(conversation_id)})
    if conversation["status"] in CLOSED:
        raise Conflict(f"conversation is {conversation['status']}", code="conversation_closed")
    if agent is not None and not agent.get("is_active", True):  # deactivated: no more turns
        raise Conflict("this conversation's agent is not active", code="agent_inactive")
    # replays above are free; new messages are rationed per conversation, counted in
    # the database (load_turn), so the limit holds however many instances serve it
    if rate_wait is not None and rate_wait > 0:
        raise RateLimited(f"too many messages in this conversation; retry in {rate_wait} s",
                          retry_after=rate_wait)
    if agent is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    agent["id"] = UUID(agent["id"])
    return _Claim(conversation=conversation, agent=agent, history=history,
                  vocabulary_version=vocabulary_version, budget=budget, version=version,
                  turn_id=uuid.uuid4(), message={})


def _replay(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
            client_message_id: str, content: str, conversation: dict) -> dict:
    earlier = repository.find_by_client_id(conn, organization_id, conversation_id,
                                           client_message_id)
    if earlier["content"] != content:
        raise Conflict("client_message_id was already used for a different message",
                       code="idempotency_key_reused")
    reply = repository.find_reply(conn, organization_id, earlier["id"])
    shown = replayed.cards(conn, organization_id, [reply]).get(reply["id"], []) if reply else []
    return {"message": earlier, "reply": reply, "conversation": conversation,
            "replayed": True, **replayed.frame_parts(reply, shown), "cart": cart.summary(
                dict(conversation.get("context") or {})),
            "state": ShoppingState.of(conversation.get("context") or {}).model_dump()}


def _drop(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
          claim: _Claim) -> None:
    """Take back a turn that saved nothing. If the database is gone this fails too: the
    lease then expires and the next turn clears it."""
    try:
        repository.drop_turn(conn, organization_id, conversation_id, claim.turn_id,
                             claim.message["id"])
    except psycopg.Error:
        logger.warning("could not take back an unsaved turn; its lease will expire",
                       exc_info=True, extra={"conversation_id": str(conversation_id)})


def list_messages(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                  after_seq: int, limit: int) -> tuple[list[dict], int | None]:
    get_conversation(conn, organization_id, conversation_id)
    rows = repository.list_messages(conn, organization_id, conversation_id, after_seq, limit + 1)
    page = rows[:limit]
    return page, (page[-1]["seq"] if len(rows) > limit else None)
