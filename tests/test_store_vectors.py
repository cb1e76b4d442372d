"""Products that share their text share one point of the store's graph (store_vectors,
migration 0022): the walk finds the point, the join brings every product of it."""

from __future__ import annotations

import numpy as np

from catalog_helpers import product
from test_db import fresh_url, migrate_before  # noqa: F401 - the fixture


def _points(db_or_conn, organization_id) -> int:
    sql = "SELECT count(*) AS n FROM store_vectors WHERE organization_id = %s"
    if not hasattr(db_or_conn, "execute"):  # a Database
        with db_or_conn.connection() as conn:
            return conn.execute(sql, (organization_id,)).fetchone()["n"]
    return db_or_conn.execute(sql, (organization_id,)).fetchone()["n"]


def _put(client, tenant, products):
    response = client.put("/v1/agent/products", headers=tenant.auth,
                          json={"products": products})
    assert response.status_code == 200, response.text
    assert not response.json()["rejected"], response.json()["rejected"]


def test_products_with_one_text_share_one_point_and_are_all_found(db, client, tenant):
    from agentpay.catalog.search_repository import Filters, vector_only
    from agentpay.embeddings import get_embedder

    # GIVEN three listings of one jacket (same name, brand, category) and a tent
    same = {"category": "Outerwear", "brand": "Northpeak"}
    _put(client, tenant, [product(f"jacket-{n}", "Insulated Hiking Jacket", 9900 + n, **same)
                          for n in range(3)] + [product("tent", "Dome Tent", 15000)])

    # THEN the store has two points, and a walk returns all three jackets
    assert _points(db, tenant.organization_id) == 2
    vector = get_embedder().embed(["insulated hiking jacket"])[0]
    with db.connection() as conn:
        hits = vector_only(conn, tenant.organization_id, vector, Filters(), 4)
        cheap = vector_only(conn, tenant.organization_id, vector, Filters(price_max=9900), 4)
    ids = [h["id"] for h in hits]
    assert len(ids) == 4 and len(set(ids)) == 4
    # the filters apply to the products of a point, not to the point
    with db.connection() as conn:
        names = {r["external_id"] for r in conn.execute(
            "SELECT external_id FROM products WHERE id = ANY(%s)",
            ([h["id"] for h in cheap],))}
    assert "jacket-0" in names and not {"jacket-1", "jacket-2"} & names


def test_a_rebuild_sweeps_points_no_product_has_any_more(db, client, tenant):
    from agentpay.catalog.indexing import Indexer
    from agentpay.embeddings import get_embedder

    _put(client, tenant, [product("lamp", "Brass Desk Lamp", 4500),
                          product("mug", "Stoneware Mug", 1800)])
    assert _points(db, tenant.organization_id) == 2
    # the lamp is renamed: a new point; the old one has no product left
    _put(client, tenant, [product("lamp", "Brass Reading Lamp", 4500),
                          product("mug", "Stoneware Mug", 1800)])
    assert _points(db, tenant.organization_id) == 3

    Indexer(db, get_embedder()).rebuild_organization(tenant.organization_id, force=False)

    assert _points(db, tenant.organization_id) == 2


