# SPDX-License-Identifier: EUPL-1.2
"""Pagination of long lists: ``?pagina=&per_pagina=`` with links to the other pages.

Links are root-relative (``/api/v1/gebieden?pagina=2&per_pagina=100``) and keep every other
query parameter, so a client follows ``links.next`` until it is ``null``. A page after the
last one is an empty page, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query, Request
from pydantic import Field

from veiligstad.web.api.responses import Resource

DEFAULT_SIZE = 100
MAX_SIZE = 500


class Page(Resource):
    """Where this page is in the list."""

    number: int = Field(description="Paginanummer, vanaf 1.")
    size: int = Field(description="Maximaal aantal items per pagina.")
    total_items: int
    total_pages: int


class PageLinks(Resource):
    """Links to this page and its neighbours (``null`` when there is none)."""

    self: str
    first: str
    prev: str | None
    next: str | None
    last: str


@dataclass(frozen=True)
class Paging:
    """The requested page."""

    number: int
    size: int


def paging(
    pagina: Annotated[int, Query(ge=1, description="Paginanummer, vanaf 1.")] = 1,
    per_pagina: Annotated[
        int, Query(ge=1, le=MAX_SIZE, description=f"Items per pagina (maximaal {MAX_SIZE}).")
    ] = DEFAULT_SIZE,
) -> Paging:
    """The ``pagina`` and ``per_pagina`` query parameters."""
    return Paging(number=pagina, size=per_pagina)


def _link(request: Request, number: int, size: int) -> str:
    url = request.url.include_query_params(pagina=number, per_pagina=size)
    return f"{url.path}?{url.query}"


def paginate(request: Request, total: int, requested: Paging) -> tuple[slice, Page, PageLinks]:
    """Which of ``total`` rows are on the requested page, where it is and links to the others."""
    pages = max(1, -(-total // requested.size))
    start = min((requested.number - 1) * requested.size, total)
    rows = slice(start, min(start + requested.size, total))
    number, size = requested.number, requested.size
    links = PageLinks(
        self=_link(request, number, size),
        first=_link(request, 1, size),
        prev=_link(request, min(number - 1, pages), size) if number > 1 else None,
        next=_link(request, number + 1, size) if number < pages else None,
        last=_link(request, pages, size),
    )
    return rows, Page(number=number, size=size, total_items=total, total_pages=pages), links
