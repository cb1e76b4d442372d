"""Bound the size of free-form JSON an operator can store."""

from __future__ import annotations

import json
from typing import Any

MAX_JSON_BYTES = 32_000


def check_json_size(value: Any, limit: int = MAX_JSON_BYTES) -> Any:
    if len(json.dumps(value, separators=(",", ":"))) > limit:
        raise ValueError(f"must serialise to at most {limit} bytes of JSON")
    return value
