"""The README's curl examples, run against a real `agentpay dev` server."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _examples() -> str:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- curl-examples:start -->\s*```bash\n(.*?)```\s*"
                      r"<!-- curl-examples:end -->", readme, re.DOTALL)
    assert block, "README lost its curl examples block"
    return block.group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dev_server(database_url, db, tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "AGENTPAY_DATA_DIR": str(tmp_path)}
    log = (tmp_path / "dev.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentpay_dev", "dev", "--port", str(port), "--no-demo"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("dev server did not start:\n" + (tmp_path / "dev.log").read_text())
        time.sleep(0.3)
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def test_readme_curl_examples_work(dev_server, database_url):
    env = {**os.environ, "BASE": dev_server, "DATABASE_URL": database_url}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", _examples()], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    health, put, search, first, retry, added, checkout, history, by_session, bad = outputs
    assert health["status"] == "ok"
    assert [a["status"] for a in put["accepted"]] == ["created", "created"]
    assert search["data"][0]["external_id"] == "shoe-1"
    assert first["reply"]["role"] == "assistant" and first["replayed"] is False
    assert retry["replayed"] is True and retry["message"]["id"] == first["message"]["id"]
    # the offline responder answers from the catalog, with its real price
    assert "Trail Running Shoe" in first["reply"]["content"]
    assert "$129.00" in first["reply"]["content"]
    assert [(li["external_id"], li["size"]) for li in added["cart"]["lines"]] == [("shoe-1", "9")]
    assert "/checkout/" in checkout["reply"]["content"]
    assert checkout["conversation"]["stage"] == "checkout"
    assert checkout["conversation"]["context"]["checkout"]["total_minor"] == 12900
    assert len(history["data"]) == 6
    assert by_session["session_id"] == "visitor-123"
    assert bad["error"]["code"] == "empty_content"
