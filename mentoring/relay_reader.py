"""The relay's reader process: ``python -m mentoring.relay_reader FD``.

Started by the relay (``workers.relay_reader.ProcessReader``) with one end of a socket
pair; builds the event store from the settings it is sent and serves encoded batches.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from multiprocessing.connection import Connection

from mentoring.bootstrap import build_runtime
from mentoring.settings import Settings
from workers.relay_reader import Feed, serve


def open_feed(settings: Settings) -> tuple[Feed, Callable[[], None]]:
    runtime = build_runtime(settings)
    return runtime.service.integration_feed, runtime.close


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])), open_feed)
