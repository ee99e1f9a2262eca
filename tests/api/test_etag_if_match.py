"""Optimistic concurrency over HTTP: ETag on every read and command, If-Match on commands."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.driver import Driver, is_problem, ok


def test_read_and_command_carry_the_version_as_a_strong_etag(client: TestClient,
                                                              driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    read = client.get(f"/v1/relationships/{relationship_id}")
    assert read.headers["etag"] == f'"{read.json()["version"]}"'
    command = client.post(f"/v1/relationships/{relationship_id}/gratitude",
                          json={"message": "Thanks"})
    assert command.headers["etag"] == f'"{command.json()["version"]}"'


@pytest.mark.parametrize("if_match", ['"3"', "3", "*", 'W/"3"'])
def test_if_match_with_the_current_version_applies(client: TestClient, driver: Driver,
                                                   if_match: str) -> None:
    _, relationship_id = driver.active_relationship()  # version 3
    response = client.post(f"/v1/relationships/{relationship_id}/gratitude",
                           json={"message": "Thanks"}, headers={"If-Match": if_match})
    assert ok(response)["version"] == 4


def test_stale_if_match_is_412_and_changes_nothing(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    problem = is_problem(client.post(f"/v1/relationships/{relationship_id}/gratitude",
                                     json={"message": "Thanks"}, headers={"If-Match": '"2"'}),
                         412, "version-mismatch")
    assert "current version is 3" in problem["detail"]
    assert driver.relationship_state(relationship_id)["version"] == 3


def test_malformed_if_match_is_422_naming_the_header(client: TestClient,
                                                     driver: Driver) -> None:
    goal_id = driver.goal(driver.program())
    problem = is_problem(client.post(f"/v1/goals/{goal_id}/achieve",
                                     headers={"If-Match": "banana"}), 422)
    assert problem["errors"][0]["field"] == "header.If-Match"
