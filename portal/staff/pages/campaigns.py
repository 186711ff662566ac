"""Console: campaigns — the list with budget bars, the editor with its simulation, status buttons, results.

The editor takes prefill query parameters (``trigger``, ``name``, ``tiers``, ``segments``,
``stages``; lists comma-separated, enum names), so another page can open it with an audience
filled in: the churn early-warning list links to ``/staff/campaigns/new?trigger=GRANT&stages=AT_RISK,CHURNED``.
Times typed in the editor are in the staff member's own time zone. Analysts read the list and
each campaign; saving, simulating and the status buttons are staff-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.responses import Response

from portal.errors import FormErrors, friendly_message
from portal.graphql import OperationFailed
from portal.pages.redemptions import global_id, url_id
from portal.staff.nav import N_, staff_page
from portal.visit import Visit
from server.core.errors import ErrorCode

TRIGGERS = ("PURCHASE", "CHECK_IN", "GRANT")
STATUSES = ("DRAFT", "ACTIVE", "PAUSED", "ENDED")
SEGMENTS = (
    "CHAMPIONS", "LOYAL", "POTENTIAL_LOYALISTS", "NEW_CUSTOMERS", "PROMISING", "NEED_ATTENTION",
    "ABOUT_TO_SLEEP", "AT_RISK", "CANNOT_LOSE", "HIBERNATING", "NO_PURCHASES",
)
STAGES = ("NEW", "ACTIVE", "SLEEPING", "AT_RISK", "CHURNED")
MOVES = {"DRAFT": ("ACTIVE", "ENDED"), "PAUSED": ("ACTIVE", "ENDED"), "ACTIVE": ("PAUSED", "ENDED"), "ENDED": ()}
PAGE = 25
SIMULATION_DAYS = (7, 30, 90, 365)
FIELDS = {
    "name", "trigger", "recurrence", "startsAt", "endsAt", "multiplier", "bonusPoints", "tierCodes", "segments",
    "stages", "minAmount", "perMemberCap", "budgetPoints", "holdoutPercent", "days",
}
# What a good value looks like, per field (the API's codes say what is wrong, these say how to fix it).
HINTS: dict[str, str] = {
    "name": N_("Enter a name of 1 to 120 characters."),
    "recurrence": N_("Enter an RRULE such as FREQ=MONTHLY;BYMONTHDAY=8 (daily or coarser), or leave it empty."),
    "startsAt": N_("Enter the start date and time."),
    "endsAt": N_("The end must come after the start."),
    "multiplier": N_("Enter a multiplier from 1 to 10, such as 2 or 1.5."),
    "bonusPoints": N_("Enter bonus points (a whole number), or a multiplier above 1: the campaign must give something."),  # noqa: E501  (one msgid)
    "tierCodes": N_("Choose tiers from the list."),
    "minAmount": N_("Enter an amount above 0 (PURCHASE campaigns only), or leave it empty."),
    "perMemberCap": N_("Enter a whole number of points of at least 1, or leave it empty."),
    "budgetPoints": N_("Enter a whole number of points of at least 1, or leave it empty."),
    "holdoutPercent": N_("Enter a percentage from 0 to 50."),
    "days": N_("Choose a period to replay."),
}


@dataclass
class Form:
    """The editor's values as typed (strings), so a refused form comes back as it was."""

    values: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)


def _blank() -> Form:
    return Form({
        "name": "", "trigger": "PURCHASE", "recurrence": "", "startsAt": "", "endsAt": "", "multiplier": "",
        "bonusPoints": "", "tierCodes": [], "segments": [], "stages": [], "minAmount": "", "perMemberCap": "",
        "budgetPoints": "", "holdoutPercent": "0", "days": "30",
    })


