"""``POST /v1.0/$batch``: Graph's JSON batching (at most 20 requests, optional dependsOn).

Each request in the batch runs through this same app (auth, throttling, validation), in the
order given, and gets its own status, headers and body in the response, as Graph answers them.
A request whose dependency failed gets 424 Failed Dependency without running.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, jsonify, request
from werkzeug.test import EnvironBuilder, run_wsgi_app

from mocks.m365.errors import GraphError, graph_body
from mocks.m365.users import bp

MAX_BATCH = 20
METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}


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


def _run(item: dict[str, Any]) -> dict[str, Any]:
    """Run one request of the batch through the app; its response as a batch entry."""
    url = "/v1.0/" + item["url"].lstrip("/")
    path, _, query = url.partition("?")
    headers = {k: v for k, v in item.get("headers", {}).items()}
    if "Authorization" in request.headers:
        headers["Authorization"] = request.headers["Authorization"]
    body = item.get("body")
    data = json.dumps(body).encode() if body is not None and not isinstance(body, str) else (
        body.encode() if isinstance(body, str) else b"")
    if path.rstrip("/").lower() == "/v1.0/$batch":
        return {"id": item["id"], "status": 400, "headers": {},
                "body": graph_body("BadRequest", "A batch cannot contain a $batch request.")}
    builder = EnvironBuilder(path=path, query_string=query, method=item["method"].upper(),
                             headers=headers, data=data,
                             base_url=current_app.config["BASE_URL"])
    try:
        env = builder.get_environ()
    finally:
        builder.close()
    # the app's Flask layer, not the fault middleware: a fault hits the $batch call itself
    app_iter, status, resp_headers = run_wsgi_app(current_app.wsgi_app.app, env,  # type: ignore
                                                  buffered=True)
    raw = b"".join(app_iter)
    entry: dict[str, Any] = {"id": item["id"], "status": int(status.split(" ", 1)[0]),
                             "headers": {k: v for k, v in resp_headers.items()
                                         if k.lower() in ("location", "retry-after",
                                                          "content-type")}}
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
    failed: set[str] = set()
    responses = []
    for item in items:
        if any(d.lower() in failed for d in item.get("dependsOn", [])):
            entry = {"id": item["id"], "status": 424, "headers": {},
                     "body": graph_body("FailedDependency", "A request it depends on "
                                        "failed.")}
        else:
            entry = _run(item)
        if entry["status"] >= 400:
            failed.add(item["id"].lower())
        responses.append(entry)
    return jsonify({"responses": responses})
