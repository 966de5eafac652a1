"""The members registry: put a member (create it, or add to it) and find one by any identifier.

The primary key ``(tenant_id, kind, value)`` of ``member_identifiers`` is the guard: two puts
racing to create a member for the same identifier cannot both insert it. The loser's
transaction fails as a whole; it is run again, finds the member the winner created, and adds
to it, so both callers end with the same member.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from voucher_engine.domain import events
from voucher_engine.domain.events import Event
from voucher_engine.domain.members import Member, check_identifiers
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.errors import AlreadyExists, IdentifiersDisagree, MemberNotFound, ValidationError
from voucher_engine.storage.member_tables import member_identifiers, members

M = members.c
I = member_identifiers.c  # noqa: E741 - one capital letter per table's columns, as in every engine module
_NOTHING: Mapping[str, str] = MappingProxyType({})
#: How often a put that lost a race for an identifier is run again (each rerun sees the winner).
_PUT_ATTEMPTS = 3

_insert_member = insert(members).returning(M.id)
_insert_identifier = insert(member_identifiers)


def _member_id(value: object) -> int:
    if type(value) is not int or not 0 < value < 2**63:
        raise ValidationError("a member id is a positive integer")
    return value


def _owners(conn: Connection, tenant_id: str, identifiers: Mapping[str, str]) -> set[int]:
    """The members that the given identifiers name (unknown identifiers name nobody)."""
    if not identifiers:
        return set()
    pairs = or_(*(and_(I.kind == kind, I.value == value) for kind, value in identifiers.items()))
    return set(conn.execute(select(I.member_id).where(I.tenant_id == tenant_id, pairs).distinct()).scalars())


def _load(conn: Connection, tenant_id: str, member_id: int, *, for_update: bool = False) -> Member:
    query = select(members).where(M.tenant_id == tenant_id, M.id == member_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise MemberNotFound("no such member")
    found = conn.execute(
        select(I.kind, I.value).where(I.tenant_id == tenant_id, I.member_id == member_id).order_by(I.kind)
    ).all()
    return Member(id=row.id, tenant_id=row.tenant_id, identifiers=dict(found), created_at=row.created_at)


def _the_one(owners: set[int]) -> int:
    if len(owners) > 1:
        raise IdentifiersDisagree("the identifiers given name different members", members=sorted(owners))
    if not owners:
        raise MemberNotFound("no such member")
    return next(iter(owners))


class MemberOperations(EngineBase):
    def put_member(
        self,
        tenant_id: str,
        identifiers: Mapping[str, str],
        *,
        member_id: int | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Member:
        """Create a member, or add identifiers to the one they (or ``member_id``) name.

        Identifiers already known must all name the same member (and that member must be
        ``member_id`` when given), else ``IdentifiersDisagree``. A kind the member has already
        gets the new value (the old one is freed); kinds not mentioned are kept.
        """
        wanted = check_identifiers(identifiers)
        if member_id is not None:
            _member_id(member_id)
        elif not wanted:
            raise ValidationError("a new member needs at least one identifier")

        def body(tx: Tx) -> Member:
            owners = _owners(tx.conn, tenant_id, wanted)
            if member_id is not None:
                _load(tx.conn, tenant_id, member_id, for_update=True)  # MemberNotFound if not ours
                owners.add(member_id)
            if not owners:
                return self._create_member(tx, wanted)
            target = _the_one(owners)
            member = _load(tx.conn, tenant_id, target, for_update=True)
            changed = {k: v for k, v in wanted.items() if member.identifiers.get(k) != v}
            if not changed:
                return member
            tx.conn.execute(
                delete(member_identifiers).where(
                    I.tenant_id == tenant_id, I.member_id == target, I.kind.in_(sorted(changed))
                )
            )
            tx.conn.execute(
                _insert_identifier,
                [{"tenant_id": tenant_id, "kind": k, "value": v, "member_id": target} for k, v in changed.items()],
            )
            tx.conn.execute(update(members).where(M.id == target).values(updated_at=tx.now))
            tx.emit(Event(events.MEMBER_UPDATED, str(target), {"member_id": target, "kinds": sorted(changed)}))
            return Member(target, tenant_id, dict(sorted({**member.identifiers, **changed}.items())), member.created_at)

        request = {"identifiers": wanted, "member_id": member_id}
        for attempt in range(_PUT_ATTEMPTS):
            try:
                return self._command(
                    tenant_id,
                    "put_member",
                    body,
                    Member,
                    request=request,
                    idempotency_key=idempotency_key,
                    scope=scope,
                )
            except AlreadyExists:
                # Another put took one of these identifiers meanwhile: run again and see it.
                if attempt == _PUT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _create_member(self, tx: Tx, identifiers: dict[str, str]) -> Member:
        self._require_tenant(tx.conn, tx.tenant_id)
        new_id = tx.conn.execute(
            _insert_member, {"tenant_id": tx.tenant_id, "created_at": tx.now, "updated_at": tx.now}
        ).scalar_one()
        tx.conn.execute(
            _insert_identifier,
            [{"tenant_id": tx.tenant_id, "kind": k, "value": v, "member_id": new_id} for k, v in identifiers.items()],
        )
        tx.emit(Event(events.MEMBER_CREATED, str(new_id), {"member_id": new_id, "kinds": sorted(identifiers)}))
        return Member(new_id, tx.tenant_id, dict(sorted(identifiers.items())), tx.now)

    def find_member(
        self,
        tenant_id: str,
        *,
        member_id: int | None = None,
        identifiers: Mapping[str, str] = _NOTHING,
    ) -> Member:
        """The member that ``member_id`` and/or any of ``identifiers`` name.

        Unknown identifiers are passed over; those that are known must all name the same
        member (``IdentifiersDisagree``); none known raises ``MemberNotFound``.
        """
        given = check_identifiers(identifiers)
        if member_id is None and not given:
            raise ValidationError("find a member by its id or at least one identifier")
        if member_id is not None:
            _member_id(member_id)

        def read(conn: Connection) -> Member:
            owners = _owners(conn, tenant_id, given)
            if (
                member_id is not None
                and conn.execute(select(M.id).where(M.tenant_id == tenant_id, M.id == member_id)).first() is not None
            ):
                owners.add(member_id)
            return _load(conn, tenant_id, _the_one(owners))

        return self._read(read)