def _listed(raw: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    items = [part.strip() for part in raw.split(",") if part.strip()]
    return [item for item in items if allowed is None or item in allowed][:20]


def _prefilled(visit: Visit) -> Form:
    """A new campaign's editor, filled from the query string (unknown values dropped)."""
    params = visit.request.query_params
    form = _blank()
    if params.get("trigger") in TRIGGERS:
        form.values["trigger"] = params["trigger"]
    form.values["name"] = params.get("name", "")[:120]
    form.values["tierCodes"] = _listed(params.get("tiers", ""))
    form.values["segments"] = _listed(params.get("segments", ""), SEGMENTS)
    form.values["stages"] = _listed(params.get("stages", ""), STAGES)
    return form


def _local_input(moment: str | None, zone: ZoneInfo) -> str:
    if not moment:
        return ""
    return datetime.fromisoformat(moment).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _zone(visit: Visit) -> ZoneInfo:
    try:
        return ZoneInfo(visit.member.timezone if visit.member else "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _from_campaign(campaign: dict[str, Any], zone: ZoneInfo) -> Form:
    form = _blank()
    form.values.update({
        "name": campaign["name"], "trigger": campaign["trigger"], "recurrence": campaign["recurrence"] or "",
        "startsAt": _local_input(campaign["startsAt"], zone), "endsAt": _local_input(campaign["endsAt"], zone),
        "multiplier": campaign["multiplier"] or "", "bonusPoints": _text(campaign["bonusPoints"]),
        "tierCodes": campaign["tierCodes"], "segments": campaign["segments"], "stages": campaign["stages"],
        "minAmount": campaign["minAmount"] or "", "perMemberCap": _text(campaign["perMemberCap"]),
        "budgetPoints": _text(campaign["budgetPoints"]), "holdoutPercent": _text(campaign["holdoutPercent"]),
    })
    return form


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _from_post(data: FormData) -> Form:
    form = _blank()
    for name in ("name", "trigger", "recurrence", "startsAt", "endsAt", "multiplier", "bonusPoints", "minAmount",
                 "perMemberCap", "budgetPoints", "holdoutPercent", "days"):
        form.values[name] = str(data.get(name, ""))[:600]
    form.values["tierCodes"] = [str(v) for v in data.getlist("tierCodes")][:20]
    form.values["segments"] = [str(v) for v in data.getlist("segments") if v in SEGMENTS]
    form.values["stages"] = [str(v) for v in data.getlist("stages") if v in STAGES]
    return form


def _input(form: Form, zone: ZoneInfo) -> tuple[dict[str, Any], dict[str, str]]:
    """The CampaignInput for the API, and the fields that could not even be read (with their hint keys)."""
    bad: dict[str, str] = {}

    def moment(name: str, required: bool) -> str | None:
        raw = form.get(name).strip()
        if not raw:
            if required:
                bad[name] = name
            return None
        try:
            return datetime.fromisoformat(raw).replace(tzinfo=zone).isoformat()
        except ValueError:
            bad[name] = name
            return None

    def number(name: str, kind: type) -> Any:
        raw = form.get(name).strip()
        if not raw:
            return None
        try:
            value = kind(raw)
        except (ValueError, InvalidOperation):
            bad[name] = name
            return None
        return str(value) if kind is Decimal else value

    trigger = form.get("trigger") if form.get("trigger") in TRIGGERS else "PURCHASE"
    values = {
        "name": form.get("name"),
        "trigger": trigger,
        "recurrence": form.get("recurrence").strip() or None,
        "startsAt": moment("startsAt", True),
        "endsAt": moment("endsAt", False),
        "multiplier": number("multiplier", Decimal),
        "bonusPoints": number("bonusPoints", int),
        "tierCodes": form.get("tierCodes"),
        "segments": form.get("segments"),
        "stages": form.get("stages"),
        "minAmount": number("minAmount", Decimal),
        "perMemberCap": number("perMemberCap", int),
        "budgetPoints": number("budgetPoints", int),
        "holdoutPercent": number("holdoutPercent", int) or 0,
    }
    return values, bad


def _errors(visit: Visit, user_errors: list[dict[str, Any]]) -> FormErrors:
    """Each refusal beside its field, worded to say what a good value looks like."""
    errors = FormErrors()
    for error in user_errors:
        name = error.get("field")
        if name in FIELDS and name not in errors.fields:
            hint = HINTS.get(name)
            errors.fields[name] = visit._(hint) if hint else friendly_message(error["code"], visit.locale, name)
        else:
            message = friendly_message(error["code"], visit.locale, name)
            if message not in errors.general:
                errors.general.append(message)
    return errors


def _unreadable(visit: Visit, bad: dict[str, str]) -> FormErrors:
    return _errors(visit, [{"field": name, "code": ErrorCode.INVALID_INPUT.value} for name in bad])


def _budget(campaign: dict[str, Any]) -> dict[str, Any]:
    """The budget bar's numbers: given, budget, percent (None without a budget)."""
    budget = campaign.get("budgetPoints")
    given = campaign.get("pointsAwarded") or 0
    percent = min(100, round(given * 100 / budget)) if budget else None
    return {"given": given, "budget": budget, "percent": percent}


def _row(campaign: dict[str, Any]) -> dict[str, Any]:
    return {**campaign, "urlId": url_id(campaign["id"]), "bar": _budget(campaign),
            "next": (campaign.get("upcoming") or [None])[0]}


@staff_page("/staff/campaigns", nav=N_("Campaigns"), order=40)
async def campaign_list(visit: Visit) -> Response:
    status = visit.request.query_params.get("status", "")
    status = status if status in STATUSES else ""
    after = visit.request.query_params.get("after") or None
    data = await visit.run("staff/campaigns", {"status": status or None, "first": PAGE, "after": after})
    connection = data["campaigns"]
    return await visit.render(
        "staff/campaigns.html", campaigns=[_row(e["node"]) for e in connection["edges"]],
        total=connection["totalCount"], page_info=connection["pageInfo"], chosen=status, statuses=STATUSES,
        can_act=visit.has_role("staff"),
        next_url="/staff/campaigns?" + urlencode({**({"status": status} if status else {}),
                                                   "after": connection["pageInfo"]["endCursor"] or ""}),
    )


async def _editor(
    visit: Visit, form: Form, *, campaign: dict[str, Any] | None = None, tiers: list[dict[str, Any]] | None = None,
    errors: FormErrors | None = None, simulation: dict[str, Any] | None = None, status: int = 200,
) -> Response:
    if tiers is None:
        tiers = (await visit.run("staff/campaign_form"))["tiers"]
    return await visit.render(
        "staff/campaign.html", status=status, form=form, campaign=campaign, tiers=tiers, errors=errors,
        simulation=simulation, triggers=TRIGGERS, segments=SEGMENTS, stages=STAGES, days_choices=SIMULATION_DAYS,
        can_act=visit.has_role("staff"), moves=MOVES.get(campaign["status"], ()) if campaign else (),
        bar=_budget(campaign) if campaign else None, zone=str(_zone(visit)),
        action=f"/staff/campaigns/{campaign['urlId']}" if campaign else "/staff/campaigns/new",
    )


@staff_page("/staff/campaigns/new", act=True)
async def new_campaign(visit: Visit) -> Response:
    return await _editor(visit, _prefilled(visit))


async def _simulate(visit: Visit, form: Form, values: dict[str, Any]) -> tuple[dict | None, FormErrors | None]:
    raw_days = form.get("days")
    days = int(raw_days) if raw_days.isdecimal() and int(raw_days) in SIMULATION_DAYS else 30
    try:
        data = await visit.run("staff/simulate_campaign", {"input": values, "days": days})
    except OperationFailed as failure:
        refusals = [
            {"field": (e.extensions or {}).get("field"), "code": (e.extensions or {}).get("code")}
            for e in failure.errors
            if (e.extensions or {}).get("code") in ErrorCode.__members__
        ]
        if not refusals:
            raise
        return None, _errors(visit, refusals)
    return {**data["simulateCampaign"], "days": days}, None


async def _save_or_simulate(visit: Visit, campaign: dict[str, Any] | None, tiers: list | None) -> Response:
    data = await visit.form()
    form = _from_post(data)
    values, bad = _input(form, _zone(visit))
    if bad:
        return await _editor(visit, form, campaign=campaign, tiers=tiers, errors=_unreadable(visit, bad), status=422)
    if data.get("action") == "simulate":
        simulation, errors = await _simulate(visit, form, values)
        return await _editor(visit, form, campaign=campaign, tiers=tiers, errors=errors, simulation=simulation,
                             status=422 if errors else 200)
    result = (await visit.run("staff/upsert_campaign", {"id": campaign["id"] if campaign else None,
                                                          "input": values}))["upsertCampaign"]
    if result["userErrors"]:
        errors = _errors(visit, result["userErrors"])
        return await _editor(visit, form, campaign=campaign, tiers=tiers, errors=errors, status=422)
    visit.flash(visit._("Campaign saved."))
    return visit.redirect(f"/staff/campaigns/{url_id(result['campaign']['id'])}")


@staff_page("/staff/campaigns/new", methods=["POST"], act=True, name="staff_create_campaign")
async def create_campaign(visit: Visit) -> Response:
    return await _save_or_simulate(visit, None, None)


async def _campaign(visit: Visit) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    found = global_id(visit.request.path_params["cid"], "Campaign")
    data = await visit.run("staff/campaign", {"id": found or "-"})
    campaign = data.get("campaign")
    if campaign:
        campaign = {**campaign, "urlId": url_id(campaign["id"])}
    return campaign, data["tiers"]


async def _not_found(visit: Visit) -> Response:
    return await visit.error_page(404, visit._("Not found"), visit._("There is no such campaign."))


@staff_page("/staff/campaigns/{cid}")
async def campaign_page(visit: Visit) -> Response:
    campaign, tiers = await _campaign(visit)
    if campaign is None:
        return await _not_found(visit)
    return await _editor(visit, _from_campaign(campaign, _zone(visit)), campaign=campaign, tiers=tiers)


@staff_page("/staff/campaigns/{cid}", methods=["POST"], act=True, name="staff_update_campaign")
async def update_campaign(visit: Visit) -> Response:
    campaign, tiers = await _campaign(visit)
    if campaign is None:
        return await _not_found(visit)
    return await _save_or_simulate(visit, campaign, tiers)


@staff_page("/staff/campaigns/{cid}/status", methods=["POST"], act=True)
async def move_campaign(visit: Visit) -> Response:
    cid = visit.request.path_params["cid"]
    wanted = await visit.field("status")
    if wanted not in STATUSES:
        wanted = "DRAFT"  # refused by the API as INVALID_STATUS_CHANGE
    result = (await visit.run("staff/set_campaign_status", {"id": global_id(cid, "Campaign") or "-",
                                                              "status": wanted}))["setCampaignStatus"]
    if result["userErrors"]:
        visit.flash(" ".join(friendly_message(e["code"], visit.locale, e.get("field")) for e in result["userErrors"]),
                    "error")
    else:
        visit.flash(visit._("Campaign status changed."))
    return visit.redirect(f"/staff/campaigns/{cid}")
