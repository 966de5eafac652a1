"""A currency as Spaaza shows it: its ISO code, Spaaza's numeric id, its symbol.

Spaaza numbers currencies itself; the seed shows only EUR (id 2). A deployment lists the ids
its Spaaza clients know in ``SpaazaSettings.currency_ids``; a currency not listed there answers
its ISO 4217 numeric code (documented), so the id is always an integer, never a guess that
looks like one of Spaaza's.
"""

from __future__ import annotations

from collections.abc import Mapping

ISO_NUMERIC: dict[str, int] = {
    "AED": 784,
    "AUD": 36,
    "BGN": 975,
    "BRL": 986,
    "CAD": 124,
    "CHF": 756,
    "CNY": 156,
    "CZK": 203,
    "DKK": 208,
    "EUR": 978,
    "GBP": 826,
    "HKD": 344,
    "HUF": 348,
    "ILS": 376,
    "INR": 356,
    "ISK": 352,
    "JPY": 392,
    "KRW": 410,
    "MXN": 484,
    "MYR": 458,
    "NOK": 578,
    "NZD": 554,
    "PHP": 608,
    "PLN": 985,
    "RON": 946,
    "SAR": 682,
    "SEK": 752,
    "SGD": 702,
    "THB": 764,
    "TRY": 949,
    "TWD": 901,
    "USD": 840,
    "ZAR": 710,
}

SYMBOLS: dict[str, str] = {
    "EUR": "\u20ac",
    "USD": "$",
    "GBP": "\u00a3",
    "JPY": "\u00a5",
    "CNY": "\u00a5",
    "INR": "\u20b9",
    "KRW": "\u20a9",
    "ILS": "\u20aa",
    "TRY": "\u20ba",
    "PLN": "z\u0142",
    "CZK": "K\u010d",
    "SEK": "kr",
    "NOK": "kr",
    "DKK": "kr",
    "ISK": "kr",
    "CHF": "CHF",
    "AUD": "$",
    "CAD": "$",
    "NZD": "$",
    "SGD": "$",
    "HKD": "$",
    "MXN": "$",
    "BRL": "R$",
    "ZAR": "R",
    "HUF": "Ft",
}


def currency_id(code: str, spaaza_ids: Mapping[str, int]) -> int | None:
    return spaaza_ids.get(code, ISO_NUMERIC.get(code))


def currency_symbol(code: str) -> str:
    return SYMBOLS.get(code, code)
