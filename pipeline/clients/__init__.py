"""Clients for the systems the pipeline talks to, each over
:class:`pipeline.http.RetryingHttpClient`.

- :class:`C4thClient`: the nightly export from 校務支援システム C4th.
- :class:`LgateClient`: 学習eポータル L-Gate — the bulk upload, the initial-password file and
  the OneRoster read API (for the initial link, 名寄せ).
- :class:`GraphClient`: Microsoft 365 over Graph — client-credentials token, users, ``$batch``.
- :class:`DrillClient`: the drill app (インタラクティブスタディ): delta upload, read API.

No client ever puts a secret (token, client secret, password) in a message, a log line or a repr.
"""

from pipeline.clients.base import TargetClient, json_object
from pipeline.clients.c4th import C4thClient
from pipeline.clients.drill import DrillClient
from pipeline.clients.graph import BatchItem, BatchResult, GraphClient
from pipeline.clients.lgate import LgateClient

__all__ = ["BatchItem", "BatchResult", "C4thClient", "DrillClient", "GraphClient", "LgateClient",
           "TargetClient", "json_object"]
