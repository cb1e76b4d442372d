"""`agentpay bench search` prints latency and recall figures; with --org it measures a
store's own catalog in place (read only)."""

from __future__ import annotations

import json

from catalog_helpers import SHOES


def test_bench_search_on_a_stores_own_catalog(client, tenant, local_queue, drain, db,
                                              capsys):
    from agentpay_dev.cli import main

    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    drain()
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"]
    capsys.readouterr()  # the indexer's log lines
    assert main(["bench", "search", "--org", str(tenant.organization_id),
                 "--queries", "100"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["organization_id"] == str(tenant.organization_id)
    (figures,) = out["sizes"].values()
    assert figures["products"] == len(SHOES) and figures["index_build_s"] is None
    assert figures["queries"] == 100
    # a catalog this small is one graph neighbourhood: the index finds every neighbour
    assert figures["vector_recall_at_10"] == 1.0
    assert figures["vector_recall_at_10_shopper_queries"] == 1.0
    assert 0 < figures["hybrid_p50_ms"] and 0 < figures["vector_p50_ms"]
    from agentpay.catalog.search import DATABASE_EF_SEARCH

    assert set(figures["vector_by_ef_search"]) == {"40", "100", "200", "400", "800",
                                                   str(DATABASE_EF_SEARCH)}
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == before


def test_bench_search_on_a_store_without_products_is_a_clear_error(tenant, capsys):
    from agentpay_dev.cli import main

    assert main(["bench", "search", "--org", str(tenant.organization_id)]) == 2
    assert json.loads(capsys.readouterr().err)["error"]["code"] == "no_products"


def test_bench_search_builds_and_measures_a_generated_catalog(db, capsys):
    from agentpay_dev.cli import main

    assert main(["bench", "search", "--sizes", "300", "--queries", "100"]) == 0
    figures = json.loads(capsys.readouterr().out)["sizes"]["300"]
    assert figures["products"] == 300 and figures["index_build_s"] > 0
    assert 250 <= figures["embedded"] + figures["cached"] <= 300  # inactive ones are not indexed
    assert 0.9 <= figures["vector_recall_at_10"] <= 1.0
    assert figures["vector_recall_at_10_name_queries"] is not None
    with db.connection() as conn:  # the throwaway store is gone
        assert conn.execute("SELECT count(*) AS n FROM organizations WHERE name LIKE"
                            " 'bench-search-%'").fetchone()["n"] == 0
