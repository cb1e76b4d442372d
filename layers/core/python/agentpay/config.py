"""The one settings object. Every knob is an environment variable, listed in the README."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    # Project-local, so the CLI and a running dev server share one embedded database.
    return Path(os.environ.get("AGENTPAY_DATA_DIR", Path.cwd() / ".agentpay"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTPAY_", extra="ignore")

    # "production" (the template's value) refuses the local payment provider, which takes
    # no money, and leaves its pay route unmounted; anything else is a development stack.
    env: str = "development"
    data_dir: Path = Field(default_factory=_default_data_dir)

    # Database: DATABASE_URL wins; else DB_HOST (+ secret) in Lambda; else embedded Postgres.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "AGENTPAY_DATABASE_URL")
    )
    db_host: str | None = Field(default=None, validation_alias=AliasChoices("DB_HOST"))
    db_port: int = Field(default=5432, validation_alias=AliasChoices("DB_PORT"))
    db_name: str = Field(default="agentpay", validation_alias=AliasChoices("DB_NAME"))
    # The credentials this process connects with: in the template the DML-only application
    # role for every function but migrate, which connects as the owner and provisions that
    # role from DB_APP_SECRET_ARN (agentpay.db.roles).
    db_secret_arn: str | None = Field(default=None, validation_alias=AliasChoices("DB_SECRET_ARN"))
    db_app_secret_arn: str | None = Field(
        default=None, validation_alias=AliasChoices("DB_APP_SECRET_ARN")
    )
    # TLS to the RDS Proxy (DB_HOST): the proxy's name is checked against a certificate
    # that chains to the bundle shipped in the core layer (agentpay/db/certs), so a host
    # in the path cannot pose as the database. DATABASE_URL carries its own sslmode.
    db_sslmode: str = Field(default="verify-full", validation_alias=AliasChoices("DB_SSLMODE"))
    db_sslrootcert: str | None = Field(
        default=None, validation_alias=AliasChoices("DB_SSLROOTCERT")
    )
    db_pool_max: int = 10

    # API Gateway puts a named stage in the path ("/prod/..."); Mangum strips this prefix.
    api_base_path: str = "/"
    # Browser origins allowed to call the API (the widget on the store's site); comma
    # separated, "*" for any. Credentials are bearer tokens, never cookies.
    cors_origins: str = "*"

    # API limits.
    max_message_chars: int = 4000
    max_body_bytes: int = 1_000_000
    conversation_token_ttl_seconds: int = 7 * 24 * 3600
    # the dashboard's sign-in (agentpay.operators): a working day by default
    operator_token_minutes: int = Field(default=480, ge=5, le=24 * 60)
    history_page_max: int = 200
    # Rate limits per minute (0 = off), held in Postgres so they hold across Lambda
    # instances (see agentpay.limits): every API key / token; shopper messages per
    # conversation; conversations a publishable key starts, per store and per client
    # address (an IPv6 /64) at that store; WebSocket frames per connection.
    rate_limit_key_per_minute: int = 600
    rate_limit_conversation_per_minute: int = 30
    rate_limit_new_conversations_per_key_per_minute: int = 120
    rate_limit_new_conversations_per_ip_per_minute: int = 20
    rate_limit_frames_per_minute: int = 60
    # What an organization's model calls may cost per UTC day before replies are offline
    # (an organization's settings.limits may set its own); 0: offline replies only.
    model_budget_usd_per_day: float = 25.0
    # The `customer` object a store's backend (secret key) may attach to a conversation;
    # a browser's (publishable key) is held to a short allow-list (conversations.schemas).
    max_customer_bytes: int = 4096
    # A turn (one shopper message) answers within this many seconds whatever its model or
    # payment provider does (then the grounded offline reply stands): below the HTTP
    # function's Timeout in template.yaml (30 s), with room to save. Its lease on the
    # conversation lasts a few seconds longer (conversations.service.LEASE_MARGIN_SECONDS).
    turn_deadline_seconds: float = 20.0
    # How long a message waits for another's short transaction on its conversation before
    # it is answered 409 conversation_busy (a turn in flight answers that at once).
    turn_lock_timeout_ms: int = 1000

    # Integrations wired by later layers of the stack.
    index_queue_url: str | None = None
    # SQS queue that nudges the deliver_webhooks function (unset: sent from this process)
    webhook_queue_url: str | None = None
    llm_secret_arn: str | None = None
    ws_endpoint: str | None = None
    # Where the operator dashboard's page opens its WebSocket (wss://<ws-api>/<stage> in
    # the template, ws://host:port/ws in the dev stack); unset, the page polls.
    dashboard_ws_url: str | None = None
    embedding_provider: str = "local"

    # Checkout links: signed with this secret (a file under data_dir when unset locally),
    # addressed from this public base URL (the HTTP API's URL with its stage).
    checkout_secret: str | None = None
    checkout_secret_arn: str | None = None  # Lambda: a generated Secrets Manager secret
    payments_secret_arn: str | None = None  # Lambda: provider keys and webhook secrets
    # Seals secrets the database keeps (stores' webhook signing secrets; agentpay.kit.
    # sealing): at least 32 characters, or in Lambda a Secrets Manager secret the template
    # generates. Unset outside production: a documented development default.
    data_key: SecretStr | None = None
    data_key_arn: str | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    checkout_ttl_minutes: int = 60

    @property
    def is_production(self) -> bool:
        return self.env.strip().lower() in ("production", "prod")

    @property
    def in_lambda(self) -> bool:
        return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
