"""The audit trail: every event of every aggregate, hash-chained per aggregate.

Entry hash = sha256(previous entry's hash + canonical JSON of the entry's non-personal
fields: aggregate_id, version, type, occurred_at, actor, summary). ``audit_heads`` keeps
each aggregate's last version and hash, so deleting the newest entry is detected too.
A relationship's trail also holds the events of the goals linked to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from json.encoder import encode_basestring as encode_string  # what json.dumps uses
from typing import Any

from domain.base import aggregate_name, event_name
from domain.erasure import Erasure
from domain.goal import Goal
from domain.mentor_profile import MentorProfile
from domain.program import Program
from domain.relationship import Relationship
from infrastructure.sql import TranslatingCursor
from projections.base import Batch, Positioned, ReadModel, events_of, id_text, ids_of, on
from projections.sql import Table, dumps, in_clause, iso, read_rows

HASHED_FIELDS = ("aggregate_id", "version", "type", "occurred_at", "actor", "summary")
SORTED_HASHED_FIELDS = tuple(sorted(HASHED_FIELDS))
ENTRIES = Table(
    name="audit_entries",
    key=("aggregate_id", "version"),
    columns=("position", "aggregate_type", "type", "occurred_at", "actor", "summary", "hash"),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            aggregate_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            position {bigint} NOT NULL,
            aggregate_type TEXT NOT NULL,
            type TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            actor TEXT NOT NULL,
            summary TEXT NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (aggregate_id, version)
        )""",
         "CREATE INDEX IF NOT EXISTS {table}_position ON {table} (position)"),
)
HEADS = Table(
    name="audit_heads",
    key=("aggregate_id",),
    columns=("version", "hash"),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            aggregate_id TEXT PRIMARY KEY, version INTEGER NOT NULL, hash TEXT NOT NULL)""",),
)
LINKS = Table(
    name="audit_links",
    key=("relationship_id", "goal_id"),
    columns=(),
    ddl=("""CREATE TABLE IF NOT EXISTS {table} (
            relationship_id TEXT NOT NULL, goal_id TEXT NOT NULL,
            PRIMARY KEY (relationship_id, goal_id))""",),
)
SELECT_LINKED_GOALS = "SELECT goal_id FROM {links} WHERE relationship_id = %s ORDER BY goal_id"
ALL_EVENTS = (*events_of(Relationship), *events_of(Goal), *events_of(MentorProfile),
              *events_of(Program), *events_of(Erasure))


def actor_of(event: Any) -> str:
    """Who did it, as the trail says it: the principal, and whom it acted for."""
    behalf = event.on_behalf_of
    return event.actor if behalf is None else f"{event.actor} for {behalf}"


def entry_hash(previous: str, entry: dict[str, Any]) -> str:
    canonical = canonical_entry(entry)
    return hashlib.sha256((previous + canonical).encode()).hexdigest()


def canonical_entry(entry: dict[str, Any]) -> str:
    """``dumps`` of the hashed fields, byte for byte, built directly when they are all text
    and integers (always, in practice): the standard library's own string encoder, keys in
    sorted order, no spaces. Several times faster than ``json.dumps`` on a dict."""
    values = [entry[name] for name in SORTED_HASHED_FIELDS]
    if all(type(v) is str or type(v) is int for v in values):
        return "{" + ",".join(
            f'"{name}":{encode_string(v) if type(v) is str else int.__repr__(v)}'
            for name, v in zip(SORTED_HASHED_FIELDS, values, strict=True)) + "}"
    return dumps({name: entry[name] for name in HASHED_FIELDS})


def entry_of(event: Any) -> dict[str, Any]:
    """What the trail records of an event (without its position and hash)."""
    return {"aggregate_id": id_text(event.originator_id), "version": event.originator_version,
            "aggregate_type": aggregate_name(event), "type": event_name(event),
            "occurred_at": iso(event.timestamp), "actor": actor_of(event),
            "summary": event.summary()}


class AuditTrail(ReadModel):
    """Who did what, when, in which order; tamper-evident."""

    name = "audit_trail"
    tables = (ENTRIES, HEADS, LINKS)

    def preload(self, batch: Batch, events: Sequence[Positioned]) -> None:
        batch.rows(HEADS).preload(ids_of(events))

    @on(*ALL_EVENTS)
    def _recorded(self, batch: Batch, event: Any, position: int) -> None:
        aggregate_id = id_text(event.originator_id)
        heads = batch.rows(HEADS)
        head = heads.get(aggregate_id) or {"aggregate_id": aggregate_id, "version": 0, "hash": ""}
        entry = entry_of(event)
        entry["position"] = position
        entry["hash"] = entry_hash(head["hash"], entry)
        # A repeated or skipped version fails the batch: the primary key and this check.
        if head["version"] != event.originator_version - 1:
            raise ValueError(f"audit trail of {aggregate_id} at v{head['version']} "
                             f"got v{event.originator_version}")
        batch.insert(ENTRIES, entry)
        heads.put({"aggregate_id": aggregate_id, "version": entry["version"],
                   "hash": entry["hash"]})
        relationship_id = getattr(event, "relationship_id", None)
        if isinstance(event, Goal.Defined | Goal.LinkedToRelationship) and relationship_id:
            batch.rows(LINKS).put({"relationship_id": relationship_id, "goal_id": aggregate_id})


def trail_ids(cursor: TranslatingCursor, tables: dict[str, str], aggregate_id: str) -> list[str]:
    """The aggregate and, for a relationship, the goals linked to it."""
    cursor.execute(SELECT_LINKED_GOALS.format(links=tables[LINKS.name]), (aggregate_id,))
    return [aggregate_id, *(goal_id for (goal_id,) in cursor.fetchall())]


def read_trail(cursor: TranslatingCursor, kind: str, tables: dict[str, str], aggregate_id: str,
               *, limit: int | None = None, after: int = 0,
               types: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Entries of an aggregate (and its goals) in global order after a cursor position."""
    clause, params = in_clause(kind, "aggregate_id", trail_ids(cursor, tables, aggregate_id))
    where = f"{clause} AND position > %s"
    params.append(after)
    if types:
        type_clause, type_params = in_clause(kind, "type", list(types))
        where += f" AND {type_clause}"
        params += type_params
    order = "position" + (f" LIMIT {int(limit)}" if limit else "")
    return read_rows(cursor, ENTRIES, tables[ENTRIES.name], where, params, order=order)


