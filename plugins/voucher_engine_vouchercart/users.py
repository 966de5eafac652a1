"""The users API: staff members of the tenant and their permissions on each domain.

A user's ``id`` is the staff member's integer public id; ``password`` is write-only (never in
a response). ``permissions`` holds one entry per domain of the tenant, every domain exactly
once (the seed's 500 "permissions array not containing permissions for all domains" is a
422 1000 here). Changing the permissions of a domain needs ``manage.users`` on that domain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from voucher_engine.identity import StaffGrant, StaffUser
from voucher_engine.plugin import Call, FieldError, errors
from voucher_engine_vouchercart import directory
from voucher_engine_vouchercart.access import Caller
from voucher_engine_vouchercart.dates import created_at
from voucher_engine_vouchercart.domains import list_domains
from voucher_engine_vouchercart.errors import MissingParameter, invalid, require
from voucher_engine_vouchercart.permissions import (
    KNOWN,
    MANAGE_USERS,
    NONE,
    ROLE_NAMES,
    custom_of,
    domain_of_scope,
    effective,
    role_id_of,
    scope_of,
)
from voucher_engine_vouchercart.wire import (
    PasswordChange,
    Permission,
    PermissionOut,
    UserCreate,
    UserCreated,
    UserOut,
    UserUpdate,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: The seed's "Password rules" heading has no content; its samples ("sEcret9", "SEcreT123")
#: fit these: 6 to 128 characters, at least one letter and one digit.
PASSWORD_MIN, PASSWORD_MAX = 6, 128

Grant = tuple[int, frozenset[str]]  # (roleId, effective permissions)


# --- checks ---------------------------------------------------------------------------------------


def check_email(email: str) -> str:
    email = email.strip()
    if not EMAIL.match(email):
        raise invalid("email", "This value is not a valid email address.", rule="email")
    return email


def check_password(password: str, field: str = "password") -> str:
    if (
        not (PASSWORD_MIN <= len(password) <= PASSWORD_MAX)
        or not any(c.isalpha() for c in password)
        or not any(c.isdigit() for c in password)
    ):
        raise invalid(
            field,
            f"A password has {PASSWORD_MIN} to {PASSWORD_MAX} characters, at least one letter and one digit.",
            rule="password",
        )
    return password


def check_permissions(entries: Sequence[Permission], domain_ids: Sequence[int]) -> dict[int, Grant]:
    """One grant per domain of the tenant, or every problem at once (1018 for missing fields,
    else 1000)."""
    absent: list[FieldError] = []
    wrong: list[FieldError] = []
    grants: dict[int, Grant] = {}
    for i, entry in enumerate(entries):
        where = f"permissions[{i}]"
        if entry.domain_id is None or entry.role_id is None:
            for name, value in (("domainId", entry.domain_id), ("roleId", entry.role_id)):
                if value is None:
                    absent.append(FieldError(f"{where}.{name}", "required", "This value is required."))
            continue
        if entry.domain_id not in domain_ids:
            wrong.append(FieldError(f"{where}.domainId", "domain", f"No domain {entry.domain_id}."))
        elif entry.domain_id in grants:
            wrong.append(FieldError(f"{where}.domainId", "unique", f"Domain {entry.domain_id} is listed twice."))
        if entry.role_id not in (NONE, *ROLE_NAMES):
            wrong.append(FieldError(f"{where}.roleId", "choice", "The role is one of 0, 1, 2, 3."))
        unknown = sorted(set(entry.custom_permissions) - KNOWN)
        if unknown:
            wrong.append(
                FieldError(f"{where}.customPermissions", "choice", f"Unknown permissions: {', '.join(unknown)}.")
            )
        grants[entry.domain_id] = (entry.role_id, effective(entry.role_id, entry.custom_permissions))
    for domain_id in domain_ids:
        if domain_id not in grants and not absent:
            wrong.append(FieldError("permissions", "all_domains", f"Domain {domain_id} has no entry."))
    if absent:
        raise MissingParameter("required parameter missing", fields=tuple(absent))
    if wrong:
        raise errors.ValidationError("invalid permissions", fields=tuple(wrong))
    return grants


# --- reading --------------------------------------------------------------------------------------


def current_grants(user: StaffUser) -> dict[int, Grant]:
    found: dict[int, Grant] = {}
    for scope, grant in directory.grants_of(user).items():
        domain_id = domain_of_scope(scope)
        if domain_id is not None:
            found[domain_id] = (role_id_of(grant.role), frozenset(grant.permissions))
    return found


def user_out(user: StaffUser, domain_ids: Sequence[int]) -> UserOut:
    grants = current_grants(user)
    permissions = []
    for domain_id in domain_ids:
        role_id, names = grants.get(domain_id, (NONE, frozenset()))
        permissions.append(PermissionOut(domain_id, role_id, custom_of(ROLE_NAMES.get(role_id), names)))
    assert user.created_at is not None  # set on every user the directory returns
    return UserOut(
        id=user.public_id,
        full_name=user.full_name,
        email=user.email,
        phone=user.phone or "",
        created_at=created_at(user.created_at),
        permissions=permissions,
    )


def user_id_of(call: Call) -> int:
    text = call.path.get("userId", "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) < 1:
        raise invalid("id", "Invalid user id", rule="integer")
    return int(text)


def _caller(call: Call) -> Caller:
    caller: Caller = call.principal
    caller.require_user_admin()
    return caller


def _user(call: Call, caller: Caller) -> StaffUser:
    return directory.user_by_public_id(call.engine, caller.tenant_id, user_id_of(call))


def _domain_ids(call: Call, caller: Caller) -> list[int]:
    return [d.id for d in list_domains(call.engine, caller.tenant_id)]


def changed_grants(caller: Caller, wanted: dict[int, Grant], before: dict[int, Grant]) -> dict[int, Grant]:
    """The grants that change; each needs manage.users on its domain. Called before anything
    is written, so a refusal (1003) writes nothing."""
    changes = {d: g for d, g in wanted.items() if before.get(d, (NONE, frozenset())) != g}
    for domain_id in changes:
        caller.require(domain_id, MANAGE_USERS)
    return changes


def stored_grants(user: StaffUser | None, wanted: dict[int, Grant]) -> dict[str, StaffGrant]:
    """Every grant the user keeps: the wanted one of each domain (role 0: none), and the
    user's grants in scopes that are not domains (another provider's) unchanged."""
    kept = (
        {}
        if user is None
        else {scope: grant for scope, grant in directory.grants_of(user).items() if domain_of_scope(scope) is None}
    )
    for domain_id, (role_id, names) in wanted.items():
        role = ROLE_NAMES.get(role_id)
        if role is not None:
            kept[scope_of(domain_id)] = StaffGrant(role, names)
    return kept


# --- the routes -------------------------------------------------------------------------------------


def list_users(call: Call) -> list[UserOut]:
    caller = _caller(call)
    domain_ids = _domain_ids(call, caller)
    users = directory.list_users(call.engine, caller.tenant_id)
    return [user_out(u, domain_ids) for u in sorted(users, key=lambda u: u.public_id)]


def get_user(call: Call) -> UserOut:
    caller = _caller(call)
    return user_out(_user(call, caller), _domain_ids(call, caller))


def create_user(call: Call) -> UserCreated:
    caller = _caller(call)
    body: UserCreate = call.body
    require(fullName=body.full_name, email=body.email, password=body.password, permissions=body.permissions)
    email = check_email(body.email or "")
    password = check_password(body.password or "")
    wanted = check_permissions(body.permissions or [], _domain_ids(call, caller))
    changed_grants(caller, wanted, {})
    try:
        user = directory.create_user(
            call.engine,
            caller.tenant_id,
            email=email,
            password=password,
            full_name=(body.full_name or "").strip(),
            phone=body.phone,
            grants=stored_grants(None, wanted),
        )
    except errors.AlreadyExists:
        raise invalid("email", "This email is already used.", rule="unique") from None
    return UserCreated(user_id=user.public_id)


def update_user(call: Call) -> None:
    caller = _caller(call)
    user = _user(call, caller)
    body: UserUpdate = call.body
    require(fullName=body.full_name, email=body.email, permissions=body.permissions)
    email = check_email(body.email or "")
    wanted = check_permissions(body.permissions or [], _domain_ids(call, caller))
    changed_grants(caller, wanted, current_grants(user))
    try:
        directory.update_user(
            call.engine,
            caller.tenant_id,
            user.id,
            email=email,
            full_name=(body.full_name or "").strip(),
            phone=body.phone or "",
            grants=stored_grants(user, wanted),
        )
    except errors.AlreadyExists:
        raise invalid("email", "This email is already used.", rule="unique") from None


def change_password(call: Call) -> None:
    caller = _caller(call)
    user = _user(call, caller)
    body: PasswordChange = call.body
    require(password=body.password, password2=body.password2)
    password = check_password(body.password or "")
    if body.password2 != password:
        raise invalid("password2", "The passwords do not match.", rule="match")
    directory.set_password(call.engine, caller.tenant_id, user.id, password)


def delete_user(call: Call) -> None:
    """The seed: an invalid user id is a 422 here (not a 404 as for the other routes)."""
    caller = _caller(call)
    try:
        user = _user(call, caller)
    except errors.NotFound:
        raise invalid("id", "Invalid user id", rule="exists") from None
    directory.delete_user(call.engine, caller.tenant_id, user.id)
