"""校務支援システム C4th: fetch the nightly OneRoster export."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.clients.base import TargetClient, bearer
from pipeline.http import TargetError

_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Export:
    """One received export: the zip bytes and the file name C4th gave it."""

    content: bytes
    filename: str


class C4thClient(TargetClient):
    """The C4th export endpoint (``GET /oneroster/export``, optional bearer token)."""

    def fetch_export(self) -> Export:
        """Download one export; raise :class:`TargetError` unless it is a zip."""
        resp = self.http.get(f"{self.base_url}/oneroster/export", headers=bearer(self._token))
        if not resp.content.startswith(b"PK"):
            raise TargetError(self.http.target, "GET /oneroster/export: the answer is not a zip",
                              status=resp.status_code)
        match = _FILENAME.search(resp.headers.get("Content-Disposition", ""))
        name = match.group(1).rsplit("/", 1)[-1] if match else "export.zip"
        return Export(resp.content, name)
