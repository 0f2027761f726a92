"""The working set preprocessing steps share: the export's schools, classes and people as drafts.

Each step (merge, keys, duplicates, class titles, display grades, names, passwords) reads and
rewrites these drafts and records its decisions; a draft that a step holds is marked with the
rule ids that held it, and every later step leaves it alone except to report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.model import Decision


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
    """A person of the export, by ``umi`` (userMasterIdentifier).

    :param class_id: the sourcedId of the homeroom class of the current 年度.
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
    held: list[str] = field(default_factory=list)


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
        person.held.append(rule)
        values = {k: "" if v is None else str(v) for k, v in fields.items()}
        self.decisions.append(Decision(rule, "hold", person.umi, "all", values))

    def active_people(self) -> list[PersonDraft]:
        return [p for p in self.people if not p.held]
