"""Golden reports: the checker's findings on a Tsukuba-sized bundle with injected defects.

The bundle is bench/_bundle.py's (23,000 pupils, 92k rows, every file several 4,096-row
chunks long) with defects that touch every cross-file map: duplicate ids in one chunk and across
chunks, dangling references (UUID-shaped, upper-cased, ids of another file), references of the
wrong kind, homeClass and role rules. The JSON, text and JUnit reports must stay byte for byte
what tests/oneroster/golden/ holds: a change to how the checker keeps its ids or maps must not
change one finding. Regenerate the files only for a deliberate change of findings or format:
``RENKEI_WRITE_GOLDEN=1 python -m pytest tests/oneroster/test_golden.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import os
import zipfile
from pathlib import Path

import pytest

from harness.oneroster import check_bundle
from harness.report import render

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden")
NAME = "RO_20250501_082201.zip"
FORMATS = {"json": "json", "text": "txt", "junit": "xml"}


def _bench_bundle(path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("_bench_bundle", ROOT / "bench" / "_bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(path)


def _inject(files: dict[str, list[list[str]]]) -> None:
    """Defects touching every map the checker keeps (the row numbers are table indexes:
    the header is row 0, so table row ``n`` is on line ``n + 1``)."""
    def col(f: str, name: str) -> int:
        return files[f][0].index(name)

    u, r, e, d = (files[f"{n}.csv"] for n in ("users", "roles", "enrollments", "demographics"))
    c, o = files["classes.csv"], files["orgs.csv"]
    U, R, E, D, C = "users.csv", "roles.csv", "enrollments.csv", "demographics.csv", "classes.csv"
    district, school = o[1][0], o[2][0]
    # users: duplicate sourcedId (same chunk, and chunks apart), duplicated master id
    # (upper-cased), duplicated userIds, homeClass missing / not enrolled / blank, a sourcedId
    # that is not a UUID, blank required name, references to a missing org and to a class id
    u[5][col(U, "sourcedId")] = u[4][col(U, "sourcedId")]
    u[9000][col(U, "sourcedId")] = u[20][col(U, "sourcedId")]
    u[7][col(U, "userMasterIdentifier")] = u[6][col(U, "userMasterIdentifier")].upper()
    u[12000][col(U, "userMasterIdentifier")] = u[30][col(U, "userMasterIdentifier")]
    u[9][col(U, "userIds")] = u[8][col(U, "userIds")]
    u[11][col(U, "metadata.jp.homeClass")] = "no-such-class"
    u[13][col(U, "metadata.jp.homeClass")] = c[50][col(C, "sourcedId")]
    u[15][col(U, "sourcedId")] = "NOT-A-UUID"
    u[17][col(U, "preferredGivenName")] = ""
    u[19][col(U, "primaryOrgSourcedId")] = "missing-org"
    u[21][col(U, "metadata.jp.homeClass")] = ""
    u[8500][col(U, "primaryOrgSourcedId")] = c[3][col(C, "sourcedId")]
    u[8600][col(U, "metadata.jp.homeClass")] = c[4][col(C, "sourcedId")].upper()
    # roles: duplicate primary, secondary-only user, unknown user, bad roleType, duplicate
    # sourcedIds (neighbours, and chunks apart), references by an upper-cased user id, by a
    # UUID-shaped id nobody has, by an enrollment's id, and to a class as the org
    r[3][col(R, "userSourcedId")] = r[2][col(R, "userSourcedId")]
    r[30][col(R, "roleType")] = "secondary"
    r[40][col(R, "userSourcedId")] = "ghost-user"
    r[41][col(R, "roleType")] = "tertiary"
    r[42][col(R, "sourcedId")] = r[43][col(R, "sourcedId")]
    r[15000][col(R, "sourcedId")] = r[44][col(R, "sourcedId")]
    r[15001][col(R, "sourcedId")] = r[45][col(R, "sourcedId")].upper()
    r[9100][col(R, "userSourcedId")] = r[9100][col(R, "userSourcedId")].upper()
    r[9200][col(R, "userSourcedId")] = "00000000-0000-4000-8000-000000000000"
    r[9300][col(R, "userSourcedId")] = e[9300][col(E, "sourcedId")]
    r[9400][col(R, "orgSourcedId")] = c[5][col(C, "sourcedId")]
    # enrollments: duplicate (user, class, role), unknown class, district as school,
    # duplicate sourcedIds (neighbours and chunks apart), a role's id as an enrollment's,
    # a class referred to by a user's id, a user referred to by a class's id
    e[3][col(E, "userSourcedId")] = e[2][col(E, "userSourcedId")]
    e[3][col(E, "classSourcedId")] = e[2][col(E, "classSourcedId")]
    e[50][col(E, "classSourcedId")] = "ghost-class"
    e[60][col(E, "schoolSourcedId")] = district
    e[70][col(E, "sourcedId")] = e[71][col(E, "sourcedId")]
    e[80][col(E, "role")] = "teacher"
    e[16000][col(E, "sourcedId")] = e[90][col(E, "sourcedId")]
    e[16001][col(E, "sourcedId")] = r[16001][col(R, "sourcedId")]
    e[16100][col(E, "classSourcedId")] = u[16100][col(U, "sourcedId")]
    e[16200][col(E, "userSourcedId")] = c[6][col(C, "sourcedId")]
    e[16300][col(E, "schoolSourcedId")] = school.upper()
    # demographics: unknown user, duplicate (neighbours and chunks apart), a class's id,
    # a user's id upper-cased, and a copy of a whole row at the end
    d[5][col(D, "sourcedId")] = "ghost-demo"
    d[7][col(D, "sourcedId")] = d[6][col(D, "sourcedId")]
    d[13000][col(D, "sourcedId")] = d[100][col(D, "sourcedId")]
    d[13100][col(D, "sourcedId")] = c[7][col(C, "sourcedId")]
    d[13200][col(D, "sourcedId")] = d[13200][col(D, "sourcedId")].upper()
    d.append(list(d[10]))
    del r[100]  # a user with no role


def defect_bundle(directory: Path) -> Path:
    """The bench bundle with :func:`_inject`'s defects, written as ``directory/NAME``."""
    clean = _bench_bundle(directory / "clean" / NAME)
    with zipfile.ZipFile(clean) as z:
        files = {n: list(csv.reader(io.TextIOWrapper(z.open(n), encoding="utf-8", newline="")))
                 for n in z.namelist()}
    _inject(files)
    out = directory / NAME
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for n, rows in files.items():
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)
            w.writestr(n, buf.getvalue())
    return out


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("golden")
    defect_bundle(directory)
    cwd = Path.cwd()
    os.chdir(directory)  # the report names the bundle as it was given: a relative path
    try:
        report = check_bundle(NAME).report
    finally:
        os.chdir(cwd)
    report.created = dt.datetime(2025, 5, 1, 8, 22, 1, tzinfo=dt.UTC)
    return {fmt: render(report, fmt) for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
def test_reports_are_byte_identical_to_the_golden_files(reports: dict[str, str], fmt: str):
    golden = GOLDEN / f"defects.{FORMATS[fmt]}"
    if os.environ.get("RENKEI_WRITE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(reports[fmt], encoding="utf-8", newline="")
    with golden.open(encoding="utf-8", newline="") as fh:
        assert reports[fmt] == fh.read()


def test_every_injected_kind_of_defect_is_found(reports: dict[str, str]):
    # the golden files are only worth keeping if they hold what the defects are for
    for rule in ("OR401", "OR402", "OR403", "OR404", "OR518", "OR529", "OR601", "OR602",
                 "OR603", "OR604", "OR605", "OR701"):
        assert f'"{rule}"' in reports["json"], rule
