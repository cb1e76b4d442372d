"""`agentpay bench search|indexing|relevance`: figures as JSON, measured in one run.

Each benchmark works in a throwaway organization of the configured database and deletes
it afterwards (everything hangs off the organization with ON DELETE CASCADE).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import numpy as np

from agentpay.catalog import service
from agentpay.catalog.indexing import Indexer
from agentpay.catalog.search import DATABASE_EF_SEARCH, Weights, search
from agentpay.catalog.search_repository import Filters, configure_scan, vector_only
from agentpay.db import Database

EF_SEARCH_SWEEP = tuple(sorted({40, 100, 200, 400, 800, DATABASE_EF_SEARCH}))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


@contextmanager
def bench_org(db: Database, name: str):
    from agentpay.catalog.index_repository import drop_store_partitions
    from agentpay.organizations.service import create_organization

    with db.transaction() as conn:
        org, _ = create_organization(conn, name)
    try:
        yield org["id"]
    finally:
        with db.transaction() as conn:
            conn.execute("DELETE FROM organizations WHERE id = %s", (org["id"],))
            drop_store_partitions(conn, org["id"])


def load_inline(db: Database, organization_id: UUID, products: list[dict],
                embedder) -> dict[str, float]:
    """Upsert in API-sized batches and index in-process (no queue): a fast loader."""
    from agentpay.catalog.indexing import BULK_THRESHOLD

    indexer = Indexer(db, embedder)
    upsert_s = index_s = 0.0
    embedded = cached = 0
    bulk = len(products) > BULK_THRESHOLD  # as `catalog load` would: graph built at the end
    if bulk:
        indexer.begin_bulk(organization_id, len(products))
    for start in range(0, len(products), 1000):
        t0 = time.perf_counter()
        with db.transaction() as conn:
            outcome = service.upsert_products(conn, organization_id,
                                              products[start:start + 1000])
        t1 = time.perf_counter()
        for chunk in range(0, len(outcome.to_index), 250):
            report = indexer.index_products(organization_id,
                                            outcome.to_index[chunk:chunk + 250])
            embedded += report.embedded
            cached += report.cached
        upsert_s += t1 - t0
        index_s += time.perf_counter() - t1
    graph_s = None
    if bulk:
        t0 = time.perf_counter()
        indexer.end_bulk(organization_id)
        graph_s = round(time.perf_counter() - t0, 2)
    return {"upsert_s": round(upsert_s, 2), "index_s": round(index_s, 2),
            "graph_build_s": graph_s, "embedded": embedded, "cached": cached}


def _timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_search(db: Database, sizes: tuple[int, ...] = (10_000, 100_000),
                 queries: int = 200, embedder=None,
                 organization_id: UUID | None = None) -> dict[str, Any]:
    """Generated catalogs of `sizes`, each built in a throwaway store; or, with
    `organization_id`, that store's own catalog as it is (read only, nothing built)."""
    from agentpay.embeddings import get_embedder
    from agentpay_dev.catalog.demo import generate_catalog

    embedder = embedder or get_embedder()
    results: dict[str, Any] = {"embedder": embedder.name, "sizes": {}}
    if organization_id is not None:
        from agentpay.catalog.repository import active_product_names

        with db.connection() as conn:
            names = active_product_names(conn, organization_id)
        if not names:
            from agentpay.kit.errors import NotFound

            raise NotFound(f"organization {organization_id} has no active products",
                           code="no_products")
        results["organization_id"] = str(organization_id)
        results["sizes"][str(len(names))] = {
            "products": len(names), "index_build_s": None,
            **_measure(db, organization_id, names, queries, embedder)}
        return results
    for size in sizes:
        products = generate_catalog(size, seed=7)
        with bench_org(db, f"bench-search-{size}") as org:
            t0 = time.perf_counter()
            load = load_inline(db, org, products, embedder)
            build_s = time.perf_counter() - t0
            figures = _measure(db, org, [p["name"] for p in products], queries, embedder)
        results["sizes"][str(size)] = {
            "products": size, "index_build_s": round(build_s, 1), **load,
            "products_per_s": round(size / build_s, 1), **figures}
    return results


