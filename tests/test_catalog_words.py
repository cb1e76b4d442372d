"""Each store's vocabulary (migration 0011), which spelling correction reads: filled as
products are written, one partition and trigram index per store, backfilled on upgrade."""

from __future__ import annotations

import pytest

from catalog_helpers import SHOES, product
from test_db import fresh_url, migrate_before  # noqa: F401 - the fixture


@pytest.fixture
def shoes(client, tenant, local_queue, drain):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    drain()
    return tenant


def _words(conn, organization_id) -> set[str]:
    return {r["word"] for r in conn.execute(
        "SELECT word FROM catalog_words WHERE organization_id = %s",
        (organization_id,)).fetchall()}


def test_the_vocabulary_follows_product_writes(shoes, client, drain, db):
    """Words arrive with the product, in its transaction; a rename adds the new words."""
    def words() -> set[str]:
        with db.connection() as conn:
            return _words(conn, shoes.organization_id)

    assert {"trail", "running", "shoe", "stridewell", "footwear", "backpacking"} <= words()
    assert not {"12", "oz"} & words()  # numbers and words under three letters: no
    client.put("/v1/agent/products", headers=shoes.auth, json={"products": [
        product("mug-1", "Enamel Camp Mug", 1800, category="Kitchen")]})
    assert {"enamel", "camp"} <= words()
    with db.connection() as conn:
        partition = conn.execute(
            "SELECT tableoid::regclass::text AS p FROM catalog_words"
            " WHERE organization_id = %s LIMIT 1", (shoes.organization_id,)).fetchone()["p"]
        indexes = {r["indexdef"].split(" USING ")[1] for r in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", (partition,)).fetchall()}
    assert partition == "catalog_words_" + str(shoes.organization_id).replace("-", "")
    assert "gin (word gin_trgm_ops)" in indexes


def test_a_rejected_batch_item_adds_no_words(tenant, client, db):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": [
        product("ok-1", "Walnut Cutting Board"),
        {"external_id": "bad-1", "name": "Mahogany Serving Tray", "price": -5,
         "currency": "USD"}]})
    with db.connection() as conn:
        words = _words(conn, tenant.organization_id)
    assert {"walnut", "cutting", "board"} <= words and not {"mahogany", "serving"} & words


def test_an_organization_rebuild_clears_words_only_deleted_products_had(shoes, client, db):
    from agentpay.catalog.indexing import Indexer, IndexMessage
    from agentpay.embeddings import get_embedder

    client.delete("/v1/agent/products/tent-1", headers=shoes.auth)
    client.put("/v1/agent/products", headers=shoes.auth, json={"products": [
        product("lamp-1", "Brass Reading Lamp", 4500, category="Lighting")]})
    with db.connection() as conn:
        before = _words(conn, shoes.organization_id)
    assert {"backpacking", "tent", "desk", "reading"} <= before  # words are never removed

    report = Indexer(db, get_embedder()).handle(IndexMessage(
        type="organization", organization_id=shoes.organization_id))
    with db.connection() as conn:
        after = _words(conn, shoes.organization_id)
    # the tent's words, and the lamp's old ones (its name and its colour)
    assert before - after == {"two", "person", "backpacking", "tent", "outdoor", "green",
                              "desk", "gold"}
    assert report.words_removed == 8 and "reading" in after and "brass" in after


def test_a_bench_store_deleted_outright_leaves_no_vocabulary_behind(db):
    from agentpay.catalog.index_repository import word_partition
    from agentpay_dev.catalog.bench import bench_org

    def exists(org) -> bool:
        with db.connection() as conn:
            return conn.execute("SELECT to_regclass(%s) AS t",
                                (word_partition(org),)).fetchone()["t"] is not None

    with bench_org(db, "bench-words") as org:
        during = exists(org)
    assert during and not exists(org)


def test_an_upgrade_fills_every_stores_vocabulary_from_its_products(fresh_url, tmp_path):  # noqa: F811
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate

    with open_connection(fresh_url) as conn:
        migrate_before(conn, "0011", tmp_path)
        orgs = [conn.execute("INSERT INTO organizations (name) VALUES (%s) RETURNING id",
                             (name,)).fetchone()["id"] for name in ("Older A", "Older B")]
        for org, name in zip(orgs, ("Cedar Garden Bench", "Linen Duvet Cover"), strict=True):
            conn.execute(
                """INSERT INTO products (organization_id, external_id, name, price_minor,
                                         currency, brand, content_hash)
                   VALUES (%s, 'x-1', %s, 100, 'USD', 'Fernhill', 'h')""", (org, name))
        conn.execute(
            """INSERT INTO products (organization_id, external_id, name, price_minor,
                                     currency, content_hash, deleted_at)
               VALUES (%s, 'gone', 'Velvet Ottoman', 100, 'USD', 'h', now())""", (orgs[0],))
        assert migrate(conn)[0] == "0011"
        assert _words(conn, orgs[0]) == {"cedar", "garden", "bench", "fernhill"}
        assert _words(conn, orgs[1]) == {"linen", "duvet", "cover", "fernhill"}
        assert conn.execute("SELECT to_regclass('products_name_trgm_idx') AS i"
                            ).fetchone()["i"] is None
