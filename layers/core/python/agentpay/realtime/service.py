"""WebSocket behaviour: authenticate on connect, forget on disconnect, act on frames.

Frames are JSON objects with an `action`: `ping` → `pong`; `typing` → relayed to the
conversation's other connections; `message` → the same send path as HTTP, streamed to
every connection of the conversation (`agent_typing`, `agent_message_delta`…,
`user_message`, `agent_message` with products, the reply's text for cards, cart, offer and
stage; while a person holds the conversation, `user_message` then `conversation_status` and
no reply; a `cart_edit` sets a cart line as the widget's controls do); `resume` → the
messages after `after_seq`, replayed to the asking connection only, then `resumed` with the
cart.

Connections that answer 410 while a frame is handled are deleted after the frame's work
is done, in a transaction of their own: never while the turn holds the
database connection (in Lambda the only one, whose lock is not re-entrant).

Every frame takes a token from its connection's bucket, in the statement that reads the
connection (``AGENTPAY_RATE_LIMIT_FRAMES_PER_MINUTE``, held in Postgres so it holds
across instances): a frame over the rate is dropped, and the first of a run is answered
with one ``rate_limited`` error frame carrying ``retry_after``.

A `message` frame runs the same turn as HTTP, in its two short transactions: a second
tab's message while one is answered gets an error frame `conversation_busy` at once, and a
reply that could not be saved (`conversation_changed`) is taken back from the tabs with
`agent_message_reset` before the error frame.

A socket opened with an operator token is a dashboard's: it belongs to the organization,
not to a conversation, and is sent a short ``conversation_activity`` frame (conversation
id, status, stage and the message) for every message and status change of the store's
conversations, from this path and from HTTP (``handoff.tabs``). It may only ``ping``; its
frames are checked against its operator token (signed out, expired, or its key revoked:
``token_revoked``/``token_expired`` and the socket is closed). It does not wait for a
frame to be closed: signing out and revoking the key close it at once, and the
schedule's sweep closes those whose token expired (``close_ended_dashboards``).

Every frame is checked like an HTTP call with the socket's token, in the statement that
reads the connection: a frame from a socket whose token has expired (or was replaced
when the store resumed the conversation), or whose agent was deactivated or deleted, is
answered with one error frame (``token_expired``, ``token_revoked``, ``agent_inactive``),
the connection is forgotten and the socket closed (``DELETE @connections/{id}``, served by
API Gateway and by the local stack alike). A message turn checks the agent again in its
first transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import psycopg
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentpay.config import Settings
from agentpay.conversations import replayed
from agentpay.conversations import repository as conversations_repo
from agentpay.conversations import service as conversations
from agentpay.conversations.schemas import CartEdit, MessageCreate, MessageOut
from agentpay.db import Database
from agentpay.keys import repository as keys_repo
from agentpay.keys.service import check_conversation_token
from agentpay.kit.errors import AppError
from agentpay.kit.tokens import CONVERSATION_TOKEN_PREFIX, OPERATOR_TOKEN_PREFIX, hash_token
from agentpay.limits.service import FrameLimit, retry_after
from agentpay.operators import repository as operators_repo
from agentpay.operators.service import check_operator_token
from agentpay.orchestrator import cart as carts
from agentpay.realtime import repository
from agentpay.realtime.broadcast import Broadcaster, Delivery

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: str = ""


class Frame(BaseModel):
    model_config = ConfigDict(extra="allow")

    action: str = Field(min_length=1, max_length=32)


class MessageFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: str
    content: str
    client_message_id: str | None = Field(default=None, min_length=1, max_length=128)
    cart_edit: CartEdit | None = None


def connect(db: Database, connection_id: str, token: str | None) -> Outcome:
    """Record the connection if the conversation token (a shopper's tab) or the operator
    token (a dashboard) is valid; never post here."""
    if token and token.startswith(OPERATOR_TOKEN_PREFIX) and len(token) <= 200:
        return _connect_operator(db, connection_id, token)
    if not token or not token.startswith(CONVERSATION_TOKEN_PREFIX) or len(token) > 200:
        return Outcome(401, "missing or invalid token")
    digest = hash_token(token)
    with db.transaction() as conn:
        conversation = keys_repo.find_conversation_token(conn, digest)
        if conversation is None:
            return Outcome(401, "missing or invalid token")
        try:
            check_conversation_token(conversation)
        except AppError as exc:  # expired, or the agent is not active
            return Outcome(exc.status_code, exc.code)
        repository.insert(conn, connection_id, conversation["organization_id"],
                          conversation["id"], digest)
    return Outcome(200)


def _connect_operator(db: Database, connection_id: str, token: str) -> Outcome:
    with db.transaction() as conn:
        row = operators_repo.find(conn, hash_token(token))
        if row is None:
            return Outcome(401, "missing or invalid token")
        try:
            check_operator_token(row)
        except AppError as exc:
            return Outcome(exc.status_code, exc.code)
        repository.insert_operator(conn, connection_id, row["organization_id"], row["id"])
    return Outcome(200)


def disconnect(db: Database, connection_id: str) -> Outcome:
    with db.transaction() as conn:
        repository.delete(conn, connection_id)
    return Outcome(200)


def _error(code: str, message: str) -> dict:
    return {"type": "error", "error": {"code": code, "message": message}}


# why a socket's frames are no longer served: (code, message, status as over HTTP)
_REFUSALS = {
    "conversation_not_found": ("the conversation is gone", 404),
    "token_revoked": ("the conversation token was replaced; reconnect with the new one",
                      401),
    "token_expired": (("the conversation token has expired; start or resume the "
                       "conversation for a new one"), 401),
    "agent_inactive": ("this conversation's agent is not active", 409),
    "operator_signed_out": (("the operator token was signed out or its key revoked; "
                             "sign in again"), 401),
    "operator_token_expired": ("the operator token has expired; sign in again", 401),
}
# the code an error frame carries, when it differs from the refusal's name
_REFUSAL_CODES = {"operator_signed_out": "token_revoked",
                  "operator_token_expired": "token_expired"}


def _refusal(connection: dict) -> str | None:
    if connection["operator_token_id"] is not None:  # a dashboard
        if not connection["operator_live"]:
            return "operator_signed_out"
        if connection["operator_expired"]:
            return "operator_token_expired"
        return None
    if not connection["conversation_live"]:
        return "conversation_not_found"
    if not connection["token_current"]:
        return "token_revoked"
    if connection["expired"]:
        return "token_expired"
    if not connection["agent_active"]:
        return "agent_inactive"
    return None


def _refuse(db: Database, broadcaster: Broadcaster, connection_id: str,
            code: str) -> Outcome:
    """One error frame, then the connection is forgotten and the socket closed."""
    message, status = _REFUSALS[code]
    code = _REFUSAL_CODES.get(code, code)
    try:
        broadcaster.send(connection_id, _error(code, message))
    except Exception:
        logger.warning("could not tell a refused connection why", exc_info=True,
                       extra={"connection_id": connection_id})
    with db.transaction() as conn:
        repository.delete(conn, connection_id)
    broadcaster.close(connection_id)
    logger.info("frame refused", extra={"connection_id": connection_id, "reason": code})
    return Outcome(status, code)


def close_ended_dashboards(conn: psycopg.Connection, broadcaster: Broadcaster,
                           organization_id=None) -> int:
    """Close the dashboards' sockets whose operator token has ended, at once rather than
    at their next frame: after a sign-out or a key's revocation (the organization's,
    over HTTP) and every minute for tokens that expired (the schedule's sweep, all
    stores'). Each is told why first (``token_revoked`` or ``token_expired``, as its next
    frame would be). Returns how many were closed. Call with no transaction open."""
    with conn.transaction():
        ended = repository.claim_ended_dashboards(conn, organization_id)
    for row in ended:
        refusal = ("operator_token_expired" if row["reason"] == "token_expired"
                   else "operator_signed_out")
        try:
            broadcaster.send(row["connection_id"], _error(row["reason"],
                                                          _REFUSALS[refusal][0]))
        except Exception:
            logger.warning("could not tell a dashboard its token ended", exc_info=True,
                           extra={"connection_id": row["connection_id"]})
        broadcaster.close(row["connection_id"])
    if ended:
        logger.info("dashboards closed", extra={"count": len(ended)})
    return len(ended)


def _too_fast(broadcaster: Broadcaster, connection_id: str, connection: dict,
              limit: FrameLimit) -> Outcome:
    """A frame over the connection's rate is dropped; the first of a run is answered with
    one error frame (a flood of frames is not answered with a flood of posts)."""
    wait = retry_after(connection["frame_tokens"], limit.per_second)
    if connection["frame_refusals"] == 1:
        error = _error("rate_limited", f"too many frames on this connection; retry in {wait} s")
        error["error"]["retry_after"] = wait
        try:
            broadcaster.send(connection_id, error)
        except Exception:
            logger.warning("could not tell a connection it is rate limited", exc_info=True,
                           extra={"connection_id": connection_id})
        logger.info("frames rate limited", extra={"connection_id": connection_id})
    return Outcome(429, "rate_limited")


def handle_frame(db: Database, broadcaster: Broadcaster, settings: Settings,
                 connection_id: str, body: str | None) -> Outcome:
    limit = FrameLimit(settings.rate_limit_frames_per_minute)
    with db.connection() as conn:
        connection = repository.check_frame(conn, connection_id, limit.capacity,
                                            limit.per_second)
    if connection is None:
        return Outcome(410, "unknown connection")
    refusal = _refusal(connection)
    if refusal is not None:
        return _refuse(db, broadcaster, connection_id, refusal)
    if connection["frame_refusals"]:
        return _too_fast(broadcaster, connection_id, connection, limit)
    org_id, conversation_id = connection["organization_id"], connection["conversation_id"]
    out = broadcaster.delivery()
    if connection["operator_token_id"] is not None:
        _dashboard_frame(out, connection_id, body)
        return Outcome(200)
    try:
        _dispatch(db, out, settings, connection_id, org_id, conversation_id, body)
    finally:
        # every transaction of this frame is over: the connection is free to delete with
        _forget_gone(db, org_id, out.gone)
    return Outcome(200)


def _dispatch(db: Database, out: Delivery, settings: Settings, connection_id: str, org_id,
              conversation_id, body: str | None) -> None:
    try:
        raw: Any = json.loads(body or "")
        frame = Frame.model_validate(raw)
    except (ValueError, RecursionError, ValidationError):  # RecursionError: "[[[[...]]]]"
        out.send(connection_id, _error("invalid_frame",
                                       "frames are JSON objects with an action"))
        return

    if frame.action == "ping":
        out.send(connection_id, {"type": "pong"})
    elif frame.action == "typing":
        with db.connection() as conn:
            others = [c for c in repository.for_conversation(conn, org_id, conversation_id)
                      if c != connection_id]
        out.send_all(others, {"type": "typing"})
    elif frame.action == "message":
        _message(db, out, settings, connection_id, org_id, conversation_id, raw)
    elif frame.action == "resume":
        _resume(db, out, connection_id, org_id, conversation_id, raw)
    else:
        out.send(connection_id, _error("unknown_action", f"unknown action {frame.action!r}"))


def _dashboard_frame(out: Delivery, connection_id: str, body: str | None) -> None:
    """A dashboard's socket only listens (its actions are HTTP calls); it may ping."""
    try:
        frame = Frame.model_validate(json.loads(body or ""))
    except (ValueError, RecursionError, ValidationError):
        out.send(connection_id, _error("invalid_frame",
                                       "frames are JSON objects with an action"))
        return
    if frame.action == "ping":
        out.send(connection_id, {"type": "pong"})
    else:
        out.send(connection_id, _error("unknown_action",
                                       "a dashboard's socket takes only ping"))


