"""``--probe``: reach each configured system, read only, and say what happened in words.

C4th's export URL (one export is fetched and thrown away), the e-portal's and the drill app's
user lists (read API), and a Microsoft 365 token (client credentials). Nothing is written
anywhere. A system that does not answer is a clear 確認できず with the reason, never a
traceback. The user lists read here also feed the initial link (名寄せ) of the preview's plan,
on the first run only, exactly as ``renkei pipeline run`` would read them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.apply.targets import targets_from_config
from pipeline.clients import DrillClient, LgateClient
from pipeline.clients.c4th import C4thClient
from pipeline.clients.graph import GraphClient
from pipeline.config import Config, ConfigError
from pipeline.http import RetryingHttpClient, RetryPolicy, SessionFactory, TargetError
from pipeline.plan import first_run
from pipeline.state import State

#: one quick try per system: a probe says what is, it does not wait for a system to recover
PROBE_POLICY = RetryPolicy(retries=0, backoff=0.0, timeout=5.0)

Answer = dict[str, Any]


def _ok(ja: str, en: str, **extra: Any) -> Answer:
    return {"ok": True, "status": "done", "ja": ja, "en": en, **extra}


def _unknown(ja: str, en: str, **extra: Any) -> Answer:
    return {"ok": False, "status": "unknown", "ja": f"確認できず: {ja}",
            "en": f"cannot tell: {en}", **extra}


_SKIPPED = _ok("連携先として無効です（確認していません）", "not a target (not probed)",
              skipped=True)


@dataclass
class Prober:
    """Reads each configured system once.

    :param session_factory: makes the HTTP sessions (tests pass one bound to a mock).
    """

    session_factory: SessionFactory | None = None
    policy: RetryPolicy = PROBE_POLICY
    #: target name → the users it listed (lgate, drill), for the initial link
    users: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def read_targets(self) -> list[str]:
        return sorted(self.users)

    def run(self, config: Config) -> dict[str, Any]:
        """Probe every configured system; ``{"systems": {name: answer}}``."""
        systems: dict[str, Answer] = {"c4th": self._guard(lambda: self._c4th(config))}
        try:
            targets = targets_from_config(config, self.session_factory, policy=self.policy)
        except ConfigError as exc:  # the Graph secret's variable is not set
            systems["m365"] = _unknown(f"設定が足りません（{exc}）", f"configuration: {exc}")
            targets = targets_from_config(dataclasses.replace(config, m365=None),
                                          self.session_factory, policy=self.policy)
        for name, client in (("lgate", targets.lgate), ("drill", targets.drill)):
            systems[name] = (self._guard(lambda n=name, c=client: self._users(n, c))
                             if client is not None else _SKIPPED)
        if "m365" not in systems:
            graph = targets.m365
            systems["m365"] = self._guard(lambda: self._m365(graph)) if graph else _SKIPPED
        return {"systems": systems}

    def accounts_for(self, state: State) -> Callable[[], Mapping[str, Sequence[Mapping[str, Any]]]
                                                     | None]:
        """The initial link's account lists for :func:`pipeline.plan.plan_export`: the users
        read by :meth:`run`, on the first run only (as the pipeline run does)."""
        return lambda: dict(self.users) if self.users and first_run(state) else None

    # -- one system each ----------------------------------------------------------------
    def _guard(self, probe: Callable[[], Answer]) -> Answer:
        try:
            return probe()
        except TargetError as exc:
            why = (f"HTTP {exc.status} が返りました" if exc.status else
                   "応答がありません（停止中か、URL・ネットワークの誤り）")
            return _unknown(f"{why}（{exc.message}）", exc.message, status_code=exc.status)
        except ConfigError as exc:
            return _unknown(f"設定が足りません（{exc}）", f"configuration: {exc}")
        except OSError as exc:
            return _unknown(f"読めません（{exc}）", f"unreadable: {exc}")

    def _c4th(self, config: Config) -> Answer:
        source = config.source
        if source.url is None:
            drop = source.drop_dir
            if drop is None or not drop.is_dir():
                return _unknown(f"受け渡しフォルダ {drop} がありません", f"no drop folder {drop}")
            found = sorted(drop.glob(source.pattern))
            return _ok(f"受け渡しフォルダに {len(found)} 件のエクスポートがあります",
                       f"{len(found)} exports in the drop folder")
        token = config.env(source.token_env, key="source.token_env")
        http = RetryingHttpClient(self.session_factory, target="c4th", policy=self.policy)
        client = C4thClient(http, source.url, token=token)
        try:
            export = client.fetch_export()
        finally:
            client.http.close()
        size = len(export.content) // 1024
        return _ok(f"エクスポートを取得できました（{export.filename}、{size} KB。"
                   "保存していません）",
                   f"export fetched ({export.filename}, {size} KB; not kept)")

    def _users(self, name: str, client: LgateClient | DrillClient) -> Answer:
        try:
            users = client.list_users()
        finally:
            client.http.close()
        self.users[name] = users
        return _ok(f"利用者の一覧を読めました（{len(users)} 件）", f"user list read ({len(users)})",
                   users=len(users))

    def _m365(self, client: GraphClient) -> Answer:
        try:
            client.token()
        finally:
            client.http.close()
        return _ok("アクセストークンを取得できました（アカウントは読み書きしていません）",
                   "an access token was issued (no account read or written)")
