"""The Deep Linking responses renkei, certifying a platform, sends back to it: one good
response and the bad ones a correct platform must refuse (Deep Linking 2.0 §4.5, Security Framework
§5.2). Pure: builds signed JWTs; posting them is the caller's job.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.lti import constants as c
from harness.lti.claims import deep_linking_response_claims, resource_link_item
from harness.lti.signing import sign_message

#: Order matters: the bad responses go first, so that a platform which closes the Deep
#: Linking session after the first good answer cannot pass them by refusing everything late.
DL_CASES = ("dl_bad_signature", "dl_unknown_kid", "dl_wrong_aud", "dl_no_aud", "dl_other_iss",
            "dl_unknown_deployment", "dl_no_deployment", "dl_version_120", "dl_no_nonce",
            "dl_no_exp", "dl_no_iat", "dl_iat_old", "dl_good", "dl_replayed")
TWO_DAYS = 2 * 86400


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
    """The responses to the verified LtiDeepLinkingRequest ``request``, in :data:`DL_CASES`
    order: each bad one carries one defect a platform must refuse (Deep Linking 2.0 §4.5,
    Security Framework §5.2); ``dl_good`` is right; ``dl_replayed`` is ``dl_good`` again.

    :param tool: the :class:`harness.lti.tool.Tool` that received the request (its keys sign).
    :param launch_url: the URL of the ltiResourceLink content item.
    """
    settings = request.get(c.DL_SETTINGS) or {}
    url = str(settings.get("deep_link_return_url", ""))
    aud = request.get("aud")
    client_id = aud[0] if isinstance(aud, list) and aud else str(aud)
    items = [resource_link_item(launch_url, "renkei certification item")]

    def payload(*drop: str, **over: Any) -> dict[str, Any]:
        claims = deep_linking_response_claims(
            client_id=client_id, platform_issuer=str(request.get("iss")),
            deployment_id=str(request.get(c.DEPLOYMENT_ID)), data=settings.get("data"),
            content_items=items)
        claims.update(over)
        for name in drop:
            claims.pop(name, None)
        return claims

    def bad(case_id: str, title: str, rules: tuple[str, ...], *drop: str, mode: str = "rs256",
            **over: Any) -> DeepLinkingCase:
        return DeepLinkingCase(case_id, title, False, url,
                               sign_message(tool.keys, payload(*drop, **over), mode), rules)

    now = int(time.time())
    good = sign_message(tool.keys, payload())
    return [
        bad("dl_bad_signature", "signed by a key outside the tool's JWKS (same kid)",
            ("LT105",), mode="foreignkey"),
        bad("dl_unknown_kid", "a kid that is not in the tool's JWKS", ("LT103",),
            mode="wrongkid"),
        bad("dl_wrong_aud", "aud another platform", ("LT232",),
            aud="https://other-platform.example"),
        bad("dl_no_aud", "no aud", ("LT232",), "aud"),
        bad("dl_other_iss", "iss of another tool", ("LT232",), iss="renkei-other-tool"),
        bad("dl_unknown_deployment", "deployment_id the platform never issued", ("LT205",),
            **{c.DEPLOYMENT_ID: "renkei-unknown-deployment"}),
        bad("dl_no_deployment", "no deployment_id", ("LT204",), c.DEPLOYMENT_ID),
        bad("dl_version_120", "version 1.2.0", ("LT203",), **{c.VERSION: "1.2.0"}),
        bad("dl_no_nonce", "no nonce", ("LT113",), "nonce"),
        bad("dl_no_exp", "no exp", ("LT116",), "exp"),
        bad("dl_no_iat", "no iat", ("LT116",), "iat"),
        bad("dl_iat_old", "iat two days old (exp still ahead)", ("LT112",),
            iat=now - TWO_DAYS, exp=now + 600),
        DeepLinkingCase("dl_good", "a correct response", True, url, good),
        DeepLinkingCase("dl_replayed", "the correct response posted again", False, url, good,
                        ("LT234",)),
    ]
