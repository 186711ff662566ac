"""The rewards catalog: benefits by category, why one is out of reach, and redeeming with confirmation.

Redeeming is two steps. The confirmation (a page, or a ``<dialog>`` filled by HTMX) renders a form
carrying a fresh idempotency key; the API spends points at most once per key, so a double click,
a resubmitted form or a retried request all answer the first redemption instead of a second one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from starlette.responses import Response

from portal.errors import N_, friendly_message
from portal.i18n import babel_locale
from portal.pages.redemptions import is_global_id, number, url_id
from portal.routing import page
from portal.visit import Visit
from server.core import clock
from server.core.errors import ErrorCode

# Categories of the demo catalog; any other category shows as its own name, prettified.
CATEGORY_NAMES: dict[str, str] = {
    "dining": N_("Dining"),
    "entertainment": N_("Entertainment"),
    "gifts": N_("Gifts"),
    "travel": N_("Travel"),
    "seasonal": N_("Seasonal"),
    "shopping": N_("Shopping"),
    "experiences": N_("Experiences"),
}


def category_label(visit: Visit, category: str) -> str:
    known = CATEGORY_NAMES.get(category)
    return visit._(known) if known else category.replace("-", " ").replace("_", " ").capitalize()


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def eligibility(visit: Visit, benefit: dict[str, Any], balance: int) -> tuple[str, str]:
    """``(state, sentence)`` for a card: state is ``ok`` or ``blocked``; the sentence says why, translated."""
    verdict = benefit.get("viewerEligibility")
    if verdict is None:
        return "blocked", visit._("Log in to redeem.")
    if verdict["canRedeem"]:
        return "ok", visit._("You can redeem this.")
    reason = verdict["reason"]
    if reason == "TIER_TOO_LOW":
        tier = (benefit.get("minTier") or {}).get("name", "")
        return "blocked", visit._("For %(tier)s members and above.", tier=tier)
    if reason == "INSUFFICIENT_POINTS":
        short = max(1, benefit["pointsCost"] - balance)
        return "blocked", visit._("You need %(points)s more points.", points=number(visit, short))
    if reason == "OUT_OF_STOCK":
        return "blocked", visit._("Out of stock.")
    if reason == "LIMIT_REACHED":
        limit = benefit.get("perMemberLimit")
        if limit:
            return "blocked", visit._("You've redeemed the maximum of %(limit)s.", limit=number(visit, limit))
        return "blocked", visit._("You've reached the limit for this reward.")
    starts = _moment(benefit.get("availableFrom"))
    if starts is not None and starts > clock.now():
        zone = (visit.layout or {}).get("timezone") or (visit.member.timezone if visit.member else None) or "UTC"
        local_day = starts.astimezone(ZoneInfo(zone)).date()  # the member's calendar day, not UTC's
        day = babel_dates.format_date(local_day, format="medium", locale=babel_locale(visit.locale))
        return "blocked", visit._("Available from %(date)s.", date=day)
    return "blocked", visit._("Not available right now.")


def _cards(visit: Visit, benefits: list[dict[str, Any]], balance: int) -> list[dict[str, Any]]:
    cards = []
    for benefit in benefits:
        state, note = eligibility(visit, benefit, balance)
        label = category_label(visit, benefit["category"])
        cards.append({**benefit, "state": state, "note": note, "categoryLabel": label})
    return cards


@page("/catalog", member=True)
async def catalog(visit: Visit) -> Response:
    category = visit.request.query_params.get("category", "").strip()[:40] or None
    data = await visit.run("catalog", {"category": category})
    balance = data["viewer"]["points"]["balance"]
    categories = sorted({edge["node"]["category"] for edge in data["allBenefits"]["edges"]})
    values = {
        "balance": balance,
        "category": category,
        "categories": [(c, category_label(visit, c)) for c in categories],
        "benefits": _cards(visit, [edge["node"] for edge in data["benefits"]["edges"]], balance),
        "grid_url": "/catalog" + (f"?{urlencode({'category': category})}" if category else ""),
    }
    return await visit.render("catalog.html", block="browse", **values)


async def _confirmation(visit: Visit, slug: str, errors: list[str] | None = None, status: int = 200) -> Response:
    data = await visit.run("catalog_benefit", {"slug": slug})
    benefit = data["benefit"]
    if benefit is None:
        return await visit.error_page(
            404, visit._("Reward not found"), visit._("This reward is no longer in the catalog.")
        )
    balance = data["viewer"]["points"]["balance"]
    card = _cards(visit, [benefit], balance)[0]
    return await visit.render(
        "catalog_redeem.html", block="confirm", status=status if not visit.htmx else 200,
        benefit=card, balance=balance, idempotency_key=str(uuid.uuid4()), errors=errors or [],
    )


@page("/catalog/{slug}/redeem", member=True)
async def confirm_redeem(visit: Visit) -> Response:
    """The confirmation step: a page without JavaScript, the dialog's content with HTMX."""
    return await _confirmation(visit, visit.request.path_params["slug"][:64])


@page("/catalog/redeem", methods=["POST"], member=True)
async def redeem(visit: Visit) -> Response:
    slug = (await visit.field("slug"))[:64]
    key = await visit.field("idempotency_key")
    if not key:
        return await _confirmation(visit, slug, [visit._("This form has expired. Please confirm again.")], 422)
    benefit_id = await visit.field("benefit_id")
    if not is_global_id(benefit_id, "Benefit"):
        return await _confirmation(visit, slug, [friendly_message(ErrorCode.NOT_FOUND, visit.locale)], 422)
    data = await visit.run("redeem_benefit", {"benefitId": benefit_id, "idempotencyKey": key, "quantity": 1})
    result = data["redeemBenefit"]
    if result["userErrors"]:
        errors = visit.errors(result["userErrors"])
        return await _confirmation(visit, slug, [*errors.general, *errors.fields.values()], 422)
    redemption = result["redemption"]
    if visit.htmx:
        balance = result["member"]["points"]["balance"]
        response = await visit.render(
            "catalog_redeem.html", block="confirm", redemption=redemption, balance=balance, benefit=None, errors=[]
        )
        response.headers["HX-Trigger"] = "catalog-changed"
        return response
    visit.flash(visit._("Done! Show this voucher code to claim your reward."))
    return visit.redirect(f"/redemptions/{url_id(redemption['id'])}")
