"""``POST /v1.0/$batch``: Graph's JSON batching (at most 20 requests, optional dependsOn).

Each request in the batch runs through this same app (auth, throttling, validation), in the
order given, and gets its own status, headers and body in the response, as Graph answers them.
A request whose dependency failed gets 424 Failed Dependency without running.

The whole batch is one SQLite transaction with a savepoint per request: a request that fails
(any 4xx/5xx answer) is rolled back to its savepoint, alone, and the others stay; the answers
are the same as with a transaction per request, for one commit per batch instead of twenty.

The user calls (read, create, update, delete one user, assignLicense) are answered by the
same functions as their own routes, called directly: the batch's bearer token was checked once,
and a full WSGI round per item cost more than the work itself (a city's provisioning is
~50,000 items). Anything else (listing, unknown paths, wrong methods) takes the full round.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

from harness.transport import call_wsgi, wsgi_environ
from mocks.base import db_transaction
from mocks.base.db import savepoint
from mocks.m365 import licenses, users
from mocks.m365.auth import authenticate_token, authorize, check_throttle
from mocks.m365.errors import GraphError, graph_body, graph_response
from mocks.m365.links import base_url

MAX_BATCH = 20
METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}

bp = Blueprint("m365_batch", __name__, url_prefix="/v1.0")
# the $batch request itself is authenticated but not throttled: each request inside it is
bp.before_request(authenticate_token)
bp.register_error_handler(GraphError, graph_response)


def _bad(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _check(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("requests"), list):
        raise _bad("Invalid batch payload format: expected a JSON object with a 'requests' "
                   "array.")
    items = payload["requests"]
    if not items:
        raise _bad("Invalid batch payload format: 'requests' is empty.")
    if len(items) > MAX_BATCH:
        raise _bad(f"Number of requests inside batch exceeds the limit of {MAX_BATCH}.")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise _bad("Invalid batch payload format: each request must be a JSON object.")
        rid, method, url = item.get("id"), item.get("method"), item.get("url")
        if not isinstance(rid, str) or not rid:
            raise _bad("Invalid batch payload format: every request needs a string 'id'.")
        if rid.lower() in seen:
            raise _bad(f"Batch request ids must be unique; '{rid}' appears twice.")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise _bad(f"Invalid batch payload format: request '{rid}' has no valid method.")
        if not isinstance(url, str) or not url or url.startswith(("http:", "https:")):
            raise _bad(f"Invalid batch payload format: request '{rid}' needs a relative url.")
        headers = item.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str)
                                                    for v in headers.values()):
            raise _bad(f"Invalid batch payload format: headers of request '{rid}' must be an "
                       "object of strings.")
        if "body" in item and not any(k.lower() == "content-type" for k in headers):
            raise _bad(f"Write request id : {rid} does not contain Content-Type header or body.")
        deps = item.get("dependsOn", [])
        if not isinstance(deps, list) or not all(isinstance(d, str) and d.lower() in seen
                                                 for d in deps):
            raise _bad(f"Invalid batch payload format: dependsOn of request '{rid}' must name "
                       "requests earlier in the batch.")
        seen.add(rid.lower())
    return items


Entry = dict[str, Any]
JSON_TYPE = {"Content-Type": "application/json"}


def _read(key: str, query: dict[str, str], body: Any) -> Entry:
    user = users.read_user(key, query.get("$select"))
    return {"status": 200, "headers": {**JSON_TYPE}, "body": user}


def _create(query: dict[str, str], body: Any) -> Entry:
    created, location = users.created_entity(users.create_user(users.json_object(body)))
    return {"status": 201, "headers": {**JSON_TYPE, "Location": location}, "body": created}


def _update(key: str, query: dict[str, str], body: Any) -> Entry:
    users.update_user(key, users.json_object(body))
    return {"status": 204, "headers": {}}


def _delete(key: str, query: dict[str, str], body: Any) -> Entry:
    users.delete_user(key)
    return {"status": 204, "headers": {}}


def _assign(key: str, query: dict[str, str], body: Any) -> Entry:
    return {"status": 200, "headers": {**JSON_TYPE}, "body": licenses.assign_license(key, body)}


#: endpoint → the function that answers it inside a batch, given the route's arguments, the
#: query and the item's (already parsed) JSON body
DIRECT: dict[str, Callable[..., Entry]] = {
    "m365_graph.get_user_view": _read, "m365_graph.post_user": _create,
    "m365_graph.patch_user_view": _update, "m365_graph.delete_user_view": _delete,
    "m365_licenses.assign_license_view": _assign,
}


def _run(item: dict[str, Any], routes: MapAdapter) -> Entry:
    """Run one request of the batch; its response as a batch entry."""
    url = "/v1.0/" + item["url"].lstrip("/")
    path, _, query = url.partition("?")
    if path.rstrip("/").lower() == "/v1.0/$batch":
        return {"id": item["id"], "status": 400, "headers": {},
                "body": graph_body("BadRequest", "A batch cannot contain a $batch request.")}
    method, body = item["method"].upper(), item.get("body")
    try:
        endpoint, args = routes.match(unquote(path), method)
    except HTTPException:
        endpoint, args = None, {}
    direct = DIRECT.get(endpoint or "")
    if direct is None or isinstance(body, str):
        return {"id": item["id"], **_dispatch(item, method, path, query)}
    try:
        authorize(endpoint)
        check_throttle()
        return {"id": item["id"], **direct(**args, query=dict(parse_qsl(query)), body=body)}
    except GraphError as exc:
        return {"id": item["id"], "status": exc.status, "headers": {**JSON_TYPE, **exc.headers},
                "body": graph_body(exc.code, exc.message, exc.details)}
    except Exception:  # as Flask answers a view's bug: logged, 500 for this item only
        current_app.logger.exception("$batch item %s (%s %s) failed", item["id"], method, path)
        return {"id": item["id"], "status": 500, "headers": {**JSON_TYPE},
                "body": graph_body("UnknownError", "An internal server error occurred.")}


def _dispatch(item: dict[str, Any], method: str, path: str, query: str) -> Entry:
    """One item through the app's full Flask round (auth, routing, error handlers)."""
    headers = dict(item.get("headers", {}))
    if "Authorization" in request.headers:
        headers["Authorization"] = request.headers["Authorization"]
    body = item.get("body")
    data = json.dumps(body).encode() if body is not None and not isinstance(body, str) else (
        body.encode() if isinstance(body, str) else b"")
    base = urlsplit(base_url())
    environ = wsgi_environ(method, base._replace(path=path, query=query), data, headers)
    # the app's Flask layer, not the fault middleware: a fault hits the $batch call itself
    status, resp_headers, raw = call_wsgi(current_app.wsgi_app.app, environ)  # type: ignore
    entry: Entry = {"status": int(status.split(" ", 1)[0]),
                    "headers": {k: v for k, v in resp_headers
                                if k.lower() in ("location", "retry-after", "content-type")}}
    if raw:
        try:
            entry["body"] = json.loads(raw)
        except ValueError:
            entry["body"] = raw.decode("utf-8", "replace")
    return entry


@bp.post("/$batch")
def batch() -> Any:
    payload = request.get_json(force=True, silent=True)
    items = _check(payload)
    routes = current_app.url_map.bind_to_environ(request.environ)
    failed: set[str] = set()
    responses = []
    with db_transaction():
        for item in items:
            if any(d.lower() in failed for d in item.get("dependsOn", [])):
                entry = {"id": item["id"], "status": 424, "headers": {},
                         "body": graph_body("FailedDependency", "A request it depends on "
                                            "failed.")}
            else:
                with savepoint() as mark:
                    entry = _run(item, routes)
                    if entry["status"] >= 400:
                        mark.undo()  # a failed request leaves nothing behind, alone
            if entry["status"] >= 400:
                failed.add(item["id"].lower())
            responses.append(entry)
    return jsonify({"responses": responses})
