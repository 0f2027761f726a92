"""Flask mocks of every vendor system in the Tsukuba pilot, and their registry.

Each mock is a package ``mocks.<name>`` with ``create_app(config=None)``; this module knows
them by name, in port order, and imports a mock only when asked for it, so one that is missing
or broken never stops the others::

    from mocks import MOCKS, create_app, default_peers
    app = create_app("m365", {"DATABASE": ":memory:"})
    default_peers(live=True)   # {"c4th": "http://127.0.0.1:8100", …}

May import ``harness`` and ``fixtures``; never ``pipeline`` or ``scenarios``.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class MockInfo:
    """A registry entry: the mock's name and titles; its module and host follow from the name."""

    name: str
    title_ja: str
    title_en: str

    @property
    def module(self) -> str:
        """The mock's package (``mocks.<name>``)."""
        return f"{__name__}.{self.name}"

    @property
    def host(self) -> str:
        """The in-process host name (the name with ``-`` for ``_``, as DNS wants)."""
        return self.name.replace("_", "-")

    @property
    def test_url(self) -> str:
        """The in-process base URL (``http://<host>.test``)."""
        return f"http://{self.host}.test"


#: every mock, in port order (c4th → port base + 0, lgate → + 1, …)
MOCKS: dict[str, MockInfo] = {m.name: m for m in (
    MockInfo("c4th", "校務支援システム EDUCOM マネージャー C4th",
             "EDUCOM Manager C4th (school-affairs system)"),
    MockInfo("lgate", "学習eポータル L-Gate", "L-Gate (learning e-portal, LTI 1.3 platform)"),
    MockInfo("m365", "Microsoft 365 Education (GIGAアカウント)",
             "Microsoft 365 Education (Microsoft Graph v1.0 users)"),
    MockInfo("interactive_study", "インタラクティブスタディ",
             "Interactive Study (drill app, LTI tool)"),
    MockInfo("tsubasa_book", "つばさブック",
             "Tsubasa Book (elementary digital textbooks, LTI tool)"),
    MockInfo("mirai_school", "みらいスクールプラットフォーム",
             "Mirai School Platform (junior-high digital textbooks, LTI tool)"),
)}

DEFAULT_PORT_BASE = 8100


class UnknownMock(KeyError):
    """A mock name that is not in the registry."""

    def __str__(self) -> str:
        return f"unknown mock {self.args[0]!r}; known: {', '.join(MOCKS)}"


def info(name: str) -> MockInfo:
    """The registry entry of ``name``; :class:`UnknownMock` if there is none."""
    try:
        return MOCKS[name]
    except KeyError:
        raise UnknownMock(name) from None


def is_available(name: str) -> bool:
    """Whether the mock's package exists in this checkout (without importing it).

    A folder without ``__init__.py`` (a mock still being written) is not a mock yet; an
    unknown name is not available either.
    """
    if name not in MOCKS:
        return False
    try:
        spec = importlib.util.find_spec(info(name).module)
    except ModuleNotFoundError:
        return False
    return spec is not None and spec.origin is not None and spec.has_location


def available() -> list[str]:
    """The names of the mocks present in this checkout, in port order."""
    return [name for name in MOCKS if is_available(name)]


def default_port(name: str, port_base: int = DEFAULT_PORT_BASE) -> int:
    """The mock's port under ``renkei mock up`` (port base + its place in the registry)."""
    return port_base + list(MOCKS).index(info(name).name)


def default_peers(live: bool = False, port_base: int = DEFAULT_PORT_BASE,
                  scheme: str = "http") -> dict[str, str]:
    """{name: base URL} of every mock: in-process hosts, or 127.0.0.1 ports when ``live``
    (``scheme`` https when they are served with TLS)."""
    if live:
        return {name: f"{scheme}://127.0.0.1:{default_port(name, port_base)}"
                for name in MOCKS}
    return {name: m.test_url for name, m in MOCKS.items()}


def create_app(name: str, config: dict[str, Any] | None = None) -> Flask:
    """Import ``mocks.<name>`` and build its app with ``config``."""
    module = importlib.import_module(info(name).module)
    factory = getattr(module, "create_app", None)
    if factory is None:
        raise ImportError(f"{info(name).module} has no create_app(config=None)")
    return factory(config)


__all__ = ["DEFAULT_PORT_BASE", "MOCKS", "MockInfo", "UnknownMock", "available", "create_app",
           "default_peers", "default_port", "info", "is_available"]
