"""The lexical arm scores by BM25 with each store's own term statistics (migration 0023):
the triggers keep the counts as products are written, a rebuild makes them exact, a rare
word of the store outweighs a common one, a short text outweighs a long one, and the
lexical weight a query's words do not earn goes to the cosine."""

from __future__ import annotations

import math

import pytest

from catalog_helpers import product
from test_db import fresh_url, migrate_before  # noqa: F401 - the fixture


def _put(client, tenant, products: list[dict]) -> None:
    response = client.put("/v1/agent/products", headers=tenant.auth,
                          json={"products": products})
    assert response.status_code == 200, response.text


def _counts(db, organization_id) -> tuple[dict, dict[str, int]]:
    from agentpay.catalog.lexemes_repository import statistics

    with db.connection() as conn:
        stats = statistics(conn, organization_id)
        lexemes = {r["lexeme"]: r["documents"] for r in conn.execute(
            "SELECT lexeme, documents FROM catalog_lexemes WHERE organization_id = %s",
            (organization_id,))}
    return stats, {k: v for k, v in lexemes.items() if v}


def _exact(db, organization_id) -> tuple[int, int, dict[str, int]]:
    """What the counts must be: read from the live products themselves."""
    with db.connection() as conn:
        row = conn.execute(
            """SELECT count(*) AS n, coalesce(sum(length(search_vector)), 0) AS total
                 FROM products WHERE organization_id = %s
                  AND deleted_at IS NULL AND active""", (organization_id,)).fetchone()
        lexemes = {r["lexeme"]: r["n"] for r in conn.execute(
            """SELECT w AS lexeme, count(*) AS n
                 FROM products, unnest(tsvector_to_array(search_vector)) AS w
                WHERE organization_id = %s AND deleted_at IS NULL AND active
                GROUP BY w""", (organization_id,))}
    return row["n"], row["total"], lexemes


def _assert_exact(db, organization_id) -> None:
    stats, lexemes = _counts(db, organization_id)
    n, total, expected = _exact(db, organization_id)
    assert (stats["documents"], stats["lexemes"]) == (n, total)
    assert lexemes == expected


def test_statistics_follow_every_write_of_the_store(db, client, tenant, make_tenant):
    other = make_tenant("Other Store")
    # GIVEN two stores' catalogs
    _put(client, tenant, [product("k1", "Enamel Kettle", 2500, description="Stovetop."),
                          product("k2", "Stainless Kettle", 3500),
                          product("p1", "Stainless Pot", 4000)])
    _put(client, other, [product("x1", "Walnut Desk", 20000)])
    stats, lexemes = _counts(db, tenant.organization_id)
    assert stats["documents"] == 3
    assert lexemes["kettl"] == 2 and lexemes["stainless"] == 2 and lexemes["enamel"] == 1
    assert "walnut" not in lexemes  # the other store's words are its own
    _assert_exact(db, other.organization_id)

    # WHEN a product's text changes, another only its price, one is switched off and one
    # is deleted
    _put(client, tenant, [product("k1", "Copper Kettle", 2500, description="Stovetop."),
                          product("k2", "Stainless Kettle", 3900),
                          product("p1", "Stainless Pot", 4000, active=False)])
    stats, lexemes = _counts(db, tenant.organization_id)
    # THEN each count moved with the live texts only
    assert stats["documents"] == 2
    assert lexemes.get("enamel") is None and lexemes["copper"] == 1
    assert lexemes["stainless"] == 1 and lexemes["kettl"] == 2
    _assert_exact(db, tenant.organization_id)

    assert client.delete("/v1/agent/products/k2", headers=tenant.auth).status_code == 204
    _assert_exact(db, tenant.organization_id)
    # a product switched on again counts again
    _put(client, tenant, [product("p1", "Stainless Pot", 4000)])
    _assert_exact(db, tenant.organization_id)
    _assert_exact(db, other.organization_id)


