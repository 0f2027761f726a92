"""学習eポータル L-Gate: bulk upload, the board's initial-password file, the read API."""

from __future__ import annotations

from typing import Any

from pipeline.clients.base import TargetClient, bearer, json_object
from pipeline.clients.rostering import list_collection


class LgateClient(TargetClient):
    """L-Gate's import endpoints and its OneRoster read API.

    :param token: the read API's bearer token (from the environment), or None.
    """

    def upload_bulk(self, content: bytes, filename: str) -> dict[str, Any]:
        """POST the bulk bundle (multipart ``file``); the e-portal applies it in one transaction.

        :raises TargetError: with ``body`` holding the findings when the e-portal refuses it.
        """
        resp = self.http.post(f"{self.base_url}/oneroster/bulk",
                              files={"file": (filename, content, "application/zip")},
                              headers=bearer(self._token))
        return json_object(self.http, resp, "POST /oneroster/bulk")

    def upload_passwords(self, content: bytes) -> dict[str, Any]:
        """POST the ID・初期パスワード file (multipart ``file``). The answer never echoes one."""
        resp = self.http.post(f"{self.base_url}/accounts/initial-passwords",
                              files={"file": ("initial-passwords.csv", content, "text/csv")},
                              headers=bearer(self._token))
        return json_object(self.http, resp, "POST /accounts/initial-passwords")

    def list_users(self) -> list[dict[str, Any]]:
        """Every user the e-portal holds (for the initial link, 名寄せ)."""
        return list_collection(self.http, self.base_url, "users", token=self._token)

