"""The SSRF guard: refused at creation (writing nothing) and again at delivery time."""

from __future__ import annotations

import pytest

from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import DeliverySettings, UnsafeWebhookUrl, Webhooks, Worker
from voucher_engine.delivery.urls import check_url
from voucher_engine.testing import LOOPBACK

STRICT = DeliverySettings(periodic_jobs={})


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.1/hook", "private"),
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://192.168.1.10/hook", "private"),
        ("http://localhost:8080/hook", "loopback"),
        ("file:///etc/passwd", "not 'file'"),
        ("gopher://example.com/", "not 'gopher'"),
        ("http://user:pw@example.com/hook", "user name or password"),
        ("http:///no-host", "names a host"),
    ],
)
def test_refused_urls(url, why):
    with pytest.raises(UnsafeWebhookUrl, match=why):
        check_url(url, STRICT)


def test_every_resolved_address_is_checked():
    def resolve(host, port):
        return ["93.184.216.34", "10.1.2.3"]  # one public, one private: refused

    with pytest.raises(UnsafeWebhookUrl, match="private"):
        check_url("https://hooks.example.com/x", STRICT, resolve)
    target = check_url("https://hooks.example.com/x?a=1", STRICT, lambda h, p: ["93.184.216.34"])
    assert (target.scheme, target.host, target.port, target.path) == ("https", "hooks.example.com", 443, "/x?a=1")


def test_allowed_by_setting():
    assert check_url("http://127.0.0.1:8080/hook", LOOPBACK).addresses == ("127.0.0.1",)
    with pytest.raises(UnsafeWebhookUrl):
        check_url("http://127.0.0.2:8080/hook", LOOPBACK)  # only the allowed network
    anything = DeliverySettings(allow_private_addresses=True)
    assert check_url("http://[::1]:8080/hook", anything).addresses == ("::1",)
    assert check_url("http://10.0.0.1/hook", anything).addresses == ("10.0.0.1",)
    with pytest.raises(UnsafeWebhookUrl):
        check_url("file:///etc/passwd", anything)  # the scheme rule has no exception


def test_creation_refused_writes_nothing(engine):
    webhooks = Webhooks(engine, STRICT)
    for url in ("http://10.0.0.1/", "http://127.0.0.1/", "http://169.254.169.254/", "http://[::1]/", "file:///x"):
        with pytest.raises(UnsafeWebhookUrl):
            webhooks.create_endpoint("acme", url)
    assert webhooks.list_endpoints("acme") == []
    assert Webhooks(engine, LOOPBACK).create_endpoint("acme", "http://127.0.0.1:9/hook").endpoint.enabled


def test_checked_again_at_delivery_time(engine, receiver):
    # Created while loopback was allowed; the worker's settings no longer allow it.
    Webhooks(engine, LOOPBACK).create_endpoint("acme", receiver.url)
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")))

    assert Worker(engine, STRICT).run_once().delivered == {"pending": 1}

    assert receiver.received == []
    webhooks = Webhooks(engine, STRICT)
    (delivery,) = webhooks.deliveries("acme")
    (attempt,) = webhooks.attempts("acme", delivery.id)
    assert attempt.status_code is None
    assert attempt.error.startswith("refused: webhook URLs may not point at loopback addresses")
