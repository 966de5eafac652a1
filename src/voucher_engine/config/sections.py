"""What a plugin declares to be configurable: a named section whose keys are the fields of a
frozen dataclass (its defaults are the defaults), and how an engine is given the values."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voucher_engine.errors import ValidationError

if TYPE_CHECKING:
    from voucher_engine.engine import Engine

_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True, slots=True)
class SettingsSection:
    """The table ``[providers.<name>]`` of the configuration file.

    ``type`` is a dataclass whose fields are the keys (``bool``, ``int``, ``float``, ``str``,
    ``timedelta``, ``Literal``, ``tuple[X, ...]``, ``Mapping[K, V]`` and ``X | None``) and whose
    defaults apply to keys the file leaves out; its ``__post_init__`` may raise
    ``ValidationError`` or ``ValueError`` to refuse a combination. ``apply(engine, settings)``
    gives an engine the configured instance before it serves (usually the provider's own
    ``configure``). Keys in ``secrets`` are masked by ``voucher-engine config show``.
    """

    name: str
    type: type
    apply: Callable[[Engine, Any], None]
    secrets: frozenset[str] = frozenset()
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValidationError(f"a settings section name is 1-32 of a-z, 0-9 and _, not {self.name!r}")
        if not dataclasses.is_dataclass(self.type):
            raise ValidationError(f"settings section {self.name!r}: its type must be a dataclass")
        unknown = self.secrets - {f.name for f in dataclasses.fields(self.type)}
        if unknown:
            raise ValidationError(f"settings section {self.name!r}: secrets name no field: {sorted(unknown)}")


#: The callable ``voucher_engine_register_settings`` implementations receive.
RegisterSettings = Callable[[SettingsSection], None]