def test_a_rebuild_makes_drifted_counts_exact_again(db, client, tenant):
    from agentpay.catalog.indexing import Indexer
    from agentpay.embeddings import get_embedder

    _put(client, tenant, [product("a", "Linen Apron", 2900), product("b", "Linen Napkins", 1500)])
    # GIVEN counts that drifted (say a write made before the triggers existed)
    with db.connection() as conn:
        conn.execute("UPDATE catalog_lexemes SET documents = documents + 5"
                     " WHERE organization_id = %s", (tenant.organization_id,))
        conn.execute("INSERT INTO catalog_lexemes VALUES (%s, 'ghost', 3)",
                     (tenant.organization_id,))
        conn.execute("UPDATE catalog_statistics SET documents = 40 WHERE organization_id = %s",
                     (tenant.organization_id,))
        conn.commit()
    # WHEN the store is rebuilt
    Indexer(db, get_embedder()).rebuild_organization(tenant.organization_id, force=False)
    # THEN they are the live products' again, and the lexeme nobody has is gone
    _assert_exact(db, tenant.organization_id)
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM catalog_lexemes WHERE lexeme = 'ghost'"
                            ).fetchone()["n"] == 0


def test_deleting_a_store_deletes_its_statistics(db, make_tenant, client):
    gone = make_tenant("Closing Store")
    _put(client, gone, [product("a", "Oak Stool", 9000)])
    with db.connection() as conn:
        conn.execute("DELETE FROM organizations WHERE id = %s", (gone.organization_id,))
        left = conn.execute(
            """SELECT (SELECT count(*) FROM catalog_lexemes WHERE organization_id = %(o)s)
                    + (SELECT count(*) FROM catalog_statistics WHERE organization_id = %(o)s)
                      AS n""", {"o": gone.organization_id}).fetchone()["n"]
        conn.rollback()
    assert left == 0


def _rows(db, organization_id, query: str, shift: bool) -> list[dict]:
    """Every candidate's row of the search statement, with the arguments search() passes."""
    from agentpay.catalog import search
    from agentpay.catalog import search_repository as repo
    from agentpay.embeddings import get_embedder

    with db.connection() as conn:
        return repo.hybrid_search(
            conn, organization_id, query, search.to_tsquery_text(query),
            search.query_vectors.get(get_embedder(), query), repo.Filters(), 40, None,
            search.to_tsquery_all(query),
            repo.Ranking(k=100, min_semantic=-1.0, lexical="bm25", shift_to_vector=shift),
            words=" ".join(search.query_terms(query)))


def _lexical(db, organization_id, query: str) -> dict[str, float]:
    """Each candidate's lexical score (BM25, before normalisation) for `query`."""
    rows = _rows(db, organization_id, query, shift=False)
    best = max(r["lexical_raw"] for r in rows)
    assert all(r["lexical_part"] == pytest.approx(r["lexical_raw"] / best) for r in rows)
    return {r["external_id"]: r["lexical_raw"] for r in rows}


def _bm25(tf: float, idf: float, length: int, mean: float) -> float:
    return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / mean))


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def test_a_word_rare_in_the_store_outweighs_a_common_one(db, client, make_tenant):
    steel, enamel = make_tenant("Steel Shop"), make_tenant("Enamel Shop")
    # GIVEN a store where nearly everything is stainless, and one where nearly every
    # product is a kettle
    _put(client, steel, [product("pot", "Stainless Pot", 3000),
                         product("pan", "Stainless Pan", 3000),
                         product("jug", "Stainless Jug", 3000),
                         product("kettle", "Enamel Kettle", 3000)])
    _put(client, enamel, [product("k1", "Enamel Kettle", 3000),
                          product("k2", "Copper Kettle", 3000),
                          product("k3", "Glass Kettle", 3000),
                          product("pot", "Stainless Pot", 3000)])
    # WHEN both are asked for a stainless kettle
    in_steel = _lexical(db, steel.organization_id, "stainless kettle")
    in_enamel = _lexical(db, enamel.organization_id, "stainless kettle")
    # THEN each store's rare word decides (ts_rank_cd scored the two names alike)
    assert in_steel["kettle"] > in_steel["pot"]
    assert in_enamel["pot"] > in_enamel["k1"]
    # and the scores are BM25's: one field (the name, weight 1), two lexemes per product
    assert in_steel["kettle"] == pytest.approx(_bm25(1.0, _idf(4, 1), 2, 2.0))
    assert in_steel["pot"] == pytest.approx(_bm25(1.0, _idf(4, 3), 2, 2.0))


