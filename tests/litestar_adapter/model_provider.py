"""A test plugin using every capability of the provider model, written as a third party would:
it imports only ``voucher_engine.plugin`` and ``voucher_engine``'s exports.

- "alpha" (a JTL-like API at /v1): per-field errors as ``{"errors": [{code, property, rule,
  message}]}``, a 204, an RFC 6749 token endpoint (credentials in Basic auth or in the form;
  its own error shape, also for the 401 before the handler and a body too large), a route
  taking either a bearer token or an API key plus a mandatory hostname header, multipart and
  JSON-or-form bodies, a tightly rate-limited staff list, webhooks in its own shape.
- "beta" (a VoucherCart-like API, also at /v1): ``{"errors": {field: [messages]}}``.
- "gamma": an operation at alpha's token path, to collide with it when mounted at /v1.

The server-process tests serve them with the test kit's ``ve_server(plugins=[model_provider])``.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from voucher_engine import Engine, Money
from voucher_engine.plugin import (
    DEFAULT_STATUS,
    AuthScheme,
    Call,
    Credentials,
    Failure,
    FailureKind,
    FieldError,
    Operation,
    Provider,
    RateLimit,
    Register,
    Reply,
    Upload,
    WebhookMessage,
    errors,
    hookimpl,
    retry_headers,
)

CLIENT = ("shop-1", "s3cret-s3cret")
BEARER = "alpha-token"
API_KEY = "alpha-key"
HOSTNAME = "X-Hostname"
Amount = Annotated[str, msgspec.Meta(pattern=r"^\d+\.\d{2}$")]


# --- alpha ------------------------------------------------------------------------------------


class Wire(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    pass


class Item(Wire):
    item_code: Annotated[str, msgspec.Meta(min_length=1)]
    quantity: Annotated[int, msgspec.Meta(ge=1)] = 1


class Order(Wire):
    amount: Amount
    reference: str
    items: list[Item] = []


class OrderOut(Wire):
    id: str
    amount: str
    reference: str


class TokenForm(msgspec.Struct, forbid_unknown_fields=True):
    grant_type: str
    client_id: str | None = None
    client_secret: str | None = None


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


class OAuthErrorOut(msgspec.Struct):
    error: str
    error_description: str


class Note(Wire):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class NoteOut(Wire):
    text: str
    via: str


class ImportForm(msgspec.Struct, forbid_unknown_fields=True):
    file: Upload
    note: str = ""


class ImportOut(Wire):
    filename: str
    content_type: str
    lines: int
    note: str


class StaffOut(Wire):
    name: str


class WhoOut(Wire):
    principal: str


class ErrorItem(msgspec.Struct):
    code: str
    property: str | None
    rule: str | None
    message: str


class AlphaError(msgspec.Struct):
    errors: list[ErrorItem]


def render_alpha(failure: Failure) -> Reply:
    """JTL's shape: one entry per field (or one for the whole request)."""
    items = [{"code": failure.code, "property": f.field, "rule": f.rule, "message": f.message} for f in failure.fields]
    body = {"errors": items or [{"code": failure.code, "property": None, "rule": None, "message": failure.message}]}
    status = 422 if failure.kind is FailureKind.INVALID else DEFAULT_STATUS[failure.kind]
    return Reply(body=body, status=status, headers=retry_headers(failure))


class OAuthFailure(errors.Unauthorized):
    code = "invalid_client"


def render_oauth(failure: Failure) -> Reply:
    """RFC 6749 5.2 for the token endpoint, whatever failed."""
    if failure.kind is FailureKind.UNAUTHORIZED:
        return Reply(
            body={"error": "invalid_client", "error_description": failure.message},
            status=401,
            headers={"WWW-Authenticate": 'Basic realm="alpha"'},
        )
    if failure.kind in (FailureKind.RATE_LIMITED, FailureKind.UNAVAILABLE, FailureKind.INTERNAL, FailureKind.CONFLICT):
        return Reply(
            body={"error": "temporarily_unavailable", "error_description": failure.message},
            status=DEFAULT_STATUS[failure.kind],
            headers=retry_headers(failure),
        )
    return Reply(body={"error": "invalid_request", "error_description": failure.message}, status=400)


def _client(engine: Engine, credentials: Credentials) -> str:
    if credentials.scheme == "basic":
        given = (credentials.username, credentials.password)
    else:
        form: TokenForm = credentials.body
        given = (form.client_id, form.client_secret)
    if given != CLIENT:
        raise OAuthFailure("unknown client or wrong secret")
    return f"client:{given[0]}:{credentials.scheme}"


def _bearer(engine: Engine, credentials: Credentials) -> str:
    if credentials.token != BEARER:
        raise errors.Unauthorized("unknown token")
    return "bearer"


def _api_key(engine: Engine, credentials: Credentials) -> str:
    if credentials.token != API_KEY:
        raise errors.Unauthorized("unknown key")
    return f"key@{credentials.headers[HOSTNAME.lower()]}"


