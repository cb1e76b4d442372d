"""The operator dashboard in a real browser (issue 20, item 3): headless Debian chromium
driven by Playwright against a real `agentpay dev`. An operator signs in, sees a shopper's
call for a person arrive from the chat widget on a storefront, takes it over, replies (the
shopper's widget shows it), hands it back, and reads the charts. Screenshots go to
test-artifacts/.

Like the widget's browser test, it skips without chromium, except in CI.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from test_local_websocket import http, run_dev_server
from test_widget_e2e import CHROMIUM, CHROMIUM_ARGS, _browser_or_skip

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "layers" / "core" / "python" / "agentpay" / "dashboard" / "static"
ARTIFACTS = ROOT / "test-artifacts"
STEP_MS = 20_000


def test_the_dashboard_inserts_no_markup_from_data():
    # GIVEN the dashboard's script THEN nothing is ever parsed as HTML
    source = (STATIC / "dashboard.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "localStorage"):
        assert sink not in source, f"the dashboard must not use {sink}"


def test_the_page_and_its_assets_are_served_with_a_strict_policy(client):
    page = client.get("/dashboard")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'src="dashboard/dashboard.js"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["cache-control"] == "no-store"
    for asset, kind in (("dashboard.js", "javascript"), ("dashboard.css", "css")):
        response = client.get(f"/dashboard/{asset}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
    for bad in ("index.html", "..%2Fendpoints.py", "nope.js"):
        assert client.get(f"/dashboard/{bad}").status_code == 404


def test_the_page_names_the_websocket_it_is_configured_with(client, settings, monkeypatch):
    monkeypatch.setattr(settings, "dashboard_ws_url", "wss://ws.example.com/prod")
    page = client.get("/dashboard")
    assert '<meta name="agentpay-ws" content="wss://ws.example.com/prod">' in page.text
    assert "connect-src 'self' wss://ws.example.com" in page.headers["content-security-policy"]


@pytest.fixture(scope="module")
def stack(database_url, db, tmp_path_factory) -> Iterator[str]:
    _browser_or_skip()  # skip before paying for the stack
    with run_dev_server(database_url, tmp_path_factory.mktemp("dashboard-dev"),
                        demo=False) as base:
        yield base


@contextmanager
def storefront(page: str) -> Iterator[str]:
    """A store's site on its own origin (another port), with the widget's script tag."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = page.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _shop_page(base: str, publishable_key: str) -> str:
    return ("<!doctype html><html><head><title>Test shop</title></head><body>"
            "<h1>Test shop</h1>"
            f'<script src="{base}/widget/agentpay-widget.js" data-agent-key="{publishable_key}"'
            f' data-api="{base}" data-open="true"></script></body></html>')


KETTLE = {"external_id": "kettle-1", "name": "Copperline Stovetop Kettle", "price": 4500,
          "currency": "USD", "image_url": "https://img.example.com/kettle.jpg"}
SCARF = {"external_id": "scarf-1", "name": "Alpine Wool Scarf", "price": 3900,
         "currency": "EUR"}


def _catalog(client, tenant) -> None:
    """The store's products, indexed before this returns (the dev stack shares the DB)."""
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue

    set_index_queue(InlineIndexQueue())
    try:
        response = client.put("/v1/agent/products", json={"products": [KETTLE, SCARF]},
                              headers=tenant.auth)
        assert response.status_code == 200, response.text
    finally:
        set_index_queue(None)


def _buy(client, agent: dict, wanted: str) -> None:
    """A shopper of ``agent`` buys ``wanted`` and pays (the local provider)."""
    from conftest import bearer

    conv = client.post("/v1/agent/conversations", json={},
                       headers=bearer(agent["publishable_key"])).json()
    cid, auth = conv["conversation"]["id"], bearer(conv["token"])
    for text in (wanted, "add it to my cart", "checkout"):
        reply = client.post(f"/v1/agent/conversations/{cid}/messages",
                            json={"content": text}, headers=auth)
        assert reply.status_code == 201, reply.text
    url = reply.json()["conversation"]["context"]["checkout"]["url"]
    assert client.post("/checkout/" + url.split("/checkout/")[1] + "/pay").status_code == 200


