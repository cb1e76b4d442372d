"""Routers imported with the first request that needs them (agentpay.api.routers): the
table of paths is each router's own, and a cold app routes every request as an app with all
routers included does (issue 22, item 3)."""

from __future__ import annotations

import importlib
import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from agentpay.api.routers import GROUPS, LOCAL_GROUPS

SAMPLE = "00000000-0000-4000-8000-000000000000"


def _routes(group) -> list[APIRoute]:
    router = getattr(importlib.import_module(group.module), group.attribute)
    return [r for r in router.routes if isinstance(r, APIRoute)]


def _every_route() -> list[tuple[str, str]]:
    return [(method, re.sub(r"\{[^}]+\}", SAMPLE, route.path))
            for group in GROUPS + LOCAL_GROUPS for route in _routes(group)
            for method in sorted(route.methods)]


@pytest.mark.parametrize("group", GROUPS + LOCAL_GROUPS, ids=lambda g: g.module)
def test_each_group_lists_exactly_the_paths_of_its_router(group):
    # GIVEN a group of the table WHEN its router is imported THEN the paths are its routes'
    assert {route.path for route in _routes(group)} == set(group.paths)


def test_a_cold_app_imports_no_router_until_a_request_needs_one(db):
    # GIVEN a new app WHEN it has served nothing THEN no placeholder holds a router
    from agentpay.api.app import create_app

    app = create_app()
    placeholders = [r.original_router for r in app.router.routes if hasattr(r, "original_router")]
    assert len(placeholders) == len(GROUPS) + len(LOCAL_GROUPS)
    assert all(not p.routes for p in placeholders)
    # WHEN it serves /healthz THEN only the health router was included
    assert TestClient(app).get("/healthz").status_code == 200
    assert [bool(p.routes) for p in placeholders] == [True] + [False] * (len(placeholders) - 1)


@pytest.fixture(scope="module")
def warm(db):
    """An app with every router included (its OpenAPI includes them all)."""
    from agentpay.api.app import create_app

    app = create_app()
    app.openapi()
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(("method", "path"), _every_route())
def test_a_cold_app_answers_each_route_as_an_app_with_every_router(warm, method, path):
    from agentpay.api.app import create_app

    # GIVEN a new app that has served nothing
    cold = TestClient(create_app(), raise_server_exceptions=False)
    # WHEN it and the warm app get the same first request (no credentials)
    replies = [client.request(method, path) for client in (warm, cold)]
    # THEN they answer alike: the cold app found the route the warm one did
    assert (replies[1].status_code, replies[1].content) == (replies[0].status_code,
                                                            replies[0].content)


def test_openapi_lists_every_route_of_a_cold_app(db):
    from agentpay.api.app import create_app

    paths = create_app().openapi()["paths"]
    listed = {group_path for group in GROUPS + LOCAL_GROUPS for group_path in group.paths
              if not group.module.startswith("agentpay.dashboard")}
    assert listed <= set(paths)
