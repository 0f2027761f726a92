"""The Deep Linking responses renkei, certifying a platform, sends back to it: one good
response and three a correct platform must refuse (Deep Linking 2.0 §4.5, Security Framework
§5.2). Pure: builds signed JWTs; posting them is the caller's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.lti import constants as c
from harness.lti.claims import deep_linking_response_claims, resource_link_item
from harness.lti.signing import sign_message

#: Order matters: the bad responses go first, so that a platform which closes the Deep
#: Linking session after the first good answer cannot pass them by refusing everything late.
DL_CASES = ("dl_bad_signature", "dl_wrong_aud", "dl_good", "dl_replayed")


@dataclass(frozen=True)
class DeepLinkingCase:
    """One response to post: ``jwt`` goes in the form field ``JWT`` to ``url``."""

    id: str
    title: str
    accept: bool
    url: str
    jwt: str
    rules: tuple[str, ...] = ()

    def __repr__(self) -> str:  # the JWT is a credential for the platform
        return f"DeepLinkingCase({self.id!r}, accept={self.accept})"


def deep_linking_cases(tool: Any, request: Mapping[str, Any], *, launch_url: str
                       ) -> list[DeepLinkingCase]:
    """The four responses to the verified LtiDeepLinkingRequest ``request``.

    :param tool: the :class:`harness.lti.tool.Tool` that received the request (its keys sign).
    :param launch_url: the URL of the ltiResourceLink content item.
    """
    settings = request.get(c.DL_SETTINGS) or {}
    url = str(settings.get("deep_link_return_url", ""))
    aud = request.get("aud")
    client_id = aud[0] if isinstance(aud, list) and aud else str(aud)
    items = [resource_link_item(launch_url, "renkei certification item")]

    def payload(**over: Any) -> dict[str, Any]:
        claims = deep_linking_response_claims(
            client_id=client_id, platform_issuer=str(request.get("iss")),
            deployment_id=str(request.get(c.DEPLOYMENT_ID)), data=settings.get("data"),
            content_items=items)
        claims.update(over)
        return claims

    good = sign_message(tool.keys, payload())
    return [
        DeepLinkingCase("dl_bad_signature", "signed by a key outside the tool's JWKS (same kid)",
                        False, url, sign_message(tool.keys, payload(), "foreignkey"),
                        ("LT105",)),
        DeepLinkingCase("dl_wrong_aud", "aud another platform", False, url,
                        sign_message(tool.keys, payload(aud="https://other-platform.example")),
                        ("LT232",)),
        DeepLinkingCase("dl_good", "a correct response", True, url, good),
        DeepLinkingCase("dl_replayed", "the correct response posted again", False, url, good,
                        ("LT234",)),
    ]
