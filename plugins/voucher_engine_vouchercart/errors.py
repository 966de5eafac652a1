"""Every error of the VoucherCart API in the seed's envelope:
``{"code": 1000, "errors": {"field": ["..."]}, "message": "...", "status": "failed"}``.

The provider's own refusals are error classes here, each with a stable ``code`` that
``codes.BY_ERROR_CODE`` maps to the seed's number; field errors (from the decoder or from a
handler's ``ValidationError(fields=...)``) fill ``errors``. Internal messages never reach a
client.
"""

from __future__ import annotations

from voucher_engine.plugin import Failure, FailureKind, FieldError, Reply, errors, retry_headers
from voucher_engine_vouchercart import codes


class MissingParameter(errors.ValidationError):
    code = "vouchercart_missing_parameter"


class JwtExpired(errors.Unauthorized):
    code = "vouchercart_jwt_expired"


class JwtNotYetValid(errors.Unauthorized):
    code = "vouchercart_jwt_not_yet_valid"


class JwtMalformed(errors.Unauthorized):
    code = "vouchercart_jwt_malformed"


class JwtInvalid(errors.Unauthorized):
    code = "vouchercart_jwt_invalid"


JWT_ERRORS: dict[int, type[errors.Unauthorized]] = {
    1006: JwtExpired,
    1007: JwtNotYetValid,
    1008: JwtMalformed,
    1009: JwtInvalid,
}


class VoucherNotOnDomain(errors.NotFound):
    code = "vouchercart_voucher_not_found"


class FullyRedeemed(errors.Rejected):
    code = "vouchercart_fully_redeemed"


class Cancelled(errors.Rejected):
    code = "vouchercart_cancelled"


class Expired(errors.Rejected):
    code = "vouchercart_expired"


class Irreducible(errors.Rejected):
    code = "vouchercart_irreducible"


def invalid(field: str, message: str, rule: str = "invalid") -> errors.ValidationError:
    """A 1000 naming one field."""
    return errors.ValidationError(message, fields=(FieldError(field, rule, message),))


def missing(*names: str) -> MissingParameter:
    """A 1018 naming every missing field."""
    return MissingParameter(
        "required parameter missing",
        fields=tuple(FieldError(name, "required", "This value is required.") for name in names),
    )


def require(**values: object) -> None:
    """Raise 1018 for each of ``values`` that is ``None`` or blank."""
    absent = [name for name, value in values.items() if value is None or (isinstance(value, str) and not value.strip())]
    if absent:
        raise missing(*absent)


def field_name(path: str) -> str:
    """A decoder's field path (``$.permissions[0].roleId``) as the client's field name."""
    return path[2:] if path.startswith("$.") else path.lstrip("$") or "request"


def render_error(failure: Failure) -> Reply:
    status, code, message = codes.answer(failure.kind.value, failure.code)
    fields = codes.field_errors((field_name(f.field), f.message) for f in failure.fields)
    if failure.kind is FailureKind.INTERNAL:
        fields = {}
    return Reply(body=codes.envelope(code, message, fields), status=status, headers=retry_headers(failure))
