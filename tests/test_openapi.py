"""The OpenAPI document is honest: each operation has a stable, readable operationId,
says how to authenticate, names the errors it can answer in its surface's error body,
and the headers of its answers; each tag is described. (tests/test_access_matrix.py
checks every status and header the matrix meets against this document.)"""

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

# Renaming an endpoint function renames its operationId and breaks clients generated
# from the document: this list makes that a deliberate change.
OPERATION_IDS = [
    "operations.healthz",
    "operations.readyz",
    "operations.metrics",
    "auth.token",
    "auth.refresh",
    "auth.logout",
    "stores.mine",
    "stores.create",
    "stores.get",
    "stores.update",
    "stores.list_members",
    "stores.add_member",
    "stores.update_member",
    "stores.remove_member",
    "stores.invite",
    "stores.list_invitations",
    "stores.revoke_invitation",
    "api_keys.create",
    "api_keys.list",
    "api_keys.revoke",
    "webhooks.create",
    "webhooks.list",
    "webhooks.get",
    "webhooks.update",
    "webhooks.delete",
    "webhooks.list_deliveries",
    "webhooks.replay_delivery",
    "invitations.mine",
    "invitations.accept",
    "invitations.decline",
    "customers.import",
    "customers.export",
    "customer_accounts.customer_token",
    "customer_accounts.customer_refresh",
    "customer_accounts.customer_logout",
    "customer_accounts.pre_session_csrf",
    "customer_accounts.cookie_sign_in",
    "customer_accounts.activate",
    "customer_accounts.read_me",
    "customer_accounts.update_me",
    "customer_accounts.change_my_password",
    "customer_accounts.set_customer_password",
    "customer_accounts.send_customer_activation",
    "customer_accounts.register",
    "customer_accounts.resend_activation",
    "customer_accounts.request_password_reset",
    "customer_accounts.confirm_password_reset",
    "customer_accounts.change_contact",
    "customer_accounts.confirm_contact",
    "customers.create",
    "customers.list",
    "customers.get",
    "customers.update",
    "customers.delete",
    "customers.restore",
    "customers.activate",
    "customers.deactivate",
    "addresses.list",
    "addresses.add",
    "addresses.get",
    "addresses.update",
    "addresses.delete",
    "customers.events",
    "price_lists.create",
    "price_lists.list",
    "price_lists.get",
    "price_lists.update",
    "price_lists.delete",
    "groups.create",
    "groups.list",
    "groups.get",
    "groups.update",
    "groups.delete",
    "groups.list_customers",
    "groups.add_customers",
    "groups.remove_customer",
    "groups.of_customer",
    "messages.list_templates",
    "messages.put_template",
    "messages.delete_template",
    "loyalty.list_wallets",
    "loyalty.create_wallet",
    "loyalty.write_points",
    "loyalty.status",
    "loyalty.create_tier",
    "loyalty.list_tiers",
    "loyalty.get_programme",
    "loyalty.put_programme",
    "loyalty.set_manual_tier",
    "loyalty.record_purchase",
    "loyalty.get_purchase",
    "loyalty.change_status",
    "loyalty.return_part",
    "loyalty.list_rules",
    "loyalty.create_rule",
    "loyalty.list_rewards",
    "loyalty.create_reward",
    "loyalty.get_reward",
    "loyalty.update_reward",
    "loyalty.delete_reward",
    "loyalty.redeem_reward",
    "loyalty.list_redemptions",
    "loyalty.use_coupon",
    "loyalty.list_referrals",
    "loyalty.get_referral_rule",
    "loyalty.put_referral_rule",
    "loyalty.list_pos",
    "loyalty.create_pos",
    "loyalty.get_pos",
    "loyalty.update_pos",
    "loyalty.delete_pos",
    "loyalty.list_sellers",
    "loyalty.tie_seller",
    "loyalty.untie_seller",
    "loyalty.get_customer_pos",
    "loyalty.assign_customer",
    "files.upload",
    "files.list",
    "files.get",
    "files.delete",
    "files.download",
    "prescriptions.add",
    "prescriptions.list",
    "prescriptions.get",
    "joptic.create_customer",
    "joptic.list_customers",
    "jethings.list_customers",
    "jethings.create_customer",
    "jethings.set_price_list",
    "jethings.remove_price_list",
    "jethings.bulk_delete",
    "openloyalty.admin_login",
    "openloyalty.seller_login",
    "openloyalty.customer_login",
    "openloyalty.refresh",
    "openloyalty.list_customers",
    "openloyalty.admin_list_customers",
    "openloyalty.check_customer",
    "openloyalty.get_customer",
    "openloyalty.delete_customer",
    "openloyalty.activate",
    "openloyalty.deactivate",
    "openloyalty.admin_status",
    "openloyalty.seller_status",
    "openloyalty.own_status",
]
# Operations anyone may call: sign-in, the customer's own sign-up and recovery, health.
PUBLIC = {
    "operations.healthz",
    "operations.readyz",
    "operations.metrics",  # a token of its own when CLIENTBOOK_METRICS_TOKEN is set
    "auth.token",
    "auth.refresh",
    "customer_accounts.customer_token",
    "customer_accounts.customer_refresh",
    "customer_accounts.pre_session_csrf",
    "customer_accounts.cookie_sign_in",
    "customer_accounts.activate",
    "customer_accounts.register",
    "customer_accounts.resend_activation",
    "customer_accounts.request_password_reset",
    "customer_accounts.confirm_password_reset",
    "openloyalty.admin_login",
    "openloyalty.seller_login",
    "openloyalty.customer_login",
    "openloyalty.refresh",
}
SURFACE_ERRORS = {
    "/v1/": ("application/problem+json", "#/components/schemas/Problem"),
    "/customer": ("application/json", "#/components/schemas/JOpticError"),
    "/customers": ("application/json", "#/components/schemas/JethingsError"),
    "/api/": ("application/json", "#/components/schemas/OpenLoyaltyError"),
}


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _surface(path: str) -> tuple[str, str]:
    if path.startswith("/v1/") or not path.startswith(("/customer", "/api/")):
        return SURFACE_ERRORS["/v1/"]
    if path == "/customer" or path.startswith("/customer/"):
        return SURFACE_ERRORS["/customer"]
    if path.startswith("/customers"):
        return SURFACE_ERRORS["/customers"]
    return SURFACE_ERRORS["/api/"]


