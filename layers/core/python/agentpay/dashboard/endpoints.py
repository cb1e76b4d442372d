"""Serves the dashboard's page and its two assets from the core layer, in Lambda as in the
dev stack. The page learns where the WebSocket API is from a ``<meta>`` tag
(``AGENTPAY_DASHBOARD_WS_URL``; unset, it polls); it finds the HTTP API from its own
address. Nothing here needs a credential: sign-in is the page's first call."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from agentpay.api.deps import SettingsDep
from agentpay.kit.errors import NotFound

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"dashboard.js": "text/javascript; charset=utf-8",
          "dashboard.css": "text/css; charset=utf-8"}

router = APIRouter(include_in_schema=False)


@cache
def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _headers(ws_url: str | None) -> dict[str, str]:
    """No inline script or style, API calls to this origin and the WebSocket API only, no
    framing: a page that holds a credential."""
    connect = ["'self'"]
    if ws_url:
        parts = urlsplit(ws_url)
        connect.append(f"{parts.scheme}://{parts.netloc}")
    policy = ("default-src 'none'; script-src 'self'; style-src 'self'; "
              "img-src 'self' https: data:; "
              f"connect-src {' '.join(connect)}; base-uri 'none'; form-action 'none'; "
              "frame-ancestors 'none'")
    return {"Content-Security-Policy": policy, "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(settings: SettingsDep) -> HTMLResponse:
    ws_url = settings.dashboard_ws_url
    page = _read("index.html").replace("__AGENTPAY_WS_URL__", html.escape(ws_url or ""))
    return HTMLResponse(page, headers={**_headers(ws_url), "Cache-Control": "no-store"})


@router.get("/dashboard/{asset}")
def dashboard_asset(asset: str, settings: SettingsDep) -> Response:
    if asset not in ASSETS:
        raise NotFound("no such dashboard file", code="not_found")
    return Response(_read(asset), media_type=ASSETS[asset],
                    headers={**_headers(settings.dashboard_ws_url),
                             "Cache-Control": "public, max-age=300"})
