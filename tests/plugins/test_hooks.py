"""Every hook, exercised through a real engine and real plugins (no mocks)."""

from __future__ import annotations

import random

import pluggy
import pytest

from voucher_engine import CodeFormat, Engine, EngineConfig, Money, Offer, State, Store, VoucherKind, VoucherSpec
from voucher_engine.errors import ValidationError, Vetoed
from voucher_engine.hookspecs import hookimpl
from voucher_engine.plugins import PluginSettings
from voucher_engine.providers import Attachment, Fulfilment, Operation, Provider, Reply


def open_with(url, *plugins, clock=None) -> Engine:
    eng = Engine.open(
        url,
        clock=clock,
        random=random.Random(7),
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=plugins),
    )
    eng.create_tenant("acme")
    return eng


class NoRedeemOnSundays:
    """A veto plugin: refuses one operation, lets the rest through."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def voucher_engine_veto_command(self, command):
        self.seen.append(command.operation)
        return "redemptions are paused" if command.operation == "redeem" else None


def test_veto_refuses_the_command_and_writes_nothing(database_url):
    veto = NoRedeemOnSundays()
    eng = open_with(database_url, veto)
    voucher = eng.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("20.00", "EUR")))
    events_before = eng.outbox_size("acme")
    with pytest.raises(Vetoed, match="redemptions are paused"):
        eng.redeem("acme", code=voucher.code, amount=Money.parse("5.00", "EUR"))
    assert eng.get_voucher("acme", code=voucher.code).available == 2000
    assert len(eng.ledger("acme", code=voucher.code)) == 1
    assert eng.outbox_size("acme") == events_before
    assert veto.seen == ["create_tenant", "issue", "redeem"]  # configuration is a command too
    eng.close()


class SequentialCodes:
    """A code-generator plugin that replaces the built-in random generator."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @hookimpl
    def voucher_engine_code_generator(self, code_format, tenant_id, pool_id):
        self.calls.append((tenant_id, pool_id))
        counter = iter(range(1, 10**6))
        return lambda: f"SEQ-{next(counter):06d}"


def test_code_generator_plugin_runs_before_the_builtin(database_url):
    plugin = SequentialCodes()
    eng = open_with(database_url, plugin)
    eng.create_pool("acme", "p", code_format=CodeFormat("XXXX-####"))
    assert eng.generate_codes("acme", "p", 3).added == 3
    assert [c.code for c in eng.export_codes("acme", "p")] == ["SEQ-000001", "SEQ-000002", "SEQ-000003"]
    assert plugin.calls == [("acme", "p")]
    eng.close()


def test_builtin_code_generator_follows_the_pattern(database_url):
    eng = open_with(database_url)
    eng.create_pool("acme", "p", code_format=CodeFormat("BET-XXX-######"))
    eng.generate_codes("acme", "p", 50)
    codes = [c.code for c in eng.export_codes("acme", "p")]
    assert len(set(codes)) == 50
    assert all(len(c) == 14 and c.startswith("BET-") and c[8:].isdigit() for c in codes)
    eng.close()


class GiftShopProvider:
    @hookimpl
    def voucher_engine_register_providers(self, register):
        register(Provider("giftshop", "Gift shop", (Operation("ping", "GET", "/ping", lambda call: Reply({})),)))


class DuplicateGiftShop(GiftShopProvider):
    pass


def test_register_providers_collects_every_plugin_and_refuses_duplicates(database_url):
    eng = open_with(database_url, GiftShopProvider())
    assert [p.name for p in eng.hooks.providers()] == ["giftshop"]
    eng.close()
    eng = open_with(database_url, GiftShopProvider(), DuplicateGiftShop())
    with pytest.raises(ValidationError, match="giftshop"):
        eng.hooks.providers()
    eng.close()


class FixedUrlFulfilment:
    @hookimpl
    def voucher_engine_fulfil(self, voucher):
        return Fulfilment(code=f"FIX-{voucher.id[-6:]}", attributes={"url": f"https://x.test/{voucher.id}"})


def _reserved_voucher(eng: Engine):
    eng.put_store(Store("s1", "acme", "Store one"))
    eng.create_pool("acme", "offer-pool", code_format=CodeFormat("GIFT-######"))
    eng.generate_codes("acme", "offer-pool", 5)
    eng.put_offer(Offer("o1", "acme", "s1", "Ten euros", "EUR", denominations=(1000,), pool_id="offer-pool"))
    voucher = eng.issue(
        "acme", VoucherSpec(VoucherKind.MONETARY, Money(1000, "EUR")), state=State.RESERVED, offer_id="o1"
    )
    return eng.confirm("acme", voucher_id=voucher.id)


