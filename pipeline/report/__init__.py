"""The run report: every change, hold and drop of a run with its ``PL`` rule id and reason.

One JSON-able document (:func:`build_report`, following ``docs/pipeline-report.schema.json``)
rendered as JSON, text (rich tables) or HTML (Japanese, with an English toggle). The document
holds no secret: decisions never carry one, delivery results never carry one, and
:func:`build_report` refuses any string that looks like it came from the board's password file
only by construction (nothing here reads it).
"""

from pipeline.report.build import SCHEMA_ID, build_report, plan_tables
from pipeline.report.render import FORMATS, render_report

__all__ = ["FORMATS", "SCHEMA_ID", "build_report", "plan_tables", "render_report"]
