"""Hostile text costs linear time: no message, however shaped, holds a turn for seconds.

Issue 19, item 3. A shopper's message (up to AGENTPAY_MAX_MESSAGE_CHARS) goes through
regular expressions inside the turn's lock, and one that backtracks on a digit run made
`"$" + "1" * 3999` take 13 s. So:

- every request-path entry point gets a corpus of shapes that make backtracking engines
  slow, each at the full message length, and must answer each in under 50 ms;
- every module-level pattern of the package (tooling aside) is run over the same corpus,
  so a pattern added later is covered without a new test.

Timing on a busy machine: the best of three runs counts (a run under the budget ends the
tries), so a neighbour's burst of work does not fail a linear pattern; a quadratic one takes
seconds, not tens of milliseconds. The slowest shapes are the ones that make thousands of
entities or tokens ("$1 $1 …", "a1a1…"): 15-25 ms of linear work on an idle machine.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

import agentpay
from agentpay.catalog.search import query_terms, to_tsquery_text
from agentpay.catalog.search_text import search_text
from agentpay.catalog.shopper_query import parse_shopper_query, search_query
from agentpay.config import Settings
from agentpay.kit.jsonsize import MAX_JSON_BYTES
from agentpay.kit.redact import redact
from agentpay.llm.prompts import render_data
from agentpay.understanding.classifier import Classifier
from agentpay.understanding.entities import extract_entities
from agentpay.understanding.rules import classify_rules

MAX_CHARS = Settings().max_message_chars
BUDGET_S = 0.050
TRIES = 3


def _fill(unit: str, prefix: str = "", suffix: str = "") -> str:
    """`unit` repeated between `prefix` and `suffix`, MAX_CHARS long in all."""
    room = MAX_CHARS - len(prefix) - len(suffix)
    return prefix + (unit * (room // len(unit) + 1))[:room] + suffix


HOSTILE: dict[str, str] = {
    # digit runs, bare and after or before what a price or a quantity looks for
    "digits": _fill("1"),
    "dollar+digits": _fill("1", "$"),
    "x+digits": _fill("1", "x"),
    "digits+x": _fill("1", suffix="x"),
    "digits+dollars": _fill("1", suffix=" dollars"),
    "under-dollar+digits": _fill("9", "shoes under $"),
    "between+digits": _fill("1", "between 1 and "),
    "order+digits": _fill("1", "order "),
    "hash+digits": _fill("1", "#"),
    "digits+or-less": _fill("1", suffix=" or less"),
    "unicode-digits": _fill("١"),
    "fullwidth-digits": _fill("１", "$"),
    # commas, dots and separators between digits
    "1,": _fill("1,"),
    "1.": _fill("1."),
    "dollar+1,": _fill("1,", "$"),
    "thousands": _fill(",000", "1"),
    "thousands+x": _fill(",000", "x1", " or less"),
    "1,000 1,000": _fill("1,000 "),
    "1.1-": _fill("1.1-"),
    "$1 $1": _fill("$1 "),
    "$1-": _fill("$1-"),
    "€1": _fill("€1"),
    "#1": _fill("#1"),
    "1-": _fill("1-"),
    "1 x ": _fill("1 x "),
    "1x": _fill("1x"),
    "1/": _fill("1/"),
    "1 by ": _fill("1 by "),
    '1"': _fill('1" '),
    "1 ft": _fill("1 ft "),
    "1k": _fill("1k "),
    "1%": _fill("1% "),
    "1 dollars": _fill("1 dollars "),
    "1$": _fill("1$"),
    "qty 1": _fill("qty 1 "),
    "size 1": _fill("size 1 "),
    "1.5": _fill("1.5 "),
    "1 1": _fill("1 "),
    "1 nbsp": _fill("1\u00a0"),
    "mixed numbers": _fill("1,1.1 $1-1x1/1 "),
    # alternating digits and letters
    "1a": _fill("1a"),
    "a1": _fill("a1"),
    "1 a": _fill("1 a "),
    # long words, long runs of a letter, repeated cue words
    "letter": _fill("a"),
    "x": _fill("x"),
    "long word": _fill("abcdefghijklmnopqrstuvwxyz"),
    "words": _fill("shoes "),
    "the": _fill("the "),
    "under": _fill("under "),
    "under+price": _fill("under ", suffix="x $5"),
    "for under": _fill("for under "),
    "that one": _fill("that one "),
    "navy": _fill("navy "),
    "gold": _fill("gold "),
    "xl": _fill("xl "),
    "XL M S": _fill("XL M S "),
    "in": _fill("in "),
    "don't": _fill("don't "),
    "a dozen": _fill("a dozen "),
    # many spaces, alone and after what a pattern reads before spaces (a digit at the
    # end, so the patterns that only run on a message with a number do run)
    "spaces": _fill(" "),
    "order+spaces": _fill(" ", "order", "x1"),
    "1+spaces": _fill(" ", "1"),
    "<+spaces": _fill(" ", "<"),
    "qty+spaces": _fill(" ", "qty", "x1"),
    "dollar+spaces": _fill(" ", "$", "x1"),
    "navy+spaces": _fill(" ", "navy", "x"),
    "the first+spaces": _fill(" ", "the first"),
    "whitespace mix": _fill(" \t\n"),
    # punctuation, nested and repeated
    "parens": "(" * (MAX_CHARS // 2) + ")" * (MAX_CHARS // 2),
    "brackets": _fill("([{<"),
    "quotes": _fill("\"'"),
    "dashes": _fill("-"),
    "dots": _fill("."),
    "slashes": _fill("/"),
    "a.": _fill("a."),
    "a-": _fill("a-"),
    "a@": _fill("a@"),
    "punctuation": _fill("([{<.,;:!?>}])"),
    # other scripts and invisible characters
    "emoji": _fill("😀"),
    "zero width": _fill("a\u200b"),
    "nul": _fill("\x00 "),
}
assert all(len(text) == MAX_CHARS for text in HOSTILE.values())


def _best_of(call: Callable[[], Any]) -> float:
    """The fastest of up to TRIES runs; one under the budget is enough. A slow run is
    followed by a pause, so a neighbour's burst of work can pass; the garbage collector
    waits meanwhile, its pauses belong to whatever allocated before."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(TRIES):
            start = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - start)
            if best < BUDGET_S:
                break
            time.sleep(BUDGET_S)
    finally:
        gc.enable()
    return best


