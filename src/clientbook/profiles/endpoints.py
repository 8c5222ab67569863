"""``/v1/stores/{store}/profile-kinds`` and ``.../customers/{id}/profiles/{kind}``."""

import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.profiles import service
from clientbook.profiles.kinds import KINDS
from clientbook.profiles.schemas import ProfileKindOut, ProfileOut

router = APIRouter(prefix="/v1/stores/{store}", tags=["profiles"])

KindName = Annotated[str, Path(max_length=32, description="`scent` or `preferences`")]
Patch = Annotated[
    dict[str, Any],
    Body(
        description="The fields to change: objects merge, lists are replaced whole, "
        "`null` resets a field",
        openapi_examples={
            "scent": {
                "value": {
                    "name": "Jane's Profile",
                    "preferences": {"intensity": "strong", "favorite_notes": ["cedar"]},
                    "custom_blends": [{"name": "Summer Breeze", "notes": ["lavender"]}],
                }
            }
        },
    ),
]


@router.get("/profile-kinds", response_model=list[ProfileKindOut])
async def list_profile_kinds(scope: StoreScopeDep) -> list[ProfileKindOut]:
    """The store's profile kinds, each with the schema its documents satisfy."""
    return [
        ProfileKindOut(
            kind=kind.name, json_schema=kind.json_schema(), customer_fields=sorted(kind.on_customer)
        )
        for kind in KINDS.values()
    ]


@router.get("/customers/{customer_id}/profiles/{kind}", response_model=ProfileOut)
async def get_profile(
    customer_id: uuid.UUID, kind: KindName, session: SessionDep, scope: StoreScopeDep
) -> ProfileOut:
    """The customer's profile of this kind (defaults when never written)."""
    profile = await service.get_profile(session, scope, customer_id, kind)
    return ProfileOut.model_validate(asdict(profile))


@router.patch("/customers/{customer_id}/profiles/{kind}", response_model=ProfileOut)
async def update_profile(
    customer_id: uuid.UUID, kind: KindName, patch: Patch, session: SessionDep, scope: StoreScopeDep
) -> ProfileOut:
    """Change some fields of the customer's profile of this kind."""
    profile = await service.update_profile(session, scope, customer_id, kind, patch)
    return ProfileOut.model_validate(asdict(profile))
