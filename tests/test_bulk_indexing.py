"""Large loads write a store's vectors without its HNSW graph and build the graph once,
afterwards (migration 0022); the store stays searchable through full text meanwhile."""

from __future__ import annotations

import json

import psycopg
import pytest

from catalog_helpers import SHOES, product


def _many(count: int, prefix: str = "lamp") -> list[dict]:
    return [product(f"{prefix}-{n}", f"Ceramic Table Lamp {n}", 2000 + n,
                    category="Lighting", description="Warm light for a reading corner.")
            for n in range(count)]


@pytest.fixture
def small_bulk(monkeypatch):
    """Bulk from 20 products on, and no wait for the store to go quiet."""
    from agentpay.catalog import indexing

    monkeypatch.setattr(indexing, "BULK_THRESHOLD", 20)
    monkeypatch.setattr(indexing, "GRAPH_QUIET_SECONDS", 0)
    monkeypatch.setattr(indexing, "GRAPH_RECHECK_SECONDS", 0)


def _graph(db, organization_id):
    from agentpay.catalog.graph_repository import vector_graph

    with db.connection() as conn:
        return vector_graph(conn, organization_id)


def _bulk(db, organization_id):
    from agentpay.catalog.graph_repository import bulk_load

    with db.connection() as conn:
        return bulk_load(conn, organization_id)


def _put(client, tenant, products) -> None:
    for start in range(0, len(products), 100):
        response = client.put("/v1/agent/products", headers=tenant.auth,
                              json={"products": products[start:start + 100]})
        assert response.status_code == 200, response.text


def _indexer(db, sent=None):
    from agentpay.catalog.indexing import Indexer
    from agentpay.embeddings import get_embedder

    def enqueue(messages, delay_seconds=0):
        sent.append((messages, delay_seconds))

    return Indexer(db, get_embedder(), enqueue if sent is not None else None)


def _search(client, tenant, query):
    response = client.post("/v1/agent/products/search", headers=tenant.auth,
                           json={"query": query})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_a_store_loading_in_bulk_has_no_graph_and_is_searched_by_full_text(
        db, client, tenant, small_bulk):
    from agentpay.catalog import repository

    # GIVEN a store with its products indexed (it has a graph), then a bulk load begun
    _put(client, tenant, SHOES)
    assert _graph(db, tenant.organization_id)
    _indexer(db).begin_bulk(tenant.organization_id, 5000)

    # THEN the graph is gone, the store says so, and search still finds by words
    assert _graph(db, tenant.organization_id) is None
    assert _bulk(db, tenant.organization_id)["products"] == 5000
    hits = _search(client, tenant, "trail running shoe")
    assert hits and hits[0]["external_id"] == "shoe-1"
    # and nothing is left waiting for indexing: bulk is about the graph alone
    with db.connection() as conn:
        assert not repository.index_backlog(conn, tenant.organization_id)["pending"]


def test_the_graph_message_waits_for_the_backlog_then_builds(db, client, tenant, small_bulk):
    from agentpay.catalog import indexing
    from agentpay.catalog.queue import set_index_queue

    sent: list = []
    # GIVEN a bulk load whose products are saved but not indexed yet
    set_index_queue(type("Hold", (), {"send": lambda self, m, delay_seconds=0: None})())
    try:
        _put(client, tenant, _many(30))
    finally:
        set_index_queue(None)
    indexer = _indexer(db, sent)
    indexer.begin_bulk(tenant.organization_id, 30)

    # WHEN the graph message arrives first
    report = indexer.finish_bulk(tenant.organization_id, attempt=0)

    # THEN it comes back later, delayed, and the store has still no graph
    assert report.graph == "waiting"
    assert sent == [([indexing.graph_message(tenant.organization_id, 1)],
                     indexing.GRAPH_RECHECK_SECONDS)]
    assert _graph(db, tenant.organization_id) is None

    # WHEN the products are indexed and the message checks again
    from agentpay.catalog import repository

    with db.connection() as conn:
        ids = repository.ids_needing_index(conn, tenant.organization_id)
    _indexer(db).index_products(tenant.organization_id, ids)
    sent.clear()
    report = indexer.finish_bulk(tenant.organization_id, attempt=1)

    # THEN the graph is built in one go and the store leaves bulk, with statistics on its
    # vectors already (a plan made without them read them four times slower)
    assert report.graph == "built" and not sent
    assert _graph(db, tenant.organization_id)
    assert _bulk(db, tenant.organization_id) is None
    from agentpay.catalog.index_repository import graph_partition

    with db.connection() as conn:
        analysed = conn.execute("SELECT count(*) AS n FROM pg_stats WHERE tablename = %s",
                                (graph_partition(tenant.organization_id),)).fetchone()
    assert analysed["n"] > 0
    hits = _search(client, tenant, "ceramic table lamp")
    assert hits and any(h["external_id"].startswith("lamp-") for h in hits)


