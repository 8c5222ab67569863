import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from clientbook.deps import SessionDep, SettingsDep
from clientbook.kit import metrics as prometheus
from clientbook.kit.errors import Unauthorized
from clientbook.ops.metrics import backlog

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(session: SessionDep) -> JSONResponse:
    """The database answers."""
    try:
        await session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not ready"
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {prometheus.CONTENT_TYPE: {}}, "description": "Prometheus text"}},
)
async def metrics(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Prometheus metrics of every worker: requests, latency, database pool, outboxes,
    imports. With ``CLIENTBOOK_METRICS_TOKEN`` set, it needs ``Authorization: Bearer``."""
    if settings.metrics_token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
            raise Unauthorized("The metrics token is missing or wrong")
    body = prometheus.render(await backlog(session))
    return Response(body, media_type=prometheus.CONTENT_TYPE)
