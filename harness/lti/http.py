"""The one place harness.lti reaches the network: a small JSON-over-HTTP helper on ``requests``.

Pure modules never import this; the JWKS cache and the service client take it by injection so
unit tests can fake HTTP with ``responses`` or replace it with a callable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

USER_AGENT = "renkei-lti/0.1"


class HttpError(Exception):
    """A request failed (unreachable host, timeout, non-JSON body); the message holds no secret.

    :param cause: what failed, first (``ConnectionError``, ``ReadTimeout``, ``connection
        dropped``), when a request never got an answer.
    :param method: the request's method, with ``url`` the request that failed.
    """

    def __init__(self, message: str, *, cause: str = "", method: str = "",
                 url: str = "") -> None:
        super().__init__(message)
        self.cause, self.method, self.url = cause, method, url


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        import json

        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(f"response is not JSON (HTTP {self.status})") from None


class LtiHttpClient:
    """The LTI kit's HTTP client (key sets, NRPS/AGS service calls, Deep Linking posts): GET
    and POST on a ``requests`` session with a timeout; errors become :class:`HttpError`
    naming the URL, never a header.

    Not the pipeline's client (:mod:`pipeline.http`), which retries and speaks to the
    vendor systems; this one makes one attempt, as a certification must see each answer.
    """

    def __init__(self, *, timeout: float = 10.0, session: Any = None) -> None:
        import requests  # installed with PyLTI1p3/responses; imported late to keep import cheap

        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self._exc = requests.RequestException

    def request(self, method: str, url: str, **kwargs: Any) -> HttpResponse:
        kwargs.setdefault("timeout", self.timeout)
        try:
            resp = self.session.request(method, url, **kwargs)
        except self._exc as exc:
            raise HttpError(f"{method} {url} failed: {type(exc).__name__}",
                            cause=type(exc).__name__, method=method, url=url) from None
        return HttpResponse(resp.status_code, dict(resp.headers), resp.content)

    def get(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("POST", url, **kwargs)
