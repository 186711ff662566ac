"""Friendly, translated wording for every ``userErrors`` code the API can answer.

The API's own ``message`` is written for developers; members see these instead. Messages are
marked with ``N_`` so Babel extracts them, and translated when shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.i18n import gettext
from server.core.errors import ErrorCode


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name: mark for extraction)
    return message


FRIENDLY: dict[ErrorCode, str] = {
    ErrorCode.INVALID_INPUT: N_("Please check this and try again."),
    ErrorCode.EMAIL_TAKEN: N_("An account with this e-mail already exists. Try logging in instead."),
    ErrorCode.INVALID_CREDENTIALS: N_("That e-mail and password don't match. Please try again."),
    ErrorCode.RATE_LIMITED: N_("Too many attempts. Please wait a moment and try again."),
    ErrorCode.NOT_AUTHENTICATED: N_("Please log in to continue."),
    ErrorCode.FORBIDDEN: N_("Sorry, you can't do that."),
    ErrorCode.NOT_FOUND: N_("We couldn't find that. It may have been removed."),
    ErrorCode.ALREADY_CHECKED_IN: N_("You've already checked in today. Come back tomorrow!"),
    ErrorCode.INSUFFICIENT_POINTS: N_("You don't have enough points for this yet."),
    ErrorCode.OUT_OF_STOCK: N_("Sorry, this reward is out of stock."),
    ErrorCode.TIER_TOO_LOW: N_("This reward is for a higher tier. Keep earning to unlock it."),
    ErrorCode.LIMIT_REACHED: N_("You've reached the limit for this reward."),
    ErrorCode.NOT_AVAILABLE: N_("This reward isn't available right now."),
    ErrorCode.IDEMPOTENCY_CONFLICT: N_("This form was already used for something else. Please reload and try again."),
    ErrorCode.INVALID_REFERRAL_CODE: N_("That referral code isn't valid, has expired or has been used up."),
    ErrorCode.SELF_REFERRAL: N_("You can't use your own referral code."),
    ErrorCode.ALREADY_REVIEWED: N_("You've already reviewed this."),
    ErrorCode.CANNOT_CANCEL: N_("This redemption can no longer be cancelled."),
    ErrorCode.ALREADY_ANSWERED: N_("You've already answered this survey. Thank you!"),
    ErrorCode.TICKET_CLOSED: N_("This request is closed. Start a new one if you need more help."),
    ErrorCode.SURVEY_EXPIRED: N_("This survey has closed."),
    # messages (issue 13)
    ErrorCode.INVALID_TOKEN: N_("This link has expired or was already used. Please ask for a new one."),
    # programme engine (issue 15): campaigns
    ErrorCode.BUDGET_EXHAUSTED: N_("This campaign's budget is spent: raise the budget before activating it."),
    ErrorCode.INVALID_SCHEDULE: N_("This schedule is not valid: check the recurrence and the dates."),
    ErrorCode.INVALID_STATUS_CHANGE: N_("A campaign cannot move to that status from where it stands."),
    # console (issue 10)
    ErrorCode.BIRTHDAY_LOCKED: N_("Your birthday is already set. To correct it, contact support."),
}

# INVALID_INPUT names the field at fault; these say what a good value looks like.
FIELD_HINTS: dict[str, str] = {
    "email": N_("Enter a valid e-mail address."),
    "password": N_("Use at least 10 characters for your password."),
    "displayName": N_("Enter a name of 1 to 80 characters, without invisible or control characters."),
    "birthday": N_("Enter your real date of birth."),
    "timezone": N_("Choose a time zone from the list."),
    "locale": N_("Choose English or 简体中文."),
    "referralCode": N_("That referral code isn't valid, has expired or has been used up."),
    "rating": N_("Choose a rating from 1 to 5 stars."),
    "title": N_("Enter a title of up to 120 characters on one line, without invisible characters."),
    "body": N_("Write a few words about it: up to 5,000 characters, without invisible or control characters."),
    "subject": N_("Choose what you are reviewing."),
    "quantity": N_("Choose a quantity of at least 1."),
    "score": N_("Choose a score on the scale."),
    # messages (issue 13)
    "newPassword": N_("Use at least 10 characters for your password."),
    "newEmail": N_("Enter a valid e-mail address."),
}


def friendly_message(code: ErrorCode | str, locale: str, field_name: str | None = None) -> str:
    """What to tell a member about ``code`` (and, for bad input, about ``field_name``)."""
    code = ErrorCode(code)
    if code is ErrorCode.INVALID_INPUT and field_name in FIELD_HINTS:
        return gettext(locale, FIELD_HINTS[field_name])
    return gettext(locale, FRIENDLY[code])


@dataclass
class FormErrors:
    """User errors sorted for a form: one message per field, the rest for the top of the form."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    @classmethod
    def from_user_errors(cls, user_errors: list[dict], locale: str, known_fields: set[str] | None = None) -> FormErrors:
        errors = cls()
        for error in user_errors:
            message = friendly_message(error["code"], locale, error.get("field"))
            name = error.get("field")
            if name and (known_fields is None or name in known_fields) and name not in errors.fields:
                errors.fields[name] = message
            elif message not in errors.general:
                errors.general.append(message)
        return errors