def test_fulfil_builtin_takes_a_code_from_the_offer_pool_once(database_url):
    eng = open_with(database_url)
    voucher = _reserved_voucher(eng)
    first = eng.hooks.fulfil(eng, "acme", voucher)
    again = eng.hooks.fulfil(eng, "acme", voucher)
    pool_codes = {c.code for c in eng.export_codes("acme", "offer-pool")}
    assert first.code in pool_codes
    assert again.code == first.code  # popped by reference = the voucher id: retries are safe
    assert eng.pool_status("acme", "offer-pool").issued == 1
    eng.close()


def test_fulfil_plugin_replaces_the_builtin(database_url):
    eng = open_with(database_url, FixedUrlFulfilment())
    voucher = _reserved_voucher(eng)
    result = eng.hooks.fulfil(eng, "acme", voucher)
    assert result.code == f"FIX-{voucher.id[-6:]}"
    assert result.attributes["url"].endswith(voucher.id)
    assert eng.pool_status("acme", "offer-pool").issued == 0
    eng.close()


def test_render_attachment_builtin_is_a_pdf_holding_the_code(database_url):
    eng = open_with(database_url)
    voucher = eng.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("25.00", "EUR")), code="PDF-CODE-1")
    attachment = eng.hooks.render_attachment(voucher, "application/pdf")
    assert attachment.media_type == "application/pdf"
    assert attachment.content.startswith(b"%PDF-1.4") and attachment.content.rstrip().endswith(b"%%EOF")
    assert b"PDF-CODE-1" in attachment.content and b"25.00 EUR" in attachment.content
    assert eng.hooks.render_attachment(voucher, "image/png") is None
    eng.close()


class PlainTextSlip:
    """Renders text/plain itself and leaves PDFs to the built-in."""

    @hookimpl
    def voucher_engine_render_attachment(self, voucher, media_type):
        if media_type != "text/plain":
            return None
        return Attachment(f"{voucher.code}\n".encode(), "text/plain", "slip.txt")


def test_render_attachment_plugin_answers_its_type_and_passes_on_the_rest(database_url):
    eng = open_with(database_url, PlainTextSlip())
    voucher = eng.issue("acme", VoucherSpec(VoucherKind.SINGLE_USE), code="TXT-1")
    assert eng.hooks.render_attachment(voucher, "text/plain").content == b"TXT-1\n"
    assert eng.hooks.render_attachment(voucher, "application/pdf").content.startswith(b"%PDF")
    eng.close()


class Recorder:
    def __init__(self) -> None:
        self.types: list[str] = []

    @hookimpl
    def voucher_engine_event_committed(self, event):
        self.types.append(event.type)


class Broken:
    @hookimpl
    def voucher_engine_event_committed(self, event):
        raise RuntimeError("observer down")


def test_event_committed_reaches_every_observer_even_when_one_fails(database_url):
    recorder = Recorder()
    eng = open_with(database_url, recorder, Broken())
    eng.issue("acme", VoucherSpec(VoucherKind.SINGLE_USE), code="ONE")
    (event,) = eng.events("acme")
    failures = eng.hooks.event_committed(event)
    assert recorder.types == ["voucher.issued"]
    assert [str(f) for f in failures] == ["observer down"]
    eng.close()


class Misspelt:
    @hookimpl
    def voucher_engine_veto_comand(self, command):
        return None


def test_a_misspelt_hook_fails_at_start_up(sqlite_url):
    with pytest.raises(pluggy.PluginValidationError, match="voucher_engine_veto_comand"):
        open_with(sqlite_url, Misspelt())


class StampJobs:
    @hookimpl
    def voucher_engine_register_job_handlers(self, register):
        register(
            "stamp",
            lambda engine, job: engine.issue(
                job.tenant_id, VoucherSpec(VoucherKind.SINGLE_USE), code=job.payload["code"]
            ),
        )


def test_plugins_give_every_worker_their_job_handlers(database_url):
    from voucher_engine.delivery import DeliverySettings, Webhooks, Worker

    eng = open_with(database_url, StampJobs())
    Webhooks(eng).enqueue_job("stamp", {"code": "STAMPED-1"}, tenant_id="acme")
    assert Worker(eng, DeliverySettings(periodic_jobs={})).run_once().jobs == {"succeeded": 1}
    assert eng.get_voucher("acme", code="STAMPED-1").state is State.AVAILABLE
    eng.close()
    eng = open_with(database_url, StampJobs(), type("Again", (StampJobs,), {})())
    with pytest.raises(ValidationError, match="stamp"):
        eng.hooks.job_handlers()
    eng.close()
