"""学習eポータル L-Gate: bulk upload, the board's initial-password file, the read API."""

from __future__ import annotations

from typing import Any

from pipeline.clients.rostering import bearer, list_collection
from pipeline.http import HttpClient, TargetError


class LgateClient:
    """L-Gate's import endpoints and its OneRoster read API.

    :param token: the read API's bearer token (from the environment), or None.
    """

    def __init__(self, http: HttpClient, base_url: str, *, token: str | None = None) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._token = token

    def __repr__(self) -> str:
        return f"LgateClient({self.base_url!r})"

    def upload_bulk(self, content: bytes, filename: str) -> dict[str, Any]:
        """POST the bulk bundle (multipart ``file``); the e-portal applies it in one transaction.

        :raises TargetError: with ``body`` holding the findings when the e-portal refuses it.
        """
        resp = self.http.post(f"{self.base_url}/oneroster/bulk",
                              files={"file": (filename, content, "application/zip")},
                              headers=bearer(self._token))
        return _json(self.http, resp, "POST /oneroster/bulk")

    def upload_passwords(self, content: bytes) -> dict[str, Any]:
        """POST the ID・初期パスワード file (multipart ``file``). The answer never echoes one."""
        resp = self.http.post(f"{self.base_url}/accounts/initial-passwords",
                              files={"file": ("initial-passwords.csv", content, "text/csv")},
                              headers=bearer(self._token))
        return _json(self.http, resp, "POST /accounts/initial-passwords")

    def list_users(self) -> list[dict[str, Any]]:
        """Every user the e-portal holds (for the initial link, 名寄せ)."""
        return list_collection(self.http, self.base_url, "users", token=self._token)


def _json(http: HttpClient, resp: Any, where: str) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        raise TargetError(http.target, f"{where}: the answer is not JSON",
                          status=resp.status_code) from None
    if not isinstance(body, dict):
        raise TargetError(http.target, f"{where}: the answer is not a JSON object",
                          status=resp.status_code)
    return body
