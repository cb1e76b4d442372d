"""The API's routers, each imported on the first request whose path is one of its routes.

A cold Lambda used to import every endpoint module, and with them the orchestrator, the
understanding tables, search, payments and their models, before serving any request: most
of the handler's cold start (issue 22, item 3). Here the app holds an empty placeholder
router per group, in the order below (the order decides which of two matching routes wins,
as `include_router` did), and `LoadRouters` includes a group's real router into its
placeholder when a request's path matches one of the group's paths. `/openapi.json` (and
`app.openapi()`) includes them all. tests/test_api_routers.py checks that the paths listed
here are exactly each router's.
"""

from __future__ import annotations

import importlib
import re
import threading
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from starlette.routing import compile_path


@dataclass(frozen=True)
class Group:
    """A module's `router` and the paths of its routes."""

    module: str
    paths: tuple[str, ...]
    attribute: str = "router"


GROUPS = (
    Group("agentpay.api.health", ("/healthz",)),
    Group("agentpay.agents.endpoints", (
        "/v1/agent/agents", "/v1/agent/agents/{agent_id}",
        "/v1/agent/agents/{agent_id}/publishable-key/rotate",
        "/v1/agent/agents/{agent_id}/publishable-key/previous")),
    Group("agentpay.conversations.endpoints", (
        "/v1/agent/conversations", "/v1/agent/conversations/session/{session_id}",
        "/v1/agent/conversations/{conversation_id}",
        "/v1/agent/conversations/{conversation_id}/messages")),
    Group("agentpay.handoff.endpoints", (
        "/v1/agent/conversations/{conversation_id}/operator-messages",
        "/v1/agent/conversations/{conversation_id}/release",
        "/v1/agent/conversations/{conversation_id}/takeover")),
    Group("agentpay.webhooks.endpoints", ("/v1/agent/webhooks/deliveries",)),
    Group("agentpay.organizations.endpoints", ("/v1/agent/organization",)),
    Group("agentpay.keys.endpoints", (
        "/v1/agent/organization/keys", "/v1/agent/organization/keys/{key_id}",
        "/v1/agent/organization/keys/{key_id}/rotate")),
    Group("agentpay.operators.endpoints", (
        "/v1/agent/operator-tokens", "/v1/agent/operator-tokens/current")),
    Group("agentpay.catalog.endpoints", (
        "/v1/agent/products", "/v1/agent/products/search",
        "/v1/agent/products/{external_id}")),
    Group("agentpay.knowledge.endpoints", (
        "/v1/agent/knowledge", "/v1/agent/knowledge/{external_id}")),
    Group("agentpay.payments.endpoints", (
        "/v1/agent/webhooks/{provider}", "/v1/agent/conversations/{conversation_id}/checkout",
        "/v1/agent/analytics")),
    Group("agentpay.dashboard.endpoints", ("/dashboard", "/dashboard/{asset}")),
)
# the local provider's page and pay button: an order with no money taken (not in production)
LOCAL_GROUPS = (
    Group("agentpay.checkout.endpoints", ("/checkout/{token}",)),
    Group("agentpay.payments.endpoints", ("/checkout/{token}/pay",), "local_router"),
)


@dataclass
class _Slot:
    group: Group
    placeholder: APIRouter
    patterns: tuple[re.Pattern[str], ...]
    loaded: bool = False


@dataclass
class Routers:
    """An app's groups: which are included, and including one when a path needs it."""

    slots: list[_Slot] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, app: FastAPI, group: Group) -> None:
        placeholder = APIRouter()
        app.include_router(placeholder)
        patterns = tuple(compile_path(path)[0] for path in group.paths)
        self.slots.append(_Slot(group, placeholder, patterns))

    def load_for(self, *paths: str) -> None:
        """Include every group with a route that one of these paths matches."""
        for slot in self.slots:
            if not slot.loaded and any(p.match(path) for p in slot.patterns for path in paths):
                self._load(slot)

    def load_all(self) -> None:
        for slot in self.slots:
            if not slot.loaded:
                self._load(slot)

    def _load(self, slot: _Slot) -> None:
        with self.lock:
            if slot.loaded:
                return
            module = importlib.import_module(slot.group.module)
            slot.placeholder.include_router(getattr(module, slot.group.attribute))
            slot.loaded = True


class LoadRouters:
    """Pure ASGI middleware: before routing, include the routers the request's path needs."""

    def __init__(self, app, routers: Routers, openapi_url: str | None) -> None:
        self.app = app
        self.routers = routers
        self.openapi_url = openapi_url

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            path = scope["path"]
            root = scope.get("root_path", "")
            # Starlette routes the path without the root path (Mangum's base path); either
            # may be what a route sees, and including one group too many is harmless
            route_path = path[len(root):] if root and path.startswith(root) else path
            if self.openapi_url in (path, route_path):
                self.routers.load_all()
            else:
                self.routers.load_for(path, route_path)
        await self.app(scope, receive, send)


def install(app: FastAPI, groups: tuple[Group, ...]) -> Routers:
    """Give the app a placeholder per group, the middleware, and an OpenAPI of them all."""
    routers = Routers()
    for group in groups:
        routers.add(app, group)
    app.add_middleware(LoadRouters, routers=routers, openapi_url=app.openapi_url)
    schema = app.openapi

    def openapi() -> dict:
        routers.load_all()
        return schema()

    app.openapi = openapi
    return routers
