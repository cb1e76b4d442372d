"""A local fake of the Polar API (discounts and checkouts) for the real ``polar-sdk`` 1.x client.

Why a real HTTP server rather than mocking the client: the SDK builds JSON bodies from
keyword arguments, sends ``Polar-Version``, maps status codes to its exception classes and
deserializes every answer into strict models (a missing required field is an error), so a
fake that answers with incomplete objects, or a mock, would hide what breaks in production.
Every object here carries all the fields the SDK's ``polar.v2026_10.outputs`` models
require.

Usage::

    with FakePolarServer(access_token="polar_oat_test") as server:
        polar = Polar("polar_oat_test", base_url=server.base_url)
        server.product_id                      # a product the organization sells
        server.fail_next(1, status=500)        # the next request answers 500
        server.hang_next(1, seconds=5)         # the next request waits 5 s (timeouts)
        server.bodies("/v1/checkouts/")[-1]["prices"]

What it speaks (the paths ``polar-sdk`` calls): ``POST /v1/discounts/``,
``POST /v1/checkouts/`` and ``GET /v1/checkouts/{id}``. Bodies are validated roughly as
Polar does (FastAPI/pydantic style): unknown products, ad-hoc prices under the currency's
minimum, unknown or inapplicable discounts, Polar's metadata limits (50 pairs, keys of 40
and string values of 500 characters), answering 422 ``{"detail": [{"type", "loc", "msg",
"input"}]}``. A bad token answers 401 ``{"error": "invalid_token", ...}``.

For webhook tests: ``complete_checkout(id)`` marks a checkout succeeded, and
``signed_event(type, data, secret)`` returns ``(body, headers)`` signed as Polar does
(Standard Webhooks, HMAC key = the UTF-8 bytes of the secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.parse
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

API_VERSION = "2026-10"
CHECKOUT_TTL = timedelta(hours=1)
MINIMUM_PRICE = {"usd": 50, "eur": 50, "gbp": 30, "cad": 70, "aud": 70, "chf": 50,
                 "sek": 300, "dkk": 320, "nok": 300, "jpy": 50}
MAXIMUM_PRICE = 99_999_999


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    received_at: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

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
    """One or more 422 validation errors, collected like pydantic does."""

    def __init__(self, *errors: dict[str, Any]) -> None:
        super().__init__(errors[0]["msg"])
        self.errors = list(errors)


def problem(loc: Iterable[str | int], msg: str, type_: str = "value_error",
            input_: Any = None) -> dict[str, Any]:
    return {"type": type_, "loc": ["body", *loc], "msg": msg, "input": input_}


def validation_error(*errors: dict[str, Any]) -> Reply:
    return Reply(422, {"detail": list(errors)})


_INVALID_TOKEN = {"error": "invalid_token", "error_description": (
    "The access token provided is expired, revoked, malformed, or invalid for other reasons.")}

_DEFAULT_ERRORS: dict[int, Any] = {
    401: _INVALID_TOKEN,
    403: {"error": "insufficient_scope", "error_description": (
        "The request requires higher privileges than provided by the access token.")},
    404: {"error": "ResourceNotFound", "detail": "Not found"},
    422: {"detail": [problem([], "Value error", input_=None)]},
    429: {"error": "TooManyRequests", "detail": "Rate limit exceeded"},
    500: {"error": "InternalServerError", "detail": "Internal Server Error"},
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_metadata(metadata: Any, loc: str = "metadata") -> list[dict[str, Any]]:
    if metadata is None:
        return []
    if not isinstance(metadata, dict):
        return [problem([loc], "Input should be a valid dictionary", "dict_type", metadata)]
    errors = []
    if len(metadata) > 50:
        errors.append(problem([loc], f"Dictionary should have at most 50 items after "
                                     f"validation, not {len(metadata)}", "too_long"))
    for key, value in metadata.items():
        if len(key) > 40:
            errors.append(problem([loc, key, "[key]"], "String should have at most 40 "
                                                       "characters", "string_too_long", key))
        if isinstance(value, str) and len(value) > 500:
            errors.append(problem([loc, key, "str"], "String should have at most 500 "
                                                     "characters", "string_too_long", value))
        elif not isinstance(value, str | int | float | bool):
            errors.append(problem([loc, key], "Input should be a valid string, integer, "
                                              "number or boolean", "union_tag_invalid", value))
    return errors


def _check_url(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = body.get(name)
    if value is None:
        return []
    parsed = urllib.parse.urlparse(value) if isinstance(value, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        return [problem([name], "Input should be a valid URL, relative URL without a base",
                        "url_parsing", value)]
    return []


class FakePolarServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port>, run in a daemon thread."""

    def __init__(self, access_token: str | None = "polar_oat_test_fake",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.access_token = access_token  # None accepts any (or no) token
        self.clock = clock
        self.organization_id = str(uuid.uuid4())
        self.requests: list[RecordedRequest] = []
        self.products: dict[str, dict[str, Any]] = {}
        self.discounts: dict[str, dict[str, Any]] = {}
        self.checkouts: dict[str, dict[str, Any]] = {}
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            ("POST", re.compile(r"/v1/discounts/"), self.handle_create_discount),
            ("POST", re.compile(r"/v1/checkouts/"), self.handle_create_checkout),
            ("GET", re.compile(r"/v1/checkouts/(?P<id>[^/]+)"), self.handle_get_checkout),
        ]
        self._script: deque[_Scripted] = deque()
        self._lock = threading.RLock()
        self._release = threading.Event()  # wakes hanging handlers at shutdown
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.product_id = self.add_product("Your order")

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
        """What to pass as the SDK's ``base_url`` (POLAR_SERVER_URL)."""
        return f"http://127.0.0.1:{self.port}"

    # -- catalog --------------------------------------------------------------------
    def add_product(self, name: str, *, price_amount: int = 1000, currency: str = "usd",
                    archived: bool = False) -> str:
        """A one-time product with a catalog fixed price, owned by the organization."""
        product_id = str(uuid.uuid4())
        created = iso(self.clock())
        self.products[product_id] = {
            "id": product_id, "created_at": created, "modified_at": None,
            "trial_interval": None, "trial_interval_count": None, "name": name,
            "description": None, "visibility": "private", "recurring_interval": None,
            "recurring_interval_count": None, "meter_interval": None,
            "meter_interval_count": None, "is_recurring": False, "is_archived": archived,
            "organization_id": self.organization_id, "metadata": {},
            "prices": [self._price(product_id, price_amount, currency, "catalog")],
            "benefits": [], "medias": [],
        }
        return product_id

    def _price(self, product_id: str, amount: int, currency: str, source: str) -> dict:
        return {"created_at": iso(self.clock()), "modified_at": None, "id": str(uuid.uuid4()),
                "source": source, "amount_type": "fixed", "price_currency": currency,
                "tax_behavior": None, "is_archived": False, "product_id": product_id,
                "price_amount": amount}

    # -- scripting ------------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int = 500, *,
                  headers: dict[str, str] | None = None, body: Any = None,
                  paths: Iterable[str] | None = None) -> None:
        """Answer the next ``count`` requests (to ``paths``, if given) with ``status`` and a
        Polar-shaped error body (or ``body``)."""
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
        """Forget requests, scripts, discounts and checkouts (products stay)."""
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self.discounts.clear()
            self.checkouts.clear()

    def requests_to(self, path: str, method: str = "POST") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path and r.method == method]

    def bodies(self, path: str) -> list[Any]:
        """The JSON bodies POSTed to ``path``, oldest first."""
        return [r.json for r in self.requests_to(path)]

    # -- webhooks -------------------------------------------------------------------
    def complete_checkout(self, checkout_id: str) -> dict[str, Any]:
        """The shopper paid: the checkout succeeded and its discount was redeemed."""
        with self._lock:
            checkout = self.checkouts[checkout_id]
            checkout.update(status="succeeded", modified_at=iso(self.clock()))
            discount = self.discounts.get(checkout.get("discount_id") or "")
            if discount is not None:
                discount["redemptions_count"] += 1
            return json.loads(json.dumps(checkout))

    def signed_event(self, event_type: str, data: dict[str, Any], secret: str, *,
                     msg_id: str | None = None,
                     timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
        """A webhook as Polar sends it: (raw body, Standard Webhooks headers)."""
        sent = int(self.clock().timestamp()) if timestamp is None else timestamp
        msg_id = msg_id or f"msg_{secrets.token_hex(12)}"
        body = json.dumps({"type": event_type, "timestamp": iso(self.clock()),
                           "api_version": API_VERSION, "data": data}).encode()
        mac = hmac.new(secret.encode(), f"{msg_id}.{sent}.".encode() + body, hashlib.sha256)
        return body, {"webhook-id": msg_id, "webhook-timestamp": str(sent),
                      "webhook-signature": "v1," + base64.b64encode(mac.digest()).decode()}

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
        if (self.access_token is not None
                and request.authorization != f"Bearer {self.access_token}"):
            return Reply(401, _INVALID_TOKEN, {"www-authenticate": 'Bearer error="invalid_token"'})
        if scripted is not None and scripted.status is not None:
            body = scripted.body if scripted.body is not None else _DEFAULT_ERRORS.get(
                scripted.status, {"error": "Error", "detail": f"Error {scripted.status}"})
            return Reply(scripted.status, body, scripted.headers)
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                try:
                    body = request.json if request.method == "POST" else None
                except ValueError:
                    return validation_error(problem([], "JSON decode error", "json_invalid"))
                with self._lock:
                    try:
                        return handler(body, **match.groupdict())
                    except _Invalid as invalid:
                        return validation_error(*invalid.errors)
        return Reply(404, {"detail": "Not Found"})

    # -- routes ---------------------------------------------------------------------
    def handle_create_discount(self, body: Any) -> Reply:
        if not isinstance(body, dict):
            raise _Invalid(problem([], "Input should be a valid dictionary", "dict_type", body))
        errors = []
        kind = body.get("type", "fixed")
        if kind not in ("fixed", "percentage"):
            raise _Invalid(problem(["type"], "Input tag does not match any of the expected "
                                             "tags: 'fixed', 'percentage'", "union_tag_invalid",
                                   kind))
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(problem(["name"], "Field required", "missing", body))
        duration = body.get("duration")
        if duration not in ("once", "forever", "repeating"):
            errors.append(problem(["duration"], "Input should be 'once', 'forever' or "
                                                "'repeating'", "enum", duration))
        amount = body.get("amount")
        currency = body.get("currency")
        if kind == "fixed":
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
                errors.append(problem(["amount"], "Input should be greater than or equal to 1",
                                      "greater_than_equal", amount))
            if not (isinstance(currency, str) and re.fullmatch(r"[a-z]{3}", currency)):
                errors.append(problem(["currency"], "Input should be a valid lower-case "
                                                    "currency code", "enum", currency))
        basis_points = body.get("basis_points")
        if kind == "percentage" and (not isinstance(basis_points, int)
                                     or not 1 <= basis_points <= 10_000):
            errors.append(problem(["basis_points"], "Input should be between 1 and 10000",
                                  "less_than_equal", basis_points))
        code = body.get("code")
        if code is not None and not (isinstance(code, str)
                                     and re.fullmatch(r"[a-zA-Z0-9]{3,256}", code)):
            errors.append(problem(["code"], "String should match pattern "
                                            "'^[a-zA-Z0-9]{3,256}$'", "string_pattern_mismatch",
                                  code))
        starts_at, ends_at = body.get("starts_at"), body.get("ends_at")
        for key, value in (("starts_at", starts_at), ("ends_at", ends_at)):
            if value is not None and _parse_datetime(value) is None:
                errors.append(problem([key], "Input should be a valid datetime",
                                      "datetime_parsing", value))
        max_redemptions = body.get("max_redemptions")
        if max_redemptions is not None and (not isinstance(max_redemptions, int)
                                            or max_redemptions < 1):
            errors.append(problem(["max_redemptions"], "Input should be greater than or equal "
                                                       "to 1", "greater_than_equal",
                                  max_redemptions))
        products = body.get("products") or []
        for i, product_id in enumerate(products):
            if product_id not in self.products:
                errors.append(problem(["products", i], "Product does not exist.",
                                      input_=product_id))
        errors += _check_metadata(body.get("metadata"))
        if errors:
            raise _Invalid(*errors)
        now = iso(self.clock())
        discount = {
            "duration": duration, "type": kind, "amount": amount, "currency": currency,
            "amounts": {currency: amount} if kind == "fixed" else {},
            "basis_points": basis_points, "created_at": now, "modified_at": None,
            "id": str(uuid.uuid4()), "metadata": body.get("metadata") or {}, "name": name,
            "code": code, "starts_at": starts_at, "ends_at": ends_at,
            "max_redemptions": max_redemptions,
            "max_redemptions_per_customer": body.get("max_redemptions_per_customer"),
            "redemptions_count": 0, "organization_id": self.organization_id,
            "products": [{k: v for k, v in self.products[p].items()
                          if k not in ("prices", "benefits", "medias")} for p in products],
        }
        self.discounts[discount["id"]] = discount
        return Reply(201, discount)

    def handle_create_checkout(self, body: Any) -> Reply:
        if not isinstance(body, dict):
            raise _Invalid(problem([], "Input should be a valid dictionary", "dict_type", body))
        products = body.get("products")
        if not isinstance(products, list) or not products:
            raise _Invalid(problem(["products"], "List should have at least 1 item after "
                                                 "validation, not 0", "too_short", products))
        errors = []
        for i, product_id in enumerate(products):
            product = self.products.get(product_id)
            if product is None or product["is_archived"]:
                errors.append(problem(["products", i], "Product does not exist.",
                                      input_=product_id))
        if errors:
            raise _Invalid(*errors)
        currency = body.get("currency")
        ad_hoc: dict[str, list[dict[str, Any]]] = {}
        for product_id, prices in (body.get("prices") or {}).items():
            if product_id not in products:
                errors.append(problem(["prices", product_id], "Product is not in the "
                                                              "checkout's products.",
                                      input_=product_id))
                continue
            for j, price in enumerate(prices):
                loc = ["prices", product_id, j]
                if price.get("amount_type") != "fixed":
                    errors.append(problem([*loc, "amount_type"], "Only fixed ad-hoc prices "
                                                                 "are supported by this fake",
                                          "literal_error", price.get("amount_type")))
                    continue
                price_currency = price.get("price_currency", "usd")
                amount = price.get("price_amount")
                minimum = MINIMUM_PRICE.get(price_currency, 50)
                if not isinstance(amount, int) or not minimum <= amount <= MAXIMUM_PRICE:
                    errors.append(problem([*loc, "fixed", "price_amount"],
                                          f"Input should be greater than or equal to {minimum}",
                                          "greater_than_equal", amount))
                    continue
                if currency is not None and price_currency != currency:
                    errors.append(problem([*loc, "fixed", "price_currency"], "Price currency "
                                                                             "does not match "
                                                                             "the checkout's.",
                                          input_=price_currency))
                    continue
                ad_hoc.setdefault(product_id, []).append(
                    self._price(product_id, amount, price_currency, "ad_hoc"))
        errors += _check_metadata(body.get("metadata"))
        errors += _check_url(body, "success_url") + _check_url(body, "return_url")
        if errors:
            raise _Invalid(*errors)
        product_id = products[0]
        prices = ad_hoc.get(product_id) or self.products[product_id]["prices"]
        price = prices[0]
        amount = price["price_amount"]
        currency = price["price_currency"]
        discount = None
        discount_id = body.get("discount_id")
        if discount_id is not None:
            discount = self.discounts.get(discount_id)
            if discount is None:
                raise _Invalid(problem(["discount_id"], "Discount does not exist.",
                                       input_=discount_id))
            ends_at = _parse_datetime(discount["ends_at"])
            exhausted = (discount["max_redemptions"] is not None
                         and discount["redemptions_count"] >= discount["max_redemptions"])
            restricted = discount["products"] and product_id not in {
                p["id"] for p in discount["products"]}
            if exhausted or restricted or (ends_at is not None and ends_at <= self.clock()):
                raise _Invalid(problem(["discount_id"], "Discount is not applicable.",
                                       input_=discount_id))
            if discount["type"] == "fixed" and discount["currency"] != currency:
                raise _Invalid(problem(["discount_id"], "Discount currency does not match.",
                                       input_=discount_id))
        if discount is None:
            discount_amount = 0
        elif discount["type"] == "fixed":
            discount_amount = min(discount["amount"], amount)
        else:
            discount_amount = round(amount * discount["basis_points"] / 10_000)
        net_amount = amount - discount_amount
        now = self.clock()
        client_secret = f"polar_c_{secrets.token_urlsafe(32)}"
        product = {k: v for k, v in self.products[product_id].items() if k != "metadata"}
        product = {**product, "prices": prices}
        checkout = {
            "id": str(uuid.uuid4()), "created_at": iso(now), "modified_at": None,
            "custom_field_data": {}, "payment_processor": "stripe", "status": "open",
            "client_secret": client_secret,
            "url": f"https://sandbox.polar.sh/checkout/{client_secret}",
            "expires_at": iso(now + CHECKOUT_TTL),
            "success_url": body.get("success_url") or (
                f"https://sandbox.polar.sh/checkout/{client_secret}/confirmation"),
            "return_url": body.get("return_url"), "embed_origin": body.get("embed_origin"),
            "amount": amount, "seats": None, "min_seats": None, "max_seats": None,
            "units": None, "min_units": None, "max_units": None,
            "discount_amount": discount_amount, "net_amount": net_amount, "tax_amount": None,
            "tax_behavior": None, "total_amount": net_amount, "currency": currency,
            "allow_trial": None, "active_trial_interval": None,
            "active_trial_interval_count": None, "trial_end": None,
            "organization_id": self.organization_id, "product_id": product_id,
            "product_price_id": price["id"], "discount_id": discount_id,
            "allow_discount_codes": body.get("allow_discount_codes", True),
            "require_billing_address": body.get("require_billing_address", False),
            "is_discount_applicable": True, "is_free_product_price": amount == 0,
            "is_payment_required": net_amount > 0, "is_payment_setup_required": False,
            "is_payment_form_required": net_amount > 0, "customer_id": None,
            "is_business_customer": False, "customer_name": body.get("customer_name"),
            "customer_email": body.get("customer_email"), "customer_ip_address": None,
            "customer_billing_name": None, "customer_billing_address": None,
            "customer_tax_id": None, "locale": body.get("locale"), "payment_method_type": None,
            "payment_processor_metadata": {"publishable_key": "pk_test_fake"},
            "billing_address_fields": {"country": "required", "state": "disabled",
                                       "city": "disabled", "postal_code": "disabled",
                                       "line1": "disabled", "line2": "disabled"},
            "trial_interval": None, "trial_interval_count": None,
            "metadata": body.get("metadata") or {},
            "external_customer_id": body.get("external_customer_id"),
            "products": [product], "product": product, "product_price": price,
            "prices": {product_id: prices},
            "discount": None if discount is None else {
                k: discount[k] for k in ("duration", "type", "amount", "currency", "amounts",
                                         "id", "name", "code")},
            "subscription_id": None, "attached_custom_fields": [],
            "customer_metadata": body.get("customer_metadata") or {},
        }
        self.checkouts[checkout["id"]] = checkout
        return Reply(201, checkout)

    def handle_get_checkout(self, body: Any, id: str) -> Reply:
        checkout = self.checkouts.get(id)
        if checkout is None:
            return Reply(404, {"error": "ResourceNotFound", "detail": "Not found"})
        return Reply(200, checkout)


def _paths(paths: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(paths) if paths is not None else None


def _make_handler(server: FakePolarServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real API

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            request = RecordedRequest(method=self.command, path=self.path.split("?", 1)[0],
                                      headers={k.lower(): v for k, v in self.headers.items()},
                                      body=body)
            reply = server.dispatch(request)
            try:
                self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (e.g. its timeout)

        do_GET = do_POST = do_PATCH = do_DELETE = _handle

        def _send(self, reply: Reply) -> None:
            payload = reply.body if isinstance(reply.body, bytes) else json.dumps(
                reply.body).encode("utf-8")
            self.send_response(reply.status)
            headers = {"content-type": "application/json", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler
