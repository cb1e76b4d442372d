"""A local fake of the Stripe API (coupons and Checkout Sessions) for the real ``stripe`` client.

Why a real HTTP server rather than mocking the client: the request encoding (Stripe's
form-encoded ``line_items[0][price_data][unit_amount]=...``), the ``Idempotency-Key``
header, the client's own retries (``max_network_retries``), its timeouts and its mapping of
error bodies to exception classes are exactly what breaks in production.

Usage::

    with FakeStripeServer(api_key="sk_test_fake") as server:
        client = stripe.StripeClient("sk_test_fake", base_addresses={"api": server.base_url})
        server.fail_next(1, status=500)       # the next request answers 500 (not stored)
        server.hang_next(1, seconds=5)        # the next request waits 5 s (timeouts)
        ...
        server.forms("/v1/checkout/sessions")[-1]["line_items"][0]["quantity"]  # "2"

What it speaks (a subset of the real API, same shapes): ``POST /v1/coupons``,
``POST /v1/checkout/sessions``, ``GET /v1/checkout/sessions/{id}`` and
``POST /v1/checkout/sessions/{id}/expire``. Requests are validated roughly as Stripe does
(missing params, line items, the 30 min - 24 h ``expires_at`` window, unknown or
mismatched coupons, metadata limits, the minimum charge), answering
``{"error": {"type", "message", "param", "code"}}`` with 400/401/402/429/500 as Stripe does.
Form values are recorded as the strings that went over the wire.

Idempotency: a successful answer is stored under its ``Idempotency-Key``; the same key with
the same body replays it (header ``Idempotent-Replayed: true``), with another body answers
400 ``idempotency_error``. Scripted failures are not stored, as if they happened before the
request reached Stripe's API (a load balancer's 5xx).

For webhook tests: ``complete_session(id)`` marks a session paid, and
``signed_event(type, obj, secret)`` returns ``(body, stripe_signature_header)``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import string
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

API_VERSION = "2026-10-28.endive"
MIN_SESSION_SECONDS = 30 * 60
MAX_SESSION_SECONDS = 24 * 3600
# Stripe's minimum charge amounts (a subset), in minor units of the currency.
MINIMUM_CHARGE = {"usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "chf": 50,
                  "jpy": 50, "sek": 300, "dkk": 250, "nok": 300}

_ids = itertools.count(1)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    received_at: float = field(default_factory=time.monotonic)

    @property
    def form(self) -> dict[str, Any]:
        """The form body decoded into nested dicts and lists (values stay strings)."""
        return decode_form(self.body.decode("utf-8"))

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-serialisable, or bytes sent as is
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Scripted:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    hang_seconds: float = 0.0
    paths: frozenset[str] | None = None


class _Invalid(Exception):
    def __init__(self, message: str, param: str | None = None, code: str | None = None,
                 status: int = 400, type_: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.reply = stripe_error(status, message, type_, code=code, param=param)


def decode_form(text: str) -> dict[str, Any]:
    """``a[0][b]=1&a[0][c]=2&m[k]=v`` -> ``{"a": [{"b": "1", "c": "2"}], "m": {"k": "v"}}``."""
    root: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
        head = key.split("[", 1)[0]
        parts = [head, *re.findall(r"\[([^\]]*)\]", key)]
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":  # "expand[]=x": append
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def stripe_error(status: int, message: str, type_: str = "invalid_request_error", *,
                 code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None) -> Reply:
    """An error in Stripe's JSON shape, which the client turns into its exception classes."""
    error: dict[str, Any] = {"type": type_, "message": message}
    if code:
        error["code"] = code
        error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if param:
        error["param"] = param
    error["request_log_url"] = "https://dashboard.stripe.com/test/logs/req_fake"
    return Reply(status, {"error": error}, dict(headers or {}))


_DEFAULT_ERRORS = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: ("Invalid API Key provided: sk_test_****fake", "invalid_request_error", None),
    402: ("Your card was declined.", "card_error", "card_declined"),
    403: ("The provided key does not have the required permissions for this endpoint.",
          "invalid_request_error", None),
    404: ("Unrecognized request URL.", "invalid_request_error", None),
    409: (("This object cannot be accessed right now because another API request or Stripe "
           "process is currently accessing it."), "invalid_request_error", "lock_timeout"),
    429: (("Request rate limit exceeded. Learn more about rate limits here "
           "https://stripe.com/docs/rate-limits."), "invalid_request_error", "rate_limit"),
    500: ("An unknown error occurred", "api_error", None),
    502: ("An unknown error occurred", "api_error", None),
    503: ("An unknown error occurred", "api_error", None),
}


