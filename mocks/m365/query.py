"""OData query options on ``GET /v1.0/users``: ``$filter``, ``$select``, ``$top``,
``$orderby``, ``$search``, ``$count`` and paging.

``$filter`` takes ``eq``, ``in`` and ``startswith`` on the properties Graph lets it filter,
and (advanced queries, with ``ConsistencyLevel: eventual``) ``ne`` and ``endswith`` on
userPrincipalName and mail, joined by ``and`` / ``or``. ``$orderby`` sorts by displayName or
userPrincipalName; ``$search`` matches ``"property:text"`` tokens and needs the header too.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from mocks.m365.errors import GraphError
from mocks.m365.store import DEFAULT_SELECT, EXTRA_STRINGS, SELECTABLE

#: properties Graph lets $filter use (eq, ne, in; startswith on the strings)
EQ_PROPS = {"userPrincipalName", "id", "mailNickname", "displayName", "department",
            "jobTitle", "usageLocation", "accountEnabled", "givenName", "surname",
            "employeeId", "employeeType", "mail", "officeLocation", "preferredLanguage",
            "companyName", "city", "state", "country", "postalCode", "ageGroup",
            "consentProvidedForMinor", "mobilePhone"}
STARTS_PROPS = EQ_PROPS - {"accountEnabled", "id"}
#: endswith is an advanced query in Graph: these properties only, with ConsistencyLevel
ENDS_PROPS = {"userPrincipalName", "mail"}
ORDER_PROPS = {"displayName", "userPrincipalName"}
#: $search tokens Graph accepts on users
SEARCH_PROPS = {"displayName", "givenName", "surname", "mail", "userPrincipalName",
                "mailNickname", "jobTitle", "department", "employeeId"}
MAX_TOP = 999
DEFAULT_TOP = 100

_STRING = r"'((?:[^']|'')*)'"
_LITERAL = rf"(?:{_STRING}|(true|false))"
_CMP = re.compile(rf"^\s*(\w+)\s+(eq|ne)\s+{_LITERAL}\s*$", re.IGNORECASE)
_FUNC = re.compile(rf"^\s*(startswith|endswith)\(\s*(\w+)\s*,\s*{_STRING}\s*\)\s*$",
                   re.IGNORECASE)
_IN = re.compile(rf"^\s*(\w+)\s+in\s+\(\s*({_STRING}(?:\s*,\s*{_STRING})*)\s*\)\s*$",
                 re.IGNORECASE)
_JOIN = re.compile(r"\s+(and|or)\s+(?=(?:[^']*'[^']*')*[^']*$)", re.IGNORECASE)
_SEARCH = re.compile(r'"(\w+):([^"]*)"')
ADVANCED = ("Operator '{op}' is not supported because the required parameters might be "
            "missing. Try adding $count with a value of true and setting the "
            "ConsistencyLevel header to eventual.")
EXTRA_COLUMNS = frozenset(EXTRA_STRINGS)


@dataclass
class UserQuery:
    """A parsed user listing: SQL conditions, selected properties, order, page size and
    position (``after_seq`` when ordered by creation, ``offset`` under ``$orderby``)."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    select: tuple[str, ...] = DEFAULT_SELECT
    top: int = DEFAULT_TOP
    after_seq: int = 0
    offset: int = 0
    order: str = ""
    count: bool = False


def _prop(name: str, allowed: set[str]) -> str:
    for prop in allowed:
        if prop.lower() == name.lower():
            return prop
    raise GraphError(400, "Request_UnsupportedQuery", f"Unsupported or invalid query filter "
                     f"clause specified for property '{name}' of resource 'User'.")


def column(prop: str) -> str:
    """The SQL expression of a user property (a column, or a field of ``props``)."""
    return f"json_extract(props, '$.{prop}')" if prop in EXTRA_COLUMNS else prop


def _unquote(value: str) -> str:
    return value.replace("''", "'")


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _clause(clause: str, eventual: bool) -> tuple[str, list[Any]]:
    """One comparison of a ``$filter`` as SQL and its parameters."""
    if m := _CMP.match(clause):
        prop, op = _prop(m.group(1), EQ_PROPS), m.group(2).lower()
        if op == "ne" and not eventual:
            raise GraphError(400, "Request_UnsupportedQuery", ADVANCED.format(op="ne"))
        sql_op = "=" if op == "eq" else "IS NOT"
        if prop == "accountEnabled":
            if m.group(4) is None:
                raise GraphError(400, "BadRequest", "A binary operator with incompatible "
                                 "types was detected. Found operand types 'Edm.Boolean' "
                                 "and 'Edm.String' for operator kind 'Equal'.")
            return f"accountEnabled {sql_op} ?", [int(m.group(4).lower() == "true")]
        if m.group(3) is None:
            raise GraphError(400, "BadRequest", "A binary operator with incompatible types "
                             "was detected. Found operand types 'Edm.String' and "
                             "'Edm.Boolean' for operator kind 'Equal'.")
        collate = " COLLATE NOCASE" if prop in ("userPrincipalName", "mail") else ""
        return f"{column(prop)} {sql_op} ?{collate}", [_unquote(m.group(3))]
    if m := _FUNC.match(clause):
        func = m.group(1).lower()
        if func == "endswith" and not eventual:
            raise GraphError(400, "Request_UnsupportedQuery", ADVANCED.format(op="endsWith"))
        prop = _prop(m.group(2), STARTS_PROPS if func == "startswith" else ENDS_PROPS)
        value = _like(_unquote(m.group(3)))
        # startswith/endswith are case-insensitive in Graph (LIKE is, for ASCII)
        pattern = value + "%" if func == "startswith" else "%" + value
        return f"{column(prop)} LIKE ? ESCAPE '\\'", [pattern]
    if m := _IN.match(clause):
        prop = _prop(m.group(1), EQ_PROPS - {"accountEnabled"})
        values = [_unquote(v) for v in re.findall(_STRING, m.group(2))]
        collate = " COLLATE NOCASE" if prop in ("userPrincipalName", "mail") else ""
        marks = ", ".join("?" for _ in values)
        return f"{column(prop)}{collate} IN ({marks})", values
    raise GraphError(400, "BadRequest", f"Invalid filter clause: the clause "
                     f"'{clause.strip()}' is not supported (use eq, ne, in, startswith or "
                     "endswith, joined by and / or).")


