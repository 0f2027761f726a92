"""From a municipality's configuration to the delivery targets' clients.

Secrets are read from the environment variables the configuration names, at the moment a client
is made, and handed to the client only; they are never stored anywhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.accounts.passwords import (
    PasswordEntry,
    PasswordFileError,
    merge_password_files,
    read_password_file,
)
from harness.core.gcpause import lasting_pass
from pipeline.apply.bundles import Source
from pipeline.clients import DrillClient, GraphClient, LgateClient
from pipeline.http import RetryingHttpClient, RetryPolicy, SessionFactory
from pipeline.preprocess.passwords import password_paths

#: Delivery order: the e-portal first (it is the hub), then the accounts, then the drill app.
ORDER = ("lgate", "m365", "drill")


class PasswordSourceError(Exception):
    """The board's ID・初期パスワード file cannot be read (the message holds no password)."""


@dataclass
class Targets:
    """The configured delivery targets, their bundle source and the board's password file.

    :param passwords: loads the board's file (by userMasterIdentifier) when first needed.
    """

    source: Source
    lgate: LgateClient | None = None
    m365: GraphClient | None = None
    drill: DrillClient | None = None
    passwords: Callable[[], dict[str, PasswordEntry]] = field(default=dict, repr=False)
    usage_location: str = "JP"
    #: the licence each pupil's account gets (skuPartNumber or skuId); None: none
    student_sku: str | None = None
    #: the C4th value copied into employeeId (``userMasterIdentifier``) or None
    employee_id: str | None = None

    def names(self) -> tuple[str, ...]:
        return tuple(t for t in ORDER if getattr(self, t) is not None)


def board_name(config: Any) -> str:
    """The board's name (教育委員会) from the municipality's name."""
    name = str(getattr(config, "name", "") or "")
    return name if name.endswith("教育委員会") else f"{name}教育委員会"


def password_loader(pattern: Path | str | None) -> Callable[[], dict[str, PasswordEntry]]:
    """Read the board's file(s) once, on first use, settled as the plan settled them.

    A path or a glob, read in name order; :func:`harness.accounts.merge_password_files`
    sets conflicts aside and lets a later file replace an earlier one only for the same
    pupil with the same GIGA id (the conflicts' pupils were held when the plan was made).
    """
    cache: dict[str, PasswordEntry] | None = None

    def load() -> dict[str, PasswordEntry]:
        nonlocal cache
        if cache is None:
            cache = {}
            if pattern is not None:
                paths = [p for p in password_paths(Path(pattern)) if p.exists()]
                read = []
                with lasting_pass():  # a city's passwords, kept for the delivery
                    for path in paths:
                        try:
                            read.append(read_password_file(path))
                        except (PasswordFileError, OSError) as exc:
                            raise PasswordSourceError(f"{path}: {exc}") from None
                    cache = merge_password_files(read).entries
                    del read
        return cache

    return load


def targets_from_config(config: Any, session_factory: SessionFactory | None, *,
                        sleep: Callable[[float], None] = time.sleep,
                        policy: RetryPolicy | None = None) -> Targets:
    """Clients for every target the configuration enables (``pipeline.config.Config``).

    :param policy: the clients' retry policy; default ``config.delivery_retry``.
    """
    policy = policy or config.delivery_retry

    def http(target: str, ca_file: Any = None) -> RetryingHttpClient:
        return RetryingHttpClient(session_factory, target=target, policy=policy, sleep=sleep,
                                  verify=str(ca_file) if ca_file else True)

    source = Source(board_name(config), str(config.board_code))
    targets = Targets(source=source,
                      passwords=password_loader(getattr(config, "password_file", None)))
    if config.lgate is not None:
        targets.lgate = LgateClient(
            http("lgate", config.lgate.ca_file), config.lgate.url,
            token=config.env(config.lgate.token_env, key="targets.lgate.token_env"))
    if config.m365 is not None:
        m = config.m365
        login = m.token_url.split(f"/{m.tenant}/oauth2")[0] if m.token_url else None
        targets.m365 = GraphClient(http("m365", m.ca_file), m.graph_url, tenant=m.tenant,
                                   client_id=m.client_id,
                                   client_secret=config.m365_client_secret(), login_url=login)
        targets.usage_location = m.usage_location
        targets.student_sku, targets.employee_id = m.student_sku, m.employee_id
    if config.drill is not None:
        targets.drill = DrillClient(
            http("drill", config.drill.ca_file), config.drill.url,
            token=config.env(config.drill.token_env, key="targets.drill.token_env"))
    return targets
