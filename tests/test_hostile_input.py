"""Hostile text costs linear time: no message, however shaped, holds a turn for seconds.

Issue 19, item 3. A shopper's message (up to AGENTPAY_MAX_MESSAGE_CHARS) goes through
regular expressions inside the turn's lock, and one that backtracks on a digit run made
`"$" + "1" * 3999` take 13 s. So:

- every request-path entry point gets a corpus of shapes that make backtracking engines
  slow, each at the full message length, and must answer each in under 50 ms;
- every module-level pattern of the package (tooling aside) is run over the same corpus,
  so a pattern added later is covered without a new test.

Timing on a busy machine (CI runs this on two shared cores): a time alone cannot tell a
slow pattern from a slow machine, but growth can. Each input is timed at its full length
and at a quarter of it, best of three (a run under 50 ms ends the tries). An input fails
only when its full length takes 50 ms or more AND its time grew at least 8-fold from the
quarter length: linear work grows 4-fold, quadratic 16-fold, and load slows both lengths
alike, so a loaded machine can push a linear pattern past 50 ms but not its growth past
8. A quadratic pattern on 4,000 characters fails either way (the guard's old percentage
pattern: 0.5-0.7 s, 16-fold; see `test_the_timing_check_catches_a_quadratic_pattern`). The
slowest linear shapes are the ones that make thousands of entities or tokens ("$1 $1 …",
"a1a1…"): 15-25 ms on an idle machine.
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
from agentpay.config import Settings
from agentpay.kit.jsonsize import MAX_JSON_BYTES
from agentpay.kit.redact import redact
from agentpay.llm.prompts import render_data
from agentpay.orchestrator import guard
from agentpay.understanding.classifier import Classifier
from agentpay.understanding.entities import extract_entities
from agentpay.understanding.rules import classify_rules
from agentpay_dev.catalog.shopper_query import parse_shopper_query, search_query

MAX_CHARS = Settings().max_message_chars
BUDGET_S = 0.050
TRIES = 5
# Growth from a quarter of the length to the whole: 4 for linear work, 16 for quadratic;
# 8 lies halfway between them (geometrically). On two busy cores a full-length run can be
# slowed twice over while its quarter is not (seen at load 4): 10 leaves that room and
# still catches quadratic growth.
GROWTH_LIMIT = 10.0


def _fill(unit: str, prefix: str = "", suffix: str = "", length: int = MAX_CHARS) -> str:
    """`unit` repeated between `prefix` and `suffix`, `length` long in all."""
    room = length - len(prefix) - len(suffix)
    return prefix + (unit * (room // len(unit) + 1))[:room] + suffix


def _shape(unit: str, prefix: str = "", suffix: str = "") -> Callable[[int], str]:
    return lambda length: _fill(unit, prefix, suffix, length)


def _parens(length: int) -> str:
    return "(" * (length // 2) + ")" * (length - length // 2)


#: Each shape makes its text at any length: the maximum, and a quarter of it for the growth
#: check.
SHAPES: dict[str, Callable[[int], str]] = {
    # digit runs, bare and after or before what a price or a quantity looks for
    "digits": _shape("1"),
    "dollar+digits": _shape("1", "$"),
    "x+digits": _shape("1", "x"),
    "digits+x": _shape("1", suffix="x"),
    "digits+dollars": _shape("1", suffix=" dollars"),
    "under-dollar+digits": _shape("9", "shoes under $"),
    "between+digits": _shape("1", "between 1 and "),
    "order+digits": _shape("1", "order "),
    "hash+digits": _shape("1", "#"),
    "digits+or-less": _shape("1", suffix=" or less"),
    "unicode-digits": _shape("١"),
    "fullwidth-digits": _shape("１", "$"),
    # commas, dots and separators between digits
    "1,": _shape("1,"),
    "1.": _shape("1."),
    "dollar+1,": _shape("1,", "$"),
    "thousands": _shape(",000", "1"),
    "thousands+x": _shape(",000", "x1", " or less"),
    "1,000 1,000": _shape("1,000 "),
    "1.1-": _shape("1.1-"),
    "$1 $1": _shape("$1 "),
    "$1-": _shape("$1-"),
    "€1": _shape("€1"),
    "#1": _shape("#1"),
    "1-": _shape("1-"),
    "1 x ": _shape("1 x "),
    "1x": _shape("1x"),
    "1/": _shape("1/"),
    "1 by ": _shape("1 by "),
    '1"': _shape('1" '),
    "1 ft": _shape("1 ft "),
    "1k": _shape("1k "),
    "1%": _shape("1% "),
    "1 dollars": _shape("1 dollars "),
    "1$": _shape("1$"),
    "qty 1": _shape("qty 1 "),
    "size 1": _shape("size 1 "),
    "1.5": _shape("1.5 "),
    "1 1": _shape("1 "),
    "1 nbsp": _shape("1\u00a0"),
    "mixed numbers": _shape("1,1.1 $1-1x1/1 "),
    # alternating digits and letters
    "1a": _shape("1a"),
    "a1": _shape("a1"),
    "1 a": _shape("1 a "),
    # long words, long runs of a letter, repeated cue words
    "letter": _shape("a"),
    "x": _shape("x"),
    "long word": _shape("abcdefghijklmnopqrstuvwxyz"),
    "words": _shape("shoes "),
    "the": _shape("the "),
    "under": _shape("under "),
    "under+price": _shape("under ", suffix="x $5"),
    "for under": _shape("for under "),
    "that one": _shape("that one "),
    "navy": _shape("navy "),
    "gold": _shape("gold "),
    "xl": _shape("xl "),
    "XL M S": _shape("XL M S "),
    "in": _shape("in "),
    "don't": _shape("don't "),
    "a dozen": _shape("a dozen "),
    # many spaces, alone and after what a pattern reads before spaces (a digit at the
    # end, so the patterns that only run on a message with a number do run)
    "spaces": _shape(" "),
    "order+spaces": _shape(" ", "order", "x1"),
    "1+spaces": _shape(" ", "1"),
    "<+spaces": _shape(" ", "<"),
    "qty+spaces": _shape(" ", "qty", "x1"),
    "dollar+spaces": _shape(" ", "$", "x1"),
    "navy+spaces": _shape(" ", "navy", "x"),
    "the first+spaces": _shape(" ", "the first"),
    "whitespace mix": _shape(" \t\n"),
    # punctuation, nested and repeated
    "parens": _parens,
    "brackets": _shape("([{<"),
    "quotes": _shape("\"'"),
    "dashes": _shape("-"),
    "dots": _shape("."),
    "slashes": _shape("/"),
    "a.": _shape("a."),
    "a-": _shape("a-"),
    "a@": _shape("a@"),
    "punctuation": _shape("([{<.,;:!?>}])"),
    # other scripts and invisible characters
    "emoji": _shape("😀"),
    "zero width": _shape("a\u200b"),
    "nul": _shape("\x00 "),
}
assert all(len(make(n)) == n for make in SHAPES.values() for n in (MAX_CHARS, MAX_CHARS // 4))


def _timed(call: Callable[[str], Any], text: str) -> float:
    start = time.perf_counter()
    call(text)
    return time.perf_counter() - start


def _slowness(call: Callable[[str], Any], make: Callable[[int], str],
              length: int = MAX_CHARS) -> str | None:
    """None when `call` reads the shape at `length` in under the budget, or when it grows
    no faster than linear work; else what was measured, for the failure message.

    The full length and a quarter of it are timed in turn, up to TRIES times each (a full
    run under the budget ends the tries); each time counts at its best, so a neighbour's
    burst of work slows one run, not the verdict. A slow round is followed by a pause.
    The garbage collector waits meanwhile: its pauses belong to whatever allocated before.
    """
    full, quarter = make(length), make(length // 4)
    best_full = best_quarter = float("inf")
    gc.disable()
    try:
        for _ in range(TRIES):
            best_full = min(best_full, _timed(call, full))
            if best_full < BUDGET_S:
                return None
            best_quarter = min(best_quarter, _timed(call, quarter))
            time.sleep(BUDGET_S)
    finally:
        gc.enable()
    growth = best_full / max(best_quarter, 1e-6)
    if growth < GROWTH_LIMIT:
        return None  # over the budget, but linear: the machine is busy, not the pattern
    return (f"{best_full * 1000:.0f} ms at {length:,} characters (budget "
            f"{BUDGET_S * 1000:.0f} ms), {growth:.0f}x its time at {length // 4:,}")


def _too_slow(call: Callable[[str], Any], length: int = MAX_CHARS) -> dict[str, str]:
    slow = {}
    for name, make in SHAPES.items():
        verdict = _slowness(call, make, length)
        if verdict is not None:
            slow[name] = verdict
    return slow


def _tiled(make: Callable[[int], str], length: int) -> Callable[[int], str]:
    """The shape's maximum-length text repeated to `length` (and its quarter likewise)."""
    text = make(MAX_CHARS)
    return lambda n: (text * (n // len(text) + 1))[:n]


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
    # a model's reply, which a product description or the shopper can steer
    "guard.check": lambda text: guard.check(text, {"cart": {"subtotal_minor": 100}}, text),
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
    for name, make in SHAPES.items():
        verdict = _slowness(call, _tiled(make, MAX_JSON_BYTES), MAX_JSON_BYTES)
        if verdict is not None:
            slow[name] = verdict
    assert slow == {}


def test_search_words_are_built_in_under_50_ms() -> None:
    # search_query gets the message's entities already extracted, as the engine has them
    entities: dict[str, list] = {}

    def build(text: str) -> Any:
        return search_query(text, entities[text])

    for make in SHAPES.values():
        for text in (make(MAX_CHARS), make(MAX_CHARS // 4)):
            entities[text] = extract_entities(text)
    assert _too_slow(build) == {}


def test_the_timing_check_catches_a_quadratic_pattern() -> None:
    # GIVEN the guard's percentage pattern as it was: a digit run re-read from every digit
    quadratic = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s?(?:%|percent\b)", re.IGNORECASE)
    # WHEN its scan of a message of digits is timed
    verdict = _slowness(lambda text: _scan(quadratic, text), SHAPES["digits"])
    # THEN it is too slow (0.5-0.7 s, and 16 times its time on a quarter of the digits)
    assert verdict is not None and "budget 50 ms" in verdict


def test_a_busy_machine_does_not_fail_linear_work() -> None:
    # GIVEN work that takes 20 us a character: 80 ms for a whole message, as a linear
    # pattern might on a machine three times busier than usual
    def linear(text: str) -> None:
        time.sleep(len(text) * 20e-6)

    # WHEN it is timed THEN it passes: over the budget, but it grows as linear work does
    assert _slowness(linear, SHAPES["digits"]) is None

    # AND the same budget grown quadratically (5 ms a quarter, 80 ms the whole) fails
    def quadratic(text: str) -> None:
        time.sleep((len(text) / MAX_CHARS) ** 2 * 0.080)

    assert _slowness(quadratic, SHAPES["digits"]) is not None


# --------------------------------------------------------------------------------------
# Every module-level pattern
# --------------------------------------------------------------------------------------

#: Not on a request path: migration file names, model names from the settings. (Benchmarks,
#: demo data, local stand-ins, the shopper-task judge and the CLI are agentpay_dev's.)
_TOOLING = ("agentpay.db.migrate", "agentpay.llm.models")

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
                params.append(pytest.param(pattern, id=name))
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
            "agentpay.catalog.search_text", "agentpay.catalog.search", "agentpay.kit.redact",
            "agentpay.llm.prompts"} <= ids


@pytest.mark.parametrize(("reply", "reason"), [
    # read in part, "000" was an amount of zero, which a discount of 0 lets pass
    ("It is 9321,000 USD in all.", "unreadable amount"),
    ("Only 1,2345 dollars!", "unreadable amount"),
    ("Take 12.5.5% off.", "unreadable percentage"),
    # 400 digits are infinity as a float: the check crashed the turn
    ("That is " + "9" * 400 + " USD.", "unknown amount"),
])
def test_the_guard_reads_a_hostile_number_whole(reply: str, reason: str) -> None:
    # GIVEN facts that allow an amount of zero (no discount) and a price of $12.50
    facts = {"cart": {"discount_minor": 0, "subtotal_minor": 1250}, "offer": {"percent": 5}}
    # WHEN a model's reply carries a number no fact can hold
    # THEN it is refused as such, never read as a part of itself
    assert (guard.check(reply, facts) or "").startswith(reason)
    assert guard.check("It is $12.50, or 12.50 USD, with 5% off.", facts) is None
