"""The profile's "Download my data" and "Delete my account" pages (plain HTTP, no JavaScript)."""

from __future__ import annotations

import json

import httpx

from server.models import Member
from tests.portal_support import PASSWORD, csrf_of, join, page_token


async def test_the_profile_offers_the_download_and_the_deletion(http: httpx.AsyncClient) -> None:
    await join(http, email="me@example.com")
    profile = await http.get("/profile")
    assert 'href="/profile/data.json"' in profile.text and 'href="/profile/delete"' in profile.text


async def test_download_my_data_is_a_json_file_of_my_own_data(http: httpx.AsyncClient) -> None:
    await join(http, email="me@example.com", name="Chen Jing")
    response = await http.get("/profile/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith('attachment; filename="patron-my-data-')
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.content)
    assert data["profile"]["email"] == "me@example.com" and data["profile"]["displayName"] == "Chen Jing"
    assert set(data) >= {
        "ledger", "redemptions", "reviews", "referrals", "tickets", "surveys", "messagePreferences", "purchases"
    }


async def test_signed_out_visitors_are_sent_to_log_in(http: httpx.AsyncClient) -> None:
    for path in ("/profile/data.json", "/profile/delete"):
        response = await http.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


async def test_deleting_needs_the_box_ticked_and_the_right_password(http: httpx.AsyncClient) -> None:
    await join(http, email="me@example.com")
    token = await page_token(http, "/profile/delete")

    unticked = await http.post("/profile/delete", data={"csrf_token": token, "password": PASSWORD})
    assert unticked.status_code == 422 and "Tick the box" in unticked.text

    wrong = await http.post(
        "/profile/delete", data={"csrf_token": token, "password": "wrong-password-9", "understood": "yes"}
    )
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text
    assert await Member.exists(email="me@example.com")

    forged = await http.post("/profile/delete", data={"password": PASSWORD, "understood": "yes"})
    assert forged.status_code == 403
    assert await Member.exists(email="me@example.com")


async def test_deleting_signs_out_and_the_address_can_join_again(http: httpx.AsyncClient) -> None:
    await join(http, email="me@example.com")
    page = await http.get("/profile/delete")
    assert "This cannot be undone" in page.text
    done = await http.post(
        "/profile/delete", data={"csrf_token": csrf_of(page.text), "password": PASSWORD, "understood": "yes"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/"
    home = await http.get("/")
    assert "Your account is deleted" in home.text
    assert (await http.get("/profile")).status_code == 303  # signed out

    login = await http.get("/login")
    refused = await http.post(
        "/login", data={"csrf_token": csrf_of(login.text), "email": "me@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 422
    await join(http, email="me@example.com")  # the address is free again


async def test_the_deletion_page_speaks_chinese(http: httpx.AsyncClient) -> None:
    await join(http, email="me@example.com")
    token = await page_token(http, "/profile")
    await http.post("/language", data={"csrf_token": token, "locale": "zh-CN", "next": "/profile/delete"})
    page = await http.get("/profile/delete")
    assert "删除我的账户" in page.text and "此操作无法撤销" in page.text
    assert "下载我的数据" in (await http.get("/profile")).text