def activity(conversation: dict, message: dict | None) -> dict:
    """What a dashboard is told when a conversation moves: which one, its status and stage,
    and the message (its text cut to 2,000 characters; the transcript has it whole)."""
    frame: dict[str, Any] = {"type": "conversation_activity",
                             "conversation_id": str(conversation["id"]),
                             "status": conversation["status"], "stage": conversation["stage"]}
    if message is not None:
        frame["message"] = {"id": str(message["id"]), "seq": message["seq"],
                            "role": message["role"], "content": message["content"][:2000],
                            "created_at": message["created_at"]}
    return frame


def _forget_gone(db: Database, org_id, gone: Collection[str]) -> None:
    """Delete the connections API Gateway called gone. A failure here loses nothing: a
    stale row answers 410 again next time and is deleted then."""
    if not gone:
        return
    try:
        with db.transaction() as conn:
            repository.delete_many(conn, org_id, sorted(gone))
    except psycopg.Error:
        logger.warning("could not forget gone connections", exc_info=True,
                       extra={"connections": len(gone)})


class DeltaStream:
    """Turns the engine's text deltas into `agent_message_delta` frames for every tab.

    A model streams small pieces; the offline responder hands over its whole reply at once,
    so pieces are cut into word-bounded chunks (well under the 32 KB frame limit) to let a
    widget show the reply as it comes either way.
    """

    CHUNK = 200

    def __init__(self, out: Delivery, targets: list[str]) -> None:
        self._out = out
        self._targets = targets
        self.index = 0

    def delta(self, piece: str) -> None:
        while piece:
            cut = len(piece) if len(piece) <= self.CHUNK else (
                piece.rfind(" ", 0, self.CHUNK) + 1 or self.CHUNK)
            chunk, piece = piece[:cut], piece[cut:]
            self._out.send_all(self._targets, {"type": "agent_message_delta",
                                                       "index": self.index, "delta": chunk})
            self.index += 1

    def restart(self) -> None:
        """A provider failed mid-stream and another took over: tabs drop what they showed."""
        self._out.send_all(self._targets, {"type": "agent_message_reset"})
        self.index = 0


