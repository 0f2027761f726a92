"""Licences and the directory: ``/subscribedSkus``, ``/users/{id}/assignLicense``,
``/users/{id}/licenseDetails``, ``/users/{id}/memberOf``, ``/organization``, ``/domains``.

The tenant's SKUs come from config ``SKUS`` ({skuPartNumber: {"skuId", "prepaidUnits"}}; the
Education A1 SKUs by default) and ``POST /_admin/seed`` (``{"skus": [...]}``). A seat is taken
inside the write transaction that checks the count, so ``consumedUnits`` never exceeds
``prepaidUnits.enabled`` under concurrent assignments. Graph's errors: no usage location, no
seats left, unknown SKU, removing a licence the user does not have.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from mocks.base import db_transaction, get_db
from mocks.m365.auth import LICENSE_WRITE, ORG_READ, USER_READ, authenticate, requires, tenant_id
from mocks.m365.errors import GraphError, graph_response
from mocks.m365.links import graph_url
from mocks.m365.store import find_user, note_change, to_graph

bp = Blueprint("m365_licenses", __name__, url_prefix="/v1.0")
bp.before_request(authenticate)
bp.register_error_handler(GraphError, graph_response)

#: Microsoft 365 A1 for students and for faculty (Office 365 Education), Graph's skuIds
DEFAULT_SKUS: dict[str, dict[str, Any]] = {
    "STANDARDWOFFPACK_STUDENT": {"skuId": "314c4481-f395-4525-be8b-2ec4bb1e9d91",
                                 "prepaidUnits": 1_000_000},
    "STANDARDWOFFPACK_FACULTY": {"skuId": "94763226-9b3c-4e75-a931-5c89701abe66",
                                 "prepaidUnits": 500_000},
}
SKU_READ = (*ORG_READ, "LicenseAssignment.Read.All", "LicenseAssignment.ReadWrite.All")


def _bad(message: str) -> GraphError:
    return GraphError(400, "Request_BadRequest", message)


def upsert_skus(conn: sqlite3.Connection, skus: dict[str, dict[str, Any]]) -> None:
    """Add or resize SKUs: {skuPartNumber: {"skuId": GUID, "prepaidUnits": N}}."""
    for part, info in skus.items():
        units = info.get("prepaidUnits")
        if not isinstance(part, str) or not isinstance(info.get("skuId"), str) or not (
                isinstance(units, int) and units >= 0):
            raise ValueError(f"SKU {part!r} needs a skuId (GUID) and prepaidUnits (≥ 0)")
        conn.execute("INSERT INTO skus (skuId, skuPartNumber, enabled) VALUES (?, ?, ?) "
                     "ON CONFLICT(skuId) DO UPDATE SET enabled = excluded.enabled, "
                     "skuPartNumber = excluded.skuPartNumber",
                     (info["skuId"].lower(), part, units))


def _ensure_skus() -> None:
    if get_db().execute("SELECT 1 FROM skus LIMIT 1").fetchone() is None:
        with db_transaction() as conn:
            upsert_skus(conn, current_app.config["SKUS"] or {})


def _consumed(sku_id: str) -> int:
    row = get_db().execute("SELECT consumed FROM skus WHERE skuId = ?", (sku_id,)).fetchone()
    return int(row[0]) if row else 0


def _sku_body(row: sqlite3.Row) -> dict[str, Any]:
    tid = tenant_id(current_app.config["TENANT"] or "renkei")
    return {"accountName": current_app.config["ORGANIZATION"], "accountId": tid,
            "appliesTo": "User", "capabilityStatus": "Enabled",
            "consumedUnits": _consumed(row["skuId"]), "id": f"{tid}_{row['skuId']}",
            "prepaidUnits": {"enabled": row["enabled"], "suspended": 0, "warning": 0,
                             "lockedOut": 0},
            "servicePlans": [], "skuId": row["skuId"], "skuPartNumber": row["skuPartNumber"],
            "subscriptionIds": []}


@bp.get("/subscribedSkus")
@requires(*SKU_READ)
def subscribed_skus() -> Any:
    """The tenant's SKUs with their seats (``prepaidUnits``) and ``consumedUnits``."""
    _ensure_skus()
    rows = get_db().execute("SELECT * FROM skus ORDER BY skuPartNumber").fetchall()
    return jsonify({"@odata.context": graph_url("/$metadata#subscribedSkus"),
                    "value": [_sku_body(r) for r in rows]})


def _user_or_404(key: str) -> sqlite3.Row:
    row = find_user(key)
    if row is None:
        raise GraphError(404, "Request_ResourceNotFound", f"Resource '{key}' does not exist "
                         "or one of its queried reference-property objects are not present.")
    return row


def _sku_ids(items: Any, field: str, *, objects: bool) -> list[str]:
    if not isinstance(items, list):
        raise _bad(f"Invalid value specified for property '{field}'.")
    out = []
    for item in items:
        value = item.get("skuId") if objects and isinstance(item, dict) else item
        if not isinstance(value, str):
            raise _bad(f"Invalid value specified for property '{field}'.")
        out.append(value.lower())
    return out


