"""Signed checkout links: tamper-proof, expiring, rendered safely."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from agentpay.checkout.links import ExpiredCheckout, InvalidCheckout, sign, verify
from agentpay.checkout.page import render

SECRET = b"s" * 32
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _payload(**over):
    base = {"v": 1, "id": "chk_1", "lines": [{"name": "Trail <b>Shoe</b>", "quantity": 1,
                                              "unit_price_minor": 12900, "size": "9"}],
            "subtotal_minor": 12900, "discount_minor": 0, "discount_percent": 0,
            "total_minor": 12900, "currency": "USD",
            "expires_at": (NOW + timedelta(hours=1)).isoformat()}
    return base | over


def test_a_signed_link_verifies_and_renders():
    token = sign(_payload(), SECRET)
    payload = verify(token, SECRET, NOW)
    html = render(payload)
    assert 'data-total="12900"' in html and "$129.00" in html
    assert "<b>Shoe</b>" not in html and "&lt;b&gt;Shoe" in html  # names are escaped


def test_an_edited_price_is_refused():
    token = sign(_payload(), SECRET)
    body, mac = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["total_minor"] = 1
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidCheckout):
        verify(f"{forged}.{mac}", SECRET, NOW)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "....", "eyJ9.", "%%%.%%%"])
def test_garbage_is_refused_cleanly(token):
    with pytest.raises(InvalidCheckout):
        verify(token, SECRET, NOW)


def test_another_secret_and_an_expired_link_are_refused():
    token = sign(_payload(), SECRET)
    with pytest.raises(InvalidCheckout):
        verify(token, b"x" * 32, NOW)
    with pytest.raises(ExpiredCheckout):
        verify(token, SECRET, NOW + timedelta(hours=2))


def test_the_page_answers_4xx_for_bad_and_expired_links(client, settings, monkeypatch):
    from agentpay.checkout.secret import signing_secret

    secret = signing_secret(settings)
    assert client.get("/checkout/not-a-token").status_code == 400
    expired = sign(_payload(expires_at=(datetime.now(UTC) - timedelta(minutes=1)).isoformat()),
                   secret)
    response = client.get(f"/checkout/{expired}")
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "checkout_expired"
    fresh = sign(_payload(expires_at=(datetime.now(UTC) + timedelta(minutes=5)).isoformat()),
                 secret)
    assert client.get(f"/checkout/{fresh}").status_code == 200
