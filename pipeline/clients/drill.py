"""The drill app (インタラクティブスタディ): the OneRoster delta upload and its read API."""

from __future__ import annotations

from typing import Any

from pipeline.clients.base import TargetClient, bearer, json_object
from pipeline.clients.rostering import list_collection


class DrillClient(TargetClient):
    """The drill app's ``POST /oneroster/delta`` and ``GET …/users``."""

    def upload_delta(self, content: bytes, filename: str) -> dict[str, Any]:
        """POST a delta bundle (multipart ``file``); 422 (as TargetError) when it is refused."""
        resp = self.http.post(f"{self.base_url}/oneroster/delta",
                              files={"file": (filename, content, "application/zip")},
                              headers=bearer(self._token))
        return json_object(self.http, resp, "POST /oneroster/delta")

    def list_users(self) -> list[dict[str, Any]]:
        """Every user the drill app holds (for the initial link, 名寄せ)."""
        return list_collection(self.http, self.base_url, "users", token=self._token)
