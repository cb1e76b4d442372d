"""The chat widget in a real browser: headless Debian chromium driven by Playwright, on the
`/demo` storefront of a real `agentpay dev` with the demo store.

No browser is downloaded: `make setup` installs Debian's chromium. Without it the browser
test skips with the reason, except in CI, where it must run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_local_websocket import http, run_dev_server

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "widget" / "agentpay-widget.js"
CHROMIUM = Path(os.environ.get("AGENTPAY_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOT = ROOT / "test-artifacts" / "widget-e2e.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STEP_MS = 90_000

# Records what the page's WebSockets receive, so the test can see the stream itself.
RECORD_FRAMES = """
(() => {
  const Native = window.WebSocket;
  window.__apFrames = [];
  window.__apSockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.__apSockets.push(this);
      this.addEventListener("message", (e) => {
        try { window.__apFrames.push(JSON.parse(e.data).type); } catch (_) {}
      });
    }
  };
})();
"""


def test_widget_inserts_no_markup_from_data():
    # GIVEN the widget's source THEN nothing is ever parsed as HTML
    source = WIDGET.read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, f"the widget must not use {sink}"


def _browser_or_skip():
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (make setup installs the dev extra)"
    if reason is None and not (CHROMIUM.exists() or shutil.which("chromium")):
        reason = f"no chromium at {CHROMIUM} (make setup installs Debian's chromium as root)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the browser test must run in CI: {reason}")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture(scope="module")
def demo_stack(database_url, db, tmp_path_factory) -> Iterator[str]:
    """`agentpay dev` with the demo store, once its catalog answers a search (indexing of
    the rest goes on meanwhile, as it does for a developer who opens /demo at once)."""
    _browser_or_skip()  # skip before paying for the stack
    data_dir = tmp_path_factory.mktemp("widget-dev")
    with run_dev_server(database_url, data_dir, demo=True, timeout=240) as base:
        demo = json.loads((data_dir / "demo.json").read_text())
        deadline = time.monotonic() + 300
        while True:
            status, _, found = http("POST", f"{base}/v1/agent/products/search",
                                    {"query": "running shoes", "k": 5}, key=demo["api_key"])
            if status == 200 and len(found.get("data", [])) >= 3:
                break
            assert time.monotonic() < deadline, f"demo catalog not searchable: {found}"
            time.sleep(1)
        yield base


def _replies(page) -> int:
    return page.evaluate("window.__apFrames.filter((t) => t === 'agent_message').length")


def _wait_for_reply(page, seen: int) -> None:
    page.wait_for_function(
        f"() => window.__apFrames.filter((t) => t === 'agent_message').length > {seen}",
        timeout=STEP_MS)


def _cart_count(page) -> str:
    return page.locator(".ap-cart-count").text_content()


def test_a_shopper_finds_adds_and_checks_out_in_the_widget(demo_stack):
    sync_playwright = _browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.add_init_script(RECORD_FRAMES)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # GIVEN the demo storefront with the widget open
            page.goto(f"{demo_stack}/demo")
            box = page.locator(".ap-input")
            box.wait_for(timeout=STEP_MS)

            # WHEN the shopper asks for running shoes
            box.fill("I need running shoes")
            box.press("Enter")
            # THEN product cards appear under a reply that was streamed in
            page.locator(".ap-card").first.wait_for(timeout=STEP_MS)
            frames = page.evaluate("window.__apFrames")
            assert "agent_typing" in frames and "agent_message_delta" in frames
            assert frames.index("agent_message_delta") < frames.index("agent_message")
            reply = page.locator(".ap-agent:not(.ap-greeting)").last.text_content()
            assert "running" in reply.lower()
            first_card = page.locator(".ap-card").first
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT.with_name("widget-e2e-products.png")))
            assert re.search(r"\$\d+\.\d\d", first_card.locator(".ap-card-price").text_content())

            # WHEN they press Add on the first card in stock (answering the size question
            # the agent asks about shoes, as a shopper would)
            replies = _replies(page)
            page.locator(".ap-card:has(.ap-add:enabled)").first.locator(".ap-add").click()
            _wait_for_reply(page, replies)
            if _cart_count(page) == "0":
                question = page.locator(".ap-agent").last.text_content()
                size = re.search(r"(?:comes in|available in) ([0-9A-Za-z.]+)", question)
                assert size, f"the agent neither added nor asked for a size: {question}"
                replies = _replies(page)
                box.fill(f"size {size.group(1)}")
                box.press("Enter")
                _wait_for_reply(page, replies)
            # THEN the cart badge counts the item
            assert _cart_count(page) == "1", page.locator(".ap-agent").last.text_content()

            # WHEN they ask to check out THEN a checkout button links to the checkout page
            box.fill("great, checkout please")
            box.press("Enter")
            checkout = page.locator("a.ap-checkout")
            checkout.wait_for(timeout=STEP_MS)
            assert "/checkout/" in checkout.get_attribute("href")
            page.screenshot(path=str(SCREENSHOT))

            # WHEN the socket drops and the shopper writes again THEN the widget reconnects
            # and the message goes through
            page.evaluate("window.__apSockets.at(-1).close()")
            box.fill("thanks!")
            box.press("Enter")
            page.wait_for_function("() => window.__apSockets.length >= 2", timeout=STEP_MS)
            page.wait_for_function(
                "() => !document.querySelector('#agentpay-widget').shadowRoot"
                ".querySelector('.ap-pending')", timeout=STEP_MS)

            # WHEN the page reloads THEN the same conversation comes back with its history
            shown = page.locator(".ap-msg.ap-user").count()
            page.reload()
            page.wait_for_function(
                f"() => document.querySelector('#agentpay-widget').shadowRoot"
                f".querySelectorAll('.ap-msg.ap-user').length >= {shown}", timeout=STEP_MS)
            assert page.locator("a.ap-checkout").count() >= 1

            # WHEN the stored token is no longer accepted THEN the widget says so and starts
            # a new conversation that works
            page.evaluate("""() => {
              for (const key of Object.keys(sessionStorage).filter((k) => k.startsWith("agentpay:"))) {
                const saved = JSON.parse(sessionStorage.getItem(key));
                sessionStorage.setItem(key, JSON.stringify({...saved, token: "ap_ct_expired"}));
              }
            }""")
            page.reload()
            page.locator(".ap-note", has_text="expired").wait_for(timeout=STEP_MS)
            page.wait_for_function("() => window.__apFrames.includes('resumed')",
                                   timeout=STEP_MS)
            replies = _replies(page)
            box.fill("hi")
            box.press("Enter")
            _wait_for_reply(page, replies)
            assert errors == []
        finally:
            browser.close()
