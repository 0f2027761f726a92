"""The run report: every change, hold and drop of a run with its ``PL`` rule id and reason.

One JSON-able document (:func:`build_report`, following ``docs/pipeline-report.schema.json``)
rendered as JSON, text (rich tables) or HTML (Japanese, with an English toggle). The document
holds no secret by construction: decisions and delivery results never carry one, nothing here
reads the board's password file, and run messages are scrubbed of the secret values the
configuration's environment variables hold (:func:`pipeline.report.run.scrub`).
"""

from pipeline.report.build import SCHEMA_ID, build_report, plan_tables
from pipeline.report.render import FORMATS, render_report

__all__ = ["FORMATS", "SCHEMA_ID", "build_report", "plan_tables", "render_report"]
