"""Browser-test helpers: join through the UI, set up data over the API, screenshots, axe-core."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import httpx
from axe_playwright_python.async_playwright import Axe

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_SUMMARY = ARTIFACTS / "axe-summary.json"
PASSWORD = "correct-horse-battery"
WIDTHS = (375, 1280)
_counter = itertools.count(1)
_axe = Axe()

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token member { referral { code shareUrl } } userErrors { code } }
}
"""
PURCHASE = """
mutation Buy($input: PurchaseInput!) { recordPurchase(input: $input) { pointsEarned userErrors { code } } }
"""


def unique_email(prefix: str = "browser") -> str:
    return f"{prefix}{next(_counter)}-{id(_counter) % 9973}@example.com"


async def join(page, *, name: str = "Mei Lin", email: str | None = None, ref: str | None = None) -> str:
    """Sign up through the form (prefilled by ``?ref=`` when given); ends on the dashboard."""
    email = email or unique_email()
    await page.goto(f"/signup?ref={ref}" if ref else "/signup")
    await page.get_by_label("Your name").fill(name)
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create my account").click()
    await page.wait_for_url("**/dashboard")
    return email


async def api(server, query: str, variables: dict, headers: dict | None = None) -> dict:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


async def api_member(server, name: str = "Ann Referrer") -> dict:
    """A member made over the API (not through the browser): their e-mail and referral link."""
    email = unique_email("api")
    data = await api(server, SIGN_UP, {"input": {"email": email, "password": PASSWORD, "displayName": name}})
    assert data["signUp"]["userErrors"] == []
    return {"email": email, **data["signUp"]["member"]["referral"]}


async def purchase(server, email: str, amount: str, order: str | None = None) -> int:
    data = await api(
        server,
        PURCHASE,
        {"input": {"memberEmail": email, "orderId": order or f"order-{next(_counter)}", "amount": amount}},
        {"X-Partner-Key": server.partner_key},
    )
    assert data["recordPurchase"]["userErrors"] == [], data
    return data["recordPurchase"]["pointsEarned"]


async def shoot(page, name: str) -> list[Path]:
    """Save full-page screenshots of the current page at phone and desktop widths."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900 if width > 400 else 812})
        path = SCREENSHOTS / f"{name}-{width}.png"
        await page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    await page.set_viewport_size({"width": 1280, "height": 900})
    return paths


async def check_axe(page, name: str) -> dict:
    """Run axe-core (shipped with axe-playwright-python) at both widths: no serious or critical violations."""
    summary: dict[str, list] = {}
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        results = await _axe.run(page)
        violations = results.response["violations"]
        summary[str(width)] = [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in violations
        ]
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], f"{name} at {width}px:\n{results.generate_report()}"
    await page.set_viewport_size({"width": 1280, "height": 900})
    _record_axe(name, summary)
    return summary


def _record_axe(name: str, summary: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = json.loads(AXE_SUMMARY.read_text()) if AXE_SUMMARY.exists() else {}
    data[name] = summary
    AXE_SUMMARY.write_text(json.dumps(data, indent=2, sort_keys=True))
