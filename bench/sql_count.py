"""Count the SQL statements one dashboard request costs, for a new member and one with a long history.

    .venv/bin/python bench/sql_count.py             # SQLite in a temp directory
    .venv/bin/python bench/sql_count.py --postgres  # throw-away database on PATRON_TEST_POSTGRES_URL
    .venv/bin/python bench/sql_count.py -v          # also print the statements

The whole HTTP request is counted (in-process over ASGI): the bearer-token look-up included.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="patron-sqlcount-"))
os.environ.update({"PATRON_ENV": "test", "PATRON_SECRET_KEY": secrets.token_urlsafe(48), "PATRON_VAR_DIR": str(WORK)})

import httpx  # noqa: E402
from api_bench import (  # noqa: E402
    CHECK_IN,
    DASHBOARD,
    RECORD_PURCHASE,
    SIGN_UP,
)

from server.core.database import create_scratch_postgres, drop_scratch_postgres  # noqa: E402
from tests.sqlcount import count_sql  # noqa: E402

HISTORY = 40


async def count(args: argparse.Namespace) -> None:
    from server.accounts.partners import create_partner
    from server.app import create_app
    from server.core.config import load_settings
    from server.core.database import close_db, init_db, migrate

    pg_base = os.environ.get("PATRON_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    pg_name = ""
    if args.postgres:
        pg_name, url = await create_scratch_postgres(pg_base, "patron_bench")
    else:
        url = f"sqlite://{WORK / 'count.db'}"
    os.environ["DATABASE_URL"] = url
    await migrate(url)
    await init_db(url)
    try:
        app = create_app(load_settings(), manage_db=False)
        logging.getLogger().setLevel(logging.WARNING)  # keep the report readable
        logging.getLogger("tortoise.db_client").propagate = False
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:

            async def run(query: str, variables: dict | None = None, headers: dict | None = None) -> dict:
                response = await http.post("/graphql", json={"query": query, "variables": variables or {}},
                                           headers=headers or {})
                body = response.json()
                assert response.status_code == 200 and not body.get("errors"), body
                return body["data"]

            async def member(email: str) -> dict[str, str]:
                variables = {"input": {"email": email, "password": "count-password-1", "displayName": "Count"}}
                token = (await run(SIGN_UP, variables))["signUp"]["token"]
                return {"Authorization": f"Bearer {token}"}

            _, key = await create_partner("Count Shop", ["purchases:write"])
            new, busy = await member("new@example.com"), await member("busy@example.com")
            for i in range(HISTORY):
                variables = {"input": {"memberEmail": "busy@example.com", "orderId": f"C-{i}", "amount": f"{i + 1}.00"}}
                await run(RECORD_PURCHASE, variables, {"X-Partner-Key": key})
            await run(CHECK_IN, headers=busy)

            for label, headers in (("new member (no history)", new), (f"member with {HISTORY + 1} entries", busy)):
                with count_sql() as statements:
                    data = await run(DASHBOARD, headers=headers)
                shown = len(data["viewer"]["points"]["ledger"]["edges"])
                print(f"dashboard query, {label:<26}: {len(statements)} SQL statements ({shown} ledger rows shown)")
                if args.verbose:
                    for statement in statements:
                        print("    " + " ".join(statement.split())[:160])
    finally:
        await close_db()
        if pg_name:
            await drop_scratch_postgres(pg_base, pg_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    asyncio.run(count(parser.parse_args()))


if __name__ == "__main__":
    main()
