"""Digital textbook tools (デジタル教科書): one product definition, one spec.

つばさブック (elementary, P1–P6) and みらいスクールプラットフォーム (junior high, J1–J3) differ
only in their product data: each is a :class:`Product` and its :func:`textbook_spec`. A
verified launch for a grade the product serves grants the textbook licence (ライセンス付与)
of that school, 年度 (school_year) and grade — derived from the launch itself, as the
pilot's tools did, since no roster reaches them — and records which users used it. A
grade the product does not serve is refused with a page naming the grade.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from werkzeug.exceptions import BadRequest

from harness.oneroster.ids import stable_uuid4
from mocks.base import MockSpec, db_transaction, get_db, json_text
from mocks.base.middleware import utc_stamp
from mocks.base.openapi import document
from mocks.lti_tool.launches import custom_claims
from mocks.lti_tool.openapi import lti_paths
from mocks.lti_tool.spec import tool_spec
from mocks.lti_tool.views import Decide, Decision, ToolInfo

LICENCES_SQL = """
CREATE TABLE IF NOT EXISTS licences (
  licence_id TEXT PRIMARY KEY,
  product TEXT NOT NULL,
  school_code TEXT NOT NULL,
  school_name TEXT,
  school_year INTEGER NOT NULL,
  grade TEXT NOT NULL,
  subjects TEXT NOT NULL,
  origin TEXT NOT NULL,
  granted_at TEXT NOT NULL,
  last_used_at TEXT
);
CREATE TABLE IF NOT EXISTS licence_users (
  licence_id TEXT NOT NULL REFERENCES licences (licence_id) ON DELETE CASCADE,
  sub TEXT NOT NULL,
  first_at TEXT NOT NULL,
  PRIMARY KEY (licence_id, sub)
);
"""


@dataclass(frozen=True)
class Product:
    """A textbook product.

    :param grades: grade → textbook subjects (教科) licensed for it; the grades it serves.
    :param stage_ja / stage_en: who it is for, as the refusal page says it.
    """

    name: str
    client_id: str
    title_ja: str
    title_en: str
    stage_ja: str
    stage_en: str
    grades: Mapping[str, Sequence[str]]

    def grade_range(self) -> str:
        keys = list(self.grades)
        return f"{keys[0]}–{keys[-1]}"


def school_year_of(day: dt.date) -> int:
    """年度 (nendo): the year in which the school year containing ``day`` began (1 April)."""
    return day.year if day.month >= 4 else day.year - 1


def _now() -> str:
    """``datetime.now(UTC)`` to the second, formatted once a second (every launch asks)."""
    return utc_stamp()


#: the licence of (product, school, 年度, grade): the same id for every pupil of the grade
_licence_id = functools.lru_cache(maxsize=4096)(stable_uuid4)


def grant(db: sqlite3.Connection, product: Product, *, school_code: str, grade: str,
          school_year: int, school_name: str | None = None, sub: str | None = None,
          origin: str = "launch") -> dict[str, Any]:
    """Grant (or find) the licence of (school, 年度, grade) and note ``sub`` as its user."""
    licence_id = _licence_id(product.name, school_code, school_year, grade)
    now = _now()
    subjects = list(product.grades[grade])
    with db_transaction():
        db.execute(
            # a launch (``sub``) also marks the licence used, in the same statement: a new
            # row is born used, an existing one's last use moves (one statement a launch
            # instead of an insert and an update)
            "INSERT INTO licences (licence_id, product, school_code, school_name, school_year, "
            "grade, subjects, origin, granted_at, last_used_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (licence_id) DO UPDATE SET school_name = COALESCE("
            "excluded.school_name, licences.school_name), last_used_at = COALESCE("
            "excluded.last_used_at, licences.last_used_at)",
            (licence_id, product.name, school_code, school_name, school_year, grade,
             json_text(subjects), origin, now, None if sub is None else now))
        if sub is not None:
            db.execute("INSERT OR IGNORE INTO licence_users (licence_id, sub, first_at) "
                       "VALUES (?, ?, ?)", (licence_id, sub, now))
    return {"licence_id": licence_id, "product": product.name, "school_code": school_code,
            "school_year": school_year, "grade": grade, "subjects": subjects}


def decide_for(product: Product) -> Decide:
    """The product's rule on a verified launch: serve the grade, grant the licence."""

    def decide(claims: Mapping[str, Any], db: sqlite3.Connection) -> Decision:
        custom = custom_claims(claims)
        grade = str(custom.get("grade") or "")
        school_code = str(custom.get("school_code") or "")
        if not grade:
            return Decision(False, "the launch carries no grade (custom claim 'grade'), so no "
                                   "textbook licence can be chosen",
                            "起動情報に学年（custom の grade）がないため、"
                            "ライセンスを決められません")
        if grade not in product.grades:
            return Decision(
                False, f"{product.title_en} serves {product.stage_en} grades "
                       f"{product.grade_range()}; it is not available for grade {grade}",
                f"{product.title_ja}は{product.stage_ja}（{product.grade_range()}）向けです。"
                f"学年 {grade} には提供していません")
        if not school_code:
            return Decision(False, "the launch carries no school_code (custom claim), so no "
                                   "licence can be granted",
                            "起動情報に学校コード（custom の school_code）がないため、"
                            "ライセンスを付与できません")
        year = school_year_of(dt.date.today())
        licence = grant(db, product, school_code=school_code, grade=grade, school_year=year,
                        school_name=str(custom.get("school_name") or "") or None,
                        sub=str(claims.get("sub")) if claims.get("sub") else None)
        return Decision(True, licence=licence, lines=[
            f"ライセンス / licence: {product.title_ja} {grade} {school_code} {year}年度",
            "教科 / subjects: " + "、".join(licence["subjects"])])

    return decide


