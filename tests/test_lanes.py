"""The test lanes: `make test` runs every test, `make test-fast` all but the slow kinds
that tests/conftest.py marks (and pyproject.toml registers)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import SLOW_KINDS, SLOW_TESTS, deselects_whole_file

ROOT = Path(__file__).resolve().parent.parent
# one file of each kind, and one with fast and slow tests side by side
SAMPLE = ["test_readme.py", "test_widget_e2e.py", "test_api_fuzz.py", "test_search_bench.py",
          "test_llm_router.py", "test_properties.py", "test_keys.py"]


def fast_lane_expression() -> str:
    makefile = (ROOT / "Makefile").read_text()
    expression = re.search(r"^FAST_LANE := (.+)$", makefile, re.MULTILINE)
    assert expression, "the Makefile lost FAST_LANE"
    assert re.search(r'^test-fast:.*\n\t\$\(PYTEST\) -q -n \S+ (--dist \S+ )?-m "\$\(FAST_LANE\)"$',
                     makefile, re.MULTILINE), "test-fast no longer runs pytest with FAST_LANE"
    test = re.search(r"^test: setup\n\t(.+)$", makefile, re.MULTILINE).group(1)
    assert test == "$(PYTEST) -q", "make test must run everything"
    return expression.group(1)


def test_each_slow_kind_is_a_registered_marker_and_left_out_of_test_fast():
    # GIVEN pyproject's markers and the Makefile's fast lane
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    registered = {m.split(":")[0] for m in config["ini_options"]["markers"]}
    expression = fast_lane_expression()
    # THEN every kind conftest marks is registered, and the lane excludes each of them
    assert set(SLOW_KINDS) <= registered
    assert expression == f"not ({' or '.join(SLOW_KINDS)})"


def test_every_test_named_slow_exists():
    # a renamed test would drop out of the slow lane without this
    for file, names in SLOW_TESTS.items():
        source = (ROOT / "tests" / file).read_text()
        for name in names:
            assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{file}::{name}"


def test_test_fast_deselects_the_slow_kinds_and_keeps_the_rest():
    # WHEN pytest collects a file of each kind with the fast lane's expression
    files = [f"tests/{name}" for name in SAMPLE]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-m", fast_lane_expression(), *files],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    kept: dict[str, set[str]] = {}
    for line in done.stdout.splitlines():
        if "::" in line:
            file, name = line.removeprefix("tests/").split("::", 1)
            kept.setdefault(file, set()).add(name.split("[")[0])
    # THEN the dev stack, browser, fuzzing and bench files keep nothing
    assert set(kept) == {"test_llm_router.py", "test_properties.py", "test_keys.py"}
    # AND a file's slow tests and Hypothesis tests are left out, its others kept
    assert kept["test_llm_router.py"] and not kept["test_llm_router.py"] & SLOW_TESTS[
        "test_llm_router.py"]
    import test_properties

    assert not [name for name in kept["test_properties.py"]
                if getattr(getattr(test_properties, name), "is_hypothesis_test", False)]
    assert any(getattr(f, "is_hypothesis_test", False) for f in vars(test_properties).values())


def test_a_file_is_left_unimported_only_when_every_test_in_it_is_deselected():
    fast = "not (devstack or browser or fuzz or bench or slow)"
    # the fast lane drops whole fuzzing, browser and bench files; a plain file is collected
    assert deselects_whole_file(fast, {"fuzz"}) and deselects_whole_file(fast, {"browser"})
    assert not deselects_whole_file(fast, set())
    # a file stays when some of its tests could still match: other markers, or other kinds
    assert deselects_whole_file("not fuzz", {"fuzz"})
    for expression in ("not slow", "fuzz and not slow", "not fuzz or slow", "bench"):
        assert not deselects_whole_file(expression, {"fuzz"}), expression


def test_parallel_workers_run_on_copies_of_one_template_and_leave_no_database_behind(
        database_url):
    import psycopg

    from agentpay_dev.db.embedded import with_database

    def databases() -> set[str]:
        with psycopg.connect(with_database(database_url, "postgres")) as conn:
            return {row[0] for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'agentpay_test_%'")}

    before = databases()
    # WHEN two workers run tests that use their database (on this suite's server)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "tests/test_database_copies.py", "tests/test_agents_api.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    # THEN they pass (the copy keeps the template's settings: test_database_copies.py)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\b\d+ passed", done.stdout)
    # AND the template and each worker's copy are dropped at the end
    assert databases() == before
