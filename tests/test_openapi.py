"""The OpenAPI document is honest: each operation has a stable, readable operationId,
says how to authenticate, names the errors it can answer in its surface's error body,
and the headers of its answers, and an example of its request and answers that its schema
accepts; each tag is described. (tests/test_access_matrix.py
checks every status and header the matrix meets against this document.)"""

import json
import re
from importlib.resources import files
from typing import Any

import httpx
import jsonschema_rs
import pytest
from fastapi import FastAPI

# Renaming an endpoint function renames its operationId and breaks clients generated
# from the document: this list makes that a deliberate change.
OPERATION_IDS = [
    "addresses.add",
    "aimeos.create_customer",
    "aimeos.delete_customer",
    "aimeos.describe_customer",
    "aimeos.discover",
    "aimeos.get_customer",
    "aimeos.sign_in",
    "aimeos.sign_out",
    "aimeos.update_customer",
    "addresses.delete",
    "addresses.get",
    "addresses.list",
    "addresses.update",
    "api_keys.create",
    "api_keys.list",
    "api_keys.revoke",
    "auth.logout",
    "auth.refresh",
    "auth.token",
    "customer_accounts.activate",
    "customer_accounts.change_contact",
    "customer_accounts.change_my_password",
    "customer_accounts.confirm_contact",
    "customer_accounts.confirm_password_reset",
    "customer_accounts.cookie_sign_in",
    "customer_accounts.customer_logout",
    "customer_accounts.customer_refresh",
    "customer_accounts.customer_token",
    "customer_accounts.pre_session_csrf",
    "customer_accounts.read_me",
    "customer_accounts.register",
    "customer_accounts.request_password_reset",
    "customer_accounts.resend_activation",
    "customer_accounts.send_customer_activation",
    "customer_accounts.set_customer_password",
    "customer_accounts.update_me",
    "customers.activate",
    "customers.create",
    "customers.deactivate",
    "customers.delete",
    "customers.events",
    "customers.export",
    "customers.get",
    "customers.import",
    "customers.list",
    "customers.restore",
    "customers.update",
    "duplicates.dismiss",
    "duplicates.get_scan",
    "duplicates.list",
    "duplicates.merge_customers",
    "duplicates.start_scan",
    "files.delete",
    "files.download",
    "files.get",
    "files.list",
    "files.upload",
    "groups.add_customers",
    "groups.create",
    "groups.delete",
    "groups.get",
    "groups.list",
    "groups.list_customers",
    "groups.of_customer",
    "groups.remove_customer",
    "groups.update",
    "invitations.accept",
    "invitations.decline",
    "invitations.mine",
    "jethings.bulk_delete",
    "jethings.create_customer",
    "jethings.list_customers",
    "jethings.remove_price_list",
    "jethings.set_price_list",
    "joptic.create_customer",
    "joptic.list_customers",
    "loyalty.assign_customer",
    "loyalty.change_status",
    "loyalty.create_pos",
    "loyalty.create_reward",
    "loyalty.create_rule",
    "loyalty.create_tier",
    "loyalty.create_wallet",
    "loyalty.delete_pos",
    "loyalty.delete_reward",
    "loyalty.get_customer_pos",
    "loyalty.get_pos",
    "loyalty.get_programme",
    "loyalty.get_purchase",
    "loyalty.get_referral_rule",
    "loyalty.get_reward",
    "loyalty.list_customer_purchases",
    "loyalty.list_points_entries",
    "loyalty.list_pos",
    "loyalty.list_redemptions",
    "loyalty.list_referrals",
    "loyalty.list_rewards",
    "loyalty.list_rules",
    "loyalty.list_sellers",
    "loyalty.list_tiers",
    "loyalty.list_wallets",
    "loyalty.put_programme",
    "loyalty.put_referral_rule",
    "loyalty.record_purchase",
    "loyalty.redeem_reward",
    "loyalty.return_part",
    "loyalty.set_manual_tier",
    "loyalty.status",
    "loyalty.tie_seller",
    "loyalty.untie_seller",
    "loyalty.update_pos",
    "loyalty.update_reward",
    "loyalty.use_coupon",
    "loyalty.write_points",
    "messages.delete_template",
    "messages.list_templates",
    "messages.put_template",
    "moodmnky.add_address",
    "moodmnky.delete_address",
    "moodmnky.get_loyalty",
    "moodmnky.get_profile",
    "moodmnky.get_scent_profile",
    "moodmnky.list_addresses",
    "moodmnky.list_orders",
    "moodmnky.update_address",
    "moodmnky.update_profile",
    "moodmnky.update_scent_profile",
    "openloyalty.activate",
    "openloyalty.activate_by_sms_code",
    "openloyalty.activate_by_token",
    "openloyalty.add_pushy_token",
    "openloyalty.admin_list_customers",
    "openloyalty.admin_login",
    "openloyalty.admin_register",
    "openloyalty.admin_send_sms_code",
    "openloyalty.admin_status",
    "openloyalty.anonymize",
    "openloyalty.assign_level",
    "openloyalty.assign_pos",
    "openloyalty.check_customer",
    "openloyalty.confirm_change",
    "openloyalty.customer_login",
    "openloyalty.deactivate",
    "openloyalty.delete_customer",
    "openloyalty.get_avatar",
    "openloyalty.get_customer",
    "openloyalty.import_customers",
    "openloyalty.list_customers",
    "openloyalty.list_pushy_tokens",
    "openloyalty.own_send_sms_code",
    "openloyalty.own_status",
    "openloyalty.pos_search",
    "openloyalty.refresh",
    "openloyalty.register",
    "openloyalty.registration_stats",
    "openloyalty.remove_avatar",
    "openloyalty.remove_manual_level",
    "openloyalty.remove_pushy_token",
    "openloyalty.seller_activate",
    "openloyalty.seller_assign_pos",
    "openloyalty.seller_deactivate",
    "openloyalty.seller_login",
    "openloyalty.seller_register",
    "openloyalty.seller_send_sms_code",
    "openloyalty.seller_status",
    "openloyalty.set_avatar",
    "openloyalty.update",
    "operations.healthz",
    "operations.metrics",
    "operations.readyz",
    "prescriptions.add",
    "prescriptions.get",
    "prescriptions.list",
    "price_lists.create",
    "price_lists.delete",
    "price_lists.get",
    "price_lists.list",
    "price_lists.update",
    "privacy.download_data_export",
    "privacy.erase_customer",
    "privacy.export_customer_data",
    "privacy.get_data_export",
    "profiles.get",
    "profiles.list_kinds",
    "profiles.update",
    "properties.add",
    "properties.delete",
    "properties.list",
    "properties.update",
    "stores.add_member",
    "stores.create",
    "stores.get",
    "stores.get_sites",
    "stores.invite",
    "stores.list_invitations",
    "stores.list_members",
    "stores.mine",
    "stores.put_sites",
    "stores.remove_member",
    "stores.revoke_invitation",
    "stores.update",
    "stores.update_member",
    "webhooks.create",
    "webhooks.delete",
    "webhooks.get",
    "webhooks.list",
    "webhooks.list_deliveries",
    "webhooks.replay_delivery",
    "webhooks.update",
]
# Operations anyone may call: sign-in, the customer's own sign-up and recovery, health.
PUBLIC = {
    "openloyalty.activate_by_token",  # the token in the path is the credential
    "openloyalty.activate_by_sms_code",
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
    "privacy.download_data_export",  # the signed link is the credential
}
# Open Loyalty answers a level or POS assignment with an empty list.
EMPTY_SEED_ANSWERS = [("200", [])]
SURFACE_ERRORS = {
    "/v1/": ("application/problem+json", "#/components/schemas/Problem"),
    "/customer": ("application/json", "#/components/schemas/JOpticError"),
    "/customers": ("application/json", "#/components/schemas/JethingsError"),
    "/api/": ("application/json", "#/components/schemas/OpenLoyaltyError"),
    "/api/customers": ("application/json", "#/components/schemas/MOODMNKYError"),
    "/jsonapi": ("application/vnd.api+json", "#/components/schemas/AimeosError"),
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
    if path == "/jsonapi" or path.startswith("/jsonapi/"):
        return SURFACE_ERRORS["/jsonapi"]
    if path.startswith("/v1/") or not path.startswith(("/customer", "/api/")):
        return SURFACE_ERRORS["/v1/"]
    if path == "/customer" or path.startswith("/customer/"):
        return SURFACE_ERRORS["/customer"]
    if path == "/api/customers" or path.startswith("/api/customers/"):
        return SURFACE_ERRORS["/api/customers"]
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


def _bodies(operation: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Each request body and successful answer's content: (which, media type, content)."""
    found = [
        ("request", media, content)
        for media, content in operation.get("requestBody", {}).get("content", {}).items()
    ]
    for status, answer in operation["responses"].items():
        if status.startswith("2"):
            found += [(status, media, c) for media, c in answer.get("content", {}).items()]
    return found


def test_every_request_and_answer_has_an_example_its_schema_accepts(
    document: dict[str, Any],
) -> None:
    components = document["components"]
    for path, method, operation in _operations(document):
        for which, media, content in _bodies(operation):
            where = f"{method.upper()} {path} {which} {media}"
            named = [e["value"] for e in content.get("examples", {}).values()]
            assert "example" in content or named, where
            schema = content.get("schema", {})
            validator = jsonschema_rs.Draft202012Validator(
                {**schema, "components": components}, validate_formats=True
            )
            for example in named or [content["example"]]:
                # An empty example shows nothing, unless the seed's answer is empty.
                if media.endswith("json") and example in (None, {}, []):
                    assert (which, example) in EMPTY_SEED_ANSWERS, where
                errors = [e.message for e in validator.iter_errors(example)]
                assert not errors, (where, errors[:3], example)


def test_the_surfaces_examples_are_their_seeds_own(document: dict[str, Any]) -> None:
    """A seed's example request and answer are what the document shows for the operation."""
    seeds = json.loads(files("clientbook.surfaces").joinpath("seed_examples.json").read_text())
    assert len(seeds) >= 45  # J-Optic, Jethings, Open Loyalty, MOOD MNKY
    shown = 0
    for key, example in seeds.items():
        method, path = key.split(" ", 1)
        path = path.replace("{customerId}", "{customer_id}")
        operation = document["paths"][path][method.lower()]
        if "request" in example and "requestBody" in operation:
            contents = operation["requestBody"]["content"].values()
            assert example["request"] in [c["example"] for c in contents], key
            shown += 1
        for body in example.get("answers", {}).values():
            answers = [
                c["example"]
                for status, answer in operation["responses"].items()
                if status.startswith("2")
                for c in answer.get("content", {}).values()
            ]
            assert body in answers, key
            shown += 1
    assert shown >= 40


def test_customers_create_shows_a_customer_a_store_would_send(document: dict[str, Any]) -> None:
    operation = document["paths"]["/v1/stores/{store}/customers"]["post"]
    sent = operation["requestBody"]["content"]["application/json"]["example"]
    answered = operation["responses"]["201"]["content"]["application/json"]["example"]
    assert sent["email"] == answered["email"]
    assert answered["version"] == 1
