"""What the target clients share: the base URL and bearer token every one of them takes, a
repr that shows neither the token nor the client's session, and reading a JSON object answer."""

from __future__ import annotations

from typing import Any

import requests

from pipeline.http import RetryingHttpClient, TargetError


def bearer(token: str | None) -> dict[str, str]:
    """The ``Authorization`` header for ``token``, or no header at all."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def json_object(http: RetryingHttpClient, resp: requests.Response, where: str
                ) -> dict[str, Any]:
    """The JSON object ``resp`` holds; :class:`TargetError` naming ``where`` otherwise.

    :param where: the call as ``METHOD /path``, for the error message.
    """
    try:
        body = resp.json()
    except ValueError:
        raise TargetError(http.target, f"{where}: the answer is not JSON",
                          status=resp.status_code) from None
    if not isinstance(body, dict):
        raise TargetError(http.target, f"{where}: the answer is not a JSON object",
                          status=resp.status_code)
    return body


class TargetClient:
    """A client for one system at ``base_url``, with an optional bearer token.

    :param http: the retrying HTTP client every call goes through.
    :param token: the bearer token (from the environment), or None; never shown.
    """

    def __init__(self, http: RetryingHttpClient, base_url: str, *,
                 token: str | None = None) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._token = token

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"
