"""The chat widget in a real browser: headless Debian chromium driven by Playwright, on the
`/demo` storefront of a real `agentpay dev` with the demo store.

What a person sees is checked by bounding boxes, at a desktop's 1280×900 and a phone's
390×844: each card's name, price and Add button inside the card, the widget and the window;
the cart panel's lines, steppers and checkout. axe-core (an npm package that `make setup`
installs from package-lock.json, given to the page from disk, no CDN) audits the widget.
Screenshots of both sizes go to test-artifacts/.

No browser is downloaded: `make setup` installs Debian's chromium. Without it (or without
axe-core) the browser test skips with the reason, except in CI, where it must run.
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
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
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


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the browser test must run in CI: {reason}")
    pytest.skip(reason)


def _browser_or_skip():
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (make setup installs the dev extra)"
    if reason is None and not (CHROMIUM.exists() or shutil.which("chromium")):
        reason = f"no chromium at {CHROMIUM} (make setup installs Debian's chromium as root)"
    if reason:
        _skip_or_fail(reason)
    return sync_playwright


def _axe_or_skip() -> str:
    if not AXE.exists():
        _skip_or_fail(f"no axe-core at {AXE.relative_to(ROOT)} (make setup installs it with "
                      "npm from package-lock.json)")
    return AXE.read_text()


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
            page = browser.new_page(viewport=SIZES["desktop"])
            page.add_init_script(RECORD_FRAMES)
            _offline_images(page)
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
            checkout = page.locator(".ap-log a.ap-checkout")
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
            # and the replies' product cards with it, each reply's under it again
            page.locator(".ap-card").first.wait_for(timeout=STEP_MS)
            assert page.locator(".ap-log .ap-products").count() >= 1

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


# --- what a person sees, at both sizes ----------------------------------------------------

def _offline_images(page) -> None:
    """The demo catalog's images live on a shop that does not exist: refused at once, as a
    broken image would be, so every card shows its placeholder (and no test waits on DNS)."""
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    return box


def _inside(inner: dict, outer: dict, what: str, slack: float = 1.0) -> None:
    assert inner["width"] > 0 and inner["height"] > 0, f"{what} has no size: {inner}"
    assert (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack), \
        f"{what} {inner} is not inside {outer}"


def _money(text: str) -> int:
    return round(float(re.search(r"\$([\d,]+\.\d\d)", text).group(1).replace(",", "")) * 100)


def _audit(page, axe: str, where: str) -> None:
    """axe-core over the widget (its shadow tree included): no serious or critical
    violation."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(content=axe)
    result = page.evaluate("""async () => {
      const r = await axe.run({ include: [["#agentpay-widget"]] },
                              { resultTypes: ["violations", "passes"] });
      return { passes: r.passes.length,
               violations: r.violations.map((v) => ({ id: v.id, impact: v.impact,
                 nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + ": "
                                                 + n.failureSummary) })) };
    }""")
    assert result["passes"] > 10, f"axe audited nothing of the widget ({where}): {result}"
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"axe found serious problems ({where}): {json.dumps(serious, indent=1)}"


