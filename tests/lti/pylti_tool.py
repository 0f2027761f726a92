"""A small LTI 1.3 tool built on PyLTI1p3 (the independent implementation renkei is tested
against). Test-only; the way its README's Flask example wires it. ``check_cookies=True`` calls
``enable_check_cookies()`` as tools in the field do: ``/login`` then first answers 200 with
PyLTI1p3's cookie-check page, whose script reloads the login with ``lti1p3_new_window=1``.

A launch that PyLTI1p3 validates answers 200 JSON ``{"accepted": true, ...}``; an
LtiException answers 401 JSON ``{"accepted": false, "error": ...}``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.tool_config import ToolConfDict

from harness.lti.keys import KeyPair


def create_pylti_tool(*, issuer: str, client_id: str, auth_login_url: str, auth_token_url: str,
                      deployment_ids: list[str], base_url: str, key_set_url: str | None = None,
                      key_set: dict[str, Any] | None = None, check_cookies: bool = False,
                      accepted_page: str | None = None) -> Flask:
    """:param accepted_page: answer an accepted launch with this text in an HTML page (as most
        tools do) instead of JSON."""
    app = Flask(__name__)
    app.secret_key = "pylti-test-tool-session-key"
    key = KeyPair.generate("pylti-tool")
    conf = ToolConfDict({issuer: [{
        "default": True, "client_id": client_id, "auth_login_url": auth_login_url,
        "auth_token_url": auth_token_url, "key_set_url": key_set_url, "key_set": key_set,
        "deployment_ids": deployment_ids,
    }]})
    conf.set_private_key(issuer, key.private_pem().decode(), client_id=client_id)
    conf.set_public_key(issuer, key.public_pem().decode(), client_id=client_id)
    app.config["PYLTI_JWKS"] = {"keys": [key.public_jwk()]}
    launch_url = base_url.rstrip("/") + "/launch"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        try:
            oidc = FlaskOIDCLogin(FlaskRequest(), conf)
            if check_cookies:
                oidc.enable_check_cookies()
            return oidc.redirect(launch_url)
        except (OIDCException, LtiException) as exc:
            return jsonify({"accepted": False, "error": str(exc)}), 400
        except Exception as exc:  # noqa: BLE001 - PyLTI1p3 raises bare Exception for unknown iss
            return jsonify({"accepted": False, "error": f"{type(exc).__name__}: {exc}"}), 400

    @app.post("/launch")
    def launch() -> Any:
        try:
            data = FlaskMessageLaunch(FlaskRequest(), conf).get_launch_data()
        except (LtiException, OIDCException) as exc:
            return jsonify({"accepted": False, "error": str(exc)}), 401
        except Exception as exc:  # noqa: BLE001 - an uncaught library error is an answer too
            return jsonify({"accepted": False, "error": f"{type(exc).__name__}: {exc}"}), 500
        if accepted_page is not None:
            return f"<!doctype html><p>{accepted_page}</p>"
        return jsonify({"accepted": True, "sub": data.get("sub")})

    @app.get("/jwks")
    def jwks() -> Any:
        return jsonify(app.config["PYLTI_JWKS"])

    return app
