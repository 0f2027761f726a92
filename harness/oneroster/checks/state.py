"""What the checker remembers across rows and files: ids, kinds, and cross-file facts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class PendingRef:
    file: str
    field: str
    column: int
    line: int
    value: str
    target: str
    kind: str | None


@dataclass
class BundleState:
    """Facts gathered while streaming, for references and cross-file rules.

    Only keys and small tuples are kept (no rows), so memory grows with the number of records,
    not their width.
    """

    #: one str object per distinct id or reference value: the maps below share them
    canonical: dict[str, str] = field(default_factory=dict)
    ids: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    kinds: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    complete: set[str] = field(default_factory=set)
    pending: list[PendingRef] = field(default_factory=list)
    #: school org sourcedId → the first two characters of its 学校コード (B1, C1, C2 …)
    school_kind: dict[str, str] = field(default_factory=dict)
    school_codes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    user_master_ids: dict[str, int] = field(default_factory=dict)
    user_id_values: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: users.csv sourcedId → (homeClass, line, column), until an enrollment in that class is read
    home_class: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    primary_roles: dict[tuple[str, str], int] = field(default_factory=dict)
    secondary_only: dict[str, int] = field(default_factory=dict)
    users_with_roles: set[str] = field(default_factory=set)
    enrollment_keys: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: ids already judged lower-case UUID v4 (OR701), so each is judged once per bundle
    uuid4_ok: set[str] = field(default_factory=set)
    #: orgs.csv has a district with an identifier (OR714)
    district_code: bool = False
