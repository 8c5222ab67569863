"""``/v1/stores/{store}/duplicates`` and ``POST .../customers/{id}/merge``."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from clientbook.customers.serialize import customer_document
from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.duplicates import checks, merge, pairs, scan
from clientbook.kit.pagination import MAX_LIMIT, PageInfo
from clientbook.kit.responses import FastJSON
from clientbook.models import DuplicatePair

router = APIRouter(prefix="/v1/stores/{store}", tags=["duplicates"])


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: list[uuid.UUID] = Field(
        alias="from", min_length=1, max_length=merge.MAX_MERGED, description="Merged away"
    )
    preview: bool = Field(True, description="true: only say what the merge would do")
    fields: dict[str, uuid.UUID] = Field(
        default_factory=dict,
        max_length=64,
        description="Whose value to keep, by field: the survivor's or a merged customer's id",
    )


class Dismissal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_ids: list[uuid.UUID] = Field(min_length=2, max_length=2)


def _pair(pair: DuplicatePair) -> dict[str, Any]:
    return {
        "customer_ids": [str(pair.customer_id), str(pair.other_id)],
        "score": pair.score,
        "reasons": pair.reasons,
        "status": pair.status,
        "found_at": pair.found_at.isoformat(),
        "decided_at": pair.decided_at.isoformat() if pair.decided_at else None,
    }


@router.get("/duplicates", response_model=dict[str, Any])
async def list_duplicates(
    session: SessionDep,
    scope: StoreScopeDep,
    customer_id: Annotated[uuid.UUID | None, Query(description="Candidates for this one")] = None,
    status: Literal["open", "dismissed"] = "open",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> FastJSON:
    """Likely duplicates, best score first: the stored pairs (found as customers are
    written and by scans), or with ``customer_id`` that customer's candidates.
    ``pending: true``: the customer was written moments ago and the background check
    has not yet looked its similar names up (seconds)."""
    if customer_id is not None:
        found = await pairs.candidates_for(session, scope, customer_id, limit)
        data = [
            {"customer_id": str(c.customer_id), "score": c.score, "reasons": c.reasons}
            for c in found
        ]
        waiting = await checks.pending(session, scope, customer_id)
        return FastJSON({"customer_id": str(customer_id), "pending": waiting, "data": data})
    rows, total = await pairs.list_pairs(
        session, scope, status=status, offset=(page - 1) * limit, limit=limit
    )
    info = PageInfo(page=page, limit=limit, total=total)
    return FastJSON({"data": [_pair(p) for p in rows], "pagination": info.as_dict()})


@router.post("/duplicates/dismissals", response_model=dict[str, Any])
async def dismiss_duplicate(data: Dismissal, session: SessionDep, scope: StoreScopeDep) -> FastJSON:
    """Mark two customers "not a duplicate": scans and candidate lists leave them out."""
    return FastJSON(_pair(await pairs.dismiss(session, scope, data.customer_ids)))


@router.post("/duplicates/scans", status_code=202, response_model=dict[str, Any])
async def start_scan(session: SessionDep, scope: StoreScopeDep) -> FastJSON:
    """Scan the whole store for duplicates in the background (admin); poll the scan."""
    found = await scan.start_scan(session, scope)
    document = scan.scan_document(found)
    document["links"] = {"self": f"/v1/stores/{scope.store_code}/duplicates/scans/{found.id}"}
    return FastJSON(document, status_code=202)


@router.get("/duplicates/scans/{scan_id}", response_model=dict[str, Any])
async def get_scan(scan_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> FastJSON:
    """A scan's progress (admin)."""
    return FastJSON(scan.scan_document(await scan.get_scan(session, scope, scan_id)))


@router.post("/customers/{customer_id}/merge", response_model=dict[str, Any])
async def merge_customers(
    customer_id: uuid.UUID, data: MergeRequest, session: SessionDep, scope: StoreScopeDep
) -> FastJSON:
    """Merge customers into this one (admin). ``preview: true`` (the default) answers
    every field that differs, both values and the one kept, and how many records would
    move, and changes nothing; ``preview: false`` merges in one transaction."""
    result = await merge.merge_customers(
        session, scope, customer_id, data.from_, preview=data.preview, chosen=data.fields
    )
    return FastJSON(result.as_dict(customer_document(result.survivor)))
