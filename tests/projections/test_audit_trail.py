"""The audit trail: every event of a relationship and its goals, hash-chained, verifiable."""

from __future__ import annotations

import hashlib
import json

from mentoring.bootstrap import Runtime
from projections import tracking
from tests.projections.scenario import Scenario


def trail_table(runtime: Runtime, logical: str) -> str:
    with runtime.sql.transaction(write=False) as cursor:
        version = tracking.active_version(cursor, "audit_trail")
    return f"{logical}_v{version}"


def execute(runtime: Runtime, statement: str, *params: object) -> None:
    with runtime.sql.transaction() as cursor:
        cursor.execute(statement, params)


def test_trail_holds_the_relationship_and_its_goal_in_order(
    runtime: Runtime, scenario: Scenario
) -> None:
    items = runtime.read_models().audit_trail(scenario.r[4], limit=100)["items"]
    assert [(i["aggregate_type"], i["type"]) for i in items] == [
        ("Relationship", "Requested"), ("Relationship", "ConnectionEstablished"),
        ("Relationship", "ExpectationsSet"), ("Goal", "Defined"),
        ("Relationship", "SessionScheduled"), ("Relationship", "SessionHeld"),
        ("Relationship", "Paused"), ("Relationship", "Resumed"),
        ("Relationship", "SessionScheduled"), ("Relationship", "SessionHeld"),
        ("Relationship", "Concluded"),
    ]
    first = items[0]
    assert (first["version"], first["actor"], first["occurred_at"]) == (
        1, "e4", "2026-01-06T10:00:00.000000+00:00")
    assert first["summary"] == "Mentee e4 asked mentor m2 for mentoring"
    assert "Hello" not in json.dumps(items)  # the request's message is personal


def test_each_hash_chains_the_previous_one_of_its_aggregate(
    runtime: Runtime, scenario: Scenario
) -> None:
    items = runtime.read_models().audit_trail(scenario.r[4], limit=100)["items"]
    previous = ""
    for item in (i for i in items if i["aggregate_type"] == "Relationship"):
        fields = {k: item[k] for k in ("aggregate_id", "version", "type", "occurred_at",
                                       "actor", "summary")}
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        assert item["hash"] == hashlib.sha256((previous + canonical).encode()).hexdigest()
        previous = item["hash"]


def test_trail_pages_by_cursor(runtime: Runtime, scenario: Scenario) -> None:
    read = runtime.read_models().audit_trail
    first = read(scenario.r[4], limit=4)
    rest = read(scenario.r[4], limit=100, cursor=first["next_cursor"])
    assert len(first["items"]) + len(rest["items"]) == 11
    assert rest["next_cursor"] is None
    held = read(scenario.r[4], types=["SessionHeld"])["items"]
    assert [i["version"] for i in held] == [5, 9]


def test_verify_accepts_an_untouched_trail(runtime: Runtime, scenario: Scenario) -> None:
    report = runtime.read_models().verify_trail(scenario.r[1])
    assert report["valid"] is True
    assert report["aggregates"] == [scenario.r[1], scenario.g[1]]
    assert report["first_problem"] is None


def test_verify_reports_an_altered_entry(runtime: Runtime, scenario: Scenario) -> None:
    execute(runtime, f"UPDATE {trail_table(runtime, 'audit_entries')} SET actor = %s "
            "WHERE aggregate_id = %s AND version = %s", "someone-else", scenario.r[1], 3)
    report = runtime.read_models().verify_trail(scenario.r[1])
    assert report["valid"] is False
    assert report["first_problem"]["problem"] == "altered"
    assert (report["first_problem"]["aggregate_id"], report["first_problem"]["version"]) == (
        scenario.r[1], 3)


def test_verify_reports_a_deleted_entry(runtime: Runtime, scenario: Scenario) -> None:
    execute(runtime, f"DELETE FROM {trail_table(runtime, 'audit_entries')} "
            "WHERE aggregate_id = %s AND version = %s", scenario.r[1], 4)
    problem = runtime.read_models().verify_trail(scenario.r[1])["first_problem"]
    assert (problem["aggregate_id"], problem["version"], problem["problem"]) == (
        scenario.r[1], 4, "missing")


def test_verify_reports_the_newest_entry_deleted(runtime: Runtime, scenario: Scenario) -> None:
    execute(runtime, f"DELETE FROM {trail_table(runtime, 'audit_entries')} "
            "WHERE aggregate_id = %s AND version = %s", scenario.r[4], 10)
    problem = runtime.read_models().verify_trail(scenario.r[4])["first_problem"]
    assert (problem["aggregate_id"], problem["version"], problem["problem"]) == (
        scenario.r[4], 10, "missing")


def test_verify_reports_an_entry_rewritten_with_a_fresh_hash(
    runtime: Runtime, scenario: Scenario
) -> None:
    # Rewriting the goal's newest entry and its hash leaves a valid chain; the head remembers.
    entries = trail_table(runtime, "audit_entries")
    with runtime.sql.transaction() as cursor:
        cursor.execute(f"SELECT hash FROM {entries} WHERE aggregate_id = %s AND version = 1",
                       (scenario.g[1],))
        (previous,) = cursor.fetchone()
    forged = {"aggregate_id": scenario.g[1], "version": 2, "type": "Abandoned",
              "occurred_at": "2026-01-31T09:00:00.000000+00:00", "actor": "e1",
              "summary": "Goal abandoned"}
    canonical = json.dumps(forged, sort_keys=True, separators=(",", ":"))
    execute(runtime, f"UPDATE {entries} SET type = %s, summary = %s, hash = %s "
            "WHERE aggregate_id = %s AND version = 2", "Abandoned", "Goal abandoned",
            hashlib.sha256((previous + canonical).encode()).hexdigest(), scenario.g[1])
    problem = runtime.read_models().verify_trail(scenario.r[1])["first_problem"]
    assert (problem["aggregate_id"], problem["version"], problem["problem"]) == (
        scenario.g[1], 2, "altered")


