"""Pages of at-risk relationships: from the current facts, or as of a past instant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from infrastructure.sql import TranslatingCursor
from projections.at_risk import FACTS, HISTORY, RISKS
from projections.risk_rules import MAX_REASONS, reasons_for
from projections.sql import iso, read_rows

Item = dict[str, Any]


def item(row: dict[str, Any], now: datetime) -> Item:
    return {"relationship_id": row["relationship_id"], "program_id": row["program_id"],
            "mentor_id": row["mentor_id"], "mentee_id": row["mentee_id"],
            "status": row["status"], "reasons": reasons_for(row, now)}


def at_risk_now(cursor: TranslatingCursor, tables: dict[str, str], program_id: str,
                now: datetime, *, limit: int | None = None,
                after: tuple[int, str] | None = None) -> list[Item]:
    """Relationships of a program with at least one reason at ``now`` (not before the
    newest event), most reasons first, then by id; up to ``limit`` after ``after``.

    Each number of reasons is one indexed query on the stored risk instants, so a page
    reads about ``limit`` rows however many relationships the program has."""
    at, table = iso(now), tables[FACTS.name]
    found: list[Item] = []
    for k in range(after[0] if after else MAX_REASONS, 0, -1):
        wanted = None if limit is None else limit - len(found)
        if wanted is not None and wanted <= 0:
            break
        where = f"program_id = %s AND risk_{k} <= %s"
        params: list[Any] = [program_id, at]
        if k < MAX_REASONS:
            where += f" AND (risk_{k + 1} IS NULL OR risk_{k + 1} > %s)"
            params.append(at)
        if after and k == after[0]:
            where += " AND relationship_id > %s"
            params.append(after[1])
        order = "relationship_id" + (f" LIMIT {int(wanted)}" if wanted is not None else "")
        found += [item(row, now) for row in read_rows(cursor, FACTS, table, where, params,
                                                      order=order)]
    return found


def at_risk_as_of(cursor: TranslatingCursor, tables: dict[str, str], program_id: str,
                  when: datetime, *, limit: int | None = None,
                  after: tuple[int, str] | None = None) -> list[Item]:
    """The same page as of a past instant: each relationship's facts as they were then.

    Each version of the facts stores when its k-th reason starts, so the database counts
    the reasons at T, orders and pages; only the page's facts are decoded."""
    at = iso(when)
    reasons = " + ".join(f"CASE WHEN {risk} <= %s THEN 1 ELSE 0 END" for risk in RISKS)
    params: list[Any] = [at] * len(RISKS) + [program_id, at, at, at]
    where = ""
    if after is not None:
        where = "WHERE reasons < %s OR (reasons = %s AND relationship_id > %s)"
        params += [after[0], after[0], after[1]]
    query = (f"SELECT relationship_id, facts FROM (SELECT relationship_id, facts, "
             f"{reasons} AS reasons FROM {tables[HISTORY.name]} WHERE program_id = %s "
             "AND valid_to > %s AND valid_from <= %s AND risk_1 <= %s) AS valid "
             f"{where} ORDER BY reasons DESC, relationship_id"
             + ("" if limit is None else f" LIMIT {int(limit)}"))
    cursor.execute(query, params)
    return [item(orjson.loads(facts), when) for _, facts in cursor.fetchall()]
