"""Concurrent SQS consumers for the local stack: separate processes, like Lambda's.

The `index_products` event source mapping runs up to `MaximumConcurrency` invocations at
once, each in its own execution environment (own interpreter, handler module, database
connection). A thread per consumer would not be that: the Powertools batch processor and
metrics are per-process state. So each local consumer is a child process running the
real handler over the same queue through `SqsPoller`; a bulk catalog load then uses both
cores, as a deployed import uses several Lambdas.

`python -m agentpay_dev.localstack.sqs_workers` is the child: it loads the handler, warms
the embedder, says it is ready on a pipe, and polls until its stdin closes.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import threading
import time
from typing import Self

from agentpay_dev.localstack.sqs import LocalQueues, SqsPoller

logger = logging.getLogger(__name__)

MAX_WORKERS = 5  # template.yaml: IndexQueueEvent ScalingConfig.MaximumConcurrency


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


class WorkerPool:
    """`count` consumer processes for one function on one local queue."""

    def __init__(self, queues: LocalQueues, function: str = "index_products",
                 count: int | None = None, batch_size: int = 10,
                 ready_timeout: float = 120.0) -> None:
        self.queues = queues
        self.function = function
        self.count = count or default_workers()
        self.batch_size = batch_size
        self.ready_timeout = ready_timeout
        self._procs: list[subprocess.Popen] = []

    def start(self) -> WorkerPool:
        """Start every worker and wait until each has its handler and model loaded."""
        pipes = []
        try:
            for _ in range(self.count):
                read_fd, write_fd = os.pipe()
                command = [sys.executable, "-m", "agentpay_dev.localstack.sqs_workers",
                           "--endpoint", self.queues.endpoint_url,
                           "--queue-url", self.queues.queue_url,
                           "--queue-arn", self.queues.queue_arn,
                           "--function", self.function,
                           "--batch-size", str(self.batch_size),
                           "--ready-fd", str(write_fd)]
                # Handler logs go to stderr: stdout is the CLI's JSON answer.
                proc = subprocess.Popen(command, stdin=subprocess.PIPE,
                                        stdout=sys.stderr.fileno(), pass_fds=(write_fd,))
                os.close(write_fd)
                self._procs.append(proc)
                pipes.append(read_fd)
            for read_fd, proc in zip(pipes, self._procs, strict=True):
                _wait_ready(read_fd, proc, self.ready_timeout)
        except BaseException:
            self.stop()
            raise
        finally:
            for fd in pipes:
                os.close(fd)
        return self

    def drain(self, timeout: float = 3600.0) -> None:
        """Return once nothing is visible or in flight on the queue."""
        client = self.queues.client()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queues.outstanding(client) == 0:
                return
            dead = [p.returncode for p in self._procs if p.poll() is not None]
            if len(dead) == len(self._procs):
                raise RuntimeError(f"every {self.function} worker exited: {dead}")
            time.sleep(0.1)
        raise TimeoutError("index queue did not drain in time")

    def stop(self, timeout: float = 30.0) -> None:
        """Close each worker's stdin (it finishes its batch and exits), then wait."""
        for proc in self._procs:
            if proc.stdin is not None and not proc.stdin.closed:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
        deadline = time.monotonic() + timeout
        for proc in self._procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._procs = []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def drain_queue(queues: LocalQueues, messages: int, function: str = "index_products",
                workers: int | None = None, batch_size: int = 10,
                timeout: float = 3600.0) -> int:
    """Consume `messages` queued messages to the end; returns how many consumers ran.

    One batch's worth needs one consumer, and an in-process one starts instantly; more
    start `WorkerPool` processes, as many as there are batches, cores and the template's
    concurrency allow.
    """
    from agentpay_dev.localstack.functions import LocalContext, load_function

    count = min(workers or default_workers(), max(1, -(-messages // batch_size)))
    if count == 1:
        SqsPoller(queues, load_function(function).handler, LocalContext(function),
                  batch_size=batch_size).drain(timeout)
    else:
        with WorkerPool(queues, function, count, batch_size) as pool:
            pool.drain(timeout)
    return count


def _wait_ready(read_fd: int, proc: subprocess.Popen, timeout: float) -> None:
    import select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        readable, _, _ = select.select([read_fd], [], [], 0.2)
        if readable:
            if os.read(read_fd, 16).startswith(b"ready"):
                return
            break  # EOF: the worker died before it was ready
        if proc.poll() is not None:
            break
    raise RuntimeError(f"SQS worker did not start (exit code {proc.poll()})")


def _main(argv: list[str] | None = None) -> int:
    from agentpay_dev.localstack.functions import LocalContext, load_function

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--queue-arn", required=True)
    parser.add_argument("--function", default="index_products")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--ready-fd", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    queues = LocalQueues(args.endpoint, args.queue_url, args.queue_arn, dlq_url="")
    if args.function == "index_products":
        # what AGENTPAY_INDEX_QUEUE_URL gives a deployed indexer: its own queue, for the
        # fan-out of rebuilds and a graph message checking back
        from agentpay.catalog.queue import SqsIndexQueue, set_index_queue

        set_index_queue(SqsIndexQueue(queues.client(), args.queue_url))
    poller = SqsPoller(queues, load_function(args.function).handler,
                       LocalContext(args.function), batch_size=args.batch_size)
    if args.function == "index_products":
        from agentpay.db import get_database
        from agentpay.embeddings import get_embedder

        get_embedder().embed(["warm up"])
        with get_database().connection() as conn:
            conn.execute("SELECT 1")
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    os.write(args.ready_fd, b"ready\n")
    os.close(args.ready_fd)
    while not stop.is_set():
        try:
            poller.poll_once(wait_seconds=1)
        except Exception:
            logger.exception("SQS poll failed")
            stop.wait(1)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
