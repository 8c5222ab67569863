"""The ASGI application: every surface over one service layer."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from clientbook import __version__, logging
from clientbook.accounts import passwords
from clientbook.accounts.endpoints import router as auth_router
from clientbook.accounts.throttle import Limits, login_throttle
from clientbook.addresses.endpoints import router as addresses_router
from clientbook.api_keys.endpoints import router as api_keys_router
from clientbook.audit.endpoints import router as events_router
from clientbook.customer_accounts.endpoints import router as customer_accounts_router
from clientbook.customer_accounts.self_service_endpoints import router as self_service_router
from clientbook.customer_accounts.signup_limit import SignupLimit
from clientbook.customers.endpoints import router as customers_router
from clientbook.duplicates import checks as duplicate_checks
from clientbook.duplicates.endpoints import router as duplicates_router
from clientbook.files.endpoints import router as files_router
from clientbook.groups.endpoints import router as groups_router
from clientbook.kit import docs, metrics, openapi, problem, routing, tracing
from clientbook.kit.cors import Cors
from clientbook.kit.db import Database
from clientbook.kit.headers import SecurityHeaders
from clientbook.kit.media import RequireJSON
from clientbook.kit.middleware import BodyLimit, RequestContext, UntrustedInput
from clientbook.kit.proxies import TrustedProxies
from clientbook.kit.storage import storage_from_url
from clientbook.loyalty.endpoints import router as loyalty_router
from clientbook.loyalty.history_endpoints import router as history_router
from clientbook.loyalty.pos_endpoints import router as pos_router
from clientbook.loyalty.purchase_endpoints import router as purchases_router
from clientbook.loyalty.referral_endpoints import router as referrals_router
from clientbook.loyalty.reward_endpoints import router as rewards_router
from clientbook.loyalty.tick import run_forever
from clientbook.loyalty.tier_endpoints import router as tiers_router
from clientbook.messages.endpoints import router as message_templates_router
from clientbook.messages.wiring import running, sender_from
from clientbook.openapi_rules import RULES
from clientbook.ops.endpoints import router as ops_router
from clientbook.optics.endpoints import router as optics_router
from clientbook.pricing.endpoints import router as pricing_router
from clientbook.privacy import jobs as lifecycle_jobs
from clientbook.privacy.endpoints import public_router as data_export_download_router
from clientbook.privacy.endpoints import router as privacy_router
from clientbook.profiles.endpoints import router as profiles_router
from clientbook.properties.endpoints import router as properties_router
from clientbook.settings import Environment, Settings, get_settings
from clientbook.stores.endpoints import router as stores_router
from clientbook.stores.invitation_endpoints import my_router as my_invitations_router
from clientbook.stores.invitation_endpoints import store_router as invitations_router
from clientbook.stores.site_endpoints import router as sites_router
from clientbook.stores.sites import origins_for_host
from clientbook.surfaces.aimeos import errors as aimeos_errors
from clientbook.surfaces.aimeos.routes import router as aimeos_router
from clientbook.surfaces.console import routes as console
from clientbook.surfaces.jethings import errors as jethings_errors
from clientbook.surfaces.jethings.routes import router as jethings_router
from clientbook.surfaces.joptic import errors as joptic_errors
from clientbook.surfaces.joptic.routes import router as joptic_router
from clientbook.surfaces.moodmnky import errors as moodmnky_errors
from clientbook.surfaces.moodmnky.routes import router as moodmnky_router
from clientbook.surfaces.openloyalty import errors as openloyalty_errors
from clientbook.surfaces.openloyalty.accounts import router as openloyalty_accounts_router
from clientbook.surfaces.openloyalty.auth import router as openloyalty_auth_router
from clientbook.surfaces.openloyalty.customers import router as openloyalty_router
from clientbook.surfaces.openloyalty.extras import router as openloyalty_extras_router
from clientbook.surfaces.openloyalty.seller import router as openloyalty_seller_router
from clientbook.surfaces.openloyalty.xml_import import router as openloyalty_import_router
from clientbook.transfer.endpoints import router as transfer_router
from clientbook.webhooks.endpoints import router as webhooks_router
from clientbook.webhooks.wiring import webhook_sender_from

DESCRIPTION = """
Each store's customer book. The canonical API lives under `/v1`; sign in at
`POST /v1/auth/token` and send `Authorization: Bearer <access_token>`.
Errors are RFC 9457 `application/problem+json`.
"""


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.configure(settings.log_level, settings.log_json)
    if settings.env is Environment.test:
        passwords.use_test_cost()
    db = database or Database(settings.database_url, pool_size=settings.db_pool_size)
    metrics.instrument_pool(db.engine, settings.db_pool_size)
    limits = Limits(
        per_account=settings.login_max_failures_per_account,
        per_ip=settings.login_max_failures_per_ip,
        window_seconds=settings.login_failure_window_seconds,
    )
    throttle = login_throttle(limits, db, settings.redis_url)
    sender = sender_from(settings, db)
    webhook_sender = webhook_sender_from(settings, db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Every worker runs a sender; row claims keep them from sending a message twice.
        # The loyalty tick runs in every worker too; an advisory lock lets one work at a time.
        async with AsyncExitStack() as stack:
            if settings.outbox_sender:
                await stack.enter_async_context(running(sender))
                await stack.enter_async_context(running(webhook_sender, "webhook-sender"))
            tasks = []
            if settings.loyalty_tick_seconds:
                tasks.append(asyncio.create_task(run_forever(db, settings.loyalty_tick_seconds)))
            if settings.lifecycle_job_seconds:
                lifecycle = lifecycle_jobs.run_forever(
                    db,
                    _app.state.storage,
                    settings.data_export_keep_days,
                    settings.lifecycle_job_seconds,
                )
                tasks.append(asyncio.create_task(lifecycle))
            if settings.duplicate_check_seconds:
                checking = duplicate_checks.run_forever(db, settings.duplicate_check_seconds)
                tasks.append(asyncio.create_task(checking))
            yield
            for task in tasks:
                task.cancel()
        await throttle.close()
        if provider := getattr(_app.state, "tracer_provider", None):
            provider.shutdown()  # sends the spans still waiting
        if database is None:
            await db.dispose()

    app = FastAPI(
        title="Clientbook",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # kit/docs.py serves Swagger UI from the package, not a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.database = db
    app.state.login_throttle = throttle
    app.state.aimeos_signup_limit = SignupLimit(
        throttle.counter, settings.aimeos_signup_limit, settings.aimeos_signup_window_seconds
    )
    app.state.storage = storage_from_url(settings.storage_url)
    if settings.tracing_endpoint:
        app.state.tracer_provider = tracing.install(app, db.engine, settings.tracing_endpoint)
    renderers = problem.Renderers()
    app.state.renderers = renderers
    problem.install(app, renderers)

    for router in (
        ops_router,
        auth_router,
        stores_router,
        sites_router,
        invitations_router,
        api_keys_router,
        webhooks_router,
        my_invitations_router,
        transfer_router,  # before customers_router: /customers/export is not a customer id
        customer_accounts_router,  # before customers_router: /customers/{id}/password
        self_service_router,
        customers_router,
        duplicates_router,
        privacy_router,
        data_export_download_router,
        addresses_router,
        profiles_router,
        properties_router,
        events_router,
        pricing_router,
        groups_router,
        message_templates_router,
        loyalty_router,
        history_router,
        tiers_router,
        purchases_router,
        rewards_router,
        referrals_router,
        pos_router,
        files_router,
        optics_router,
        joptic_router,
        jethings_router,
        aimeos_router,
        moodmnky_router,  # before the Open Loyalty routers: /api/customers is no store
        openloyalty_auth_router,  # before openloyalty_router: /api/admin is not a store
        openloyalty_accounts_router,
        openloyalty_seller_router,
        openloyalty_extras_router,  # before openloyalty_router: /customer/registrations
        openloyalty_import_router,
        openloyalty_router,
    ):
        app.include_router(router)
    docs.install(app)
    console.install(app, renderers)
    openapi.install(app, RULES)
    routing.install(app)
    renderers.register("/customer", joptic_errors.render)
    renderers.register("/customers", jethings_errors.render)
    renderers.register("/api", openloyalty_errors.render)
    renderers.register(moodmnky_errors.PREFIX, moodmnky_errors.render)
    renderers.register(aimeos_errors.PREFIX, aimeos_errors.render)

    app.add_middleware(RequireJSON, prefix="/v1", renderers=renderers, form_paths=FORM_PATHS)
    app.add_middleware(UntrustedInput, renderers=renderers)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        multipart_max_bytes=settings.max_multipart_bytes,
        renderers=renderers,
    )
    app.add_middleware(RequestContext)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        Cors,
        prefixes=CORS_PREFIXES,
        origins=frozenset(settings.cors_origins),
        store_origins=lambda host: origins_for_host(db, host),
        renderers=renderers,
    )
    app.add_middleware(TrustedProxies, trusted=settings.trusted_proxies)
    return app


FORM_PATHS = frozenset({"/v1/auth/token", "/v1/auth/refresh"})
# The surfaces browsers call from a shop's own pages (docs/operations.md, "CORS").
CORS_PREFIXES = ("/jsonapi", "/api/customers")
