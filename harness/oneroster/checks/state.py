"""What the checker remembers across rows and files: ids, kinds, and cross-file facts."""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Generic, TypeVar

from harness.oneroster.checks.values import uuid_lines

K = TypeVar("K")
V = TypeVar("V")
_HEX_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def compact_keys(values: Sequence[str]) -> list[str | int]:
    """``values`` as smaller dict keys: a lower-case hex 8-4-4-4-12 UUID becomes its 128-bit
    integer (48 bytes instead of an 85-byte str); any other value stays as it is.

    Two values are equal exactly when their keys are (an int never equals a str), so a map
    keyed by these finds the same duplicates; findings quote the original values.
    """
    if uuid_lines("\n".join(values), len(values)):
        # the usual column, converted in C: strip the dashes, read base 16
        return list(map(int, map(str.replace, values, repeat("-"), repeat("")), repeat(16)))
    return [int(v.replace("-", ""), 16) if _HEX_UUID.fullmatch(v) else v for v in values]


def first_lines(seen: dict[K, V], keys: Iterable[K], values: list[V]) -> list[V] | None:
    """Remember each key of ``keys`` not yet in ``seen`` with its value (from ``values``, in
    order); None when every key was new (the usual case), else what ``seen`` holds for each
    key afterwards: a key met before (in ``seen`` or earlier in ``keys``) has its first value.

    One probe of ``seen`` per key, in C (``setdefault``): a fresh dict, a disjointness test and
    an update probed the big maps twice and built a third.
    """
    firsts = list(map(seen.setdefault, keys, values))
    return None if firsts == values else firsts


class FirstLines(Generic[K, V]):
    """Each key met so far and the value (line) it was first met with, for a duplicate check
    whose keys almost never repeat: :meth:`add` answers as :func:`first_lines` on
    :meth:`mapping` does.

    Until a key repeats, the keys are a set, and keys and values are also kept in order in two
    lists; the dict is built from those on the first repeat (or when :meth:`mapping` is asked
    for) and is the one store from then on. A set keeps each key's hash next to it: a new key
    costs one probe of its table, where a dict probes its index, then an entry (then, for a str
    key, the key's own hash). Users' master ids and userIds (230k keys at 10x), CPU-s at 1x ->
    10x: their hook 0.019 -> 0.30 as dicts, 0.020 -> 0.24 as sets (a str-keyed dict's insert
    447 ns a key at 230k keys against 221 at 23k; a set's 120 and 84). Not for roles' and
    enrollments' keys: a set frees its keys in hash order, at random over the heap (a dict in
    the order they came), which cost more at roles.csv's end than the probes saved.
    """

    __slots__ = ("_seen", "_keys", "_values", "_map")

    def __init__(self) -> None:
        self._seen: set[K] = set()
        self._keys: list[K] = []
        self._values: list[V] = []
        self._map: dict[K, V] | None = None

    def add(self, keys: Sequence[K], values: list[V]) -> list[V] | None:
        """Remember each new key of ``keys`` with its value; None when every key was new (the
        usual case), else the first value of each key (see :func:`first_lines`)."""
        if self._map is None:
            seen = self._seen
            before = len(seen)
            seen.update(keys)
            if len(seen) - before == len(keys):
                self._keys += keys
                self._values += values
                return None
        return first_lines(self.mapping(), keys, values)

    def mapping(self) -> dict[K, V]:
        """The keys met so far, in order, each with its first value (from now on the one
        store: later :meth:`add` calls probe it)."""
        if self._map is None:
            self._map = dict(zip(self._keys, self._values, strict=True))
            self._seen, self._keys, self._values = set(), [], []
        return self._map

    def in_order(self) -> tuple[list[K], list[V]]:
        """The keys met so far in the order first met, and their first values (the lists
        kept while no key repeated, not copies: nothing may change them)."""
        if self._map is None:
            return self._keys, self._values
        return list(self._map), list(self._map.values())

    def __contains__(self, key: object) -> bool:
        return key in (self._seen if self._map is None else self._map)


@dataclass
class PendingRef:
    file: str
    field: str
    column: int
    line: int
    value: str
    target: str
    kind: str | None


#: A user as the cross-file maps key it: the first line of its sourcedId in users.csv (an int
#: object users.csv's id map already holds), or the referencing value itself when no user has it.
UserKey = int | str

#: A row's key for :func:`first_lines_by_user` past its user: its other values, then its line.
Entry = tuple[str | int, ...]


