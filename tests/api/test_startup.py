"""Start-up: tables and the bootstrap admin key, also with several processes at once."""

from __future__ import annotations

import threading

from infrastructure.api_keys import KeyStore
from mentoring.bootstrap import build_runtime
from mentoring.settings import Settings
from tests.api.driver import ADMIN_SECRET


def test_apps_starting_together_share_one_bootstrap_key(settings: Settings) -> None:
    runtimes = [build_runtime(settings) for _ in range(4)]
    barrier, errors = threading.Barrier(len(runtimes)), []

    def start(index: int) -> None:
        barrier.wait()
        try:
            runtimes[index].api()
        except Exception as error:  # collected: the assertion below shows them all
            errors.append(error)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(runtimes))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        keys = KeyStore(runtimes[0].sql)
        assert len(keys.page()) == 1
        assert keys.authenticate(ADMIN_SECRET) is not None
    finally:
        for runtime in runtimes:
            runtime.close()
