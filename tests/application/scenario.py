"""A program, mentors and relationships set up through the service, at known instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from application.service import MentoringService

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
COORDINATOR, MENTOR, MENTEE = "hr-coordinator", "emp-m1", "emp-e1"
EXPECTATIONS: dict[str, Any] = {
    "meeting_every_days": 14, "session_minutes": 60, "monthly_minutes_cap": 120,
    "topics": ["visibility"], "channel": "video", "review_every_days": 90,
}


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


@dataclass
class World:
    service: MentoringService
    program_id: str

    @classmethod
    def open(cls, service: MentoringService, *, capacity: int = 2) -> World:
        program = service.create_program(name="Leadership", description="For new leads",
                                         actor=COORDINATOR, at=T0)
        world = cls(service, program.id)
        world.mentor(MENTOR, capacity=capacity)
        return world

    def mentor(self, person_id: str, *, capacity: int = 2) -> str:
        return self.service.register_mentor(
            program_id=self.program_id, person_id=person_id, skills=["leadership"],
            capacity=capacity, monthly_minutes=240, actor=COORDINATOR, at=at(hours=1)).id

    def request(self, mentee: str = MENTEE, *, mentor: str = MENTOR, day: float = 1) -> str:
        return self.service.request_relationship(
            program_id=self.program_id, mentor_id=mentor, mentee_id=mentee,
            message="Would you mentor me?", actor=mentee, at=at(days=day)).id

    def connected(self, mentee: str = MENTEE, *, mentor: str = MENTOR) -> str:
        rel = self.request(mentee, mentor=mentor)
        self.service.accept_relationship(rel, actor=mentor, at=at(days=2))
        return rel

    def agreed(self, mentee: str = MENTEE) -> str:
        rel = self.connected(mentee)
        self.service.set_expectations(rel, actor=mentee, at=at(days=3),
                                          **EXPECTATIONS)
        return rel

    def paused(self, mentee: str = MENTEE) -> str:
        rel = self.connected(mentee)
        self.service.pause_relationship(rel, reason="Leave", actor=mentee,
                                          at=at(days=3))
        return rel

    def book(self, rel: str, *, minutes: int = 60, day: float = 10) -> str:
        booked = self.service.schedule_session(
            rel, scheduled_for=at(days=day), duration_minutes=minutes,
            agenda="Roadmap", actor=MENTOR, at=at(days=4))
        assert booked.extra is not None
        return str(booked.extra["session_id"])

    def feedback(self, rel: str) -> str:
        given = self.service.receive_feedback(
            rel, from_role="mentor", kind="praise", text="Well prepared",
            goal_id=None, actor=MENTOR, at=at(days=4))
        assert given.extra is not None
        return str(given.extra["feedback_id"])

    def goal(self, mentee: str = MENTEE, *, relationship_id: str | None = None) -> str:
        return self.service.define_goal(
            program_id=self.program_id, mentee_id=mentee, title="Lead a team",
            success_criteria="Runs planning alone", target_date=date(2026, 12, 31),
            relationship_id=relationship_id, actor=mentee, at=at(days=1)).id

    def types(self, aggregate_id: str) -> list[str]:
        return [record["type"] for record in self.service.history(aggregate_id)]
