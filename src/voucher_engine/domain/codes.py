"""Code formats: patterns like ``BET-XXX-######`` and the codes drawn from them.

Pattern symbols: ``#`` a digit, ``X`` a character of the format's charset, ``\\`` makes the
next character literal; anything else is literal. The random source is a parameter (the
engine passes a CSPRNG), so this module stays pure and testable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from voucher_engine.errors import InvalidCodeFormat

#: Upper-case letters and digits without the look-alikes 0/O, 1/I/L.
UNAMBIGUOUS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DIGITS = "0123456789"
MAX_CODE_LENGTH = 255
_CODE = re.compile(r"[\x21-\x7e]{1,255}\Z")  # \Z, not $: "$" lets a trailing newline through


class RandomSource(Protocol):
    def choice(self, seq: str, /) -> str: ...


@dataclass(frozen=True, slots=True)
class CodeFormat:
    pattern: str
    charset: str = UNAMBIGUOUS

    def __post_init__(self) -> None:
        if len(set(self.charset)) != len(self.charset) or len(self.charset) < 2:
            raise InvalidCodeFormat("a charset needs at least two distinct characters")
        if not _CODE.match(self.charset):
            raise InvalidCodeFormat("a charset holds printable ASCII only")
        slots = self._slots()
        literals = "".join(s for s in slots if isinstance(s, str))
        if literals and not _CODE.match(literals):
            # Generated codes must be valid codes (normalise_code), or a pool fills with codes
            # that nothing can look up.
            raise InvalidCodeFormat("a pattern's literals are printable ASCII without spaces")
        if not any(isinstance(s, tuple) for s in slots):
            raise InvalidCodeFormat(f"pattern {self.pattern!r} has no random symbol (# or X)")
        if len(slots) > MAX_CODE_LENGTH:
            raise InvalidCodeFormat("codes are at most 255 characters")

    @classmethod
    def of(cls, *, length: int, prefix: str = "", suffix: str = "", charset: str = UNAMBIGUOUS) -> CodeFormat:
        def escape(s: str) -> str:
            return re.sub(r"([#X\\])", r"\\\1", s)

        return cls(escape(prefix) + "X" * length + escape(suffix), charset)

    def _slots(self) -> list[str | tuple[str]]:
        slots: list[str | tuple[str]] = []
        chars = iter(self.pattern)
        for ch in chars:
            if ch == "\\":
                literal = next(chars, None)
                if literal is None:
                    raise InvalidCodeFormat("pattern ends in a lone backslash")
                slots.append(literal)
            elif ch == "#":
                slots.append((DIGITS,))
            elif ch == "X":
                slots.append((self.charset,))
            else:
                slots.append(ch)
        return slots

    @property
    def space(self) -> int:
        """How many distinct codes the format can produce."""
        return math.prod(len(s[0]) for s in self._slots() if isinstance(s, tuple))

    def generator(self, random: RandomSource) -> Callable[[], str]:
        """A function drawing one code per call (the pattern is parsed once)."""
        slots = self._slots()

        def one() -> str:
            return "".join(random.choice(s[0]) if isinstance(s, tuple) else s for s in slots)

        return one

    def check_capacity(self, wanted: int) -> None:
        # Past half the space, drawing distinct codes turns into a long coupon-collector tail
        # and guessing a live code becomes easy: refuse instead.
        if wanted > self.space // 2:
            raise InvalidCodeFormat(f"{self.pattern!r} yields {self.space} codes; {wanted} would make them guessable")


def normalise_code(code: str) -> str:
    """Codes are stored as given; only surrounding whitespace is dropped."""
    if not isinstance(code, str):
        raise InvalidCodeFormat("a code is a string")
    code = code.strip()
    if not _CODE.match(code):
        raise InvalidCodeFormat("a code is 1 to 255 printable ASCII characters without spaces")
    return code