def licences(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute("""
        SELECT l.*, (SELECT COUNT(*) FROM licence_users u WHERE u.licence_id = l.licence_id)
               AS users
        FROM licences l ORDER BY l.school_code, l.school_year, l.grade""").fetchall()
    return [{**dict(r), "subjects": json.loads(r["subjects"])} for r in rows]


def textbook_spec(product: Product, import_name: str) -> MockSpec:
    """The :class:`~mocks.base.MockSpec` of a textbook tool mock."""

    def state(db: sqlite3.Connection) -> dict[str, Any]:
        return {"product": product.name, "grades": list(product.grades),
                "licences": licences(db)}

    def seed(payload: dict[str, Any]) -> dict[str, Any]:
        """Licences bought ahead of any launch: ``{"licences": [{school_code, grade,
        school_year?, school_name?}]}``."""
        items = payload.get("licences", [])
        if not isinstance(items, list):
            raise BadRequest("'licences' must be a list of objects")
        db = get_db()
        problems = []
        for n, item in enumerate(items):
            if not isinstance(item, dict) or not item.get("school_code") or \
                    item.get("grade") not in product.grades:
                problems.append(f"licences[{n}]: needs school_code and a grade in "
                                f"{product.grade_range()}")
            elif "school_year" in item and not str(item["school_year"]).isdigit():
                problems.append(f"licences[{n}]: school_year must be a year like 2025")
        if problems:
            raise BadRequest("; ".join(problems))
        granted = [grant(db, product, school_code=str(i["school_code"]), grade=i["grade"],
                         school_year=int(i.get("school_year") or school_year_of(dt.date.today())),
                         school_name=i.get("school_name"), origin="seed") for i in items]
        return {"licences": granted}

    def openapi() -> dict[str, Any]:
        return document(
            f"{product.title_ja} / {product.title_en} (renkei mock)",
            f"LTI 1.3 tool for {product.stage_en} grades {product.grade_range()}: verifies "
            "every launch with harness.lti, refuses grades it does not serve (403), grants the "
            "school's licence per grade and 年度 from the launch.",
            lti_paths(product.title_en), base_url=str(current_app.config["BASE_URL"]))

    tool = ToolInfo(name=product.name, client_id=product.client_id, title_ja=product.title_ja,
                    title_en=product.title_en, item_title=f"{product.title_ja} 教科書",
                    decide=decide_for(product))
    return tool_spec(tool, import_name, state=state, seed=seed, openapi=openapi,
                     schema_sql=LICENCES_SQL)
