"""Declaring console pages, and the console's navigation built from them.

``@staff_page("/staff/members", nav=N_("Members"), order=20)`` registers a page readable by
staff and analysts and puts it in the console's navigation; ``act=True`` makes a page (usually a
POST action) staff-only. Every console response is marked ``no-store`` (``portal.routing``):
back-office data never sits in a browser or proxy cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.responses import Response

from portal.routing import page
from portal.visit import Visit

Handler = Callable[[Visit], Awaitable[Response]]


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str  # an English msgid marked with N_(); translated when shown
    order: int


NAV: list[NavItem] = []


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name: mark for extraction)
    return message


def staff_page(
    path: str,
    *,
    methods: Sequence[str] = ("GET",),
    act: bool = False,
    nav: str | None = None,
    order: int = 100,
    name: str | None = None,
) -> Callable[[Handler], Handler]:
    """Register a console page; ``act=True``: staff only (analysts get 403), else staff and analysts."""

    def decorate(handler: Handler) -> Handler:
        page(path, methods=methods, role="staff" if act else "reader", name=name or f"staff_{handler.__name__}")(
            handler
        )
        if nav is not None:
            NAV.append(NavItem(path, nav, order))
            NAV.sort(key=lambda item: (item.order, item.href))
        return handler

    return decorate


def nav_items() -> list[NavItem]:
    return list(NAV)
