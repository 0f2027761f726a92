"""How a tool mock learns its platform (学習eポータル) and keeps its keys.

The platform registration comes from config ``LTI_PLATFORM`` (a dict of
:class:`harness.lti.tool.PlatformRegistration` fields); every field left out defaults from
``PEERS["lgate"]`` as the contract describes: issuer = lgate's base URL, auth
``<lgate>/lti/auth``, token ``<lgate>/lti/token``, JWKS ``<lgate>/lti/jwks``, the tool's own
client_id and deployment ``renkei-1``. The JWKS is fetched through the app's HTTP session, so
an in-process run reaches lgate through :func:`harness.transport.mount_wsgi`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import requests

from harness.lti.jwks import Fetcher, KeySetError
from harness.lti.keys import KeyStore
from harness.lti.tool import PlatformRegistration

DEFAULT_DEPLOYMENT = "renkei-1"
_FIELDS = ("issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url",
           "deployment_ids", "key_set")


class ToolConfigError(ValueError):
    """A tool's LTI settings cannot be used; the message names the setting."""


def platform_registration(config: Mapping[str, Any], *, client_id: str) -> PlatformRegistration:
    """The platform this tool trusts, from ``LTI_PLATFORM`` with defaults from lgate's URL.

    :param client_id: the tool's default client_id (``tsubasa-book`` …).
    :raises ToolConfigError: for an unknown field or a missing lgate peer with no override.
    """
    raw = dict(config.get("LTI_PLATFORM") or {})
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise ToolConfigError(f"LTI_PLATFORM has unknown field(s) {', '.join(unknown)}; "
                              f"known: {', '.join(_FIELDS)}")
    lgate = str((config.get("PEERS") or {}).get("lgate") or "").rstrip("/")
    if not lgate and not {"issuer", "auth_login_url"} <= set(raw):
        raise ToolConfigError("PEERS has no 'lgate' URL; set LTI_PLATFORM issuer and "
                              "auth_login_url explicitly")
    deployments = raw.get("deployment_ids") or (DEFAULT_DEPLOYMENT,)
    if isinstance(deployments, str):
        deployments = (deployments,)
    return PlatformRegistration(
        issuer=raw.get("issuer") or lgate,
        client_id=raw.get("client_id") or client_id,
        auth_login_url=raw.get("auth_login_url") or f"{lgate}/lti/auth",
        auth_token_url=raw.get("auth_token_url") or f"{lgate}/lti/token",
        key_set_url=raw.get("key_set_url") or (f"{lgate}/lti/jwks" if lgate else None),
        deployment_ids=tuple(deployments),
        key_set=raw.get("key_set"),
    )


def session_fetcher(get_session: Callable[[], requests.Session], *, timeout: float = 5.0
                    ) -> Fetcher:
    """A JWKS :data:`~harness.lti.jwks.Fetcher` over the mock's outbound session.

    ``get_session`` is called per fetch so the app's configured session is used even when it
    is replaced after the app was built (a test mounting its in-process peers late).
    """

    def fetch(url: str) -> tuple[Any, str | None]:
        try:
            resp = get_session().get(url, timeout=timeout)
        except requests.RequestException as exc:
            raise KeySetError(f"GET {url} failed: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise KeySetError(f"GET {url} answered HTTP {resp.status_code}")
        try:
            doc = resp.json()
        except ValueError:
            raise KeySetError(f"GET {url} did not answer JSON") from None
        return doc, resp.headers.get("Cache-Control")

    return fetch


def key_dir(config: Mapping[str, Any], name: str) -> str | None:
    """Where the tool's signing keys persist: ``KEY_DIR``, else beside a file database.

    A ``:memory:`` database keeps the keys in memory too: nothing of that app outlives it.
    """
    if config.get("KEY_DIR"):
        return os.fspath(config["KEY_DIR"])
    database = config.get("DATABASE")
    if not database or os.fspath(database) == ":memory:":
        return None
    return os.path.join(os.path.dirname(os.path.abspath(os.fspath(database))), f"{name}-keys")


def key_store(config: Mapping[str, Any], name: str) -> KeyStore:
    """The tool's keys, generated on first start of this deployment and kept in its state."""
    return KeyStore(key_dir(config, name))
