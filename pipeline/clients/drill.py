"""The drill app (インタラクティブスタディ): the OneRoster delta upload and its read API."""

from __future__ import annotations

from typing import Any

from pipeline.clients.lgate import _json
from pipeline.clients.rostering import bearer, list_collection
from pipeline.http import HttpClient


class DrillClient:
    """The drill app's ``POST /oneroster/delta`` and ``GET …/users``."""

    def __init__(self, http: HttpClient, base_url: str, *, token: str | None = None) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._token = token

    def __repr__(self) -> str:
        return f"DrillClient({self.base_url!r})"

    def upload_delta(self, content: bytes, filename: str) -> dict[str, Any]:
        """POST a delta bundle (multipart ``file``); 422 (as TargetError) when it is refused."""
        resp = self.http.post(f"{self.base_url}/oneroster/delta",
                              files={"file": (filename, content, "application/zip")},
                              headers=bearer(self._token))
        return _json(self.http, resp, "POST /oneroster/delta")

    def list_users(self) -> list[dict[str, Any]]:
        """Every user the drill app holds (for the initial link, 名寄せ)."""
        return list_collection(self.http, self.base_url, "users", token=self._token)
