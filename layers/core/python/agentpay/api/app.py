"""The FastAPI app factory: the same app under Mangum in Lambda and uvicorn locally."""

from __future__ import annotations

from fastapi import FastAPI

from agentpay import __version__
from agentpay.agents.endpoints import router as agents_router
from agentpay.api.errors import install_error_handlers
from agentpay.api.health import router as health_router
from agentpay.api.limits import BodySizeLimit
from agentpay.catalog.endpoints import router as catalog_router
from agentpay.checkout.endpoints import router as checkout_router
from agentpay.config import get_settings
from agentpay.conversations.endpoints import router as conversations_router
from agentpay.dashboard.endpoints import router as dashboard_router
from agentpay.handoff.endpoints import router as handoff_router
from agentpay.keys.endpoints import router as keys_router
from agentpay.knowledge.endpoints import router as knowledge_router
from agentpay.operators.endpoints import router as operators_router
from agentpay.organizations.endpoints import router as organizations_router
from agentpay.payments.endpoints import local_router as local_payments_router
from agentpay.payments.endpoints import router as payments_router
from agentpay.webhooks.endpoints import router as webhooks_router


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
    app.include_router(health_router)
    app.include_router(agents_router)
    app.include_router(conversations_router)
    app.include_router(handoff_router)
    app.include_router(webhooks_router)
    app.include_router(organizations_router)
    app.include_router(keys_router)
    app.include_router(operators_router)
    app.include_router(catalog_router)
    app.include_router(knowledge_router)
    app.include_router(payments_router)
    app.include_router(dashboard_router)
    if not settings.is_production:
        # the local provider's page and pay button: an order with no money taken
        app.include_router(checkout_router)
        app.include_router(local_payments_router)
    return app
