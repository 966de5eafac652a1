"""The catalog: stores and the offers they sell (face value, price, denominations or range)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select, update

from voucher_engine.domain.catalog import Offer, Store
from voucher_engine.domain.money import exponent_of
from voucher_engine.engine import codec
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.engine.references import require_pool
from voucher_engine.errors import OfferNotFound, StoreNotFound
from voucher_engine.storage.tables import offers, stores

S, O = stores.c, offers.c  # noqa: E741 - one capital letter per table's columns, as in every engine module


def _store(row: Row[*tuple[Any, ...]]) -> Store:
    return Store(row.id, row.tenant_id, row.name, row.url, row.active)


def _offer(row: Row[*tuple[Any, ...]]) -> Offer:
    return Offer(
        id=row.id,
        tenant_id=row.tenant_id,
        store_id=row.store_id,
        name=row.name,
        currency=row.currency,
        denominations=tuple(row.denominations),
        min_value=row.min_value,
        max_value=row.max_value,
        step=row.step,
        discount_bp=row.discount_bp,
        pool_id=row.pool_id,
        active=row.active,
    )


class CatalogOperations(EngineBase):
    def put_store(self, store: Store) -> Store:
        """Create or update a store."""
        values = {"name": store.name, "url": store.url, "active": store.active}

        def body(tx: Tx) -> Store:
            self._require_tenant(tx.conn, store.tenant_id)
            if not tx.conn.execute(
                update(stores).where(S.tenant_id == store.tenant_id, S.id == store.id).values(**values)
            ).rowcount:
                tx.conn.execute(stores.insert(), {"tenant_id": store.tenant_id, "id": store.id, **values})
            return store

        return self._command(store.tenant_id, "put_store", body, Store, request=codec.dump(store))

    def put_offer(self, offer: Offer) -> Offer:
        """Create or update an offer of an existing store."""
        exponent_of(offer.currency)
        self.get_store(offer.tenant_id, offer.store_id)
        values = {
            "store_id": offer.store_id,
            "name": offer.name,
            "currency": offer.currency,
            "denominations": list(offer.denominations),
            "min_value": offer.min_value,
            "max_value": offer.max_value,
            "step": offer.step,
            "discount_bp": offer.discount_bp,
            "pool_id": offer.pool_id,
            "active": offer.active,
        }

        def body(tx: Tx) -> Offer:
            require_pool(tx.conn, offer.tenant_id, offer.pool_id)
            if not tx.conn.execute(
                update(offers).where(O.tenant_id == offer.tenant_id, O.id == offer.id).values(**values)
            ).rowcount:
                tx.conn.execute(offers.insert(), {"tenant_id": offer.tenant_id, "id": offer.id, **values})
            return offer

        return self._command(offer.tenant_id, "put_offer", body, Offer, request=codec.dump(offer))

    def get_store(self, tenant_id: str, store_id: str) -> Store:
        row = self._read(lambda c: c.execute(select(stores).where(S.tenant_id == tenant_id, S.id == store_id)).first())
        if row is None:
            raise StoreNotFound(f"no store {store_id!r}")
        return _store(row)

    def list_stores(self, tenant_id: str, *, active_only: bool = True) -> list[Store]:
        query = select(stores).where(S.tenant_id == tenant_id).order_by(S.id)
        if active_only:
            query = query.where(S.active.is_(True))
        return [_store(r) for r in self._read(lambda c: c.execute(query).all())]

    def get_offer(self, tenant_id: str, offer_id: str, *, store_id: str | None = None) -> Offer:
        query = select(offers).where(O.tenant_id == tenant_id, O.id == offer_id)
        if store_id is not None:
            query = query.where(O.store_id == store_id)
        row = self._read(lambda c: c.execute(query).first())
        if row is None:
            raise OfferNotFound(f"no offer {offer_id!r}")
        return _offer(row)

    def list_offers(self, tenant_id: str, *, store_id: str | None = None, active_only: bool = True) -> list[Offer]:
        query = select(offers).where(O.tenant_id == tenant_id).order_by(O.store_id, O.id)
        if store_id is not None:
            query = query.where(O.store_id == store_id)
        if active_only:
            query = query.where(O.active.is_(True))
        return [_offer(r) for r in self._read(lambda c: c.execute(query).all())]
