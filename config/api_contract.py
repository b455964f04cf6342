"""The API's contract (docs/deploy.md, "The API's contract"): one error schema for every refusal,
bounded numbers, and every status a path can answer listed in the OpenAPI document.

- `ErrorOut` is the body of every error: `{"code", "message_zh", "message_en"}` plus `field` when one
  parameter is at fault (and whatever extra keys a refusal carries, e.g. `limit_bytes`).
- Numbers are bounded where they are declared: `Offset`, `Limit`, `Id` (and `BoundedPagination` for
  list endpoints) answer 422 naming the field instead of reaching the database (an OFFSET past
  SQLite's or PostgreSQL's 64-bit integers was a 500).
- `document_errors(api)` adds the statuses every operation can answer (400, 403, 404, 409, 413, 422,
  and 401 where a login is needed) with `ErrorOut`, so a response never has an undocumented status.
"""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Path, Query, Schema
from ninja.constants import NOT_SET
from ninja.pagination import LimitOffsetPagination

from config.params import MAX_ID  # the bound the pages use too (config/params.py)

MAX_OFFSET = 100_000
MAX_LIMIT = 200  # a gallery page
MAX_PAGE = 1000  # a page of a list endpoint (the whole federation's 459 libraries fit in one)


class ErrorOut(Schema):
    code: str = Field(..., description="stable reason code (e.g. invalid_input, login_required, not_found)")
    message_zh: str
    message_en: str
    field: str | None = Field(None, description="the parameter at fault, when there is one")

    model_config = {"extra": "allow"}


Id = Annotated[int, Path(..., ge=1, le=MAX_ID, description=f"1…{MAX_ID}")]
Offset = Annotated[int, Query(0, ge=0, le=MAX_OFFSET, description=f"0…{MAX_OFFSET}")]
Limit = Annotated[int, Query(60, ge=1, le=MAX_LIMIT, description=f"1…{MAX_LIMIT}")]


class BoundedPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE, description=f"1…{MAX_PAGE}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"0…{MAX_OFFSET}")


ERROR_STATUSES = (400, 403, 404, 409, 413, 422)


def document_errors(routers) -> None:
    """List the error statuses on every operation of `routers` (before the API binds them)."""
    for router in routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                statuses = list(ERROR_STATUSES)
                router_auth = getattr(router, "auth", NOT_SET)
                inherits = operation.auth_param is NOT_SET and router_auth not in (NOT_SET, None)
                if operation.auth_callbacks or inherits:
                    statuses.append(401)
                models = operation.response_models
                for status in statuses:
                    if status not in models:
                        models[status] = operation._create_response_model(ErrorOut)
