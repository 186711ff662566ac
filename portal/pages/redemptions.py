"""My rewards: the member's vouchers, one voucher's page, and cancelling one while it is unused."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from babel import numbers as babel_numbers
from starlette.responses import Response

from portal.i18n import babel_locale
from portal.routing import page
from portal.visit import Visit

MAX_ROW_ID = 2**31 - 1  # primary keys are 32-bit integers on PostgreSQL


def url_id(global_id: str) -> str:
    """A GraphQL id made safe for a URL path segment (base64 may hold ``/`` and ``+``)."""
    return global_id.replace("+", "-").replace("/", "_").rstrip("=")


def global_id(url_value: str, kind: str | None = None) -> str:
    """Undo :func:`url_id`; anything that is not an id (of a ``kind`` row, if given) comes back as an id of nothing.

    The id is checked here so that a forged one (``Redemption:abc``, a number past any row) is simply
    not found instead of reaching the database.
    """
    text = url_value.replace("-", "+").replace("_", "/")[:80]
    text += "=" * (-len(text) % 4)
    return text if is_global_id(text, kind) else ""


def is_global_id(text: str, kind: str | None = None) -> bool:
    """Whether ``text`` is base64 of ``Type:row`` (with ``Type`` = ``kind`` if given) and the row a plausible id."""
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    if kind is None:
        return True
    name, _, row = decoded.partition(":")
    return name == kind and row.isascii() and row.isdigit() and 0 < int(row) <= MAX_ROW_ID


def number(visit: Visit, value: int) -> str:
    """``value`` written the visitor's way (1,234 / 1,234)."""
    return babel_numbers.format_decimal(value, locale=babel_locale(visit.locale))


def dom_id(redemption: dict[str, Any]) -> str:
    return "voucher-" + url_id(redemption["id"]).replace("_", "").replace("-", "")


def _rows(redemptions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "urlId": url_id(r["id"]), "domId": dom_id(r)} for r in redemptions]


@page("/redemptions", member=True)
async def my_redemptions(visit: Visit) -> Response:
    after = visit.request.query_params.get("after") or None
    data = await visit.run("redemptions", {"after": after})
    connection = data["viewer"]["redemptions"]
    return await visit.render(
        "redemptions.html", block="more" if after else None,
        redemptions=_rows([edge["node"] for edge in connection["edges"]]),
        total=connection["totalCount"], page_info=connection["pageInfo"], after=after,
        balance=data["viewer"]["points"]["balance"],
    )


async def _one(visit: Visit) -> tuple[dict[str, Any] | None, int]:
    data = await visit.run("redemption", {"id": global_id(visit.request.path_params["rid"], "Redemption")})
    node = data.get("node")
    found = _rows([node])[0] if node and node.get("voucherCode") else None
    return found, data["viewer"]["points"]["balance"]


async def _missing(visit: Visit) -> Response:
    return await visit.error_page(
        404, visit._("Voucher not found"), visit._("We couldn't find this voucher in your rewards.")
    )


@page("/redemptions/{rid}", member=True)
async def voucher(visit: Visit) -> Response:
    redemption, balance = await _one(visit)
    if redemption is None:
        return await _missing(visit)
    return await visit.render("voucher.html", redemption=redemption, balance=balance)


@page("/redemptions/{rid}/cancel", methods=["GET", "POST"], member=True)
async def cancel(visit: Visit) -> Response:
    """GET asks for confirmation (a page, or a dialog's content with HTMX); POST cancels."""
    redemption, balance = await _one(visit)
    if redemption is None:
        return await _missing(visit)
    if visit.request.method == "GET":
        return await visit.render("redemption_cancel.html", block="confirm", redemption=redemption, balance=balance)
    data = await visit.run("cancel_redemption", {"redemptionId": redemption["id"]})
    result = data["cancelRedemption"]
    if result["userErrors"]:
        errors = visit.errors(result["userErrors"])
        visit.flash(" ".join([*errors.general, *errors.fields.values()]), "error")
    else:
        redemption = _rows([result["redemption"]])[0]
        visit.flash(visit._("Cancelled. %(points)s points are back in your balance.",
                            points=number(visit, redemption["pointsSpent"])))
    from_list = await visit.field("from") == "list"
    if visit.htmx and from_list:
        return await visit.render("redemptions.html", block="row", redemption=redemption)
    return visit.redirect("/redemptions" if from_list else f"/redemptions/{redemption['urlId']}")
