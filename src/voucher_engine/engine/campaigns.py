"""Campaigns: which pool answers a trigger (a purchase category) for a distributor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, exists, literal, or_, select, update

from voucher_engine.domain.campaigns import Campaign, matching
from voucher_engine.domain.validity import Window
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.engine.pools import PoolOperations
from voucher_engine.engine.results import CampaignIssue
from voucher_engine.errors import (
    CampaignNotFound,
    NoCampaignAvailable,
    PoolDepleted,
    PoolNotFound,
    Unauthorized,
    ValidationError,
)
from voucher_engine.storage.direct import Direct
from voucher_engine.storage.identity_tables import distributors
from voucher_engine.storage.tables import campaigns, pool_issues, pools

K, I = campaigns.c, pool_issues.c  # noqa: E741 - one capital letter per table's columns, as in every engine module

_count_capped = Direct(
    update(campaigns)
    .where(
        K.tenant_id == bindparam("b_tenant"),
        K.id == bindparam("b_id"),
        or_(K.cap.is_(None), K.issued < K.cap),
    )
    .values(issued=K.issued + 1)
    .returning(K.issued)
)

_uncount = Direct(
    update(campaigns).where(K.tenant_id == bindparam("b_tenant"), K.id == bindparam("b_id")).values(issued=K.issued - 1)
)


# A distributor's token, checked in the issuing transaction itself (identity/distributors.py,
# ``claimed_distributor``): is this digest still the distributor's?
_token_current = exists().where(
    distributors.c.tenant_id == bindparam("b_tenant"),
    distributors.c.id == bindparam("b_distributor"),
    distributors.c.token_digest == bindparam("b_digest"),
)
_check_token = Direct(select(_token_current.label("token_ok")))
# The tenant's campaigns and that check in one statement (one round trip): a one-row source
# outer-joined to the campaigns, so a tenant without campaigns still answers the check.
_one = select(literal(1).label("one")).subquery("one")
_campaigns_and_token = Direct(
    select(_token_current.label("token_ok"), *campaigns.c).select_from(
        _one.outerjoin(campaigns, and_(K.tenant_id == bindparam("b_tenant")))
    )
)
_tenant_campaigns = Direct(select(campaigns).where(K.tenant_id == bindparam("b_tenant")))


def _campaign(row: Row[*tuple[Any, ...]]) -> Campaign:
    return Campaign(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        pool_id=row.pool_id,
        window=Window(row.starts_at, row.ends_at),
        trigger_categories=frozenset(row.trigger_categories),
        distributors=frozenset(row.distributors),
        priority=row.priority,
        cap=row.cap,
        issued=row.issued,
        template=row.template,
    )


class CampaignOperations(PoolOperations, EngineBase):
    def put_campaign(
        self,
        tenant_id: str,
        campaign_id: str,
        *,
        name: str,
        pool_id: str | None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        trigger_categories: Iterable[str] = (),
        distributors: Iterable[str] = (),
        priority: int = 0,
        cap: int | None = None,
        template: dict[str, Any] | None = None,
    ) -> Campaign:
        """Create or update a campaign's settings (its issued count is never overwritten)."""
        window = Window(starts_at, ends_at)  # validates the instants
        if cap is not None and cap < 0:
            raise ValidationError("a cap is not negative")
        values = {
            "name": name,
            "pool_id": pool_id,
            "starts_at": window.start,
            "ends_at": window.end,
            "trigger_categories": sorted(set(trigger_categories)),
            "distributors": sorted(set(distributors)),
            "priority": priority,
            "cap": cap,
            "template": template,
        }

        def body(tx: Tx) -> None:
            conn = tx.conn
            self._require_tenant(conn, tenant_id)
            # A campaign on a missing pool would make every trigger that reaches it fail.
            if (
                pool_id is not None
                and conn.execute(
                    select(pools.c.id).where(pools.c.tenant_id == tenant_id, pools.c.id == pool_id)
                ).first()
                is None
            ):
                raise PoolNotFound(f"no pool {pool_id!r}")
            changed = conn.execute(
                update(campaigns).where(K.tenant_id == tenant_id, K.id == campaign_id).values(**values)
            ).rowcount
            if not changed:
                conn.execute(
                    campaigns.insert(),
                    {
                        "tenant_id": tenant_id,
                        "id": campaign_id,
                        "issued": 0,
                        "created_at": tx.now,
                        **values,
                    },
                )

        self._command(tenant_id, "put_campaign", body, type(None), request={"campaign": campaign_id, **values})
        return self.get_campaign(tenant_id, campaign_id)

    def get_campaign(self, tenant_id: str, campaign_id: str) -> Campaign:
        row = self._read(
            lambda c: c.execute(select(campaigns).where(K.tenant_id == tenant_id, K.id == campaign_id)).first()
        )
        if row is None:
            raise CampaignNotFound(f"no campaign {campaign_id!r}")
        return _campaign(row)

    def list_campaigns(self, tenant_id: str) -> list[Campaign]:
        rows = self._read(lambda c: c.execute(select(campaigns).where(K.tenant_id == tenant_id).order_by(K.id)).all())
        return [_campaign(r) for r in rows]

    def issue_for_trigger(
        self,
        tenant_id: str,
        *,
        category: str,
        distributor: str,
        reference: str | None = None,
        attributes: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
        token_digest: str | None = None,
    ) -> CampaignIssue:
        """Pop a code from the first matching campaign that still has one.

        Campaigns are tried in the documented order (``domain.campaigns.match_order``); one
        that is depleted or capped passes the trigger on to the next.

        ``token_digest``: the caller was authenticated from memory
        (``Distributors.claimed_distributor``); this transaction checks that the digest is
        still ``distributor``'s token, and answers ``Unauthorized`` if it is not (rotated).
        """
        attributes = {"category": category, "distributor": distributor, **(attributes or {})}
        token = {"b_tenant": tenant_id, "b_distributor": distributor, "b_digest": token_digest}

        def token_still_current(tx: Tx) -> None:
            if not _check_token.one(tx.link, token).token_ok:
                raise Unauthorized("invalid token", reason="unknown")

        def read_campaigns(tx: Tx) -> list[Any]:
            if token_digest is None or idempotency_key is not None:  # checked before, if at all
                return _tenant_campaigns.all(tx.link, {"b_tenant": tenant_id})
            found = _campaigns_and_token.all(tx.link, token)
            if not found[0].token_ok:
                raise Unauthorized("invalid token", reason="unknown")
            return [r for r in found if r.id is not None]

        def body(tx: Tx) -> CampaignIssue:
            rows = read_campaigns(tx)
            if reference is not None:
                # A reference already served keeps its code, and counts against no cap again,
                # even if its campaign has since been capped, depleted or ended.
                seen = tx.conn.execute(
                    select(I.campaign_id, I.pool_id, I.seq, I.code, I.issued_at)
                    .where(
                        I.tenant_id == tenant_id,
                        I.pool_id.in_(sorted({r.pool_id for r in rows if r.pool_id})),
                        I.reference == reference,
                        I.campaign_id.is_not(None),
                    )
                    .order_by(I.issued_at, I.pool_id)
                    .limit(1)
                ).first()
                if seen is not None:
                    ends = next((r.ends_at for r in rows if r.id == seen.campaign_id), None)
                    return CampaignIssue(seen.campaign_id, seen.code, ends, seen.issued_at, seen.pool_id, seen.seq)
            for campaign in matching(map(_campaign, rows), category=category, distributor=distributor, at=tx.now):
                if campaign.pool_id is None:
                    continue
                # A capped or depleted campaign leaves no trace, without a savepoint (two round
                # trips on every issue): a pop that finds the pool empty has written nothing,
                # and a cap counted for it is given back while this transaction holds its row.
                key = {"b_tenant": tenant_id, "b_id": campaign.id}
                if campaign.cap is not None and _count_capped.first(tx.link, key) is None:
                    continue
                try:
                    issued = self._pop_in(tx, campaign.pool_id, reference, campaign.id, attributes)
                except PoolDepleted:
                    if campaign.cap is not None:
                        _uncount.run(tx.link, key)
                    continue
                return CampaignIssue(
                    campaign.id, issued.code, campaign.window.end, issued.issued_at, campaign.pool_id, issued.seq
                )
            raise NoCampaignAvailable("no campaign has a voucher for this trigger")

        return self._command(
            tenant_id,
            "issue_for_trigger",
            body,
            CampaignIssue,
            request={
                "category": category,
                "distributor": distributor,
                "reference": reference,
                "attributes": attributes,
            },
            idempotency_key=idempotency_key,
            scope=scope,
            # With a key the check must come before a saved response is answered.
            precondition=token_still_current if token_digest is not None and idempotency_key is not None else None,
        )
