"""Input that must be refused is refused as INVALID_INPUT, in the caller's language, changing nothing.

Money, purchase times, names and titles shown to other people, paging arguments: each hostile
value goes through HTTP. A refused field is a userError on it; a refused scalar value is a
GraphQL error whose ``extensions.code`` is INVALID_INPUT.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import httpx
import pytest

from server.core import clock
from server.models import Benefit, Member, Purchase, Review
from tests.catalog_support import UPSERT_BENEFIT, benefit_input
from tests.support import RECORD_PURCHASE, Api, Caller

REFUND = """
mutation($o: String!, $a: Decimal) {
  refundPurchase(orderId: $o, amount: $a) { pointsEarned userErrors { field code message } }
}
"""
PURCHASE_LITERAL = """
mutation { recordPurchase(input: {memberEmail: "x@example.com", orderId: "L-1", amount: "1_000"}) { pointsEarned } }
"""
UPDATE_PROFILE = """
mutation($i: UpdateProfileInput!) {
  updateProfile(input: $i) { member { displayName } userErrors { field code message } }
}
"""
SUBMIT_REVIEW = """
mutation($i: ReviewInput!) { submitReview(input: $i) { review { title body } userErrors { field code message } } }
"""
ZH = {"Accept-Language": "zh-CN"}


def _purchase(email: str, amount: object, order_id: str = "H-1", **extra: object) -> dict:
    return {"input": {"memberEmail": email, "orderId": order_id, "amount": amount, **extra}}


def _errors(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def _scalar_refusal(api: Api, query: str, variables: dict, caller: Caller) -> dict:
    response = await api.raw(query, variables, caller)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "data" not in body, body  # the operation never ran
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT", error
    return error


# -- money --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    ["1_000", "１２", "١٢", " 12.50", "12.50 ", "1e3", "-5.00", "+5", "NaN", "Infinity", "12.", ".5", "1,000.00"]
    + [12.5, 12],
)
async def test_an_amount_that_is_not_plain_decimal_text_is_refused(api: Api, amount: object) -> None:
    partner, member = await api.partner(), await api.member()

    error = await _scalar_refusal(api, RECORD_PURCHASE, _purchase(member.email or "", amount), partner)

    assert "ASCII digits" in error["message"] and "amount" in error["message"]
    assert await Purchase.all().count() == 0


async def test_a_refused_amount_is_explained_in_chinese_to_a_chinese_caller(api: Api) -> None:
    partner, member = await api.partner(), await api.member()
    caller = Caller({**partner.headers, **ZH})

    variable = await _scalar_refusal(api, RECORD_PURCHASE, _purchase(member.email or "", "1_000"), caller)
    literal = await _scalar_refusal(api, PURCHASE_LITERAL, {}, caller)

    assert variable["message"].startswith("变量 $input") and "半角数字" in variable["message"]
    assert "半角数字" in literal["message"]


async def test_a_too_large_amount_says_it_is_too_large(api: Api) -> None:
    partner, member = await api.partner(), await api.member()
    zh_partner = Caller({**partner.headers, **ZH})

    english = (await api.run(RECORD_PURCHASE, _purchase(member.email or "", "100000000.01"), partner))["recordPurchase"]
    chinese = (await api.run(RECORD_PURCHASE, _purchase(member.email or "", "9" * 40), zh_partner))["recordPurchase"]

    assert _errors(english) == [("amount", "INVALID_INPUT")]
    assert english["userErrors"][0]["message"] == "Enter an amount of at most 100,000,000."
    assert chinese["userErrors"][0]["message"] == "金额过大：最多 100,000,000。"
    assert await Purchase.all().count() == 0


async def test_more_decimals_than_the_currency_has_are_refused_and_its_places_accepted(api: Api) -> None:
    partner, member = await api.partner(), await api.member()

    refused = (await api.run(RECORD_PURCHASE, _purchase(member.email or "", "12.345"), partner))["recordPurchase"]
    accepted = await api.purchase(partner, member.email or "", "0012.50", order_id="H-2")

    assert refused["userErrors"][0]["message"] == "Use at most 2 decimal places."
    assert accepted["userErrors"] == [] and accepted["pointsEarned"] == 12
    assert [p.amount for p in await Purchase.all()] == [pytest.approx(12.5)]


async def test_a_refund_amount_goes_through_the_same_parser(api: Api) -> None:
    partner, member = await api.partner(), await api.member()
    await api.purchase(partner, member.email or "", "100.00", order_id="R-1")

    error = await _scalar_refusal(api, REFUND, {"o": "R-1", "a": "１０"}, partner)
    too_large = (await api.run(REFUND, {"o": "R-1", "a": "100000001"}, partner))["refundPurchase"]

    assert "ASCII digits" in error["message"]
    assert too_large["userErrors"][0]["message"] == "Enter an amount of at most 100,000,000."
    assert (await Purchase.get(order_id="R-1")).refunded_amount == 0


def test_the_portal_and_cli_parser_is_the_scalars_parser() -> None:
    """One parser: text typed into a form or a command line is read exactly like the API's scalar."""
    from schema.scalars import parse_decimal as scalar
    from server.core.money import check_amount, parse_decimal

    assert scalar is not None and parse_decimal("12.50") == scalar("12.50")
    for text in ("1_000", "１２", " 1", "1e3"):
        assert parse_decimal(text) is None
        with pytest.raises(Exception, match="ASCII digits"):
            check_amount(text, places=2)


