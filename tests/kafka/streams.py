"""What the Kafka tests share: a demo history, more events on it, and relaying it all."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from application.service import MentoringService
from mentoring.bootstrap import Runtime
from mentoring.demo import DemoProgram


def demo(service: MentoringService, mentees: int = 12) -> None:
    DemoProgram(service, mentors=4, mentees=mentees, months=6, seed=7).run()


def stored(service: MentoringService) -> list[tuple[int, Any]]:
    return list(service.store.feed(after=0, limit=10**9))


def relay_until_caught_up(runtime: Runtime, seconds: float = 60) -> None:
    worker = runtime.relay(batch_size=200, poll_interval=0.05)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + seconds
        while worker.status()["lag"] > 0:
            assert time.monotonic() < deadline, worker.status()
            time.sleep(0.1)
    finally:
        worker.stop()
        thread.join(timeout=30)


def many_more_events(service: MentoringService, count: int) -> None:
    """Progress reports on the demo's active relationships: a long stream to relay."""
    active = [r["relationship_id"] for r in
              (service.relationship(str(e.originator_id)) | {"relationship_id":
                                                             str(e.originator_id)}
               for _, e in stored(service) if type(e).__qualname__ == "Relationship.Requested")
              if r["status"] == "active"]
    assert active

    def reports(relationship_id: str) -> None:  # one writer per relationship
        for n in range(count // len(active)):
            service.report_progress(relationship_id, goal_id=None, note=f"Step {n}",
                                    actor="test")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(reports, active))
