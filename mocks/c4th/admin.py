"""c4th's own admin endpoints: the city, life events and the board's password file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import BadRequest

from fixtures import BUILTIN, City, generate_city, load_profile, parse_quirks
from fixtures.events import EVENTS, apply_event
from harness.accounts.passwords import render_password_file
from harness.core.gcpause import no_cyclic_gc
from mocks.base import db_transaction, get_db, json_body
from mocks.c4th.passwords import entries_for, password_file_name
from mocks.c4th.store import changing_city, city_summary, replace_city, require_city

bp = Blueprint("c4th_admin", __name__, url_prefix="/_admin")

#: the contract's event names (snake_case) → fixtures' names (fixtures.events.EVENTS)
EVENT_NAMES = {name.replace("-", "_"): name for name in EVENTS}


def _date(value: Any, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a date like 2025-05-01, got {value!r}") from None


# a city's records at once: the cyclic collector's full passes would rescan them as they grow
@no_cyclic_gc()
def seed(payload: dict[str, Any]) -> dict[str, Any]:
    """Build the city: ``{"profile", "seed", "as_of", "quirks"}``, or ``{"city": <saved>}``."""
    if "city" in payload:
        try:
            city = City.from_json(payload["city"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequest(f"'city' is not a saved city (City.save form): {exc}") from None
    else:
        unknown = set(payload) - {"profile", "seed", "as_of", "quirks"}
        if unknown:
            raise BadRequest(f"unknown seed field(s) {', '.join(sorted(unknown))}; known: "
                             "profile, seed, as_of, quirks (or city)")
        profile_name = payload.get("profile", "small")
        if profile_name not in BUILTIN:
            # never a file path: the seed comes over HTTP
            raise BadRequest(f"profile must be one of {', '.join(BUILTIN)}, "
                             f"got {profile_name!r}")
        seed_value = payload.get("seed", 1)
        if isinstance(seed_value, bool) or not isinstance(seed_value, int):
            raise BadRequest(f"seed must be a whole number, got {seed_value!r}")
        quirks_text = payload.get("quirks", "all")
        if not isinstance(quirks_text, str):
            raise BadRequest("quirks must be a string: all, none or a comma-separated list")
        try:
            quirks = parse_quirks(quirks_text)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        as_of = _date(payload["as_of"], "as_of") if "as_of" in payload else None
        city = generate_city(load_profile(profile_name), seed_value, as_of=as_of,
                             quirks=quirks)
    replace_city(city)
    return {"city": city_summary(city)}


def _jsonable(result: Any) -> Any:
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    if isinstance(result, list):
        return [_jsonable(r) for r in result]
    return result


@bp.get("/city")
def city_json() -> Any:
    """The whole city as JSON (the form ``City.save`` writes).

    ``?format=ndjson``: the same city as JSON lines, first everything but the pupils (with
    ``"students": []``), then one pupil a line: a Tsukuba-scale city and larger, read pupil by
    pupil, never held twice as a whole (neither here nor by the reader).
    """
    city = require_city()
    if request.args.get("format") == "ndjson":
        return Response(_city_lines(city), mimetype="application/x-ndjson")
    return jsonify(city.to_json())


def _city_lines(city: City) -> Iterator[bytes]:
    head = city.to_json(students=False)
    yield json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    for row in city.student_rows():
        yield json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@bp.post("/events")
def events() -> Any:
    """Apply a life event: ``{"event": "transfer", "args": {"student": "<umi>"}}``.

    ``"count": N`` applies it N times (pupils drawn from the city's seed, as ``renkei city
    event --count``) and answers a list of results; ``"as_of"`` moves the city's date first.
    For ``transfer``, ``school`` is accepted for ``to_school``.
    """
    payload = json_body()
    if not isinstance(payload, dict):
        raise BadRequest("expected a JSON object {\"event\": ..., \"args\": {...}}")
    name = payload.get("event")
    if not isinstance(name, str) or name.replace("-", "_") not in EVENT_NAMES:
        raise BadRequest(f"event must be one of {', '.join(EVENT_NAMES)}, got {name!r}")
    event = EVENT_NAMES[name.replace("-", "_")]
    spec = EVENTS[event]
    args = payload.get("args", {}) or {}
    if not isinstance(args, dict):
        raise BadRequest("args must be a JSON object")
    args = spec.resolve(args)  # "school" names a transfer's target
    count = payload.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1000:
        raise BadRequest(f"count must be a whole number 1-1000, got {count!r}")
    unknown = set(args) - set(spec.args)
    if unknown:
        allowed = ", ".join(sorted(spec.args)) or "none"
        raise BadRequest(f"unknown argument(s) {', '.join(sorted(unknown))} for {name}; "
                         f"allowed: {allowed}")
    if not all(v is None or isinstance(v, str) for v in args.values()):
        raise BadRequest("event arguments must be strings")
    as_of = _date(payload["as_of"], "as_of") if "as_of" in payload else None
    with no_cyclic_gc(), changing_city() as (city, _conn):  # (the city's records: see seed)
        if as_of is not None:
            if as_of < city.as_of:
                raise BadRequest(f"as_of {as_of} is before the city's date {city.as_of}")
            city.as_of = as_of
        results = []
        for _ in range(count):
            try:
                results.append(apply_event(city, event, **args))
            except (KeyError, ValueError) as exc:
                message = exc.args[0] if exc.args else str(exc)
                raise BadRequest(f"{name}: {message}") from None
    result = results[0] if "count" not in payload else results
    return jsonify({"result": _jsonable(result), "city": city_summary(city)})


@bp.get("/password-file")
def password_file() -> Any:
    """The board's ID・初期パスワード CSV; ``?only=new``: pupils in no earlier file."""
    only = request.args.get("only", "all")
    if only not in ("all", "new"):
        raise BadRequest(f"only must be 'all' or 'new', got {only!r}")
    get_db()  # the database lock (memory databases) before the city's
    city = require_city()
    with db_transaction() as conn:
        issued = None
        if only == "new":
            issued = {r[0] for r in conn.execute("SELECT umi FROM password_issued")}
        entries = entries_for(city, issued)
        cur = conn.execute("INSERT INTO password_files (entries, only_new) VALUES (?, ?)",
                           (len(entries), int(only == "new")))
        conn.executemany("INSERT OR IGNORE INTO password_issued (umi, file_serial) "
                         "VALUES (?, ?)",
                         [(e.user_master_identifier, cur.lastrowid) for e in entries])
    resp = Response(render_password_file(entries), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="{password_file_name(city)}"')
    resp.headers["Cache-Control"] = "no-store"
    return resp
