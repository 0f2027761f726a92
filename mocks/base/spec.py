"""What a mock tells the base about itself: :class:`MockSpec`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response
from werkzeug.exceptions import HTTPException

JsonDict = dict[str, Any]
#: a blueprint, mounted at its own ``url_prefix``, or ``(blueprint, url_prefix)`` to mount one
#: that is not the mock's own (e.g. harness's LTI platform blueprints under ``/lti``)
Mount = Blueprint | tuple[Blueprint, str]


@dataclass(frozen=True)
class MockSpec:
    """The description of one vendor mock that :func:`mocks.base.create_mock_app` builds.

    :param name: registry name (``c4th``, ``m365``…); also the SQLite file's stem.
    :param title_ja: the product's name in Japanese (e.g. 校務支援システム).
    :param title_en: the product's name in English.
    :param import_name: the mock package's ``__name__`` (Flask's import name).
    :param schema_sql: ``CREATE TABLE IF NOT EXISTS`` statements for the mock's state.
    :param defaults: config defaults of this mock (the base's own defaults come first).
    :param blueprints: every route of the mock beyond the base's pages and ``/_admin``: the
        vendor API blueprints and the mock's ``admin.py`` blueprint, in registration order.
        A :class:`~flask.Blueprint` is mounted at its own ``url_prefix``; a
        ``(blueprint, url_prefix)`` pair mounts it there instead. No route is added any
        other way.
    :param state: callable → JSON-able dict of the whole state (``GET /_admin/state``).
    :param seed: callable(payload) → JSON-able dict, or None when the mock takes no seed.
    :param reset: callable that empties the state; None deletes every row of every table.
    :param openapi: callable → OpenAPI 3.1 dict of the vendor API (``GET /openapi.json``).
    :param fault_kinds: extra fault kinds the mock applies itself (e.g. c4th's ``truncate``);
        the base selects them like any fault and the view asks :func:`mocks.base.take_fault`.
    :param error_response: optional callable(HTTPException) → Response for errors outside the
        vendor blueprints' own handlers (e.g. Graph's error body for an unknown path).
    :param fault_error: optional callable(status, message) → (body bytes, content type) for an
        injected ``status`` fault, so it carries the vendor's error shape.
    :param init_app: optional callable(app), called last, once the app is built (config,
        database, blueprints, errors and faults in place): the mock's own app state on
        ``app.extensions`` and its app-wide request hooks (e.g. lgate's LTI platform and its
        ``before_request`` guard, a tool mock's :class:`harness.lti.tool.Tool`).
    """

    name: str
    title_ja: str
    title_en: str
    import_name: str
    schema_sql: str = ""
    defaults: JsonDict = field(default_factory=dict)
    blueprints: Sequence[Mount] = ()
    state: Callable[[], JsonDict] | None = None
    seed: Callable[[JsonDict], JsonDict] | None = None
    reset: Callable[[], None] | None = None
    openapi: Callable[[], JsonDict] | None = None
    fault_kinds: Sequence[str] = ()
    error_response: Callable[[HTTPException], Response] | None = None
    fault_error: Callable[[int, str], tuple[bytes, str]] | None = None
    init_app: Callable[[Flask], None] | None = None

    def mounts(self) -> Iterator[tuple[Blueprint, str | None]]:
        """``(blueprint, url_prefix)`` of each of :attr:`blueprints` (None: its own)."""
        for mount in self.blueprints:
            if isinstance(mount, Blueprint):
                yield mount, None
            else:
                yield mount
