"""Fast bulk loading of realistic events: the demo generator in memory, then COPY.

The demo program runs against an in-memory event store (``eventsourcing.popo``)
with the real mapper (personal fields sealed with keys kept in the target
database), and the stored events are copied into PostgreSQL in their order.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.service import MentoringService
from infrastructure.event_store import IN_MEMORY, EventStore
from infrastructure.key_vault import KeyEncryptionKey, KeyVault
from infrastructure.sql import SqlStore
from mentoring.bootstrap import key_encryption_key
from mentoring.demo import DemoProgram
from mentoring.settings import Settings

COPY_EVENTS = ("COPY mentoring_events (originator_id, originator_version, topic, state)"
               " FROM STDIN")
EVENTS_PER_MENTEE = 32  # about what a year of the demo writes per mentee
STAGE_KEYS = "CREATE TEMP TABLE bulk_keys (LIKE personal_data_keys INCLUDING DEFAULTS)"
STAGE_INDEX = "CREATE TEMP TABLE bulk_index (LIKE personal_data_index INCLUDING DEFAULTS)"


class BulkVault(KeyVault):
    """A key vault for bulk loads: new keys and subject-index rows are made in memory and
    written with COPY in ``flush``, instead of a transaction (or two) per person and per
    (person, aggregate) pair. Only for a loader that owns the database meanwhile."""

    def __init__(self, store: SqlStore, kek: KeyEncryptionKey) -> None:
        super().__init__(store, kek)
        self._fresh: dict[str, tuple[bytes, AESGCM]] = {}
        self._pairs: set[tuple[str, str]] = set()

    def _key(self, person_id: str, *, create: bool, cached: bool = True) -> AESGCM | None:
        fresh = self._fresh.get(person_id)
        if fresh is None and create:
            raw = AESGCM.generate_key(bit_length=256)
            fresh = self._fresh[person_id] = (raw, AESGCM(raw))
        if fresh is not None:
            return fresh[1]
        return super()._key(person_id, create=False, cached=cached)

    def index(self, person_id: str, aggregate_id: UUID) -> None:
        self._pairs.add((person_id, str(aggregate_id)))

    def flush(self) -> None:
        """Writes the keys and index rows made so far (existing ones are kept)."""
        created = "1970-01-01T00:00:00Z"
        with self.store.transaction() as cursor:
            cursor.execute(STAGE_KEYS)
            cursor.copy_rows(
                "COPY bulk_keys (person_id, data_key, created_at, kek_id) FROM STDIN",
                [(p, self.kek.wrap(p, raw), created, self.kek.id)
                 for p, (raw, _) in self._fresh.items()])
            cursor.execute("INSERT INTO personal_data_keys SELECT * FROM bulk_keys "
                           "ON CONFLICT (person_id) DO NOTHING")
            cursor.execute(STAGE_INDEX)
            cursor.copy_rows("COPY bulk_index (person_id, aggregate_id) FROM STDIN",
                             sorted(self._pairs))
            cursor.execute("INSERT INTO personal_data_index SELECT * FROM bulk_index "
                           "ON CONFLICT (person_id, aggregate_id) DO NOTHING")
            cursor.execute("DROP TABLE bulk_keys")
            cursor.execute("DROP TABLE bulk_index")
        self._pairs.clear()


def load_demo_events(url: str, events: int, *, seed: int = 11,
                     progress: Callable[[int], None] = lambda _: None) -> int:
    """Writes about ``events`` events into the (PostgreSQL) store at ``url``; returns how many."""
    from infrastructure.database import parse_database_url

    database = parse_database_url(url)
    assert database.postgres_dsn, "bulk loading is for PostgreSQL"
    store = SqlStore(postgres_dsn=database.postgres_dsn)
    # Creates the event tables, with the same vault so keys land in the target database.
    kek = key_encryption_key(Settings(database_url=url))  # as the benchmark's runtime has it
    EventStore(env=database.env, sealer=KeyVault(store, kek)).close()
    vault = BulkVault(store, kek)
    in_memory = EventStore(env=IN_MEMORY, sealer=vault, group_commit=False)
    memory = MentoringService(in_memory, vault)
    mentees = max(events // EVENTS_PER_MENTEE, 2)
    DemoProgram(memory, mentors=max(mentees // 3, 2), mentees=mentees, months=12,
                seed=seed).run(progress)
    written = 0
    with psycopg.connect(database.postgres_dsn) as conn, conn.cursor() as cursor, \
            cursor.copy(COPY_EVENTS) as copy:
        position = 0
        while True:
            batch = in_memory.recorder.select_notifications(start=position, limit=10_000,
                                                         inclusive_of_start=False)
            if not batch:
                break
            for n in batch:
                copy.write_row((n.originator_id, n.originator_version, n.topic, n.state))
            written += len(batch)
            position = batch[-1].id
    vault.flush()
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
    from infrastructure.database import parse_database_url

    rnd = random.Random(seed)
    database = parse_database_url(url)
    assert database.postgres_dsn, "bulk loading is for PostgreSQL"
    store = SqlStore(postgres_dsn=database.postgres_dsn)
    vault = BulkVault(store, key_encryption_key(Settings(database_url=url)))
    service = EventStore(env=database.env, sealer=vault)
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
    vault.flush()
    service.close()
    store.close()
    return str(program.id), written