def test_a_store_that_never_goes_quiet_gets_its_graph_after_the_last_wait(
        db, client, tenant, small_bulk):
    from agentpay.catalog import indexing
    from agentpay.catalog.queue import set_index_queue

    sent: list = []
    set_index_queue(type("Hold", (), {"send": lambda self, m, delay_seconds=0: None})())
    try:
        _put(client, tenant, _many(25))  # saved, never indexed (a poisoned message)
    finally:
        set_index_queue(None)
    indexer = _indexer(db, sent)
    indexer.begin_bulk(tenant.organization_id, 25)

    report = indexer.finish_bulk(tenant.organization_id, attempt=indexing.GRAPH_MAX_WAITS)

    assert report.graph == "built" and not sent
    assert _graph(db, tenant.organization_id) and _bulk(db, tenant.organization_id) is None


def test_only_one_consumer_builds_a_stores_graph(db, tenant, small_bulk):
    from agentpay.catalog import graph_repository

    indexer = _indexer(db)
    indexer.begin_bulk(tenant.organization_id, 100)
    with db.transaction() as first:
        assert graph_repository.claim_build(first, tenant.organization_id)
        # a second consumer with the same message meanwhile: nothing to do
        assert indexer.finish_bulk(tenant.organization_id, attempt=0).graph == "none"
        graph_repository.build_graph(first, tenant.organization_id)
    assert _graph(db, tenant.organization_id) and _bulk(db, tenant.organization_id) is None
    # and a late duplicate of the message finds nothing left to build
    assert indexer.finish_bulk(tenant.organization_id, attempt=0).graph == "none"


def test_a_duplicate_graph_message_checks_back_while_another_builds(db, tenant, small_bulk):
    """SQS delivers the graph message again once its visibility timeout passes, perhaps
    while its first consumer is still building: the duplicate comes back later, so a build
    that dies is done again rather than leaving the store without a graph."""
    from agentpay.catalog import graph_repository, indexing

    sent: list = []
    indexer = _indexer(db, sent)
    indexer.begin_bulk(tenant.organization_id, 100)
    with db.connection() as first, first.transaction():
        assert graph_repository.claim_build(first, tenant.organization_id)
        assert indexer.finish_bulk(tenant.organization_id, attempt=3).graph == "waiting"
        raise psycopg.Rollback()  # the first builder dies
    assert sent == [([indexing.graph_message(tenant.organization_id, 4)],
                     indexing.GRAPH_RECHECK_SECONDS)]
    assert indexer.finish_bulk(tenant.organization_id, attempt=4).graph == "built"
    assert _graph(db, tenant.organization_id) and _bulk(db, tenant.organization_id) is None


def test_a_large_rebuild_loads_in_bulk_and_a_small_one_does_not(db, client, tenant,
                                                               small_bulk):
    from agentpay.catalog.queue import set_index_queue

    set_index_queue(type("Hold", (), {"send": lambda self, m, delay_seconds=0: None})())
    try:
        _put(client, tenant, _many(10, "few"))
    finally:
        set_index_queue(None)
    sent: list = []
    indexer = _indexer(db, sent)
    indexer.rebuild_organization(tenant.organization_id, force=False)
    kinds = [m["type"] for batch, _ in sent for m in batch]
    assert kinds == ["products"] and _bulk(db, tenant.organization_id) is None
    assert _graph(db, tenant.organization_id)

    sent.clear()
    indexer.rebuild_organization(tenant.organization_id, force=True)  # 10: still small
    assert "graph" not in [m["type"] for batch, _ in sent for m in batch]

    set_index_queue(type("Hold", (), {"send": lambda self, m, delay_seconds=0: None})())
    try:
        _put(client, tenant, _many(30, "more"))
    finally:
        set_index_queue(None)
    sent.clear()
    indexer.rebuild_organization(tenant.organization_id, force=False)
    kinds = [m["type"] for batch, _ in sent for m in batch]
    assert kinds[-1] == "graph" and kinds.count("products") == 1
    # the 30 new ones and the 10 whose messages this test only collected
    assert _bulk(db, tenant.organization_id)["products"] == 40
    assert _graph(db, tenant.organization_id) is None


def test_a_bulk_catalog_load_goes_through_sqs_and_ends_with_a_graph(db, tenant, tmp_path,
                                                                     small_bulk):
    from agentpay_dev.catalog.commands import load_catalog

    path = tmp_path / "catalog.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in _many(45)))

    report = load_catalog(db, tenant.organization_id, path, workers=1)

    assert report["accepted"] == 45 and report["not_indexed"] == 0
    assert report["bulk"] is True and report["search"] == "hybrid"
    assert report["dead_lettered_messages"] == 0
    assert _graph(db, tenant.organization_id) and _bulk(db, tenant.organization_id) is None


def test_an_everyday_load_keeps_the_graph(db, tenant, tmp_path, small_bulk):
    from agentpay_dev.catalog.commands import load_catalog

    path = tmp_path / "catalog.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in _many(5)))
    before = _graph(db, tenant.organization_id)

    report = load_catalog(db, tenant.organization_id, path, workers=1)

    assert report["bulk"] is False and report["search"] == "hybrid"
    assert _graph(db, tenant.organization_id) == before


