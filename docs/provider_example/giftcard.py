"""A complete provider plugin: a small gift-card API, written only against voucher-engine's
public API (``voucher_engine.plugin`` and the top-level exports). docs/writing-a-provider.md
walks through it; its package (pyproject.toml beside it) advertises it in the entry-point
group, and tests/test_giftcard.py tests it with ``voucher_engine.testing`` alone:

    [project.entry-points.voucher_engine]
    giftcard = "giftcard"
"""

from __future__ import annotations

import hmac
from typing import Annotated

import msgspec

from voucher_engine import Money
from voucher_engine.plugin import (
    AuthScheme,
    Call,
    Credentials,
    Failure,
    FailureKind,
    Operation,
    Provider,
    Register,
    Reply,
    errors,
    hookimpl,
    retry_headers,
)

# The API keys this example accepts, one per tenant. A real provider would look keys up with
# the engine's identity services; a dict keeps the example self-contained.
API_KEYS = {"acme": "acme-secret-key"}


class Wire(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    """The base of every wire type: the partner's conventions in one place."""


class CardOut(Wire):
    code: str
    balance: str
    currency: str
    state: str


class RedeemIn(Wire):
    amount: Annotated[str, msgspec.Meta(pattern=r"^\d{1,7}\.\d{2}$")]
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]
    store_id: str | None = None


class RedeemOut(Wire):
    code: str
    redeemed: str
    balance: str
    transaction: int


class CheckIn(Wire):
    code: str


class ListQuery(Wire):
    limit: Annotated[int, msgspec.Meta(ge=1, le=50)] = 10


def authenticate(engine, credentials: Credentials) -> str:  # noqa: ANN001
    """The tenant whose key this is; every key is compared in constant time."""
    for tenant, key in API_KEYS.items():
        if hmac.compare_digest(key.encode(), (credentials.token or "").encode()):
            return tenant
    raise errors.Unauthorized("unknown API key")


API_KEY = AuthScheme("header", authenticate, header="X-Api-Key", description="Your API key")


def _card(call: Call, code: str) -> CardOut:
    voucher = call.engine.get_voucher(call.principal, code=code)
    balance = voucher.balance()
    shown = balance.format() if isinstance(balance, Money) else str(balance)
    return CardOut(voucher.code, shown, voucher.currency or "", voucher.state.value)


def get_card(call: Call) -> CardOut:
    return _card(call, call.path["code"])


def redeem(call: Call) -> RedeemOut:
    body: RedeemIn = call.body
    moved = call.engine.redeem(
        call.principal,
        code=call.path["code"],
        amount=Money.parse(body.amount, body.currency),
        store=body.store_id,
        idempotency_key=call.idempotency_key,
    )
    return RedeemOut(
        moved.code,
        Money(moved.amount, moved.currency).format(),
        Money(moved.available, moved.currency).format(),
        moved.seq,
    )


def check(call: Call) -> CardOut:
    """The same lookup, for point-of-sale terminals that post HTML forms."""
    return _card(call, call.body.code)


def slip(call: Call) -> Reply:
    voucher = call.engine.get_voucher(call.principal, code=call.path["code"])
    attachment = call.engine.hooks.render_attachment(voucher, "application/pdf")
    return Reply(content=attachment.content, media_type=attachment.media_type,
                 headers={"Content-Disposition": f'attachment; filename="{attachment.filename}"'})


def shop(call: Call) -> Reply:
    voucher = call.engine.get_voucher(call.principal, code=call.path["code"])
    return Reply(redirect=f"https://shop.example/redeem?code={voucher.code}")


def pools(call: Call) -> list[dict]:
    return [
        {"pool": p.pool_id, "remaining": p.remaining}
        for p in call.engine.list_pools(call.principal)[: call.query.limit]
    ]


STATUS = {
    FailureKind.MALFORMED: 400, FailureKind.INVALID: 400, FailureKind.UNAUTHORIZED: 401,
    FailureKind.FORBIDDEN: 403, FailureKind.NOT_FOUND: 404, FailureKind.METHOD_NOT_ALLOWED: 405,
    FailureKind.TOO_LARGE: 413, FailureKind.RATE_LIMITED: 429, FailureKind.REJECTED: 422,
    FailureKind.CONFLICT: 409, FailureKind.UNAVAILABLE: 503, FailureKind.INTERNAL: 500,
}


def render_error(failure: Failure) -> Reply:
    """Every error of this API: ``{"error": {"code": ..., "message": ...}}``."""
    message = "internal error" if failure.kind is FailureKind.INTERNAL else failure.message
    return Reply(
        body={"error": {"code": failure.code, "message": message}},
        status=STATUS[failure.kind],
        headers=retry_headers(failure),
    )


PROVIDER = Provider(
    name="giftcard",
    title="Gift card API",
    render_error=render_error,
    operations=(
        Operation("getCard", "GET", "/cards/{code:str}", get_card, response=CardOut, auth=API_KEY,
                  summary="A card's balance and state"),
        Operation("redeem", "POST", "/cards/{code:str}/redeem", redeem, body=RedeemIn, response=RedeemOut,
                  auth=API_KEY, summary="Spend part of a card's balance"),
        Operation("check", "POST", "/check", check, body=CheckIn, body_encoding="form", response=CardOut,
                  auth=API_KEY, summary="Look a card up from a form post"),
        Operation("slip", "GET", "/cards/{code:str}/slip", slip, auth=API_KEY, summary="The card as a PDF"),
        Operation("shop", "GET", "/cards/{code:str}/shop", shop, auth=API_KEY, status=302,
                  summary="Redirect to the shop"),
        Operation("pools", "GET", "/pools", pools, query=ListQuery, auth=API_KEY, summary="Code pools"),
    ),
)


@hookimpl
def voucher_engine_register_providers(register: Register) -> None:
    register(PROVIDER)