def _random_id(prefix: str, length: int = 24) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def _int(form: dict[str, Any], name: str, param: str | None = None, *,
         minimum: int | None = None) -> int | None:
    raw = form.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise _Invalid(f"Invalid integer: {raw}", param or name) from None
    if minimum is not None and value < minimum:
        raise _Invalid(f"This value must be greater than or equal to {minimum}.",
                       param or name)
    return value


def _check_metadata(metadata: Any, param: str = "metadata") -> dict[str, str]:
    if metadata in (None, ""):
        return {}
    if not isinstance(metadata, dict):
        raise _Invalid("Invalid object", param)
    if len(metadata) > 50:
        raise _Invalid("Invalid metadata: metadata cannot have more than 50 keys", param)
    for key, value in metadata.items():
        if len(key) > 40:
            raise _Invalid("Invalid metadata: metadata keys must be at most 40 characters",
                           f"{param}[{key}]")
        if not isinstance(value, str) or len(value) > 500:
            raise _Invalid("Invalid metadata: metadata values must be strings of at most "
                           "500 characters", f"{param}[{key}]")
    return dict(metadata)


def _check_url(form: dict[str, Any], name: str) -> str | None:
    url = form.get(name)
    if url in (None, ""):
        return None
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise _Invalid("Not a valid URL", name, code="url_invalid")
    return url


class FakeStripeServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port>, run in a daemon thread."""

    def __init__(self, api_key: str | None = "sk_test_fake",
                 clock: Callable[[], float] = time.time) -> None:
        self.api_key = api_key  # None accepts any (or no) key
        self.clock = clock
        self.requests: list[RecordedRequest] = []
        self.coupons: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.line_items: dict[str, list[dict[str, Any]]] = {}  # session id -> lines
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            ("POST", re.compile(r"/v1/coupons"), self.handle_create_coupon),
            ("POST", re.compile(r"/v1/checkout/sessions"), self.handle_create_session),
            ("GET", re.compile(r"/v1/checkout/sessions/(?P<id>[^/]+)"),
             self.handle_get_session),
            ("POST", re.compile(r"/v1/checkout/sessions/(?P<id>[^/]+)/expire"),
             self.handle_expire_session),
        ]
        self._idempotent: dict[str, tuple[str, str, bytes, Reply]] = {}
        self._script: deque[_Scripted] = deque()
        self._lock = threading.RLock()
        self._release = threading.Event()  # wakes hanging handlers at shutdown
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> Self:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """What to pass as ``base_addresses={"api": ...}`` (STRIPE_API_BASE)."""
        return f"http://127.0.0.1:{self.port}"

    # -- scripting ------------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int = 500, *,
                  headers: dict[str, str] | None = None, body: Any = None,
                  paths: Iterable[str] | None = None) -> None:
        """Answer the next ``count`` requests (to ``paths``, if given) with ``status`` and a
        Stripe-shaped error body (or ``body``)."""
        with self._lock:
            for _ in range(count):
                self._script.append(_Scripted(status=status, headers=dict(headers or {}),
                                              body=body, paths=_paths(paths)))

    def hang_next(self, count: int = 1, seconds: float = 30.0,
                  paths: Iterable[str] | None = None) -> None:
        """Hold the next ``count`` requests for ``seconds`` before answering (timeouts)."""
        with self._lock:
            for _ in range(count):
                self._script.append(_Scripted(hang_seconds=seconds, paths=_paths(paths)))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self._idempotent.clear()
            self.coupons.clear()
            self.sessions.clear()
            self.line_items.clear()

    def requests_to(self, path: str, method: str = "POST") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path and r.method == method]

    def forms(self, path: str) -> list[dict[str, Any]]:
        """The decoded form bodies POSTed to ``path``, oldest first."""
        return [r.form for r in self.requests_to(path)]

    # -- webhooks -------------------------------------------------------------------
    def complete_session(self, session_id: str) -> dict[str, Any]:
        """The shopper paid: the session is complete and its coupon redeemed."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="paid",
                           payment_intent=_random_id("pi_"))
            for discount in session.get("discounts") or []:
                coupon = self.coupons.get(discount.get("coupon") or "")
                if coupon is not None:
                    coupon["times_redeemed"] += 1
            return json.loads(json.dumps(session))

    def signed_event(self, event_type: str, obj: dict[str, Any], secret: str, *,
                     timestamp: int | None = None) -> tuple[bytes, str]:
        """A webhook event as Stripe sends it: (raw body, ``Stripe-Signature`` header)."""
        created = int(self.clock()) if timestamp is None else timestamp
        event = {"id": _random_id("evt_"), "object": "event", "api_version": API_VERSION,
                 "created": created, "data": {"object": obj}, "livemode": False,
                 "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                 "type": event_type}
        body = json.dumps(event).encode()
        mac = hmac.new(secret.encode(), f"{created}.".encode() + body, hashlib.sha256)
        return body, f"t={created},v1={mac.hexdigest()}"

    # -- dispatch -------------------------------------------------------------------
    def _take_script(self, path: str) -> _Scripted | None:
        with self._lock:
            for i, item in enumerate(self._script):
                if item.paths is None or path in item.paths:
                    del self._script[i]
                    return item
        return None

    def dispatch(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
        scripted = self._take_script(request.path)
        if scripted is not None and scripted.hang_seconds:
            self._release.wait(scripted.hang_seconds)
        if self.api_key is not None and request.authorization != f"Bearer {self.api_key}":
            presented = (request.authorization or "").removeprefix("Bearer ")
            if not presented:
                return stripe_error(401, "You did not provide an API key. You need to provide "
                                         "your API key in the Authorization header.")
            return stripe_error(401, f"Invalid API Key provided: {presented[:8]}****"
                                     f"{presented[-4:]}")
        if scripted is not None and scripted.status is not None:
            if scripted.body is not None:
                return Reply(scripted.status, scripted.body, scripted.headers)
            message, type_, code = _DEFAULT_ERRORS.get(
                scripted.status, ("An unknown error occurred", "api_error", None))
            return stripe_error(scripted.status, message, type_, code=code,
                                headers=scripted.headers)
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                arguments = match.groupdict()
                return self._idempotently(request, handler, arguments)
        return stripe_error(404, f"Unrecognized request URL ({request.method}: "
                                 f"{request.path}).")

    def _idempotently(self, request: RecordedRequest, handler: Callable[..., Reply],
                      arguments: dict[str, str]) -> Reply:
        key = request.idempotency_key if request.method == "POST" else None
        with self._lock:
            if key and key in self._idempotent:
                method, path, body, reply = self._idempotent[key]
                if (method, path, body) != (request.method, request.path, request.body):
                    return stripe_error(
                        400, "Keys for idempotent requests can only be used with the same "
                             "parameters they were first used with. Try using a key other "
                             f"than '{key}' if you meant to execute a different request.",
                        "idempotency_error")
                return Reply(reply.status, reply.body,
                             {**reply.headers, "idempotent-replayed": "true"})
            try:
                reply = handler(request, **arguments)
            except _Invalid as invalid:
                return invalid.reply
            if key and 200 <= reply.status < 300:
                self._idempotent[key] = (request.method, request.path, request.body, reply)
            return reply

    # -- routes ---------------------------------------------------------------------
    def handle_create_coupon(self, request: RecordedRequest) -> Reply:
        form = request.form
        now = int(self.clock())
        amount_off = _int(form, "amount_off", minimum=1)
        percent_off = form.get("percent_off") or None
        if (amount_off is None) == (percent_off is None):
            raise _Invalid("Coupons must have exactly one of percent_off or amount_off.")
        currency = (form.get("currency") or "").lower() or None
        if amount_off is not None and not currency:
            raise _Invalid("You must pass a currency when creating a coupon with amount_off.",
                           "currency")
        duration = form.get("duration") or "once"
        if duration not in ("once", "forever", "repeating"):
            raise _Invalid("Invalid duration: must be one of once, forever, or repeating",
                           "duration")
        max_redemptions = _int(form, "max_redemptions", minimum=1)
        redeem_by = _int(form, "redeem_by")
        if redeem_by is not None and redeem_by <= now:
            raise _Invalid("Invalid timestamp: must be an integer Unix timestamp in the "
                           "future.", "redeem_by")
        name = form.get("name") or None
        if name is not None and len(name) > 40:
            raise _Invalid("Invalid string: must be at most 40 characters", "name")
        coupon = {
            "id": form.get("id") or _random_id("", 8).upper(), "object": "coupon",
            "amount_off": amount_off, "created": now, "currency": currency,
            "duration": duration, "duration_in_months": None, "livemode": False,
            "max_redemptions": max_redemptions, "metadata": _check_metadata(form.get("metadata")),
            "name": name, "percent_off": float(percent_off) if percent_off else None,
            "redeem_by": redeem_by, "times_redeemed": 0, "valid": True,
        }
        self.coupons[coupon["id"]] = coupon
        return Reply(200, coupon)

    def handle_create_session(self, request: RecordedRequest) -> Reply:
        form = request.form
        now = int(self.clock())
        mode = form.get("mode")
        if not mode:
            raise _Invalid("Missing required param: mode.", "mode", "parameter_missing")
        if mode not in ("payment", "setup", "subscription"):
            raise _Invalid("Invalid mode: must be one of payment, setup, or subscription",
                           "mode")
        items = form.get("line_items")
        if mode == "payment" and not items:
            raise _Invalid("Missing required param: line_items.", "line_items",
                           "parameter_missing")
        if not isinstance(items, list):
            raise _Invalid("Invalid array", "line_items")
        lines, currencies = [], set()
        for i, item in enumerate(items):
            where = f"line_items[{i}]"
            price_data = item.get("price_data") if isinstance(item, dict) else None
            if not isinstance(price_data, dict):
                raise _Invalid("You must specify either `price` or `price_data` for each line "
                               "item.", where, "parameter_missing")
            currency = (price_data.get("currency") or "").lower()
            if not currency:
                raise _Invalid(f"Missing required param: {where}[price_data][currency].",
                               f"{where}[price_data][currency]", "parameter_missing")
            unit_amount = _int(price_data, "unit_amount", f"{where}[price_data][unit_amount]",
                               minimum=0)
            if unit_amount is None:
                raise _Invalid(f"Missing required param: {where}[price_data][unit_amount].",
                               f"{where}[price_data][unit_amount]", "parameter_missing")
            product = price_data.get("product_data") or {}
            if not (isinstance(product, dict) and product.get("name")):
                raise _Invalid(f"Missing required param: {where}[price_data][product_data]"
                               "[name].", f"{where}[price_data][product_data][name]",
                               "parameter_missing")
            quantity = _int(item, "quantity", f"{where}[quantity]", minimum=1)
            if quantity is None:
                raise _Invalid(f"Missing required param: {where}[quantity].",
                               f"{where}[quantity]", "parameter_missing")
            currencies.add(currency)
            lines.append({"id": _random_id("li_"), "object": "item",
                          "amount_subtotal": unit_amount * quantity,
                          "amount_total": unit_amount * quantity, "currency": currency,
                          "description": product["name"], "quantity": quantity,
                          "price": {"object": "price", "currency": currency,
                                    "unit_amount": unit_amount, "type": "one_time"}})
        if len(currencies) > 1:
            raise _Invalid("All line items must use the same currency.", "line_items")
        currency = currencies.pop() if currencies else None
        success_url = _check_url(form, "success_url")
        cancel_url = _check_url(form, "cancel_url")
        expires_at = _int(form, "expires_at")
        if expires_at is None:
            expires_at = now + MAX_SESSION_SECONDS
        elif expires_at < now + MIN_SESSION_SECONDS:
            raise _Invalid("The `expires_at` timestamp must be at least 30 minutes from "
                           "Checkout Session creation.", "expires_at")
        elif expires_at > now + MAX_SESSION_SECONDS:
            raise _Invalid("The `expires_at` timestamp must be less than 24 hours from "
                           "Checkout Session creation.", "expires_at")
        metadata = _check_metadata(form.get("metadata"))
        intent_data = form.get("payment_intent_data") or {}
        _check_metadata(intent_data.get("metadata"), "payment_intent_data[metadata]")
        subtotal = sum(line["amount_subtotal"] for line in lines)
        discounts, discount_amount = [], 0
        for i, discount in enumerate(form.get("discounts") or []):
            if i > 0:
                raise _Invalid("You may only specify one discount.", "discounts")
            coupon_id = discount.get("coupon") if isinstance(discount, dict) else None
            coupon = self.coupons.get(coupon_id or "")
            if coupon is None:
                raise _Invalid(f"No such coupon: '{coupon_id}'", "discounts[0][coupon]",
                               "resource_missing")
            exhausted = (coupon["max_redemptions"] is not None
                         and coupon["times_redeemed"] >= coupon["max_redemptions"])
            if exhausted or (coupon["redeem_by"] is not None and coupon["redeem_by"] <= now):
                raise _Invalid(f"This coupon is no longer valid: '{coupon_id}'",
                               "discounts[0][coupon]", "coupon_expired")
            if coupon["amount_off"] is not None:
                if coupon["currency"] != currency:
                    raise _Invalid(f"The coupon currency ({coupon['currency']}) must match the "
                                   f"Checkout Session's currency ({currency}).",
                                   "discounts[0][coupon]")
                discount_amount = min(coupon["amount_off"], subtotal)
            else:
                discount_amount = round(subtotal * coupon["percent_off"] / 100)
            discounts.append({"coupon": coupon_id, "promotion_code": None})
        total = subtotal - discount_amount
        minimum = MINIMUM_CHARGE.get(currency or "", 50)
        if mode == "payment" and 0 < total < minimum:
            raise _Invalid(f"The Checkout Session's total amount due must add up to at least "
                           f"{minimum / 100:.2f} {currency}", code="amount_too_small")
        session_id = _random_id("cs_test_", 58)
        session = {
            "id": session_id, "object": "checkout.session", "after_expiration": None,
            "allow_promotion_codes": None, "amount_subtotal": subtotal, "amount_total": total,
            "cancel_url": cancel_url, "client_reference_id": form.get("client_reference_id"),
            "created": now, "currency": currency, "customer": None, "customer_email": None,
            "discounts": discounts, "expires_at": expires_at, "livemode": False,
            "locale": None, "metadata": metadata, "mode": mode, "payment_intent": None,
            "payment_method_types": ["card"], "payment_status": "unpaid", "status": "open",
            "submit_type": None, "success_url": success_url,
            "total_details": {"amount_discount": discount_amount, "amount_shipping": 0,
                              "amount_tax": 0},
            "ui_mode": "hosted", "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        self.line_items[session_id] = lines
        return Reply(200, session)

    def handle_get_session(self, request: RecordedRequest, id: str) -> Reply:
        session = self.sessions.get(id)
        if session is None:
            raise _Invalid(f"No such checkout.session: '{id}'", "session", "resource_missing",
                           status=404)
        return Reply(200, session)

    def handle_expire_session(self, request: RecordedRequest, id: str) -> Reply:
        session = self.sessions.get(id)
        if session is None:
            raise _Invalid(f"No such checkout.session: '{id}'", "session", "resource_missing",
                           status=404)
        if session["status"] != "open":
            raise _Invalid(f"Only Checkout Sessions with a status in [\"open\"] can be "
                           f"expired. This Checkout Session has a status of "
                           f"\"{session['status']}\".")
        session.update(status="expired", url=None)
        return Reply(200, session)


def _paths(paths: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(paths) if paths is not None else None


def _make_handler(server: FakeStripeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real API

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            request = RecordedRequest(method=self.command, path=path, query=query,
                                      headers={k.lower(): v for k, v in self.headers.items()},
                                      body=body)
            reply = server.dispatch(request)
            try:
                self._send(request, reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (e.g. its timeout)

        do_GET = do_POST = do_DELETE = _handle

        def _send(self, request: RecordedRequest, reply: Reply) -> None:
            payload = reply.body if isinstance(reply.body, bytes) else json.dumps(
                reply.body).encode("utf-8")
            self.send_response(reply.status)
            headers = {"content-type": "application/json",
                       "request-id": f"req_fake{next(_ids)}",
                       "stripe-version": request.headers.get("stripe-version", API_VERSION),
                       **({"idempotency-key": request.idempotency_key}
                          if request.idempotency_key else {}),
                       **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler
