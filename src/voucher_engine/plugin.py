"""The public API for provider authors, in one module (as ``tox.plugin`` is tox's).

A provider plugin imports from here and from ``voucher_engine``'s top-level exports (the engine,
money, vouchers, states ...), and nothing else of the core; services it needs beyond the
engine (``voucher_engine.identity``, ``voucher_engine.delivery``) are public packages of their
own. Everything here is stable: renamed or removed only with a deprecation. docs/provider-model.md
is the reference, docs/writing-a-provider.md the guide::

    from voucher_engine.plugin import Call, Operation, Provider, Register, errors, hookimpl

    @hookimpl
    def voucher_engine_register_providers(register: Register) -> None:
        register(Provider("giftcard", "Gift card API", operations=(...)))
"""

from __future__ import annotations

from voucher_engine import errors, pdf
from voucher_engine.config.sections import RegisterSettings, SettingsSection
from voucher_engine.errors import FieldError
from voucher_engine.hookspecs import hookimpl
from voucher_engine.providers import (
    DEFAULT_STATUS,
    Attachment,
    AuthScheme,
    BodyEncoding,
    Call,
    Credentials,
    DefaultError,
    Failure,
    FailureKind,
    Fulfilment,
    HttpMethod,
    Operation,
    Provider,
    RateLimit,
    Register,
    RegisterJobHandler,
    Reply,
    Upload,
    WebhookMessage,
    default_error_reply,
    failure_of,
    field_errors_of,
    retry_headers,
)
from voucher_engine.screening import MAX_JSON_DEPTH, json_depth_exceeds, screen

__all__ = [
    "DEFAULT_STATUS",
    "MAX_JSON_DEPTH",
    "Attachment",
    "AuthScheme",
    "BodyEncoding",
    "Call",
    "Credentials",
    "DefaultError",
    "Failure",
    "FailureKind",
    "FieldError",
    "Fulfilment",
    "HttpMethod",
    "Operation",
    "Provider",
    "RateLimit",
    "Register",
    "RegisterJobHandler",
    "RegisterSettings",
    "Reply",
    "SettingsSection",
    "Upload",
    "WebhookMessage",
    "default_error_reply",
    "errors",
    "failure_of",
    "field_errors_of",
    "hookimpl",
    "json_depth_exceeds",
    "pdf",
    "retry_headers",
    "screen",
]