def test_operation_ids_are_readable_unique_and_stable(document: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for _, _, operation in _operations(document)]
    assert all(re.fullmatch(r"[a-z][a-z_]*\.[a-z][a-z_]*", i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == sorted(OPERATION_IDS)


def test_protected_operations_name_the_bearer_scheme(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    for path, method, operation in _operations(document):
        if operation["operationId"] in PUBLIC:
            assert "security" not in operation, (method, path)
        else:
            assert operation.get("security") == [{"bearer": []}], (method, path)
            assert "401" in operation["responses"], (method, path)


def test_every_operation_documents_its_errors_and_headers(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        errors = {s: r for s, r in responses.items() if s.startswith(("4", "5"))}
        assert errors, where
        media, ref = _surface(path)
        for status, answer in errors.items():
            assert answer["content"] == {media: {"schema": {"$ref": ref}}}, (where, status)
        for status, answer in responses.items():
            headers = answer.get("headers", {})
            assert "X-Request-ID" in headers, (where, status)
            if status == "201":
                assert "Location" in headers, where
            if status in ("429", "503"):
                assert "Retry-After" in headers, (where, status)
        if method in ("post", "put", "patch", "delete"):
            assert "409" in responses, where
        if any(p["in"] == "path" and p["name"] != "store" for p in operation.get("parameters", [])):
            assert "404" in responses, where
        assert "422" not in responses or path.startswith("/v1/"), where  # surfaces say 400
        assert "HTTPValidationError" not in str(responses), where


def test_every_tag_is_described(document: dict[str, Any]) -> None:
    used = {tag for _, _, operation in _operations(document) for tag in operation["tags"]}
    described = {tag["name"]: tag["description"] for tag in document["tags"]}
    assert set(described) == used
    assert all(described.values()), described


async def test_swagger_ui_comes_from_the_package_and_can_authorize(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert (await client.get("/docs/assets/swagger-ui-bundle.js")).status_code == 200
    served = (await client.get("/openapi.json")).json()
    assert "bearer" in served["components"]["securitySchemes"]
