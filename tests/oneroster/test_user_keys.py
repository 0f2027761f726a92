"""The cross-file maps key users by the line of their id in users.csv (BundleState.user_keys)
and keep a bare value for the usual row: repeated and blank sourcedIds must still be told
apart exactly as by their sourcedId strings (OR529, OR603, OR605)."""

from __future__ import annotations

import csv
import importlib.util
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from harness.oneroster import check_bundle

ROOT = Path(__file__).resolve().parents[2]


def _small_bundle(path: Path, edit: Callable[[dict[str, list[list[str]]]], None]) -> Path:
    spec = importlib.util.spec_from_file_location("_small", ROOT / "bench" / "_bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    clean = module.build(path.parent / "clean" / path.name, students=40, schools=1)
    with zipfile.ZipFile(clean) as z:
        files = {n: list(csv.reader(io.TextIOWrapper(z.open(n), encoding="utf-8", newline="")))
                 for n in z.namelist()}
    edit(files)
    with zipfile.ZipFile(path, "w") as w:
        for n, rows in files.items():
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\r\n").writerows(rows)
            w.writestr(n, buf.getvalue())
    return path


def _edit(files: dict[str, list[list[str]]]) -> None:
    u, roles = files["users.csv"], files["roles.csv"]
    sid, uids, home = (u[0].index(c) for c in ("sourcedId", "userIds", "metadata.jp.homeClass"))
    other = next(r[home] for r in u[1:] if r[home] and r[home] != u[10][home])
    u[5][sid], u[5][uids] = u[4][sid], u[4][uids]      # the same user twice: not OR529
    u[7][sid] = u[8][sid] = ""                           # two blank owners: the same owner
    u[8][uids] = u[9][uids] = u[7][uids]                 # line 10 shares line 8's element
    u[11][sid], u[10][home], u[11][home] = u[10][sid], "", other  # OR603 on the second row
    u[12][home] = other                                  # OR603 on a row of its own
    who = roles[0].index("userSourcedId")
    roles[1:] = [r for r in roles[1:] if r[who] != u[13][sid]]  # OR605


def test_repeated_and_blank_sourced_ids_keep_their_findings(tmp_path: Path):
    path = _small_bundle(tmp_path / "RO_20250501_082201.zip", _edit)
    findings = check_bundle(path).findings

    def at(rule: str) -> list[tuple[int | None, str | None]]:
        return [(f.line, f.value) for f in findings if f.rule == rule]

    assert [line for line, _ in at("OR529")] == [10]
    assert "line 8" in next(f for f in findings if f.rule == "OR529").message_en
    # the blank owners are one key: the last of their rows with a homeClass stands
    assert [line for line, _ in at("OR603")] == [9, 12, 13]
    home = {f.line: f.value for f in findings if f.rule == "OR603"}
    repeated = {f.line: f.value for f in findings if f.rule == "OR401"}
    assert sorted(repeated) == [6, 12]
    assert home[12] == repeated[12] != home[13] and home[13] and not home[9]
    assert [line for line, _ in at("OR605")] == [14]
