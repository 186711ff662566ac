"""Console: the benefits catalog — every benefit (active and inactive), creating, editing, deactivating.

Every change goes through ``upsertBenefit`` (``create: true`` for the new-benefit form, so it never
overwrites), which audits it. Field errors come back one per field and are shown beside their
field in the API's words (in the visitor's language). Times in the form are in the staff member's
own time zone. Analysts see the same pages with the forms disabled; the POST routes refuse them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response

from portal.errors import FormErrors
from portal.staff.nav import N_, staff_page
from portal.visit import Visit

FIELDS = (
    "slug", "title", "titleZh", "description", "descriptionZh", "category", "pointsCost", "minTierCode",
    "stock", "perMemberLimit", "availableFrom", "availableUntil",
)
NUMBERS = ("pointsCost", "stock", "perMemberLimit")
MOMENTS = ("availableFrom", "availableUntil")
INT_MAX = 2**31 - 1


def _zone(visit: Visit) -> str:
    return (visit.layout or {}).get("timezone") or (visit.member.timezone if visit.member else None) or "UTC"


def staff_errors(visit: Visit, user_errors: list[dict[str, Any]], known: tuple[str, ...]) -> FormErrors:
    """Field errors in the API's own words (already in the visitor's language), others in the friendly ones.

    Staff need the specifics ("12 units are already issued") that the members' friendly wording leaves out.
    """
    errors = FormErrors()
    for error in user_errors:
        name = error.get("field")
        if error["code"] == "INVALID_INPUT" and name in known and name not in errors.fields:
            errors.fields[name] = error["message"]
        else:
            message = visit.errors([error]).general or list(visit.errors([error]).fields.values())
            errors.general.extend(m for m in message if m not in errors.general)
    return errors


def _local(moment: str | None, zone: str) -> str:
    """An API date-time as a datetime-local value in ``zone``."""
    if not moment:
        return ""
    return datetime.fromisoformat(moment).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def _values_of(benefit: dict[str, Any], zone: str) -> dict[str, str]:
    """A saved benefit as the form's text values."""
    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return {
        "slug": benefit["slug"], "title": benefit["titleEn"], "titleZh": text(benefit["titleZh"]),
        "description": benefit["descriptionEn"], "descriptionZh": text(benefit["descriptionZh"]),
        "category": benefit["category"], "pointsCost": text(benefit["pointsCost"]),
        "minTierCode": benefit["minTier"]["code"] if benefit["minTier"] else "",
        "stock": text(benefit["stock"]), "perMemberLimit": text(benefit["perMemberLimit"]),
        "availableFrom": _local(benefit["availableFrom"], zone),
        "availableUntil": _local(benefit["availableUntil"], zone),
        "active": "on" if benefit["active"] else "",
    }


def _input(visit: Visit, values: dict[str, str], zone: str) -> tuple[dict[str, Any], FormErrors]:
    """The form's text as a BenefitInput; what cannot even be sent (letters in a number) is a field error here."""
    errors = FormErrors()
    data: dict[str, Any] = {name: values.get(name, "") for name in ("slug", "title", "category")}
    for name in ("titleZh", "description", "descriptionZh", "minTierCode"):
        data[name] = values.get(name) or None
    for name in NUMBERS:
        raw = values.get(name, "")
        if raw == "":
            data[name] = 0 if name == "pointsCost" else None
            continue
        body = raw.removeprefix("-")
        if not (body.isascii() and body.isdigit()) or int(body) > INT_MAX:
            errors.fields[name] = visit._("Enter a whole number.")
            continue
        data[name] = int(raw)
    for name in MOMENTS:
        raw = values.get(name, "")
        if not raw:
            data[name] = None
            continue
        try:
            data[name] = datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(zone)).isoformat()
        except ValueError:
            errors.fields[name] = visit._("Enter a date and time.")
    data["active"] = values.get("active") == "on"
    return data, errors


async def _posted(visit: Visit) -> dict[str, str]:
    return {name: await visit.field(name) for name in (*FIELDS, "active")}


@staff_page("/staff/catalog", nav=N_("Catalog"), order=30)
async def catalog(visit: Visit) -> Response:
    after = visit.request.query_params.get("after") or None
    data = await visit.run("staff/catalog", {"after": after})
    listing = data["benefits"]
    return await visit.render(
        "staff/catalog.html", benefits=[edge["node"] for edge in listing["edges"]], total=listing["totalCount"],
        page_info=listing["pageInfo"], can_act=visit.has_role("staff"),
    )


