"""What every request must be before a route sees it: not too large, no control characters.

- A body larger than the configured limit (default 1 MB) is refused with 413, whether it
  announces its length or streams it; nothing of it is parsed or kept.
- A query string or an ``Idempotency-Key`` with NUL or another control character is
  refused with 422 naming the parameter: such values reach SQL, and PostgreSQL cannot
  even hold a NUL. A path with one names nothing: 404.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response
from domain.errors import InvalidValue
from domain.values import check_characters

DEFAULT_MAX_BODY = 1_000_000


class RequestGuard:
    """Refuses oversized bodies (413) and control characters in the query (422)."""

    def __init__(self, app: ASGIApp, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        refusal = (self._refuse_path(scope) or self._refuse_query(scope)
                   or self._refuse_length(scope))
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if not self._announces_length(scope):
            # A streamed body (no Content-Length) is read here, up to the limit, so that an
            # endless one is cut off before the application starts parsing it.
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > self.max_body:
                    await self._too_large(path)(scope, receive, send)
                    return
            receive = replay(body, receive)
        await self.app(scope, receive, send)

    @staticmethod
    def _announces_length(scope: Scope) -> bool:
        return any(name == b"content-length" for name, _ in scope.get("headers", []))

    def _refuse_length(self, scope: Scope) -> JSONResponse | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    return problem_response(400, "bad-request", "Content-Length is not a number",
                                            instance=scope.get("path"))
                if length > self.max_body:
                    return self._too_large(scope.get("path", ""))
        return None

    def _too_large(self, path: str) -> JSONResponse:
        return problem_response(413, "body-too-large",
                                f"the request body is larger than {self.max_body} bytes",
                                instance=path)

    @staticmethod
    def _refuse_path(scope: Scope) -> JSONResponse | None:
        path = scope.get("path", "")
        try:
            check_characters("path", path)
        except InvalidValue:
            return problem_response(404, "not-found", "no resource has such a path",
                                    instance=path.encode("unicode_escape").decode())
        return None

    @staticmethod
    def _refuse_query(scope: Scope) -> JSONResponse | None:
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            return problem_response(422, "validation", "the query string is not UTF-8",
                                    instance=scope.get("path"),
                                    errors=[{"field": "query", "message": "not UTF-8"}])
        headers = [("header.Idempotency-Key", v.decode("latin-1"))
                   for k, v in scope.get("headers", []) if k == b"idempotency-key"]
        for name, value in [*((f"query.{k}", v) for k, v in pairs), *headers]:
            try:
                check_characters(name, name + value)
            except InvalidValue as error:
                return problem_response(422, "validation", error.detail,
                                        instance=scope.get("path"),
                                        errors=[{"field": name, "message": error.detail}])
        return None


def replay(body: bytes, then: Receive) -> Receive:
    """A ``receive`` that hands the application a body read already, then the client's
    own messages (a disconnect only when the client really goes: a streamed response that
    listens for it, such as a file, must not be cut short)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive
