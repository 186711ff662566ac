"""What surveys and detractor tickets say, in English and Simplified Chinese.

Surveys store what they are about as values (an order id and its day, or a ticket subject), and
are worded here when read, in the reader's locale: a member who switches language sees their
pending surveys in the new one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from babel import dates as babel_dates

from server.models import SurveyKind

LOCALES = ("en", "zh-CN")

QUESTIONS: dict[str, dict[str, str]] = {
    "nps": {
        "en": "How likely are you to recommend us to a friend or colleague?",
        "zh-CN": "您有多大可能向朋友或同事推荐我们？",
    },
    "purchase": {
        "en": "How satisfied are you with your purchase?",
        "zh-CN": "您对这次购物满意吗？",
    },
    "ticket": {
        "en": "How satisfied are you with how we handled your request?",
        "zh-CN": "您对我们处理这次咨询的方式满意吗？",
    },
}

ABOUT: dict[str, dict[str, str]] = {
    "purchase": {"en": "Order {order} of {day}", "zh-CN": "{day}的订单 {order}"},
    "ticket": {"en": "Your request “{subject}”", "zh-CN": "您的咨询“{subject}”"},
}

# The sentence of the SURVEY_SENT notification that says what the survey asks about.
PROMPTS: dict[str, dict[str, str]] = {
    "nps": {"en": "Would you recommend us to a friend?", "zh-CN": "您会向朋友推荐我们吗？"},
    "purchase": {"en": "How was your order {order} of {day}?", "zh-CN": "您对{day}的订单 {order} 满意吗？"},
    "ticket": {"en": "How did we handle “{subject}”?", "zh-CN": "我们对“{subject}”的处理您满意吗？"},
}

DETRACTOR_SUBJECT = {"en": "Survey answer: {score} of {scale}", "zh-CN": "问卷评分：{score}/{scale}"}
NO_COMMENT = {"en": "(No comment given with the score.)", "zh-CN": "（评分时未填写意见。）"}


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else "en"


def topic(kind: SurveyKind, about: dict[str, Any]) -> str:
    """``nps``, ``purchase`` or ``ticket``: what a survey follows up."""
    if kind is SurveyKind.NPS:
        return "nps"
    return "ticket" if "subject" in about else "purchase"


def _day(value: str, locale: str) -> str:
    where = "zh_Hans_CN" if locale == "zh-CN" else "en"
    return babel_dates.format_date(date.fromisoformat(value), format="medium", locale=where)


def _values(about: dict[str, Any], locale: str) -> dict[str, str]:
    values = {key: str(value) for key, value in about.items()}
    if "day" in values:
        values["day"] = _day(values["day"], locale)
    return values


def question(kind: SurveyKind, about: dict[str, Any], locale: str) -> str:
    return QUESTIONS[topic(kind, about)][_locale(locale)]


def about_text(kind: SurveyKind, about: dict[str, Any], locale: str) -> str | None:
    """The order (id and day) or ticket (subject) a survey follows up; None for NPS."""
    template = ABOUT.get(topic(kind, about))
    return template[_locale(locale)].format(**_values(about, locale)) if template else None


def notification_params(survey_id: int, kind: SurveyKind, about: dict[str, Any]) -> dict[str, Any]:
    """Parameters of the SURVEY_SENT notification, with its prompt worded in both languages."""
    prompts = PROMPTS[topic(kind, about)]
    return {
        "survey_id": survey_id,
        "kind": kind.value,
        "prompt": prompts["en"].format(**_values(about, "en")),
        "prompt_zh": prompts["zh-CN"].format(**_values(about, "zh-CN")),
    }


def detractor_subject(score: int, scale: int, locale: str) -> str:
    return DETRACTOR_SUBJECT[_locale(locale)].format(score=score, scale=scale)


def no_comment(locale: str) -> str:
    return NO_COMMENT[_locale(locale)]
