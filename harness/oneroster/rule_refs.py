"""Severity shorthands, profile ids and spec reference names shared by the OneRoster rule
tables (``rules.py``, ``rules_practice.py``)."""

from __future__ import annotations

from harness.core import Severity

E, W, I = Severity.ERROR, Severity.WARN, Severity.INFO  # noqa: E741
#: The Japan profiles (a rule with ``profiles=JP`` runs only under one of them).
JP = ("jp-1.1", "jp-eportal-v4", "jp-k12-v1")

CSV = "OneRoster 1.2.1 CSV Binding"
OV = f"{CSV} §2 (CSV Overview)"
FMT = f"{CSV} §3 (CSV Format)"
DEP = f"{CSV} Appendix A (file dependency matrix)"
JPP = "OneRoster Japan Profile 1.2.1 (学習eポータル標準モデル V4.00)"
K12 = "1EdTech OneRoster 1.2 Japan K-12/Schools Profile v1.0"
RFC = "RFC 4180"
PILOT = "つくば市実証 成果報告書 §3.3"
