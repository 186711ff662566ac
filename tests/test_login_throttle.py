"""Log-in back-off: exponential after five failures for one e-mail, never a permanent lock-out."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from server.core import clock
from server.models import LoginThrottle
from tests.points_support import utc
from tests.support import Api

LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { token member { email } userErrors { field code message } }
}
"""

EMAIL = "throttled@example.com"
PASSWORD = "the-right-password"
T0 = utc(2026, 9, 1, 8)


async def log_in(api: Api, password: str, email: str = EMAIL) -> dict:
    return (await api.run(LOG_IN, {"email": email, "password": password}))["logIn"]


def code(payload: dict) -> str | None:
    return payload["userErrors"][0]["code"] if payload["userErrors"] else None


async def fail(api: Api, times: int) -> list[str | None]:
    return [code(await log_in(api, "a-wrong-password")) for _ in range(times)]


async def test_five_failures_start_an_exponential_back_off(api: Api) -> None:
    await api.member(EMAIL, password=PASSWORD)
    with clock.travel(T0):
        assert await fail(api, 5) == ["INVALID_CREDENTIALS"] * 5
        blocked = await log_in(api, "a-wrong-password")
        correct_but_blocked = await log_in(api, PASSWORD)

    assert code(blocked) == code(correct_but_blocked) == "RATE_LIMITED"
    assert correct_but_blocked["token"] is None and correct_but_blocked["userErrors"][0]["field"] == "email"
    waits = []
    for step in range(1, 4):
        # Each further failure after the wait doubles it: 1 s, then 2 s, 4 s, 8 s.
        with clock.travel(T0 + timedelta(minutes=step)):
            assert await fail(api, 1) == ["INVALID_CREDENTIALS"]
            row = await LoginThrottle.get(email=EMAIL)
            waits.append((row.blocked_until - row.last_failure_at).total_seconds())
            assert code(await log_in(api, PASSWORD)) == "RATE_LIMITED"
    assert waits == [2, 4, 8]
    assert (await LoginThrottle.get(email=EMAIL)).failures == 8


async def test_success_after_the_wait_resets_the_count(api: Api) -> None:
    await api.member(EMAIL, password=PASSWORD)
    with clock.travel(T0):
        await fail(api, 5)
    with clock.travel(T0 + timedelta(seconds=30)):
        ok = await log_in(api, PASSWORD)
        assert ok["token"] and ok["member"]["email"] == EMAIL
        assert (await LoginThrottle.get(email=EMAIL)).failures == 0
        # Four fresh failures are free again.
        assert await fail(api, 4) == ["INVALID_CREDENTIALS"] * 4
        assert (await log_in(api, PASSWORD))["token"]


async def test_other_emails_are_not_slowed(api: Api) -> None:
    await api.member(EMAIL, password=PASSWORD)
    await api.member("bystander@example.com", password=PASSWORD)
    with clock.travel(T0):
        await fail(api, 6)
        assert code(await log_in(api, PASSWORD)) == "RATE_LIMITED"
        other = await log_in(api, PASSWORD, "Bystander@Example.com")
    assert other["token"] and other["userErrors"] == []


async def test_unknown_emails_are_throttled_like_known_ones(api: Api) -> None:
    # Otherwise the throttle itself would reveal which addresses have accounts.
    with clock.travel(T0):
        assert [code(await log_in(api, "whatever-password", "ghost@example.com")) for _ in range(6)] == [
            "INVALID_CREDENTIALS"
        ] * 5 + ["RATE_LIMITED"]


async def test_auth_events_are_logged_without_password_or_token(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    await api.member(EMAIL, password=PASSWORD)
    caplog.set_level(logging.INFO, logger="patron.auth")

    wrong = await log_in(api, "a-wrong-password-xyz")
    right = await log_in(api, PASSWORD)

    assert code(wrong) == "INVALID_CREDENTIALS" and right["token"]
    messages = [r.getMessage() for r in caplog.records if r.name == "patron.auth"]
    assert any("log-in failed" in m for m in messages)
    assert any(m.startswith("log-in member=") for m in messages)
    text = caplog.text
    for secret in (PASSWORD, "a-wrong-password-xyz", right["token"], EMAIL):
        assert secret not in text


async def test_failures_are_forgotten_after_a_quiet_day(api: Api) -> None:
    await api.member(EMAIL, password=PASSWORD)
    with clock.travel(T0):
        await fail(api, 7)
    with clock.travel(T0 + timedelta(hours=25)):
        assert await fail(api, 1) == ["INVALID_CREDENTIALS"]
        assert (await LoginThrottle.get(email=EMAIL)).failures == 1
        # Not slowed: the count restarted, so the next attempts are free again.
        assert code(await log_in(api, "another-wrong-one")) == "INVALID_CREDENTIALS"


async def test_a_burst_of_parallel_guesses_gets_only_the_free_attempts(api: Api) -> None:
    # Counting each attempt before checking the password means parallel guesses cannot all
    # slip through before the first failure is recorded.
    await api.member(EMAIL, password=PASSWORD)

    results = await asyncio.gather(*(log_in(api, f"guess-number-{n}") for n in range(20)))

    outcomes = [code(r) for r in results]
    assert outcomes.count("INVALID_CREDENTIALS") == 5 and outcomes.count("RATE_LIMITED") == 15
    assert (await LoginThrottle.get(email=EMAIL)).failures == 5
