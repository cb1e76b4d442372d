"""What the three WebSocket handlers share: the lazily built broadcaster."""

from __future__ import annotations

from agentpay.config import get_settings
from agentpay.realtime.broadcast import Broadcaster, endpoint_from_event, management_client

_broadcasters: dict[str, Broadcaster] = {}


def broadcaster_for(event: dict) -> Broadcaster:
    """One management-API client per endpoint per execution environment."""
    endpoint = get_settings().ws_endpoint or endpoint_from_event(event)
    if endpoint not in _broadcasters:
        _broadcasters[endpoint] = Broadcaster(management_client(endpoint))
    return _broadcasters[endpoint]
