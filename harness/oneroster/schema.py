"""The OneRoster file and column tables, and the profiles built on them, loaded from data.

Nothing here is written per file by hand: ``data/columns.json`` holds the 1EdTech CSV binding's
column tables and ``data/profiles.json`` the Japan profiles' extension columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

MANIFEST = "manifest.csv"

#: Vocabularies the binding lets a vendor extend with an ``ext:`` term (CSV binding §3.1).
EXTENSIBLE: frozenset[tuple[str, str]] = frozenset(
    {
        ("classes", "classType"),
        ("enrollments", "role"),
        ("roles", "role"),
        ("resources", "roles"),
        ("results", "scoreStatus"),
        ("demographics", "sex"),
        ("lineItemLearningObjectiveIds", "source"),
        ("resultLearningObjectiveIds", "source"),
        ("academicSessions", "type"),
        ("orgs", "type"),
    }
)

#: Lists the binding says must have the same length (CSV binding, classes/courses).
PAIRED_LISTS: dict[str, tuple[str, str]] = {
    "classes": ("subjects", "subjectCodes"),
    "courses": ("subjects", "subjectCodes"),
}

#: Referential integrity in a bulk bundle: (file, column) → target file, and the target
#: record's required kind where the spec names one (org type ``school``, session type
#: ``schoolYear``).
REFERENCES: dict[tuple[str, str], tuple[str, str | None]] = {
    ("academicSessions", "parentSourcedId"): ("academicSessions", None),
    ("orgs", "parentSourcedId"): ("orgs", None),
    ("courses", "orgSourcedId"): ("orgs", None),
    ("courses", "schoolYearSourcedId"): ("academicSessions", "schoolYear"),
    ("classes", "courseSourcedId"): ("courses", None),
    ("classes", "schoolSourcedId"): ("orgs", "school"),
    ("classes", "termSourcedIds"): ("academicSessions", None),
    ("users", "primaryOrgSourcedId"): ("orgs", None),
    ("users", "agentSourcedIds"): ("users", None),
    ("users", "metadata.jp.homeClass"): ("classes", None),
    ("roles", "userSourcedId"): ("users", None),
    ("roles", "orgSourcedId"): ("orgs", None),
    ("roles", "userProfileSourcedId"): ("userProfiles", None),
    ("userProfiles", "userSourcedId"): ("users", None),
    ("enrollments", "classSourcedId"): ("classes", None),
    ("enrollments", "schoolSourcedId"): ("orgs", "school"),
    ("enrollments", "userSourcedId"): ("users", None),
    ("courseResources", "courseSourcedId"): ("courses", None),
    ("courseResources", "resourceSourcedId"): ("resources", None),
    ("classResources", "classSourcedId"): ("classes", None),
    ("classResources", "resourceSourcedId"): ("resources", None),
    ("userResources", "userSourcedId"): ("users", None),
    ("userResources", "resourceSourcedId"): ("resources", None),
    ("lineItems", "classSourcedId"): ("classes", None),
    ("lineItems", "schoolSourcedId"): ("orgs", "school"),
    ("results", "lineItemSourcedId"): ("lineItems", None),
    ("results", "studentSourcedId"): ("users", None),
}

#: Files in the order a reader visits them, so a reference's target was read before it.
READ_ORDER: tuple[str, ...] = (
    "academicSessions", "orgs", "courses", "classes", "userProfiles", "users", "roles",
    "demographics", "enrollments", "resources", "courseResources", "classResources",
    "userResources", "categories", "scoreScales", "lineItems", "lineItemScoreScales",
    "lineItemLearningObjectiveIds", "results", "resultScoreScales", "resultLearningObjectiveIds",
)


@dataclass(frozen=True)
class Column:
    """One CSV column: its exact spec spelling, whether a value is required, its type."""

    name: str
    required: bool
    type: str
    enum: frozenset[str] | None
    extensible: bool = False
    extension: bool = False


@dataclass(frozen=True)
class FileSpec:
    """One data file of the bundle (``users`` → ``users.csv``)."""

    name: str
    columns: tuple[Column, ...]
    base_count: int

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None


@dataclass(frozen=True)
class Profile:
    """A OneRoster profile: a base version plus extension columns and settings."""

    id: str
    title: str
    base: str
    japanese: bool
    oneroster_version: str
    files: dict[str, FileSpec]
    manifest_properties: tuple[tuple[str, bool], ...]
    oneroster_version_open: str = ""
    extension_aliases: dict[str, dict[str, str]] = field(default_factory=dict)

    def file(self, name: str) -> FileSpec:
        return self.files[name]



@cache
def _data(name: str) -> dict:
    text = resources.files("harness.oneroster").joinpath("data").joinpath(name).read_text("utf-8")
    return json.loads(text)


def _column(
    file: str, row: list, *, extension: bool = False, required: bool | None = None
) -> Column:
    name, req, type_, enum = row
    return Column(
        name=name,
        required=req if required is None else required,
        type=type_,
        enum=frozenset(enum) if enum else None,
        extensible=(file, name) in EXTENSIBLE,
        extension=extension,
    )


def profile_ids() -> list[str]:
    return list(_data("profiles.json")["profiles"])


def default_profile_id() -> str:
    return _data("profiles.json")["default"]


@cache
def load_profile(profile_id: str | None = None) -> Profile:
    """Return the profile named ``profile_id`` (default ``jp-eportal-v4``).

    :raises KeyError: with the known profile ids in the message.
    """
    profiles = _data("profiles.json")["profiles"]
    pid = profile_id or default_profile_id()
    if pid not in profiles:
        raise KeyError(f"unknown profile {pid!r}; known profiles: {', '.join(profiles)}")
    spec = profiles[pid]
    base = _data("columns.json")["versions"][spec["base"]]
    overrides = spec.get("required_overrides", {})
    files: dict[str, FileSpec] = {}
    for fname, rows in base["files"].items():
        cols = [
            _column(fname, r, required=True if r[0] in overrides.get(fname, ()) else None)
            for r in rows
        ]
        ext = [_column(fname, r, extension=True) for r in spec["extensions"].get(fname, [])]
        files[fname] = FileSpec(fname, tuple(cols + ext), len(cols))
    aliases = _extension_aliases(pid, profiles)
    return Profile(
        id=pid,
        title=spec["title"],
        base=spec["base"],
        japanese=spec["japanese"],
        oneroster_version=spec["oneroster_version"],
        oneroster_version_open=spec.get("oneroster_version_open", ""),
        files=files,
        manifest_properties=tuple((p, r) for p, r in base["manifest"]),
        extension_aliases=aliases,
    )


def _extension_aliases(pid: str, profiles: dict) -> dict[str, dict[str, str]]:
    """Extension columns other profiles spell differently (``ShussekiNo`` vs ``shussekiNo``),
    so a header written for another profile is named as such rather than as unknown."""
    mine = profiles[pid]["extensions"]
    out: dict[str, dict[str, str]] = {}
    for other_id, other in profiles.items():
        if other_id == pid:
            continue
        for fname, rows in other["extensions"].items():
            own = {r[0].lower(): r[0] for r in mine.get(fname, [])}
            for r in rows:
                theirs = r[0]
                if theirs.lower() in own and own[theirs.lower()] != theirs:
                    out.setdefault(fname, {})[theirs] = own[theirs.lower()]
    return out


def data_files() -> tuple[str, ...]:
    """The 21 data file names of OneRoster 1.2 (without ``.csv``)."""
    return tuple(sorted(_data("columns.json")["versions"]["1.2.1"]["files"]))
