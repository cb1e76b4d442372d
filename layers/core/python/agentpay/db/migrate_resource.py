"""Run migrations as a CloudFormation custom resource and report back to CloudFormation."""

from __future__ import annotations

import json
import logging
import urllib.request

from agentpay.db import get_database
from agentpay.db.migrate import migrate

logger = logging.getLogger(__name__)


def _send(event: dict, context, status: str, reason: str, data: dict) -> None:
    body = json.dumps({
        "Status": status,
        "Reason": reason[:3000],
        "PhysicalResourceId": event.get("PhysicalResourceId") or "agentpay-migrations",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": data,
    }).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT",
        headers={"content-type": "", "content-length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def handle_custom_resource(event: dict, context) -> dict:
    """Create/Update migrate; Delete does nothing (data outlives the stack's code)."""
    data: dict = {}
    try:
        if event["RequestType"] in ("Create", "Update"):
            with get_database().connection() as conn:
                data["Applied"] = ",".join(migrate(conn)) or "none"
        status, reason = "SUCCESS", "ok"
    except Exception as exc:
        logger.exception("migration failed")
        status, reason = "FAILED", f"{type(exc).__name__}: {exc}"
    _send(event, context, status, reason, data)
    return {"Status": status, "Data": data}