def test_a_short_text_outweighs_a_long_one_and_the_name_outweighs_the_description(
        db, client, tenant):
    _put(client, tenant, [
        product("short", "Wool Blanket", 5000),
        product("long", "Wool Blanket", 5000,
                description="Woven in Wales from lambswool, with a stitched edge, in three "
                            "heathered colours; hand wash cold and dry flat."),
        product("described", "Throw", 5000, description="A warm wool blanket."),
    ])
    scores = _lexical(db, tenant.organization_id, "wool blanket")
    assert scores["short"] > scores["long"] > scores["described"]


def test_a_query_no_product_covers_leans_on_the_vector(db, client, tenant):
    from agentpay.catalog.search_repository import Weights

    _put(client, tenant, [product("mug", "Stoneware Mug", 1800),
                          product("flask", "Vacuum Flask", 3200),
                          product("tee", "Cotton Tee", 1500)])

    def rows(query: str, shift: bool) -> list[dict]:
        return _rows(db, tenant.organization_id, query, shift)

    w = Weights()
    # a query one product covers fully is ranked as without the shift
    full = rows("vacuum flask", True)
    assert max(r["coverage"] for r in full) == pytest.approx(1.0)
    assert [r["score"] for r in full] == pytest.approx([r["score"] for r in
                                                        rows("vacuum flask", False)])
    # half the query's weight in words no product has: the cosine gets what they lose
    partial = rows("flask for hiking trips", True)
    best = max(r["coverage"] for r in partial)
    assert 0 < best < 1
    for row in partial:
        expected = (w.lexical * best * row["lexical_part"] + w.fuzzy * row["fuzzy"]
                    + (w.cosine + w.lexical * (1 - best)) * max(row["cosine"] or 0.0, 0.0))
        assert row["score"] == pytest.approx(expected, abs=1e-9)


def test_an_upgrade_counts_every_stores_products(fresh_url, tmp_path):  # noqa: F811
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate

    # GIVEN a database before 0023 with a store's products, one of them switched off
    with open_connection(fresh_url) as conn:
        migrate_before(conn, "0023", tmp_path)
        org = conn.execute("INSERT INTO organizations (name) VALUES ('Older Store')"
                           " RETURNING id").fetchone()["id"]
        for n, (name, active) in enumerate((("Oak Table", True), ("Oak Chair", True),
                                            ("Pine Chair", False))):
            conn.execute(
                """INSERT INTO products (organization_id, external_id, name, price_minor,
                                         currency, content_hash, active)
                   VALUES (%s, %s, %s, 1000, 'USD', 'h', %s)""", (org, f"p{n}", name, active))
        conn.commit()
        # WHEN it is upgraded
        applied = migrate(conn)
        stats = conn.execute("SELECT documents, lexemes FROM catalog_statistics"
                             " WHERE organization_id = %s", (org,)).fetchone()
        lexemes = {r["lexeme"]: r["documents"] for r in conn.execute(
            "SELECT lexeme, documents FROM catalog_lexemes WHERE organization_id = %s",
            (org,))}
    # THEN its live products are counted
    assert applied[0] == "0023"
    assert (stats["documents"], stats["lexemes"]) == (2, 4)
    assert lexemes == {"oak": 2, "tabl": 1, "chair": 1}


