"""Which program each event belongs to, so a key limited to programs (and a webhook
subscription for one program) reads the event feed through an index instead of scanning
(and decoding) every event after its cursor.

A person's erasure belongs to no program: it is filed under ``EVERY_PROGRAM``, which no
key's program list names (keys limited to programs do not see erasures) and which every
program's webhook subscription reads (each receiver must erase its copies too).

Nothing but positions and ids: the events themselves are read from the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.erasure import Erasure
from domain.external_id import ExternalId
from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.program import Program
from domain.relationship import Relationship
from domain.values import canonical_uuid
from infrastructure.sql import TranslatingCursor
from projections.base import Batch, Positioned, ReadModel, events_of, id_text, ids_of, on
from projections.sql import Table, in_clause

FEED = Table(
    name="program_feed",
    key=("position",),
    columns=("program_id",),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            position {bigint} PRIMARY KEY, program_id TEXT NOT NULL)""",
         "CREATE INDEX IF NOT EXISTS {table}_program ON {table} (program_id, position)"),
)
OWNERS = Table(
    name="program_feed_owners",
    key=("aggregate_id",),
    columns=("program_id",),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            aggregate_id TEXT PRIMARY KEY, program_id TEXT NOT NULL)""",
         # The programs themselves (a program owns itself), for listing them in id order
         # without scanning every aggregate's row.
         "CREATE INDEX IF NOT EXISTS {table}_programs ON {table} (aggregate_id) "
         "WHERE aggregate_id = program_id"),
)
CREATED_IN_A_PROGRAM = (Relationship.Requested, Goal.Defined, MentorProfile.Registered,
                        ExternalId.Claimed)
EVERY_PROGRAM = "*"  # not a UUID: no program is called that
SCOPED = (*events_of(Relationship), *events_of(Goal), *events_of(MentorProfile),
          *events_of(Program), *events_of(ExternalId))


class ProgramFeed(ReadModel):
    """Each event's position, under its program."""

    name = "program_feed"
    tables = (FEED, OWNERS)
    revision = 2  # 2: erasures filed under EVERY_PROGRAM

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(OWNERS).preload(ids_of(events))

    @on(*SCOPED)
    def _event(self, batch: Batch, event: Any, position: int) -> None:
        owners = batch.rows(OWNERS)
        aggregate_id = id_text(event.originator_id)
        owner: dict[str, Any] | None
        if isinstance(event, CREATED_IN_A_PROGRAM):
            owner = owners.put({"aggregate_id": aggregate_id,
                                "program_id": canonical_uuid(event.program_id)})
        elif isinstance(event, Program.Created):
            owner = owners.put({"aggregate_id": aggregate_id, "program_id": aggregate_id})
        else:
            owner = owners.get(aggregate_id)
            if owner is None:
                return  # its first event was parked: nothing to file it under
        batch.insert(FEED, {"position": position, "program_id": owner["program_id"]})

    @on(Erasure.PersonalDataErased)
    def _erasure(self, batch: Batch, event: Any, position: int) -> None:
        batch.insert(FEED, {"position": position, "program_id": EVERY_PROGRAM})


def positions_of(cursor: TranslatingCursor, kind: str, table: str, programs: Sequence[str],
                 *, after: int, limit: int) -> list[int]:
    """Positions of the programs' events after ``after``, in order, at most ``limit``."""
    clause, params = in_clause(kind, "program_id", list(programs))
    cursor.execute(f"SELECT position FROM {table} WHERE {clause} AND position > %s "
                   f"ORDER BY position LIMIT {int(limit)}", [*params, after])
    return [int(row[0]) for row in cursor.fetchall()]