def _too_slow(call: Callable[[str], Any]) -> dict[str, str]:
    slow = {}
    for name, text in HOSTILE.items():
        seconds = _best_of(lambda: call(text))  # noqa: B023 - called before the next text
        if seconds >= BUDGET_S:
            slow[name] = f"{seconds * 1000:.0f} ms"
    return slow


_RULES_ONLY = Classifier(embedder=None, llm=None)

ENTRY_POINTS: dict[str, Callable[[str], Any]] = {
    "extract_entities": lambda text: extract_entities(text),
    "extract_entities(product_search)": lambda text: extract_entities(
        text, {"currency": "EUR"}, "product_search"),
    "classify_rules": classify_rules,
    "Classifier(rules only)": lambda text: _RULES_ONLY.classify(text, {"currency": "USD"}),
    "parse_shopper_query": parse_shopper_query,
    "search_text": search_text,
    "query_terms": query_terms,
    "to_tsquery_text": to_tsquery_text,
    "redact": redact,
    "render_data": lambda text: render_data("shopper", {"message": text}),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_hostile_message_is_read_in_under_50_ms(entry: str) -> None:
    # GIVEN a message of the maximum length shaped to make a backtracking engine slow
    # WHEN a request-path entry point reads it
    # THEN it answers in under 50 ms, for every shape
    assert _too_slow(ENTRY_POINTS[entry]) == {}


@pytest.mark.parametrize("entry", ["redact", "render_data"])
def test_data_bigger_than_a_message_is_read_in_under_50_ms(entry: str) -> None:
    # GIVEN the largest free-form JSON a store or a shopper may send (a `customer` object,
    # product attributes), each hostile shape repeated to that size
    # WHEN it is rendered into a prompt or a log line that carries it is redacted
    # THEN each takes under 50 ms: a quadratic pattern would take seconds at this size
    call = ENTRY_POINTS[entry]
    slow = {}
    for name, text in HOSTILE.items():
        big = (text * (MAX_JSON_BYTES // len(text) + 1))[:MAX_JSON_BYTES]
        seconds = _best_of(lambda: call(big))  # noqa: B023 - called before the next text
        if seconds >= BUDGET_S:
            slow[name] = f"{seconds * 1000:.0f} ms"
    assert slow == {}


def test_search_words_are_built_in_under_50_ms() -> None:
    # search_query gets the message's entities already extracted, as the engine has them
    entities = {name: extract_entities(text) for name, text in HOSTILE.items()}
    slow = {}
    for name, text in HOSTILE.items():
        seconds = _best_of(lambda: search_query(text, entities[name]))  # noqa: B023
        if seconds >= BUDGET_S:
            slow[name] = f"{seconds * 1000:.0f} ms"
    assert slow == {}


# --------------------------------------------------------------------------------------
# Every module-level pattern
# --------------------------------------------------------------------------------------

#: Not on a request path: benchmarks, demo data, local stand-ins, the shopper-task judge,
#: the CLI, migration file names, model names from the settings.
_TOOLING = ("bench", "demo", "relevance", "loadbench", "localstack", "shoppers", "cli",
            "agentpay.db.migrate", "agentpay.llm.models")

#: Patterns known to be slow in modules another change owns; listed so that they show as
#: skipped with the reason, not as passing. Remove an entry when its pattern is fixed.
_KNOWN_SLOW = {
    "agentpay.orchestrator.guard._CODE_AMOUNT":
        "issue 19 item 3, left to the guard's owner: 1.8 s on 4,000 digits in a reply",
    "agentpay.orchestrator.guard._PERCENT":
        "issue 19 item 3, left to the guard's owner: 0.8 s on 4,000 digits in a reply",
}


def _patterns_in(name: str, value: Any, depth: int = 0) -> list[tuple[str, re.Pattern[str]]]:
    """A module-level pattern, or the patterns in a module-level table of them
    (search_text's `_RULES` is a tuple of (pattern, replacement) pairs)."""
    if isinstance(value, re.Pattern):
        return [(name, value)]
    if depth >= 2:
        return []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [found for i, item in enumerate(value)
                for found in _patterns_in(f"{name}[{i}]", item, depth + 1)]
    return []


def _request_path_patterns() -> list[Any]:
    params = []
    for info in pkgutil.walk_packages(agentpay.__path__, "agentpay."):
        if any(part in info.name for part in _TOOLING):
            continue
        module = importlib.import_module(info.name)
        for attr, value in vars(module).items():
            if attr.startswith("__"):
                continue
            for name, pattern in _patterns_in(f"{info.name}.{attr}", value):
                marks = [pytest.mark.skip(reason=_KNOWN_SLOW[name])] if name in _KNOWN_SLOW else []
                params.append(pytest.param(pattern, id=name, marks=marks))
    return params


def _scan(pattern: re.Pattern[str], text: str) -> None:
    for _ in pattern.finditer(text):  # every match, as sub() and findall() read them
        pass


@pytest.mark.parametrize("pattern", _request_path_patterns())
def test_every_pattern_scans_hostile_text_in_under_50_ms(pattern: re.Pattern[str]) -> None:
    assert _too_slow(lambda text: _scan(pattern, text)) == {}


def test_the_pattern_sweep_sees_the_request_path_modules() -> None:
    # a renamed module or a broader tooling filter must not silently empty the sweep
    ids = {p.id.split("[")[0].rsplit(".", 1)[0] for p in _request_path_patterns()}
    assert {"agentpay.understanding.entities", "agentpay.understanding.rules",
            "agentpay.catalog.search_text", "agentpay.catalog.shopper_query",
            "agentpay.catalog.search", "agentpay.kit.redact", "agentpay.llm.prompts"} <= ids
