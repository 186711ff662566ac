"""User-error messages in the caller's locale.

Services word their refusals in English with specifics (amounts, limits); for zh-CN callers a
translated message per code (and field, where it matters) replaces them.
"""

from __future__ import annotations

import re

from graphql import GraphQLError

from schema.pagination import BAD_CURSOR, FIRST_RANGE
from schema.scalars import DATE_TEXT, DATETIME_TEXT, DECIMAL_TEXT
from server.core import money, validation
from server.core.errors import DomainError, ErrorCode

ZH_CN: dict[ErrorCode, str] = {
    ErrorCode.INVALID_INPUT: "输入有误，请检查后重试。",
    ErrorCode.EMAIL_TAKEN: "该邮箱已注册。",
    ErrorCode.INVALID_CREDENTIALS: "邮箱或密码错误。",
    ErrorCode.RATE_LIMITED: "尝试次数过多，请稍后再试。",
    ErrorCode.NOT_AUTHENTICATED: "请先登录。",
    ErrorCode.FORBIDDEN: "您无权执行此操作。",
    ErrorCode.NOT_FOUND: "未找到。",
    ErrorCode.ALREADY_CHECKED_IN: "今天已经签到过了。",
    ErrorCode.INSUFFICIENT_POINTS: "积分不足。",
    ErrorCode.OUT_OF_STOCK: "该权益已兑完。",
    ErrorCode.TIER_TOO_LOW: "您的会员等级不足以兑换此权益。",
    ErrorCode.LIMIT_REACHED: "您已达到此权益的兑换上限。",
    ErrorCode.NOT_AVAILABLE: "该权益当前不可兑换。",
    ErrorCode.IDEMPOTENCY_CONFLICT: "该请求标识已用于其他请求。",
    ErrorCode.INVALID_REFERRAL_CODE: "推荐码无效、已过期或已用完。",
    ErrorCode.SELF_REFERRAL: "不能使用自己的推荐码。",
    ErrorCode.ALREADY_REVIEWED: "您已评价过该商品。",
    ErrorCode.CANNOT_CANCEL: "此兑换无法取消。",
    ErrorCode.ALREADY_ANSWERED: "您已回答过这份问卷。",
    ErrorCode.TICKET_CLOSED: "该工单已关闭，如需继续咨询请新建工单。",
    ErrorCode.SURVEY_EXPIRED: "这份问卷已过期。",
    # messages (issue 13)
    ErrorCode.INVALID_TOKEN: "链接无效、已使用或已过期。",
}

ZH_CN_FIELDS: dict[str, str] = {
    "email": "请输入有效的邮箱地址。",
    "password": "密码至少需要 10 个字符。",
    "timezone": "请使用 IANA 时区名称，例如 Asia/Shanghai。",
    "locale": "请选择语言：en 或 zh-CN。",
    "displayName": "请输入 1 至 80 个字符的昵称。",
    "birthday": "请输入真实的出生日期。",
    "amount": "请输入有效的金额（最多两位小数）。",
    "rating": "请给出 1 至 5 星的评分。",
    "subject": "请填写评价对象（1 至 200 个字符）。",
    "maxUses": "使用次数至少为 1，留空表示不限。",
    "expiresAt": "请填写一个未来的时间（含时区）。",
    # messages (issue 13)
    "newPassword": "新密码至少需要 10 个字符。",
    "newEmail": "请输入有效的邮箱地址。",
    # partner webhooks (issue 12)
    "url": "请填写 https 地址（开发环境下可使用指向本机的 http 地址）。",
    "events": "请至少选择一个事件。",
}


# Messages worded per refusal (the English template as key): more precise than the per-field ones.
ZH_CN_MESSAGES: dict[str, str] = {
    "This field is required.": "此项为必填。",
    "Use at most {max_length:,} characters.": "最多可输入 {max_length:,} 个字符。",
    validation.UNPRINTABLE: "请删除控制字符、不可见字符和文字方向控制符。",
    money.NOT_PLAIN: "请输入金额，例如 12.50：只用半角数字，最多一个小数点。",
    money.NOT_POSITIVE: "请输入大于 0 的金额。",
    money.TOO_LARGE: "金额过大：最多 {maximum}。",
    money.TOO_PRECISE: "金额最多保留 {places} 位小数。",
    money.WHOLE_ONLY: "请输入整数金额，不带小数。",
    "A purchase cannot be in the future.": "消费时间不能晚于现在。",
    "Report purchases from the last {days} days only.": "只能上报最近 {days} 天内的消费。",
}

