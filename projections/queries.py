"""The questions the API asks the read side; answered from view tables only, never by replay.

Each query looks up the live version of its read model and reads that version's tables
in one transaction. If a rebuild switched versions and dropped the old tables between
the two, the query is retried once on the new version.
"""

from __future__ import annotations

import base64
import binascii
import copy
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from domain.base import ERASED
from infrastructure.sql import SqlStore, TableMissing, TranslatingCursor
from projections import tracking
from projections.at_risk_queries import at_risk_as_of, at_risk_now
from projections.audit_trail import read_trail, trail_ids, verify_trail
from projections.catalog import BY_NAME
from projections.goal_summaries import list_goals
from projections.goal_summaries import public as public_goal
from projections.health_figures import health_figures
from projections.matching import goal_of, mentors_of_program, suggest
from projections.mentor_directory import keywords
from projections.program_feed import positions_of
from projections.relationship_summaries import SUMMARIES, list_summaries, public
from projections.risk_rules import MAX_REASONS
from projections.sql import iso, month_key, read_rows

T = TypeVar("T")
Reader = Callable[[TranslatingCursor, dict[str, str]], T]


class InvalidCursor(ValueError):
    """A pagination cursor this service did not hand out."""


class ProjectionNotReady(RuntimeError):
    """The read model has no live version yet (no projection ever ran on this database)."""

    retry_after = 5


class ProjectionBehind(ProjectionNotReady):
    """The read model had not reached the position asked for within the wait."""

    retry_after = 1


class PositionAhead(ValueError):
    """A position asked for that no event has (yet)."""


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


MAX_POSITION = 2**62  # positions are 64-bit integers in both databases


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("p") or not text[1:].isdigit() or len(text) > 20:
            raise ValueError(text)
        position = int(text[1:])
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidCursor(f"not a cursor from this service: {cursor[:60]!r}") from None
    if position > MAX_POSITION:
        raise InvalidCursor(f"not a cursor from this service: {cursor[:60]!r}")
    return position


def encode_text_cursor(kind: str, text: str) -> str:
    """A cursor after a text key (``kind`` names what it pages: one letter)."""
    return base64.urlsafe_b64encode(f"{kind}{text}".encode()).decode().rstrip("=")


def decode_text_cursor(kind: str, cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError, binascii.Error):
        text = ""
    if not text.startswith(kind) or not text.isprintable():
        raise InvalidCursor(f"not a cursor from this service: {cursor[:60]!r}")
    return text[len(kind):]


def decode_risk_cursor(cursor: str | None) -> tuple[int, str] | None:
    """(number of reasons, relationship id) of the last item of the previous page."""
    text = decode_text_cursor("a", cursor)
    if text is None:
        return None
    count, _, relationship_id = text.partition(":")
    if not count.isdigit() or not 1 <= int(count) <= MAX_REASONS or not relationship_id:
        raise InvalidCursor(f"not a cursor from this service: {cursor!r}")
    return int(count), relationship_id


def page(items: list[dict[str, Any]], limit: int | None,
         cursor_of: Callable[[dict[str, Any]], str] | None = None) -> dict[str, Any]:
    """``{"items", "next_cursor"}`` from up to ``limit + 1`` rows (read one more than a page
    to know whether another page follows); ``limit=None`` is everything, in one page."""
    if limit is None or len(items) <= limit:
        return {"items": items, "next_cursor": None}
    items = items[:limit]
    cursor_of = cursor_of or (lambda last: encode_cursor(last["position"]))
    return {"items": items, "next_cursor": cursor_of(items[-1])}


def plus_one(limit: int | None) -> int | None:
    """How many rows to read for a page of ``limit``."""
    return None if limit is None else limit + 1


