"""A member's data rights: a copy of everything kept about them, and erasing their account.

Each domain knows what it keeps, so each registers a *part* in its own module
``server/<domain>/member_data.py`` (imported by :func:`parts`, like jobs)::

    from server.accounts.data_rights import data_part

    @data_part("reviews", order=40)
    class Reviews:
        async def export(member: Member) -> list[dict]: ...   # JSON-ready data, under "reviews"
        async def erase(member: Member) -> None: ...          # inside the erasing transaction

``export`` returns what goes into the member's download under the part's name (plain JSON
values; dates as ISO strings, money as strings; never a secret such as a token hash).
Parts export in ``order`` (the profile, order 0, comes first) and erase in the reverse order,
all inside the one transaction of :func:`delete_account`: the account itself is anonymised
last, so every other part may still read the member's e-mail. ``erase`` must leave
programme figures right: ledger entries, balances, redemptions and purchases stay, tied to
the anonymised member row.

Erasing keeps the member row (under a new, meaningless address, name "Former member", no
password, birthday or consent), so totals, KPIs and every foreign key stay consistent while
nothing identifies the person; the e-mail address is free to sign up again.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from server.accounts import addresses, sessions
from server.core import clock
from server.core.plain import plain
from server.models import Member

FORMAT = "patron-member-data/1"


@dataclass(frozen=True)
class DataPart:
    name: str
    export: Callable[[Member], Awaitable[Any]]
    erase: Callable[[Member], Awaitable[None]] | None
    order: int


_PARTS: dict[str, DataPart] = {}
_loaded = False


def data_part(name: str, *, order: int = 50):  # type: ignore[no-untyped-def]
    """Register the class below as the ``name`` part (its ``export`` and optional ``erase``)."""

    def decorate(cls):  # type: ignore[no-untyped-def]
        _PARTS[name] = DataPart(name, cls.export, getattr(cls, "erase", None), order)
        return cls

    return decorate


def parts() -> list[DataPart]:
    """Every domain's part, in order (imports ``server.<domain>.member_data`` modules once)."""
    global _loaded
    if not _loaded:
        import server

        for module in pkgutil.iter_modules(server.__path__):
            if module.ispkg:
                try:
                    importlib.import_module(f"server.{module.name}.member_data")
                except ModuleNotFoundError as exc:
                    if exc.name != f"server.{module.name}.member_data":
                        raise
        _loaded = True
    return sorted(_PARTS.values(), key=lambda part: (part.order, part.name))


async def export_data(member: Member) -> dict[str, Any]:
    """Everything Patron keeps about ``member``, as one JSON-ready object."""
    data: dict[str, Any] = {"format": FORMAT, "exportedAt": clock.now().isoformat()}
    for part in parts():
        data[part.name] = plain(await part.export(member))
    return data


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


async def delete_account(member_id: int, password: str) -> None:
    """Erase the member's personal data now (``password`` confirms); every token and session ends.

    One transaction: each domain's ``erase`` then the account's own; a failure changes nothing.
    Raises INVALID_CREDENTIALS (field ``password``) for a wrong password, RATE_LIMITED after many.
    """
    from server.audit import record

    member = await Member.get(id=member_id)
    await addresses.check_password_of(member, password, "password")
    async with in_transaction():
        member = await Member.select_for_update().get(id=member_id)
        if member.erased_at is not None:
            return
        for part in reversed(parts()):  # the account itself last
            if part.erase is not None:
                await part.erase(member)
        await record(
            member, "account.delete", target_type="member", target_id=member.id, member_id=member.id,
            reason="deleted by the member",
        )
    sessions.forget(member_id=member_id)
