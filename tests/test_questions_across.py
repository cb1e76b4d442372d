"""A question about every product on screen: "do any of them have pit zips?", "do any of
them come with a hood?". Each listing is read; the reply names
those that say so, or says none do. What the search can filter ("which ones are below
$120?", "are any of them packable?") still narrows the search."""

from __future__ import annotations

import pytest


def _jacket(eid: str, name: str, description: str, **attrs) -> dict:
    return {"external_id": eid, "name": name, "price": 9900, "currency": "USD",
            "category": "Apparel", "description": description,
            "attributes": {"product_type": "Rain Jacket", **attrs},
            "variants": [{"sku": f"{eid}-l", "size": "L", "color": "Black", "stock": 3}]}


JACKETS = [_jacket("rj-1", "Stormline Rain Jacket", "A shell with a hood and pit zips for venting.",
                   waterproof=True),
           _jacket("rj-2", "Drizzle Packable Rain Jacket", "Packs into its own pocket.",
                   waterproof=True, packable=True),
           _jacket("rj-3", "Cloudburst Rain Jacket", "A longer cut for wet days.",
                   waterproof=True)]


@pytest.mark.parametrize("question,expected,absent", [
    ("do any of them have pit zips?", "Stormline Rain Jacket has pit zips", "Drizzle"),
    ("do any of them come with a hood?", "Stormline Rain Jacket has a hood", "Drizzle"),
    ("do any of them have a fleece lining?", "None of these listings", "Of these"),
])
def test_a_question_about_each_one_shown(shop_chat, question, expected, absent):
    say = shop_chat("Jacket Rack", JACKETS)
    assert len(say("show me rain jackets")["products"]) == 3
    out = say(question)
    reply = out["reply"]["content"]
    assert expected in reply and absent not in reply, reply
    assert out["cart"]["lines"] == []


def test_what_the_search_can_filter_narrows_the_list(shop_chat):
    say = shop_chat("Jacket Rack Two", JACKETS)
    say("show me rain jackets")
    out = say("which ones are below $50?")
    assert "None of these listings" not in out["reply"]["content"], out["reply"]["content"]
    say = shop_chat("Jacket Rack Three", JACKETS)
    say("show me rain jackets")
    out = say("are any of them packable?")
    assert [p["external_id"] for p in out["products"]] == ["rj-2"], out["reply"]["content"]