def test_the_application_role_can_drop_and_build_a_graph(db, tenant):
    """The indexer connects as a role without DDL rights; the SECURITY DEFINER functions
    of migration 0022 do it for it."""
    import uuid

    from agentpay.catalog import graph_repository

    role = f"agentpay_app_{uuid.uuid4().hex[:8]}"
    with db.transaction() as conn:
        conn.execute(f"CREATE ROLE {role} NOLOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public"
                     f" TO {role}")
        # as the deployed app role (db/roles.py), whatever an earlier test did to PUBLIC
        conn.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}")
    try:
        with db.transaction() as conn:
            conn.execute(f"SET LOCAL ROLE {role}")
            graph_repository.begin_bulk(conn, tenant.organization_id, 10)
            assert graph_repository.vector_graph(conn, tenant.organization_id) is None
            assert graph_repository.claim_build(conn, tenant.organization_id)
            assert graph_repository.build_graph(conn, tenant.organization_id)
            conn.execute("RESET ROLE")
        assert _graph(db, tenant.organization_id)
    finally:
        with db.transaction() as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


@pytest.fixture
def api_bulk(monkeypatch, small_bulk):
    from agentpay.catalog import indexing

    monkeypatch.setattr(indexing, "API_BULK_CHECK_MIN", 10)


def test_an_api_import_outrunning_the_indexer_switches_to_a_bulk_load(
        db, client, tenant, local_queue, drain, api_bulk):
    # GIVEN a first batch the indexer has not reached yet: a backlog of 15, under 20
    _put(client, tenant, _many(15, "first"))
    assert _bulk(db, tenant.organization_id) is None and _graph(db, tenant.organization_id)

    # WHEN the next batch lands before the indexer caught up: a backlog of 30
    response = client.put("/v1/agent/products", headers=tenant.auth,
                          json={"products": _many(15, "second")})

    # THEN the store loads in bulk and says so, is searched by its words meanwhile, and
    # once the queue is through, has its graph back with every product in it
    assert response.status_code == 200 and response.json()["search"] == "full_text"
    assert _bulk(db, tenant.organization_id) and _graph(db, tenant.organization_id) is None
    during = client.post("/v1/agent/products/search", headers=tenant.auth,
                         json={"query": "ceramic table lamp"}).json()
    assert during["data"] and during["search"] == "full_text"
    assert all("semantic" not in hit["matched"] for hit in during["data"])
    drain()
    assert _bulk(db, tenant.organization_id) is None and _graph(db, tenant.organization_id)
    after = client.post("/v1/agent/products/search", headers=tenant.auth,
                        json={"query": "ceramic table lamp"}).json()
    assert after["search"] == "hybrid" and any("semantic" in h["matched"]
                                               for h in after["data"])
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM product_embeddings"
                            " WHERE organization_id = %s",
                            (tenant.organization_id,)).fetchone()["n"] == 30


def test_everyday_batches_do_not_even_check_the_backlog(db, client, tenant, local_queue,
                                                        api_bulk):
    for n in range(4):  # 36 products waiting, in batches of 9 (< 10)
        _put(client, tenant, _many(9, f"small{n}"))
    assert _bulk(db, tenant.organization_id) is None and _graph(db, tenant.organization_id)


def test_a_bulk_load_whose_graph_message_was_lost_gets_another(db, client, tenant,
                                                               local_queue, drain, api_bulk):
    # GIVEN a store left in bulk by a loader that crashed before its graph message
    _indexer(db).begin_bulk(tenant.organization_id, 1000)
    with db.transaction() as conn:
        conn.execute("UPDATE vector_graph_builds SET updated_at = now() - interval '5 minutes'"
                     " WHERE organization_id = %s", (tenant.organization_id,))

    # WHEN the store sends its next batch THEN a graph message goes with it and builds
    _put(client, tenant, _many(12, "after"))
    drain()
    assert _bulk(db, tenant.organization_id) is None and _graph(db, tenant.organization_id)


def test_a_queue_outage_never_leaves_a_store_in_bulk_without_its_message(
        db, client, tenant, local_queue, api_bulk):
    from agentpay.catalog.queue import QueueUnavailable, set_index_queue

    class Down:
        def send(self, messages, delay_seconds=0):
            raise QueueUnavailable("queue is down")

    set_index_queue(Down())
    response = client.put("/v1/agent/products", headers=tenant.auth,
                          json={"products": _many(30)})
    assert response.status_code == 503
    assert _bulk(db, tenant.organization_id) is None and _graph(db, tenant.organization_id)


def test_catalog_load_prints_one_json_answer_on_stdout(db, tenant, tmp_path, capsys):
    """One consumer runs the handler in the CLI's own process, and the handler logs and
    emits metrics on stdout as in Lambda: those go to stderr, the answer alone to stdout."""
    from agentpay_dev.cli import main

    path = tmp_path / "catalog.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in _many(5)))

    assert main(["catalog", "load", str(path), "--org", tenant.organization_id,
                 "--workers", "1"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and json.loads(out[0])["accepted"] == 5
