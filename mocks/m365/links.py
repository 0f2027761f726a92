"""Links the m365 mock hands out (``@odata.nextLink``, ``@odata.context``, ``Location``,
discovery endpoints) are built from the request the client made: its scheme, host and port.

Behind a proxy on loopback, ``X-Forwarded-Proto``, ``X-Forwarded-Host`` and
``X-Forwarded-Port`` say what the client called; they are honoured only when the request came
from a loopback address (anyone else could forge them).
"""

from __future__ import annotations

import ipaddress

from flask import request


def _from_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


#: where a request keeps its base URL once worked out (a $batch of twenty users asks twice
#: per item: the @odata.context and the Location)
_CACHED = "renkei.m365.base_url"


def base_url() -> str:
    """``scheme://host[:port]`` as the client called it (no trailing slash)."""
    environ = request.environ
    url: str | None = environ.get(_CACHED)
    if url is None:
        url = environ[_CACHED] = _base_url()
    return url


def _base_url() -> str:
    scheme, host = request.scheme, request.host
    if _from_loopback():
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        fwd_host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        fwd_port = request.headers.get("X-Forwarded-Port", "").split(",")[0].strip()
        if proto in ("http", "https"):
            scheme = proto
        if fwd_host:
            host = fwd_host
        if fwd_port.isdigit():
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            default = {"http": "80", "https": "443"}[scheme]
            host = name if fwd_port == default else f"{name}:{fwd_port}"
    return f"{scheme}://{host}"


def graph_url(path: str = "") -> str:
    """A Graph v1.0 URL on the host the client called (``path`` starts with ``/``)."""
    return f"{base_url()}/v1.0{path}"