@pytest.mark.parametrize("size", sorted(SIZES))
def test_what_a_shopper_sees_cards_cart_and_checkout(demo_stack, size):
    sync_playwright = _browser_or_skip()
    axe = _axe_or_skip()
    viewport = SIZES[size]
    window = {"x": 0, "y": 0, **viewport}
    shots = ROOT / "test-artifacts"
    shots.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport)
            page.add_init_script(RECORD_FRAMES)
            _offline_images(page)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # GIVEN the demo storefront, the widget open
            page.goto(f"{demo_stack}/demo")
            box = page.locator(".ap-input")
            box.wait_for(timeout=STEP_MS)
            panel = _box(page.locator(".ap-panel"))
            _inside(panel, window, "the widget")
            if size == "phone":  # the whole screen
                assert (panel["width"], panel["height"]) == (viewport["width"], viewport["height"])
            else:  # a panel in the corner, the page still there beside it
                assert panel["width"] <= 420 and panel["x"] > viewport["width"] / 2
            # new messages are announced, every control is named
            assert page.locator(".ap-log").get_attribute("aria-live") == "polite"

            # WHEN the shopper asks for running shoes
            replies = _replies(page)
            box.fill("I need running shoes")
            box.press("Enter")
            _wait_for_reply(page, replies)
            cards = page.locator(".ap-card")
            cards.first.wait_for(timeout=STEP_MS)
            names = [n.strip() for n in page.locator(".ap-card-name").all_text_contents()]
            assert len(names) >= 3 and all(names)
            # THEN the reply says what was searched and how many, and does not list them again
            reply = page.locator(".ap-agent:not(.ap-greeting)").last.text_content()
            assert "shown" in reply and "running" in reply.lower()
            assert not any(name in reply for name in names), reply
            # AND each card's name, price and Add button are visible: inside the card, the
            # widget and the window once the row is scrolled to it
            for i in range(cards.count()):
                card = cards.nth(i)
                card.scroll_into_view_if_needed()
                card_box = _box(card)
                _inside(card_box, panel, f"card {i}")
                row = _box(page.locator(".ap-cards").first)
                _inside(card_box, row, f"card {i} in its row")
                for part in (".ap-card-name", ".ap-card-price", ".ap-add"):
                    part_box = _box(card.locator(part))
                    _inside(part_box, card_box, f"card {i}'s {part}")
                    _inside(part_box, window, f"card {i}'s {part} in the window")
                assert _box(card.locator(".ap-card-name"))["height"] >= 14  # a line of text
                assert re.search(r"\$\d+\.\d\d", card.locator(".ap-card-price").text_content())
            cards.first.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / f"widget-{size}-cards.png"))
            _audit(page, axe, f"{size}, cards")

            # WHEN they choose a size on the first card in stock and press Add, by keyboard
            card = page.locator(".ap-card:has(.ap-add:enabled)").first
            name = card.locator(".ap-card-name").text_content().strip()
            choice = card.locator(".ap-select").first
            if choice.count():
                values = choice.locator("option:not([disabled])").evaluate_all(
                    "(options) => options.map((o) => o.value).filter(Boolean)")
                choice.select_option(values[0])
            replies = _replies(page)
            card.locator(".ap-add").focus()
            page.keyboard.press("Enter")
            _wait_for_reply(page, replies)
            # THEN the cart counts it, and the cart panel shows the line
            assert _cart_count(page) == "1", page.locator(".ap-agent").last.text_content()
            page.locator(".ap-cart").click()
            cart = page.locator(".ap-cartpanel")
            cart.wait_for(timeout=STEP_MS)
            assert page.locator(".ap-cart").get_attribute("aria-expanded") == "true"
            cart_box = _box(cart)
            _inside(cart_box, panel, "the cart panel")
            line = page.locator(".ap-line")
            assert line.count() == 1 and line.locator(".ap-line-name").text_content() == name
            assert line.locator(".ap-qty").text_content() == "1"
            unit = _money(line.locator(".ap-line-unit").text_content())
            for part in (".ap-line-name", ".ap-step >> nth=1", ".ap-remove", ".ap-checkout-btn"):
                _inside(_box(page.locator(f".ap-cartpanel {part}")), cart_box, part)

            # WHEN they press + THEN the line and the subtotal follow
            replies = _replies(page)
            line.locator(".ap-step").nth(1).click()
            _wait_for_reply(page, replies)
            assert line.locator(".ap-qty").text_content() == "2"
            assert _money(page.locator(".ap-totals dd").first.text_content()) == 2 * unit
            assert _cart_count(page) == "2"

            # WHEN they press Checkout in the panel THEN a checkout button links to the page
            page.locator(".ap-checkout-btn").click()
            link = page.locator(".ap-cartpanel a.ap-checkout")
            link.wait_for(timeout=STEP_MS)
            assert "/checkout/" in link.get_attribute("href")
            _inside(_box(link), cart_box, "the checkout link")
            # the same request as typing it: the conversation shows "checkout"
            assert page.locator(".ap-msg.ap-user").last.text_content() == "checkout"
            page.screenshot(path=str(shots / f"widget-{size}-cart.png"))
            _audit(page, axe, f"{size}, cart panel")

            # AND the keyboard gets around: Escape closes the cart and focus goes back to
            # its button; Tab from the message box reaches Send with a visible focus ring
            page.keyboard.press("Escape")
            cart.wait_for(state="hidden", timeout=STEP_MS)
            assert page.evaluate("() => document.querySelector('#agentpay-widget').shadowRoot"
                                 ".activeElement.classList.contains('ap-cart')")
            box.focus()
            page.keyboard.press("Tab")
            ring = page.evaluate("""() => {
              const active = document.querySelector('#agentpay-widget').shadowRoot.activeElement;
              const style = getComputedStyle(active);
              return [active.className, style.outlineStyle, parseFloat(style.outlineWidth)];
            }""")
            assert ring[0] == "ap-send" and ring[1] != "none" and ring[2] >= 2, ring
            assert errors == []
        finally:
            browser.close()


