"""Fusion runs inside the search statement: only the top k products travel, ranked by the
weighted formula or by reciprocal rank fusion exactly as the formulas say, ties to the
external id."""

from __future__ import annotations

import pytest

from catalog_helpers import SHOES, product

CATALOG = SHOES + [
    product("shoe-3", "Trail Running Shoe", 11900, category="Footwear",
            description="The same last as shoe-1, a lighter upper."),
    product("shoe-4", "Kids Running Shoe", 4900, category="Footwear"),
    product("sock-1", "Merino Running Socks", 1600, category="Footwear"),
    product("mug-2", "Enamel Camp Mug", 1400, category="Outdoor"),
]


@pytest.fixture
def store(client, tenant, local_queue, drain):
    assert client.put("/v1/agent/products", headers=tenant.auth,
                      json={"products": CATALOG}).status_code == 200
    drain()
    return tenant


def _rows(db, organization_id, query: str, **ranking) -> list[dict]:
    """The search statement's rows for `query`, with the arguments search() passes."""
    from agentpay.catalog import search_repository as repo
    from agentpay.catalog.search import query_vectors, to_tsquery_all, to_tsquery_text
    from agentpay.embeddings import get_embedder

    with db.connection() as conn:
        return repo.hybrid_search(
            conn, organization_id, query, to_tsquery_text(query),
            query_vectors.get(get_embedder(), query), repo.Filters(), 40, None,
            to_tsquery_all(query), repo.Ranking(**ranking))


def _order(rows: list[dict]) -> list[str]:
    return [r["external_id"] for r in rows]


def test_weighted_fusion_follows_its_formula_and_sends_only_k_rows(store, db):
    from agentpay.catalog.search_repository import Weights

    w = Weights()
    every = _rows(db, store.organization_id, "trail running shoe", k=100, min_semantic=-1.0)
    assert len(every) == len(CATALOG)  # min_semantic -1 keeps every vector candidate
    lexical = [r["lexical_part"] for r in every]
    assert max(lexical) == 1.0 and min(lexical) >= 0.0  # normalised by the best rank
    for row in every:
        expected = (w.lexical * row["lexical_part"] + w.fuzzy * row["fuzzy"]
                    + w.cosine * max(row["cosine"] or 0.0, 0.0))
        assert row["score"] == pytest.approx(expected, abs=1e-12)
    assert _order(every) == _order(sorted(every, key=lambda r: (-r["score"], r["external_id"])))
    # shoe-1 and shoe-3 share a name: a tie on every score but the description's
    assert _order(every)[:2] in (["shoe-1", "shoe-3"], ["shoe-3", "shoe-1"])

    top = _rows(db, store.organization_id, "trail running shoe", k=3, min_semantic=-1.0)
    assert _order(top) == _order(every)[:3]
    assert [r["score"] for r in top] == [r["score"] for r in every[:3]]


def test_reciprocal_rank_fusion_sums_one_over_k_plus_rank_per_list(store, db):
    from agentpay.catalog.search_repository import RRF_K

    every = _rows(db, store.organization_id, "running mug", k=100, fusion="rrf",
                  min_semantic=-1.0)
    assert len(every) == len(CATALOG)
    expected = {r["external_id"]: 0.0 for r in every}
    for key, present in (("cosine", lambda r: r["cosine"] is not None),
                         ("lexical_part", lambda r: bool(r["text_match"])),
                         ("fuzzy", lambda r: r["fuzzy"] > 0)):
        ranked = sorted((r for r in every if present(r)),
                        key=lambda r, key=key: (-r[key], r["external_id"]))
        for rank, row in enumerate(ranked, start=1):
            expected[row["external_id"]] += 1.0 / (RRF_K + rank)
    assert {r["external_id"]: r["score"] for r in every} == pytest.approx(expected, abs=1e-12)
    assert _order(every) == sorted(expected, key=lambda e: (-expected[e], e))
    assert _order(_rows(db, store.organization_id, "running mug", k=2, fusion="rrf",
                         min_semantic=-1.0)) == _order(every)[:2]


def test_a_candidate_only_the_vector_found_needs_min_semantic_cosine(store, db):
    strict = _rows(db, store.organization_id, "waterproof", k=100, min_semantic=1.01)
    assert strict and all(r["text_match"] or r["fuzzy"] >= 0.5 for r in strict)
    assert "shoe-1" in _order(strict)  # its description says waterproof
    loose = _rows(db, store.organization_id, "waterproof", k=100, min_semantic=-1.0)
    assert len(loose) == len(CATALOG) > len(strict)


def test_search_returns_the_statements_hits_with_their_parts(store, db):
    from agentpay.catalog.search import search

    with db.connection() as conn:
        hits = search(conn, store.organization_id, "trail running shoe", k=2)
    assert len(hits) == 2
    assert {h.product["external_id"] for h in hits} == {"shoe-1", "shoe-3"}
    for hit in hits:
        assert set(hit.matched) == {"semantic", "text", "fuzzy"}
        assert hit.components["lexical"] <= 1.0 and hit.components["fuzzy"] == 1.0
        assert not {"score", "cosine", "lexical_part", "fuzzy", "in_vector"} & set(hit.product)
        assert hit.product["name"] == "Trail Running Shoe"
