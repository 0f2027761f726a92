"""みらいスクールプラットフォーム (Mirai School Platform): junior-high digital textbooks, an LTI 1.3
tool.

Serves grades J1–J3; verifies every launch with harness.lti, refuses other grades with a page
naming the grade, grants the school's licence (ライセンス付与) per grade and 年度 from the launch,
and records every launch for the harness (``GET /_admin/state``)::

    app = create_app({"DATABASE": ":memory:"})
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from mocks.base import create_mock_app
from mocks.lti_tool.textbook import Product, textbook_spec

SUBJECTS = ("国語", "書写", "社会", "数学", "理科", "英語")

PRODUCT = Product(
    name="mirai_school", client_id="mirai-school", title_ja="みらいスクールプラットフォーム",
    title_en="Mirai School Platform", stage_ja="中学校", stage_en="junior high school",
    grades={"J1": SUBJECTS, "J2": SUBJECTS, "J3": SUBJECTS},
)
SPEC = textbook_spec(PRODUCT, __name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The みらいスクールプラットフォーム mock app; ``config`` overrides the defaults."""
    return create_mock_app(SPEC, config)
