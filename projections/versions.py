"""The life of a read model's versions: created, filled, switched live, dropped.

``projection_versions`` names the live version of each model; each version has its
own tables (suffixed ``_v{n}``) and its own row in ``projection_positions``. Creating,
switching and dropping take the schema lock (PostgreSQL), so two processes never
race on the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence

from infrastructure.sql import SqlStore
from projections import feeds, tracking
from projections.base import ReadModel
from projections.sql import TYPES

Target = tuple[ReadModel, int]  # a model and one of its versions


def setup(sql: SqlStore, models: Sequence[ReadModel]) -> None:
    """Creates the control tables and the first version of every model (idempotent)."""
    with sql.transaction() as cursor:
        tracking.lock_schema(cursor, sql.kind)
        tracking.create_control_tables(cursor, sql.kind)
        feeds.create_tables(cursor, TYPES[sql.kind])
        for model in models:
            tracking.ensure_model(cursor, sql.kind, model)


def create_next(sql: SqlStore, models: Sequence[ReadModel]) -> list[Target]:
    """A new, empty version of each model (after every version it ever had), at position 0."""
    targets = []
    with sql.transaction() as cursor:
        tracking.lock_schema(cursor, sql.kind)
        for model in models:
            old = tracking.active_version(cursor, model.name) or 0
            new = max([old, *tracking.versions_of(cursor, model.name)]) + 1
            for statement in [*model.drop_statements(new), *model.create_statements(sql.kind, new)]:
                cursor.execute(statement)
            cursor.execute(tracking.INSERT_POSITION, (model.name, new, tracking.now_text()))
            cursor.execute(tracking.SAVE_FINGERPRINT,
                           (model.name, new, model.fingerprint(sql.kind)))
            targets.append((model, new))
    return targets


def switch(sql: SqlStore, targets: Sequence[Target]) -> None:
    """Makes these versions live, all in one transaction."""
    with sql.transaction() as cursor:
        tracking.lock_schema(cursor, sql.kind)
        for model, version in targets:
            cursor.execute(tracking.SWITCH_VERSION, (version, tracking.now_text(), model.name))


def drop_all_but(sql: SqlStore, model: ReadModel, keep: int) -> list[int]:
    """Drops every version of a model but ``keep`` (old ones, failed rebuilds)."""
    with sql.transaction() as cursor:
        tracking.lock_schema(cursor, sql.kind)
        dropped = [v for v in tracking.versions_of(cursor, model.name) if v != keep]
        for version in dropped:
            for statement in model.drop_statements(version):
                cursor.execute(statement)
            cursor.execute(tracking.DELETE_POSITION, (model.name, version))
            cursor.execute(tracking.DELETE_PARKED, (model.name, version))
            cursor.execute(tracking.DELETE_FINGERPRINT, (model.name, version))
            feeds.forget(cursor, model.name, version)
    return dropped


def outdated(sql: SqlStore, models: Sequence[ReadModel]) -> list[ReadModel]:
    """The models whose live version was written by other code (other tables or handlers):
    after an upgrade, they must be rebuilt before they are followed or read."""
    with sql.transaction(write=False) as cursor:
        live = tracking.live_fingerprints(cursor)
    return [m for m in models
            if m.name in live and live[m.name][1] != m.fingerprint(sql.kind)]


def analyze(sql: SqlStore, models: Sequence[ReadModel]) -> None:
    """Refreshes the planner's statistics of the live tables (PostgreSQL; after bulk loads)."""
    if sql.kind != "postgres":
        return
    with sql.transaction() as cursor:
        live = tracking.active_versions(cursor)
        for model in models:
            for physical in model.table_names(live[model.name]).values():
                cursor.execute(f"ANALYZE {physical}")
