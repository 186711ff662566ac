"""Joining, logging in and out, the profile and the language switcher."""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import date

from starlette.responses import Response

from portal.errors import FormErrors, friendly_message
from portal.i18n import SUPPORTED
from portal.routing import page
from portal.visit import Visit
from server import accounts
from server.core.errors import DomainError, ErrorCode

SIGN_UP_FIELDS = {"email", "password", "displayName", "referralCode", "birthday", "timezone"}
PROFILE_FIELDS = {"displayName", "birthday", "timezone", "locale"}
DEFAULT_TIMEZONE = "Asia/Shanghai"


@functools.cache
def timezones() -> list[str]:
    """IANA zones people live in (no legacy aliases such as ``Etc/GMT+8`` or ``US/Pacific``)."""
    regions = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")
    return sorted(z for z in zoneinfo.available_timezones() if z.startswith(regions)) + ["UTC"]


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """Only same-site paths: ``/x`` yes, ``//evil.example`` or ``https://…`` no."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@page("/")
async def home(visit: Visit) -> Response:
    if visit.member is not None:
        return visit.redirect("/dashboard")
    return await visit.render("home.html")


@page("/signup", methods=["GET", "POST"])
async def sign_up(visit: Visit) -> Response:
    if visit.member is not None and visit.request.method == "GET":
        return visit.redirect("/dashboard")
    values = {"referralCode": visit.request.query_params.get("ref", "").strip()[:40]}
    errors = FormErrors()
    if visit.request.method == "POST":
        values = {
            name: await visit.field(name)
            for name in ("email", "displayName", "referralCode", "birthday", "timezone", "marketingEmails")
        }
        birthday = _parse_date(values["birthday"])
        if values["birthday"] and birthday is None:
            errors.fields["birthday"] = friendly_message(ErrorCode.INVALID_INPUT, visit.locale, "birthday")
        else:
            data = await visit.run(
                "sign_up",
                {
                    "input": {
                        "email": values["email"],
                        "password": await visit.field("password"),
                        "displayName": values["displayName"],
                        "referralCode": values["referralCode"] or None,
                        "birthday": birthday.isoformat() if birthday else None,
                        "timezone": values["timezone"] if values["timezone"] in timezones() else DEFAULT_TIMEZONE,
                        "locale": visit.locale,
                        "marketingEmails": values["marketingEmails"] == "on",
                    }
                },
            )
            result = data["signUp"]
            errors = visit.errors(result["userErrors"], SIGN_UP_FIELDS)
            if not errors:
                # The API answers an API token; the browser gets a session instead.
                found = await accounts.member_for_token(result["token"], "api")
                await accounts.log_out(result["token"], "api")
                assert found is not None
                await visit.sign_in(found[0])
                visit.flash(visit._("Welcome to Patron, %(name)s!", name=found[0].display_name))
                visit.flash(
                    visit._("We sent a link to %(email)s: follow it to confirm your address.", email=found[0].email),
                    "info",
                )
                return visit.redirect("/dashboard")
    status = 422 if errors else 200
    return await visit.render("signup.html", values=values, errors=errors, status=status)


@page("/login", methods=["GET", "POST"])
async def log_in(visit: Visit) -> Response:
    next_url = safe_next(visit.request.query_params.get("next"))
    if visit.member is not None and visit.request.method == "GET":
        return visit.redirect(next_url)
    values = {"email": ""}
    errors = FormErrors()
    if visit.request.method == "POST":
        values["email"] = await visit.field("email")
        next_url = safe_next(await visit.field("next"))
        try:
            member, secret = await accounts.log_in(values["email"], await visit.field("password"), kind="session")
        except DomainError as error:
            errors.general.append(_login_message(visit, error))
        else:
            await visit.sign_in(member, secret)
            return visit.redirect(next_url)
    return await visit.render(
        "login.html", values=values, errors=errors, next_url=next_url, status=422 if errors else 200
    )


def _login_message(visit: Visit, error: DomainError) -> str:
    if error.code is ErrorCode.RATE_LIMITED:
        wait = re.search(r"(\d+)\s*s", error.message)
        if wait:
            return visit._("Too many attempts. Please wait %(seconds)s seconds and try again.", seconds=wait.group(1))
    return friendly_message(error.code, visit.locale, None if error.code is ErrorCode.INVALID_INPUT else error.field)


@page("/logout", methods=["POST"])
async def log_out(visit: Visit) -> Response:
    if visit.member is not None:
        await visit.run("log_out")
        await visit.sign_out()
    visit.flash(visit._("You have been logged out. See you soon!"))
    return visit.redirect("/login")


@page("/profile", methods=["GET", "POST"], member=True)
async def profile(visit: Visit) -> Response:
    errors = FormErrors()
    values: dict[str, str] = {}
    if visit.request.method == "POST":
        values = {name: await visit.field(name) for name in ("displayName", "birthday", "timezone", "locale")}
        birthday = _parse_date(values["birthday"])
        if values["birthday"] and birthday is None:
            errors.fields["birthday"] = friendly_message(ErrorCode.INVALID_INPUT, visit.locale, "birthday")
        else:
            change = {
                "displayName": values["displayName"],
                "birthday": birthday.isoformat() if birthday else None,
                "timezone": values["timezone"] or None,
                "locale": values["locale"] or None,
            }
            data = await visit.run("update_profile", {"input": change})
            errors = visit.errors(data["updateProfile"]["userErrors"], PROFILE_FIELDS)
            if not errors:
                visit.remember_locale(data["updateProfile"]["member"]["locale"])
                visit.flash(visit._("Your profile is saved."))
                return visit.redirect("/profile")
    return await render_profile(visit, errors=errors, values=values)


async def render_profile(
    visit: Visit,
    *,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    password_errors: FormErrors | None = None,
    email_errors: FormErrors | None = None,
    email_values: dict[str, str] | None = None,
) -> Response:
    """The profile page; each of its forms (details, e-mail address, password) shows its own errors."""
    data = await visit.run("profile")
    viewer = data["viewer"]
    shown = {
        "displayName": viewer["displayName"],
        "birthday": viewer["birthday"] or "",
        "timezone": viewer["timezone"],
        "locale": viewer["locale"],
        **(values or {}),
    }
    failed = any(bool(e) for e in (errors, password_errors, email_errors))
    return await visit.render(
        "profile.html",
        viewer=viewer,
        values=shown,
        errors=errors or FormErrors(),
        password_errors=password_errors or FormErrors(),
        email_errors=email_errors or FormErrors(),
        email_values=email_values or {},
        timezones=timezones(),
        status=422 if failed else 200,
    )


@page("/language", methods=["POST"])
async def language(visit: Visit) -> Response:
    locale = await visit.field("locale")
    next_url = safe_next(await visit.field("next"), "/")
    if locale not in SUPPORTED:
        return visit.redirect(next_url)
    if visit.member is not None:
        data = await visit.run("update_profile", {"input": {"locale": locale}})
        if data["updateProfile"]["userErrors"]:
            return visit.redirect(next_url)
    visit.remember_locale(locale)
    return visit.redirect(next_url)
