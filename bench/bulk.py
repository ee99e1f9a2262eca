"""Fast bulk loading of realistic events: the demo generator in memory, then COPY.

The demo program runs against an in-memory event store (``eventsourcing.popo``)
with the real mapper (personal fields sealed with keys kept in the target
database), and the stored events are copied into PostgreSQL in their order.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from domain.application import MentoringService
from mentoring.demo import DemoProgram
from mentoring.personal_data import KeyVault
from projections.storage import SqlStore

COPY_EVENTS = ("COPY mentoring_events (originator_id, originator_version, topic, state)"
               " FROM STDIN")
EVENTS_PER_MENTEE = 32  # about what a year of the demo writes per mentee


def load_demo_events(url: str, events: int, *, seed: int = 11,
                     progress: Callable[[int], None] = lambda _: None) -> int:
    """Writes about ``events`` events into the (PostgreSQL) store at ``url``; returns how many."""
    from mentoring.bootstrap import parse_database_url

    database = parse_database_url(url)
    assert database.postgres_dsn, "bulk loading is for PostgreSQL"
    store = SqlStore(postgres_dsn=database.postgres_dsn)
    # Creates the event tables, with the same vault so keys land in the target database.
    MentoringService(env=database.env, vault=KeyVault(store)).close()
    memory = MentoringService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                              vault=KeyVault(store))
    mentees = max(events // EVENTS_PER_MENTEE, 2)
    DemoProgram(memory, mentors=max(mentees // 3, 2), mentees=mentees, months=12,
                seed=seed).run(progress)
    written = 0
    with psycopg.connect(database.postgres_dsn) as conn, conn.cursor() as cursor, \
            cursor.copy(COPY_EVENTS) as copy:
        position = 0
        while True:
            batch = memory.recorder.select_notifications(start=position, limit=10_000,
                                                         inclusive_of_start=False)
            if not batch:
                break
            for n in batch:
                copy.write_row((n.originator_id, n.originator_version, n.topic, n.state))
            written += len(batch)
            position = batch[-1].id
    memory.close()
    store.close()
    return written


def load_relationships(url: str, count: int, *, seed: int = 5) -> tuple[str, int]:
    """``count`` relationships in one program, built with the domain model and COPYed in.

    Returns the program id and the number of events written. Faster than the demo
    (no store round trips): for read benchmarks that need many rows, not long stories.
    """
    import random
    from datetime import UTC, datetime, timedelta

    from domain.mentor_profile import MentorProfile
    from domain.program import Program
    from domain.relationship import Relationship
    from mentoring.bootstrap import parse_database_url

    rnd = random.Random(seed)
    database = parse_database_url(url)
    assert database.postgres_dsn, "bulk loading is for PostgreSQL"
    store = SqlStore(postgres_dsn=database.postgres_dsn)
    service = MentoringService(env=database.env, vault=KeyVault(store))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    program = Program.create(name="Bench", description=None, actor="bench", at=start)
    mentors = [MentorProfile.register(program_id=str(program.id), person_id=f"m{i}",
                                      skills=rnd.sample(["python", "leadership", "sales",
                                                         "design", "data"], 2),
                                      capacity=4, monthly_minutes=240, actor="bench", at=start)
               for i in range(max(count // 3, 1))]
    written = 0
    with psycopg.connect(database.postgres_dsn) as conn, conn.cursor() as cursor, \
            cursor.copy(COPY_EVENTS) as copy:
        def put(*aggregates: object) -> None:
            nonlocal written
            for aggregate in aggregates:
                for event in aggregate.collect_events():  # type: ignore[attr-defined]
                    stored = service.mapper.to_stored_event(event)
                    copy.write_row((stored.originator_id, stored.originator_version,
                                    stored.topic, stored.state))
                    written += 1

        put(program)
        for index in range(count):
            mentor = mentors[index % len(mentors)]
            at = start + timedelta(days=rnd.uniform(0, 300))
            rel = Relationship.request(program_id=str(program.id), mentor_id=mentor.person_id,
                                       mentee_id=f"e{index}", message="Please mentor me",
                                       actor="bench", at=at)
            if rnd.random() < 0.9:
                rel.accept(actor="bench", at=at + timedelta(days=1))
                rel.set_expectations(meeting_every_days=14, session_minutes=60,
                                     monthly_minutes_cap=240, topics=["career"],
                                     channel="video", review_every_days=90,
                                     actor="bench", at=at + timedelta(days=2))
                for week in range(rnd.randint(0, 4)):
                    when = at + timedelta(days=3 + 14 * week)
                    session = rel.schedule_session(scheduled_for=when, duration_minutes=60,
                                                   agenda=None, actor="bench", at=when)
                    rel.hold_session(session_id=session, held_at=when, duration_minutes=60,
                                     mentee_on_time=True, mentee_prepared=True, notes=None,
                                     actor="bench", at=when)
                if rnd.random() < 0.2:
                    rel.conclude(reason="Done", outcome="goals met", actor="bench",
                                 at=at + timedelta(days=80))
            put(rel)
        put(*mentors)
    service.close()
    store.close()
    return str(program.id), written
