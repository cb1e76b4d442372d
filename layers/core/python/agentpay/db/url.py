"""Where the database is: DATABASE_URL, the RDS Proxy (Lambda), or the embedded server."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from agentpay.config import Settings
from agentpay.db.embedded import embedded_server_uri, ensure_database

EMBEDDED_DB_NAME = "agentpay"
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


def resolve_database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    if settings.db_host and settings.db_secret_arn:
        return proxy_conninfo(settings)
    return ensure_database(embedded_server_uri(settings.data_dir), EMBEDDED_DB_NAME)