BASIC_CLIENT = AuthScheme("basic", _client, description="client id and secret")
FORM_CLIENT = AuthScheme("body", _client, description="client_id and client_secret in the form")
BEARER_TOKEN = AuthScheme("bearer", _bearer, description="an access token")
KEY_WITH_HOST = AuthScheme(
    "header",
    _api_key,
    header="X-Api-Key",
    required_headers=(HOSTNAME,),
    description="a privileged key, with the hostname header",
)


def token(call: Call) -> TokenOut:
    if call.body.grant_type != "client_credentials":
        raise errors.ValidationError("grant_type must be client_credentials")
    return TokenOut(f"token-for-{call.principal}", "Bearer", 3600)


def create_order(call: Call) -> Reply:
    order: Order = call.body
    if order.reference == "taken":
        raise errors.ValidationError(
            "reference taken", fields=(FieldError("reference", "unique", "this reference is already used"),)
        )
    Money.parse(order.amount, "EUR")
    return Reply(OrderOut("o-1", order.amount, order.reference), status=201)


def delete_order(call: Call) -> Reply:
    if call.path["orderId"] != "o-1":
        raise errors.NotFound(f"no order {call.path['orderId']!r}")
    return Reply(body={"ignored": "a 204 has no body"})


def who(call: Call) -> WhoOut:
    return WhoOut(call.principal)


def add_note(call: Call) -> NoteOut:
    return NoteOut(call.body.text, call.headers.get("content-type", "").partition(";")[0])


def import_file(call: Call) -> ImportOut:
    form: ImportForm = call.body
    return ImportOut(form.file.filename, form.file.content_type, form.file.content.count(b"\n"), form.note)


def list_staff(call: Call) -> list[StaffOut]:
    return [StaffOut("ann"), StaffOut("bob")]


def alpha_webhooks(message: WebhookMessage) -> WebhookMessage | None:
    """The partner's names and shape: ``card.created`` and ``card.redeemed``, with the code and
    the balance at that moment (from the event, not from the card as it is by now)."""
    data = message.data
    if message.type == "voucher.issued":
        return WebhookMessage(
            "card.created", {"cardCode": data["code"], "balance": Money(data["units"], data["currency"]).format()}
        )
    if message.type == "voucher.redeemed":
        return WebhookMessage(
            "card.redeemed", {"cardCode": data["code"], "balance": Money(data["available"], data["currency"]).format()}
        )
    return None


ALPHA = Provider(
    name="alpha",
    title="Alpha API",
    render_error=render_alpha,
    error_type=AlphaError,
    webhooks=alpha_webhooks,
    operations=(
        Operation(
            "token",
            "POST",
            "/token",
            token,
            body=TokenForm,
            body_encoding="form",
            response=TokenOut,
            auth=(BASIC_CLIENT, FORM_CLIENT),
            render_error=render_oauth,
            error_type=OAuthErrorOut,
            max_body_bytes=1024,
        ),
        Operation(
            "createOrder", "POST", "/orders", create_order, body=Order, response=OrderOut, status=201, auth=BEARER_TOKEN
        ),
        Operation("deleteOrder", "DELETE", "/orders/{orderId:str}", delete_order, status=204, auth=BEARER_TOKEN),
        Operation("who", "GET", "/who", who, response=WhoOut, auth=(BEARER_TOKEN, KEY_WITH_HOST)),
        Operation(
            "addNote",
            "POST",
            "/notes",
            add_note,
            body=Note,
            body_encoding=("json", "form"),
            response=NoteOut,
            auth=BEARER_TOKEN,
        ),
        Operation(
            "importFile",
            "POST",
            "/imports",
            import_file,
            body=ImportForm,
            body_encoding="multipart",
            response=ImportOut,
            auth=BEARER_TOKEN,
        ),
        Operation(
            "listStaff",
            "GET",
            "/staff",
            list_staff,
            response=list[StaffOut],
            auth=BEARER_TOKEN,
            rate_limit=RateLimit(requests=2, per_seconds=3600),
        ),
    ),
)


# --- beta -------------------------------------------------------------------------------------


class BetaError(msgspec.Struct):
    errors: dict[str, list[str]]


def render_beta(failure: Failure) -> Reply:
    """VoucherCart's shape: messages by field."""
    by_field: dict[str, list[str]] = {}
    for f in failure.fields:
        by_field.setdefault(f.field, []).append(f.message)
    return Reply(
        body={"errors": by_field or {"_": [failure.message]}},
        status=DEFAULT_STATUS[failure.kind],
        headers=retry_headers(failure),
    )


class Status(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=3)]


class StatusOut(msgspec.Struct):
    code: str
    ok: bool


BETA = Provider(
    name="beta",
    title="Beta API",
    render_error=render_beta,
    error_type=BetaError,
    operations=(
        Operation(
            "status", "POST", "/status", lambda call: StatusOut(call.body.code, True), body=Status, response=StatusOut
        ),
    ),
)

GAMMA = Provider(
    name="gamma",
    title="Gamma API",
    operations=(Operation("token", "POST", "/token", lambda call: {"ok": True}),),
)


@hookimpl
def voucher_engine_register_providers(register: Register) -> None:
    register(ALPHA)
    register(BETA)
    register(GAMMA)


#: alpha and beta share /v1 (as JTL and VoucherCart do); gamma stays at /gamma.
MOUNTS = {"alpha": "/v1", "beta": "/v1"}
