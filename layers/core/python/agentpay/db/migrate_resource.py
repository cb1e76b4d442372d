"""Run migrations as a CloudFormation custom resource and report back to CloudFormation."""

from __future__ import annotations

import json
import logging
import urllib.request

from agentpay.config import Settings, get_settings
from agentpay.db import get_database
from agentpay.db.migrate import migrate
from agentpay.db.roles import ensure_app_role

logger = logging.getLogger(__name__)


def app_role_credentials(settings: Settings, secrets_client=None) -> tuple[str, str] | None:
    """The DML-only role's name and password (DB_APP_SECRET_ARN), or None when unset.

    This function connects as the owner (DB_SECRET_ARN); every other function connects
    with this secret, through RDS Proxy.
    """
    if not settings.db_app_secret_arn:
        return None
    if secrets_client is None:
        import boto3

        secrets_client = boto3.client("secretsmanager")
    secret = json.loads(secrets_client.get_secret_value(
        SecretId=settings.db_app_secret_arn)["SecretString"])
    return secret["username"], secret["password"]


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
    """Create/Update migrate, then (re)provision the application's DML-only role;
    Delete does nothing (data outlives the stack's code)."""
    data: dict = {}
    try:
        if event["RequestType"] in ("Create", "Update"):
            with get_database().connection() as conn:
                data["Applied"] = ",".join(migrate(conn)) or "none"
                credentials = app_role_credentials(get_settings())
                if credentials is not None:
                    ensure_app_role(conn, *credentials)
                    data["AppRole"] = credentials[0]
        status, reason = "SUCCESS", "ok"
    except Exception as exc:
        logger.exception("migration failed")
        status, reason = "FAILED", f"{type(exc).__name__}: {exc}"
    _send(event, context, status, reason, data)
    return {"Status": status, "Data": data}
