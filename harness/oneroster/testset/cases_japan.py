"""Test-set cases for the Japan-profile (OR5xx) and cross-file (OR6xx) rules."""

from __future__ import annotations

from harness.oneroster.testset import tables as T
from harness.oneroster.testset.base import sample_id
from harness.oneroster.testset.cases import case

U, C, E, S = "users.csv", "classes.csv", "enrollments.csv", "academicSessions.csv"
ORGS = "orgs.csv"
R = "roles.csv"


def _jp(id: str, title: str, *expected: str):  # noqa: ANN202
    return case(id, "japan", title, *expected, jp=True)


@_jp("session-type", "a second session of type term", "OR501")
def _(t):
    T.add_row(t, S, {"sourcedId": sample_id("t1"), "type": "term",
                     "parentSourcedId": sample_id("y2025")}, like=0)


@_jp("nendo-title", "title 令和7年度", "OR502")
def _(t):
    T.setv(t, S, 0, "title", "令和7年度")


@_jp("nendo-dates", "endDate 2026-03-30", "OR503")
def _(t):
    T.setv(t, S, 0, "endDate", "2026-03-30")


@_jp("school-year-reading", "schoolYear 2026 for 2025年度", "OR504")
def _(t):
    T.setv(t, S, 0, "schoolYear", "2026")


@_jp("literal-null", "parentSourcedId NULL", "OR505")
def _(t):
    T.setv(t, S, 0, "parentSourcedId", "NULL")


@_jp("org-type", "an org of type department", "OR506")
def _(t):
    T.add_row(t, ORGS, {"sourcedId": sample_id("dep1"), "name": "学務課", "type": "department"})


@_jp("district-parent", "a district with a parent", "OR507")
def _(t):
    T.setv(t, ORGS, 0, "parentSourcedId", sample_id("s1"))


@_jp("school-code", "school identifier B108", "OR508")
def _(t):
    T.setv(t, ORGS, 1, "identifier", "B108")


@_jp("board-code", "district identifier 08220", "OR510")
def _(t):
    T.setv(t, ORGS, 0, "identifier", "08220")


@_jp("course-code", "courseCode C01", "OR511")
def _(t):
    T.setv(t, "courses.csv", 0, "courseCode", "C01")


@_jp("course-title", "course title without 年度", "OR512")
def _(t):
    T.setv(t, "courses.csv", 0, "title", "小学校")


@_jp("class-type", "classType ext:club", "OR513")
def _(t):
    T.setv(t, C, 0, "classType", "ext:club")


@_jp("special-needs-flag", "specialNeeds yes", "OR514")
def _(t):
    T.setv(t, C, 0, "metadata.jp.specialNeeds", "yes")


@_jp("enabled-user", "enabledUser false", "OR515")
def _(t):
    T.setv(t, U, 0, "enabledUser", "false")


@_jp("umi-missing", "userMasterIdentifier blank", "OR516")
def _(t):
    T.setv(t, U, 0, "userMasterIdentifier", "")


@_jp("umi-uuid", "userMasterIdentifier 12345", "OR517")
def _(t):
    T.setv(t, U, 0, "userMasterIdentifier", "12345")


@_jp("umi-duplicate", "two users, one userMasterIdentifier", "OR518")
def _(t):
    T.setv(t, U, 1, "userMasterIdentifier", T.getv(t, U, 0, "userMasterIdentifier"))


@_jp("names-required", "preferredGivenName blank", "OR519")
def _(t):
    T.setv(t, U, 0, "preferredGivenName", "")


@_jp("kana", "kana name in hiragana", "OR520")
def _(t):
    T.setv(t, U, 0, "metadata.jp.kanaGivenName", "たろう")


@_jp("half-width-kana", "class location in half-width katakana", "OR521")
def _(t):
    T.setv(t, C, 0, "location", "ﾀｲｲｸｶﾝ")


@_jp("grade-code", "class grade P7", "OR522")
def _(t):
    T.setv(t, C, 0, "grades", "P7")


@_jp("grade-e", "class grade E1", "OR523")
def _(t):
    T.setv(t, C, 0, "grades", "E1")


@_jp("student-primary", "a student's enrollment with primary true", "OR524")
def _(t):
    T.setv(t, E, 0, "primary", "true")


@_jp("attendance-number", "出席番号 三", "OR525")
def _(t):
    T.setv(t, E, 0, T.find_col(t, E, "metadata.jp.shussekino"), "三")


@_jp("role-vocabulary", "role aide", "OR526")
def _(t):
    T.setv(t, R, 0, "role", "aide")


@_jp("grade-school-kind", "grade J1 in an elementary school", "OR527")
def _(t):
    T.setv(t, C, 0, "grades", "J1")


@_jp("gaiji", "a private-use character in a given name (外字)", "OR528")
def _(t):
    T.setv(t, U, 0, "givenName", "太\ue000")


@_jp("same-giga-id", "a stale duplicate with the same GIGA account", "OR529")
def _(t):
    T.setv(t, U, 1, "userIds", T.getv(t, U, 0, "userIds"))


@_jp("disability-title", "class title naming a disability", "OR530")
def _(t):
    T.setv(t, C, 2, "title", "ひまわり学級（知的障害）")


