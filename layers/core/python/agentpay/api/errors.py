"""One error shape for every failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from agentpay.kit.errors import AppError

logger = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "rate_limited",
}


def error_body(code: str, message: str, details: Any = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The documented body of every error answer (see `error_body`)."""

    error: ErrorDetail


_ERROR_DESCRIPTIONS = {
    400: "Bad request: the body is not valid JSON, or the call cannot be honoured",
    401: "Missing, invalid, revoked or expired credentials",
    403: "A credential of the wrong kind for this call",
    404: "Not found (also anything of another organization or conversation)",
    409: "Conflicts with the current state",
    410: "Gone: the link has expired",
    413: "The request body is too large",
    422: "The request is not valid",
    429: "Too many requests: retry after the Retry-After header",
    503: "Briefly unavailable: retry",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries in the shared error shape, for routers and routes."""
    return {status: {"model": ErrorResponse, "description": _ERROR_DESCRIPTIONS[status]}
            for status in statuses}


# What any call with credentials may answer (409: a conversation token whose agent is not
# active, refused before any route runs); routers add their own (410) on top.
COMMON_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422, 429, 503)


def _clean(errors: list[dict]) -> list[dict]:
    """Validation details without echoing back the submitted values (they may be secrets)."""
    return [
        {"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")}
        for e in errors
    ]


async def _app_error(_: Request, exc: AppError) -> JSONResponse:
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error_body(exc.code, exc.message, exc.details),
                        status_code=exc.status_code, headers=headers or None)


async def _database_down(_: Request, exc: Exception) -> JSONResponse:
    """The database went away (failover, proxy restart): nothing was committed, so the
    caller may retry; the Lambda connection is reopened on the next invocation."""
    logger.warning("database unavailable: %s", type(exc).__name__)
    return JSONResponse(error_body("database_unavailable",
                                   "the service is briefly unavailable; retry shortly"),
                        status_code=503, headers={"Retry-After": "1"})


def _unstorable_text(exc: psycopg.DataError) -> bool:
    """Text Postgres cannot hold, in text or jsonb: NUL characters, unpaired surrogates."""
    if isinstance(exc, psycopg.errors.UntranslatableCharacter):
        return True  # "\u0000" in jsonb
    if isinstance(exc, psycopg.errors.InvalidTextRepresentation):
        return "surrogate" in (exc.diag.message_detail or "")  # a lone "\ud800" in jsonb
    # raised by psycopg before sending: a NUL in a text parameter
    return isinstance(exc, psycopg.DataError) and exc.sqlstate is None and "NUL" in str(exc)


async def _data_error(request: Request, exc: psycopg.DataError) -> JSONResponse:
    """A client's string the database cannot store is the client's error (422), whichever
    field or path segment carried it; the transaction was rolled back."""
    if _unstorable_text(exc):
        return JSONResponse(error_body("invalid_text", "text must not contain NUL characters "
                                       "or unpaired surrogates"), status_code=422)
    return await _unexpected(request, exc)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse(error_body("invalid_json", "request body is not valid JSON"),
                            status_code=400)
    return JSONResponse(
        error_body("validation_error", "request is not valid", _clean(errors)), status_code=422
    )


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return JSONResponse(error_body(code, message), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error")
    return JSONResponse(error_body("internal_error", "internal error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    import psycopg

    app.add_exception_handler(psycopg.OperationalError, _database_down)
    app.add_exception_handler(psycopg.DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected)
