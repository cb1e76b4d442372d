"""The `agentpay` command: migrate, create organizations, load catalogs, run the local
stack and the benchmarks. A developer's tool: it imports `agentpay`, never the reverse."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Sequence
from uuid import UUID

from agentpay.config import get_settings


def _database():
    from agentpay.db import get_database
    from agentpay_dev.db.embedded import use_local_database

    use_local_database()
    return get_database()


def cmd_migrate(args: argparse.Namespace) -> int:
    from agentpay.db.migrate import migrate

    with _database().connection() as conn:
        applied = migrate(conn)
    print(json.dumps({"applied": applied}))
    return 0


def cmd_org_create(args: argparse.Namespace) -> int:
    from agentpay.organizations.service import create_organization

    db = _database()
    _ensure_migrated(db)
    with db.transaction() as conn:
        org, key = create_organization(conn, args.name)
    print(json.dumps({
        "organization_id": str(org["id"]),
        "name": org["name"],
        "api_key": key.secret,
        "api_key_prefix": key.prefix,
    }))
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    from agentpay_dev.devstack import run_dev

    return run_dev(host=args.host, port=args.port, demo=not args.no_demo, verbose=args.verbose)


def cmd_catalog_load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from agentpay_dev.catalog.commands import load_catalog

    db = _database()
    _ensure_migrated(db)
    # An in-process consumer's handler logs and emits metrics on stdout (as in Lambda);
    # stdout is for the JSON answer.
    with contextlib.redirect_stdout(sys.stderr):
        result = load_catalog(db, args.org, Path(args.file), workers=args.workers)
    print(json.dumps(result))
    return 0


def cmd_catalog_esci(args: argparse.Namespace) -> int:
    from pathlib import Path

    from agentpay_dev.catalog.esci import build_esci_set

    print(json.dumps(build_esci_set(Path(args.products), Path(args.judgments), Path(args.out))))
    return 0


def cmd_knowledge_load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from agentpay_dev.knowledge.commands import load_articles

    db = _database()
    _ensure_migrated(db)
    with contextlib.redirect_stdout(sys.stderr):  # as `catalog load`
        result = load_articles(db, args.org, Path(args.file))
    print(json.dumps(result))
    return 0


def cmd_catalog_rebuild_graph(args: argparse.Namespace) -> int:
    from agentpay.catalog.graph_repository import reindex_graph
    from agentpay.db.connection import open_connection
    from agentpay.kit.errors import NotFound

    db = _database()
    _ensure_migrated(db)
    with open_connection(db.url) as conn:  # autocommit, as REINDEX CONCURRENTLY needs
        started = time.perf_counter()
        graph = reindex_graph(conn, args.org)
    if graph is None:
        raise NotFound(f"organization {args.org} has no vector partition", code="not_found")
    print(json.dumps({"organization_id": str(args.org), "graph": graph,
                      "rebuilt_s": round(time.perf_counter() - started, 1)}))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from agentpay_dev.catalog.commands import search_lines

    db = _database()
    queries = [args.query] if args.query is not None else sys.stdin
    search_lines(db, args.org, queries, args.k, sys.stdout)
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from agentpay_dev.understanding.commands import run_classify

    run_classify(sys.stdin, sys.stdout)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    # The handlers log and emit metrics on stdout (as in Lambda); stdout is for the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        result = _run_bench(args)
    print(json.dumps(result, indent=2, default=str))
    return 0


def _run_bench(args: argparse.Namespace) -> dict:
    if args.what == "shoppers":
        from pathlib import Path

        from agentpay_dev.shoppers.bench import PROJECT_TASKS, Options, bench_shoppers

        return bench_shoppers(Options(
            tasks=Path(args.tasks) if args.tasks else PROJECT_TASKS, base=args.base,
            demo=Path(args.demo) if args.demo else None,
            ids={i.strip() for i in args.ids.split(",") if i.strip()} if args.ids else None,
            verbose=args.verbose, json_out=Path(args.json) if args.json else None))
    if args.what == "intents":
        from agentpay_dev.understanding.commands import run_bench_intents

        return run_bench_intents(None, args.embedder)
    if args.what == "coldstart":
        from agentpay_dev.coldstart_bench import HANDLERS, bench_coldstart

        url = _database().url if args.request else None  # the first request's database
        return bench_coldstart(runs=args.runs, tracing=args.tracing == "on", database_url=url,
                               handlers=tuple(args.handlers.split(",")) if args.handlers
                               else HANDLERS)
    from agentpay_dev.catalog import bench

    db = _database()
    _ensure_migrated(db)
    if args.what == "realtime":
        from agentpay_dev.realtime.bench import bench_realtime

        return bench_realtime(db, load_conversations=args.load_conversations,
                              load_messages=args.load_messages)
    if args.what == "load":
        from agentpay_dev.loadbench.bench import bench_load

        return bench_load(db, shoppers=args.shoppers, duration_s=args.duration,
                          products=args.products or 1000)
    if args.what == "message":
        from agentpay_dev.orchestrator.bench import bench_message

        return bench_message(db.url, products=args.products or 10_000,
                             conversations=args.conversations)
    if args.what == "search":
        sizes = tuple(int(s) for s in args.sizes.split(","))
        result = bench.bench_search(db, sizes=sizes, queries=args.queries,
                                    organization_id=args.org)
    elif args.what == "indexing":
        result = bench.bench_indexing(db, size=args.products or 2000, workers=args.workers)
    elif args.catalog or args.graded:
        from pathlib import Path

        from agentpay.kit.errors import InvalidInput
        from agentpay_dev.catalog.graded_relevance import bench_graded_relevance

        if not (args.catalog and args.graded):
            raise InvalidInput("relevance on files needs both --catalog and --graded",
                               code="missing_argument")
        result = bench_graded_relevance(db, Path(args.catalog), Path(args.graded))
    else:
        result = bench.bench_relevance(db, size=args.products or 2000)
    return result


def _ensure_migrated(db) -> None:
    from agentpay.db.migrate import migrate

    with db.connection() as conn:
        migrate(conn)


def _uuid(value: str):
    from uuid import UUID

    try:
        return UUID(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UUID: {value!r}") from None


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value!r}")
    return number


def cmd_embeddings_prepare(args: argparse.Namespace) -> int:
    from agentpay.embeddings.static import prepare

    print(prepare())
    return 0


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agentpay", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=cmd_migrate)

    org = sub.add_parser("org", help="organizations").add_subparsers(dest="org_cmd", required=True)
    p = org.add_parser("create", help="create an organization and its first secret key")
    p.add_argument("name")
    p.set_defaults(func=cmd_org_create)

    catalog = sub.add_parser("catalog", help="the product catalog").add_subparsers(
        dest="catalog_cmd", required=True)
    p = catalog.add_parser("load", help="load a JSON-lines file of products and index it")
    p.add_argument("file")
    p.add_argument("--org", required=True, type=_uuid)
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="index_products consumer processes (default: one per core, <= 5)")
    p.set_defaults(func=cmd_catalog_load)
    p = catalog.add_parser("rebuild-graph", help="rebuild a store's HNSW graph in bulk with "
                           "the current build options, searches and indexing going on")
    p.add_argument("--org", required=True, type=_uuid)
    p.set_defaults(func=cmd_catalog_rebuild_graph)
    p = catalog.add_parser("esci", help="Amazon's Shopping Queries (ESCI) judgments as files "
                           "for `bench relevance --catalog --graded`")
    p.add_argument("--products", required=True, help="ESCI products (CSV, or .tsv)")
    p.add_argument("--judgments", required=True, help="ESCI judgments (CSV, or .tsv)")
    p.add_argument("--out", required=True, help="directory for catalog.jsonl and graded.jsonl")
    p.set_defaults(func=cmd_catalog_esci)

    knowledge = sub.add_parser("knowledge", help="the store's help articles").add_subparsers(
        dest="knowledge_cmd", required=True)
    p = knowledge.add_parser("load", help="load a JSON-lines file of articles and index it")
    p.add_argument("file")
    p.add_argument("--org", required=True, type=_uuid)
    p.set_defaults(func=cmd_knowledge_load)

    p = sub.add_parser("search", help="hybrid product search (queries from stdin or one arg)")
    p.add_argument("query", nargs="?")
    p.add_argument("--org", required=True, type=_uuid)
    p.add_argument("--k", type=int, default=10)
    p.set_defaults(func=cmd_search)

    emb = sub.add_parser("embeddings", help="the local embedding model").add_subparsers(
        dest="embeddings_cmd", required=True)
    p = emb.add_parser("prepare", help="distil the static token table from MiniLM (once)")
    p.set_defaults(func=cmd_embeddings_prepare)

    p = sub.add_parser("classify", help="intent + entities, one message per stdin line")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("bench", help="benchmarks; JSON on stdout")
    p.add_argument("what", choices=["search", "indexing", "relevance", "intents", "message",
                                     "realtime", "load", "shoppers", "coldstart"])
    p.add_argument("--conversations", type=int, default=5,
                   help="scripted conversations for `message` (after one warm-up)")
    p.add_argument("--sizes", default="10000,100000", help="catalog sizes for `search`")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--org", type=UUID, default=None,
                   help="`search` on this store's own catalog instead of generated ones "
                        "(read only)")
    p.add_argument("--products", type=int, default=None,
                   help="catalog size (indexing, relevance: 2000; message: 10000; load: 1000)")
    p.add_argument("--shoppers", type=_positive_int, default=20,
                   help="concurrent shoppers for `load`, half HTTP and half WebSocket")
    p.add_argument("--duration", type=_positive_float, default=30.0,
                   help="seconds of load for `load` (and as much again for the bare baseline)")
    p.add_argument("--load-conversations", type=int, default=50,
                   help="shoppers at once in the load run of `realtime` (0: no load run)")
    p.add_argument("--load-messages", type=int, default=20,
                   help="messages per shopper in the load run of `realtime`")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="index_products consumer processes for `indexing` (default: cores, <= 5)")
    p.add_argument("--embedder", default=None,
                   help="embedder of the semantic fallback for `intents` (local, hashing)")
    p.add_argument("--tasks", default=None,
                   help="task file for `shoppers` (default: tests/shopper_tasks/tasks.jsonl)")
    p.add_argument("--base", default=None,
                   help="`shoppers` against this running stack instead of a fresh one")
    p.add_argument("--demo", default=None,
                   help="demo.json (api_key, agent_id, publishable_key) of the --base stack "
                        "(default: .agentpay/demo.json)")
    p.add_argument("--ids", default=None, help="`shoppers`: only these task ids (a,b)")
    p.add_argument("--verbose", action="store_true",
                   help="`shoppers`: failing checks and transcripts on stderr")
    p.add_argument("--json", default=None, help="`shoppers`: per-task detail to this file")
    p.add_argument("--catalog", default=None,
                   help="`relevance` on this catalog (JSON lines, as `catalog load`) ...")
    p.add_argument("--graded", default=None,
                   help="... and these graded queries (JSON lines: query, judgments): nDCG@10 "
                        "of the project's search and of plain BM25 over the titles")
    p.add_argument("--runs", type=_positive_int, default=7,
                   help="`coldstart`: fresh interpreters per handler and for the bare stack")
    p.add_argument("--tracing", choices=["on", "off"], default="on",
                   help="`coldstart`: X-Ray tracing as deployed (on) or off")
    p.add_argument("--handlers", default=None, help="`coldstart`: only these (a,b)")
    p.add_argument("--request", action="store_true",
                   help="`coldstart`: http_api also serves GET /healthz (the database's round "
                        "trip) after its import")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("dev", help="run the local stack")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-demo", action="store_true", help="skip the demo store and catalog")
    p.add_argument("--verbose", action="store_true",
                   help="also log the SQS and @connections stand-ins' traffic, idle webhook "
                        "sweeps and metrics (by default: requests, indexing, warnings, errors)")
    p.set_defaults(func=cmd_dev)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    get_settings()
    try:
        return args.func(args)
    except Exception as exc:
        from agentpay.kit.errors import AppError

        if isinstance(exc, AppError):
            print(json.dumps({"error": {"code": exc.code, "message": exc.message}}),
                  file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
