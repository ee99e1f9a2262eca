"""Start-up: tables and the bootstrap admin key, also with several processes at once."""

from __future__ import annotations

import threading

from api.main import create_app
from infrastructure.api_keys import KeyStore
from mentoring.bootstrap import build_container
from mentoring.settings import Settings
from tests.api.driver import ADMIN_SECRET


def test_apps_starting_together_share_one_bootstrap_key(settings: Settings) -> None:
    containers = [build_container(settings) for _ in range(4)]
    barrier, errors = threading.Barrier(len(containers)), []

    def start(index: int) -> None:
        barrier.wait()
        try:
            create_app(containers[index])
        except Exception as error:  # collected: the assertion below shows them all
            errors.append(error)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(containers))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        keys = KeyStore(containers[0].store)
        assert len(keys.page()) == 1
        assert keys.authenticate(ADMIN_SECRET) is not None
    finally:
        for container in containers:
            container.close()
