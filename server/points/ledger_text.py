"""What a ledger entry says, in the reader's language.

Services describe an entry with a :class:`Note` (a message key and its values) rather than a
finished sentence. The English sentence is stored as ``description`` and the note as
``params``, so a member reading in Chinese sees Chinese, and old or free-text entries still
show what was stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# key -> locale -> template over the note's values
TEMPLATES: dict[str, dict[str, str]] = {
    "check_in": {"en": "Daily check-in ({day})", "zh-CN": "每日签到（{day}）"},
    "streak_bonus": {"en": "{days}-day streak bonus", "zh-CN": "连续签到 {days} 天奖励"},
    "purchase": {"en": "Purchase {order} at {partner}", "zh-CN": "在{partner}消费（订单 {order}）"},
    "purchase_refund": {"en": "Refund of {amount} on order {order}", "zh-CN": "订单 {order} 退款 {amount}"},
    "redemption": {"en": "Redeemed {benefit}", "zh-CN": "兑换{benefit_zh}"},
    "redemption_refund": {"en": "Cancelled {benefit}", "zh-CN": "取消兑换{benefit_zh}"},
    "referee_bonus": {
        "en": "Welcome bonus for a referred first purchase",
        "zh-CN": "受邀首次消费欢迎奖励",
    },
    "referrer_bonus": {"en": "Referral of {name}", "zh-CN": "推荐好友 {name} 奖励"},
    "review": {"en": "Review of {subject}", "zh-CN": "评价 {subject} 奖励"},
    "expiry": {"en": "Points expired on {date}", "zh-CN": "积分于 {date} 过期"},
    "adjustment": {"en": "Adjustment: {reason}", "zh-CN": "积分调整：{reason}"},
    # campaigns (engine issue): the campaign's name as staff wrote it
    "campaign": {"en": "Campaign: {campaign}", "zh-CN": "活动奖励：{campaign}"},
    "campaign_refund": {
        "en": "Campaign points taken back after a refund on order {order}: {campaign}",
        "zh-CN": "订单 {order} 退款，收回活动积分：{campaign}",
    },
    "birthday": {"en": "Birthday reward {year}", "zh-CN": "{year} 年生日礼遇"},
    "anniversary": {"en": "Membership anniversary: {years} year(s)", "zh-CN": "入会 {years} 周年礼遇"},
}


class _Values(dict):
    def __missing__(self, key: str) -> str:
        # A zh-CN template may ask for e.g. benefit_zh; fall back to the plain value.
        if key.endswith("_zh") and key[:-3] in self:
            return str(self[key[:-3]])
        return ""


@dataclass(frozen=True)
class Note:
    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def render(self, locale: str = "en") -> str:
        templates = TEMPLATES[self.key]
        return (templates.get(locale) or templates["en"]).format_map(_Values(self.values))

    def as_params(self) -> dict[str, Any]:
        return {"key": self.key, **self.values}


def describe(description: str, params: dict[str, Any] | None, locale: str) -> str:
    """The entry's description in ``locale``; the stored English when there is no note for it."""
    if locale == "en" or not params or params.get("key") not in TEMPLATES:
        return description
    values = {k: v for k, v in params.items() if k != "key"}
    return Note(params["key"], values).render(locale)[:255]
