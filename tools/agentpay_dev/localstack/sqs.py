"""An SQS stand-in: moto's server on loopback, the index queue with its DLQ redrive, and a
poller that hands SQS-shaped batches to the real `index_products` handler.

Semantics are SQS's own (moto implements them): receive hides a message for the
visibility timeout, a message not deleted comes back, and after maxReceiveCount receives
it moves to the dead-letter queue. Only successfully processed records are deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

MAX_RECEIVE_COUNT = 5


@dataclass
class LocalQueues:
    endpoint_url: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    server: object | None = None

    def client(self):
        import boto3

        return boto3.client("sqs", endpoint_url=self.endpoint_url, region_name=_region())

    def outstanding(self, client=None) -> int:
        """Messages visible, in flight or delayed on the index queue."""
        attrs = (client or self.client()).get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages",
                            "ApproximateNumberOfMessagesNotVisible",
                            "ApproximateNumberOfMessagesDelayed"],
        )["Attributes"]
        return sum(int(attrs.get(name, 0)) for name in (
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"))

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def _region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"


def start_local_sqs(visibility_timeout: int = 30, prefix: str = "agentpay-local",
                    verbose: bool = False) -> LocalQueues:
    """Start moto's SQS on a free loopback port and create the queues.

    moto serves through werkzeug, which logs an access line per request: with a poller
    receiving every second, that is a line a second. Unless `verbose`, only its warnings
    show (werkzeug logs through the one "werkzeug" logger; nothing else here serves with it).
    """
    from moto.server import ThreadedMotoServer

    quiet_level = logging.INFO if verbose else logging.WARNING
    for name in ("werkzeug", __name__):
        logging.getLogger(name).setLevel(quiet_level)

    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local")):
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    queues = create_queues(f"http://{host}:{port}", visibility_timeout, prefix)
    queues.server = server
    return queues


def create_queues(endpoint_url: str, visibility_timeout: int, prefix: str) -> LocalQueues:
    import boto3

    client = boto3.client("sqs", endpoint_url=endpoint_url, region_name=_region())
    dlq_url = client.create_queue(QueueName=f"{prefix}-index-dlq")["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    queue_url = client.create_queue(QueueName=f"{prefix}-index", Attributes={
        "VisibilityTimeout": str(visibility_timeout),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": str(MAX_RECEIVE_COUNT)}),
    })["QueueUrl"]
    queue_arn = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    return LocalQueues(endpoint_url, queue_url, queue_arn, dlq_url)


def to_lambda_record(message: dict, queue_arn: str) -> dict:
    """An SQS message as the Lambda event source mapping delivers it."""
    body = message["Body"]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": _region(),
    }


class SqsPoller:
    """Receive → invoke handler with an SQS event → delete what succeeded."""

    def __init__(self, queues: LocalQueues, handler: Callable[[dict, object], dict],
                 context: object, batch_size: int = 10) -> None:
        self.queues = queues
        self.handler = handler
        self.context = context
        self.batch_size = batch_size
        self.client = queues.client()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self, wait_seconds: int = 0) -> tuple[int, int]:
        """One receive/invoke/delete round; returns (received, failed)."""
        messages = self.client.receive_message(
            QueueUrl=self.queues.queue_url, MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds, AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0, 0
        event = {"Records": [to_lambda_record(m, self.queues.queue_arn) for m in messages]}
        try:
            response = self.handler(event, self.context) or {}
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except Exception:
            logger.exception("index handler failed; the batch will be redelivered")
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.client.delete_message_batch(QueueUrl=self.queues.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
            ])
        return len(messages), len(failed)

    def outstanding(self) -> int:
        return self.queues.outstanding(self.client)

    def drain(self, timeout: float = 600.0) -> None:
        """Process until nothing is visible or in flight (failures wait out visibility)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received, _ = self.poll_once(wait_seconds=0)
            if received == 0:
                if self.outstanding() == 0:
                    return
                time.sleep(0.2)
        raise TimeoutError("index queue did not drain in time")

    def start(self) -> None:
        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.poll_once(wait_seconds=1)
                except Exception:
                    logger.exception("SQS poll failed")
                    time.sleep(1)

        self._thread = threading.Thread(target=run, name="sqs-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