@pytest.mark.parametrize(
    ("value", "english", "chinese"),
    [
        ({"birthday": "1990-02-30"}, 'Expected a date such as "2026-12-02"', "RFC 3339 格式的日期"),
        ({"birthday": "１９９０-01-01"}, 'Expected a date such as "2026-12-02"', "RFC 3339 格式的日期"),
    ],
)
async def test_a_malformed_date_is_a_coded_error_in_the_callers_language(
    api: Api, value: dict, english: str, chinese: str
) -> None:
    en_member, zh_member = await api.member(), await api.member(locale="zh-CN")

    en = await _scalar_refusal(api, UPDATE_PROFILE, {"i": value}, en_member)
    zh = await _scalar_refusal(api, UPDATE_PROFILE, {"i": value}, zh_member)

    assert english in en["message"] and chinese in zh["message"]


async def test_a_malformed_date_time_is_a_coded_error(api: Api) -> None:
    partner, member = await api.partner(), await api.member()

    variables = _purchase(member.email or "", "1.00", occurredAt="yesterday")

    error = await _scalar_refusal(api, RECORD_PURCHASE, variables, partner)

    assert "RFC 3339" in error["message"]
    assert await Purchase.all().count() == 0


# -- purchase times -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(days=-401), False),
        (timedelta(days=-399), True),
        (timedelta(minutes=4), True),
        (timedelta(minutes=6), False),
    ],
    ids=["401-days-back", "399-days-back", "4-minutes-ahead", "6-minutes-ahead"],
)
async def test_a_purchase_time_must_be_in_the_reporting_window(api: Api, offset: timedelta, accepted: bool) -> None:
    partner, member = await api.partner(), await api.member()
    when = (clock.now() + offset).isoformat()

    payload = (await api.run(RECORD_PURCHASE, _purchase(member.email or "", "10.00", occurredAt=when), partner))

    errors = payload["recordPurchase"]["userErrors"]
    assert (errors == []) is accepted, errors
    if not accepted:
        assert _errors(payload["recordPurchase"]) == [("occurredAt", "INVALID_INPUT")]
    assert await Purchase.all().count() == (1 if accepted else 0)


async def test_year_one_and_a_chinese_caller_are_told_the_window(api: Api) -> None:
    partner, member = await api.partner(), await api.member()
    zh_partner = Caller({**partner.headers, **ZH})
    ancient = _purchase(member.email or "", "10.00", occurredAt="0001-01-01T00:00:00+00:00")

    english = (await api.run(RECORD_PURCHASE, ancient, partner))["recordPurchase"]
    chinese = (await api.run(RECORD_PURCHASE, ancient, zh_partner))["recordPurchase"]

    assert english["userErrors"][0]["message"] == "Report purchases from the last 400 days only."
    assert chinese["userErrors"][0]["message"] == "只能上报最近 400 天内的消费。"


