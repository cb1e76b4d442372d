"""Schemathesis against the app's own OpenAPI document: every operation, with valid and
invalid data, and with real credentials so the authenticated paths are reached.

Checks on every response, of every operation (the HTML checkout routes and the raw-body
webhook included: their errors are JSON too): never a 5xx (`not_a_server_error`), every
status code is documented (`status_code_conformance`), and every documented body matches
its schema (`response_schema_conformance`). Nothing is excluded: no operation reaches an
external system (checkouts use the local provider; webhooks only verify signatures).

Per generated case Hypothesis also draws which credential to send (mostly the right one;
sometimes none, a garbage one or the wrong kind) and whether the path names real
resources (an agent, the conversation, a product, a signed checkout, a provider with
signature headers) or generated ones. Cases are counted per operation and summed at the
end of the module (run with `-s` to see the per-operation lines with their status codes).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from conftest import bearer

POSITIVE_EXAMPLES = 20
NEGATIVE_EXAMPLES = 12

CATALOG = [
    {"external_id": "FUZZ-LAMP", "name": "Halden Brass Desk Lamp", "price": 8900,
     "currency": "USD", "category": "Lighting"},
    {"external_id": "FUZZ-KETTLE", "name": "Copperline Stovetop Kettle 1.7 L", "price": 4500,
     "currency": "USD", "category": "Kitchen"},
]

PUBLIC = {"/healthz", "/checkout/{token}", "/checkout/{token}/pay",
          "/v1/agent/webhooks/{provider}"}

# Which credential each route is meant for: the rest take the organization's secret key.
# A variant is "right", "none", "wrong_kind" or a garbage Authorization header.
GARBAGE = ["Bearer nope", "Basic dXNlcjpwYXNz", "Bearer sk_" + "x" * 40,
           "Bearer " + "y" * 300, "bearer", "Bearer ct_00000000000000000000"]
CREDENTIAL_VARIANTS = ["right"] * 12 + ["none", "wrong_kind"] + GARBAGE


def _operations() -> list[tuple[str, str]]:
    from agentpay.api.app import create_app
    from agentpay.config import reset_settings

    document = create_app().openapi()
    reset_settings()  # the db fixture configures the real settings later
    return [(method.upper(), path) for path, item in document["paths"].items()
            for method in item]


OPERATIONS = _operations()
STATS: dict[str, Counter] = {}


@dataclass
class World:
    org_id: str
    secret: str
    publishable: str
    shop_agent_id: str
    fuzz_agent_id: str
    conversation_id: str
    conversation_token: str
    session_id: str
    checkout_token: str

    def credential(self, method: str, path: str, variant: str) -> dict:
        role = self.role(method, path)
        if variant == "none" or (role is None and variant == "right"):
            return {}
        if variant in GARBAGE:
            return {"Authorization": variant}
        keys = {"secret": self.secret, "publishable": self.publishable,
                "conversation": self.conversation_token}
        if variant == "wrong_kind":
            role = {"secret": "conversation", "publishable": "conversation",
                    "conversation": "publishable", None: "secret"}[role]
        return bearer(keys[role])

    @staticmethod
    def role(method: str, path: str) -> str | None:
        if path in PUBLIC:
            return None
        if method == "POST" and path == "/v1/agent/conversations":
            return "publishable"
        if path.startswith("/v1/agent/conversations/{conversation_id}"):
            return "conversation"
        return "secret"


@pytest.fixture(scope="module")
def world(app, db):
    """A store with a catalog, two agents, a conversation with a cart, and a real signed
    checkout link; rate limits off and webhook secrets set for the module."""
    from fastapi.testclient import TestClient

    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue
    from agentpay.config import get_settings
    from agentpay.organizations.service import create_organization

    settings = get_settings()
    saved = {name: getattr(settings, name) for name in
             ("rate_limit_key_per_minute", "rate_limit_conversation_per_minute")
             if hasattr(settings, name)}
    for name in saved:
        setattr(settings, name, 0)
    mp = pytest.MonkeyPatch()
    mp.setenv("STRIPE_WEBHOOK_SECRET", "whsec_fuzz")
    mp.setenv("POLAR_WEBHOOK_SECRET", "whsec_ZnV6emZ1enpmdXp6ZnV6eg==")
    set_index_queue(InlineIndexQueue())
    with db.transaction() as conn:
        org, key = create_organization(conn, "Fuzz Store")
    auth = bearer(key.secret)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.put("/v1/agent/products", json={"products": CATALOG},
                          headers=auth).status_code == 200

        def agent(name: str, **fields) -> dict:
            response = client.post("/v1/agent/agents", headers=auth,
                                   json={"name": name, **fields})
            assert response.status_code == 201, response.text
            return response.json()

        shop = agent("Shop assistant",
                     rules={"max_discount_percent": 10, "discount_step_percent": 10})
        fuzzed = agent("Fuzzed agent")

        def conversation(session_id: str) -> tuple[str, dict]:
            response = client.post("/v1/agent/conversations", json={"session_id": session_id},
                                   headers=bearer(shop["publishable_key"]))
            assert response.status_code == 201, response.text
            created = response.json()
            conv_id, conv_auth = created["conversation"]["id"], bearer(created["token"])
            for text in ("brass desk lamp", "add it to my cart"):
                sent = client.post(f"/v1/agent/conversations/{conv_id}/messages",
                                   headers=conv_auth, json={"content": text})
                assert sent.status_code == 201, sent.text
            return conv_id, created

        conv_id, created = conversation("fuzz-session")
        paid_id, paid = conversation("fuzz-paid")
        checkout = client.post(f"/v1/agent/conversations/{paid_id}/checkout", json={},
                               headers=bearer(paid["token"]))
        assert checkout.status_code == 201, checkout.text
    yield World(str(org["id"]), key.secret, shop["publishable_key"], shop["id"], fuzzed["id"],
                conv_id, created["token"], "fuzz-session",
                checkout.json()["url"].split("/checkout/", 1)[1])
    set_index_queue(None)
    mp.undo()
    for name, value in saved.items():
        setattr(settings, name, value)


@pytest.fixture(scope="module")
def api_schema(app, world):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    if not STATS:
        return
    total = sum(sum(c[k] for k in ("positive", "negative")) for c in STATS.values())
    line = (f"schemathesis: {total} generated cases over {len(STATS)} operations "
            f"({sum(c['positive'] for c in STATS.values())} positive, "
            f"{sum(c['negative'] for c in STATS.values())} negative)")
    # shown even without -s: the per-operation lines above are printed (with -s) as they run
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin(
        "capturemanager")
    if reporter is None or capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(line)


def _disposable(world: World, method: str, path: str, provider: str) -> dict:
    """Real path values; a DELETE gets a fresh resource of its own to delete."""
    from agentpay.agents import service as agents_service
    from agentpay.agents.schemas import AgentCreate
    from agentpay.catalog import service as catalog_service
    from agentpay.db import get_database

    values = {"agent_id": world.fuzz_agent_id, "conversation_id": world.conversation_id,
              "session_id": world.session_id, "external_id": "FUZZ-LAMP",
              "token": world.checkout_token, "provider": provider}
    if method == "DELETE":
        with get_database().transaction() as conn:
            if "{agent_id}" in path:
                created = agents_service.create_agent(conn, world.org_id,
                                                      AgentCreate(name="Disposable"))
                values["agent_id"] = str(created["id"])
            if "{external_id}" in path:
                external_id = f"FUZZ-DEL-{time.monotonic_ns()}"
                catalog_service.upsert_products(conn, world.org_id, [
                    {"external_id": external_id, "name": "Disposable", "price": 100,
                     "currency": "USD"}])
                values["external_id"] = external_id
    return values


# Signature headers of the right form with wrong values: verification runs and refuses.
SIGNATURE_HEADERS = {
    "stripe": {"stripe-signature": "t=1700000000,v1=" + "0" * 64},
    "polar": {"webhook-id": "msg_fuzz", "webhook-timestamp": "1700000000",
              "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
}


def _aim(case, world: World, method: str, path: str, provider: str) -> dict:
    """Point a generated case at real resources (keeps the generated body and query);
    the extra headers to send."""
    values = _disposable(world, method, path, provider)
    for name in list(case.path_parameters or {}):
        if name in values:
            case.path_parameters[name] = values[name]
    if isinstance(case.query, dict) and "agent_id" in case.query:
        case.query["agent_id"] = world.shop_agent_id
    if (method, path) == ("POST", "/v1/agent/conversations") and isinstance(case.body, dict):
        case.body.pop("agent_id", None)
    return SIGNATURE_HEADERS[provider] if "{provider}" in path else {}


def _error_code(response) -> str:
    if response.status_code < 400:
        return ""
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return "?"


def _run(operation, mode: GenerationMode, examples: int, world: World, method: str,
         path: str, stats: Counter) -> None:
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]

    # no shrinking: a failure is reported as found (with schemathesis' curl line) in
    # seconds; shrinking through the app takes minutes on a slow machine
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])
    @given(case=operation.as_strategy(mode), variant=st.sampled_from(CREDENTIAL_VARIANTS),
           real=st.sampled_from([None, "stripe", "polar"]))
    def run(case, variant, real):
        headers = world.credential(method, path, variant)
        if real is not None:  # real resources; the name doubles as the webhook provider
            headers.update(_aim(case, world, method, path, real))
        response = case.call_and_validate(headers=headers, checks=checks)
        stats[mode.value] += 1
        stats[(response.status_code, _error_code(response))] += 1

    run()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_never_fails_and_answers_as_documented(api_schema, world, method, path):
    # GIVEN one operation of the app's OpenAPI document and real credentials
    operation = api_schema[path][method]
    stats = STATS.setdefault(f"{method} {path}", Counter())
    started = time.monotonic()
    # WHEN schemathesis sends it valid and invalid data
    # THEN no answer is a 5xx, and every answer is documented and matches its schema
    _run(operation, GenerationMode.POSITIVE, POSITIVE_EXAMPLES, world, method, path, stats)
    try:
        _run(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, world, method, path, stats)
    except Unsatisfiable:
        # nothing to make invalid: no body and no constrained parameter (e.g. /healthz)
        assert stats["negative"] == 0
    statuses = {f"{status} {code}".strip(): n for (status, code), n in
                sorted((k, v) for k, v in stats.items() if isinstance(k, tuple))}
    print(f"\n{method} {path}: {stats['positive']} positive + {stats['negative']} negative "
          f"cases in {time.monotonic() - started:.1f}s; statuses {statuses}")
    assert stats["positive"] > 0


# --------------------------------------------------------------------------------------
# What the fuzzing found, pinned
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "body"), [
    # "\u0000" in a JSON object: jsonb refuses it (22P05)
    ("POST", "/v1/agent/agents", {"name": "ok", "personality": {"tone\x00": "warm"}}),
    # NUL in a text column: psycopg refuses it before sending
    ("POST", "/v1/agent/agents", {"name": "nul\x00name"}),
    # an unpaired surrogate is no valid JSON for jsonb
    ("POST", "/v1/agent/agents", {"name": "ok", "config": {"k": "lone \udfff"}}),
    # NUL in a path segment
    ("GET", "/v1/agent/products/a%00b", None),
])
def test_text_the_database_cannot_store_is_422_not_500(client, tenant, method, path, body):
    # GIVEN a string Postgres cannot hold, in a body or a path
    # WHEN it is sent (json.dumps escapes it as \u0000 / \ud800, as a client would)
    response = client.request(method, path, headers={**tenant.auth,
                              "content-type": "application/json"},
                              content=None if body is None else json.dumps(body))
    # THEN it is the client's error, with the usual shape, and nothing was written
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_text"
    assert client.get("/v1/agent/agents", headers=tenant.auth).json()["data"] == []


@pytest.mark.parametrize(("body", "code"), [
    ({"content": "hi \ud800"}, "invalid_content"),
    ({"content": "hi", "client_message_id": "id\x00"}, "invalid_client_message_id"),
])
def test_unstorable_message_text_is_refused(client, tenant, make_agent, make_conversation,
                                            body, code):
    created = make_conversation(make_agent(tenant))
    conv_id = created["conversation"]["id"]
    response = client.post(f"/v1/agent/conversations/{conv_id}/messages",
                           headers={**bearer(created["token"]),
                                    "content-type": "application/json"},
                           content=json.dumps(body))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


def test_a_rejected_product_id_that_cannot_be_echoed_is_not_a_500(client, tenant):
    # GIVEN a batch whose one item has an unpaired surrogate in its external_id
    body = {"products": [{"external_id": "bad\ud800", "name": "x", "price": 100,
                          "currency": "USD"}]}
    response = client.put("/v1/agent/products", headers={**tenant.auth,
                          "content-type": "application/json"}, content=json.dumps(body))
    # THEN that item is rejected like any other invalid one, without its id
    assert response.status_code == 200, response.text
    [rejected] = response.json()["rejected"]
    assert rejected["index"] == 0 and rejected["external_id"] is None


def test_an_absurd_price_is_no_price(client, tenant, make_agent, make_conversation):
    # GIVEN a shopper typing hundreds of nines after "under $" (float('9'*400) is inf)
    created = make_conversation(make_agent(tenant))
    conv_id = created["conversation"]["id"]
    response = client.post(f"/v1/agent/conversations/{conv_id}/messages",
                           headers=bearer(created["token"]),
                           json={"content": "running shoes under $" + "9" * 400})
    # THEN the turn is answered; no infinite price reaches jsonb or a filter
    assert response.status_code == 201, response.text
    assert all(e["type"] not in ("price_max", "amount")
               for e in response.json()["message"]["entities"])
