"""Every error answer as a :class:`kiosk_app.contract.Problem` with words in English and
Kiswahili, FastAPI's own (422 validation, 404 unknown path, 405) included.

    raise ProblemError(404, "not_found", "We have no ...", "Hatuna ...")

``responses(401, 404)`` documents the errors a route may answer with, for the OpenAPI.

No personal data goes into a Problem: a refused field is named with what was wrong, never with
the value that was sent. Nothing here blocks.
"""
from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from kiosk_app import contract

log = logging.getLogger(__name__)


class ProblemError(Exception):
    """An answer that is not a success: status, stable code, words for a person."""

    def __init__(self, status: int, code: str, en: str, sw: str, *,
                 fields: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.text = contract.Text(en=en, sw=sw)
        self.fields = fields or {}
        self.headers = headers or {}

    def problem(self) -> contract.Problem:
        return contract.Problem(status=self.status, code=self.code, message=self.text,
                                fields=self.fields)

    def response(self) -> JSONResponse:
        return JSONResponse(self.problem().model_dump(mode="json"), status_code=self.status,
                            headers=self.headers)


def refused_body(fields: dict[str, str]) -> ProblemError:
    """422 for a body whose fields do not fit; ``fields`` says which and why (in English)."""
    return ProblemError(
        422, "invalid_body",
        "Some details are missing or not right. Check them and try again.",
        "Baadhi ya maelezo hayapo au si sahihi. Yaangalie kisha ujaribu tena.",
        fields=fields)


_DESCRIPTIONS = {
    400: "The request cannot be read.",
    401: "No device token, or one the backend does not know.",
    403: "This device or key may not do this.",
    404: "No such thing here.",
    409: "It conflicts with what the backend already holds.",
    422: "The body, a header or a parameter does not fit (`fields` says which and why).",
    423: "Locked for a while: `message` says until when; `Retry-After` gives seconds.",
    500: "The backend failed.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for routes that may answer with these Problems."""
    return {status: {"model": contract.Problem, "description": _DESCRIPTIONS[status]}
            for status in statuses}


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def refuse_unknown_query(request: Request) -> None:
    """A dependency for every route: a query parameter the route does not take is refused, as
    an unknown field of a body is (the contract's bodies forbid extra fields)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = {param.alias for param in _query_params(dependant)}
    unknown = [name for name in request.query_params if name not in allowed]
    if unknown:
        raise refused_body({f"query.{name[:40]}": "this address takes no such parameter"
                            for name in unknown})


def _query_params(dependant: Any) -> list[Any]:
    params = list(dependant.query_params)
    for sub in dependant.dependencies:
        params += _query_params(sub)
    return params


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _scope = route.matches({**request.scope, "method": next(iter(route.methods))})
            if match is Match.FULL:
                methods |= route.methods
    return sorted(methods)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_request: Request, err: ProblemError) -> JSONResponse:
        return err.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        # pydantic's ``msg`` names the rule, never the value sent (which may be personal data).
        fields: dict[str, str] = {}
        for error in err.errors():
            fields.setdefault(_location(error.get("loc", ())), str(error.get("msg", "invalid")))
        return refused_body(fields).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        if err.status_code == 400:
            problem = ProblemError(400, "unreadable_request",
                                   "The request cannot be read: its body is not JSON.",
                                   "Ombi haliwezi kusomwa: maudhui yake si JSON.")
        elif err.status_code == 404:
            problem = ProblemError(404, "not_found", "There is nothing at this address.",
                                   "Hakuna kitu kwenye anwani hii.")
        elif err.status_code == 405:
            # Every method this path takes, across its routes (Starlette names only the first
            # route that matched the path).
            allowed = _allowed_methods(app, request)
            problem = ProblemError(405, "method_not_allowed",
                                   "This address does not take this kind of request.",
                                   "Anwani hii haipokei ombi la aina hii.",
                                   headers={"Allow": ", ".join(allowed)})
        else:
            problem = ProblemError(err.status_code, "http_error",
                                   f"The request was refused ({err.status_code}).",
                                   f"Ombi limekataliwa ({err.status_code}).",
                                   headers=dict(err.headers or {}))
        return problem.response()

    @app.middleware("http")
    async def _crash(request: Request, call_next: Any) -> Response:
        # Caught here rather than by an ``Exception`` handler, which Starlette re-raises to the
        # server's log with its message: a database error's message holds the row's values,
        # and a row may hold an applicant's details. The log gets the type and where only.
        try:
            return await call_next(request)  # type: ignore[no-any-return]
        except Exception as err:  # noqa: BLE001 - the last line of defence
            log.error("unexpected %s at\n%s", type(err).__name__,
                      "".join(traceback.format_tb(err.__traceback__)))
            return ProblemError(500, "internal_error",
                                "Something went wrong at the backend. Try again later.",
                                "Kuna hitilafu kwenye mfumo. Jaribu tena baadaye.").response()
