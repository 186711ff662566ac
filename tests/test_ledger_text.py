"""Ledger descriptions follow the reader's language; the stored English stays the record."""

from __future__ import annotations

from server.models import LedgerEntry
from server.points.ledger_text import TEMPLATES, describe
from tests.support import Api

HISTORY = "{ viewer { points { ledger { edges { node { kind description } } } } } }"
CHECK_IN = "mutation { checkIn { userErrors { code } } }"


async def _history(api: Api, caller) -> dict[str, str]:
    edges = (await api.run(HISTORY, caller=caller))["viewer"]["points"]["ledger"]["edges"]
    return {edge["node"]["kind"]: edge["node"]["description"] for edge in edges}


async def test_a_chinese_reader_sees_chinese_descriptions_and_an_english_one_english(api: Api) -> None:
    partner = await api.partner(["purchases:write"], name="Harbour Café")
    chinese = await api.member(locale="zh-CN")
    english = await api.member(locale="en")
    for caller in (chinese, english):
        await api.purchase(partner, caller.email, "12.00", order_id=f"A-{caller.email}")
        await api.run(CHECK_IN, caller=caller)

    zh, en = await _history(api, chinese), await _history(api, english)

    assert zh["PURCHASE"] == f"在Harbour Café消费（订单 A-{chinese.email}）"
    assert zh["CHECK_IN"].startswith("每日签到（")
    assert en["PURCHASE"] == f"Purchase A-{english.email} at Harbour Café"
    assert en["CHECK_IN"].startswith("Daily check-in (")
    # The stored description is the English sentence, whoever reads it later.
    stored = await LedgerEntry.filter(kind="PURCHASE").values_list("description", flat=True)
    assert sorted(stored) == sorted(f"Purchase A-{c.email} at Harbour Café" for c in (chinese, english))


def test_entries_without_a_note_show_what_was_stored() -> None:
    assert describe("Migrated balance", None, "zh-CN") == "Migrated balance"
    assert describe("Old", {"key": "no-such-key"}, "zh-CN") == "Old"


def test_every_note_has_english_and_chinese() -> None:
    assert all(set(locales) == {"en", "zh-CN"} for locales in TEMPLATES.values())
