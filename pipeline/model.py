"""The pipeline's data: the cleaned roster each target should hold, and the plan to get there.

Preprocessing turns a C4th export into a :class:`Roster` keyed by stable keys (DESIGN.md rule 4):
people by userMasterIdentifier, schools by 学校コード (gakkō kōdo, the MEXT school code),
classes by (school, 年度 nendo, class title as exported). Every record carries the stable
``sourced_id`` the targets see, which never changes while its key does not.
Reconciling the new roster against the previous one gives a :class:`Plan`: a list of
:class:`Decision` records, each with a ``PL`` rule id, which delivery then applies per target.

Nothing here holds a password: initial passwords are attached at delivery time, by
userMasterIdentifier, from the board's file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

#: What a decision does. ``missing``: gone from the export, reported, never deleted;
#: ``disable``/``delete``: the grace policy's actions; ``link``/``mismatch``: the initial link;
#: ``cleanse``: preprocessing rewrote what C4th exported (a class title); ``enable``: a pupil
#: back in the export after being disabled; ``report``: information only.
ACTIONS = (
    "create", "update", "move", "rename", "promote", "graduate", "hold", "drop", "missing",
    "disable", "delete", "link", "mismatch", "merge", "refuse", "enable",
    "cleanse", "report",
)
#: Actions that change something in a target (the rest only report).
CHANGES = frozenset({"create", "update", "move", "rename", "promote", "disable", "delete",
                     "enable", "missing", "graduate"})
#: Delivery targets; ``all`` for a decision about the roster itself.
TARGETS = ("all", "lgate", "m365", "drill")


@dataclass(frozen=True, slots=True)
class SchoolRecord:
    """A school (学校), keyed by ``school_code`` (学校コード), after the 義務教育学校 merge."""

    school_code: str
    sourced_id: str
    name: str
    grades: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClassRecord:
    """A homeroom class (学級), keyed by (school, 年度 school_year, title as exported).

    :param title: the title delivered (after the special-needs rename and display grades).
    :param source_title: the title C4th exported, part of the key.
    """

    key: str
    sourced_id: str
    school_code: str
    school_year: int
    title: str
    source_title: str
    grades: tuple[str, ...]
    special_needs: bool = False


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A pupil (児童生徒) as delivered, keyed by ``umi`` (userMasterIdentifier).

    Preprocessing works on :class:`pipeline.preprocess.work.PersonDraft`, which says why it is
    a separate record, and makes this one with ``PersonDraft.to_record``. This record's fields
    are the state's format (``record_json``): an added field needs a default, so that a state
    written before it still loads.

    :param upn: the GIGA (Microsoft 365) account id, from userIds ``{Office365:…}``.
    :param family_name: the gaiji-free name for external linkage (外部連携用氏名).
    :param attendance_number: 出席番号 (shusseki bangō).
    """

    umi: str
    sourced_id: str
    upn: str
    family_name: str
    given_name: str
    family_kana: str
    given_kana: str
    grade: str
    school_code: str
    class_key: str
    attendance_number: int | None = None
    role: str = "student"
    enabled: bool = True


def record_json(record: SchoolRecord | ClassRecord | PersonRecord) -> dict[str, Any]:
    """A record as a JSON-able dict (tuples as lists); ``dataclasses.asdict`` without its deep
    copies, which cost seconds on a city's 23,000 people."""
    names = _FIELDS.get(type(record))
    if names is None:
        names = _FIELDS[type(record)] = tuple(f.name for f in fields(record))
    out = {n: getattr(record, n) for n in names}
    for n, v in out.items():
        if isinstance(v, tuple):
            out[n] = list(v)
    return out


_FIELDS: dict[type, tuple[str, ...]] = {}


@dataclass
class Roster:
    """What the targets should hold after a run: the cleaned, keyed state of the city."""

    school_year: int
    schools: dict[str, SchoolRecord] = field(default_factory=dict)
    classes: dict[str, ClassRecord] = field(default_factory=dict)
    people: dict[str, PersonRecord] = field(default_factory=dict)
    #: People delivered before but missing from the export (転出, 卒業, or a C4th error): not
    #: delivered in the bulk, never deleted; ``enabled`` is False once the grace policy
    #: disabled them. Kept so the drill delta and Microsoft 365 can act on them.
    absent: dict[str, PersonRecord] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "school_year": self.school_year,
            "schools": [record_json(s) for s in self.schools.values()],
            "classes": [record_json(c) for c in self.classes.values()],
            "people": [record_json(p) for p in self.people.values()],
            "absent": [record_json(p) for p in self.absent.values()],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Roster:
        """The roster of :meth:`to_json`'s data; its people may be records already (parsed
        with :func:`people_hook`)."""
        schools = {s["school_code"]: SchoolRecord(**{**s, "grades": tuple(s["grades"])})
                   for s in data["schools"]}
        classes = {c["key"]: ClassRecord(**{**c, "grades": tuple(c["grades"])})
                   for c in data["classes"]}
        people = {p.umi: p for p in map(_person, data["people"])}
        absent = {p.umi: p for p in map(_person, data.get("absent", ()))}
        return cls(int(data["school_year"]), schools, classes, people, absent)


def _person(p: PersonRecord | Mapping[str, Any]) -> PersonRecord:
    return p if isinstance(p, PersonRecord) else PersonRecord(**p)


#: Person fields whose values repeat across a city (a grade, a school, a class, a name):
#: one string each, shared by the records that hold it.
SHARED_FIELDS = ("grade", "school_code", "class_key", "role", "family_name", "given_name",
                 "family_kana", "given_kana")


def people_hook() -> Callable[[dict[str, Any]], Any]:
    """A ``json.loads`` object hook for :meth:`Roster.to_json`'s data: each person becomes
    its :class:`PersonRecord` as soon as it is parsed (a city's people are never all held as
    dicts too), its repeated strings shared."""
    seen: dict[str, str] = {}
    share = seen.setdefault

    def hook(obj: dict[str, Any]) -> Any:
        if "umi" not in obj or "class_key" not in obj:
            return obj
        for name in SHARED_FIELDS:
            value = obj.get(name)
            if type(value) is str:
                obj[name] = share(value, value)
        return PersonRecord(**obj)
    return hook


@dataclass(frozen=True, slots=True)
class Decision:
    """One line of a plan: what happens to one subject in one target, and which rule says so.

    :param rule: a ``PL`` rule id from the pipeline's catalogue.
    :param subject: a userMasterIdentifier, a 学校コード or a class key.
    :param fields: the values the rule's ja/en message templates take; never a secret.
    """

    rule: str
    action: str
    subject: str
    target: str = "all"
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    """The decisions of one run, the roster they lead to and the one they start from."""

    id: str
    export_sha256: str
    created_at: str
    roster: Roster
    previous: Roster | None
    decisions: list[Decision] = field(default_factory=list)
    #: True when the mass-change guard refused the plan; nothing may be applied then.
    refused: bool = False
    #: Per-target sourcedIds that differ from ``PersonRecord.sourced_id`` (target → umi → id):
    #: the drill app's own ids adopted by the initial link (名寄せ) when they differ from the
    #: e-portal's.
    target_ids: dict[str, dict[str, str]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when nothing would change in any target (reports and holds may remain)."""
        return not any(d.action in CHANGES for d in self.decisions)

    def by_action(self, action: str) -> list[Decision]:
        return [d for d in self.decisions if d.action == action]

    def for_target(self, target: str) -> list[Decision]:
        return [d for d in self.decisions if d.target in (target, "all")]
