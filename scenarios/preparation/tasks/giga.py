"""GIGA アカウント発行の事務フロー: the ID・初期パスワード file, GIGA ids, and the Microsoft 365
accounts April creates per school."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pipeline.config import Config
from pipeline.model import Decision
from pipeline.plan import Planning
from scenarios.preparation.advice import OWNERS
from scenarios.preparation.tasks.items import NOT_PLANNED, advice_item, item, status, unknown


def giga_task(config: Config, people: list[dict[str, Any]], decisions: list[Decision],
              schools: Mapping[str, str], planning: Planning) -> dict[str, Any]:
    """What the GIGA account flow lacks: the ID・初期パスワード file and its rows, GIGA ids,
    and (with Microsoft 365) the accounts April creates per school, and those once fixed."""
    if planning.outcome is None:
        return unknown(*NOT_PLANNED)

    def with_rule(*rules: str) -> list[str]:
        return [p["umi"] for p in people if any(r["rule"] in rules for r in p["reasons"])]
    no_password = with_rule("PL252")
    disagree = with_rule("PL253")
    no_giga = with_rule("PL206")
    file_problems = [d.fields for d in decisions if d.rule in ("PL254", "PL255")]
    created: Counter[str] = Counter(d.fields.get("school_code", "") for d in decisions
                                    if d.rule == "PL301")
    # new pupils held now (no row, wrong GIGA id, a name …): April creates their accounts too
    # once they are fixed
    pending: Counter[str] = Counter(p["school_code"] for p in people
                                    if p["held"] and p["april"] == "held_new")
    m365 = [{"school_code": code, "school_name": schools.get(code, ""),
             "accounts": created[code], "once_fixed": pending[code]}
            for code in sorted(set(created) | set(pending))] if config.m365 is not None else []
    no_file = config.password_file is None and bool(created)
    todo = bool(no_password or disagree or no_giga or file_problems or no_file)
    items = [advice_item(r["rule"], umi=p["umi"], school_code=p["school_code"])
             for p in people for r in p["reasons"] if r["rule"] in ("PL252", "PL253", "PL206")]
    items += [advice_item(d.rule, count=1, reason=d.fields.get("reason", ""),
                          line=d.fields.get("line", ""))
              for d in decisions if d.rule in ("PL254", "PL255")]
    if no_file:
        items.append(advice_item("PL254", count=sum(created.values())))
        items[-1].update(message_ja="ID・初期パスワードファイルが設定されていません",
                         message_en="no ID・初期パスワード file is configured")
    items += [item("m365_create", (f"4月に作られる Microsoft 365 アカウント {m['accounts']} 件"
                                   f"（直れば {m['once_fixed']} 件）",
                                   f"{m['accounts']} Microsoft 365 accounts created in April "
                                   f"({m['once_fixed']} more once fixed)"),
                   OWNERS["none"], school_code=m["school_code"], count=m["accounts"],
                   once_fixed=m["once_fixed"]) for m in m365]
    return {"status": status(todo), "items": items,
            "no_password": no_password, "giga_disagree": disagree, "no_giga_id": no_giga,
            "password_file": "configured" if config.password_file else "not configured",
            "file_problems": [dict(f) for f in file_problems],
            "m365_enabled": config.m365 is not None,
            "m365_creates": m365, "m365_total": sum(m["accounts"] for m in m365),
            "m365_once_fixed": sum(m["once_fixed"] for m in m365)}
