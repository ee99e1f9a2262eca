"""A small program played in January 2026 with known times, so figures can be computed by hand.

R1 e1-m1: connected Jan 2, expectations Jan 5 (every 7 days), held Jan 8 (60 min) and
   Jan 15 (45 min), mentee missed Jan 22, mentor cancelled Jan 29's, feedback, review 4/2.
R2 e2-m1: connected Jan 4, no expectations, feedback, two no-shows in a row (mentee, mentor).
R3 e3-m2: declined Jan 6.
R4 e4-m2: connected and expectations Jan 7 (every 14 days), held Jan 10 and Jan 25 (30 min
   each), paused Jan 14 - Jan 21, concluded Jan 28.
R5 e5-m1: requested Jan 20, still waiting.
Goals: G1 (e1, R1) achieved Jan 31; G2 (e2, R2) abandoned Jan 20; G3 (e4, R4) open.
Mentors: m1 (leadership, public speaking; 2 places, 240 min), m2 (python, data analysis;
1 place, 120 min), m3 (python; retired Jan 15).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from application.service import MentoringService

NOW = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
EXPECTATIONS = {"session_minutes": 60, "monthly_minutes_cap": 240, "topics": ["career"],
                "channel": "video", "review_every_days": 30}


def jan(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 1, day, hour, 0, tzinfo=UTC)


@dataclass
class Scenario:
    service: MentoringService
    program: str = ""
    r: dict[int, str] = field(default_factory=dict)
    g: dict[int, str] = field(default_factory=dict)

    @classmethod
    def play(cls, service: MentoringService) -> Scenario:
        scenario = cls(service)
        scenario._play()
        return scenario

    def rel(self, number: int, command: str, day: datetime, **kwargs: Any) -> Any:
        """Runs ``MentoringService.<command>`` on relationship ``number`` as the admin."""
        run = getattr(self.service, command)
        return run(self.r[number], actor="admin", at=day, **kwargs).extra

    def session(self, number: int, booked: datetime, held: datetime, minutes: int) -> str:
        extra = self.rel(number, "schedule_session", booked, scheduled_for=held,
                         duration_minutes=minutes, agenda=None)
        return str(extra["session_id"])

    def _play(self) -> None:
        s = self.service
        self.program = s.create_program(name="January", description=None, actor="admin",
                                        at=jan(1, 8)).id
        for person, skills, capacity, minutes in (
            ("m1", ["leadership", "public speaking"], 2, 240),
            ("m2", ["python", "data analysis"], 1, 120),
            ("m3", ["python"], 1, 60),
        ):
            s.register_mentor(program_id=self.program, person_id=person, skills=skills,
                              capacity=capacity, monthly_minutes=minutes, actor="admin",
                              at=jan(1, 9))
        self.request(1, "e1", "m1", jan(1))
        s.accept_relationship(self.r[1], actor="m1", at=jan(2))
        self.goal(1, "e1", 1, jan(2, 11), "leadership", "Lead my team's planning")
        self.request(2, "e2", "m1", jan(3))
        s.accept_relationship(self.r[2], actor="m1", at=jan(4))
        self.goal(2, "e2", 2, jan(4, 11), "technical", "Learn python for data analysis")
        self.rel(1, "set_expectations", jan(5), meeting_every_days=7, **EXPECTATIONS)
        self.request(3, "e3", "m2", jan(5))
        self.rel(3, "decline_relationship", jan(6), reason="No time")
        r1_first = self.session(1, jan(6), jan(8), 60)
        self.request(4, "e4", "m2", jan(6))
        s.accept_relationship(self.r[4], actor="m2", at=jan(7))
        self.rel(4, "set_expectations", jan(7), meeting_every_days=14,
                 **{**EXPECTATIONS, "session_minutes": 30, "monthly_minutes_cap": 60})
        self.goal(3, "e4", 4, jan(7, 12), "technical", "Ship a python data pipeline")
        self.rel(1, "hold_session", jan(8), session_id=r1_first, held_at=jan(8),
                 duration_minutes=60, mentee_on_time=True, mentee_prepared=True, notes=None)
        r4_first = self.session(4, jan(8), jan(10), 30)
        r2_first = self.session(2, jan(10), jan(12), 30)
        self.rel(2, "receive_feedback", jan(10), from_role="mentee", kind="praise",
                 text="Thank you", goal_id=None)
        self.rel(4, "hold_session", jan(10), session_id=r4_first, held_at=jan(10),
                 duration_minutes=30, mentee_on_time=True, mentee_prepared=False, notes=None)
        self.rel(2, "miss_session", jan(12), session_id=r2_first, missed_by="mentee")
        r2_second = self.session(2, jan(13), jan(14), 30)
        r1_second = self.session(1, jan(13), jan(15), 45)
        self.rel(2, "miss_session", jan(14), session_id=r2_second, missed_by="mentor")
        self.rel(4, "pause_relationship", jan(14), reason="Holiday")
        self.rel(1, "hold_session", jan(15), session_id=r1_second, held_at=jan(15),
                 duration_minutes=45, mentee_on_time=False, mentee_prepared=True, notes=None)
        feedback = self.rel(1, "receive_feedback", jan(15), from_role="mentor",
                            kind="constructive", text="Delegate more", goal_id=self.g[1])
        s.retire_mentor(self.program, "m3", reason=None, actor="admin", at=jan(15))
        self.rel(1, "acknowledge_feedback", jan(16), feedback_id=feedback["feedback_id"])
        self.request(5, "e5", "m1", jan(20))
        s.abandon_goal(self.g[2], reason="Changed role", actor="e2", at=jan(20))
        self.rel(4, "resume_relationship", jan(21))
        r1_third = self.session(1, jan(20), jan(22), 60)
        r4_second = self.session(4, jan(22), jan(25), 30)
        self.rel(1, "miss_session", jan(22), session_id=r1_third, missed_by="mentee")
        self.rel(4, "hold_session", jan(25), session_id=r4_second, held_at=jan(25),
                 duration_minutes=30, mentee_on_time=True, mentee_prepared=True, notes=None)
        r1_fourth = self.session(1, jan(23), jan(29), 60)
        self.rel(1, "cancel_session", jan(27), session_id=r1_fourth, cancelled_by="mentor",
                 reason=None)
        s.conclude_relationship(self.r[4], reason="Done", outcome="goals met", actor="e4",
                                at=jan(28))
        self.rel(1, "review_relationship", jan(30), mentor_satisfaction=4,
                 mentee_satisfaction=2, notes=None)
        s.achieve_goal(self.g[1], note=None, actor="e1", at=jan(31, 9))

    def request(self, number: int, mentee: str, mentor: str, day: datetime) -> None:
        self.r[number] = self.service.request_relationship(
            program_id=self.program, mentor_id=mentor, mentee_id=mentee, message="Hello",
            actor=mentee, at=day).id

    def goal(self, number: int, mentee: str, relationship: int, day: datetime, area: str,
             title: str) -> None:
        self.g[number] = self.service.define_goal(
            program_id=self.program, mentee_id=mentee, actor=mentee,
            relationship_id=self.r[relationship], at=day, title=title, area=area,
            success_criteria="Done when done", target_date=date(2026, 6, 30)).id