def verify_trail(cursor: TranslatingCursor, kind: str, tables: dict[str, str],
                 ids: Sequence[str], log: dict[str, Sequence[Any]] | None = None,
                 caught_up: bool = False) -> dict[str, Any]:
    """Recomputes every chain of the trail of ``ids`` (an aggregate and its linked goals)
    and, given the aggregates' events read from the ``log``, compares each entry with the
    event it records. Reports every chain's first problem, the earliest first.

    ``caught_up`` says the view had applied every event of ``log`` when it was read: then
    an event the view lacks is ``missing``; otherwise the view may just be behind."""
    clause, params = in_clause(kind, "aggregate_id", list(ids))
    entries = read_rows(cursor, ENTRIES, tables[ENTRIES.name], clause, params,
                        order="aggregate_id, version")
    heads = {h["aggregate_id"]: h for h in read_rows(cursor, HEADS, tables[HEADS.name], clause,
                                                     params)}
    problems, behind = [], 0
    for aggregate_id in ids:
        chain = [e for e in entries if e["aggregate_id"] == aggregate_id]
        problem = first_problem(aggregate_id, chain, heads.get(aggregate_id))
        if log is not None:
            events = log.get(aggregate_id, ())
            against_log, lagging = first_difference(aggregate_id, chain, events, caught_up)
            behind += lagging
            if against_log and (problem is None or against_log["version"] <= problem["version"]):
                problem = against_log
        if problem:
            problems.append(problem)
    problems.sort(key=lambda p: (p.get("position") or 0, p["version"]))
    return {"aggregate_id": ids[0], "valid": not problems, "entries": len(entries),
            "aggregates": list(ids), "checked_against_log": log is not None,
            "log_events": sum(len(v) for v in log.values()) if log is not None else None,
            "not_yet_projected": behind,
            "first_problem": problems[0] if problems else None, "problems": problems}


def first_difference(aggregate_id: str, chain: list[dict[str, Any]], events: Sequence[Any],
                     caught_up: bool) -> tuple[dict[str, Any] | None, int]:
    """The first entry that is not what its event says (or an event with no entry, or an
    entry with no event), and how many of the newest events the view has not applied yet."""
    by_version = {entry["version"]: entry for entry in chain}
    last_entry = max(by_version, default=0)
    for event in events:
        expected = entry_of(event)
        found = by_version.pop(expected["version"], None)
        where = {"aggregate_id": aggregate_id, "version": expected["version"]}
        if found is None:
            if not caught_up and expected["version"] > last_entry:
                return None, len(events) - expected["version"] + 1
            return {**where, "position": None, "problem": "missing"}, 0
        for field in ("aggregate_type", "type", "occurred_at", "actor", "summary"):
            if found[field] != expected[field]:
                return {**where, "position": found["position"], "problem": "altered",
                        "field": field}, 0
    if by_version:
        version = min(by_version)
        return {"aggregate_id": aggregate_id, "version": version,
                "position": by_version[version]["position"], "problem": "not_in_log"}, 0
    return None, 0


def first_problem(aggregate_id: str, chain: list[dict[str, Any]],
                  head: dict[str, Any] | None) -> dict[str, Any] | None:
    previous, expected_version = "", 1
    for entry in chain:
        where = {"aggregate_id": aggregate_id, "version": expected_version,
                 "position": entry["position"]}
        if entry["version"] != expected_version:
            return {**where, "problem": "missing"}
        if entry_hash(previous, entry) != entry["hash"]:
            return {**where, "problem": "altered"}
        previous, expected_version = entry["hash"], expected_version + 1
    if head is None:
        return {"aggregate_id": aggregate_id, "version": 1, "position": None,
                "problem": "missing"} if chain else None
    if head["version"] >= expected_version:  # entries after the last one were deleted
        return {"aggregate_id": aggregate_id, "version": expected_version, "position": None,
                "problem": "missing"}
    if head["version"] != expected_version - 1 or head["hash"] != previous:
        return {"aggregate_id": aggregate_id, "version": expected_version - 1,
                "position": chain[-1]["position"] if chain else None, "problem": "altered"}
    return None