def first_lines_by_user(first: dict[UserKey, Entry], more: dict[Entry, int],
                        users: Sequence[UserKey], entries: list[Entry]) -> list[int] | None:
    """:func:`first_lines` over the keys ``(user, *entry[:-1])`` with their lines
    ``entry[-1]``, kept as ``first`` (each user's first key: user -> its entry) and ``more``
    (the other keys of a user met again: key -> first line).

    A user's line is its key, so users in users.csv's order fill ``first`` in the order of its
    table (an int's hash is itself): no random probe, where a (user, class, role) tuple's hash
    lands anywhere in a table of 230k keys. None when every key was new; only the rows of a
    user met before are looked at one by one.
    """
    met = list(map(first.setdefault, users, entries))
    if met == entries:  # every user new (an older entry never equals a later row's: lines)
        return None
    out: list[int] = []
    for user, entry, seen in zip(users, entries, met, strict=True):
        line: int = entry[-1]  # type: ignore[assignment]
        if seen is entry:
            out.append(line)
        elif seen[:-1] == entry[:-1]:
            out.append(seen[-1])  # type: ignore[arg-type]
        else:
            out.append(more.setdefault((user, *entry[:-1]), line))
    return None if out == [e[-1] for e in entries] else out


@dataclass
class BundleState:
    """Facts gathered while streaming, for references and cross-file rules.

    Only keys and small tuples are kept (no rows), so memory grows with the number of records,
    not their width.
    """

    #: one str object per distinct reference value (orgs, classes, terms, roles): the maps
    #: below share them. Users' ids are not in it: the maps key users by :data:`UserKey`.
    canonical: dict[str, str] = field(default_factory=dict)
    #: sourcedId -> first line, per file (keys by :func:`compact_keys` for roles, enrollments;
    #: by :data:`UserKey` for demographics); users' are :attr:`users` (:meth:`id_map`)
    ids: dict[str, dict[str | int, int]] = field(default_factory=lambda: defaultdict(dict))
    #: users' sourcedIds -> first line: a set (and the ids and lines in order) until one
    #: repeats or is blank, a dict from then on. Once users.csv is read, a chunk in its order
    #: is keyed from :attr:`user_order` without a probe (:meth:`user_keys`), so the dict is
    #: built only if a reference comes in another order (or a repeat or a blank id made it).
    #: A set's insert is one probe of its table; 228k ids at 10x were a dict's 26x its 1x cost
    users: FirstLines[str, int] = field(default_factory=FirstLines)
    kinds: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    complete: set[str] = field(default_factory=set)
    pending: list[PendingRef] = field(default_factory=list)
    #: school org sourcedId → the first two characters of its 学校コード (B1, C1, C2 …)
    school_kind: dict[str, str] = field(default_factory=dict)
    school_codes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    #: lower-cased userMasterIdentifier (by :func:`compact_keys`) -> first line
    user_master_ids: FirstLines[str | int, int] = field(default_factory=FirstLines)
    #: each userIds element -> the users.csv line it was first met on
    user_id_values: FirstLines[str, int] = field(default_factory=FirstLines)
    #: users.csv line -> its user's key, for the lines whose key is not the line itself (a
    #: repeated or blank sourcedId): whose line a userIds element was first met on
    user_line_owner: dict[int, UserKey] = field(default_factory=dict)
    #: user → its homeClass, until an enrollment in that class is read; (homeClass, line,
    #: sourcedId) when the row is not on its key's line (a repeated or blank sourcedId): a
    #: tuple per user cost 15 MB at 10x
    home_class: dict[UserKey, str | tuple[str, int, str]] = field(default_factory=dict)
    #: users.csv's homeClass column (1-based)
    home_column: int = 0
    #: each user's first primary role (org, line) and the (user, org) of its others → their
    #: lines, while roles.csv is read (:func:`first_lines_by_user`)
    primary_roles: dict[UserKey, Entry] = field(default_factory=dict)
    more_primary_roles: dict[Entry, int] = field(default_factory=dict)
    #: the users with a primary role, kept past roles.csv only when a secondary role needs them
    primary_users: set[UserKey] = field(default_factory=set)
    secondary_only: dict[str, int] = field(default_factory=dict)
    #: 1 at the line of each user (its key) some role names: a byte per users.csv line, in
    #: place of a set of 230k ints probed at random
    users_with_roles: bytearray = field(default_factory=bytearray)
    #: each user's first enrollment (class, role, line) and the (user, class, role) of its
    #: others → their lines, while enrollments.csv is read (:func:`first_lines_by_user`)
    enrollment_keys: dict[UserKey, Entry] = field(default_factory=dict)
    more_enrollment_keys: dict[Entry, int] = field(default_factory=dict)
    #: ids already judged lower-case UUID v4 (OR701), so each is judged once per bundle
    uuid4_ok: set[str] = field(default_factory=set)
    #: orgs.csv has a district with an identifier (OR714)
    district_code: bool = False
    #: once users.csv is read, each user's sourcedId and key (its first line: the int object
    #: :attr:`users` holds) in users.csv's order: a referencing chunk in that order is keyed by
    #: one slice and one comparison (:meth:`user_keys`), from where the last chunk ended or
    #: from the first user (:attr:`_user_next`)
    user_order: list[str] = field(default_factory=list)
    user_lines: list[int] = field(default_factory=list)
    _user_next: int = field(default=0, repr=False)
    #: the column :meth:`user_keys` was last asked for, its keys and its dangling values
    _keyed: tuple[tuple[str, ...] | None, list[UserKey], set[str]] = field(
        default_factory=lambda: (None, [], set()), repr=False)

    def mark_roles(self, keys: list[UserKey]) -> None:
        """Note in :attr:`users_with_roles` the users of ``keys`` (a str key is no user's)."""
        lines = keys if set(map(type, keys)) == {int} else [k for k in keys if type(k) is int]
        if not lines:
            return
        marks, top = self.users_with_roles, max(lines)  # type: ignore[type-var]
        if top >= len(marks):
            marks.extend(bytes(top + 1 - len(marks)))
        deque(map(marks.__setitem__, lines, repeat(1)), maxlen=0)  # the loop in C

    def file_done(self, name: str) -> None:
        """Let go of what only ``name``'s own pass needed, once it is read: the heap the next
        files fill is then the one these maps leave, not a larger one (nothing refers to
        roles', enrollments' or demographics' ids; users.csv alone has master ids, userIds)."""
        if name == "users":
            self.user_master_ids, self.user_id_values = FirstLines(), FirstLines()
            self.user_line_owner = {}
            self.user_order, self.user_lines = self.users.in_order()
        elif name == "roles":
            self.ids.pop("roles", None)
            if self.secondary_only:
                self.primary_users = set(self.primary_roles)
            self.primary_roles, self.more_primary_roles = {}, {}
        elif name == "demographics" and "demographics" in self.ids:
            # what crossfile.finish reads: the sourcedIds no user has (OR604)
            demo = self.ids["demographics"]
            self.ids["demographics"] = {k: v for k, v in demo.items() if isinstance(k, str)}
        elif name == "enrollments":
            self.ids.pop("enrollments", None)
            self.enrollment_keys, self.more_enrollment_keys = {}, {}

    def id_map(self, target: str) -> Container[object]:
        """The sourcedIds read from ``target`` (empty if it was not read)."""
        return self.users if target == "users" else self.ids.get(target, {})

    def keyed_as_read(self, col: tuple[str, ...], lines: list[int]) -> None:
        """Note that ``col``, users.csv's own sourcedIds at ``lines``, were all new: each
        user's key is its line (the users.csv hooks' :meth:`user_keys` then probe nothing)."""
        self._keyed = (col, lines, set())  # type: ignore[assignment]

    def user_keys(self, col: tuple[str, ...]) -> tuple[list[UserKey], set[str]]:
        """Each value of ``col`` (users' sourcedIds) as a :data:`UserKey`, and the non-blank
        values no user has. One probe of users.csv's id map per value; the reference pass and
        the hooks of a chunk share the answer (kept for the last column asked for).

        Keying by the users' own line ints instead of the referencing strings spares a probe
        of the shared-string map per reference, and the maps' tuples and sets then hash ints
        read in users.csv's order instead of strings scattered over the heap.
        """
        keyed = self._keyed
        if keyed[0] is col:
            return keyed[1], keyed[2]
        # a chunk in users.csv's order (roles, demographics, often enrollments): its values
        # are the sourcedIds from where the last such chunk ended (or from the first user)
        # on; no probe at all
        n, values, order = len(col), list(col), self.user_order
        for start in (self._user_next, 0):
            if order[start:start + n] == values and n:
                self._user_next = start + n
                lines: list[UserKey] = self.user_lines[start:start + n]  # type: ignore[assignment]
                self._keyed = (col, lines, set())
                return lines, set()
        keys: list[UserKey | None] = list(map(self.users.mapping().get, col))
        dangling: set[str] = set()
        if None in keys:
            keys = [v if k is None else k for k, v in zip(keys, col, strict=True)]
            dangling = {k for k in keys if isinstance(k, str)}
            dangling.discard("")
        self._keyed = (col, keys, dangling)  # type: ignore[assignment]
        return keys, dangling  # type: ignore[return-value]
