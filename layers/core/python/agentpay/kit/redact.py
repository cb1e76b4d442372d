"""Keep secrets and personal data out of logs, whatever a message or an exception holds.

A logging filter on the handlers rewrites each record's message and string extras:
API keys and tokens, emails, card numbers (Luhn-checked, so order ids survive) and phone
numbers become placeholders. It is a safety net: code should not log such things at all.
"""

from __future__ import annotations

import logging
import re

_KEY = re.compile(r"\b(?:ap_(?:sk|pk|ct|ot)_|sk-ant-|sk-proj-|sk-|sk_(?:live|test)_|"
                  r"rk_(?:live|test)_|whsec_|polar_(?:oat|whs|pat)_|Bearer\s+)"
                  r"[A-Za-z0-9_\-.=]{6,}")
# An address starts at the first word boundary inside a run of address characters. Tried at
# every boundary, "a.a.a.…" (no "@") was read to its end from each: quadratic. So only a
# run's start is tried; `pre` skips (atomically) to that first boundary and is put back.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])(?P<pre>(?>[A-Za-z0-9._%+\-]*?\b))"
                    r"[A-Za-z0-9._%+\-]++@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_PHONE = re.compile(r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{3,4}[\s.-]\d{3,4}"
                    r"(?:[\s.-]\d{2,4})?(?![\w.])")
# Ids are not personal data, and a UUID's digit groups ("9015-4566-8387") read as a phone
# number: they are set aside before the number patterns run (a secret holding one is not).
_UUID = re.compile(r"(?<![\w-])([0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})(?![\w-])")
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime"}


def _luhn(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[card]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group()


def redact(text: str) -> str:
    text = _KEY.sub("[secret]", text)
    text = _EMAIL.sub(r"\g<pre>[email]", text)
    # split on the captured ids: text and ids alternate, the ids at odd places
    return "".join(part if i % 2 else _numbers(part)
                   for i, part in enumerate(_UUID.split(text)))


def _numbers(text: str) -> str:
    text = _CARD.sub(_card, text)
    return _PHONE.sub("[phone]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as-is
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                record.__dict__[key] = redact(value)
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def install(logger: logging.Logger) -> None:
    """Add the filter to every handler of ``logger`` (records from child loggers pass
    through these handlers too, and handler filters see them all)."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
