"""Roles and permissions of VoucherCart's staff, per domain, and how they are kept in the core.

A domain (sales page) is one of the tenant's stores (``domains.py``); a staff member's rights
on it are the core's permission set for the scope ``store:<store id>``. The seed lists
``roleId`` values and custom permissions under headings with no content; these are ours
(docs/providers/vouchercart.md):

==  ==============  ==================================================================
 0  none            no access to that domain (no scope kept in the core)
 1  administrator   every permission below
 2  redeemer        ``redeem.voucher``
 3  custom          exactly the listed ``customPermissions``
==  ==============  ==================================================================

The core keeps the role *name* and the *effective* permission set (an administrator's is
expanded), so ``StaffPrincipal.has_permission(scope, name)`` answers without knowing roles.
"""

from __future__ import annotations

from collections.abc import Iterable

REDEEM_VOUCHER = "redeem.voucher"  # status and redeem on that domain
MANAGE_ORDERS = "manage.orders"  # read orders: the voucher status (with its order) on that domain
MANAGE_USERS = "manage.users"  # the users API (ours: the seed names no permission for it)

KNOWN: frozenset[str] = frozenset({REDEEM_VOUCHER, MANAGE_ORDERS, MANAGE_USERS})

NONE, ADMINISTRATOR, REDEEMER, CUSTOM = 0, 1, 2, 3
ROLE_NAMES: dict[int, str] = {ADMINISTRATOR: "administrator", REDEEMER: "redeemer", CUSTOM: "custom"}
ROLE_IDS: dict[str, int] = {name: role_id for role_id, name in ROLE_NAMES.items()}
ROLE_PERMISSIONS: dict[int, frozenset[str]] = {
    ADMINISTRATOR: KNOWN,
    REDEEMER: frozenset({REDEEM_VOUCHER}),
}

SCOPE_PREFIX = "store:"


def scope_of(domain_id: int) -> str:
    return f"{SCOPE_PREFIX}{domain_id}"


def domain_of_scope(scope: str) -> int | None:
    """The domain id of a ``store:<id>`` scope, ``None`` for any other scope."""
    if not scope.startswith(SCOPE_PREFIX):
        return None
    return domain_id_of(scope[len(SCOPE_PREFIX) :])


def domain_id_of(store_id: str) -> int | None:
    """A store is a domain when its id is a positive decimal integer without leading zeros
    (``"8"``), so that ``domainId`` and the store id say the same thing both ways."""
    if not (store_id.isascii() and store_id.isdigit()) or store_id.startswith("0") or len(store_id) > 9:
        return None
    return int(store_id)


def effective(role_id: int, custom: Iterable[str]) -> frozenset[str]:
    """What a role grants: custom permissions count only with role 3 (the seed: "effective
    only while roleId = 3")."""
    if role_id == CUSTOM:
        return frozenset(custom)
    return ROLE_PERMISSIONS.get(role_id, frozenset())


def role_id_of(role: str | None) -> int:
    return ROLE_IDS.get(role or "", NONE)


def custom_of(role: str | None, permissions: Iterable[str]) -> list[str]:
    """The ``customPermissions`` a user object shows: the set, for a custom role only."""
    return sorted(permissions) if role_id_of(role) == CUSTOM else []
