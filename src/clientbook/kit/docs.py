"""Swagger UI at ``/docs``, with its assets served from the ``swagger-ui-bundle`` package.

No CDN: the page works offline, and its content security policy allows this server only
(no inline script: the start-up code is ``/docs/init.js``).
"""

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs/assets"

_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{title}} - Swagger UI</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""

_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout"
});
"""


def install(app: FastAPI) -> None:
    """Serve ``/docs``, ``/docs/init.js`` and the Swagger UI files under ``/docs/assets``."""
    router = APIRouter(include_in_schema=False)
    page = _PAGE.replace("{title}", app.title)

    @router.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)

    @router.get("/docs/init.js")
    async def swagger_ui_init() -> Response:
        return Response(_INIT, media_type="text/javascript")

    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
