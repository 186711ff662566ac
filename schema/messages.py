"""User-error messages in the caller's locale.

Services word their refusals in English with specifics (amounts, limits); for zh-CN callers a
translated message per code (and field, where it matters) replaces them.
"""

from __future__ import annotations

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
}


def translate(error: DomainError, locale: str) -> str:
    if locale != "zh-CN":
        return error.message
    if error.code is ErrorCode.INVALID_INPUT and error.field in ZH_CN_FIELDS:
        return ZH_CN_FIELDS[error.field]
    return ZH_CN.get(error.code, error.message)