async def _form(
    visit: Visit, *, benefit: dict[str, Any] | None, values: dict[str, str], errors: FormErrors | None = None,
    tiers: list[dict[str, str]] | None = None, status: int = 200,
) -> Response:
    if tiers is None:
        tiers = (await visit.run("staff/benefit", {"slug": "-"}))["tiers"]
    return await visit.render(
        "staff/benefit_form.html", status=status, benefit=benefit, values=values, errors=errors, tiers=tiers,
        zone=_zone(visit), can_act=visit.has_role("staff"),
    )


@staff_page("/staff/catalog/new")
async def new_benefit(visit: Visit) -> Response:
    return await _form(visit, benefit=None, values={"active": "on"})


@staff_page("/staff/catalog/new", methods=["POST"], act=True)
async def create_benefit(visit: Visit) -> Response:
    return await _save(visit, None)


async def _benefit(visit: Visit) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    data = await visit.run("staff/benefit", {"slug": visit.request.path_params["slug"]})
    return data["benefit"], data["tiers"]


@staff_page("/staff/catalog/{slug}/edit")
async def edit_benefit(visit: Visit) -> Response:
    benefit, tiers = await _benefit(visit)
    if benefit is None:
        return await visit.error_page(404, visit._("Not found"), visit._("There is no such benefit."))
    return await _form(visit, benefit=benefit, values=_values_of(benefit, _zone(visit)), tiers=tiers)


@staff_page("/staff/catalog/{slug}/edit", methods=["POST"], act=True)
async def update_benefit(visit: Visit) -> Response:
    benefit, tiers = await _benefit(visit)
    if benefit is None:
        return await visit.error_page(404, visit._("Not found"), visit._("There is no such benefit."))
    return await _save(visit, benefit, tiers)


async def _save(visit: Visit, benefit: dict[str, Any] | None, tiers: list[dict[str, str]] | None = None) -> Response:
    values = await _posted(visit)
    if benefit is not None:
        values["slug"] = benefit["slug"]  # the slug names the benefit: editing never renames it
    zone = _zone(visit)
    data, errors = _input(visit, values, zone)
    for name in MOMENTS:
        if benefit is not None and name not in errors.fields and values[name] == _local(benefit[name], zone):
            data[name] = benefit[name]  # untouched: keep the stored moment to the second
    if not errors:
        result = (await visit.run("staff/save_benefit", {"input": data, "create": benefit is None}))["upsertBenefit"]
        errors = staff_errors(visit, result["userErrors"], FIELDS)
    if errors:
        return await _form(visit, benefit=benefit, values=values, errors=errors, tiers=tiers, status=422)
    visit.flash(visit._("Benefit saved."))
    return visit.redirect("/staff/catalog")


@staff_page("/staff/catalog/{slug}/active", methods=["POST"], act=True)
async def set_active(visit: Visit) -> Response:
    """Deactivate (or reactivate) from the list: the benefit saved as it is, with the new flag."""
    benefit, _tiers = await _benefit(visit)
    if benefit is None:
        return await visit.error_page(404, visit._("Not found"), visit._("There is no such benefit."))
    active = await visit.field("active") == "1"
    data = {
        "slug": benefit["slug"], "title": benefit["titleEn"], "titleZh": benefit["titleZh"],
        "description": benefit["descriptionEn"] or None, "descriptionZh": benefit["descriptionZh"],
        "category": benefit["category"], "pointsCost": benefit["pointsCost"],
        "minTierCode": benefit["minTier"]["code"] if benefit["minTier"] else None, "stock": benefit["stock"],
        "perMemberLimit": benefit["perMemberLimit"], "availableFrom": benefit["availableFrom"],
        "availableUntil": benefit["availableUntil"], "active": active,
    }
    result = (await visit.run("staff/save_benefit", {"input": data, "create": False}))["upsertBenefit"]
    errors = staff_errors(visit, result["userErrors"], ())
    if errors:
        visit.flash(" ".join(errors.general), "error")
    elif active:
        visit.flash(visit._("%(title)s is active again.", title=benefit["title"]))
    else:
        visit.flash(visit._("%(title)s is deactivated: members no longer see it.", title=benefit["title"]))
    return visit.redirect("/staff/catalog")
