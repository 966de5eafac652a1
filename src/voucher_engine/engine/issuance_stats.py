"""Counts of campaign issues by campaign, category, product and distributor.

The source is ``pool_issues`` itself: every code a campaign hands out is one row there,
written in the same transaction as the pop, with the trigger in its ``attributes``
(``category`` and ``distributor`` from ``issue_for_trigger``; ``product`` and ``terminal``
from the caller, e.g. the promo provider). Counting those rows cannot drift from what was
issued, and needs no second write on the hot path. An operator's question, not a request
path: each dimension is one GROUP BY over the tenant's campaign issues.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, select

from voucher_engine.errors import ValidationError
from voucher_engine.storage.tables import pool_issues

if TYPE_CHECKING:
    from voucher_engine.engine.engine import Engine

I = pool_issues.c  # noqa: E741 - one capital letter per table's columns, as in every engine module

#: dimension -> the expression it groups by (attribute keys as the engine and providers write them)
DIMENSIONS = {
    "campaign": I.campaign_id,
    "category": I.attributes["category"].as_string(),
    "product": I.attributes["product"].as_string(),
    "distributor": I.attributes["distributor"].as_string(),
}


def issuance_stats(
    engine: Engine,
    tenant_id: str | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """``{"total": n, "by_campaign": [{"tenant", "campaign", "issued"}...], "by_category": ...,
    "by_product": ..., "by_distributor": ...}`` for issues in ``[since, until)``.

    Rows are ordered by tenant, then most issued first; a product is ``None`` where the caller
    named none. ``tenant_id=None`` counts every tenant (the operator's view).
    """
    for instant in (since, until):
        if instant is not None and instant.tzinfo is None:
            raise ValidationError("since and until need a time zone")
    conditions: list[ColumnElement[bool]] = [I.campaign_id.is_not(None)]
    if tenant_id is not None:
        conditions.append(I.tenant_id == tenant_id)
    if since is not None:
        conditions.append(I.issued_at >= since)
    if until is not None:
        conditions.append(I.issued_at < until)

    with engine._db.read() as conn:
        result: dict[str, Any] = {
            "total": conn.execute(select(func.count()).select_from(pool_issues).where(*conditions)).scalar_one()
        }
        for name, expression in DIMENSIONS.items():
            key = expression.label("key")
            rows = sorted(
                conn.execute(
                    select(I.tenant_id, key, func.count().label("issued")).where(*conditions).group_by(I.tenant_id, key)
                ).all(),
                key=lambda r: (r.tenant_id, -r.issued, r.key is None, r.key or ""),
            )
            result[f"by_{name}"] = [{"tenant": r.tenant_id, name: r.key, "issued": r.issued} for r in rows]
    return result
