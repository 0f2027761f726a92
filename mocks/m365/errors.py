"""Microsoft Graph's and Microsoft Entra ID's error bodies, as the real services send them.

Graph (``/v1.0/...``)::

    {"error": {"code": "Request_ResourceNotFound", "message": "...",
               "innerError": {"date": "...", "request-id": "...", "client-request-id": "..."}}}

Entra ID's token endpoint (``/{tenant}/oauth2/v2.0/token``) answers OAuth 2.0 errors instead:
``{"error": "invalid_client", "error_description": "AADSTS7000215: ...", "error_codes": [...],
"timestamp", "trace_id", "correlation_id"}``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException

from mocks.m365.links import base_url


class GraphError(Exception):
    """Raised by a view to answer a Graph error (caught by the blueprint's handler)."""

    def __init__(self, status: int, code: str, message: str, *,
                 details: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers or {}


class TokenError(Exception):
    """Raised by the token endpoint to answer an OAuth 2.0 error the way Entra ID does."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.aadsts, self.description = (
            status, error, aadsts, description)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _client_request_id() -> str:
    try:
        return request.headers.get("client-request-id") or str(uuid.uuid4())
    except RuntimeError:  # outside a request (a fault answered by the middleware)
        return str(uuid.uuid4())


def graph_body(code: str, message: str, details: list[dict[str, str]] | None = None
               ) -> dict[str, Any]:
    """The ``{"error": {...}}`` body Graph sends with every error status."""
    request_id = str(uuid.uuid4())
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    error["innerError"] = {"date": _now(), "request-id": request_id,
                           "client-request-id": _client_request_id()}
    return {"error": error}


def graph_response(exc: GraphError) -> Response:
    """A Flask response for a :class:`GraphError`."""
    resp = Response(json.dumps(graph_body(exc.code, exc.message, exc.details)),
                    status=exc.status, content_type="application/json")
    resp.headers["request-id"] = json.loads(resp.get_data())["error"]["innerError"][
        "request-id"]
    for name, value in exc.headers.items():
        resp.headers[name] = value
    if exc.status == 401 and "WWW-Authenticate" not in resp.headers:
        resp.headers["WWW-Authenticate"] = www_authenticate()
    return resp


def www_authenticate() -> str:
    """Graph's challenge on a 401: where to get a token, and for which resource."""
    return (f'Bearer realm="", authorization_uri="{base_url()}/common/oauth2/authorize", '
            'client_id="00000003-0000-0000-c000-000000000000"')


def token_response(exc: TokenError) -> Response:
    """A Flask response for a :class:`TokenError` (Entra ID's OAuth error body)."""
    trace = str(uuid.uuid4())
    body = {
        "error": exc.error,
        "error_description": f"AADSTS{exc.aadsts}: {exc.description} Trace ID: {trace} "
                             f"Timestamp: {_now()}Z",
        "error_codes": [exc.aadsts], "timestamp": f"{_now()}Z", "trace_id": trace,
        "correlation_id": str(uuid.uuid4()),
    }
    return Response(json.dumps(body), status=exc.status, content_type="application/json")


def http_error(exc: HTTPException) -> Response:
    """Errors the router raises (unknown path, wrong method, body too large), Graph-shaped."""
    path = request.path
    if "/oauth2/" in path:
        return token_response(TokenError(exc.code or 400, "invalid_request", 900561,
                                         "The endpoint only accepts POST requests."))
    if exc.code == 404:
        segment = path.rstrip("/").rsplit("/", 1)[-1] or path
        return graph_response(GraphError(400, "BadRequest",
                                         f"Resource not found for the segment '{segment}'."))
    if exc.code == 405:
        return graph_response(GraphError(405, "Request_BadRequest",
                                         f"The method '{request.method}' is not allowed for "
                                         "this resource."))
    if exc.code == 413:
        return graph_response(GraphError(413, "RequestEntityTooLarge",
                                         "The request body is too large."))
    code = "BadRequest" if (exc.code or 500) < 500 else "UnknownError"
    return graph_response(GraphError(exc.code or 500, code, exc.description or "Error."))


def fault_error(status: int, message: str) -> tuple[bytes, str]:
    """The body of an injected ``status`` fault: what Graph sends for that status."""
    codes = {429: "TooManyRequests", 503: "ServiceUnavailable", 504: "GatewayTimeout",
             500: "UnknownError", 502: "BadGateway", 401: "InvalidAuthenticationToken",
             404: "Request_ResourceNotFound", 400: "BadRequest"}
    return (json.dumps(graph_body(codes.get(status, "UnknownError"), message)).encode(),
            "application/json")
