"""Microsoft 365 Education (GIGA accounts): the Microsoft Graph v1.0 subset for provisioning.

Entra ID's side (:mod:`mocks.m365.auth`): discovery documents, JWKS and client-credential
tokens as RS256 JWTs (``POST /{tenant}/oauth2/v2.0/token``), checked on every Graph call with
the app's roles. Graph's own paths and JSON shapes: ``/v1.0/users`` (create,
list with ``$filter``/``$select``/``$top`` and ``@odata.nextLink``, read, update, delete by id
or userPrincipalName) and ``/v1.0/$batch`` (≤ 20 requests). Errors as Graph sends them,
including 400 ``Request_BadRequest``/``ObjectConflict`` for a duplicate userPrincipalName and
429 ``TooManyRequests`` with Retry-After under throttling (config ``THROTTLE``).
Licences, ``/organization`` and ``/domains`` in :mod:`mocks.m365.licenses`. Links are built
from the request (:mod:`mocks.m365.links`), so the mock works behind a proxy and over https.
Passwords are stored as scrypt hashes and never returned.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask

from mocks.base import MockSpec, create_mock_app
from mocks.m365 import admin, auth, batch, licenses, users
from mocks.m365.errors import fault_error, http_error
from mocks.m365.openapi import describe
from mocks.m365.store import SCHEMA, dump_state

DEFAULTS: dict[str, Any] = {
    "CLIENTS": {"renkei-pipeline": "renkei-dev-secret"},  # {client_id: client secret}
    "TENANT": None,          # None: any tenant id in the token URL
    "TENANT_ID": None,       # the directory id (tid); None: derived from the tenant in the URL
    # {client_id: [application permissions]} in the tokens; a client not named gets
    # auth.DEFAULT_ROLES (User.ReadWrite.All, Organization.Read.All, LicenseAssignment…)
    "ROLES": None,
    "KEY_DIR": None,         # token signing keys kept here (survive a restart); None: memory
    "DOMAINS": None,         # verified UPN domains; None: any
    "INITIAL_DOMAIN": "renkei.onmicrosoft.com",  # the tenant's initial domain (always verified)
    "ORGANIZATION": "renkei 教育委員会",  # the organization's displayName
    # the tenant's SKUs and seats: {skuPartNumber: {"skuId": GUID, "prepaidUnits": N}};
    # POST /_admin/seed {"skus": {...}} adds or resizes them at run time
    "SKUS": licenses.DEFAULT_SKUS,
    "TOKEN_LIFETIME": 3599,  # seconds, as Entra ID's app tokens
    "THROTTLE": None,        # {"per_second": N}: 429 + Retry-After beyond N requests a second
    # scrypt cost (salted, r=8): 2**8 is ~2.5 ms a hash on a small container, which keeps
    # Tsukuba-scale provisioning (23k users) near a minute. The mock only ever holds synthetic
    # passwords; raise it where real ones might land
    "PASSWORD_SCRYPT_N": 2 ** 8,
    # a memory database in SQLite's memdb VFS: one commit per $batch would otherwise walk the
    # shared cache's every page (mocks.base.db); ignored for a database file
    "DATABASE_MEMDB": True,
    "CLOCK": time.time,
}

SPEC = MockSpec(
    name="m365", title_ja="Microsoft 365 Education (GIGAアカウント)",
    title_en="Microsoft 365 Education — Microsoft Graph v1.0 users", import_name=__name__,
    schema_sql=SCHEMA, defaults=DEFAULTS,
    blueprints=(auth.bp, licenses.bp, users.bp, batch.bp, admin.bp),
    state=dump_state, seed=admin.seed, openapi=describe, error_response=http_error,
    fault_error=fault_error, init_app=auth.init_app,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The m365 mock app (see :data:`DEFAULTS` for its own settings)."""
    return create_mock_app(SPEC, config)
