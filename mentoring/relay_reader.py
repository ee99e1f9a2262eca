"""The relay's reader process: ``python -m mentoring.relay_reader FD``.

Started by the relay (``workers.relay_reader.ProcessReader``) with one end of a socket
pair; builds the event store from the settings it is sent and serves encoded batches,
reading the events table as plain rows (``infrastructure.log_reader``) and decoding them
with personal fields sealed: the public form carries references, never the text.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from application.integration_events import IntegrationEvent
from infrastructure.log_reader import NotificationReader
from infrastructure.shredding import ShreddingMapper
from mentoring.bootstrap import build_runtime, freeze_start_up
from mentoring.settings import Settings
from workers.relay_reader import Feed, serve


def open_feed(settings: Settings) -> tuple[Feed, Callable[[], None]]:
    runtime = build_runtime(settings)
    reader = NotificationReader(runtime.events, runtime.sql)
    mapper = runtime.events.mapper
    assert isinstance(mapper, ShreddingMapper)
    decode = mapper.to_sealed_domain_event

    def feed(*, after: int, limit: int) -> list[IntegrationEvent]:
        rows: Any = reader.read_all(after, limit)
        return runtime.service.public_forms((row.id, decode(row)) for row in rows)

    freeze_start_up()
    return feed, runtime.close


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])), open_feed)
