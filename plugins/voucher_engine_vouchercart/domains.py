"""Domains (VoucherCart's sales pages) are the tenant's stores.

A store whose id is a positive integer ("8") is the domain with that id; its ``name`` is the
sales page's subdomain ("hello-world") and its ``url`` the page's link. Vouchers name the
domains they are redeemable on in ``redeemable_at`` (store ids); none means every domain of
the tenant. Stores with other ids (another provider's outlets) are not domains.
"""

from __future__ import annotations

from dataclasses import dataclass

from voucher_engine import Engine, Voucher
from voucher_engine.plugin import errors
from voucher_engine_vouchercart.permissions import domain_id_of
from voucher_engine_vouchercart.wire import DomainOut


@dataclass(frozen=True, slots=True)
class Domain:
    id: int
    name: str
    url: str

    def out(self) -> DomainOut:
        return DomainOut(self.id, self.name, self.url)


def list_domains(engine: Engine, tenant_id: str) -> list[Domain]:
    found = []
    for store in engine.list_stores(tenant_id):
        domain_id = domain_id_of(store.id)
        if domain_id is not None:
            found.append(Domain(domain_id, store.name, store.url or ""))
    return sorted(found, key=lambda d: d.id)


def get_domain(engine: Engine, tenant_id: str, domain_id: int) -> Domain | None:
    try:
        store = engine.get_store(tenant_id, str(domain_id))
    except errors.NotFound:
        return None
    if not store.active:
        return None
    return Domain(domain_id, store.name, store.url or "")


def redeemable_on(voucher: Voucher, tenant_domains: list[Domain]) -> list[int]:
    if not voucher.redeemable_at:
        return [d.id for d in tenant_domains]
    return sorted({d for d in map(domain_id_of, voucher.redeemable_at) if d is not None})
