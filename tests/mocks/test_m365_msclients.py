"""Microsoft's own clients, unchanged, against the m365 mock over real TLS on loopback.

Each test is written the way a board's provisioning script uses the library: msal and
azure-identity get a token after discovery, msgraph-sdk does the Graph calls. The only mock
specifics are the authority (the mock's URL) and the CA, given as a user would: the
``REQUESTS_CA_BUNDLE`` and ``SSL_CERT_FILE`` environment variables.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msal
import pytest
import requests
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.assigned_license import AssignedLicense
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.user import User
from msgraph.generated.users.item.assign_license.assign_license_post_request_body import (
    AssignLicensePostRequestBody,
)
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import PageIterator
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from mocks.serve import MockServers
from mocks.tls import TlsFiles, ensure_tls

TENANT = "tsukuba.onmicrosoft.com"
DOMAIN = "school.example.jp"
SCOPES = ["https://graph.microsoft.com/.default"]
APP, SECRET = "renkei-pipeline", "renkei-dev-secret"
READER = "roster-reader"  # an app granted User.Read.All only


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return ensure_tls(tmp_path_factory.mktemp("m365-tls"))


@pytest.fixture(scope="session")
def m365(tls: TlsFiles) -> Iterator[MockServers]:
    config = {"m365": {"TENANT": TENANT, "DOMAINS": [DOMAIN],
                       "CLIENTS": {APP: SECRET, READER: "reader-secret"},
                       "ROLES": {READER: ["User.Read.All"]}}}
    with MockServers(["m365"], port_base=0, threads=4, tls=tls, config=config) as servers:
        yield servers


@pytest.fixture
def url(m365: MockServers, tls: TlsFiles, monkeypatch: pytest.MonkeyPatch) -> str:
    """The mock's URL, with its CA trusted the way a user sets it up (environment)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca))
    base = m365.urls["m365"]
    requests.post(f"{base}/_admin/reset", timeout=10).raise_for_status()
    requests.delete(f"{base}/_admin/faults", timeout=10)
    return base


def graph(url: str, client_id: str = APP, secret: str = SECRET) -> GraphServiceClient:
    credential = ClientSecretCredential(TENANT, client_id, secret, authority=url,
                                        disable_instance_discovery=True)
    client = GraphServiceClient(credential, scopes=SCOPES)
    client.request_adapter.base_url = f"{url}/v1.0"
    return client


def new_user(n: int) -> User:
    return User(account_enabled=True, display_name=f"生徒 {n}", mail_nickname=f"s{n:04d}",
                user_principal_name=f"s{n:04d}@{DOMAIN}", usage_location="JP",
                password_profile=PasswordProfile(password=f"Init-Pass{n:04d}",
                                                 force_change_password_next_sign_in=True))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# --- tokens ----------------------------------------------------------------------------------

def test_msal_discovers_the_tenant_then_gets_a_token(url: str) -> None:
    app = msal.ConfidentialClientApplication(APP, client_credential=SECRET,
                                             authority=f"{url}/{TENANT}",
                                             instance_discovery=False)
    result = app.acquire_token_for_client(scopes=SCOPES)
    assert "access_token" in result, result.get("error_description")
    assert result["token_type"] == "Bearer"


def test_msal_gets_entras_error_for_a_bad_secret(url: str) -> None:
    app = msal.ConfidentialClientApplication(APP, client_credential="wrong",
                                             authority=f"{url}/{TENANT}",
                                             instance_discovery=False)
    result = app.acquire_token_for_client(scopes=SCOPES)
    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS7000215:")


def test_azure_identity_client_secret_credential_with_the_mock_as_authority(url: str) -> None:
    # disable_instance_discovery: as for any authority outside Microsoft's public clouds
    # (without it the library asks login.microsoftonline.com about this host first)
    credential = ClientSecretCredential(TENANT, APP, SECRET, authority=url,
                                        disable_instance_discovery=True)
    token = credential.get_token(*SCOPES)
    assert token.token.count(".") == 2 and token.expires_on > 0


# --- users -----------------------------------------------------------------------------------

def test_create_get_by_id_and_upn_patch_and_delete(url: str) -> None:
    client = graph(url)

    async def script() -> None:
        created = await client.users.post(new_user(1))
        assert created is not None and created.id
        by_id = await client.users.by_user_id(created.id).get()
        by_upn = await client.users.by_user_id(f"s0001@{DOMAIN}").get()
        assert by_id is not None and by_upn is not None and by_id.id == by_upn.id
        await client.users.by_user_id(created.id).patch(User(job_title="P2 2年1組"))
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            select=["id", "jobTitle", "accountEnabled"])
        config = RequestConfiguration(query_parameters=query)
        patched = await client.users.by_user_id(created.id).get(
            request_configuration=config)  # type: ignore[arg-type]
        assert patched is not None and patched.job_title == "P2 2年1組"
        await client.users.by_user_id(created.id).delete()
        with pytest.raises(ODataError) as err:
            await client.users.by_user_id(created.id).get()
        assert err.value.response_status_code == 404

    run(script())
    state = requests.get(f"{url}/_admin/state", timeout=10).json()
    assert state["users"] == []


