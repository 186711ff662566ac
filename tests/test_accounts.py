"""Accounts: sign-up validation, log-in, tokens, log-out and profile changes."""

from __future__ import annotations

from tests.support import SIGN_UP, Api

VIEWER = "{ viewer { email displayName timezone locale role tier { code } } }"
LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { token member { email } userErrors { field code message } }
}
"""
LOG_OUT = "mutation { logOut { ok userErrors { code } } }"


async def test_sign_up_then_viewer_sees_own_account(api: Api) -> None:
    caller = await api.member("Li.Wei@Example.com", timezone="Europe/Paris", locale="zh-CN")

    data = await api.run(VIEWER, caller=caller)

    assert data["viewer"] == {
        "email": "li.wei@example.com",
        "displayName": "Li Wei",
        "timezone": "Europe/Paris",
        "locale": "zh-CN",
        "role": "MEMBER",
        "tier": {"code": "silver"},
    }


async def test_sign_up_refuses_bad_input_with_the_field_at_fault(api: Api) -> None:
    cases = [
        ({"email": "not-an-email"}, "email", "INVALID_INPUT"),
        ({"password": "short"}, "password", "INVALID_INPUT"),
        ({"timezone": "Mars/Olympus"}, "timezone", "INVALID_INPUT"),
        ({"locale": "fr"}, "locale", "INVALID_INPUT"),
        ({"displayName": "   "}, "displayName", "INVALID_INPUT"),
    ]
    for override, field, code in cases:
        variables = {"email": "ok@example.com", "password": "long-enough-pw", "displayName": "Ok", **override}
        data = await api.run(SIGN_UP, {"input": variables})
        assert data["signUp"]["token"] is None
        assert [(e["field"], e["code"]) for e in data["signUp"]["userErrors"]] == [(field, code)]
    # Nothing was half-created by the refusals.
    variables = {"email": "ok@example.com", "password": "long-enough-pw", "displayName": "Ok"}
    again = await api.run(SIGN_UP, {"input": variables})
    assert again["signUp"]["userErrors"] == []


async def test_email_is_unique_case_insensitively(api: Api) -> None:
    await api.member("dup@example.com")
    variables = {"email": "DUP@example.com", "password": "long-enough-pw", "displayName": "X"}
    data = await api.run(SIGN_UP, {"input": variables})
    assert [(e["field"], e["code"]) for e in data["signUp"]["userErrors"]] == [("email", "EMAIL_TAKEN")]


async def test_log_in_issues_a_new_token_and_wrong_credentials_look_alike(api: Api) -> None:
    await api.member("login@example.com", password="the-right-password")

    ok = (await api.run(LOG_IN, {"email": "login@example.com", "password": "the-right-password"}))["logIn"]
    wrong_pw = (await api.run(LOG_IN, {"email": "login@example.com", "password": "the-wrong-password"}))["logIn"]
    no_user = (await api.run(LOG_IN, {"email": "nobody@example.com", "password": "the-wrong-password"}))["logIn"]

    assert ok["token"] and ok["member"]["email"] == "login@example.com"
    assert wrong_pw["userErrors"][0]["code"] == no_user["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    assert wrong_pw["userErrors"][0]["message"] == no_user["userErrors"][0]["message"]


async def test_log_out_revokes_the_token_server_side(api: Api) -> None:
    caller = await api.member()
    assert (await api.run(VIEWER, caller=caller))["viewer"] is not None

    assert (await api.run(LOG_OUT, caller=caller))["logOut"] == {"ok": True, "userErrors": []}

    assert (await api.run(VIEWER, caller=caller))["viewer"] is None
    again = (await api.run(LOG_OUT, caller=caller))["logOut"]
    assert again["userErrors"][0]["code"] == "NOT_AUTHENTICATED"


UPDATE_PROFILE = """
mutation Update($input: UpdateProfileInput!) {
  updateProfile(input: $input) { member { displayName timezone locale } userErrors { field code } }
}
"""


async def test_tokens_are_stored_hashed_and_expire_after_thirty_days(api: Api) -> None:
    from datetime import timedelta

    from server.accounts import tokens
    from server.core import clock
    from server.models import AuthToken

    caller = await api.member()
    token = caller.headers["Authorization"].removeprefix("Bearer ")
    row = await AuthToken.get(member__email=caller.email)

    assert len(token) >= 22 and row.token_hash == tokens.digest(token) and token not in row.token_hash
    with clock.travel(row.created_at + timedelta(days=29, hours=23)):
        assert (await api.run(VIEWER, caller=caller))["viewer"] is not None
    with clock.travel(row.created_at + timedelta(days=30, seconds=1)):
        assert (await api.run(VIEWER, caller=caller))["viewer"] is None


async def test_each_log_in_issues_a_new_token(api: Api) -> None:
    await api.member("twice@example.com", password="the-right-password")
    variables = {"email": "twice@example.com", "password": "the-right-password"}

    first = (await api.run(LOG_IN, variables))["logIn"]["token"]
    second = (await api.run(LOG_IN, variables))["logIn"]["token"]

    assert first and second and first != second


async def test_update_profile_changes_only_what_is_given_and_validates(api: Api) -> None:
    caller = await api.member(timezone="Asia/Shanghai")

    ok = (await api.run(UPDATE_PROFILE, {"input": {"displayName": "Wei", "locale": "zh-cn"}}, caller))["updateProfile"]
    bad = (await api.run(UPDATE_PROFILE, {"input": {"timezone": "Moon/Base"}}, caller))["updateProfile"]
    anonymous = (await api.run(UPDATE_PROFILE, {"input": {"displayName": "X"}}))["updateProfile"]

    assert ok == {"member": {"displayName": "Wei", "timezone": "Asia/Shanghai", "locale": "zh-CN"}, "userErrors": []}
    assert bad["userErrors"] == [{"field": "timezone", "code": "INVALID_INPUT"}]
    assert anonymous["userErrors"] == [{"field": None, "code": "NOT_AUTHENTICATED"}]


async def test_text_utf8_cannot_encode_is_a_user_error_not_a_server_error(api: Api) -> None:
    # JSON may carry lone surrogates ("\ud800"); no database or password hasher accepts them.
    good = {"email": "ok@example.com", "password": "long-enough-pw", "displayName": "Ok"}
    cases = [({"displayName": "Li\ud800"}, "displayName"), ({"email": "li\ud800@example.com"}, "email"),
             ({"password": "long-enough-pw\ud800"}, "password"), ({"email": "li\x00@example.com"}, "email")]
    for override, field in cases:
        payload = (await api.run_escaped(SIGN_UP, {"input": {**good, **override}}))["signUp"]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, "INVALID_INPUT")], override
        assert payload["token"] is None
    caller = await api.member("li@example.com")

    wrong_email = (await api.run_escaped(LOG_IN, {"email": "li\ud800@example.com", "password": "x"}))["logIn"]
    wrong_password = (await api.run_escaped(LOG_IN, {"email": caller.email, "password": "pw\ud800"}))["logIn"]
    renamed = await api.run_escaped(
        "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { userErrors { field code } } }",
        {"i": {"displayName": "Li\ud800"}},
        caller,
    )

    assert [e["code"] for e in wrong_email["userErrors"]] == ["INVALID_CREDENTIALS"]
    assert [e["code"] for e in wrong_password["userErrors"]] == ["INVALID_CREDENTIALS"]
    assert renamed["updateProfile"]["userErrors"] == [{"field": "displayName", "code": "INVALID_INPUT"}]
    assert (await api.run(VIEWER, caller=caller))["viewer"]["displayName"] == "Li Wei"
