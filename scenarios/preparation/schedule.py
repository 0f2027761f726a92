"""The timeline from today to the rollover night, with the model schedule's milestones.

The Digital Agency model schedule (shared seed ``model-schedule-account-linkage.txt`` §2-3, §2-4)
asks a board to finish the C4th settings before next year's data is entered, and the account
linkage settings — including the data migration of current pupils — before the 進級時のアカウント
更新 at the turn of the 年度. Its chart gives months, not days; the defaults below read them as
dates relative to the rollover, and every one can be set in the config's ``[schedule]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Milestone:
    """One date on the timeline. ``key`` is its ``[schedule]`` key."""

    key: str
    date: dt.date
    ja: str
    en: str


#: key → (month, day, years before the rollover's year, Japanese, English)
MILESTONES: tuple[tuple[str, int, int, int, str, str], ...] = (
    ("c4th_settings", 12, 1, 1, "校務支援システムの設定作業の期限",
     "C4th settings done"),
    ("entrants_roster", 2, 1, 0, "次年度の入学者名簿の作成（ID・初期パスワードファイルを含む）",
     "next year's entrants roster (and their ID・初期パスワード rows)"),
    ("linkage_settings", 3, 1, 0, "アカウント連携の設定作業の期限（データ移行を含む）",
     "account linkage settings done (data migration included)"),
)

#: preparation task → the milestone that is its deadline (``rollover``: the night itself)
TASK_DEADLINES = {"check": "c4th_settings", "cleanse": "linkage_settings",
                  "settings": "linkage_settings", "migration": "linkage_settings",
                  "giga": "entrants_roster", "promotion": "rollover"}


def next_april_first(today: dt.date) -> dt.date:
    """The next 1 April on or after ``today``'s day after (the 年度 turns on 1 April)."""
    april = dt.date(today.year, 4, 1)
    return april if today < april else dt.date(today.year + 1, 4, 1)


@dataclass(frozen=True)
class Schedule:
    """Today, the rollover night and the milestones, in date order."""

    today: dt.date
    rollover: dt.date
    milestones: tuple[Milestone, ...]

    def deadline(self, task: str) -> dt.date:
        key = TASK_DEADLINES[task]
        if key == "rollover":
            return self.rollover
        return next(m.date for m in self.milestones if m.key == key)

    def to_json(self) -> dict[str, object]:
        return {"today": self.today.isoformat(), "rollover": self.rollover.isoformat(),
                "days_left": (self.rollover - self.today).days,
                "milestones": [{"key": m.key, "date": m.date.isoformat(), "ja": m.ja,
                                "en": m.en, "passed": m.date < self.today}
                               for m in self.milestones]}


def schedule_for(today: dt.date, configured: Mapping[str, dt.date]) -> Schedule:
    """The timeline: ``configured`` (the config's ``[schedule]``) over the defaults."""
    rollover = configured.get("rollover") or next_april_first(today)
    out = []
    for key, month, day, back, ja, en in MILESTONES:
        date = configured.get(key) or dt.date(rollover.year - back, month, day)
        out.append(Milestone(key, date, ja, en))
    out.append(Milestone("rollover", rollover, "年次更新（進級時のアカウント更新）の夜",
                         "the rollover night"))
    return Schedule(today, rollover, tuple(sorted(out, key=lambda m: m.date)))


#: keys ``[schedule]`` knows (the config loader accepts any date; the report warns on others)
KEYS = ("rollover", *(m[0] for m in MILESTONES))
