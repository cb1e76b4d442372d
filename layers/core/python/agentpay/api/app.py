"""The FastAPI app factory: the same app under Mangum in Lambda and uvicorn locally."""

from __future__ import annotations

from fastapi import FastAPI

from agentpay import __version__
from agentpay.api.errors import install_error_handlers
from agentpay.api.limits import BodySizeLimit
from agentpay.api.routers import GROUPS, LOCAL_GROUPS, install
from agentpay.config import get_settings


def create_app() -> FastAPI:
    app = FastAPI(title="AgentPay", version=__version__, docs_url="/docs", redoc_url=None)
    install_error_handlers(app)
    settings = get_settings()
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"], max_age=600,
                           # a widget told 429 can read how long to wait
                           expose_headers=["Retry-After"])
    # each router is imported with the first request that needs it (agentpay.api.routers)
    install(app, GROUPS if settings.is_production else GROUPS + LOCAL_GROUPS)
    return app
