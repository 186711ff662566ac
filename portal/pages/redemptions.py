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


def url_id(global_id: str) -> str:
    """A GraphQL id made safe for a URL path segment (base64 may hold ``/`` and ``+``)."""
    return global_id.replace("+", "-").replace("/", "_").rstrip("=")


def global_id(url_value: str) -> str:
    """Undo :func:`url_id`; anything that is not an id comes back as an id of nothing."""
    text = url_value.replace("-", "+").replace("_", "/")[:80]
    text += "=" * (-len(text) % 4)
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return text


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
    data = await visit.run("redemption", {"id": global_id(visit.request.path_params["rid"])})
    node = data.get("node")
    found = _rows([node])[0] if node and node.get("voucherCode") else None
    return found, data["viewer"]["points"]["balance"]


async def _missing(visit: Visit) -> Response:
    return await visit.render(
        "error.html", status=404, title=visit._("Voucher not found"),
        message=visit._("We couldn't find this voucher in your rewards."),
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