def _measure(db: Database, org: UUID, names: list[str], queries: int,
             embedder) -> dict[str, Any]:
    """Latency and recall@10 on one store: the relevance set's shopper queries, then the
    first three words of random product names."""
    from agentpay_dev.catalog.relevance import QUERIES

    rng = random.Random(11)
    texts = [q.query for q in QUERIES]
    texts += [" ".join(rng.choice(names).split()[:3]) for _ in range(queries)]
    texts = texts[:queries]
    t0 = time.perf_counter()
    vectors = embedder.embed(texts)
    embed_each = (time.perf_counter() - t0) / len(texts)
    single = _timed(lambda texts=texts: embedder.embed([texts[0] + " x"]), 20)
    with db.connection() as conn:
        conn.execute("ANALYZE products; ANALYZE product_embeddings; ANALYZE store_vectors")
        # The exact scans first, on their own: each reads the store's every vector, and a
        # search timed right after one would measure a cold cache, not the search.
        truths = [vector_only(conn, org, v, Filters(), 10, exact=True) for v in vectors]
        # warm caches, then measure
        for t, v in zip(texts[:20], vectors[:20], strict=True):
            search(conn, org, t, k=10, embedder=_Fixed(embedder, t, v))
        vec_ms, hyb_ms, filt_ms, recalls, tie_recalls = [], [], [], [], []
        sweep: dict[int, tuple[list[float], list[float]]] = {
            ef: ([], []) for ef in EF_SEARCH_SWEEP}
        for t, v, exact in zip(texts, vectors, truths, strict=True):
            truth = {r["id"] for r in exact}
            # Generated catalogs repeat titles, so many products share one vector;
            # a hit as close as the 10th true neighbour is a correct answer that
            # only lost a tie-break, and is counted as found.
            bound = min((r["cosine"] for r in exact), default=1.0) - 1e-6
            for ef, (ef_ms, ef_recall) in sweep.items():
                with conn.transaction():
                    configure_scan(conn, ef)
                    t0 = time.perf_counter()
                    approx = vector_only(conn, org, v, Filters(), 10)
                    ef_ms.append(time.perf_counter() - t0)
                found = min(1.0, sum(1 for r in approx if r["cosine"] >= bound)
                            / max(len(truth), 1))
                ef_recall.append(found)
                if ef == DATABASE_EF_SEARCH:
                    vec_ms.append(ef_ms[-1])
                    tie_recalls.append(found)
                    recalls.append(len(truth & {r["id"] for r in approx})
                                   / max(len(truth), 1))
            fixed = _Fixed(embedder, t, v)
            t0 = time.perf_counter()
            search(conn, org, t, k=10, embedder=fixed)
            hyb_ms.append(time.perf_counter() - t0)
            filters = Filters(price_max=rng.choice([2500, 5000, 10000]), in_stock=True)
            t0 = time.perf_counter()
            hits = search(conn, org, t, k=10, embedder=fixed, filters=filters)
            filt_ms.append(time.perf_counter() - t0)
            assert all(h.product["price_minor"] <= filters.price_max for h in hits)
    shopper = min(len(QUERIES), len(texts))
    return {
        "queries": len(texts),
        "vector_p50_ms": _ms(statistics.median(vec_ms)),
        "vector_p95_ms": _ms(_percentile(vec_ms, 95)),
        "hybrid_p50_ms": _ms(statistics.median(hyb_ms)),
        "hybrid_p95_ms": _ms(_percentile(hyb_ms, 95)),
        "hybrid_filtered_p50_ms": _ms(statistics.median(filt_ms)),
        "hybrid_filtered_p95_ms": _ms(_percentile(filt_ms, 95)),
        "query_embedding_single_p50_ms": _ms(statistics.median(single)),
        "query_embedding_batched_ms": _ms(embed_each),
        "vector_recall_at_10": round(statistics.fmean(tie_recalls), 4),
        "vector_recall_at_10_by_id": round(statistics.fmean(recalls), 4),
        # shopper queries (typos, sentences) sit far from any product's vector, where a
        # graph search strays most; name prefixes sit close to their products
        "vector_recall_at_10_shopper_queries": round(statistics.fmean(tie_recalls[:shopper]), 4),
        "vector_recall_at_10_name_queries": (
            round(statistics.fmean(tie_recalls[shopper:]), 4) if len(texts) > shopper else None),
        "ef_search": DATABASE_EF_SEARCH,
        "vector_by_ef_search": {
            str(ef): {"p50_ms": _ms(statistics.median(ef_ms)),
                      "recall_at_10": round(statistics.fmean(ef_recall), 4)}
            for ef, (ef_ms, ef_recall) in sweep.items()},
    }


class _Fixed:
    """An embedder that already knows one query's vector (latency without the model)."""

    def __init__(self, inner, text: str, vector: np.ndarray) -> None:
        self.name = inner.name
        self.dimensions = inner.dimensions
        self._inner, self._text, self._vector = inner, " ".join(text.split()), vector

    def embed(self, texts: list[str]) -> np.ndarray:
        if texts == [self._text]:
            return self._vector[None, :]
        return self._inner.embed(texts)


