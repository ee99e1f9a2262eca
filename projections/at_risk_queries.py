"""Pages of at-risk relationships: from the current facts, or as of a past instant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from infrastructure.sql import TranslatingCursor
from projections.at_risk import FACTS, HISTORY
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
    newest event), most reasons first, then by id; up to ``limit`` after ``after``."""
    def read(where: str, params: list[Any], order: str) -> list[Item]:
        return [item(row, now) for row in read_rows(
            cursor, FACTS, tables[FACTS.name], "program_id = %s AND " + where,
            [program_id, *params], order=order)]

    return by_reasons(iso(now) or "", read, limit=limit, after=after)


def at_risk_as_of(cursor: TranslatingCursor, tables: dict[str, str], program_id: str,
                  when: datetime, *, limit: int | None = None,
                  after: tuple[int, str] | None = None) -> list[Item]:
    """The same page as of a past instant: each relationship's facts as they were then
    (the version of its facts valid at that instant)."""
    at = iso(when) or ""

    def read(where: str, params: list[Any], order: str) -> list[Item]:
        cursor.execute(f"SELECT facts FROM {tables[HISTORY.name]} WHERE program_id = %s "
                       f"AND valid_from <= %s AND valid_to > %s AND {where} ORDER BY {order}",
                       [program_id, at, at, *params])
        return [item(orjson.loads(facts), when) for (facts,) in cursor.fetchall()]

    return by_reasons(at, read, limit=limit, after=after)


Read = Callable[[str, list[Any], str], list[Item]]


def by_reasons(at: str, read: Read, *, limit: int | None,
               after: tuple[int, str] | None) -> list[Item]:
    """Most reasons at ``at`` first, then by id: one query per number of reasons k, for
    the rows whose k-th reason holds by then and whose next one does not (the risk
    instants are stored in order), each read in id order and only as far as the page
    needs. ``read(where, params, order)`` runs one of them.

    Each query has an index to follow (by risk instant among few rows, by id among
    many), so a page reads about ``limit`` rows however many relationships the program
    has, now or as of any instant."""
    found: list[Item] = []
    for k in range(after[0] if after else MAX_REASONS, 0, -1):
        wanted = None if limit is None else limit - len(found)
        if wanted is not None and wanted <= 0:
            break
        where = f"risk_{k} <= %s"
        params: list[Any] = [at]
        if k < MAX_REASONS:
            where += f" AND (risk_{k + 1} IS NULL OR risk_{k + 1} > %s)"
            params.append(at)
        if after and k == after[0]:
            where += " AND relationship_id > %s"
            params.append(after[1])
        found += read(where, params,
                      "relationship_id" + (f" LIMIT {int(wanted)}" if wanted is not None else ""))
    return found
