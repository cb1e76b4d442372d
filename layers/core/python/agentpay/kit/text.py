"""Text Postgres can hold: UTF-8, so a string with an unpaired surrogate (JSON allows
"\\ud800") can be neither stored nor sent back in a response."""

from __future__ import annotations


def utf8_encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
