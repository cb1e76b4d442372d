"""Each store's vectors live in their own partition of product_embeddings (own HNSW
graph): a search reads that partition only, and an upgrade moves existing vectors there."""

from __future__ import annotations

import json
import uuid

import numpy as np

from catalog_helpers import SHOES, product
from test_db import fresh_url, migrate_before  # noqa: F401 - the fixture


def _partition(organization_id) -> str:
    from agentpay.catalog.index_repository import vector_partition

    return vector_partition(organization_id)


def _graph_partition(organization_id) -> str:
    from agentpay.catalog.index_repository import graph_partition

    return graph_partition(organization_id)


def _partition_exists(db, organization_id) -> bool:
    with db.connection() as conn:
        return conn.execute("SELECT to_regclass(%s) AS t",
                            (_partition(organization_id),)).fetchone()["t"] is not None


class _Explaining:
    """A connection stand-in for repository functions: keeps each statement's JSON plan,
    then runs it."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.plans: list[dict] = []

    def pipeline(self):
        return self.conn.pipeline()

    def execute(self, sql, params=None):
        self.plans.append(self.conn.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                          .fetchone()["QUERY PLAN"][0]["Plan"])
        return self.conn.execute(sql, params)


def _relations(plan: dict) -> set[str]:
    """Every table or index a JSON plan reads."""
    found = {plan[k] for k in ("Relation Name", "Index Name") if k in plan}
    for child in plan.get("Plans", []):
        found |= _relations(child)
    return found


def test_a_new_store_gets_its_own_partition_with_its_own_hnsw_index(db, make_tenant):
    tenant = make_tenant("Partitioned Store")

    with db.connection() as conn:
        parent = conn.execute(
            "SELECT inhparent::regclass::text AS parent FROM pg_inherits"
            " WHERE inhrelid = to_regclass(%s)", (_partition(tenant.organization_id),)
        ).fetchone()
        graph_parent = conn.execute(
            "SELECT inhparent::regclass::text AS parent FROM pg_inherits"
            " WHERE inhrelid = to_regclass(%s)", (_graph_partition(tenant.organization_id),)
        ).fetchone()
        indexes = [r["indexdef"] for r in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s",
            (_graph_partition(tenant.organization_id),))]

    assert parent == {"parent": "product_embeddings"}
    # its graph: one point per distinct text, in its partition of store_vectors
    assert graph_parent == {"parent": "store_vectors"}
    assert any("USING hnsw" in i and "vector_cosine_ops" in i for i in indexes), indexes


def test_search_reads_only_its_own_stores_partition(db, client, make_tenant, local_queue,
                                                    drain):
    from agentpay.catalog import search_repository as repo
    from agentpay.catalog.search import query_vectors, to_tsquery_all, to_tsquery_text
    from agentpay.catalog.search_repository import Filters
    from agentpay.embeddings import get_embedder

    mine, other = make_tenant("Mine"), make_tenant("Other")
    for tenant, products in ((mine, SHOES), (other, SHOES + [product("x", "Running Shoe")])):
        assert client.put("/v1/agent/products", headers=tenant.auth,
                          json={"products": products}).status_code == 200
    drain()
    query = "running shoe"
    vector = query_vectors.get(get_embedder(), query)

    with db.connection() as conn:
        spy = _Explaining(conn)
        rows = repo.hybrid_search(spy, mine.organization_id, query,
                                      to_tsquery_text(query), vector, Filters(), 40, [],
                                      to_tsquery_all(query))
        exact = repo.vector_only(spy, mine.organization_id, vector, Filters(), 10)

    read = set().union(*(_relations(p) for p in spy.plans))
    vector_tables = {r for r in read if r.startswith(("product_embeddings_", "store_vectors_"))}
    mine_hex, other_hex = (uuid.UUID(t.organization_id).hex[:11] for t in (mine, other))
    assert {r for r in read if r.startswith("store_vectors_")}, read
    assert vector_tables and all(mine_hex in r for r in vector_tables), read
    assert not any(other_hex in r for r in read)
    ids = {str(r["id"]) for r in rows} | {str(r["id"]) for r in exact}
    with db.connection() as conn:
        owners = {str(r["organization_id"]) for r in conn.execute(
            "SELECT organization_id FROM products WHERE id = ANY(%s)", (list(ids),))}
    assert owners == {mine.organization_id}


def test_an_upgrade_moves_every_stores_vectors_into_its_own_partition(fresh_url, tmp_path):  # noqa: F811
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate

    # GIVEN a database at migration 0005 (one shared vector table) holding two stores
    rng = np.random.default_rng(3)
    with open_connection(fresh_url) as conn:
        migrate_before(conn, "0006", tmp_path)
        stores = {}
        for name in ("Old Store A", "Old Store B"):
            org = conn.execute("INSERT INTO organizations (name) VALUES (%s) RETURNING id",
                               (name,)).fetchone()["id"]
            stores[org] = []
            for n in range(3):
                pid = conn.execute(
                    """INSERT INTO products (organization_id, external_id, name, price_minor,
                                             currency, content_hash)
                       VALUES (%s, %s, %s, 1000, 'USD', 'h') RETURNING id""",
                    (org, f"p{n}", f"{name} product {n}")).fetchone()["id"]
                conn.execute(
                    """INSERT INTO product_embeddings (product_id, organization_id, model,
                           content_hash, embedding, price_minor, currency, in_stock,
                           product_hash)
                       VALUES (%s, %s, 'm', 'c', %s::vector, 1000, 'USD', true, 'h')""",
                    (pid, org, str(rng.standard_normal(384).round(4).tolist())))
                stores[org].append(pid)
        conn.commit()

        # WHEN it is upgraded
        applied = migrate(conn)

        # THEN each store's rows sit in its own partition, all of them, searchable by HNSW
        placed = {}
        for r in conn.execute("SELECT tableoid::regclass::text AS part, organization_id,"
                              " product_id FROM product_embeddings"):
            placed.setdefault(r["part"], set()).add((r["organization_id"], r["product_id"]))
        hnsw = {r["tablename"] for r in conn.execute(
            "SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%%USING hnsw%%'")}
        shared = conn.execute("SELECT to_regclass('product_embeddings_shared') AS t"
                              ).fetchone()["t"]
    assert applied[0] == "0006"
    assert placed == {_partition(org): {(org, pid) for pid in pids}
                      for org, pids in stores.items()}
    assert {_graph_partition(org) for org in stores} <= hnsw
    assert shared is None


def test_a_store_made_outside_the_service_still_gets_its_partition(db):
    # The partition comes from a trigger, so no way of inserting a store can skip it.
    name = f"raw-{uuid.uuid4().hex[:6]}"
    with db.transaction() as conn:
        org = conn.execute("INSERT INTO organizations (name) VALUES (%s) RETURNING id",
                           (name,)).fetchone()["id"]
    assert _partition_exists(db, org)


def test_a_bench_store_deleted_outright_leaves_no_partition_behind(db):
    from agentpay_dev.catalog.bench import bench_org

    with bench_org(db, "bench-partition") as org:
        during = _partition_exists(db, org)
    assert during and not _partition_exists(db, org)


def test_an_application_role_that_cannot_create_tables_can_still_add_a_store(db):
    # GIVEN a role allowed to insert organizations and nothing else (and to run the
    # project's functions, as the deployed app role may: db/roles.py; an earlier test may
    # have taken that from PUBLIC)
    role = f"agentpay_app_{uuid.uuid4().hex[:8]}"
    with db.transaction() as conn:
        conn.execute(f"CREATE ROLE {role} NOLOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        conn.execute(f"GRANT SELECT, INSERT ON organizations TO {role}")
        conn.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}")
    try:
        # WHEN it inserts one
        with db.transaction() as conn:
            conn.execute(f"SET LOCAL ROLE {role}")
            org = conn.execute("INSERT INTO organizations (name) VALUES ('by app role')"
                               " RETURNING id").fetchone()["id"]
            conn.execute("RESET ROLE")
        # THEN its partition exists, made with the schema owner's rights
        assert _partition_exists(db, org)
    finally:
        with db.transaction() as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_product_reads_join_only_their_stores_partition(db, make_tenant):
    from agentpay.catalog import repository

    mine, other = make_tenant("Reads Mine"), make_tenant("Reads Other")

    with db.connection() as conn:
        spy = _Explaining(conn)
        repository.get_many(spy, mine.organization_id, [uuid.uuid4()])
        repository.list_page(spy, mine.organization_id, 10, None)
        repository.get_active_by_external_ids(spy, mine.organization_id, ["x"])
        repository.existing_by_external_id(spy, mine.organization_id, ["x"])
        repository.ids_needing_index(spy, mine.organization_id)

    for plan in spy.plans:
        vector_tables = {r for r in _relations(plan) if r.startswith("product_embeddings")}
        assert vector_tables and all(_partition(mine.organization_id) in r
                                     for r in vector_tables), vector_tables
        assert not any(_partition(other.organization_id) in r for r in vector_tables)


# ------------------------------------------------------------------ graph build options

def _graph_options(conn, organization_id) -> dict:
    """The reloptions of the store's HNSW graph (an index of its partition)."""
    from agentpay.catalog.graph_repository import vector_graph

    graph = vector_graph(conn, organization_id)
    assert graph, "the store's partition has no HNSW graph"
    options = conn.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass",
                           (graph,)).fetchone()["reloptions"]
    return dict(o.split("=") for o in options)