def test_list_with_select_and_top_pages_to_the_end(url: str) -> None:
    client = graph(url)

    async def script() -> list[str]:
        for n in range(7):
            await client.users.post(new_user(n))
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            select=["id", "userPrincipalName", "employeeId"], top=3)
        config = RequestConfiguration(query_parameters=query)
        first = await client.users.get(request_configuration=config)
        assert first is not None and first.odata_next_link
        seen: list[str] = []

        def keep(user: User) -> bool:
            seen.append(str(user.user_principal_name))
            return True

        pages = PageIterator(first, client.request_adapter)
        await pages.iterate(keep)
        return seen

    seen = run(script())
    assert seen == [f"s{n:04d}@{DOMAIN}" for n in range(7)]


def test_batch_of_creates_with_relative_urls(url: str) -> None:
    client = graph(url)

    async def script() -> dict[str, int]:
        content = BatchRequestContent()
        for n in range(5):
            info = client.users.to_post_request_information(new_user(100 + n))
            content.add_request(str(n), BatchRequestItem(info, id=str(n)))
        answer = await client.batch.post(batch_request_content=content)
        return answer.get_response_status_codes()

    assert run(script()) == {str(n): 201 for n in range(5)}
    log = requests.get(f"{url}/_admin/requests", timeout=10).json()
    batches = [r for r in log["requests"] if r["path"] == "/v1.0/$batch"]
    assert batches
    state = requests.get(f"{url}/_admin/state", timeout=10).json()
    assert len(state["users"]) == 5


def test_duplicate_upn_raises_odata_error_with_object_conflict(url: str) -> None:
    client = graph(url)

    async def script() -> ODataError:
        await client.users.post(new_user(1))
        with pytest.raises(ODataError) as err:
            await client.users.post(new_user(1))
        return err.value

    error = run(script())
    assert error.response_status_code == 400
    assert error.error is not None and error.error.code == "Request_BadRequest"
    assert [d.code for d in error.error.details or []] == ["ObjectConflict"]


def test_a_429_is_retried_by_the_sdk_after_retry_after(url: str) -> None:
    requests.post(f"{url}/_admin/faults", timeout=10, json={
        "kind": "status", "status": 429, "retry_after": 1, "count": 2,
        "route": "/v1.0/users", "method": "GET"}).raise_for_status()
    client = graph(url)
    users = run(client.users.get())
    assert users is not None and users.value == []
    log = requests.get(f"{url}/_admin/requests", timeout=10).json()["requests"]
    statuses = [r["status"] for r in log if r["path"] == "/v1.0/users"]
    assert statuses == [429, 429, 200]


def test_assign_license_then_license_details(url: str) -> None:
    client = graph(url)

    async def script() -> list[str]:
        skus = await client.subscribed_skus.get()
        assert skus is not None and skus.value
        student = next(s for s in skus.value if s.sku_part_number == "STANDARDWOFFPACK_STUDENT")
        created = await client.users.post(new_user(7))
        assert created is not None and created.id
        body = AssignLicensePostRequestBody(
            add_licenses=[AssignedLicense(sku_id=student.sku_id, disabled_plans=[])],
            remove_licenses=[])
        after = await client.users.by_user_id(created.id).assign_license.post(body)
        assert after is not None and after.assigned_licenses
        details = await client.users.by_user_id(created.id).license_details.get()
        assert details is not None and details.value is not None
        return [str(d.sku_part_number) for d in details.value]

    assert run(script()) == ["STANDARDWOFFPACK_STUDENT"]


def test_a_token_without_the_needed_role_gets_403(url: str) -> None:
    reader = graph(url, READER, "reader-secret")

    async def script() -> ODataError:
        assert await reader.users.get() is not None  # reading is granted
        with pytest.raises(ODataError) as err:
            await reader.users.post(new_user(5))
        return err.value

    error = run(script())
    assert error.response_status_code == 403
    assert error.error is not None and error.error.code == "Authorization_RequestDenied"


def test_the_ca_is_what_makes_it_work(url: str, monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path) -> None:
    other = ensure_tls(tmp_path / "other")  # a CA that did not sign the server certificate
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other.ca))
    with pytest.raises(requests.exceptions.SSLError):  # discovery is the first call
        msal.ConfidentialClientApplication(APP, client_credential=SECRET,
                                           authority=f"{url}/{TENANT}",
                                           instance_discovery=False)
