"""Product text (in SQL, migration 0012) and queries (catalog/search_text.py) are
normalised by the same rules, and full text then matches across the ways shops and
shoppers write words joined by a slash and lengths."""

from __future__ import annotations

import pytest

from catalog_helpers import product

SAMPLES = [
    ("Cordless Drill/Driver Kit", "Cordless Drill Driver Kit"),
    ("Black/White/Gray Rug", "Black White Gray Rug"),
    ("USB-C/Lightning Cable", "USB-C Lightning Cable"),
    ("1/2 in. Drive Socket", "1/2 inch Drive Socket"),
    ("3 1/2 inch drawer pull", "3 1/2 inch drawer pull"),
    ('Fawkes 36" Single Vanity', "Fawkes 36 inch  Single Vanity"),
    ("Entry Table 48''", "Entry Table 48 inch "),
    ("10in pan", "10 inch pan"),
    ("12-Inch Skillet", "12 inch Skillet"),
    ("24 INCHES wide", "24 inch wide"),
    ("6 ft. Dog Leash", "6 foot Dog Leash"),
    ("8 feet ladder", "8 foot ladder"),
    ("10-Foot Cable", "10 foot Cable"),
    ("2 in 1 Convertible Chair", "2 in 1 Convertible Chair"),
    ("10 inspired designs", "10 inspired designs"),
    ('The "Classic" Sofa', 'The "Classic" Sofa'),
    ("70s Lamp", "70s Lamp"),
    ("ratio 3/4/5", "ratio 3/4/5"),
]


@pytest.mark.parametrize(("text", "expected"), SAMPLES)
def test_queries_and_products_are_normalised_alike(db, text, expected):
    from agentpay.catalog.search_text import search_text

    with db.connection() as conn:
        in_sql = conn.execute("SELECT agentpay_search_text(%s) AS t", (text,)).fetchone()["t"]
    assert search_text(text) == in_sql == expected


def test_query_terms_carry_the_unit():
    from agentpay.catalog.search import query_terms

    assert query_terms('36" bathroom vanity') == ["36", "inch", "bathroom", "vanity"]
    assert query_terms("6 ft. leash") == ["6", "foot", "leash"]
    assert query_terms("drill/driver") == ["drill", "driver"]


@pytest.fixture
def sized(client, tenant, local_queue, drain):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": [
        product("vanity-36", "Fawkes 36'' Single Bathroom Vanity"),
        product("vanity-48", 'Fawkes 48" Double Bathroom Vanity'),
        product("skillet-10", "Prairie 10 in. Cast Iron Skillet"),
        product("leash-6", "Reflective Dog Leash, 6 ft."),
        product("chair-2in1", "2 in 1 Convertible High Chair")]})
    drain()
    return tenant


@pytest.mark.parametrize(("query", "first"), [
    ("36 inch vanity", "vanity-36"), ('48" vanity', "vanity-48"),
    ("10 inch skillet", "skillet-10"), ("10in skillet", "skillet-10"),
    ("6 foot leash", "leash-6"), ("2 in 1 chair", "chair-2in1")])
def test_a_length_matches_however_it_is_written(sized, client, db, query, first):
    from agentpay.catalog.search import to_tsquery_all

    # the product has every word of the query, its unit included
    with db.connection() as conn:
        every_word = conn.execute(
            """SELECT search_vector @@ to_tsquery('english', %s) AS hit FROM products
                WHERE organization_id = %s AND external_id = %s""",
            (to_tsquery_all(query), sized.organization_id, first)).fetchone()["hit"]
    assert every_word
    response = client.post("/v1/agent/products/search", headers=sized.auth,
                           json={"query": query})
    hits = response.json()["data"]
    assert hits[0]["external_id"] == first and "text" in hits[0]["matched"], hits[:2]
