"""A fresh `agentpay dev` with the demo store, ready once its whole catalog is indexed.

The stack is `loadbench.servers.dev_stack` (a subprocess on a free port, its own data
dir, no model keys) with the demo store and the default rate limits. "Indexed" is read
where indexing happens: the stack's SQS stand-in, whose endpoint the stack prints. The
demo catalog is queued before the server answers, and a message leaves the queue only
once `index_products` has handled it (fan-outs are queued before their parent is
deleted), so an index queue with nothing visible or in flight means every product is
searchable and in the store's vocabulary.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agentpay_dev.loadbench import servers
from agentpay_dev.localstack.sqs import LocalQueues
from agentpay_dev.shoppers.runner import Credentials

INDEX_TIMEOUT_S = 600
SQS_LINE = re.compile(r"^\s*SQS\s+(https?://\S+)", re.MULTILINE)
QUEUED_LINE = re.compile(r"(\d+) products queued for indexing")


@dataclass
class Stack:
    base: str
    credentials: Credentials
    startup_s: float
    index_wait_s: float
    products_queued: int | None
    index_dead_letters: int


@contextmanager
def demo_stack(database_url: str | None = None,
               timeout_s: float = INDEX_TIMEOUT_S) -> Iterator[Stack]:
    """`database_url` None: the stack's own embedded Postgres (a fresh database)."""
    # default limits, but every simulated shopper comes from this machine's one address
    with servers.dev_stack(database_url, raise_limits=False, demo=True,
                           prefix="agentpay-bench-shoppers-", env_extra={
                               "AGENTPAY_RATE_LIMIT_NEW_CONVERSATIONS_PER_IP_PER_MINUTE": "0"}
                           ) as server:
        credentials = Credentials.from_json(
            json.loads((server.data_dir / "demo.json").read_text()))
        started = time.perf_counter()
        queues, client = _index_queues(server.log)
        _wait_drained(queues, client, timeout_s, server.log)
        queued = QUEUED_LINE.search(server.log.read_text())
        yield Stack(server.base, credentials, server.startup_s,
                    time.perf_counter() - started, int(queued.group(1)) if queued else None,
                    _visible(client, queues.dlq_url))


def _index_queues(log: Path):
    import boto3

    found = SQS_LINE.search(log.read_text())
    if not found:
        raise RuntimeError(f"the dev stack printed no SQS endpoint:\n{log.read_text()[-2000:]}")
    endpoint = found.group(1)
    client = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    urls = client.list_queues().get("QueueUrls", [])
    queue = next((u for u in urls if u.endswith("-index")), None)
    dlq = next((u for u in urls if u.endswith("-index-dlq")), None)
    if queue is None or dlq is None:
        raise RuntimeError(f"no index queue and DLQ at {endpoint}: {urls}")
    return LocalQueues(endpoint, queue, "", dlq), client


def _wait_drained(queues: LocalQueues, client, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while queues.outstanding(client):
        if time.monotonic() > deadline:
            raise TimeoutError(f"demo catalog not indexed in {timeout_s:g} s:\n"
                               + log.read_text()[-2000:])
        time.sleep(0.5)


def _visible(client, queue_url: str) -> int:
    attrs = client.get_queue_attributes(QueueUrl=queue_url,
                                        AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])
