"""Void, pass or fail, per task.

A task is void (neither passed nor failed) when the catalog has no active, in-stock
product with an in-stock variant satisfying one of its targets: the `match` of a
`cart_has` or `shown_matches`, or a reference into the catalog. It passes only if every
check passes; a check that cannot be evaluated fails, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentpay_dev.shoppers.catalog import Catalog
from agentpay_dev.shoppers.checks import CHECKS
from agentpay_dev.shoppers.constraints import candidates
from agentpay_dev.shoppers.references import Run, is_catalog_ref
from agentpay_dev.shoppers.tasks import CartHas, ShownMatches, Task
from agentpay_dev.shoppers.transcript import Turn


@dataclass
class Outcome:
    kind: str
    ok: bool
    why: str


@dataclass
class Result:
    task: Task
    status: str  # pass | fail | void
    outcomes: list[Outcome] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    reason: str = ""  # why void

    @property
    def passed_checks(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def first_failure(self) -> Outcome | None:
        return next((o for o in self.outcomes if not o.ok), None)

    def line(self) -> str:
        """`PASS|FAIL|VOID id (checks passed/total) first failing check`."""
        if self.status == "void":
            return f"VOID  {self.task.id}: {self.reason}"
        head = f"{self.status.upper()}  {self.task.id}  ({self.passed_checks}/{len(self.outcomes)})"
        failed = self.first_failure
        return head if failed is None else f"{head} {failed.kind}: {failed.why}"


def void_reason(task: Task, catalog: Catalog) -> str | None:
    for check in task.checks:
        targets = []
        if isinstance(check, CartHas | ShownMatches):
            targets.append(check.match)
        for ref in (getattr(check, "ref", None), getattr(check, "same_as", None)):
            if is_catalog_ref(ref):
                targets.append(ref.match)
        for match in targets:
            if not candidates(catalog, match):
                return f"no in-stock product for {check.kind} {match.describe()}"
    return None


def judge(task: Task, turns: list[Turn], catalog: Catalog) -> Result:
    run = Run(catalog, turns)
    outcomes = []
    for check in task.checks:
        try:
            ok, why = CHECKS[check.kind](check, run)
        except Exception as exc:  # noqa: BLE001 - a check that cannot be evaluated fails, loudly
            ok, why = False, f"check error: {type(exc).__name__}: {exc}"
        outcomes.append(Outcome(check.kind, ok, why))
    status = "pass" if all(o.ok for o in outcomes) else "fail"
    return Result(task, status, outcomes, turns)

