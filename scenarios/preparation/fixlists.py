"""Per-school fix lists: ``schools/<学校コード>_<学校名>.csv``, sent by the board to each school.

UTF-8 with a BOM and CRLF line ends, so spreadsheet software opens them as they are. One row
per person, with the class, 出席番号 (shusseki bangō), userMasterIdentifier, the problem and the
fix in Japanese, where to fix it, and what April does if it is left. A file never holds a
password, and holds a name (the kana name) only where several records share one id and the
row must say which one it means (docs/preparation.md, "Fix lists").
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HEADER = ("学級", "出席番号", "学年", "userMasterIdentifier", "氏名（かな）", "問題", "直し方",
          "直す人", "直す場所・項目", "4月の扱い（直さない場合）")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def file_name(school_code: str, school_name: str) -> str:
    """``<学校コード>_<学校名>.csv``, with characters no file system takes replaced by ``_``."""
    name = _UNSAFE.sub("_", f"{school_code}_{school_name}".strip("_ ")) or "unknown"
    return f"{name}.csv"


def rows_by_school(data: Mapping[str, Any]) -> dict[str, list[list[str]]]:
    """School code → rows: every held person once (their reasons joined), then every pupil
    missing from the export (to confirm the transfer out)."""
    rows: dict[str, list[list[str]]] = defaultdict(list)
    for p in data["people"]:
        if not p["held"]:
            continue
        reasons = [r for r in p["reasons"] if r["kind"] == "hold"]
        rows[p["school_code"]].append([
            p["class"], _num(p["attendance_number"]), p["grade"], p["umi"], p["name_kana"],
            " ／ ".join(f"{r['problem_ja']}（{r['rule']}）" for r in reasons),
            " ／ ".join(dict.fromkeys(r["fix_ja"] for r in reasons)),
            " ／ ".join(dict.fromkeys(r["owner_ja"] for r in reasons)),
            " ／ ".join(dict.fromkeys(r["where_ja"] for r in reasons)),
            p["april_ja"]])
    promotion = next(t for t in data["tasks"] if t["id"] == "promotion")
    for m in promotion.get("missing", []):
        rows[m["school_code"]].append([
            m["class"], _num(m["attendance_number"]), m["grade"], m["umi"], "",
            "エクスポートにありません（転出・除籍・C4th の誤り）",
            "転出したなら対応不要。在籍しているなら C4th の在籍を直す", "学校（C4th に入力）",
            "C4th の在籍", m["grace_ja"]])
    return rows


def write_fix_lists(data: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Write one CSV per school with something to fix; returns the files written."""
    names = {s["school_code"]: s["school_name"] for s in data["schools"]}
    written = []
    for code, rows in sorted(rows_by_school(data).items()):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
        path = out_dir / file_name(code, names.get(code, ""))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
        written.append(path)
    return written


def _num(n: object) -> str:
    return "" if n is None else str(n)
