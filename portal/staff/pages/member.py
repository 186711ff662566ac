"""Console: one member — profile, tier, balance, the ledger, redemptions, reviews, referrals — and
the staff actions on them: adjust points, override the tier, correct the birthday.

Each action is a plain form posted to its own URL (staff only: analysts see no forms, and the
routes and the services refuse them). The adjustment form carries an idempotency key made when
the page is rendered, so a double submit (or a resubmitted page) adjusts once.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from starlette.responses import Response

from portal.errors import FormErrors
from portal.pages.redemptions import global_id, url_id
from portal.staff.nav import N_, staff_page
from portal.visit import Visit

REASON_CODES: dict[str, str] = {
    "GOODWILL": N_("Goodwill gesture"),
    "CORRECTION": N_("Correction"),
    "SERVICE_RECOVERY": N_("Service recovery"),
    "FRAUD_REVERSAL": N_("Fraud reversal"),
    "OTHER": N_("Other"),
}
FORMS = ("adjust", "override", "birthday")


def _errors(visit: Visit, user_errors: list[dict[str, Any]]) -> FormErrors:
    """Staff see the API's own (translated) wording, which names limits and figures."""
    errors = FormErrors()
    for error in user_errors:
        name = error.get("field")
        if name and name not in ("memberId", "idempotencyKey") and name not in errors.fields:
            errors.fields[name] = error["message"]
        elif error["message"] not in errors.general:
            errors.general.append(error["message"])
    return errors


def _member_gid(visit: Visit) -> str:
    return global_id(visit.request.path_params["mid"], "Member") or "-"


@staff_page("/staff/members/{mid}")
async def member_page(
    visit: Visit,
    *,
    form: str | None = None,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    after = visit.request.query_params.get("ledger_after") or None
    data = await visit.run("staff/member", {"id": _member_gid(visit), "ledgerAfter": after})
    member = data.get("node")
    if not member:
        return await visit.error_page(404, visit._("Not found"), visit._("There is no such member."))
    ledger = member["points"]["ledger"]
    base = f"/staff/members/{url_id(member['id'])}"
    values = values or {}
    return await visit.render(
        "staff/member.html", status=status, m=member, base=base, tiers=data["tiers"],
        cap=data["program"]["adjustmentCapPerStaffDay"], reason_codes=REASON_CODES,
        can_act=visit.has_role("staff"), form=form, errors=errors, values=values,
        # A fresh key per render; a form shown again after an error keeps the key it was sent with.
        adjust_key=values.get("key") or secrets.token_urlsafe(16),
        ledger=ledger, ledger_next=f"{base}?ledger_after={ledger['pageInfo']['endCursor']}#ledger"
        if ledger["pageInfo"]["hasNextPage"] else None,
        ledger_first=f"{base}#ledger" if after else None,
    )


async def _form(visit: Visit, *names: str) -> dict[str, str]:
    return {name: (await visit.field(name))[:600] for name in names}


def _day(text: str) -> str | None:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


@staff_page("/staff/members/{mid}/adjust", methods=["POST"], act=True)
async def adjust(visit: Visit) -> Response:
    values = await _form(visit, "delta", "reason_code", "reason", "key")
    errors = FormErrors()
    delta = values["delta"].replace(",", "").replace(" ", "")
    if not delta.lstrip("+-").isdigit() or len(delta) > 12:
        errors.fields["delta"] = visit._("Enter a whole number of points, negative to take points away.")
    if values["reason_code"] not in REASON_CODES:
        errors.fields["reason_code"] = visit._("Choose a reason.")
    if not values["reason"]:
        errors.fields["reason"] = visit._("Say why: the member sees this on their points history.")
    if not errors:
        result = (await visit.run("staff/adjust_points", {
            "memberId": _member_gid(visit), "delta": int(delta), "reasonCode": values["reason_code"],
            "reason": values["reason"], "key": values["key"] or "-",
        }))["adjustPoints"]
        errors = _errors(visit, result["userErrors"])
        if not errors:
            entry = result["entry"]
            visit.flash(visit._("Points adjusted by %(delta)s. New balance: %(balance)s.",
                                delta=f"{entry['delta']:+,}", balance=f"{entry['balanceAfter']:,}"))
            return visit.redirect(f"/staff/members/{visit.request.path_params['mid']}")
    return await member_page(visit, form="adjust", errors=errors, values=values, status=422)


@staff_page("/staff/members/{mid}/override-tier", methods=["POST"], act=True)
async def override_tier(visit: Visit) -> Response:
    values = await _form(visit, "tier_code", "until", "reason")
    errors = FormErrors()
    until = _day(values["until"])
    if until is None:
        errors.fields["until"] = visit._("Choose the last day the tier holds.")
    if not values["reason"]:
        errors.fields["reason"] = visit._("Say why, for the audit trail.")
    if not errors:
        result = (await visit.run("staff/override_tier", {
            "memberId": _member_gid(visit), "tierCode": values["tier_code"], "until": until,
            "reason": values["reason"],
        }))["overrideTier"]
        errors = _errors(visit, result["userErrors"])
        if not errors:
            member = result["member"]
            visit.flash(visit._("Tier set to %(tier)s until %(day)s.", tier=member["tier"]["name"],
                                day=member["tierOverrideUntil"]))
            return visit.redirect(f"/staff/members/{visit.request.path_params['mid']}")
    return await member_page(visit, form="override", errors=errors, values=values, status=422)


@staff_page("/staff/members/{mid}/birthday", methods=["POST"], act=True)
async def correct_birthday(visit: Visit) -> Response:
    values = await _form(visit, "birthday", "reason")
    errors = FormErrors()
    birthday = _day(values["birthday"])
    if birthday is None:
        errors.fields["birthday"] = visit._("Enter the date of birth.")
    if not values["reason"]:
        errors.fields["reason"] = visit._("Say why, for the audit trail.")
    if not errors:
        result = (await visit.run("staff/correct_birthday", {
            "memberId": _member_gid(visit), "birthday": birthday, "reason": values["reason"],
        }))["correctBirthday"]
        errors = _errors(visit, result["userErrors"])
        if not errors:
            visit.flash(visit._("Birthday corrected."))
            return visit.redirect(f"/staff/members/{visit.request.path_params['mid']}")
    return await member_page(visit, form="birthday", errors=errors, values=values, status=422)
