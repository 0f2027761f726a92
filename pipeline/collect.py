"""Collect: fetch the nightly export and keep it, checksummed, for audit and replay (PL101–PL106).

The export comes from C4th's HTTP endpoint (through :class:`pipeline.http.RetryingHttpClient`),
from the newest file in a drop folder, or — for a replay — from a file named on the command line
(``--export``). Every received file is copied into ``<state folder>/received/`` (mode 0600: it
holds personal data) and recorded with its SHA-256 and arrival time; files past the retention
(days, count) are pruned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.clients.c4th import C4thClient
from pipeline.config import Config, ConfigError
from pipeline.http import RetryingHttpClient, SessionFactory, TargetError
from pipeline.state import State


class CollectError(Exception):
    """No export could be collected (the source is down, the folder is empty)."""


@dataclass(frozen=True)
class Received:
    """An export as kept: where, its SHA-256, when it arrived, and whether it is a replay."""

    path: Path
    sha256: str
    filename: str
    received_at: str
    origin: str
    replay: bool = False
    new: bool = True


def received_dir(config: Config) -> Path:
    return config.state_path.parent / "received"


def collect(config: Config, state: State, *, session_factory: SessionFactory | None = None,
            export: str | os.PathLike[str] | None = None,
            now: dt.datetime | None = None) -> Received:
    """Fetch (or take) one export and keep it. Raises :class:`CollectError`."""
    when = (now or dt.datetime.now(dt.UTC)).isoformat()
    if export is not None:
        path = Path(export)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CollectError(f"cannot read {path}: {exc.strerror or exc}") from None
        return keep(config, state, data, path.name, when, origin=f"file:{path}", replay=True)
    if config.source.url:
        data, name = _fetch(config, session_factory)
        return keep(config, state, data, name, when, origin=config.source.url)
    assert config.source.drop_dir is not None
    newest = newest_in(config.source.drop_dir, config.source.pattern)
    try:
        data = newest.read_bytes()
    except OSError as exc:
        raise CollectError(f"cannot read {newest}: {exc.strerror or exc}") from None
    return keep(config, state, data, newest.name, when, origin=f"drop:{newest}")


def _fetch(config: Config, session_factory: SessionFactory | None) -> tuple[bytes, str]:
    token = config.env(config.source.token_env, key="source.token_env")
    if config.source.token_env and token is None:
        raise ConfigError(f"environment variable {config.source.token_env} is not set",
                          key="source.token_env", path=str(config.path))
    ca = config.source.ca_file
    http = RetryingHttpClient(session_factory, target="c4th", policy=config.retry,
                              verify=str(ca) if ca else True)
    client = C4thClient(http, config.source.url or "", token=token)
    try:
        export = client.fetch_export()
    except TargetError as exc:
        raise CollectError(str(exc)) from None
    finally:
        client.http.close()
    return export.content, export.filename


def newest_in(folder: Path, pattern: str) -> Path:
    """The most recently modified file matching ``pattern`` in ``folder``."""
    if not folder.is_dir():
        raise CollectError(f"drop folder {folder} does not exist")
    files = [p for p in folder.glob(pattern) if p.is_file() and not p.name.endswith(".part")]
    if not files:
        raise CollectError(f"drop folder {folder} holds no file matching {pattern}")
    return max(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def keep(config: Config, state: State, data: bytes, filename: str, when: str, *,
         origin: str, replay: bool = False) -> Received:
    """Store ``data`` under the state folder (once per SHA-256) and record it."""
    sha = hashlib.sha256(data).hexdigest()
    for row in state.received():
        if row["sha256"] == sha and Path(row["path"]).is_file():
            return Received(Path(row["path"]), sha, row["filename"], row["received_at"],
                            row["origin"], replay=replay, new=False)
    folder = received_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(filename).name)
    stamp = when[:19].replace("-", "").replace(":", "")
    target = folder / f"{stamp}_{sha[:12]}_{safe or 'export.zip'}"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".recv.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    state.forget_received([sha])  # a row whose file vanished is replaced
    state.add_received(sha, filename, str(target), len(data), when, origin)
    return Received(target, sha, filename, when, origin, replay=replay)


def prune(config: Config, state: State, now: dt.datetime, *, keep_sha: str = "") -> int:
    """Delete kept exports older than the retention days or beyond the retention count."""
    rows = state.received()
    limit = now - dt.timedelta(days=config.retention_days)
    doomed = []
    for i, row in enumerate(reversed(rows)):  # newest first
        try:
            arrived = dt.datetime.fromisoformat(row["received_at"])
        except ValueError:
            arrived = now
        if arrived.tzinfo is None:
            arrived = arrived.replace(tzinfo=dt.UTC)
        too_old = arrived < limit
        if row["sha256"] != keep_sha and (too_old or i >= config.retention_count):
            doomed.append(row)
    for row in doomed:
        Path(row["path"]).unlink(missing_ok=True)
    state.forget_received([r["sha256"] for r in doomed])
    return len(doomed)
