"""The console's routes, static files and error pages, put into the application."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from clientbook.kit.problem import Renderers
from clientbook.surfaces.console import admin, auth, customers, records, transfer
from clientbook.surfaces.console.render import STATIC, render_error

PREFIX = "/console"


def install(app: FastAPI, renderers: Renderers) -> None:
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    # records before customers: its paths are longer than the customer's {action}.
    for module in (auth, records, customers, transfer, admin):
        app.include_router(module.router)
    renderers.register(PREFIX, render_error)
