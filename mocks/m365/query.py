"""OData query options on ``GET /v1.0/users``: ``$filter``, ``$select``, ``$top``, paging.

``$filter`` takes ``eq`` on userPrincipalName, id, mailNickname, displayName, department,
jobTitle, usageLocation and accountEnabled, ``startswith(prop,'x')`` on the string ones, joined
by ``and`` — the part of Graph's filter syntax that account provisioning uses.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from mocks.m365.errors import GraphError
from mocks.m365.store import DEFAULT_SELECT, SELECTABLE

EQ_PROPS = {"userPrincipalName", "id", "mailNickname", "displayName", "department",
            "jobTitle", "usageLocation", "accountEnabled", "givenName", "surname"}
STARTS_PROPS = {"userPrincipalName", "mailNickname", "displayName", "givenName", "surname"}
MAX_TOP = 999
DEFAULT_TOP = 100

_STRING = r"'((?:[^']|'')*)'"
_EQ = re.compile(rf"^\s*(\w+)\s+eq\s+(?:{_STRING}|(true|false))\s*$", re.IGNORECASE)
_STARTS = re.compile(rf"^\s*startswith\(\s*(\w+)\s*,\s*{_STRING}\s*\)\s*$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)", re.IGNORECASE)


@dataclass
class UserQuery:
    """A parsed user listing: SQL conditions, selected properties, page size and position."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    select: tuple[str, ...] = DEFAULT_SELECT
    top: int = DEFAULT_TOP
    after_seq: int = 0
    count: bool = False


def _prop(name: str, allowed: set[str]) -> str:
    for prop in allowed:
        if prop.lower() == name.lower():
            return prop
    raise GraphError(400, "Request_UnsupportedQuery", f"Unsupported or invalid query filter "
                     f"clause specified for property '{name}' of resource 'User'.")


def parse_filter(text: str) -> tuple[list[str], list[Any]]:
    """SQL conditions and parameters for a ``$filter`` expression."""
    where: list[str] = []
    params: list[Any] = []
    for clause in _AND.split(text.strip()):
        if m := _EQ.match(clause):
            prop = _prop(m.group(1), EQ_PROPS)
            if prop == "accountEnabled":
                if m.group(3) is None:
                    raise GraphError(400, "BadRequest", "A binary operator with incompatible "
                                     "types was detected. Found operand types 'Edm.Boolean' "
                                     "and 'Edm.String' for operator kind 'Equal'.")
                where.append("accountEnabled = ?")
                params.append(int(m.group(3).lower() == "true"))
                continue
            if m.group(2) is None:
                raise GraphError(400, "BadRequest", "A binary operator with incompatible types "
                                 "was detected. Found operand types 'Edm.String' and "
                                 "'Edm.Boolean' for operator kind 'Equal'.")
            collate = " COLLATE NOCASE" if prop == "userPrincipalName" else ""
            where.append(f"{prop} = ?{collate}")
            params.append(m.group(2).replace("''", "'"))
        elif m := _STARTS.match(clause):
            prop = _prop(m.group(1), STARTS_PROPS)
            value = m.group(2).replace("''", "'")
            # startswith is case-insensitive in Graph; escape LIKE's wildcards in the value
            escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(f"{prop} LIKE ? ESCAPE '\\'")
            params.append(escaped + "%")
        else:
            raise GraphError(400, "BadRequest", f"Invalid filter clause: the clause "
                             f"'{clause.strip()}' is not supported (use eq or startswith, "
                             "joined by and).")
    return where, params


def parse_select(text: str) -> tuple[str, ...]:
    """Properties named by ``$select`` (comma-separated); unknown names are a 400."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise GraphError(400, "BadRequest", "Invalid $select: it names no property.")
    out = []
    for name in names:
        match = next((p for p in SELECTABLE if p.lower() == name.lower()), None)
        if match is None:
            raise GraphError(400, "BadRequest", f"Parsing OData Select and Expand failed: "
                             f"Could not find a property named '{name}' on type "
                             "'microsoft.graph.user'.")
        out.append(match)
    return tuple(dict.fromkeys(out))


def parse_top(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_TOP:
        raise GraphError(400, "Request_BadRequest", f"Invalid page size specified: "
                         f"'{text}'. Must be between 1 and {MAX_TOP} inclusive.")
    return int(text)


def encode_skiptoken(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind == "seq" and value.isdigit():
            return int(value)
    except (ValueError, UnicodeDecodeError):
        pass
    raise GraphError(400, "Request_BadRequest", "The specified page token value has expired "
                     "or is not valid.")


KNOWN_OPTIONS = {"$filter", "$select", "$top", "$skiptoken", "$count", "$orderby"}


def parse_user_query(args: Any) -> UserQuery:
    """Parse the query string of a user listing (``request.args``)."""
    query = UserQuery()
    for name in args:
        if name.startswith("$") and name not in KNOWN_OPTIONS:
            raise GraphError(400, "BadRequest", f"Query option '{name}' is not supported on "
                             "this resource.")
    if "$filter" in args:
        query.where, query.params = parse_filter(args["$filter"])
    if "$select" in args:
        query.select = parse_select(args["$select"])
    if "$top" in args:
        query.top = parse_top(args["$top"])
    if "$skiptoken" in args:
        query.after_seq = decode_skiptoken(args["$skiptoken"])
    if "$count" in args:
        if args["$count"] not in ("true", "false"):
            raise GraphError(400, "BadRequest", f"Invalid value '{args['$count']}' for "
                             "$count: use true or false.")
        query.count = args["$count"] == "true"
    if "$orderby" in args:
        raise GraphError(400, "Request_UnsupportedQuery", "Sorting not supported for current "
                         "query.")
    return query


def project(user: dict[str, Any], select: tuple[str, ...]) -> dict[str, Any]:
    """The user with only the selected properties, in the order asked."""
    return {name: user.get(name) for name in select}
