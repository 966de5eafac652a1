"""``voucher_engine.testing``: the test kit for provider authors, and for our own tests.

Installed with ``voucher-engine[testing]``, it is a pytest plugin (entry point ``pytest11``):
every project whose venv has it gets the fixtures below, no conftest needed.

- ``ve_clock``: a ``ManualClock`` (a ``SharedClock``) that servers started by the kit follow
- ``ve_backend``, ``ve_database_url``: a fresh, migrated database, on SQLite and PostgreSQL
- ``ve_plugins`` (override it), ``ve_engine``: an ``Engine`` on that database and clock
- ``ve_client``: a factory of in-process clients of the app on ``ve_engine`` (fast)
- ``ve_server``: a factory of real server processes with chosen providers and prefixes
- ``ve_partner_signer``: partner-signed JWTs at the clock's time
- ``ve_webhook_receiver``: a loopback receiver verifying Standard Webhooks signatures

The classes and functions behind them are importable from here for use outside fixtures.
"""

from voucher_engine.testing.clock import FileClock, SharedClock, near_now
from voucher_engine.testing.databases import (
    BACKENDS,
    fresh_database,
    fresh_database_url,
    pg_url,
    require_postgresql,
)
from voucher_engine.testing.fixtures import (
    pytest_configure,  # noqa: F401 - pytest finds the kit's hooks on this module (pytest11 entry point)
    pytest_sessionfinish,  # noqa: F401 - as above
    ve_backend,
    ve_client,
    ve_clock,
    ve_database_url,
    ve_engine,
    ve_partner_signer,
    ve_plugins,
    ve_server,
    ve_webhook_receiver,
)
from voucher_engine.testing.partners import PartnerSigner
from voucher_engine.testing.server import (
    KIT_APP,
    PRODUCTION_APP,
    STARTUP_PROBE_ID,
    Response,
    Server,
    free_port,
    send,
    start_server,
)
from voucher_engine.testing.webhooks import LOOPBACK, Received, SignatureError, WebhookReceiver, verify

__all__ = [
    "BACKENDS",
    "KIT_APP",
    "LOOPBACK",
    "PRODUCTION_APP",
    "STARTUP_PROBE_ID",
    "FileClock",
    "PartnerSigner",
    "Received",
    "Response",
    "Server",
    "SharedClock",
    "SignatureError",
    "WebhookReceiver",
    "free_port",
    "fresh_database",
    "fresh_database_url",
    "near_now",
    "pg_url",
    "require_postgresql",
    "send",
    "start_server",
    "ve_backend",
    "ve_client",
    "ve_clock",
    "ve_database_url",
    "ve_engine",
    "ve_partner_signer",
    "ve_plugins",
    "ve_server",
    "ve_webhook_receiver",
    "verify",
]