def test_a_new_stores_graph_is_built_with_the_chosen_options(db, make_tenant):
    from agentpay.catalog.graph_repository import GRAPH_EF_CONSTRUCTION, graph_name

    tenant = make_tenant("Dense Graph Store")
    with db.connection() as conn:
        assert _graph_options(conn, tenant.organization_id) == {
            "m": "16", "ef_construction": str(GRAPH_EF_CONSTRUCTION)}
        from agentpay.catalog.graph_repository import vector_graph

        assert vector_graph(conn, tenant.organization_id) == graph_name(tenant.organization_id)


def test_an_upgrade_gives_existing_graphs_the_new_build_option(fresh_url, tmp_path):  # noqa: F811
    from agentpay.catalog.graph_repository import GRAPH_EF_CONSTRUCTION
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate

    with open_connection(fresh_url) as conn:
        migrate_before(conn, "0010", tmp_path)
        org = conn.execute("INSERT INTO organizations (name) VALUES ('Older Store')"
                           " RETURNING id").fetchone()["id"]
        # the graph of its product rows, part of the partitioned index of 0006
        before = conn.execute(
            "SELECT c.reloptions FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid"
            " WHERE x.indrelid = to_regclass(%s) AND c.relam = (SELECT oid FROM pg_am"
            " WHERE amname = 'hnsw')", (_partition(org),)).fetchone()["reloptions"]
        assert migrate(conn)[0] == "0010"
        after = _graph_options(conn, org)
        old_graphs = conn.execute(
            "SELECT count(*) AS n FROM pg_indexes WHERE tablename = %s"
            " AND indexdef LIKE '%%hnsw%%'", (_partition(org),)).fetchone()["n"]
    assert dict(o.split("=") for o in before) == {"m": "16", "ef_construction": "64"}
    # 0010 set 1000 on it; 0022 moved the store's graph to its distinct vectors
    assert after == {"m": "16", "ef_construction": str(GRAPH_EF_CONSTRUCTION)}
    assert old_graphs == 0


