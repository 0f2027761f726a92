"""What every rendering of the run report shares: the status line in Japanese and the plan
table's columns. The text and HTML renderers both read these; neither imports the other."""

from __future__ import annotations

from pipeline.report.build import CHANGE_TYPES

#: Run status → the status line in Japanese (状況).
STATUS_JA = {"applied": "反映しました", "nothing-to-do": "変更はありません",
             "dry-run": "試行（何も反映していません）",
             "holds": "反映しました（保留あり・要確認）",
             "refused": "拒否しました（何も反映していません）",
             "quarantined": "隔離しました（何も反映していません）",
             "interrupted": "中断しました（再実行してください）"}


#: Plan action → Japanese (the plan tables' headers and the rehearsal's 連携の計画 column).
ACTION_JA = {"create": "作成", "update": "更新", "move": "移動", "rename": "氏名変更",
             "promote": "進級", "graduate": "卒業", "hold": "保留", "drop": "除外",
             "missing": "不在", "disable": "無効化", "delete": "削除", "link": "名寄せ",
             "mismatch": "不一致", "merge": "統合", "refuse": "拒否", "enable": "再有効化",
             "cleanse": "整形", "report": "報告"}


def plan_columns(by_action: dict[str, int]) -> list[str]:
    """The plan table's columns: the change types present, in :data:`CHANGE_TYPES` order, then
    any other action alphabetically."""
    return [a for a in CHANGE_TYPES if by_action.get(a)] + sorted(
        a for a in by_action if a not in CHANGE_TYPES)