async def test_a_purchase_before_the_member_joined_is_fine_inside_the_window(api: Api) -> None:
    partner, member = await api.partner(), await api.member()
    before_joining = (clock.now() - timedelta(days=300)).isoformat()

    variables = _purchase(member.email or "", "10.00", occurredAt=before_joining)

    payload = await api.run(RECORD_PURCHASE, variables, partner)

    assert payload["recordPurchase"]["userErrors"] == []
    purchase = await Purchase.get()
    assert purchase.occurred_at < (await Member.get(email=member.email)).joined_at


# -- names and titles shown to other people -----------------------------------------------------

HOSTILE_TEXT = {
    "newline": "Li\nWei",
    "tab": "Li\tWei",
    "nul": "Li\x00Wei",
    "delete": "Li\x7fWei",
    "c1-control": "Li\x85Wei",
    "line-separator": "Li\u2028Wei",
    "paragraph-separator": "Li\u2029Wei",
    "right-to-left-override": "Li\u202eieW",
    "left-to-right-embedding": "Li\u202aWei",
    "first-strong-isolate": "Li\u2068Wei",
    "pop-isolate": "Li\u2069Wei",
    "right-to-left-mark": "Li\u200fWei",
    "zero-width-space": "Li\u200bWei",
    "zero-width-joiner": "Li\u200dWei",
    "word-joiner": "Li\u2060Wei",
    "byte-order-mark": "\ufeffLi Wei",
}
WELCOME_TEXT = ["李伟", "Zoë O'Brien", "José Martínez-López", "Ōtsuka Ai", "O’Neil", "Смирнов", "김민준"]


@pytest.mark.parametrize("name", list(HOSTILE_TEXT.values()), ids=list(HOSTILE_TEXT))
async def test_a_display_name_with_hidden_characters_is_refused(api: Api, name: str) -> None:
    signed_up = await api.run_escaped(
        "mutation($input: SignUpInput!) { signUp(input: $input) { token userErrors { field code } } }",
        {"input": {"email": "hidden@example.com", "password": "long-enough-pw", "displayName": name}},
    )
    member = await api.member(displayName="Li Wei")
    updated = await api.run_escaped(UPDATE_PROFILE, {"i": {"displayName": name}}, member)

    assert _errors(signed_up["signUp"]) == [("displayName", "INVALID_INPUT")]
    assert _errors(updated["updateProfile"]) == [("displayName", "INVALID_INPUT")]
    assert await Member.filter(email="hidden@example.com").count() == 0
    assert (await Member.get(email=member.email)).display_name == "Li Wei"


@pytest.mark.parametrize("name", WELCOME_TEXT)
async def test_names_in_any_script_with_accents_and_apostrophes_are_welcome(api: Api, name: str) -> None:
    member = await api.member(displayName=name)

    assert (await Member.get(email=member.email)).display_name == name


async def test_names_are_stored_composed_so_equal_looking_names_are_equal(api: Api) -> None:
    decomposed = "Zoe\u0308 Jose\u0301"
    member = await api.member(displayName=decomposed)

    stored = (await Member.get(email=member.email)).display_name
    assert stored == "Zoë José" == unicodedata.normalize("NFC", decomposed) and len(stored) == 8


async def test_the_refusal_is_worded_in_the_callers_language(api: Api) -> None:
    english = await api.member()
    chinese = await api.member(locale="zh-CN")

    en = (await api.run(UPDATE_PROFILE, {"i": {"displayName": "Li\u202eieW"}}, english))["updateProfile"]
    zh = (await api.run(UPDATE_PROFILE, {"i": {"displayName": "Li\u202eieW"}}, chinese))["updateProfile"]

    assert en["userErrors"][0]["message"] == "Remove control, invisible and text-direction characters."
    assert zh["userErrors"][0]["message"] == "请删除控制字符、不可见字符和文字方向控制符。"


@pytest.mark.parametrize("title", ["two\nlines", "Great\u202e!tsaoT", "Zero\u200bwidth", "tab\there"])
async def test_a_review_title_with_hidden_characters_is_refused(api: Api, title: str) -> None:
    member = await api.member()
    review = {"subject": "sku:tea", "rating": 5, "title": title, "body": "Fine."}

    payload = (await api.run(SUBMIT_REVIEW, {"i": review}, member))["submitReview"]

    assert _errors(payload) == [("title", "INVALID_INPUT")]
    assert await Review.all().count() == 0


