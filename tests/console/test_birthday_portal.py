"""The portal profile: a member sets their birthday once; then the field is read-only and a change is refused."""

from __future__ import annotations

from datetime import date

import httpx

from server.models import Member
from tests.portal_support import csrf_of, join


async def test_the_birthday_is_set_once_then_read_only(http: httpx.AsyncClient) -> None:
    email = await join(http)
    blank = await http.get("/profile")
    assert 'name="birthday"' in blank.text and "readonly" not in blank.text.split('name="birthday"')[1][:200]
    form = {"csrf_token": csrf_of(blank.text), "displayName": "Li Wei", "timezone": "Asia/Shanghai", "locale": "en"}
    assert (await http.post("/profile", data={**form, "birthday": "1992-06-15"})).status_code == 303
    locked = await http.get("/profile")
    field = locked.text.split('name="birthday"')[1][:300]
    assert 'value="1992-06-15"' in field and 'readonly="readonly"' in field
    assert "Your birthday is set. To correct it, contact support." in locked.text
    # The read-only field is sent back unchanged: the rest of the form still saves.
    renamed = await http.post("/profile", data={**form, "displayName": "Li W", "birthday": "1992-06-15"})
    tampered = await http.post("/profile", data={**form, "birthday": "1993-06-15"})
    assert renamed.status_code == 303
    assert tampered.status_code == 422
    assert "Your birthday is already set. To correct it, contact support." in tampered.text
    member = await Member.get(email=email)
    assert (member.birthday, member.display_name) == (date(1992, 6, 15), "Li W")
