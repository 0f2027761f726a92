"""Test-set cases for headers, values, references, Japan-profile and cross-file rules."""

from __future__ import annotations

from harness.oneroster.testset import tables as T
from harness.oneroster.testset.base import sample_id
from harness.oneroster.testset.cases import case

U, C, E, S = "users.csv", "classes.csv", "enrollments.csv", "academicSessions.csv"
ORGS = "orgs.csv"


# --- headers ---------------------------------------------------------------------------------
@case("column-missing", "headers", "users.csv without middleName", "OR201")
def _(t):
    T.drop_col(t, U, "middleName")


@case("column-unknown", "headers", "users.csv with a nickname column", "OR202")
def _(t):
    T.append_col(t, U, "nickname", "たろちゃん")


@case("column-order", "headers", "givenName and familyName swapped", "OR203")
def _(t):
    T.swap_cols(t, U, "givenName", "familyName")


@case("column-case", "headers", "SourcedId in orgs.csv", "OR204")
def _(t):
    t[ORGS][0][0] = "SourcedId"


@case("column-duplicate", "headers", "middleName twice", "OR205")
def _(t):
    T.append_col(t, U, "middleName")


@case("extension-placement", "headers", "a metadata column among the base columns", "OR206",
      jp=True)
def _(t):
    T.move_col(t, U, "metadata.jp.kanaGivenName", T.col(t, U, "pronouns"))


@case("profile-column-missing", "headers", "users.csv without metadata.jp.homeClass", "OR207",
      jp=True)
def _(t):
    T.drop_col(t, U, "metadata.jp.homeClass")


@case("profile-column-order", "headers", "kana columns swapped", "OR208", jp=True)
def _(t):
    T.swap_cols(t, U, "metadata.jp.kanaGivenName", "metadata.jp.kanaFamilyName")


@case("column-other-profile", "headers", "出席番号 column spelt for another profile", "OR209",
      jp=True)
def _(t):
    name = T.find_col(t, E, "metadata.jp.shussekino")
    t[E][0][T.col(t, E, name)] = name.replace(".s", ".S") if ".s" in name else name.replace(
        ".S", ".s")


@case("column-blank-name", "headers", "a trailing blank header cell", "OR210")
def _(t):
    T.append_col(t, U, "")


# --- values ----------------------------------------------------------------------------------
@case("required-blank", "values", "a user without username", "OR301")
def _(t):
    T.setv(t, U, 0, "username", "")


@case("guid", "values", "an enrollment sourcedId with a space (so not a UUID either)",
      "OR302", "OR701")
def _(t):
    T.setv(t, E, 0, "sourcedId", "e 1")


@case("date", "values", "birthDate 2018/06/01", "OR303")
def _(t):
    T.setv(t, "demographics.csv", 0, "birthDate", "2018/06/01")


# A delta bundle draws OR711 under the Japan profiles whatever its defect (Q社 imports bulk
# only): the form of the bundle, not the defect, so each delta case lists it beside its own.
@case("datetime", "values", "dateLastModified without milliseconds and Z", "OR304", "OR711",
      delta=True)
def _(t):
    T.setv(t, U, 1, "dateLastModified", "2025-05-01 09:00")


@case("year", "values", "schoolYear R7", "OR305")
def _(t):
    T.setv(t, S, 0, "schoolYear", "R7")


@case("boolean", "values", "enabledUser TRUE", "OR306")
def _(t):
    T.setv(t, U, 0, "enabledUser", "TRUE")


@case("enumeration", "values", "roles role Student", "OR307")
def _(t):
    T.setv(t, "roles.csv", 0, "role", "Student")


@case("integer", "values", "categories weight 1.5", "OR308", gradebook=True)
def _(t):
    T.setv(t, "categories.csv", 0, "weight", "1.5")


@case("float", "values", "resultValueMax abc", "OR309", gradebook=True)
def _(t):
    T.setv(t, "lineItems.csv", 0, "resultValueMax", "abc")


@case("list-element", "values", "class periods with a blank element", "OR310")
def _(t):
    T.setv(t, C, 0, "periods", "1,")


@case("paired-lists", "values", "two subjects, one subject code", "OR311")
def _(t):
    T.setv(t, C, 2, "subjectCodes", "P010")


@case("user-ids", "values", "userIds element without braces", "OR312")
def _(t):
    T.setv(t, U, 0, "userIds", "Office365:u1@example.ed.jp")


@case("bulk-status", "values", "a bulk row with status active", "OR313")
def _(t):
    T.setv(t, U, -1, "status", "active")


@case("delta-no-status", "values", "a delta row without dateLastModified", "OR314", "OR711",
      delta=True)
def _(t):
    T.setv(t, U, -1, "dateLastModified", "")


@case("mode-disagrees", "values", "demographics declared bulk, written as delta", "OR315")
def _(t):
    for i in range(len(t["demographics.csv"]) - 1):
        T.setv(t, "demographics.csv", i, "status", "active")
        T.setv(t, "demographics.csv", i, "dateLastModified", "2025-05-01T09:00:00.000Z")


@case("end-before-begin", "values", "an enrollment ending before it begins", "OR316")
def _(t):
    T.setv(t, E, 0, "endDate", "2025-03-01")


# --- references ------------------------------------------------------------------------------
@case("duplicate-sourcedid", "references", "a demographics row twice", "OR401")
def _(t):
    t["demographics.csv"].append(list(t["demographics.csv"][1]))


@case("dangling-reference", "references", "an enrollment in a class not in classes.csv", "OR402")
def _(t):
    # the last enrollment is not a homeClass one, so only OR402
    T.setv(t, E, -1, "classSourcedId", sample_id("k99"))


@case("reference-kind", "references", "a class whose school is the district", "OR403")
def _(t):
    T.setv(t, C, 2, "schoolSourcedId", sample_id("d1"))


@case("duplicate-enrollment", "references", "the same enrollment under a new id", "OR404")
def _(t):
    T.add_row(t, E, {"sourcedId": sample_id("e-u1-again")}, like=0)
