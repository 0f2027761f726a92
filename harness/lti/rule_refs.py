"""Severity shorthands and spec reference names shared by the LTI rule tables
(``rules.py``, ``rules_profile_keys.py``, ``rules_certification.py``)."""

from __future__ import annotations

from harness.core import Severity

E, W, I = Severity.ERROR, Severity.WARN, Severity.INFO  # noqa: E741

SEC = "1EdTech Security Framework 1.0"
CORE = "LTI Core 1.3"
DL = "LTI Deep Linking 2.0"
NRPS = "LTI NRPS 2.0"
AGS = "LTI AGS 2.0"
CERT = "LTI Advantage Conformance Certification Guide v3"
OIDC = "OpenID Connect Core 1.0"
JPEP = "学習eポータル標準モデル LTI1.3 (renkei jp-eportal profile)"
#: The profile id of the Japanese e-portal extra checks.
JP_EPORTAL = "jp-eportal"
PROFILES = ("core", JP_EPORTAL)
