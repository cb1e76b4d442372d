"""The servers the benches drive, each a subprocess on a free port with its own data dir.

- `dev_stack`: `agentpay dev` as a developer runs it (HTTP API and `/ws` on one uvicorn),
  with no model keys (the offline responder); against the given database, or with none its
  own embedded Postgres in the data dir (a fresh stack). `bench load` raises the rate
  limits so it measures throughput rather than the limiter and skips the demo store;
  `bench shoppers` keeps the limits and seeds the demo store.
- `bare_app`: the baseline FastAPI app (`loadbench.bare_app`) under the same settings.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_TIMEOUT_S = 180
# Per key and per conversation, a minute; the defaults (600 and 30) are for real traffic.
RAISED_RATE_LIMIT = 1_000_000


class Server:
    """A server process; `base` is its URL once `wait_ready` returns."""

    def __init__(self, command: list[str], env: dict[str, str], ready_path: str,
                 prefix: str = "agentpay-bench-load-") -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._ready_url = self.base + ready_path
        self.startup_s = 0.0
        self._dir = tempfile.TemporaryDirectory(prefix=prefix)
        self.data_dir = Path(self._dir.name)
        self.log = self.data_dir / "server.log"
        env = {**env, "AGENTPAY_DATA_DIR": self._dir.name}
        with self.log.open("w") as log:
            self._proc = subprocess.Popen([*command, "--port", str(self.port)], env=env,
                                          stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> float:
        """Wait until the server answers (any HTTP status counts); the seconds it took."""
        t0 = time.perf_counter()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _answers(self._ready_url):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self._ready_url} did not start:\n"
                                   + self.log.read_text()[-4000:])
            time.sleep(0.2)
        self.startup_s = time.perf_counter() - t0
        return self.startup_s

    def stop(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._dir.cleanup()


@contextmanager
def dev_stack(database_url: str | None, raise_limits: bool = True, demo: bool = False,
              prefix: str = "agentpay-bench-load-",
              env_extra: dict[str, str] | None = None) -> Iterator[Server]:
    """Also `agentpay bench realtime`'s stack, which keeps the default rate limits.

    `database_url` None: the stack's own embedded Postgres in its data dir, stopped with it.
    `env_extra`: settings of the stack's own (a limit one bench must not measure).
    """
    env = dict(os.environ)
    env.pop("AGENTPAY_DATABASE_URL", None)
    if database_url is None:
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = database_url
    if raise_limits:
        env.update({name: str(RAISED_RATE_LIMIT) for name in (
            "AGENTPAY_RATE_LIMIT_KEY_PER_MINUTE", "AGENTPAY_RATE_LIMIT_CONVERSATION_PER_MINUTE",
            "AGENTPAY_RATE_LIMIT_NEW_CONVERSATIONS_PER_KEY_PER_MINUTE",
            "AGENTPAY_RATE_LIMIT_NEW_CONVERSATIONS_PER_IP_PER_MINUTE",
            "AGENTPAY_RATE_LIMIT_FRAMES_PER_MINUTE")})
    env.update(env_extra or {})
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "AGENTPAY_LLM_SECRET_ARN",
                 "AGENTPAY_WS_ENDPOINT", "AGENTPAY_PUBLIC_BASE_URL"):
        env.pop(name, None)  # the offline responder, and @connections on this server
    command = [sys.executable, "-m", "agentpay_dev.cli", "dev", *([] if demo else ["--no-demo"])]
    with _running(Server(command, env, "/healthz", prefix)) as server:
        yield server


@contextmanager
def bare_app() -> Iterator[Server]:
    from agentpay_dev.loadbench.bare_app import ECHO_PATH

    with _running(Server([sys.executable, "-m", "agentpay_dev.loadbench.bare_app"],
                         dict(os.environ), ECHO_PATH)) as server:
        yield server


@contextmanager
def _running(server: Server) -> Iterator[Server]:
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # e.g. 405 from a POST-only endpoint: the server is up
    except OSError:
        return False