def test_rebuilding_a_stores_graph_keeps_it_searchable(db, client, make_tenant, local_queue,
                                                       drain, capsys):
    from agentpay.catalog.graph_repository import GRAPH_EF_CONSTRUCTION, vector_graph
    from agentpay_dev.cli import main

    tenant = make_tenant("Rebuilt Store")
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    drain()
    with db.connection() as conn:
        graph = vector_graph(conn, tenant.organization_id)
        conn.execute(f"ALTER INDEX {graph} SET (ef_construction = 64)")  # an older graph

    assert main(["catalog", "rebuild-graph", "--org", tenant.organization_id]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    with db.connection() as conn:
        valid = conn.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = %s::regclass",
                             (graph,)).fetchone()["indisvalid"]
        options = _graph_options(conn, tenant.organization_id)
    found = client.post("/v1/agent/products/search", headers=tenant.auth,
                        json={"query": "trail running shoe"}).json()["data"]
    assert report["graph"] == graph and valid
    assert options["ef_construction"] == str(GRAPH_EF_CONSTRUCTION)
    assert found and found[0]["external_id"] == "shoe-1"


def test_rebuilding_the_graph_of_an_unknown_store_is_a_clear_error(db, capsys):
    from agentpay_dev.cli import main

    assert main(["catalog", "rebuild-graph", "--org", str(uuid.uuid4())]) == 2
    assert json.loads(capsys.readouterr().err)["error"]["code"] == "not_found"