def assign_license(key: str, body: Any) -> dict[str, Any]:
    """Add and remove licences of one user in one transaction; the user afterwards."""
    if not isinstance(body, dict) or "addLicenses" not in body or "removeLicenses" not in body:
        raise _bad("A value is required for properties 'addLicenses' and 'removeLicenses'.")
    add = _sku_ids(body["addLicenses"], "addLicenses", objects=True)
    remove = _sku_ids(body["removeLicenses"], "removeLicenses", objects=False)
    _ensure_skus()
    with db_transaction() as conn:
        row = _user_or_404(key)
        known = {r["skuId"]: r["enabled"] for r in conn.execute("SELECT * FROM skus")}
        for sku in (*add, *remove):
            if sku not in known:
                raise _bad(f"License {sku} does not correspond to a valid company License.")
        held = {r["skuId"] for r in conn.execute("SELECT skuId FROM licenses WHERE user_id = ?",
                                                  (row["id"],))}
        for sku in remove:
            if sku not in held:
                raise _bad("User does not have a corresponding license.")
            conn.execute("DELETE FROM licenses WHERE user_id = ? AND skuId = ?",
                         (row["id"], sku))
        new = [sku for sku in add if sku not in held]
        if new and not row["usageLocation"]:
            raise _bad("License assignment cannot be done for user with invalid usage "
                       "location.")
        for sku in new:
            # counted inside the write transaction (BEGIN IMMEDIATE): no two requests can
            # both take the last seat
            if _consumed(sku) >= known[sku]:
                raise _bad(f"Subscription with SKU {sku} does not have any available "
                           "licenses.")
            conn.execute("INSERT INTO licenses (user_id, skuId) VALUES (?, ?)",
                         (row["id"], sku))
        note_change(conn, row["id"])
    user = to_graph(_user_or_404(row["id"]))
    return {"@odata.context": graph_url("/$metadata#users/$entity"), **user}


@bp.post("/users/<path:key>/assignLicense")
@requires(*LICENSE_WRITE)
def assign_license_view(key: str) -> Any:
    return jsonify(assign_license(key, request.get_json(force=True, silent=True)))


@bp.get("/users/<path:key>/licenseDetails")
@requires(*USER_READ)
def license_details(key: str) -> Any:
    """The licences assigned to one user, with their SKU part numbers."""
    row = _user_or_404(key)
    rows = get_db().execute(
        "SELECT s.skuId, s.skuPartNumber FROM licenses l JOIN skus s ON s.skuId = l.skuId "
        "WHERE l.user_id = ? ORDER BY s.skuPartNumber", (row["id"],)).fetchall()
    return jsonify({
        "@odata.context": graph_url(f"/$metadata#users('{row['id']}')/licenseDetails"),
        "value": [{"id": f"{r['skuId']}_{row['id']}", "servicePlans": [],
                   "skuId": r["skuId"], "skuPartNumber": r["skuPartNumber"]} for r in rows]})


@bp.get("/users/<path:key>/memberOf")
@requires(*USER_READ)
def member_of(key: str) -> Any:
    """The groups a user is in: the mock keeps no groups, so always none (but 404 as Graph
    for an unknown user)."""
    _user_or_404(key)
    return jsonify({"@odata.context": graph_url("/$metadata#directoryObjects"), "value": []})


def verified_domains() -> list[str]:
    """The tenant's verified domains: config ``DOMAINS`` and the initial onmicrosoft one."""
    return [*(current_app.config["DOMAINS"] or []), current_app.config["INITIAL_DOMAIN"]]


@bp.get("/organization")
@requires(*ORG_READ)
def organization() -> Any:
    """The tenant (one organization) with its verified domains."""
    initial = current_app.config["INITIAL_DOMAIN"]
    domains = [{"capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": i == 0, "isInitial": name == initial, "name": name,
                "type": "Managed"} for i, name in enumerate(verified_domains())]
    return jsonify({"@odata.context": graph_url("/$metadata#organization"), "value": [{
        "id": tenant_id(current_app.config["TENANT"] or "renkei"),
        "displayName": current_app.config["ORGANIZATION"], "countryLetterCode": "JP",
        "preferredLanguage": "ja", "tenantType": "AAD", "verifiedDomains": domains,
        "assignedPlans": [], "businessPhones": [], "city": None, "street": None,
    }]})


@bp.get("/domains")
@requires(*ORG_READ)
def domains() -> Any:
    """The tenant's domains (all verified, managed)."""
    initial = current_app.config["INITIAL_DOMAIN"]
    return jsonify({"@odata.context": graph_url("/$metadata#domains"), "value": [
        {"id": name, "authenticationType": "Managed", "isAdminManaged": True,
         "isDefault": i == 0, "isInitial": name == initial, "isRoot": True,
         "isVerified": True, "supportedServices": ["Email", "OfficeCommunicationsOnline"]}
        for i, name in enumerate(verified_domains())]})