def bench_indexing(db: Database, size: int = 2000, seed: int | None = None,
                   workers: int | None = None) -> dict[str, Any]:
    """Products per second through the production path: upsert → SQS → index_products.

    The consumers are `workers` warm processes (default: one per core, at most the
    template's MaximumConcurrency), started before the clock; the products are upserted
    first and their messages sent together, so `queue_to_searchable_s` is indexing alone.
    """
    from agentpay.catalog.indexing import embedding_text, text_hash
    from agentpay.catalog.normalize import product_row
    from agentpay.catalog.queue import SqsIndexQueue, product_messages, set_index_queue
    from agentpay.catalog.schemas import ProductIn
    from agentpay.embeddings import get_embedder
    from agentpay_dev.catalog.demo import generate_catalog
    from agentpay_dev.localstack.sqs import start_local_sqs
    from agentpay_dev.localstack.sqs_workers import WorkerPool, default_workers

    embedder = get_embedder()
    products = generate_catalog(size, seed=seed if seed is not None else 1234)
    # Measure the embedder, not the cache: forget these texts' cached vectors first.
    hashes = [text_hash(embedder.name, embedding_text(product_row(ProductIn(**p))))
              for p in products]
    with db.transaction() as conn:
        conn.execute("DELETE FROM embedding_cache WHERE model = %s AND text_hash = ANY(%s)",
                     (embedder.name, hashes))
    workers = workers or default_workers()
    queues = start_local_sqs(visibility_timeout=60)
    queue = SqsIndexQueue(queues.client(), queues.queue_url)
    set_index_queue(queue)
    try:
        with WorkerPool(queues, "index_products", workers) as pool, \
                bench_org(db, "bench-indexing") as org:
            t0 = time.perf_counter()
            ids: list[UUID] = []
            for start in range(0, size, 1000):
                with db.transaction() as conn:
                    outcome = service.upsert_products(conn, org, products[start:start + 1000])
                ids += outcome.to_index
            t1 = time.perf_counter()
            queue.send(product_messages(org, ids))
            pool.drain()
            t2 = time.perf_counter()
            with db.connection() as conn:
                indexed = conn.execute(
                    "SELECT count(*) AS n FROM product_embeddings WHERE organization_id = %s",
                    (org,)).fetchone()["n"]
    finally:
        set_index_queue(None)
        queues.stop()
    return {
        "embedder": embedder.name, "products": size, "indexed": indexed,
        "consumers": workers, "batch": "10 messages x 100 products",
        "upsert_s": round(t1 - t0, 2), "queue_to_searchable_s": round(t2 - t1, 2),
        "products_per_s_indexing": round(indexed / (t2 - t1), 1),
        "products_per_s_end_to_end": round(indexed / (t2 - t0), 1),
    }


# The rankings both relevance benches compare: the default (BM25, ADR 0011), the lexical
# weight a query's words do not earn moved to the cosine, the former default (ts_rank_cd's
# cover density with its weights), RRF, and each arm alone.
RELEVANCE_VARIANTS: dict[str, dict[str, Any]] = {
    "weighted": {},
    "weighted_shift": {"shift_to_vector": True},
    "cover_density": {"lexical": "cover_density", "weights": Weights(0.45, 0.25, 0.30)},
    "rrf": {"fusion": "rrf"},
    "lexical_only": {"weights": Weights(0.8, 0.2, 0.0)},
    "vector_only": {"weights": Weights(0.0, 0.0, 1.0)},
}


def bench_relevance(db: Database, size: int = 2000, seed: int = 7) -> dict[str, Any]:
    """nDCG@10 on the project's own graded queries for the demo catalog, per fusion."""
    from agentpay.embeddings import get_embedder
    from agentpay_dev.catalog.demo import generate_catalog
    from agentpay_dev.catalog.relevance import QUERIES, evaluate
    from agentpay_dev.catalog.shopper_query import parse_shopper_query

    embedder = get_embedder()
    products = generate_catalog(size, seed=seed)
    out: dict[str, Any] = {"embedder": embedder.name, "products": size,
                           "queries": len(QUERIES), "ndcg_at_10": {}, "by_kind": {}}
    with bench_org(db, "bench-relevance") as org:
        load_inline(db, org, products, embedder)
        with db.connection() as conn:
            for name, options in RELEVANCE_VARIANTS.items():
                def run(query: str, k: int, options=options) -> list[str]:
                    words, filters = parse_shopper_query(query)  # as `agentpay search` does
                    return [h.product["external_id"]
                            for h in search(conn, org, words, k=k, embedder=embedder,
                                            filters=filters, **options)]
                result = evaluate(run, products, QUERIES, k=10)
                out["ndcg_at_10"][name] = round(result["ndcg"], 4)
                out["by_kind"][name] = {k: round(v, 3) for k, v in result["by_kind"].items()}
                if name == "weighted":
                    out["worst_queries"] = sorted(
                        ({"query": q["query"], "kind": q["kind"], "ndcg": round(q["ndcg"], 3)}
                         for q in result["queries"]), key=lambda q: q["ndcg"])[:8]
    return out
