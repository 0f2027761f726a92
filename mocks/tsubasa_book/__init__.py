"""つばさブック (Tsubasa Book): elementary digital textbooks (大日本図書), an LTI 1.3 tool.

Serves grades P1–P6; verifies every launch with harness.lti, refuses other grades with a page
naming the grade, grants the school's licence (ライセンス付与) per grade and 年度 from the launch,
and records every launch for the harness (``GET /_admin/state``)::

    app = create_app({"DATABASE": ":memory:"})
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from mocks.base import create_mock_app
from mocks.lti_tool.textbook import Product, textbook_spec

ELEMENTARY = ("国語", "書写", "算数", "生活")
MIDDLE = ("国語", "書写", "社会", "算数", "理科")
UPPER = ("国語", "書写", "社会", "算数", "理科", "英語")

PRODUCT = Product(
    name="tsubasa_book", client_id="tsubasa-book", title_ja="つばさブック",
    title_en="Tsubasa Book", stage_ja="小学校", stage_en="elementary school",
    grades={"P1": ELEMENTARY, "P2": ELEMENTARY, "P3": MIDDLE, "P4": MIDDLE, "P5": UPPER,
            "P6": UPPER},
)
SPEC = textbook_spec(PRODUCT, __name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The つばさブック mock app; ``config`` overrides the defaults (see mocks.lti_tool)."""
    return create_mock_app(SPEC, config)
