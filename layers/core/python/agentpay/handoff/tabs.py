"""Frames to a conversation's open tabs from outside a WebSocket frame (an operator's
message over HTTP, a take-over, a release, a shopper's message over HTTP), and a short
``conversation_activity`` frame to the organization's open dashboards: the production
``post_to_connection`` path, after the transaction. A tab that is gone (410) is forgotten; with no WebSocket API configured
(``AGENTPAY_WS_ENDPOINT`` unset) nothing is posted."""

from __future__ import annotations

import logging
from uuid import UUID

import psycopg

from agentpay.config import Settings
from agentpay.realtime import repository as connections
from agentpay.realtime.broadcast import Broadcaster, management_client

logger = logging.getLogger(__name__)

_broadcasters: dict[str, Broadcaster] = {}
_override: Broadcaster | None = None


def set_broadcaster(broadcaster: Broadcaster | None) -> None:
    """Tests: post through this broadcaster whatever the settings say."""
    global _override
    _override = broadcaster


def _broadcaster(settings: Settings) -> Broadcaster | None:
    if _override is not None:
        return _override
    if not settings.ws_endpoint:
        return None
    if settings.ws_endpoint not in _broadcasters:
        _broadcasters[settings.ws_endpoint] = Broadcaster(management_client(settings.ws_endpoint))
    return _broadcasters[settings.ws_endpoint]


def tell_tabs(conn: psycopg.Connection, settings: Settings, organization_id: UUID,
              conversation_id: UUID, frame: dict | None,
              activity: dict | list[dict] | None = None) -> int:
    """Post ``frame`` to every open tab of the conversation, and ``activity`` (a frame or
    frames, in order) to every open dashboard of the organization; how many tabs took
    ``frame``. Call with no transaction open: posts are network calls."""
    broadcaster = _broadcaster(settings)
    if broadcaster is None:
        return 0
    targets, dashboards = connections.audience(conn, organization_id, conversation_id)
    if frame is None:
        targets = []
    if activity is None:
        dashboards = []
    if not targets and not dashboards:
        return 0
    out = broadcaster.delivery()
    delivered = out.send_all(targets, frame) if targets else 0
    for dashboard_frame in ([activity] if isinstance(activity, dict) else activity or []):
        if dashboards:
            out.send_all(dashboards, dashboard_frame)
    if out.gone:
        try:
            with conn.transaction():
                connections.delete_many(conn, organization_id, sorted(out.gone))
        except psycopg.Error:
            logger.warning("could not forget gone connections", exc_info=True)
    return delivered


def close_ended_dashboards(conn: psycopg.Connection, settings: Settings,
                           organization_id: UUID) -> int:
    """After a sign-out or a key's revocation: the organization's dashboards whose token
    ended are told and closed now (see ``realtime.service.close_ended_dashboards``); with
    no WebSocket API configured, only forgotten. Call with no transaction open."""
    from agentpay.realtime.service import close_ended_dashboards as close

    broadcaster = _broadcaster(settings)
    if broadcaster is None:
        with conn.transaction():
            return len(connections.claim_ended_dashboards(conn, organization_id))
    return close(conn, broadcaster, organization_id)