def test_by_default_the_lexical_score_is_bm25_and_cover_density_stays_an_option(
        db, client, tenant):
    from agentpay.catalog import search
    from agentpay.catalog import search_repository as repo
    from agentpay.catalog.search_repository import Ranking
    from agentpay.embeddings import get_embedder

    # GIVEN a store where one word is rare and one is common
    _put(client, tenant, [product("pot", "Stainless Pot", 3000),
                          product("pan", "Stainless Pan", 3000),
                          product("kettle", "Enamel Kettle", 3000)])
    assert Ranking().lexical == "bm25" and not Ranking().shift_to_vector
    # WHEN it is searched with the default ranking, THEN the scores are BM25's
    scores = _lexical(db, tenant.organization_id, "stainless kettle")
    assert scores["kettle"] == pytest.approx(_bm25(1.0, _idf(3, 1), 2, 2.0))
    assert scores["pot"] == pytest.approx(_bm25(1.0, _idf(3, 2), 2, 2.0))
    default = _rows_default(db, tenant.organization_id, "stainless kettle")
    assert {r["external_id"]: r["lexical_raw"] for r in default} == pytest.approx(scores)

    # AND cover density can still be asked for: ts_rank_cd's scores
    query = "stainless kettle"
    with db.connection() as conn:
        rows = repo.hybrid_search(
            conn, tenant.organization_id, query, search.to_tsquery_text(query),
            search.query_vectors.get(get_embedder(), query), repo.Filters(), 40, None,
            search.to_tsquery_all(query),
            Ranking(k=10, min_semantic=-1.0, lexical="cover_density"))
        expected = {r["external_id"]: r["rank"] for r in conn.execute(
            """SELECT external_id, ts_rank_cd(search_vector, to_tsquery('english', %s), 32)
                      ::float8 AS rank FROM products WHERE organization_id = %s""",
            (search.to_tsquery_text(query), tenant.organization_id))}
    assert {r["external_id"]: r["lexical_raw"] for r in rows} == pytest.approx(expected)


def _rows_default(db, organization_id, query: str) -> list[dict]:
    """The search statement's rows with the default ranking, as search() runs it."""
    from agentpay.catalog import search
    from agentpay.catalog import search_repository as repo
    from agentpay.embeddings import get_embedder

    with db.connection() as conn:
        return repo.hybrid_search(
            conn, organization_id, query, search.to_tsquery_text(query),
            search.query_vectors.get(get_embedder(), query), repo.Filters(), 40, None,
            search.to_tsquery_all(query), repo.Ranking(k=100, min_semantic=-1.0),
            words=" ".join(search.query_terms(query)))


def test_a_product_sold_in_the_size_asked_for_matches_it_by_its_words(db, client, tenant):
    # GIVEN a cobalt bit sold in 1/4 in. (a variant), and a titanium one with 1/4 in. in
    # its name
    _put(client, tenant, [
        product("cobalt", "Cobalt Twist Drill Bit", 900, variants=[
            {"sku": "c-18", "size": "1/8 in.", "stock": 4},
            {"sku": "c-14", "size": "1/4 in.", "stock": 4}]),
        product("titanium", "Titanium-Coated 1/4 in. Twist Drill Bit", 700),
        product("saw", "Hole Saw Kit", 2900),
    ])
    # WHEN a shopper asks for a 1/4 inch cobalt bit, THEN the cobalt bit has every word
    scores = _lexical(db, tenant.organization_id, "1/4 inch cobalt drill bit")
    assert scores["cobalt"] > scores["titanium"]
    # and has all of the query: the shift finds nothing missing in it
    rows = _rows(db, tenant.organization_id, "1/4 inch cobalt drill bit", shift=True)
    assert next(r for r in rows if r["external_id"] == "cobalt")["coverage"] == \
        pytest.approx(1.0)
