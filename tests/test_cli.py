"""The `agentpay` command, run as a user would: a fresh interpreter running the console
script's target (`python -m agentpay_dev`), so the tree under test is what runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AGENTPAY = [sys.executable, "-m", "agentpay_dev"]


def run(*args: str, database_url: str, stdin: str | None = None, check: bool = True):
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([*AGENTPAY, *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300, check=check)


def test_migrate_is_idempotent(database_url, db):
    result = run("migrate", database_url=database_url)
    assert json.loads(result.stdout) == {"applied": []}


def test_org_create_prints_a_working_key(database_url, client):
    result = run("org", "create", "CLI Store", database_url=database_url)
    created = json.loads(result.stdout)
    assert created["name"] == "CLI Store"
    assert created["api_key"].startswith("ap_sk_")
    assert created["api_key"].startswith(created["api_key_prefix"])
    response = client.get("/v1/agent/agents",
                          headers={"Authorization": f"Bearer {created['api_key']}"})
    assert response.status_code == 200 and response.json()["data"] == []


def test_org_create_rejects_a_blank_name(database_url):
    result = run("org", "create", "   ", database_url=database_url, check=False)
    assert result.returncode == 2
    assert json.loads(result.stderr)["error"]["code"] == "invalid_name"


def test_unknown_command_and_bad_uuid_fail_cleanly(database_url):
    result = run("search", "x", "--org", "nope", database_url=database_url, check=False)
    assert result.returncode == 2 and "not a UUID" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["catalog", "load", "--help"]])
def test_help(args, database_url):
    assert run(*args, database_url=database_url).returncode == 0


def test_classify_reads_lines_and_writes_json_lines(database_url):
    result = run("classify", database_url=database_url,
                 stdin="hey there\nwhere is order 1135426?\n")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["intent"], first["source"]) == ("greeting", "rules")
    assert second["intent"] == "order_status"
    assert second["entities"][0]["type"] == "order_id"
    assert second["entities"][0]["value"] == "1135426"


def test_the_installed_agentpay_command_is_the_dev_packages_cli():
    """`.venv/bin/agentpay` (pyproject's [project.scripts]) runs the same `main` as
    `python -m agentpay_dev`; a stale install (before `make setup`) fails here."""
    from importlib.metadata import entry_points

    import agentpay_dev.cli

    (script,) = entry_points(group="console_scripts", name="agentpay")
    assert script.value == "agentpay_dev.cli:main"
    assert script.load() is agentpay_dev.cli.main
