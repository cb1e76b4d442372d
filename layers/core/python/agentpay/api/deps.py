"""`Annotated` dependencies so route signatures read like what they need."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import Depends

from agentpay.config import Settings, get_settings
from agentpay.db import get_database


def _connection() -> Iterator[psycopg.Connection]:
    with get_database().connection() as conn:
        yield conn


ConnDep = Annotated[psycopg.Connection, Depends(_connection)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
