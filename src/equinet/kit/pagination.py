"""One pagination convention for every list: `limit` and `offset` (or `page`), capped.

A list takes `?limit=` (1 up to the route's cap; a larger number is lowered to the cap so old
clients asking for "everything" still work) and `?offset=` (0 up to `MAX_OFFSET`), or `?page=`
(1-based, in `limit`-sized pages) where the original used pages. A malformed or negative value
is a 422. Bodies keep their shapes; every page answers with `X-Limit`, `X-Offset`,
`X-Has-More` and, when there is a next page, `Link: <...>; rel="next"`. Lists fetch one row
more than asked to know whether another page exists, so no count query is needed.
"""

# No `from __future__ import annotations`: FastAPI reads the closure's annotations, which
# refer to its arguments, at definition time.
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request, Response

# Far beyond any real list, and well inside PostgreSQL's bigint: an absurd offset is a 422.
MAX_OFFSET = 1_000_000
MAX_PAGE = 100_000

Row = TypeVar("Row")


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list the client asked for."""

    limit: int
    offset: int

    @property
    def fetch(self) -> int:
        """Rows to read: one more than the page, to see whether another page follows."""
        return self.limit + 1

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    def cut(self, rows: Sequence[Row]) -> tuple[list[Row], bool]:
        """The page's rows and whether more follow (`rows` was read with `fetch`)."""
        return list(rows[: self.limit]), len(rows) > self.limit

    def slice(self, rows: Sequence[Row]) -> tuple[list[Row], bool]:
        """The page of an already complete, bounded list (a cached body, for instance)."""
        return list(rows[self.offset : self.offset + self.limit]), len(rows) > (
            self.offset + self.limit
        )


def paginated(*, default: int, cap: int) -> Callable[..., Awaitable[PageRequest]]:
    """A dependency reading `limit`, `offset` and `page` for a list capped at `cap` rows."""

    # async: FastAPI runs a plain-function dependency in its thread pool (a thread hop).
    async def page_request(
        limit: Annotated[
            int | None, Query(ge=1, description=f"Rows per page, default {default}, at most {cap}")
        ] = None,
        offset: Annotated[int | None, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")] = (
            None
        ),
        page: Annotated[
            int | None, Query(ge=1, le=MAX_PAGE, description="1-based page (instead of offset)")
        ] = None,
    ) -> PageRequest:
        size = min(cap, limit if limit is not None else default)
        if offset is None and page is not None:
            offset = (page - 1) * size
        return PageRequest(limit=size, offset=min(offset or 0, MAX_OFFSET))

    return page_request


def page_headers(response: Response, request: Request, page: PageRequest, has_more: bool) -> None:
    """The page's headers: where it starts, its size, and the link to the next page."""
    response.headers["X-Limit"] = str(page.limit)
    response.headers["X-Offset"] = str(page.offset)
    response.headers["X-Has-More"] = "true" if has_more else "false"
    if has_more:
        params: dict[str, Any] = dict(request.query_params)
        params.pop("page", None)
        params.update(limit=page.limit, offset=page.offset + page.limit)
        response.headers["Link"] = f'<{request.url.include_query_params(**params)}>; rel="next"'


def paged(
    response: Response, request: Request, page: PageRequest, listed: tuple[list[Row], bool]
) -> list[Row]:
    """The rows of a list read for `page` (`PageRequest.cut`), with the page's headers set."""
    rows, has_more = listed
    page_headers(response, request, page, has_more)
    return rows
