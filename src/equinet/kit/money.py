"""Money: exact kronor-and-öre amounts (`Decimal`, two places) and their JSON wire form.

Amounts are `Decimal` from the database (numeric(12,2)) to the page; nothing adds, multiplies
or rounds them as floats. Only the JSON API writes them as numbers, because older clients read
`"price": 800` as a number: `json_number` turns a two-place Decimal into the float whose
shortest text is the same digits (exact for every numeric(12,2) value), never computing with it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def to_money(value: Decimal | int | str) -> Decimal:
    """`value` as kronor with exactly two decimals (half-up, as Swedish receipts round)."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def json_number(amount: Decimal | None) -> float | None:
    """The JSON number of `amount` (`800.0`, `12345.67`).

    At most 10 integer digits and 2 decimals (numeric(12,2)) fit in a double's 15 significant
    digits, so the number a client parses is the amount to the öre.
    """
    if amount is None:
        return None
    return float(to_money(amount))


def vat_included(gross: Decimal, rate_percent: Decimal) -> tuple[Decimal, Decimal]:
    """(net, VAT) of a price that includes VAT at `rate_percent`; net + VAT == gross exactly."""
    gross = to_money(gross)
    vat = to_money(gross * rate_percent / (HUNDRED + rate_percent))
    return gross - vat, vat


def _wire(amount: Decimal) -> float:
    number = json_number(amount)
    assert number is not None
    return number


# A money field of a response model: Decimal in Python, a number in JSON (and in /docs).
Money = Annotated[Decimal, PlainSerializer(_wire, return_type=float, when_used="json")]
# A price someone types: positive, at most 1 000 000 kr, whole öre.
PriceIn = Annotated[Decimal, Field(gt=0, le=1_000_000, max_digits=12, decimal_places=2)]
