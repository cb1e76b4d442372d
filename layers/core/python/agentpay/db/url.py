"""Where the database is: DATABASE_URL, or the RDS Proxy (Lambda).

No embedded fallback lives here: the developer tools (the `agentpay` command, the local
stack) start the embedded server and put its URL in DATABASE_URL, so the Lambda layer
carries no dev-only server code."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from agentpay.config import Settings

# Amazon Trust Services roots (RDS Proxy's ACM certificates) and the RDS root CAs; in
# Lambda this is /opt/python/agentpay/db/certs/rds-ca-bundle.pem (the core layer).
RDS_CA_BUNDLE = Path(__file__).resolve().parent / "certs" / "rds-ca-bundle.pem"
_VERIFYING = ("verify-ca", "verify-full")


def proxy_conninfo(settings: Settings, secrets_client=None) -> str:
    """Build the RDS Proxy URL from DB_HOST and the credentials in Secrets Manager.

    The connection verifies the server (``verify-full`` unless DB_SSLMODE says otherwise)
    against DB_SSLROOTCERT or the CA bundle shipped with this package.
    """
    if secrets_client is None:
        import boto3

        secrets_client = boto3.client("secretsmanager")
    secret = json.loads(
        secrets_client.get_secret_value(SecretId=settings.db_secret_arn)["SecretString"]
    )
    user = quote(secret["username"], safe="")
    password = quote(secret["password"], safe="")
    url = (
        f"postgresql://{user}:{password}@{settings.db_host}:{settings.db_port}/"
        f"{settings.db_name}?sslmode={quote(settings.db_sslmode, safe='')}"
    )
    if settings.db_sslmode in _VERIFYING:
        rootcert = settings.db_sslrootcert or str(RDS_CA_BUNDLE)
        url += f"&sslrootcert={quote(rootcert, safe='')}"
    return url


class DatabaseNotConfigured(RuntimeError):
    """Neither DATABASE_URL nor DB_HOST with DB_SECRET_ARN is set."""


def is_configured(settings: Settings) -> bool:
    return bool(settings.database_url or (settings.db_host and settings.db_secret_arn))


def resolve_database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    if settings.db_host and settings.db_secret_arn:
        return proxy_conninfo(settings)
    raise DatabaseNotConfigured(
        "no database: set DATABASE_URL, or DB_HOST and DB_SECRET_ARN (the RDS Proxy); "
        "the `agentpay` command starts an embedded one when neither is set")