async def test_a_review_body_keeps_its_newlines_but_not_hidden_characters(api: Api) -> None:
    member, other = await api.member(), await api.member()
    kept = {"subject": "sku:tea", "rating": 5, "title": "Good", "body": "First line.\nSecond line.\r\nThird. 好喝"}
    hidden = {"subject": "sku:mug", "rating": 5, "title": "Good", "body": "Looks fine\u2066 but is not\u2069"}

    accepted = (await api.run(SUBMIT_REVIEW, {"i": kept}, member))["submitReview"]
    refused = (await api.run(SUBMIT_REVIEW, {"i": hidden}, other))["submitReview"]

    assert accepted["userErrors"] == [] and accepted["review"]["body"] == kept["body"]
    assert _errors(refused) == [("body", "INVALID_INPUT")]


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"title": "Free\u200b coffee"}, "title"), ({"titleZh": "免费\u202e咖啡"}, "titleZh"),
     ({"description": "Hot\u2028drink"}, "description")],
)
async def test_a_benefit_title_with_hidden_characters_is_refused(api: Api, fields: dict, field: str) -> None:
    staff = await api.staff()

    payload = (await api.run(UPSERT_BENEFIT, {"input": benefit_input(**fields)}, staff))["upsertBenefit"]

    assert _errors(payload) == [(field, "INVALID_INPUT")]
    assert await Benefit.all().count() == 0


# -- paging arguments -----------------------------------------------------------------------------

CONNECTIONS = {
    "benefits": "query($f: Int, $a: String) { benefits(first: $f, after: $a) { totalCount } }",
    "reviews": 'query($f: Int, $a: String) { reviews(subject: "x", first: $f, after: $a) { totalCount } }',
    "ledger": "query($f: Int, $a: String) { viewer { points { ledger(first: $f, after: $a) { totalCount } } } }",
    "notifications": "query($f: Int, $a: String) { viewer { notifications(first: $f, after: $a) { totalCount } } }",
    "redemptions": "query($f: Int, $a: String) { viewer { redemptions(first: $f, after: $a) { totalCount } } }",
}


@pytest.mark.parametrize("connection", list(CONNECTIONS))
@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"f": -1}, "first"),
        ({"f": 101}, "first"),
        ({"f": 2**31 - 1}, "first"),
        ({"a": "not a cursor"}, "after"),
        ({"a": "b2Zmc2V0OjE="}, "after"),  # offset:1, another kind of cursor (or another list's)
        ({"a": "aWQ6OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}, "after"),  # id:99999999999999999999999, past BIGINT
        ({"a": ""}, "after"),
    ],
)
async def test_a_bad_paging_argument_is_a_coded_graphql_error(
    http: httpx.AsyncClient, api: Api, connection: str, variables: dict, field: str
) -> None:
    member = await api.member()
    query = CONNECTIONS[connection]
    if connection == "benefits" and field == "after" and variables["a"] == "b2Zmc2V0OjE=":
        variables = {"a": "aWQ6MQ=="}  # id:1 where an offset cursor belongs

    response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=member.headers)

    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": field}
    assert "Unexpected error" not in error["message"]


async def test_paging_limits_themselves_are_served_and_errors_are_worded_in_chinese(
    http: httpx.AsyncClient, api: Api
) -> None:
    chinese = await api.member(locale="zh-CN")
    query = CONNECTIONS["ledger"]

    zero = await http.post("/graphql", json={"query": query, "variables": {"f": 0}}, headers=chinese.headers)
    hundred = await http.post("/graphql", json={"query": query, "variables": {"f": 100}}, headers=chinese.headers)
    too_many = await http.post("/graphql", json={"query": query, "variables": {"f": 101}}, headers=chinese.headers)
    bad_cursor = await http.post("/graphql", json={"query": query, "variables": {"a": "x"}}, headers=chinese.headers)

    assert "errors" not in zero.json() and "errors" not in hundred.json()
    assert too_many.json()["errors"][0]["message"] == "`first` 须在 0 到 100 之间。"
    assert bad_cursor.json()["errors"][0]["message"] == "游标无效：请传入本接口返回的 endCursor。"
