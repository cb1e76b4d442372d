"""Malformed Markdown in a store's articles: accepted, cut into passages that keep every
sentence the store wrote, never an error (knowledge/chunking.py and the knowledge API)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentpay.knowledge.chunking import passages
from knowledge_helpers import article

MALFORMED = {
    "unclosed fence": "# Returns\n```\nReturns are free within 30 days.\n",
    "seven hashes": "####### Shipping\nWe ship to Canada in 5 days.",
    "broken table": "| Size | Chest |\n|---|\nM | 40 in\n| L | 42 in | extra |",
    "deep list": "\n".join("  " * i + "- level" for i in range(60)) + "\nExchanges are free.",
    "raw html": "<div><b>Gift wrap</b> is $5.<script>alert(1)</script></div>",
    "stray emphasis": "**Returns are free* within _30 days__ of delivery.",
    "crlf and tabs": "# Contact\r\n\tWrite to help@shop.example.\r\n\r\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_markdown_becomes_passages_that_keep_its_words(name):
    body = MALFORMED[name]
    cut = passages("Help", body)
    assert cut, name
    said = " ".join(p.text for p in cut)
    for word in ("30", "Canada", "Exchanges", "help@shop.example", "$5", "42"):
        if word in body:
            assert word in said, (name, word)


def test_headings_with_nothing_under_them_make_no_passage():
    assert passages("Help", "# Warranty\n## \n### ###") == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("#*_-|`>[]()!\n\t abcXYZ0123456789.")),
               max_size=400))
def test_any_markdown_is_cut_without_error(body):
    for p in passages("Title", body):
        assert p.body.strip() or p.heading.strip()


@pytest.fixture
def inline_queue(db):
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue

    set_index_queue(InlineIndexQueue())
    yield
    set_index_queue(None)


def test_the_api_accepts_malformed_markdown_and_indexes_it(client, tenant, inline_queue, db):
    items = [article(f"md-{i}", name, body) for i, (name, body) in
             enumerate(sorted(MALFORMED.items()))]
    response = client.put("/v1/agent/knowledge", headers=tenant.auth, json={"articles": items})
    assert response.status_code == 200, response.text
    assert len(response.json()["accepted"]) == len(MALFORMED), response.json()["rejected"]
    with db.connection() as conn:
        n = conn.execute("SELECT count(DISTINCT article_id) AS n FROM knowledge_passages "
                         "WHERE organization_id = %s", (tenant.organization_id,)).fetchone()["n"]
    assert n == len(MALFORMED)