THEMED = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Themed</title></head>
<body><main><h1>A store with its own colours</h1></main>
<script src="/widget/agentpay-widget.js" data-agent-key="ap_pk_theme_only"
        data-accent="#ffd33d" data-position="left" data-title="Ask Trailhead"
        data-greeting="Howdy! Tents or boots?" data-launcher="Need help?"></script>
</body></html>"""


def test_a_store_themes_the_widget_with_data_attributes(demo_stack):
    """The README's data-* attributes: colours, corner, words; the layout holds from a
    1440 px desktop down to a 320 px phone."""
    sync_playwright = _browser_or_skip()
    axe = _axe_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # GIVEN a store page that sets a yellow accent, the left corner and its words
            page.route(f"{demo_stack}/themed", lambda route: route.fulfill(
                status=200, content_type="text/html", body=THEMED))
            page.goto(f"{demo_stack}/themed")
            launcher = page.locator(".ap-launcher")
            launcher.wait_for(timeout=STEP_MS)
            # THEN the launcher sits bottom left, in the store's colour, with text that reads
            # on it (near-black on yellow), and says the store's words
            box = _box(launcher)
            assert box["x"] < 40 and box["y"] + box["height"] > 900 - 40
            colours = launcher.evaluate("(b) => [getComputedStyle(b).backgroundColor, "
                                        "getComputedStyle(b).color]")
            assert colours == ["rgb(255, 211, 61)", "rgb(17, 20, 24)"], colours
            assert launcher.text_content().startswith("Need help?")
            # WHEN it is opened THEN the title and greeting are the store's, in the corner
            launcher.click()
            panel = _box(page.locator(".ap-panel"))
            assert page.locator(".ap-title").text_content() == "Ask Trailhead"
            assert page.locator(".ap-greeting").text_content() == "Howdy! Tents or boots?"
            assert panel["x"] < 40 and panel["width"] <= 420
            _inside(panel, {"x": 0, "y": 0, "width": 1440, "height": 900}, "the widget")
            _audit(page, axe, "themed")
            # AND on the narrowest phone it takes the whole screen, every control on it
            page.set_viewport_size({"width": 320, "height": 640})
            window = {"x": 0, "y": 0, "width": 320, "height": 640}
            panel = _box(page.locator(".ap-panel"))
            assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, 320, 640)
            for part in (".ap-title", ".ap-cart", ".ap-close", ".ap-input", ".ap-send"):
                _inside(_box(page.locator(part)), window, part)
            page.screenshot(path=str(ROOT / "test-artifacts" / "widget-themed-320.png"))
            assert errors == []
        finally:
            browser.close()