_TRIMS = (("products", lambda f: {**f, "products": [], "reply_with_cards": None}),
          ("state", lambda f: {**f, "state": {}}),
          ("cart", lambda f: {**f, "cart": {"truncated": True}}),
          # "red red red ..." has an entity per word: tens of KB for one message
          ("message", lambda f: {**f, "message": {**f["message"], "entities": []}}))


def _fit(frame: dict) -> dict:
    """Trim optional parts (cards, cart, entities) until the frame fits the WebSocket
    limit."""
    from agentpay.realtime.broadcast import MAX_FRAME_BYTES, encode

    for key, trim in _TRIMS:
        if len(encode(frame)) <= MAX_FRAME_BYTES - 512:
            break
        if key in frame:
            frame = trim(frame)
    return frame


def _message(db: Database, out: Delivery, settings: Settings, connection_id: str,
             org_id, conversation_id, raw: dict) -> None:
    try:
        frame = MessageFrame.model_validate(raw)
    except ValidationError:
        out.send(connection_id, _error("validation_error",
                                               "a message frame needs a string content"))
        return
    try:
        conversations.validate_content(frame.content, settings)
    except AppError as exc:
        out.send(connection_id, _error(exc.code, exc.message))
        return
    with db.connection() as conn:
        targets, dashboards = repository.audience(conn, org_id, conversation_id)
    out.send_all(targets, {"type": "agent_typing"})
    stream = DeltaStream(out, targets)
    try:
        # the turn runs its own two short transactions; posts never touch the database
        with db.connection() as conn:
            exchange = conversations.send_message(
                conn, org_id, conversation_id,
                MessageCreate(content=frame.content, client_message_id=frame.client_message_id,
                              cart_edit=frame.cart_edit),
                settings, on_delta=stream.delta, on_restart=stream.restart,
            )
    except AppError as exc:
        if stream.index:  # a reply was streaming and is not saved: tabs drop it
            stream.restart()
        out.send(connection_id, _error(exc.code, exc.message))
        return
    if exchange["replayed"]:
        stream.delta(exchange["reply"]["content"] if exchange["reply"] else "")
    user = MessageOut.model_validate(exchange["message"]).model_dump(mode="json")
    out.send_all(targets, _fit({"type": "user_message", "message": user}))
    if not exchange["replayed"]:
        out.send_all(dashboards, activity(exchange["conversation"], exchange["message"]))
        if exchange["reply"] is not None:
            out.send_all(dashboards, activity(exchange["conversation"], exchange["reply"]))
    if exchange["reply"] is None:
        # a person holds the conversation (or held it when this message came): no reply
        out.send_all(targets, {"type": "conversation_status",
                               "status": exchange["conversation"]["status"]})
        return
    reply = MessageOut.model_validate(exchange["reply"]).model_dump(mode="json")
    conversation = exchange["conversation"]
    out.send_all(targets, _fit({
        "type": "agent_message", "message": reply, "products": exchange.get("products", []),
        "reply_with_cards": exchange.get("reply_with_cards"),
        "cart": exchange.get("cart", {}), "offer": exchange.get("offer"),
        "state": exchange.get("state", {}),
        "stage": conversation["stage"], "status": conversation["status"],
        "replayed": exchange["replayed"]}))


class ResumeFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: str
    after_seq: int = Field(default=0, ge=0)


RESUME_LIMIT = 200
_FRAME_OF_ROLE = {"assistant": "agent_message", "operator": "operator_message"}


def _resume(db: Database, out: Delivery, connection_id: str, org_id,
            conversation_id, raw: dict) -> None:
    """Replay what this tab missed (messages after `after_seq`), to this tab only."""
    try:
        frame = ResumeFrame.model_validate(raw)
    except ValidationError:
        out.send(connection_id, _error("validation_error",
                                               "resume needs a non-negative after_seq"))
        return
    with db.connection() as conn:
        rows = conversations_repo.list_messages(conn, org_id, conversation_id,
                                                frame.after_seq, RESUME_LIMIT + 1)
        conversation = conversations_repo.get_conversation(conn, org_id, conversation_id)
        # the products each reply showed, as cards again (at the store's prices now)
        shown = replayed.cards(conn, org_id, rows[:RESUME_LIMIT])
    for row in rows[:RESUME_LIMIT]:
        payload = MessageOut.model_validate(row).model_dump(mode="json")
        kind = _FRAME_OF_ROLE.get(row["role"], "user_message")
        cards = replayed.frame_parts(row, shown[row["id"]]) if row["id"] in shown else {}
        out.send(connection_id, _fit({"type": kind, "message": payload, **cards,
                                      "replayed": True}))
    # the cart as it stands, so a reloaded tab shows it before the next reply
    context = dict((conversation or {}).get("context") or {})
    out.send(connection_id, _fit({"type": "resumed", "count": min(len(rows), RESUME_LIMIT),
                                  "more": len(rows) > RESUME_LIMIT,
                                  "cart": carts.summary(context)}))
