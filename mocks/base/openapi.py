"""Pieces of the mocks' OpenAPI 3.1 documents: the document itself and the error schemas.

Every mock describes its vendor API at ``GET /openapi.json`` (``MockSpec.openapi``). The
error bodies that more than one mock answers are written once here: the base's own
``{"error": {"code", "message"}}`` (:func:`error_schema`, which a mock widens with its own
fields), the OneRoster 1.2 REST status info (:data:`STATUS_INFO`, with :data:`GUID_REF` the
other piece both OneRoster read APIs share) and a checker finding (:data:`FINDING`) as the
import endpoints list them.
"""

from __future__ import annotations

from typing import Any

from mocks.base.spec import JsonDict

#: a renkei checker finding as an import endpoint's 422 body lists it
FINDING: JsonDict = {
    "type": "object", "required": ["rule", "severity", "message_en", "message_ja"],
    "properties": {
        "rule": {"type": "string", "examples": ["OR528"]},
        "severity": {"type": "string", "enum": ["ERROR", "WARN", "INFO"]},
        "file": {"type": ["string", "null"]}, "line": {"type": ["integer", "null"]},
        "column": {"type": ["integer", "null"]}, "message_ja": {"type": "string"},
        "message_en": {"type": "string"},
    },
}

#: OneRoster 1.2 REST's reference to another object (GUIDRef)
GUID_REF: JsonDict = {
    "type": "object", "required": ["href", "sourcedId", "type"],
    "properties": {"href": {"type": "string"}, "sourcedId": {"type": "string"},
                   "type": {"type": "string"}},
}

#: OneRoster 1.2 REST's error body (imsx_StatusInfo), as the read APIs answer it
STATUS_INFO: JsonDict = {
    "type": "object", "required": ["imsx_codeMajor", "imsx_severity"],
    "properties": {"imsx_codeMajor": {"enum": ["failure"]},
                   "imsx_severity": {"type": "string"},
                   "imsx_description": {"type": "string"},
                   "imsx_CodeMinor": {"type": "object"}},
}


def error_schema(**extra: JsonDict) -> JsonDict:
    """The schema of ``{"error": {"code", "message", **extra}}``: the base's error body (and
    the admin API's), with a mock's own extra fields (e.g. ``findings``) as ``extra``."""
    return {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, **extra},
        }},
    }


def json_response(schema: JsonDict, description: str, **extra: Any) -> JsonDict:
    """A response object with a JSON body of ``schema`` (``extra``: e.g. ``headers``)."""
    return {"description": description,
            "content": {"application/json": {"schema": schema}}, **extra}


def document(title: str, description: str, paths: JsonDict, *, base_url: str | None = None,
             version: str = "1.0", **extra: Any) -> JsonDict:
    """A whole OpenAPI 3.1 document around ``paths``.

    :param base_url: the one server (the mock's ``BASE_URL``); None lists none.
    :param extra: further top-level members (``components``, ``security``).
    """
    doc: JsonDict = {"openapi": "3.1.0",
                     "info": {"title": title, "version": version, "description": description}}
    if base_url is not None:
        doc["servers"] = [{"url": base_url}]
    return {**doc, **extra, "paths": paths}