def test_an_operator_takes_over_replies_releases_and_reads_the_numbers(stack, make_tenant,
                                                                       client):
    sync_playwright = _browser_or_skip()
    started = time.monotonic()
    # GIVEN a store with an agent on its storefront, and a second agent that sold in two
    # currencies today
    tenant = make_tenant("Dashboard E2E Store")
    _catalog(client, tenant)
    status, _, agent = http("POST", f"{stack}/v1/agent/agents",
                            {"name": "Ava", "personality": {"tone": "friendly"}},
                            key=tenant.api_key)
    assert status == 201, agent
    status, _, other = http("POST", f"{stack}/v1/agent/agents",
                            {"name": "Bo", "personality": {"tone": "friendly"}},
                            key=tenant.api_key)
    assert status == 201, other
    _buy(client, other, "copperline kettle")
    _buy(client, other, "alpine wool scarf")
    ARTIFACTS.mkdir(exist_ok=True)
    with storefront(_shop_page(stack, agent["publishable_key"])) as shop, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            errors: list[str] = []
            operator = browser.new_context(viewport={"width": 1300, "height": 850}).new_page()
            shopper = browser.new_context(viewport={"width": 900, "height": 800}).new_page()
            for page in (operator, shopper):
                page.on("pageerror", lambda exc: errors.append(str(exc)))


            # WHEN the operator signs in with the secret key
            operator.goto(f"{stack}/dashboard")
            operator.fill("#secret-key", tenant.api_key)
            operator.click("#signin-button")
            # THEN the page listens on the WebSocket, and the browser keeps only the
            # operator token
            operator.locator("#live.on").wait_for(timeout=STEP_MS)
            kept = operator.evaluate(
                "JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
            assert tenant.api_key not in kept and "ap_ot_" in kept
            assert operator.input_value("#secret-key") == ""

            # WHEN a shopper asks the widget for a person
            shopper.goto(shop)
            box = shopper.locator(".ap-input")
            box.wait_for(timeout=STEP_MS)
            box.fill("can I talk to a person please?")
            box.press("Enter")
            shopper.locator(".ap-msg.ap-agent:not(.ap-greeting)").first.wait_for(
                timeout=STEP_MS)
            # THEN the handoff arrives in the dashboard's list, waiting for a person
            waiting = operator.locator("#conversation-list li.waiting")
            waiting.first.wait_for(timeout=STEP_MS)
            assert "waiting for a person" in waiting.first.text_content()
            waiting.first.click()
            operator.locator("#transcript .msg.user", has_text="talk to a person").wait_for(
                timeout=STEP_MS)
            operator.screenshot(path=str(ARTIFACTS / "dashboard-handoff.png"))

            # WHEN the operator takes it over and replies
            operator.click("#takeover")
            operator.locator("#takeover").wait_for(state="hidden", timeout=STEP_MS)
            # (taken, it no longer waits for a person)
            operator.wait_for_function(
                "() => !document.querySelector('#conversation-list li.waiting')",
                timeout=STEP_MS)
            operator.fill("#reply", "Hi, this is Sam from the team. How can I help?")
            operator.click("#send")
            operator.locator("#transcript .msg.operator", has_text="Sam from the team"
                             ).wait_for(timeout=STEP_MS)
            # THEN the shopper's widget shows the reply
            shopper.locator(".ap-msg.ap-operator", has_text="Sam from the team").wait_for(
                timeout=STEP_MS)
            # and what the shopper says next reaches the dashboard live, unanswered by
            # the agent
            box.fill("thanks Sam, do you ship to Canada?")
            box.press("Enter")
            operator.locator("#transcript .msg.user", has_text="ship to Canada").wait_for(
                timeout=STEP_MS)
            operator.screenshot(path=str(ARTIFACTS / "dashboard-conversation.png"))
            shopper.screenshot(path=str(ARTIFACTS / "dashboard-shopper-widget.png"))

            # WHEN the operator hands it back to the agent
            operator.click("#release")
            operator.locator("#detail-status", has_text="active").wait_for(timeout=STEP_MS)
            # THEN the agent answers the shopper again, and the dashboard sees it live,
            # the products it showed as cards with their names and prices, not their ids
            agent_replies = shopper.locator(".ap-msg.ap-agent:not(.ap-greeting)").count()
            box.fill("do you have a copperline kettle?")
            box.press("Enter")
            shopper.wait_for_function(
                "() => document.querySelector('#agentpay-widget').shadowRoot"
                f".querySelectorAll('.ap-msg.ap-agent:not(.ap-greeting)').length > {agent_replies}",
                timeout=STEP_MS)
            operator.locator("#transcript .msg.user", has_text="copperline kettle").wait_for(
                timeout=STEP_MS)
            card = operator.locator("#transcript .msg.assistant .pcard",
                                    has_text="Copperline Stovetop Kettle")
            card.first.wait_for(timeout=STEP_MS)
            assert "$45.00" in card.first.text_content()
            assert "kettle-1" not in operator.locator("#transcript").text_content()
            # its picture cannot load here (no network): the first letter, not a broken image
            assert KETTLE["image_url"].startswith("http")
            card.first.locator(".noimg", has_text="C").wait_for(timeout=STEP_MS)
            assert card.first.locator("img").count() == 0
            operator.locator("#fact-products .product .noimg").first.wait_for(timeout=STEP_MS)
            operator.locator("#fact-products .product", has_text="Copperline").wait_for(
                timeout=STEP_MS)
            operator.screenshot(path=str(ARTIFACTS / "dashboard-products.png"))

            # WHEN the operator opens the numbers THEN the charts are drawn from the API
            operator.click(".tab[data-view=numbers]")
            bars = operator.locator("#chart-conversations rect.bar")
            bars.first.wait_for(state="attached", timeout=STEP_MS)
            assert bars.count() in (30, 31)  # the 30 days' UTC dates, both ends partial
            today = operator.evaluate(
                "Math.max(...[...document.querySelectorAll('#chart-conversations rect.bar')]"
                ".map((b) => Number(b.dataset.value)))")
            assert today >= 1
            funnel = operator.locator("#chart-funnel rect.bar")
            assert funnel.count() == 6
            assert funnel.first.get_attribute("data-label") == "discovery"
            assert "Conversations" in operator.locator("#tiles").text_content()
            # AND there is a revenue chart for every currency the store was paid in
            revenue = operator.locator("#revenue-charts figure")
            assert sorted(revenue.evaluate_all("(fs) => fs.map((f) => f.dataset.currency)")
                          ) == ["EUR", "USD"]
            for currency, minor in (("EUR", 3900), ("USD", 4500)):
                figure = operator.locator(f"#revenue-charts figure[data-currency={currency}]")
                assert currency in figure.locator("figcaption").text_content()
                assert figure.evaluate("(f) => Math.max(...[...f.querySelectorAll('rect.bar')]"
                                       ".map((b) => Number(b.dataset.value)))") == minor
            # AND the store's two agents can be read apart
            assert operator.locator("#agent").is_visible()
            assert operator.locator("#by-agent tbody tr").count() == 2
            operator.screenshot(path=str(ARTIFACTS / "dashboard-numbers.png"))
            operator.select_option("#agent", label="Bo")
            operator.wait_for_function(
                "() => document.querySelector('#by-agent-figure').hidden && "
                "document.querySelector('#tiles .tile .value').textContent === '2'",
                timeout=STEP_MS)
            tiles = operator.locator("#tiles").text_content().replace(" ", "")
            assert "Orderspaid2" in tiles and "Conversion100.0%" in tiles
            operator.screenshot(path=str(ARTIFACTS / "dashboard-numbers-agent.png"))

            # WHEN the operator opens a conversation that ended in a sale THEN its cart
            # moves, checkout link and paid checkout are shown with the product's name
            operator.click(".tab[data-view=conversations]")
            operator.locator("#conversation-list li", has_text="€39.00").click()
            operator.locator("#transcript .event.cart", has_text="Alpine Wool Scarf").wait_for(
                timeout=STEP_MS)
            sent = operator.locator("#transcript .event.checkout")
            sent.wait_for(timeout=STEP_MS)
            assert "€39.00" in sent.text_content()
            operator.locator("#transcript .event.checkout .badge.paid").wait_for(
                timeout=STEP_MS)
            assert "Alpine Wool Scarf" in operator.locator("#fact-cart").text_content()
            assert "paid" in operator.locator("#fact-checkout").text_content()
            assert operator.locator("#fact-checkout a.checkout-link").count() == 1
            operator.screenshot(path=str(ARTIFACTS / "dashboard-sale.png"))

            # WHEN the operator signs out THEN the token is gone from the browser
            operator.click("#signout")
            operator.locator("#signin-form").wait_for(timeout=STEP_MS)
            assert "ap_ot_" not in operator.evaluate("JSON.stringify(sessionStorage)")
            assert errors == []
        finally:
            browser.close()
    assert time.monotonic() - started < 60


def test_the_http_function_serves_the_dashboard_under_its_stage(db, lambda_context,
                                                                monkeypatch):
    # GIVEN the deployed HTTP function, configured as the template configures it
    from agentpay.config import get_settings
    from conftest import load_event, load_handler

    monkeypatch.setattr(get_settings(), "dashboard_ws_url",
                        "wss://f6g7h8i9j0.execute-api.us-east-1.amazonaws.com/prod")
    handler = load_handler("http_api").handler
    # WHEN a browser asks for https://<api>/prod/dashboard
    page = handler(load_event("http_api_dashboard.json"), lambda_context)
    # THEN the page comes back, naming its assets relative to itself and the WebSocket API
    assert page["statusCode"] == 200, page
    assert 'href="dashboard/dashboard.css"' in page["body"]
    assert 'content="wss://f6g7h8i9j0.execute-api.us-east-1.amazonaws.com/prod"' in page["body"]
    assert "wss://f6g7h8i9j0.execute-api.us-east-1.amazonaws.com" in \
        page["headers"]["content-security-policy"]
    # AND its script is served under the same stage
    event = load_event("http_api_dashboard.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/prod/dashboard/dashboard.js"
    event["pathParameters"] = {"proxy": "dashboard/dashboard.js"}
    script = handler(event, lambda_context)
    assert script["statusCode"] == 200 and "text/javascript" in script["headers"]["content-type"]
    assert "operator-tokens" in script["body"]


def test_a_dashboard_connects_through_the_connect_function(client, db, make_tenant,
                                                          lambda_context):
    from conftest import load_event, load_handler

    tenant = make_tenant("Dashboard Socket Store")
    token = client.post("/v1/agent/operator-tokens", headers=tenant.auth).json()["token"]
    event = load_event("ws_connect.json")
    event["queryStringParameters"] = {"token": token}
    event["requestContext"]["connectionId"] = "DashConnId="
    outcome = load_handler("ws_connect").handler(event, lambda_context)
    assert outcome["statusCode"] == 200
    with db.connection() as conn:
        row = conn.execute("SELECT organization_id, conversation_id, operator_token_id "
                           "FROM ws_connections WHERE connection_id = 'DashConnId='").fetchone()
    assert str(row["organization_id"]) == tenant.organization_id
    assert row["conversation_id"] is None and row["operator_token_id"] is not None
    # a secret key does not open a socket
    event["queryStringParameters"] = {"token": tenant.api_key}
    event["requestContext"]["connectionId"] = "KeyConnId="
    assert load_handler("ws_connect").handler(event, lambda_context)["statusCode"] == 401
