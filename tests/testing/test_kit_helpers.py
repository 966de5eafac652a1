"""The kit's webhook receiver, partner signer and database rules, each against the real thing:
webhooks the engine's worker really signs and sends, JWTs the engine's partner registry really
verifies, and the PostgreSQL rule (skip loudly locally, fail under CI=true)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks, Worker
from voucher_engine.errors import Unauthorized
from voucher_engine.identity import Identity
from voucher_engine.testing import LOOPBACK, SignatureError, require_postgresql, verify

SECRET = "partner-secret-of-shop-42-0123456789abcdef"


def _deliver(engine) -> None:
    worker = Worker(engine, LOOPBACK)
    try:
        while not worker.run_once().idle:
            pass
    finally:
        worker.close()


@pytest.mark.parametrize("ve_backend", ["sqlite"])
def test_the_receiver_verifies_what_the_engine_signs_and_refuses_anything_else(
    ve_engine, ve_clock, ve_webhook_receiver
):
    ve_engine.create_tenant("acme")
    secret = Webhooks(ve_engine, LOOPBACK).create_endpoint("acme", ve_webhook_receiver.url).secret
    ve_clock.advance(timedelta(days=400))  # far from the wall clock: verified against the test's clock
    ve_engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")), code="HOOK-1")
    _deliver(ve_engine)

    [payload] = ve_webhook_receiver.verify(secret)
    assert (payload["type"], payload["data"]["code"]) == ("voucher.issued", "HOOK-1")

    [got] = ve_webhook_receiver.received
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(secret, dataclasses.replace(got, body=got.body.replace(b"HOOK-1", b"HOOK-2")), clock=ve_clock)
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(
            Webhooks(ve_engine, LOOPBACK).create_endpoint("acme", "http://127.0.0.1:9/x").secret, got, clock=ve_clock
        )
    ve_clock.advance(timedelta(minutes=6))
    with pytest.raises(SignatureError, match="not within"):
        ve_webhook_receiver.verify(secret)
    with pytest.raises(SignatureError):  # the wall clock is 400 days away from the timestamp
        verify(secret, got)


@pytest.mark.parametrize("ve_backend", ["sqlite"])
def test_signed_partner_jwts_are_accepted_once_and_expire_on_the_test_clock(ve_engine, ve_clock, ve_partner_signer):
    ve_engine.create_tenant("acme")
    signer = ve_partner_signer("shop-42", SECRET, tenant="acme")
    partners = Identity(ve_engine).partners
    partners.register_partner("acme", signer.partner, signer.verification_key, algorithm=signer.algorithm)

    token = signer.sign(amount="50.00")
    used = partners.use_partner_jwt("acme", token)
    assert (used.partner_id, used.claims["amount"], used.claims["iat"]) == (
        "shop-42",
        "50.00",
        int(ve_clock.now().timestamp()),
    )
    with pytest.raises(Unauthorized):
        partners.use_partner_jwt("acme", token)  # its jti is used up
    with pytest.raises(Unauthorized):
        partners.use_partner_jwt("acme", signer.sign(key="another-secret-0123456789abcdef0123"))

    late = signer.sign()
    ve_clock.advance(timedelta(minutes=10))
    with pytest.raises(Unauthorized):
        partners.use_partner_jwt("acme", late)
    assert "tenant" not in signer.claims(tenant=None)


def test_unreachable_postgresql_skips_loudly_locally_and_fails_under_ci(monkeypatch):
    monkeypatch.setenv("VOUCHER_ENGINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:9/none")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match=r"!!! PostgreSQL at .* unreachable, its tests are SKIPPED"):
        require_postgresql()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="unreachable under CI=true"):
        require_postgresql()
