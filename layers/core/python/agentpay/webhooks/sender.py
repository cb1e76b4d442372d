"""One HTTP POST to a store's webhook URL: a short timeout, no redirects, and in
production only public addresses (a store's URL must not reach into our VPC)."""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10.0
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class Answer:
    ok: bool
    status: int | None  # the receiver's HTTP status; None when it never answered
    error: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is an answer, and not a success


_opener = urllib.request.build_opener(_NoRedirects)


def _public_only(url: str) -> str | None:
    """Why a URL may not be called from production, or None."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        return f"cannot resolve {host}: {exc}"
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return f"{host} resolves to a non-public address"
    return None


def post(url: str, body: str, headers: dict[str, str], *, public_only: bool,
         timeout: float = TIMEOUT_SECONDS) -> Answer:
    """2xx is delivered; anything else (another status, a timeout, a refused
    connection) is an attempt to retry."""
    if public_only and (why := _public_only(url)):
        return Answer(False, None, why)
    request = urllib.request.Request(url, data=body.encode(), method="POST",
                                     headers={**headers, "user-agent": "AgentPay-Webhooks/1"})
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(64 * 1024)
            return Answer(200 <= response.status < 300, response.status,
                          "" if 200 <= response.status < 300 else f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        return Answer(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(False, None, str(reason)[:MAX_ERROR_CHARS])