def test_an_upgrade_collapses_each_stores_vectors_into_points_with_a_graph(
        fresh_url, tmp_path):  # noqa: F811
    from agentpay.catalog.graph_repository import vector_graph
    from agentpay.catalog.search_repository import Filters, vector_only
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate

    # GIVEN a database before 0022: a store whose two products share one text
    rng = np.random.default_rng(5)
    shared, own = (rng.standard_normal(384).astype(np.float32) for _ in range(2))
    with open_connection(fresh_url) as conn:
        migrate_before(conn, "0022", tmp_path)
        org = conn.execute("INSERT INTO organizations (name) VALUES ('Older Store')"
                           " RETURNING id").fetchone()["id"]
        for n, (text, vector) in enumerate((("t-shared", shared), ("t-shared", shared),
                                            ("t-own", own))):
            pid = conn.execute(
                """INSERT INTO products (organization_id, external_id, name, price_minor,
                                         currency, content_hash)
                   VALUES (%s, %s, %s, 1000, 'USD', 'h') RETURNING id""",
                (org, f"p{n}", f"product {n}")).fetchone()["id"]
            conn.execute(
                """INSERT INTO product_embeddings (product_id, organization_id, model,
                       content_hash, embedding, price_minor, currency, in_stock,
                       product_hash)
                   VALUES (%s, %s, 'm', %s, %s, 1000, 'USD', true, 'h')""",
                (pid, org, text, str(vector.round(5).tolist())))
        conn.commit()

        # WHEN it is upgraded
        applied = migrate(conn)

        # THEN the store has two points with a graph, and a walk finds all three products
        points = _points(conn, org)
        graph = vector_graph(conn, org)
        from pgvector.psycopg import register_vector

        register_vector(conn)
        hits = vector_only(conn, org, shared, Filters(), 3)
    assert applied[0] == "0022"
    assert points == 2 and graph
    assert len({h["id"] for h in hits}) == 3


def _span(db, organization_id, external_id):
    with db.connection() as conn:
        return conn.execute(
            """SELECT v.price_min, v.price_max, v.in_stock, v.colors, v.sizes
                 FROM store_vectors v JOIN product_embeddings e
                   ON e.organization_id = v.organization_id AND e.content_hash = v.text_hash
                 JOIN products p ON p.id = e.product_id
                WHERE p.organization_id = %s AND p.external_id = %s""",
            (organization_id, external_id)).fetchone()


def test_a_point_spans_its_products_so_filtered_walks_skip_it_only_when_none_can_pass(
        db, client, tenant):
    from agentpay.catalog.indexing import Indexer
    from agentpay.catalog.search_repository import Filters, vector_only
    from agentpay.embeddings import get_embedder

    def found(**filters):
        vector = get_embedder().embed(["dome tent"])[0]
        with db.connection() as conn:
            hits = vector_only(conn, tenant.organization_id, vector, Filters(**filters), 5)
            return {r["external_id"] for r in conn.execute(
                "SELECT external_id FROM products WHERE id = ANY(%s)",
                ([h["id"] for h in hits],))} - {"mug"}

    # GIVEN two listings of one tent text (colours are part of the text, sizes are not):
    # the 2-person in stock at $150, the 4-person sold out at $90
    tent = {"name": "Dome Tent", "category": "Outdoor"}
    _put(client, tenant, [
        product("tent-2p", price=15000, attributes={"colors": ["green"], "sizes": ["2p"]},
                **tent),
        product("tent-4p", price=9000, attributes={"colors": ["green"], "sizes": ["4p"]},
                variants=[{"sku": "tent-4p-g", "color": "green", "size": "4p", "stock": 0}],
                **tent),
        product("mug", "Stoneware Mug", 1800)])
    span = _span(db, tenant.organization_id, "tent-2p")
    assert (span["price_min"], span["price_max"], span["in_stock"]) == (9000, 15000, True)
    assert sorted(span["sizes"]) == ["2p", "4p"]
    assert found(price_max=10000, in_stock=True) == set()  # nothing can pass: skipped
    assert found(price_max=20000, in_stock=True) == {"tent-2p"}
    assert found(sizes=["4p"]) == {"tent-4p"}

    # WHEN the 2-person drops to $50 (its text unchanged): the point widens, it is found
    _put(client, tenant, [product("tent-2p", price=5000,
                                  attributes={"colors": ["green"], "sizes": ["2p"]}, **tent)])
    assert found(price_max=6000, in_stock=True) == {"tent-2p"}
    assert _span(db, tenant.organization_id, "tent-2p")["price_max"] == 15000  # only wider

    # WHEN the store is rebuilt THEN the span is exact again
    Indexer(db, get_embedder()).rebuild_organization(tenant.organization_id, force=False)
    span = _span(db, tenant.organization_id, "tent-2p")
    assert (span["price_min"], span["price_max"]) == (5000, 9000)
    assert found(price_max=6000, in_stock=True) == {"tent-2p"}
