"""Answer bodies shared by the mocks that speak OneRoster (lgate, the drill app).

- :func:`finding_json`: a checker finding as a 422 body lists it (the lgate contract's keys,
  no spec text), for a refused bulk or delta upload;
- :func:`imsx_error`: OneRoster 1.2 REST's status-info error body (imsx_StatusInfo).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from harness.core import Finding


def finding_json(f: Finding) -> dict[str, Any]:
    """A finding as a refused upload's 422 body lists it."""
    return {"rule": f.rule, "severity": str(f.severity), "file": f.file, "line": f.line,
            "column": f.column, "message_ja": f.message_ja, "message_en": f.message_en}


def imsx_error(status: int, minor: str, description: str) -> tuple[Response, int]:
    """OneRoster 1.2's REST error (imsx_codeMajor ``failure`` with one imsx_CodeMinor field)."""
    return jsonify({"imsx_codeMajor": "failure", "imsx_severity": "error",
                    "imsx_description": description,
                    "imsx_CodeMinor": {"imsx_codeMinorField": [
                        {"imsx_codeMinorFieldName": "TargetEndSystem",
                         "imsx_codeMinorFieldValue": minor}]}}), status