def parse_filter(text: str, *, eventual: bool = False) -> tuple[list[str], list[Any]]:
    """SQL conditions and parameters for a ``$filter`` expression (and binds tighter than or,
    in OData as in SQL)."""
    parts = _JOIN.split(text.strip())
    sql: list[str] = []
    params: list[Any] = []
    for i, part in enumerate(parts):
        if i % 2:
            sql.append(part.upper())
            continue
        clause, values = _clause(part, eventual)
        sql.append(clause)
        params += values
    return [f"({' '.join(sql)})"], params


def parse_search(text: str, *, eventual: bool) -> tuple[list[str], list[Any]]:
    """``$search="displayName:word"`` (tokens joined by OR / AND): substring matches."""
    if not eventual:
        raise GraphError(400, "Request_UnsupportedQuery", "Request with $search query "
                         "parameter only works through MSGraph with a special request "
                         "header: 'ConsistencyLevel: eventual'")
    terms = _SEARCH.findall(text)
    rest = _SEARCH.sub("", text).strip()
    if not terms or rest.upper().replace("OR", "").replace("AND", "").strip():
        raise GraphError(400, "Request_UnsupportedQuery", "Syntax error: $search must be "
                         "\"property:value\" tokens, e.g. \"displayName:Taro\".")
    joins = re.findall(r'"\s+(AND|OR)\s+"', text.upper())
    sql: list[str] = []
    params: list[Any] = []
    for i, (prop, value) in enumerate(terms):
        if i:
            sql.append(joins[i - 1] if i - 1 < len(joins) else "AND")
        name = next((p for p in SEARCH_PROPS if p.lower() == prop.lower()), None)
        if name is None:
            raise GraphError(400, "Request_UnsupportedQuery", f"Unsupported property "
                             f"'{prop}' in $search on resource 'User'.")
        sql.append(f"{column(name)} LIKE ? ESCAPE '\\'")
        params.append(f"%{_like(value)}%")
    return [f"({' '.join(sql)})"], params


def parse_orderby(text: str) -> str:
    """``$orderby=displayName`` or ``userPrincipalName``, ``asc`` or ``desc``: SQL."""
    name, _, direction = text.strip().partition(" ")
    prop = next((p for p in ORDER_PROPS if p.lower() == name.lower()), None)
    direction = direction.strip().lower() or "asc"
    if prop is None or direction not in ("asc", "desc"):
        raise GraphError(400, "Request_UnsupportedQuery", "Sorting not supported for current "
                         "query.")
    return f"{prop} COLLATE NOCASE {direction.upper()}, seq"


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


def encode_skiptoken(seq: int, kind: str = "seq") -> str:
    """An opaque page token: the last ``seq`` seen, or (``kind="off"``) the next offset."""
    return base64.urlsafe_b64encode(f"{kind}:{seq}".encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind in ("seq", "off", "delta") and value.isdigit():
            return kind, int(value)
    except (ValueError, UnicodeDecodeError):
        pass
    raise GraphError(400, "Request_BadRequest", "The specified page token value has expired "
                     "or is not valid.")


KNOWN_OPTIONS = {"$filter", "$select", "$top", "$skiptoken", "$count", "$orderby", "$search"}


def parse_user_query(args: Any, *, eventual: bool = False) -> UserQuery:
    """Parse the query string of a user listing (``request.args``).

    :param eventual: the request has ``ConsistencyLevel: eventual`` (Graph's advanced
        queries: ``ne``, ``endswith``, ``$search``, ``$count``).
    """
    query = UserQuery()
    for name in args:
        if name.startswith("$") and name not in KNOWN_OPTIONS:
            raise GraphError(400, "BadRequest", f"Query option '{name}' is not supported on "
                             "this resource.")
    if "$filter" in args:
        query.where, query.params = parse_filter(args["$filter"], eventual=eventual)
    if "$search" in args:
        where, params = parse_search(args["$search"], eventual=eventual)
        query.where += where
        query.params += params
    if "$select" in args:
        query.select = parse_select(args["$select"])
    if "$top" in args:
        query.top = parse_top(args["$top"])
    if "$skiptoken" in args:
        kind, value = decode_skiptoken(args["$skiptoken"])
        if kind == "off":
            query.offset = value
        else:
            query.after_seq = value
    if "$count" in args:
        if args["$count"] not in ("true", "false"):
            raise GraphError(400, "BadRequest", f"Invalid value '{args['$count']}' for "
                             "$count: use true or false.")
        query.count = args["$count"] == "true"
    if "$orderby" in args:
        query.order = parse_orderby(args["$orderby"])
    return query


def project(user: dict[str, Any], select: tuple[str, ...]) -> dict[str, Any]:
    """The user with only the selected properties, in the order asked."""
    return {name: user.get(name) for name in select}