class ReadModels:
    """Queries over the live versions of the read models."""

    def __init__(self, store: SqlStore, *, head: Callable[[], int],
                 setup: Callable[[], None] | None = None, wait_seconds: float = 2.0) -> None:
        self.store, self._head, self._setup = store, head, setup
        self.wait_seconds = wait_seconds
        self.min_position = 0

    def at_least(self, position: int | None) -> ReadModels:
        """These read models, answering only once the views read have applied every event
        up to ``position`` (a command's ``Mentoring-Position``): read your own writes.
        Waits up to ``wait_seconds``, then raises ``ProjectionBehind``."""
        if not position:
            return self
        if position > self._head():
            raise PositionAhead(f"min_position {position} is past the newest event")
        bound = copy.copy(self)
        bound.min_position = position
        return bound

    def _wait_for(self, name: str) -> None:
        deadline, delay, reached = time.monotonic() + self.wait_seconds, 0.002, None
        while True:
            with self.store.transaction(write=False) as cursor:
                version = tracking.active_version(cursor, name)
                reached = None if version is None else tracking.read_position(
                    cursor, self.store.kind, name, version)
            if reached is not None and reached >= self.min_position:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProjectionBehind(
                    f"the {name} view has applied events up to position {reached or 0}, not "
                    f"yet {self.min_position} (waited {self.wait_seconds:g} s)")
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.05)

    def _read(self, name: str, reader: Reader[T]) -> T:
        for attempt in range(2):
            try:
                if self.min_position:
                    self._wait_for(name)
                with self.store.transaction(write=False) as cursor:
                    if self.store.kind == "postgres":
                        # psycopg prepares a statement run five times; PostgreSQL may then
                        # plan it once for any values, and a generic plan for "reasons at
                        # T, LIMIT 10" walked the whole primary key: 600 ms instead of 5.
                        # Reads are planned for their values.
                        cursor.execute("SET LOCAL plan_cache_mode TO force_custom_plan")
                    version, fingerprint = tracking.live_fingerprint(cursor, name)
                    if version is None:
                        raise ProjectionNotReady(f"the {name} projection has not run yet")
                    model = BY_NAME[name]
                    if fingerprint != model.fingerprint(self.store.kind):
                        raise ProjectionNotReady(
                            f"the {name} projection is being rebuilt for this version of "
                            "the service")
                    return reader(cursor, model.table_names(version))
            except TableMissing:
                # The control tables do not exist yet (nothing ever ran here), or a rebuild
                # switched versions and dropped the tables between our two reads.
                if attempt:
                    raise
                if self._setup is not None:
                    self._setup()
        raise AssertionError("unreachable")

    # ---- relationships ------------------------------------------------------

    def relationship_summaries(self, program_ids: Sequence[str] | None = None, *,
                               status: str | None = None, mentor_id: str | None = None,
                               mentee_id: str | None = None, limit: int = 50,
                               cursor: str | None = None) -> dict[str, Any]:
        """Summaries in request order; ``program_ids=None`` means every program."""
        after = decode_cursor(cursor)
        rows = self._read("relationship_summaries", lambda c, t: list_summaries(
            c, self.store.kind, t["relationship_summaries"], program_ids=program_ids,
            status=status, mentor_id=mentor_id, mentee_id=mentee_id, limit=limit + 1,
            after=after))
        result = page(rows, limit)
        result["items"] = [public(r) for r in result["items"]]
        return result

    def relationship_summary(self, relationship_id: str) -> dict[str, Any] | None:
        rows = self._read("relationship_summaries", lambda c, t: read_rows(
            c, SUMMARIES, t["relationship_summaries"], "relationship_id = %s", [relationship_id]))
        return public(rows[0]) if rows else None

    def goal_summaries(self, program_ids: Sequence[str] | None = None, *,
                       mentee_id: str | None = None, status: str | None = None,
                       relationship_id: str | None = None, limit: int = 50,
                       cursor: str | None = None) -> dict[str, Any]:
        """Goals in the order they were defined; ``program_ids=None`` means every program;
        ``relationship_id``: the goals linked to that relationship."""
        after = decode_cursor(cursor)
        goal_ids: list[str] | None = None
        if relationship_id is not None:
            summary = self.relationship_summary(relationship_id)
            goal_ids = [] if summary is None else list(summary["goal_ids"])
        rows = self._read("goal_summaries", lambda c, t: list_goals(
            c, self.store.kind, t["goal_summaries"], program_ids=program_ids, mentee_id=mentee_id,
            status=status, goal_ids=goal_ids, limit=limit + 1, after=after))
        result = page(rows, limit)
        result["items"] = [public_goal(r) for r in result["items"]]
        return result

    # ---- dashboards ---------------------------------------------------------

    def program_health(self, program_id: str, now: datetime | None = None) -> dict[str, Any]:
        """Every health figure of a program as of ``now``."""
        at = now or datetime.now(tz=UTC)
        return self._read("program_health", lambda c, t: health_figures(c, t, program_id, at))

    def at_risk(self, program_id: str, now: datetime | None = None, *, limit: int | None = None,
                cursor: str | None = None) -> dict[str, Any]:
        """Open relationships of a program with their risk reasons as of ``now``, most reasons
        first; pages of ``limit`` (all at once when None) after ``cursor``."""
        at = now or datetime.now(tz=UTC)
        after = decode_risk_cursor(cursor)
        # The current facts answer for any instant from now on; the history, before.
        read = at_risk_now if now is None or now >= datetime.now(tz=UTC) else at_risk_as_of
        items = self._read("at_risk", lambda c, t: read(
            c, t, program_id, at, after=after, limit=plus_one(limit)))
        return {"program_id": program_id, "as_of": iso(at), **page(
            items, limit, lambda last: encode_text_cursor(
                "a", f"{len(last['reasons'])}:{last['relationship_id']}"))}

    # ---- audit trail --------------------------------------------------------

    def audit_trail(self, aggregate_id: str, limit: int = 100, cursor: str | None = None,
                    types: Sequence[str] = ()) -> dict[str, Any]:
        """An aggregate's trail (a relationship's includes its goals), oldest first."""
        after = decode_cursor(cursor)
        rows = self._read("audit_trail", lambda c, t: read_trail(
            c, self.store.kind, t, aggregate_id, limit=limit + 1, after=after, types=types))
        return page(rows, limit)

    def verify_trail(self, aggregate_id: str,
                     events_of: Callable[[str], Sequence[Any]] | None = None) -> dict[str, Any]:
        """Recomputes the trail's hash chains and, given the event store's ``events_of``,
        compares every entry with its event; names the first altered, missing or invented
        entry of each chain.

        The log is read before the view: when the view's position had reached the log's head
        by then, every event read must have its entry, so a lack is tampering, not lag."""
        ids = self._read("audit_trail", lambda c, t: trail_ids(c, t, aggregate_id))
        log = {i: events_of(i) for i in ids} if events_of is not None else None
        head = self._head()

        def read(cursor: TranslatingCursor, tables: dict[str, str]) -> dict[str, Any]:
            version = tracking.active_version(cursor, "audit_trail")
            position = tracking.read_position(cursor, self.store.kind, "audit_trail",
                                              version or 0) or 0
            return verify_trail(cursor, self.store.kind, tables, ids, log,
                                caught_up=position >= head)

        return self._read("audit_trail", read)

    # ---- mentors ------------------------------------------------------------

    def mentor_directory(self, program_id: str, now: datetime | None = None
                         ) -> list[dict[str, Any]]:
        """Every mentor of the program with capacity and minutes left this month."""
        return list(self.mentor_directory_page(program_id, now)["items"])

    def mentor_directory_page(self, program_id: str, now: datetime | None = None, *,
                              limit: int | None = None, cursor: str | None = None
                              ) -> dict[str, Any]:
        """The program's mentors with capacity and minutes left this month, by person id;
        pages of ``limit`` (all at once when None) after ``cursor``."""
        month = month_key(now or datetime.now(tz=UTC))
        after = decode_text_cursor("m", cursor)
        items = self._read("mentor_directory", lambda c, t: mentors_of_program(
            c, t, program_id, month, after=after, limit=plus_one(limit)))
        return page(items, limit, lambda last: encode_text_cursor("m", last["person_id"]))

    def suggest_mentors(self, goal_id: str, now: datetime | None = None,
                        title: str | None = None) -> dict[str, Any] | None:
        """Mentors ranked for a goal with the score explained; None for an unknown goal.

        ``title`` is the goal's (personal) title, read from the goal by the caller: its words
        count for the skill fit but are never stored in a view."""
        month = month_key(now or datetime.now(tz=UTC))

        def read(cursor: TranslatingCursor, tables: dict[str, str]) -> dict[str, Any] | None:
            goal = goal_of(cursor, tables, goal_id)
            if goal is None:
                return None
            if title and title != ERASED:
                goal["keywords"] = sorted({*goal["keywords"], *keywords(title)})
            mentors = mentors_of_program(cursor, tables, goal["program_id"], month)
            return {"goal_id": goal_id, "program_id": goal["program_id"],
                    "mentee_id": goal["mentee_id"], "month": month,
                    "items": suggest(goal, mentors)}

        return self._read("mentor_directory", read)

    # ---- the event feed of a key limited to programs ------------------------

    def program_feed(self, program_ids: Sequence[str], *, after: int,
                     limit: int) -> tuple[list[int], int]:
        """Positions of the programs' events after ``after`` (at most ``limit``), and the
        position up to which the index is complete (events after it are not filed yet)."""
        def read(cursor: TranslatingCursor, tables: dict[str, str]) -> tuple[list[int], int]:
            version = tracking.active_version(cursor, "program_feed") or 0
            indexed = tracking.read_position(cursor, self.store.kind, "program_feed",
                                             version) or 0
            return positions_of(cursor, self.store.kind, tables["program_feed"], program_ids,
                                after=after, limit=limit), indexed

        try:
            return self._read("program_feed", read)
        except ProjectionNotReady:
            return [], 0

    # ---- positions ----------------------------------------------------------

    def program_ids(self, *, limit: int, cursor: str | None = None) -> dict[str, Any]:
        """Every program's id, in id order, a page of ``limit`` after ``cursor``."""
        after = decode_text_cursor("g", cursor) or ""

        def read(cursor: TranslatingCursor, tables: dict[str, str]) -> list[dict[str, Any]]:
            cursor.execute(f"SELECT aggregate_id FROM {tables['program_feed_owners']} "
                           "WHERE aggregate_id = program_id AND aggregate_id > %s "
                           f"ORDER BY aggregate_id LIMIT {int(limit) + 1}", (after,))
            return [{"id": row[0]} for row in cursor.fetchall()]

        return page(self._read("program_feed", read), limit,
                    lambda last: encode_text_cursor("g", last["id"]))

    def table_rows(self, name: str, table: str, *, after: tuple[Any, ...] | None = None,
                   limit: int = 1000, program_id: str | None = None
                   ) -> list[dict[str, Any]]:
        """A page of one view table's rows in key order, after the key ``after`` (for
        exports: every table of every read model, JSON columns decoded). ``program_id``
        keeps a program's rows, in the tables that have that column."""
        spec = next((t for t in BY_NAME[name].tables if t.name == table), None)
        if spec is None:
            raise KeyError(f"the {name} read model has no table {table}")
        where, params = [], list(after or ())
        if after is not None:
            marks = ", ".join(["%s"] * len(spec.key))
            where.append(f"({', '.join(spec.key)}) > ({marks})")
        if program_id is not None and "program_id" in spec.all_columns:
            where.append("program_id = %s")
            params.append(program_id)

        def read(cursor: TranslatingCursor, tables: dict[str, str]) -> list[dict[str, Any]]:
            return read_rows(cursor, spec, tables[table], " AND ".join(where), params,
                             f"{', '.join(spec.key)} LIMIT {int(limit)}")

        return self._read(name, read)

    def positions(self) -> list[dict[str, Any]]:
        """Each live read model's position and its lag behind the newest event."""
        head = self._head()
        try:
            with self.store.transaction(write=False) as cursor:
                rows = tracking.all_positions(cursor)
        except TableMissing:
            return []
        return [{"name": r["name"], "version": r["version"], "position": r["position"],
                 "last_position": head, "lag": max(head - r["position"], 0),
                 "parked": r["parked"], "updated_at": r["updated_at"]}
                for r in rows if r["active"]]

    def parked(self) -> list[dict[str, Any]]:
        """The events live views stepped over (could not apply), with their errors."""
        try:
            with self.store.transaction(write=False) as cursor:
                return tracking.parked(cursor)
        except TableMissing:
            return []