def verify_against_log(runtime: Runtime, aggregate_id: str) -> dict:
    return runtime.read_models().verify_trail(aggregate_id, runtime.service.events)


def test_the_log_catches_a_forgery_whose_chain_and_head_recompute(
    runtime: Runtime, scenario: Scenario
) -> None:
    # Rewrite the goal's newest entry with a valid hash and move its head along: the chain
    # alone cannot tell; the event store can.
    entries, heads = trail_table(runtime, "audit_entries"), trail_table(runtime, "audit_heads")
    with runtime.sql.transaction() as cursor:
        cursor.execute(f"SELECT hash FROM {entries} WHERE aggregate_id = %s AND version = 1",
                       (scenario.g[1],))
        (previous,) = cursor.fetchone()
    forged = {"aggregate_id": scenario.g[1], "version": 2, "type": "Abandoned",
              "occurred_at": "2026-01-31T09:00:00.000000+00:00", "actor": "e1",
              "summary": "Goal abandoned"}
    digest = hashlib.sha256(
        (previous + json.dumps(forged, sort_keys=True, separators=(",", ":"))).encode()
    ).hexdigest()
    execute(runtime, f"UPDATE {entries} SET type = %s, summary = %s, hash = %s "
            "WHERE aggregate_id = %s AND version = 2", "Abandoned", "Goal abandoned", digest,
            scenario.g[1])
    execute(runtime, f"UPDATE {heads} SET hash = %s WHERE aggregate_id = %s", digest,
            scenario.g[1])
    assert runtime.read_models().verify_trail(scenario.g[1])["valid"] is True
    report = verify_against_log(runtime, scenario.r[1])
    assert report["valid"] is False and report["checked_against_log"] is True
    problem = report["first_problem"]
    assert (problem["aggregate_id"], problem["version"], problem["problem"], problem["field"]) == (
        scenario.g[1], 2, "altered", "type")


def test_the_log_catches_an_entry_it_never_had(runtime: Runtime, scenario: Scenario) -> None:
    entries, heads = trail_table(runtime, "audit_entries"), trail_table(runtime, "audit_heads")
    with runtime.sql.transaction() as cursor:
        cursor.execute(f"SELECT hash, position FROM {entries} WHERE aggregate_id = %s "
                       "ORDER BY version DESC LIMIT 1", (scenario.r[4],))
        previous, position = cursor.fetchone()
    invented = {"aggregate_id": scenario.r[4], "version": 11, "type": "SessionHeld",
                "occurred_at": "2026-01-30T10:00:00.000000+00:00", "actor": "m2",
                "summary": "Session held"}
    digest = hashlib.sha256(
        (previous + json.dumps(invented, sort_keys=True, separators=(",", ":"))).encode()
    ).hexdigest()
    execute(runtime, f"INSERT INTO {entries} (aggregate_id, version, position, aggregate_type, "
            "type, occurred_at, actor, summary, hash) VALUES (%s, 11, %s, 'Relationship', "
            "%s, %s, %s, %s, %s)", scenario.r[4], position, invented["type"],
            invented["occurred_at"], invented["actor"], invented["summary"], digest)
    execute(runtime, f"UPDATE {heads} SET version = 11, hash = %s WHERE aggregate_id = %s",
            digest, scenario.r[4])
    problem = verify_against_log(runtime, scenario.r[4])["first_problem"]
    assert (problem["version"], problem["problem"]) == (11, "not_in_log")


def test_the_newest_entry_and_its_head_removed_is_missing_once_the_view_caught_up(
    runtime: Runtime, scenario: Scenario
) -> None:
    entries, heads = trail_table(runtime, "audit_entries"), trail_table(runtime, "audit_heads")
    with runtime.sql.transaction() as cursor:
        cursor.execute(f"SELECT hash FROM {entries} WHERE aggregate_id = %s AND version = 9",
                       (scenario.r[4],))
        (previous,) = cursor.fetchone()
    execute(runtime, f"DELETE FROM {entries} WHERE aggregate_id = %s AND version = 10",
            scenario.r[4])
    execute(runtime, f"UPDATE {heads} SET version = 9, hash = %s WHERE aggregate_id = %s",
            previous, scenario.r[4])
    assert runtime.read_models().verify_trail(scenario.r[4])["valid"] is True
    problem = verify_against_log(runtime, scenario.r[4])["first_problem"]
    assert (problem["version"], problem["problem"]) == (10, "missing")


def test_events_not_projected_yet_are_lag_not_tampering(
    runtime: Runtime, scenario: Scenario
) -> None:
    runtime.service.review_relationship(scenario.r[1], mentor_satisfaction=5,
                                        mentee_satisfaction=5, actor="admin")
    report = verify_against_log(runtime, scenario.r[1])
    assert report["valid"] is True and report["not_yet_projected"] == 1
    assert report["log_events"] == report["entries"] + 1