# GraphQL errors (not userErrors) a caller can cause with a bad value: scalars and paging arguments.
ZH_CN_GRAPHQL: dict[str, str] = {
    DECIMAL_TEXT: "需要以字符串表示的十进制数：只用半角数字，最多一个小数点，例如 \"12.50\"。",
    DATE_TEXT: "需要 RFC 3339 格式的日期，例如 \"2026-12-02\"。",
    DATETIME_TEXT: "需要 RFC 3339 格式的日期时间，例如 \"2026-12-02T08:30:00+08:00\"。",
    FIRST_RANGE: FIRST_RANGE.replace("must be between 0 and", "须在 0 到").rstrip(".") + " 之间。",
    BAD_CURSOR: "游标无效：请传入本接口返回的 endCursor。",
}
_VARIABLE = re.compile(r"^Variable '\$(\w+)' has invalid value(?: at (\S+))?: (.*)$", re.DOTALL)

# Member care's own refusals.
ZH_CN_MESSAGES.update({
    "None of your orders has this id.": "您的订单中没有这个订单号。",
    "You can open at most {limit} tickets a day.": "每天最多可提交 {limit} 个工单。",
    "Give a score from 0 to {top}.": "请给出 0 至 {top} 的评分。",
    "Choose from 1 to {maximum} days.": "请选择 1 至 {maximum} 天。",
    "No such ticket.": "未找到该工单。",
    "No such survey.": "未找到该问卷。",
    "This ticket is closed; open a new one to continue.": "该工单已关闭，如需继续咨询请新建工单。",
})


# The benefits catalog's refusals (server.catalog.benefits), shown beside the console's form fields.
ZH_CN_MESSAGES.update({
    "Use 1 to 64 lower-case letters, digits and single hyphens, such as coffee-voucher.":
        "请使用 1 至 64 个小写字母、数字和单个连字符，例如 coffee-voucher。",
    "Use 1 to 40 lower-case letters, digits, hyphens or underscores, such as dining.":
        "请使用 1 至 40 个小写字母、数字、连字符或下划线，例如 dining。",
    "Use a whole number of points from 1 to {maximum:,}.": "请输入 1 至 {maximum:,} 的整数积分。",
    "Unknown tier {tier!r}; choose from {codes}.": "未知等级 {tier!r}，请从 {codes} 中选择。",
    "Use 0 to {maximum:,} units, or leave it empty (null) for unlimited.": "请输入 0 至 {maximum:,} 件，留空表示不限。",
    "Use at least 1, or leave it empty (null) for no limit.": "至少为 1，留空表示不限。",
    "The end must be after the start.": "结束时间必须晚于开始时间。",
    "{issued} units are already issued; stock cannot be lower.": "已发放 {issued} 件，库存不能低于此数。",
    "A benefit with this slug already exists; choose another or edit that one.":
        "已有使用此标识的权益，请换一个或编辑那个权益。",
})
# Console (issue 10): staff adjustments, tier overrides, birthday corrections.
ZH_CN_MESSAGES.update({
    "You can adjust at most {cap:,} points a day; {left:,} are left today.": (
        "每位员工每天最多调整 {cap:,} 积分；今天还可调整 {left:,} 积分。"
    ),
    "The birthday is set; to change it, contact support.": "生日已设置；如需更改，请联系客服。",
    "No such tier.": "没有这个等级。",
    "Choose a day after today.": "请选择今天之后的日期。",
    "Choose a day within {years} years.": "请选择 {years} 年以内的日期。",
})
ZH_CN[ErrorCode.BIRTHDAY_LOCKED] = "生日已设置；如需更改，请联系客服。"


def translate(error: DomainError, locale: str) -> str:
    if locale != "zh-CN":
        return error.message
    if error.template in ZH_CN_MESSAGES:
        return ZH_CN_MESSAGES[error.template].format(**error.params)
    if error.code is ErrorCode.INVALID_INPUT and error.field in ZH_CN_FIELDS:
        return ZH_CN_FIELDS[error.field]
    return ZH_CN.get(error.code, error.message)


def localise_graphql_error(error: GraphQLError, locale: str) -> None:
    """Word an INVALID_INPUT GraphQL error (a refused scalar value or paging argument) in ``locale``."""
    if locale != "zh-CN" or (error.extensions or {}).get("code") != "INVALID_INPUT":
        return
    variable = _VARIABLE.match(error.message)
    text = variable.group(3) if variable else error.message
    if text not in ZH_CN_GRAPHQL:
        return
    if variable is None:
        error.message = ZH_CN_GRAPHQL[text]
    else:
        name, where = variable.group(1), variable.group(2)
        error.message = f"变量 ${name}{f'（{where}）' if where else ''}的值无效：{ZH_CN_GRAPHQL[text]}"
