"""Fault rules (WireMock-style): what can go wrong, where, how often and how many times.

A fault is a dict, set through ``POST /_admin/faults`` or the ``FAULTS`` config::

    {"kind": "status", "status": 503, "retry_after": 2, "route": "^/v1.0/users",
     "method": "POST", "probability": 1.0, "count": 3}

Kinds: ``latency`` (``ms``, or uniform between ``ms`` and ``ms_max``), ``status`` (``status``,
optional ``retry_after`` seconds), ``drop`` (the connection closes mid-response;
``drop`` with ``"at": "start"`` closes it before any response byte),
``malformed`` (the body is cut and garbled), ``trickle`` (the body at ``bytes_per_s``), plus
the kinds a mock handles itself (:attr:`MockSpec.fault_kinds`). ``count`` is how many more
requests it hits (absent: every one); ``probability`` is the chance it hits a matching request.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BUILTIN_KINDS: tuple[str, ...] = ("latency", "status", "drop", "malformed", "trickle")

_FIELDS = {"kind", "probability", "route", "method", "count", "ms", "ms_max", "status",
           "retry_after", "bytes_per_s", "keep", "at", "id"}
#: where a ``drop`` cuts the connection: mid-body (default) or before any response byte
DROP_POINTS = ("body", "start")


class FaultError(ValueError):
    """A fault setting that cannot be used; the message says which field and why."""


@dataclass
class Fault:
    """One active fault rule."""

    id: int
    kind: str
    probability: float = 1.0
    route: str | None = None
    method: str | None = None
    count: int | None = None
    ms: int = 0
    ms_max: int | None = None
    status: int = 503
    retry_after: float | None = None
    bytes_per_s: int = 1000
    keep: float = 0.5
    at: str = "body"
    fired: int = 0
    _route_re: re.Pattern[str] | None = field(default=None, repr=False)

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule applies to this request (before probability and count)."""
        if self.count is not None and self.count <= 0:
            return False
        if self.method and self.method != method.upper():
            return False
        return not (self._route_re is not None and not self._route_re.search(path))

    def latency_seconds(self, rng: random.Random) -> float:
        """The delay to apply: fixed ``ms``, or uniform in [``ms``, ``ms_max``]."""
        if self.ms_max is not None and self.ms_max > self.ms:
            return rng.uniform(self.ms, self.ms_max) / 1000
        return self.ms / 1000

    def as_dict(self) -> dict[str, Any]:
        """The rule as JSON, with how often it has fired and how many hits remain."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind,
                               "probability": self.probability, "fired": self.fired}
        for name in ("route", "method", "count"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.kind in ("latency",):
            out["ms"] = self.ms
            if self.ms_max is not None:
                out["ms_max"] = self.ms_max
        if self.kind == "status":
            out["status"] = self.status
            if self.retry_after is not None:
                out["retry_after"] = self.retry_after
        if self.kind == "trickle":
            out["bytes_per_s"] = self.bytes_per_s
        if self.kind == "drop":
            out["at"] = self.at
        if self.kind == "truncate":
            out["keep"] = self.keep
        return out


def _number(raw: Mapping[str, Any], name: str, kind: type, low: float, high: float,
            default: Any) -> Any:
    value = raw.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FaultError(f"fault field {name!r} must be a number, got {value!r}")
    if kind is int and value != int(value):
        raise FaultError(f"fault field {name!r} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise FaultError(f"fault field {name!r} must be between {low:g} and {high:g}, "
                         f"got {value!r}")
    return kind(value)


def parse_fault(raw: Any, fault_id: int, kinds: Sequence[str]) -> Fault:
    """Check one fault dict and build the rule; :class:`FaultError` names what is wrong."""
    if not isinstance(raw, Mapping):
        raise FaultError(f"a fault must be a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise FaultError(f"unknown fault field(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(_FIELDS - {'id'}))}")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        raise FaultError(f"fault kind must be one of {', '.join(kinds)}, got {kind!r}")
    route = raw.get("route")
    route_re = None
    if route is not None:
        if not isinstance(route, str):
            raise FaultError(f"fault field 'route' must be a regular expression string, "
                             f"got {route!r}")
        try:
            route_re = re.compile(route)
        except re.error as exc:
            raise FaultError(f"fault field 'route' is not a valid regular expression: "
                             f"{exc}") from None
    method = raw.get("method")
    if method is not None and (not isinstance(method, str) or not method.isalpha()):
        raise FaultError(f"fault field 'method' must be an HTTP method, got {method!r}")
    at = raw.get("at", "body")
    if at not in DROP_POINTS:
        raise FaultError(f"fault field 'at' must be one of {', '.join(DROP_POINTS)}, got {at!r}")
    fault = Fault(
        id=fault_id, kind=kind, at=at,
        probability=_number(raw, "probability", float, 0, 1, 1.0),
        route=route, method=method.upper() if method else None,
        count=_number(raw, "count", int, 1, 1_000_000, None),
        ms=_number(raw, "ms", int, 0, 600_000, 0),
        ms_max=_number(raw, "ms_max", int, 0, 600_000, None),
        status=_number(raw, "status", int, 100, 599, 503),
        retry_after=_number(raw, "retry_after", float, 0, 86_400, None),
        bytes_per_s=_number(raw, "bytes_per_s", int, 1, 1_000_000_000, 1000),
        keep=_number(raw, "keep", float, 0, 1, 0.5),
        _route_re=route_re,
    )
    if fault.ms_max is not None and fault.ms_max < fault.ms:
        raise FaultError(f"fault field 'ms_max' ({fault.ms_max}) is below 'ms' ({fault.ms})")
    return fault


class FaultStore:
    """The app's active fault rules; thread-safe, since waitress serves from many threads."""

    def __init__(self, kinds: Iterable[str] = (), seed: int | None = None) -> None:
        self.kinds = tuple(BUILTIN_KINDS) + tuple(k for k in kinds if k not in BUILTIN_KINDS)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._next_id = 1
        self.rng = random.Random(seed)

    def add(self, raws: Any) -> list[Fault]:
        """Add one fault dict or a list of them; all or none (a bad one adds nothing)."""
        items = raws if isinstance(raws, list) else [raws]
        with self._lock:
            built = [parse_fault(raw, self._next_id + i, self.kinds)
                     for i, raw in enumerate(items)]
            self._next_id += len(built)
            self._faults.extend(built)
        return built

    def remove(self, fault_id: int) -> bool:
        """Remove one rule by id; False when there is none with that id."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        """Every rule as JSON, spent ones included (their ``count`` is 0)."""
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def pick(self, method: str, path: str, kinds: Iterable[str] = BUILTIN_KINDS
             ) -> Fault | None:
        """The first rule of ``kinds`` that hits this request (rolling its probability),
        counted as fired.

        Paths under ``/_admin`` are never faulted: the harness must always reach the controls.
        Mock-handled kinds are picked only when the view asks (:func:`mocks.base.take_fault`),
        so a ``truncate`` rule is never spent on a request that could not apply it.
        """
        if not self._faults or path.startswith("/_admin"):
            return None  # (no rules: the usual case, decided without the lock)
        wanted = set(kinds)
        with self._lock:
            for fault in self._faults:
                if fault.kind not in wanted or not fault.matches(method, path):
                    continue
                if fault.probability < 1 and self.rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                if fault.count is not None:
                    fault.count -= 1
                return fault
        return None