@_jp("school-split", "a 義務教育学校 exported as two orgs with one code", "OR531")
def _(t):
    T.add_row(t, ORGS, {"sourcedId": sample_id("s9"), "name": "つくば市立竹園東小学校 後期課程"},
              like=1)


# --- across files ----------------------------------------------------------------------------
@case("two-primary-roles", "cross-file", "two primary roles in one school", "OR601")
def _(t):
    T.add_row(t, R, {"sourcedId": sample_id("r-u1-again")}, like=0)


@case("secondary-only", "cross-file", "a user with only a secondary role", "OR602")
def _(t):
    u5 = sample_id("u5")
    values = {"sourcedId": u5, "username": "u5@example.ed.jp",
              "userIds": "{Office365:u5@example.ed.jp}",
              "userMasterIdentifier": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}
    T.add_row(t, U, values, like=0)  # homeClass as u1's, so u5 is enrolled there too
    T.add_row(t, E, {"sourcedId": sample_id("e-u5"), "userSourcedId": u5}, like=0)
    T.add_row(t, R, {"sourcedId": sample_id("r-u5"), "userSourcedId": u5,
                     "roleType": "secondary"}, like=0)


@case("home-class", "cross-file", "homeClass names a class without an enrollment", "OR603",
      jp=True)
def _(t):
    T.setv(t, U, 0, "metadata.jp.homeClass", sample_id("k2"))


@case("demographics-user", "cross-file", "demographics for a user who does not exist", "OR604")
def _(t):
    T.add_row(t, "demographics.csv", {"sourcedId": sample_id("u99")}, like=0)


@case("user-without-role", "cross-file", "a user with no roles row", "OR605")
def _(t):
    T.drop_rows(t, R, "userSourcedId", sample_id("u4"))


# --- importer practice (OR7xx): field practice of strict importers, not the spec -------------
def _practice(id: str, title: str, *expected: str, **kw):  # noqa: ANN202, ANN003
    return case(id, "importer practice", title, *expected, jp=True, **kw)


@_practice("id-not-uuid", "an enrollment sourcedId e-u1 (a GUID, not a UUID v4)", "OR701")
def _(t):
    T.setv(t, E, 0, "sourcedId", "e-u1")


@_practice("no-system-code", "manifest without source.systemCode", "OR702")
def _(t):
    T.manifest_drop(t, "source.systemCode")


@_practice("unquoted-fields", "users.csv quoted only where RFC 4180 requires", "OR704")
def _(t):
    unquoted = dict(T.serialize({U: t[U]}, quote_all=False))
    return [(n, unquoted[U] if n == U else d) for n, d in T.serialize(t)]


@_practice("vendor-column", "a vendor's own metadata column in users.csv", "OR705")
def _(t):
    T.append_col(t, U, "metadata.city.note", "")


@_practice("home-class-blank", "a student without metadata.jp.homeClass", "OR706")
def _(t):
    T.setv(t, U, 0, "metadata.jp.homeClass", "")


@_practice("subject-code", "subjectCodes 01 instead of a 学習指導要領 code", "OR707")
def _(t):
    T.setv(t, C, 2, "subjectCodes", "P010,01")


@_practice("name-padding", "a given name ending in an ideographic space", "OR708")
def _(t):
    T.setv(t, U, 0, "givenName", "太郎\u3000")


# The 2022 pilot importers K社, Y社 and Q社 (issue 17). The gradebook case is valid: the spec
# allows the files; field importers crash on them.
@case("gradebook-and-resources", "valid",
      "categories, lineItems, resources and classResources beside the rostering files",
      "OR709", jp=True, extras=True,
      exercises="gradebook and resource files in a bulk bundle (CSV binding §2, all 21 files "
                "optional); spec-valid, but K社 and Q社 crash on them")
def _(t):
    return None


@_practice("no-roles-file", "roles.csv left out, file.roles absent", "OR712")
def _(t):
    T.manifest_set(t, "file.roles", "absent")
    del t[R]


@_practice("non-ascii-member", "an extra 説明.txt in the zip", "OR105", "OR713")
def _(t):
    return T.serialize(t) + [("説明.txt", "名簿データ\r\n".encode())]


@_practice("no-district", "a school-only bundle: no district row", "OR714")
def _(t):
    T.drop_rows(t, ORGS, "type", "district")
    for i in range(len(t[ORGS]) - 1):
        T.setv(t, ORGS, i, "parentSourcedId", "")


@_practice("high-school-grade", "a 中等教育学校 (D2) whose student is in H1", "OR716")
def _(t):
    T.setv(t, ORGS, 2, "identifier", "D208220100019")
    T.setv(t, U, 3, "grades", "H1")


@_practice("several-grades", "a course for grades P1,P2", "OR717", only=("jp-1.1",))
def _(t):
    T.setv(t, "courses.csv", 0, "grades", "P1,P2")


@_practice("pilot-role", "a secondary systemAdministrator role", "OR718")
def _(t):
    T.add_row(t, R, {"sourcedId": sample_id("r-u1-admin"), "roleType": "secondary",
                     "role": "systemAdministrator"}, like=0)


@_practice("primary-blank", "an enrollment with primary left blank", "OR719",
           only=("jp-1.1", "jp-eportal-v4"))
def _(t):
    T.setv(t, E, 4, "primary", "")
