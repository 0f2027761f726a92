"""An in-memory OneRoster bundle: the manifest and each file's rows as dicts.

Rows map the spec's exact column names to strings (or, for the writer's convenience, lists for
list columns and bools for booleans). Use it for bundles that fit in memory; the checker streams
instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

Row = dict[str, object]


@dataclass
class Bundle:
    """A OneRoster CSV bundle.

    :param tables: file name without ``.csv`` (``users``) → rows.
    :param modes: file name → ``bulk`` or ``delta``; files without rows are ``absent``.
    :param manifest_extra: optional manifest properties such as ``source.systemName``.
    """

    profile: str = "jp-eportal-v4"
    tables: dict[str, list[Row]] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)
    manifest_extra: dict[str, str] = field(default_factory=dict)

    def rows(self, name: str) -> list[Row]:
        return self.tables.setdefault(name, [])

    def add(self, name: str, rows: Iterable[Row], *, mode: str = "bulk") -> None:
        self.rows(name).extend(rows)
        self.modes.setdefault(name, mode)

    def mode(self, name: str) -> str:
        if not self.tables.get(name):
            return "absent"
        return self.modes.get(name, "bulk")


def split_list(value: str) -> list[str]:
    """Split a OneRoster list field (``"P1,P2"``) into its elements; blank gives ``[]``."""
    return value.split(",") if value else []


def join_list(values: Iterable[object]) -> str:
    return ",".join(str(v) for v in values)


def format_value(value: object) -> str:
    """The CSV text of one value: lists joined by commas, booleans lower-case, None blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return join_list(value)
    return str(value)
