"""`agentpay bench shoppers`: run a task file against a dev stack and judge every task.

Without `--base` the bench starts its own stack (a fresh `agentpay dev` with the demo store
in a temporary data dir and its own embedded Postgres), waits until the demo catalog is
indexed, and stops it afterwards. With `--base` it drives a running stack whose demo
credentials are in `--demo` (default: the project's `.agentpay/demo.json`).

One line per task goes to stderr as it is judged, then the pass line
`shopper tasks: P/N passed (P/N %), V void; checks C/T` (N counts void tasks too, as the
shared runner does); the figures are returned for the JSON on stdout.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from agentpay_dev.localstack.functions import REPO_ROOT
from agentpay_dev.shoppers.catalog import Catalog, read_catalog
from agentpay_dev.shoppers.client import Api, ApiError
from agentpay_dev.shoppers.judge import Result, judge, void_reason
from agentpay_dev.shoppers.runner import Credentials, run_task
from agentpay_dev.shoppers.tasks import Task, TaskFileError, load_tasks

PROJECT_TASKS = REPO_ROOT / "tests" / "shopper_tasks" / "tasks.jsonl"


@dataclass
class Options:
    tasks: Path = PROJECT_TASKS
    base: str | None = None
    demo: Path | None = None
    ids: set[str] | None = None
    verbose: bool = False
    json_out: Path | None = None


def bench_shoppers(options: Options, log: TextIO = sys.stderr) -> dict[str, Any]:
    from agentpay.kit.errors import AppError, InvalidInput

    if options.demo and not options.base:
        raise InvalidInput("--demo names the keys of the stack given with --base",
                           code="demo_needs_base")
    try:
        tasks = load_tasks(options.tasks, options.ids)
    except (OSError, TaskFileError) as exc:
        raise InvalidInput(str(exc), code="bad_task_file") from None
    started = time.perf_counter()
    if options.base:
        from agentpay_dev.devstack import demo_credentials_path

        demo = options.demo or demo_credentials_path()
        try:
            credentials = Credentials.from_json(json.loads(Path(demo).read_text()))
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{demo}: {exc}", code="bad_demo_credentials") from None
        stack_info: dict[str, Any] = {"base": options.base, "credentials": str(demo)}
        try:
            figures = run_tasks(Api(options.base), credentials, tasks, options, log)
        except ApiError as exc:  # the catalog or the agent could not be read
            raise AppError(str(exc), code="stack_unreachable") from None
    else:
        from agentpay_dev.shoppers.stack import demo_stack

        with demo_stack() as stack:
            stack_info = {"base": "own dev stack: agentpay dev with the demo store, fresh "
                                  "embedded Postgres, offline responder, default rate limits",
                          "startup_s": round(stack.startup_s, 1),
                          "index_wait_s": round(stack.index_wait_s, 1),
                          "products_queued": stack.products_queued,
                          "index_dead_letters": stack.index_dead_letters}
            figures = run_tasks(Api(stack.base), stack.credentials, tasks, options, log)
    return {"tasks_file": str(options.tasks), "stack": stack_info, **figures,
            "elapsed_s": round(time.perf_counter() - started, 1)}


def run_tasks(api: Api, credentials: Credentials, tasks: list[Task], options: Options,
              log: TextIO) -> dict[str, Any]:
    catalog = read_catalog(api, credentials.api_key, credentials.agent_id)
    active = sum(1 for p in catalog if p.get("active", True))
    print(f"catalog: {len(catalog)} products ({active} active); agent rules {catalog.rules}, "
          f"deepest allowed discount {catalog.allowed_discount_percent:g}%", file=log)
    results = []
    for task in tasks:
        reason = void_reason(task, catalog)
        if reason:
            result = Result(task, "void", reason=reason)
        else:
            result = judge(task, run_task(api, credentials, task), catalog)
        results.append(result)
        print(result.line(), file=log, flush=True)
        if options.verbose and (result.status == "fail" or options.ids):
            print_details(result, catalog, log)
    figures = summarize(results)
    print(figures["line"], file=log, flush=True)
    turn_ms = [t.ms for r in results for t in r.turns if t.status]
    figures.update({
        "catalog_products": len(catalog),
        "allowed_discount_percent": catalog.allowed_discount_percent,
        "turns": len(turn_ms),
        "turn_errors": sum(1 for r in results for t in r.turns if t.error),
        "turn_ms": {"p50": round(statistics.median(turn_ms), 1) if turn_ms else None,
                    "max": round(max(turn_ms), 1) if turn_ms else None},
        "rate_limited_429": api.rate_limited,
        "results": [{"id": r.task.id, "status": r.status,
                     "checks": f"{r.passed_checks}/{len(r.outcomes)}",
                     "first_failure": (f"{r.first_failure.kind}: {r.first_failure.why}"
                                       if r.first_failure else r.reason or None)}
                    for r in results],
    })
    if options.json_out:
        options.json_out.write_text(json.dumps([detail(r) for r in results], indent=1,
                                               ensure_ascii=False))
    return figures


def summarize(results: list[Result]) -> dict[str, Any]:
    total = len(results)
    passed = sum(1 for r in results if r.status == "pass")
    void = sum(1 for r in results if r.status == "void")
    checks_ok = sum(r.passed_checks for r in results)
    checks_all = sum(len(r.outcomes) for r in results)
    percent = 100.0 * passed / total if total else 0.0
    return {
        "line": (f"shopper tasks: {passed}/{total} passed ({percent:.1f}%), {void} void; "
                 f"checks {checks_ok}/{checks_all}"),
        "tasks": total, "passed": passed, "failed": total - passed - void, "void": void,
        "pass_rate": round(passed / total, 4) if total else 0.0,
        "checks_passed": checks_ok, "checks_total": checks_all,
    }


def detail(result: Result) -> dict[str, Any]:
    """Everything about one task, for `--json OUT`."""
    return {
        "id": result.task.id, "goal": result.task.goal, "status": result.status,
        "reason": result.reason or None,
        "checks": [{"kind": o.kind, "ok": o.ok, "why": o.why} for o in result.outcomes],
        "turns": [{"sent": t.sent, "status": t.status, "ms": round(t.ms, 1), "reply": t.reply,
                   "error": t.error,
                   "shown": [p.get("external_id") for p in t.products],
                   "cart": t.cart_lines(), "actions": t.actions(),
                   "stage": t.conversation.get("stage")} for t in result.turns],
    }


def print_details(result: Result, catalog: Catalog, log: TextIO) -> None:
    print(f"    goal: {result.task.goal}", file=log)
    for outcome in result.outcomes:
        if not outcome.ok:
            print(f"    x {outcome.kind}: {outcome.why}", file=log)
    for turn in result.turns:
        print(f"    [{turn.number}] > {turn.sent}", file=log)
        reply = turn.error or turn.reply
        print("          < " + reply.replace("\n", "\n            ")[:1200], file=log)
        for rank, card in enumerate(turn.products, start=1):
            product = catalog.find(card) or {}
            attrs = product.get("attributes") or {}
            print(f"            {rank}. {card.get('name')} | {attrs.get('product_type')} | "
                  f"{(product.get('price') or 0) / 100:.2f}", file=log)
        lines = turn.cart_lines() or []
        cart = "; ".join(f"{ln.get('quantity')} x {ln.get('name')} {ln.get('size') or ''} "
                         f"{ln.get('color') or ''}".strip() for ln in lines)
        print(f"          actions {turn.actions()}; cart: {cart or 'empty'}", file=log)
