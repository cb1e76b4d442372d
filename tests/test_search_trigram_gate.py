"""The trigram arm of hybrid search runs only when a query word is missing from the
full-text candidates: typos still find products, plain queries skip its cost."""

from __future__ import annotations

import pytest

from catalog_helpers import SHOES


@pytest.fixture
def shoes(client, tenant, local_queue, drain):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    drain()
    return tenant


def _trigram_arm_ran(db, organization_id, query: str) -> bool:
    """EXPLAIN ANALYZE the search SQL and read whether the trigram arm executed."""
    from agentpay.catalog import search_repository as repo
    from agentpay.catalog.search import MIN_TYPO_TERM, query_terms, query_vectors, \
        to_tsquery_text
    from agentpay.catalog.search_repository import Filters
    from agentpay.embeddings import get_embedder

    plans: list[str] = []

    class Explaining:
        def __init__(self, conn) -> None:
            self.conn = conn

        def execute(self, sql, params):
            rows = self.conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params).fetchall()
            plans.extend(row["QUERY PLAN"] for row in rows)
            return self.conn.execute(sql, params)

    terms = [t for t in query_terms(query) if len(t) >= MIN_TYPO_TERM]
    with db.connection() as conn, conn.transaction():
        repo.hybrid_candidates(Explaining(conn), organization_id, query,
                               to_tsquery_text(query), query_vectors.get(get_embedder(), query),
                               Filters(), 40, terms)
    # The gate is the only one-time filter: the node under it ran or was never executed.
    gates = [i for i, line in enumerate(plans) if "One-Time Filter: (InitPlan" in line]
    assert len(gates) == 1, "\n".join(plans)
    below = next(line for line in plans[gates[0] + 1:] if "->" in line)
    return "never executed" not in below


def test_words_all_found_by_full_text_skip_the_trigram_arm(shoes, db):
    assert not _trigram_arm_ran(db, shoes.organization_id, "trail running shoe")


def test_a_misspelt_word_runs_the_trigram_arm_and_still_finds_the_product(shoes, db, client):
    assert _trigram_arm_ran(db, shoes.organization_id, "runnning shoe")
    assert _trigram_arm_ran(db, shoes.organization_id, "backpaking")
    response = client.post("/v1/agent/products/search", headers=shoes.auth,
                           json={"query": "backpaking tnet"})
    assert [hit["external_id"] for hit in response.json()["data"]][:1] == ["tent-1"]


def test_stop_words_alone_do_not_run_the_trigram_arm(shoes, db):
    # "for" and "the" have no lexeme: missing from the candidates is not a typo
    assert not _trigram_arm_ran(db, shoes.organization_id, "shoe for the trail")
