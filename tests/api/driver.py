"""Drives the API through a relationship's life, checking each step's status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

ADMIN_SECRET = "test-admin-secret-0123456789abcdef"
# The service refuses sessions booked in the past and goals aiming behind them: tests
# that need fixed dates use next year's; those that hold a session use "in a moment".
NEXT_YEAR = datetime.now(UTC).year + 1


def moment(minutes: int = 5) -> str:
    """An instant a few minutes from now (within the clock allowance), ISO-8601."""
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()
EXPECTATIONS = {
    "meeting_every_days": 14,
    "session_minutes": 60,
    "monthly_minutes_cap": 180,
    "topics": ["design reviews", "career"],
    "channel": "video",
    "review_every_days": 90,
}


def ok(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def is_problem(response: Response, status: int, rule: str | None = None) -> dict[str, Any]:
    """Asserts an RFC 9457 problem document with this status (and rule)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    if rule is not None:
        assert body["rule"] == rule, body
    return body


@dataclass
class Driver:
    """Creates programs, mentors, relationships and goals through the HTTP API."""

    client: TestClient

    def program(self, name: str = "Engineering mentoring") -> str:
        return str(ok(self.client.post("/v1/programs", json={"name": name}), 201)["id"])

    def mentor(self, program_id: str, person_id: str = "mentor-1", capacity: int = 3) -> None:
        ok(self.client.post("/v1/mentors", json={
            "program_id": program_id, "person_id": person_id, "skills": ["python"],
            "capacity": capacity, "monthly_minutes": 600}), 201)

    def relationship(self, program_id: str, mentor_id: str = "mentor-1",
                     mentee_id: str = "mentee-1") -> str:
        return str(ok(self.client.post("/v1/relationships", json={
            "program_id": program_id, "mentor_id": mentor_id, "mentee_id": mentee_id,
            "message": "Would you mentor me?"}), 201)["id"])

    def active_relationship(self, program_id: str | None = None,
                            mentee_id: str = "mentee-1") -> tuple[str, str]:
        """(program id, relationship id) of an accepted relationship with expectations."""
        if program_id is None:
            program_id = self.program()
            self.mentor(program_id)
        relationship_id = self.relationship(program_id, mentee_id=mentee_id)
        ok(self.client.post(f"/v1/relationships/{relationship_id}/accept", json={}))
        ok(self.client.put(f"/v1/relationships/{relationship_id}/expectations",
                           json=EXPECTATIONS))
        return program_id, relationship_id

    def goal(self, program_id: str, mentee_id: str = "mentee-1", **extra: Any) -> str:
        return str(ok(self.client.post("/v1/goals", json={
            "program_id": program_id, "mentee_id": mentee_id, "title": "Lead a design review",
            "success_criteria": "Two reviews with good feedback",
            "target_date": f"{NEXT_YEAR}-09-30",
            **extra}), 201)["id"])

    def relationship_state(self, relationship_id: str) -> dict[str, Any]:
        return ok(self.client.get(f"/v1/relationships/{relationship_id}"))
