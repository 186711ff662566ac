"""Amounts of money as people and partner systems write them: one parser for every way in.

The API's ``Decimal`` scalar, the portal's forms and the CLI all read amounts through this
module, so "12.50" means the same everywhere. Python's ``Decimal()`` is far more lenient than a
loyalty ledger should be: it takes ``"1_000"``, full-width digits (``"１２"``), surrounding spaces,
exponents, signs, ``"NaN"`` and ``"Infinity"``. Here an amount is plain decimal text only: ASCII
digits with at most one ``.`` between digits, and at most the currency's decimal places.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import get_currency_precision

from server.core.errors import invalid

# The shape of the Decimal scalar: ASCII digits ([0-9], not \d, which matches every script's digits),
# optionally one dot followed by more of them.
PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
STORED_PLACES = 2  # purchase amounts are DECIMAL(14, 2) columns
MAX_AMOUNT = Decimal("100000000")

NOT_PLAIN = "Enter an amount such as 12.50: ASCII digits and at most one '.'."
NOT_POSITIVE = "Enter an amount above 0."
TOO_LARGE = "Enter an amount of at most {maximum}."
TOO_PRECISE = "Use at most {places} decimal places."
WHOLE_ONLY = "Enter a whole amount, without decimals."


def parse_decimal(text: object) -> Decimal | None:
    """``text`` as a Decimal when it is plain decimal text (see the module docstring), else None."""
    if not isinstance(text, str) or not PLAIN_DECIMAL.fullmatch(text):
        return None
    return Decimal(text)


def currency_places(currency: str) -> int:
    """Decimal places amounts in ``currency`` may carry: its minor unit (CNY 2, JPY 0), at most what is stored."""
    return min(get_currency_precision(currency), STORED_PLACES)


def check_amount(
    value: Decimal | str, *, places: int, field: str = "amount", maximum: Decimal = MAX_AMOUNT
) -> Decimal:
    """A positive amount of at most ``places`` decimals and at most ``maximum``, quantized to ``places``.

    ``value`` is text typed by a person (the portal, the CLI) or a Decimal the API's scalar already
    parsed with :func:`parse_decimal`. Each refusal is INVALID_INPUT on ``field`` and says what is
    wrong: a too-large amount says it is too large.
    """
    amount = parse_decimal(value) if isinstance(value, str) else value
    if amount is None or not amount.is_finite():
        raise invalid(field, NOT_PLAIN)
    if amount > maximum:
        raise invalid(field, TOO_LARGE, maximum=f"{maximum:,}")
    if amount <= 0:
        raise invalid(field, NOT_POSITIVE)
    step = Decimal(1).scaleb(-places)
    if amount != amount.quantize(step):
        raise invalid(field, TOO_PRECISE, places=places) if places else invalid(field, WHOLE_ONLY)
    return amount.quantize(step)
