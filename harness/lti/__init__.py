"""The LTI 1.3 kit: keys and JWKS, the platform, the tool and the LT rule catalogue.

Depends on ``harness.core`` only (see README.md in this folder).
"""

from harness.lti.checks import Expectation
from harness.lti.claims import Person, build_launch_claims, person_from_oneroster
from harness.lti.keys import KeyPair, KeyStore
from harness.lti.platform import LaunchSpec, Platform, ToolRegistration
from harness.lti.rules import REGISTRY
from harness.lti.tool import PlatformRegistration, Tool
from harness.lti.verify import Verdict, verify_id_token

__all__ = [
    "REGISTRY", "Expectation", "KeyPair", "KeyStore", "LaunchSpec", "Person", "Platform",
    "PlatformRegistration", "Tool", "ToolRegistration", "Verdict", "build_launch_claims",
    "person_from_oneroster", "verify_id_token",
]
