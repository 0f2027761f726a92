"""Compact a state an earlier renkei wrote: its finished plans keep their decisions and lose
the rosters stored inside them.

Since this version a plan keeps its rosters only while it is being delivered
(:meth:`pipeline.state.State.save_plan`). An earlier renkei kept them in every plan for ever:
the city's roster and the previous one, each night (4.2 MB a night at Tsukuba's size, 42 MB
at 230,000 pupils). :func:`compact_state` rewrites each such plan to what this version stores
for it, a slice at a time (a city's roster is never in memory), one transaction per plan: an
interruption leaves every plan either whole or compacted. A plan still to be delivered
(applying, interrupted) is left whole: finishing it reads its rosters.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pipeline.packed import ENCODE, Array, Pieces, inflated, pack
from pipeline.state import UNCOMMITTED, State

#: the keys this version keeps of a plan, in the order it stores them
#: (:func:`pipeline.state._plan_parts`)
KEPT = ("id", "export_sha256", "created_at", "refused", "decisions", "target_ids")


@dataclass
class Compacted:
    """What :func:`compact_state` did."""

    #: plans rewritten without their rosters
    plans: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    #: plans stored whole but still to be delivered: left as they are
    pending: int = 0
    #: plan id → why its body could not be read (left as it is)
    unreadable: dict[str, str] = field(default_factory=dict)
    #: bytes the database file gave back (``vacuum``), else 0
    vacuumed: int = 0
    #: why VACUUM failed (a full disk, most often); the compacted plans stay compacted
    vacuum_error: str = ""


class _Stripped:
    """The JSON text of a plan stored whole, without its rosters and commit: the text this
    version's :meth:`State.save_plan` stores for the same plan (read as it comes)."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self.reader = Pieces(pieces, json.JSONDecoder())

    def parts(self) -> Iterator[str]:
        reader, sep = self.reader, "{"
        for key in reader.members():
            if key == "decisions":
                yield sep + ENCODE(key) + ":"
                yield from Array(reader.array(), _same).parts()
                sep = ","
            elif key in KEPT:
                yield sep + ENCODE(key) + ":" + ENCODE(reader.value())
                sep = ","
            else:
                _skip(reader)
        reader.end()
        yield "{}" if sep == "{" else "}"


def _same(value: object) -> object:
    return value


def _skip(reader: Pieces) -> None:
    """Read past the next value; an array's elements a run at a time, not kept."""
    char = reader.peek()
    if char == "[":
        for _ in reader.array():
            pass
    elif char == "{":
        for _ in reader.members():
            _skip(reader)
    else:
        reader.value()


def compact_state(state: State, *, vacuum: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> Compacted:
    """Rewrite every finished plan an earlier renkei stored whole; ``vacuum`` then gives the
    freed pages back to the disk (SQLite's VACUUM: it needs the database's size free again
    on disk while it runs). ``progress(done, total)`` after each plan."""
    done = Compacted()
    whole = state.plans_stored_whole()
    for n, (rowid, plan_id, status, size) in enumerate(whole, 1):
        if status in UNCOMMITTED:
            done.pending += 1
        else:
            try:
                with state.conn.blobopen("plans", "body", rowid, readonly=True) as blob:
                    body = pack(_Stripped(inflated(blob.read)))
            except (ValueError, zlib.error, sqlite3.Error) as exc:
                done.unreadable[plan_id] = f"{type(exc).__name__}: {exc}"
            else:
                with state.transaction() as c:
                    c.execute("UPDATE plans SET body = ? WHERE rowid = ?", (body, rowid))
                done.plans += 1
                done.bytes_before += int(size)
                done.bytes_after += len(body)
        if progress is not None:
            progress(n, len(whole))
    if vacuum:
        before = state.path.stat().st_size
        try:
            state.conn.execute("VACUUM")
            state.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:  # SQLite leaves the database as it was
            done.vacuum_error = f"{type(exc).__name__}: {exc}"
        done.vacuumed = max(0, before - state.path.stat().st_size)
    return done
