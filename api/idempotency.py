"""Idempotent commands: a retried POST/PUT/PATCH with the same ``Idempotency-Key`` replays.

The key is claimed with an INSERT (unique on principal + key) before the command runs, so
two concurrent requests can never both run it; the response is stored after it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import DATABASE_UNAVAILABLE, problem_response
from infrastructure.api_keys import KeyStore
from infrastructure.idempotency import Claim, IdempotencyStore

log = logging.getLogger("api.idempotency")
METHODS = frozenset({"POST", "PUT", "PATCH"})
# Answers a retry must not get again: the client was told to retry them.
TRANSIENT_RULES = frozenset({"concurrent-update", "idempotency-in-flight"})


def is_final(status: int, body: str) -> bool:
    """Whether an answer is the command's outcome for good (stored and replayed), rather
    than "try again" (5xx, 503, 429, a lost race): those release the key instead."""
    if status >= 500 or status == 429:
        return False
    if status == 409:
        try:
            rule = json.loads(body).get("rule")
        except (ValueError, AttributeError):
            return True
        return rule not in TRANSIENT_RULES
    return True


def withheld(body: str) -> tuple[int, list[list[str]], str]:
    """What is kept of an answer marked ``Cache-Control: no-store`` (a new API key's secret):
    not the answer, but a refusal that names what the first request created."""
    created = json.loads(body).get("id")
    detail = ("the first request with this Idempotency-Key created API key "
              f"{created}; its secret is shown only once and is not kept for retries: "
              f"revoke it (DELETE /v1/api-keys/{created}) and create another")
    problem = {"type": "urn:mentoring:problem:secret-not-replayed", "title": "Conflict",
               "status": 409, "detail": detail, "rule": "secret-not-replayed", "id": created}
    return 409, [["content-type", "application/problem+json"]], json.dumps(problem)


def _header_value(headers: list[list[str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """Method, path (with query) and the body's SHA-256: what "the same request" means."""
    target = f"{method} {path}?{query.decode('latin-1')}"
    return hashlib.sha256(f"{target}\n{hashlib.sha256(body).hexdigest()}".encode()).hexdigest()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


class IdempotencyMiddleware:
    """Runs each keyed command at most once per principal and replays its first response."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore, keys: KeyStore) -> None:
        self.app, self.store, self.keys = app, store, keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if key is None or scope["method"] not in METHODS:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if not 1 <= len(key) <= 200:
            await problem_response(422, "validation", "Idempotency-Key must be 1 to 200 characters",
                                   instance=path, errors=[{"field": "header.Idempotency-Key",
                                                           "message": "1 to 200 characters"}]
                                   )(scope, receive, send)
            return
        authorization = _header(scope, b"authorization") or ""
        scheme, _, secret = authorization.partition(" ")
        principal = (await run_in_threadpool(self.keys.authenticate, secret.strip())
                     if scheme.lower() == "bearer" and secret.strip() else None)
        if principal is None:  # the route answers 401; nothing to remember
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        print_ = fingerprint(scope["method"], path, scope.get("query_string", b""), body)
        try:
            claim = await run_in_threadpool(self.store.claim, principal.id, key, print_)
        except DATABASE_UNAVAILABLE:
            log.warning("cannot claim an idempotency key", exc_info=True)
            await problem_response(503, "database-unavailable",
                                   "the database is unavailable; retry shortly", instance=path,
                                   headers={"Retry-After": "1"})(scope, receive, send)
            return
        if claim.outcome == "claimed":
            await self._run_and_store(scope, body, receive, send, principal.id, key)
        elif claim.outcome == "replay":
            await self._replay(claim, send)
        else:
            status, rule, detail = {
                "mismatch": (422, "idempotency-key-reused",
                             "this Idempotency-Key was used with another request body or path"),
                "in-flight": (409, "idempotency-in-flight",
                              "a request with this Idempotency-Key is still running; retry later"),
            }[claim.outcome]
            await problem_response(status, rule, detail, instance=path)(scope, receive, send)

    async def _run_and_store(self, scope: Scope, body: bytes, receive: Receive, send: Send,
                             principal_id: str, key: str) -> None:
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # a disconnect only when the client really goes
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await run_in_threadpool(self.store.release, principal_id, key)
            raise
        status = int(start.get("status", 500))
        headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in start.get("headers", [])]
        content = b"".join(chunks)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        try:
            if text is not None and is_final(status, text):
                if _header_value(headers, "cache-control") == "no-store":
                    status_kept, headers_kept, text = withheld(text)
                    await run_in_threadpool(self.store.complete, principal_id, key,
                                            status_kept, headers_kept, text)
                else:
                    await run_in_threadpool(self.store.complete, principal_id, key, status,
                                            headers, text)
            else:
                await run_in_threadpool(self.store.release, principal_id, key)
        except DATABASE_UNAVAILABLE:
            # The command's own answer still goes out; the claim expires (ABANDONED_AFTER).
            log.warning("cannot store an idempotent response", exc_info=True)
        await send({"type": "http.response.start", "status": status,
                    "headers": start.get("headers", [])})
        await send({"type": "http.response.body", "body": content})

    async def _replay(self, claim: Claim, send: Send) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in claim.headers or []]
        headers.append((b"idempotent-replayed", b"true"))
        await send({"type": "http.response.start", "status": claim.status, "headers": headers})
        await send({"type": "http.response.body", "body": claim.body.encode("utf-8")})
