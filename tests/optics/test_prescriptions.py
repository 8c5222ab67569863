import httpx
import pytest

from tests.factories import Factory

FULL = {
    "issued_on": "2026-01-15",
    "distance_vision": {
        "right_eye": {"sph": "-1.25", "cyl": "-0.25", "axis": "90"},
        "left_eye": {"sph": -1.0, "cyl": "-0.25", "axis": 85},
    },
    "near_vision": {
        "right_eye": {"sph": "-0.50", "cyl": "0", "axis": "0", "add": "+2.00", "pd": "31.5"}
    },
}


async def test_add_and_read_prescriptions_newest_first(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = f"{ctx.base}/customers/{customer.id}/prescriptions"
    first = await client.post(url, json=FULL, headers=ctx.seller.headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["distance_vision"]["right_eye"] == {"sph": "-1.25", "cyl": "-0.25", "axis": 90}
    assert body["distance_vision"]["left_eye"] == {"sph": "-1.00", "cyl": "-0.25", "axis": 85}
    assert body["near_vision"]["right_eye"]["add"] == "+2.00"
    assert body["near_vision"]["right_eye"]["pd"] == "+31.50"
    assert body["intermediate_vision"] is None

    newer = {**FULL, "issued_on": "2026-06-01"}
    second = await client.post(url, json=newer, headers=ctx.seller.headers)
    history = await client.get(url, headers=ctx.seller.headers)
    assert [p["id"] for p in history.json()["data"]] == [second.json()["id"], body["id"]]
    one = await client.get(f"{url}/{body['id']}", headers=ctx.seller.headers)
    assert one.json()["issued_on"] == "2026-01-15"


@pytest.mark.parametrize(
    ("eye", "field", "message"),
    [
        ({"sph": "-30.25"}, "sph", "between"),
        ({"sph": "-1.30"}, "sph", "steps of 0.25"),
        ({"sph": "abc"}, "sph", "number"),
        ({"sph": True}, "sph", "number"),
        ({"cyl": "10.25", "axis": 5}, "cyl", "between"),
        ({"cyl": "-0.50"}, "distance_vision.right_eye", "axis is required"),
        ({"cyl": "-0.50", "axis": 181}, "axis", "0 to 180"),
        ({"cyl": "-0.50", "axis": "90.5"}, "axis", "0 to 180"),
        ({"add": "5"}, "add", "between"),
    ],
)
async def test_invalid_values_name_the_field(
    client: httpx.AsyncClient, factory: Factory, eye: dict[str, object], field: str, message: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    response = await client.post(
        f"{ctx.base}/customers/{customer.id}/prescriptions",
        json={"distance_vision": {"right_eye": eye}},
        headers=ctx.seller.headers,
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"].startswith("distance_vision.right_eye")
    assert error["field"].endswith(field)
    assert message in error["message"]
    listed = await client.get(
        f"{ctx.base}/customers/{customer.id}/prescriptions", headers=ctx.seller.headers
    )
    assert listed.json()["data"] == []


async def test_empty_prescription_and_other_stores(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ours, theirs = await factory.store(), await factory.store()
    customer = await factory.customer(ours)
    url = f"{ours.base}/customers/{customer.id}/prescriptions"
    empty = await client.post(url, json={}, headers=ours.seller.headers)
    assert empty.status_code == 422
    made = await client.post(url, json=FULL, headers=ours.seller.headers)
    assert (await client.get(url, headers=theirs.owner.headers)).status_code == 404
    foreign = url.replace(ours.base, theirs.base)
    assert (await client.get(foreign, headers=theirs.owner.headers)).status_code == 404
    assert (
        await client.get(f"{foreign}/{made.json()['id']}", headers=theirs.owner.headers)
    ).status_code == 404
