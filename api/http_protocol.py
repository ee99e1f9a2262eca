"""The HTTP/1.1 protocol the server speaks: uvicorn's, with limits that answer problem+json.

uvicorn answers a request it cannot parse with a plain-text 400 and sets no bound on
the request line, the headers or the time a client may take to send them. Here:

- a request line longer than ``MAX_REQUEST_LINE`` bytes is refused with 414, headers
  larger than ``MAX_HEADERS`` bytes with 431, a malformed request with 400: each as a
  problem+json document, then the connection is closed;
- a client that has not sent a whole request head ``HEADER_TIMEOUT`` seconds after it
  began is disconnected (slow-header attacks hold no connection for long).
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_REQUEST_LINE = 8 * 1024
MAX_HEADERS = 64 * 1024
HEADER_TIMEOUT = 10.0


class ProblemHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, bounded, refusing in problem+json."""

    header_timeout = HEADER_TIMEOUT

    @classmethod
    def with_header_timeout(cls, seconds: float) -> type[ProblemHttpProtocol]:
        """The protocol with another limit on the time to send a request head."""
        return type(cls.__name__, (cls,), {"header_timeout": seconds})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._refused = False
        self._header_bytes = 0
        self._deadline: asyncio.TimerHandle | None = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._cancel_deadline()
        self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > MAX_REQUEST_LINE:
            self.refuse(414, "request-line-too-long",
                        f"the request line is longer than {MAX_REQUEST_LINE} bytes")
            raise ValueError("request line too long")  # stops the parser
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > MAX_HEADERS:
            self.refuse(431, "headers-too-large",
                        f"the request headers are larger than {MAX_HEADERS} bytes")
            raise ValueError("headers too large")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        self.refuse(400, "bad-request", msg)

    def refuse(self, status: int, rule: str, detail: str) -> None:
        """Answers with a problem document and closes the connection (once)."""
        if self._refused or self.transport is None or self.transport.is_closing():
            return
        self._refused = True
        body = json.dumps({"type": f"urn:mentoring:problem:{rule}",
                           "title": HTTPStatus(status).phrase, "status": status,
                           "detail": detail, "rule": rule}).encode()
        head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                "content-type: application/problem+json\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode()
        self.transport.write(head + body)
        self.transport.close()

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
