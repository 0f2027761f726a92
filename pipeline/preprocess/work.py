"""The working set preprocessing steps share: the export's schools, classes and people as drafts.

Each step (merge, keys, duplicates, class titles, display grades, names, passwords) reads and
rewrites these drafts and records its decisions; a draft that a step holds is marked with the
rule ids that held it, and every later step leaves it alone except to report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.model import Decision, PersonRecord


@dataclass(slots=True)
class SchoolDraft:
    """A school keyed by ``school_code`` (学校コード), possibly merged from several orgs."""

    school_code: str
    name: str
    grades: list[str]
    org_ids: list[str]
    held: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ClassDraft:
    """A homeroom class (学級) of the export.

    :param key: the stable key ``<学校コード>/<年度>/<title as exported>``.
    :param school_year: 年度 (nendo) of the class's term.
    """

    sourced_id: str
    key: str
    school_code: str
    school_year: int
    source_title: str
    title: str
    grades: list[str]
    special_needs: bool
    held: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PersonDraft:
    """A person of the export, by ``umi`` (userMasterIdentifier), while preprocessing works on it.

    Why this is not :class:`~pipeline.model.PersonRecord`, though most fields are the same: a
    draft speaks the export's language, a record the targets'. The draft's ``sourced_id`` and
    ``class_id`` are the sourcedIds of this one export, which C4th regenerates every night;
    the record's ``sourced_id`` is the stable id the targets keep and its ``class_key`` the
    stable class key, both known only once schools are merged and keys are looked up. Each
    step rewrites the draft in place (school code, grade, names) and marks the rules that hold
    it, and it keeps what only the cleanse needs (``primary_org``, C4th's display names);
    the record is frozen, holds only what is delivered, is compared field by field with last
    night's and stored in the state. :meth:`to_record` is the one way from one to the other.

    :param sourced_id: the user's sourcedId in this export.
    :param class_id: the sourcedId (in this export) of the homeroom class of the current 年度.
    :param attendance_number: 出席番号 (shusseki bangō).
    """

    sourced_id: str
    umi: str
    upn: str
    role: str
    family_name: str
    given_name: str
    family_kana: str
    given_kana: str
    grade: str
    school_code: str
    class_id: str
    attendance_number: int | None
    enabled: bool
    primary_org: str = ""
    display_family: str = ""
    display_given: str = ""
    #: the rules that hold the person (most are held by none: one shared empty tuple, not an
    #: empty list per person of a city)
    held: tuple[str, ...] = ()

    def to_record(self, sourced_id: str, class_key: str) -> PersonRecord:
        """The person as delivered, under the stable ``sourced_id`` and ``class_key``."""
        return PersonRecord(
            umi=self.umi, sourced_id=sourced_id, upn=self.upn, family_name=self.family_name,
            given_name=self.given_name, family_kana=self.family_kana.strip(),
            given_kana=self.given_kana.strip(), grade=self.grade, school_code=self.school_code,
            class_key=class_key, attendance_number=self.attendance_number, role=self.role,
            enabled=self.enabled)


@dataclass
class Work:
    """Everything preprocessing knows about one export, and what it decided."""

    school_year: int
    schools: dict[str, SchoolDraft] = field(default_factory=dict)
    org_code: dict[str, str] = field(default_factory=dict)  # org sourcedId → 学校コード
    classes: dict[str, ClassDraft] = field(default_factory=dict)  # class sourcedId → draft
    people: list[PersonDraft] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    teachers_skipped: int = 0
    raw_orgs: dict[str, dict[str, object]] = field(default_factory=dict)  # school orgs by id

    def decide(self, rule: str, action: str, subject: str, target: str = "all",
               **fields: object) -> Decision:
        values = {k: "" if v is None else str(v) for k, v in fields.items()}
        if target != "all":
            values["target"] = target  # the message templates name the target too
        d = Decision(rule, action, subject, target, values)
        self.decisions.append(d)
        return d

    def hold(self, person: PersonDraft, rule: str, **fields: object) -> None:
        """Hold ``person`` under ``rule``; the decision names the person and the reason.

        A hold concerns every target (nothing is applied anywhere for a held person); a
        ``target`` field names the system that revealed the problem.
        """
        person.held += (rule,)
        values = {k: "" if v is None else str(v) for k, v in fields.items()}
        self.decisions.append(Decision(rule, "hold", person.umi, "all", values))

    def active_people(self) -> list[PersonDraft]:
        return [p for p in self.people if not p.held]
