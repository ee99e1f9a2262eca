"""Runners side by side on the same projections never apply an event twice."""

from __future__ import annotations

import threading

from mentoring.bootstrap import Runtime
from mentoring.demo import DemoProgram
from projections.catalog import READ_MODELS
from projections.runner import ProjectionRunner
from tests.projections.conftest import dump_views
from tests.projections.test_rebuild import DEMO_NOW


def test_two_runners_racing_on_the_same_projections_apply_each_event_once(
    runtime: Runtime,
) -> None:
    DemoProgram(runtime.service, mentors=5, mentees=10, months=4, seed=3,
                now=DEMO_NOW).run()
    racing = [runtime.runner(READ_MODELS, batch_size=3)
              for _ in range(2)]
    racing[0].setup()
    errors: list[BaseException] = []

    def race(runner: ProjectionRunner) -> None:
        try:
            runner.catch_up_all()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=race, args=(runner,)) for runner in racing]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    head = runtime.service.last_position()
    status = {row["name"]: row for row in racing[0].status()}
    for model in READ_MODELS:
        relevant = runtime.events.recorder.select_notifications(
            start=0, limit=head + 1, topics=model.topics, inclusive_of_start=False)
        assert status[model.name]["events_applied"] == len(relevant), model.name
    raced = dump_views(runtime.sql)
    for model in READ_MODELS:
        racing[0].rebuild(model, drop_after=0)
    assert dump_views(runtime.sql) == raced
